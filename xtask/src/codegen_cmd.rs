//! `cargo xtask codegen`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::fsutil::{SyncReport, sync_dir};
use crate::workspace_root;

/// Where the crate's generated code lives, relative to the workspace root.
pub const GENERATED_DIR: &str = "okta-identity-source/src/generated";

pub fn run(
    check: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    if let Some(out) = out {
        let Some(spec) = spec else {
            bail!("--out needs --spec FILE")
        };
        return crate::standalone::generate(&root, &spec, &out, verbose);
    }
    let spec = match spec {
        Some(s) => s,
        None => default_spec(&root)?,
    };
    let outcome = generate_crate(&root, &spec, check, verbose)?;
    Ok(outcome)
}

/// The one OpenAPI file in `spec/`.
pub fn default_spec(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join("spec");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!(
            "no OpenAPI file (*.yaml, *.yml, *.json) in {}",
            dir.display()
        ),
        _ => bail!(
            "several OpenAPI files in {}: {}; keep one (merge them, for example with `cargo xtask spec add`) or pass --spec",
            dir.display(),
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The label a spec gets in diagnostics and headers: relative to the root when inside it.
pub fn label(root: &Path, spec: &Path) -> String {
    let abs = if spec.is_absolute() {
        spec.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(spec))
            .unwrap_or_else(|_| spec.to_path_buf())
    };
    let rel = abs.strip_prefix(root).map(Path::to_path_buf).unwrap_or(abs);
    rel.to_string_lossy().replace('\\', "/")
}

/// Run the generator on `spec`, printing diagnostics. `Ok(None)` when it failed.
pub fn run_generator(
    root: &Path,
    spec: &Path,
    verbose: bool,
) -> anyhow::Result<Option<codegen::Output>> {
    let label = label(root, spec);
    // Errors name the spec as every diagnostic does (the label), not by
    // the absolute path the default spec is found at.
    let text = crate::fsutil::read_spec_labelled(spec, &label)?;
    match codegen::generate(&label, &text) {
        Ok(out) => {
            print_warnings(&out.warnings, verbose);
            Ok(Some(out))
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            for d in &diags {
                if d.is_error() || verbose {
                    eprintln!("{d}");
                }
            }
            let warnings = diags.len() - errors;
            eprintln!("{errors} error(s), {warnings} warning(s) in {label}; nothing was written");
            Ok(None)
        }
    }
}

fn print_warnings(warnings: &[codegen::Diagnostic], verbose: bool) {
    if warnings.is_empty() {
        return;
    }
    const SHOWN: usize = 20;
    for w in warnings
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        eprintln!("{w}");
    }
    if !verbose && warnings.len() > SHOWN {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for w in warnings {
            let kind: String = w
                .message
                .split([';', '('])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .take(60)
                .collect();
            *kinds.entry(kind).or_default() += 1;
        }
        eprintln!(
            "… {} more warnings (--verbose shows all). By kind:",
            warnings.len() - SHOWN
        );
        let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (k, n) in kinds.iter().take(15) {
            eprintln!("  {n:5}  {k}");
        }
    }
    eprintln!("{} warning(s)", warnings.len());
}

fn generate_crate(
    root: &Path,
    spec: &Path,
    check: bool,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let Some(output) = run_generator(root, spec, verbose)? else {
        return Ok(ExitCode::FAILURE);
    };
    let label = label(root, spec);
    let files: Vec<(String, String)> = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let dir = root.join(GENERATED_DIR);
    let report = sync_dir(&dir, &files, codegen::render::HEADER_PREFIX, check)?;
    if check {
        let mut failed = false;
        if !output.warnings.is_empty() {
            eprintln!("the drift check denies warnings: {label} must generate without any");
            failed = true;
        }
        if !report.is_clean() {
            print_drift(&report);
            failed = true;
        }
        if failed {
            eprintln!("run `cargo xtask codegen` and commit the result");
            return Ok(ExitCode::FAILURE);
        }
        println!(
            "{GENERATED_DIR} is up to date with {label} ({} operations, {} types, {} examples)",
            output.stats.operations, output.stats.types, output.stats.examples
        );
        return Ok(ExitCode::SUCCESS);
    }
    let touched = report.changed.len() + report.missing.len() + report.extra.len();
    println!(
        "generated {} operations, {} types, {} example tests from {label}: {touched} file(s) changed in {GENERATED_DIR}",
        output.stats.operations, output.stats.types, output.stats.examples
    );
    Ok(ExitCode::SUCCESS)
}

fn print_drift(report: &SyncReport) {
    for p in &report.changed {
        eprintln!("stale:   {}", p.display());
    }
    for p in &report.missing {
        eprintln!("missing: {}", p.display());
    }
    for p in &report.extra {
        eprintln!("extra:   {}", p.display());
    }
    for d in &report.diffs {
        eprintln!("{d}");
    }
}

/// Check mode as a plain function, for the drift test.
#[cfg(test)]
pub fn drift(root: &Path) -> anyhow::Result<SyncReport> {
    let spec = default_spec(root)?;
    let label = label(root, &spec);
    let text = fs::read_to_string(&spec)?;
    let output = codegen::generate(&label, &text).map_err(|d| {
        anyhow::anyhow!(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    if !output.warnings.is_empty() {
        bail!(
            "{label} generates with warnings:\n{}",
            output
                .warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let files: Vec<(String, String)> = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    Ok(sync_dir(
        &root.join(GENERATED_DIR),
        &files,
        codegen::render::HEADER_PREFIX,
        true,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated operation named like a method of the runtime's `Client`
    /// (`run`, `settings`, …) would be a second inherent method of that name
    /// and the crate would not compile; the generator renames such
    /// operations, from a list this keeps in step with `runtime/client.rs`.
    #[test]
    fn client_methods_are_reserved() {
        let path = workspace_root().join("okta-identity-source/src/runtime/client.rs");
        let text = fs::read_to_string(&path).expect("runtime/client.rs");
        let mut methods = Vec::new();
        let mut in_impl = false;
        for line in text.lines() {
            if line.starts_with("impl Client {") {
                in_impl = true;
            } else if line == "}" {
                in_impl = false;
            } else if in_impl && let Some(item) = line.strip_prefix("    ") {
                let item = item
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ")
                    .trim_start_matches("async ");
                if let Some(sig) = item.strip_prefix("fn ") {
                    let name: String = sig
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    methods.push(name);
                }
            }
        }
        assert!(
            methods.len() >= 8,
            "found only {methods:?} in {}",
            path.display()
        );
        let missing: Vec<&String> = methods
            .iter()
            .filter(|m| !codegen::lower::RESERVED_METHODS.contains(&m.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "add {missing:?} to RESERVED_METHODS in codegen/src/lower/operation.rs"
        );
    }

    /// Plain `cargo test` fails when the committed generated code drifts.
    #[test]
    fn generated_code_matches_spec() {
        let report = drift(&workspace_root()).expect("the spec generates");
        assert!(
            report.is_clean(),
            "okta-identity-source/src/generated is stale; run `cargo xtask codegen`.\nchanged: {:?}\nmissing: {:?}\nextra: {:?}\n{}",
            report.changed,
            report.missing,
            report.extra,
            report.diffs.join("\n")
        );
    }
}
