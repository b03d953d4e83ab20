//! Diagnostics: every problem the generator finds in a spec, with the file and
//! an RFC 6901 JSON pointer to the offending node.

use std::fmt;

/// How bad a diagnostic is. Any [`Severity::Error`] stops generation: nothing
/// is written. Warnings describe a lossless degradation and let the run go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec file as the caller named it.
    pub file: String,
    /// RFC 6901 pointer, starting with `#` (`#/paths/~1api~1v1~1users/get`).
    pub pointer: String,
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{level}: {}{}: {}",
            self.file, self.pointer, self.message
        )
    }
}

/// A JSON pointer under construction. Cheap to clone and extend.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pointer(String);

impl Pointer {
    /// The document root, `#`.
    pub fn root() -> Self {
        Pointer(String::from("#"))
    }

    /// Parse the fragment of a local `$ref` (`#/components/schemas/Foo`).
    pub fn from_ref(reference: &str) -> Self {
        // Kept as written: a pointer in a diagnostic should match the spec text.
        Pointer(reference.to_string())
    }

    /// This pointer extended by one reference token, escaped per RFC 6901.
    pub fn push(&self, token: impl AsRef<str>) -> Self {
        let token = token.as_ref().replace('~', "~0").replace('/', "~1");
        Pointer(format!("{}/{}", self.0, token))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Collects diagnostics for one spec file.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: impl Into<String>) -> Self {
        Diagnostics {
            file: file.into(),
            items: Vec::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn error(&mut self, pointer: &Pointer, message: impl Into<String>) {
        self.push(Severity::Error, pointer, message);
    }

    pub fn warning(&mut self, pointer: &Pointer, message: impl Into<String>) {
        self.push(Severity::Warning, pointer, message);
    }

    fn push(&mut self, severity: Severity, pointer: &Pointer, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity,
            file: self.file.clone(),
            pointer: pointer.as_str().to_string(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics, sorted (errors last within a pointer) and deduplicated.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.pointer, &a.message, a.severity).cmp(&(&b.pointer, &b.message, b.severity))
        });
        self.items.dedup();
        self.items
    }
}

/// The name of the component a local `$ref` names under
/// `#/components/{kind}/`: the fragment is a URI fragment, so it is
/// percent-decoded (`With%20Space`), then unescaped per RFC 6901 (`A~1B` is
/// `A/B`). `None` when the reference is not of that form.
pub fn component_key(reference: &str, kind: &str) -> Option<String> {
    let token = reference
        .strip_prefix("#/components/")?
        .strip_prefix(kind)?
        .strip_prefix('/')?;
    let decoded = percent_encoding::percent_decode_str(token)
        .decode_utf8()
        .ok()?;
    Some(decoded.replace("~1", "/").replace("~0", "~"))
}

/// A discriminator mapping's target as a `$ref`: OpenAPI allows the bare
/// schema name (`Card`) as well as the reference.
pub fn mapping_ref(target: &str) -> String {
    if target.contains('#') || target.contains('/') {
        target.to_string()
    } else {
        format!("#/components/schemas/{target}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        let p = Pointer::root()
            .push("paths")
            .push("/api/v1/identity-sources/{identitySourceId}/sessions")
            .push("post");
        assert_eq!(
            p.as_str(),
            "#/paths/~1api~1v1~1identity-sources~1{identitySourceId}~1sessions/post"
        );
        assert_eq!(Pointer::root().push("a~b").as_str(), "#/a~0b");
    }

    #[test]
    fn display_names_file_and_pointer() {
        let mut d = Diagnostics::new("spec/x.yaml");
        d.error(&Pointer::root().push("paths"), "boom");
        let v = d.into_sorted();
        assert_eq!(v[0].to_string(), "error: spec/x.yaml#/paths: boom");
    }
}
