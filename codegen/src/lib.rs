//! The okta-identity-source code generator: a pure library, no IO.
//!
//! Data flows one way: text → [`load`] (openapiv3 over serde_yaml, errors
//! located) → [`lower`] (plain-data [`ir`], every diagnostic collected) →
//! [`emit`] (tokens with `quote!`) → [`render`] (prettyplease under a fixed
//! header). [`generate`] runs the whole pipeline; the caller (xtask) does the
//! reading and writing.

pub mod apidiff;
pub mod diag;
pub mod docs;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod overlay;
pub mod render;
/// The method names generated code must avoid: every method of the
/// runtime's `Client` (operations) and `Call` (optional-parameter setters),
/// read from `okta-identity-source/src/runtime/` by `build.rs`.
pub mod reserved {
    include!(concat!(env!("OUT_DIR"), "/reserved.rs"));
}
#[cfg(test)]
mod reserved_scan;
pub mod spec_add;
pub mod spec_update;

pub use diag::{Diagnostic, Severity};

/// One generated file: a path relative to the output directory and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// The outcome of a successful run: the files, and warnings worth reading.
#[derive(Debug, Clone)]
pub struct Output {
    pub files: Vec<GeneratedFile>,
    pub warnings: Vec<Diagnostic>,
    pub stats: Stats,
}

/// How much of the spec was generated, and how exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub operations: usize,
    pub types: usize,
    pub examples: usize,
}

/// The generator's IR of the spec `text`, for comparing two specs
/// ([`apidiff`]). Errors as [`generate`] reports them; warnings are dropped.
pub fn lower_spec(file: &str, text: &str) -> Result<ir::Api, Vec<Diagnostic>> {
    let spec = load::load(file, text)?;
    let (api, diagnostics) = lower::lower(file, &spec);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(api)
}

/// Generate the files of `src/generated/` from the spec `text`.
///
/// `file` labels diagnostics and the header (for example
/// `spec/okta-identity-source.yaml`). Returns every diagnostic, errors and
/// warnings, when any is an error; nothing should then be written.
pub fn generate(file: &str, text: &str) -> Result<Output, Vec<Diagnostic>> {
    let spec = load::load(file, text)?;
    let (api, diagnostics) = lower::lower(file, &spec);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let stats = Stats {
        operations: api.operations.len(),
        types: api.types.len(),
        examples: api.examples.len(),
    };
    let mut files = Vec::new();
    for (name, tokens) in emit::emit(&api) {
        let contents = render::render(file, tokens).map_err(|message| {
            vec![Diagnostic {
                severity: Severity::Error,
                file: file.to_string(),
                pointer: String::from("#"),
                message: format!("internal generator error in {name}: {message}"),
            }]
        })?;
        files.push(GeneratedFile {
            path: name.to_string(),
            contents,
        });
    }
    Ok(Output {
        files,
        warnings: diagnostics,
        stats,
    })
}
