//! Helpers shared by the bad-spec corpus and the fuzz test.

#![allow(dead_code)]

use codegen::{Diagnostic, Output};

/// Run the generator, turning a panic into an `Err` carrying its message so
/// one failing input does not hide the others.
pub fn generate_caught(label: &str, text: &str) -> Result<Result<Output, Vec<Diagnostic>>, String> {
    std::panic::catch_unwind(|| codegen::generate(label, text)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| String::from("(non-string panic payload)"))
    })
}

/// Resolve an RFC 6901 pointer written as a URI fragment (`#/a/b~1c`) in a
/// YAML document. Keys are compared as YAML scalars, so the unquoted
/// response code `200` matches the token `200`.
pub fn resolve<'v>(doc: &'v serde_yaml::Value, pointer: &str) -> Option<&'v serde_yaml::Value> {
    let rest = pointer.strip_prefix('#')?;
    if rest.is_empty() {
        return Some(doc);
    }
    let rest = rest.strip_prefix('/')?;
    let mut node = doc;
    for raw in rest.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        node = match node {
            serde_yaml::Value::Mapping(m) => m
                .iter()
                .find(|(k, _)| scalar_text(k).as_deref() == Some(token.as_str()))
                .map(|(_, v)| v)?,
            serde_yaml::Value::Sequence(s) => s.get(token.parse::<usize>().ok()?)?,
            serde_yaml::Value::Tagged(t) => return resolve(&t.value, &format!("#/{raw}")),
            _ => return None,
        };
    }
    Some(node)
}

fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Null => Some(String::from("null")),
        _ => None,
    }
}

/// Problems with the shape of a diagnostic: it must name `label`, carry a
/// pointer starting with `#`, have a message, and (when the document parses
/// as YAML) point at a node that exists.
pub fn diagnostic_problems(
    label: &str,
    doc: Option<&serde_yaml::Value>,
    d: &Diagnostic,
) -> Vec<String> {
    let mut out = Vec::new();
    if d.file != label {
        out.push(format!("names file {:?}, not {label:?}: {d}", d.file));
    }
    if !d.pointer.starts_with('#') {
        out.push(format!("pointer does not start with `#`: {d}"));
    }
    if d.message.trim().is_empty() {
        out.push(format!("empty message: {d}"));
    }
    if let Some(doc) = doc
        && resolve(doc, &d.pointer).is_none()
    {
        out.push(format!("pointer does not resolve in the document: {d}"));
    }
    out
}

/// Every generated file must parse as Rust.
pub fn unparsable_files(output: &Output) -> Vec<String> {
    output
        .files
        .iter()
        .filter_map(|f| {
            syn::parse_file(&f.contents)
                .err()
                .map(|e| format!("{} does not parse as Rust: {e}", f.path))
        })
        .collect()
}
