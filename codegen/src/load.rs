//! Load: spec text → `openapiv3::OpenAPI`, with every failure located.

use crate::diag::{Diagnostic, Diagnostics, Pointer};

/// Parse `text` (YAML or JSON) as an OpenAPI 3.0.x document. `file` is only
/// used to label diagnostics.
pub fn load(file: &str, text: &str) -> Result<openapiv3::OpenAPI, Vec<Diagnostic>> {
    let mut diags = Diagnostics::new(file);
    let value = parse_yaml(text, &mut diags)?;
    check_version(&value, &mut diags);
    if diags.has_errors() {
        return Err(diags.into_sorted());
    }
    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value.clone()) {
        Ok(api) => {
            check_dropped_keys(&value, &mut diags);
            if diags.has_errors() {
                return Err(diags.into_sorted());
            }
            Ok(api)
        }
        Err(e) => {
            // serde loses the path inside untagged and flattened parts of
            // openapiv3 (`ReferenceOr`, `Paths`, `SchemaKind`), so narrow the
            // failure down by deserializing the document piece by piece.
            let (pointer, message) = locate(&value).unwrap_or_else(|| {
                let p = path_to_pointer(e.path());
                (p, e.into_inner().to_string())
            });
            diags.error(
                &pointer,
                format!("not a valid OpenAPI 3.0 document here: {message}"),
            );
            Err(diags.into_sorted())
        }
    }
}

type Located = (Pointer, String);

/// Deserialize `v` as `T`; on failure, the pointer (extended by what serde
/// knows of the path) and the message.
fn attempt<T: serde::de::DeserializeOwned>(
    v: &serde_yaml::Value,
    at: &Pointer,
) -> Result<(), Located> {
    match serde_path_to_error::deserialize::<_, T>(v.clone()) {
        Ok(_) => Ok(()),
        Err(e) => {
            let mut p = at.clone();
            for seg in path_to_pointer(e.path())
                .as_str()
                .trim_start_matches('#')
                .split('/')
                .skip(1)
            {
                p = p.push(seg.replace("~1", "/").replace("~0", "~"));
            }
            Err((p, e.into_inner().to_string()))
        }
    }
}

fn entries(v: &serde_yaml::Value) -> Vec<(String, &serde_yaml::Value)> {
    match v.as_mapping() {
        Some(m) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| yaml_scalar(k)),
                    v,
                )
            })
            .collect(),
        None => Vec::new(),
    }
}

fn items(v: &serde_yaml::Value) -> Vec<(String, &serde_yaml::Value)> {
    match v.as_sequence() {
        Some(s) => s
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        None => Vec::new(),
    }
}

/// The deepest place where the document stops being OpenAPI 3.0.
fn locate(doc: &serde_yaml::Value) -> Option<Located> {
    locate_in(doc).err()
}

fn locate_in(doc: &serde_yaml::Value) -> Result<(), Located> {
    use openapiv3::*;
    let root = Pointer::root();
    let paths = root.push("paths");
    for (path, item) in entries(doc.get("paths").unwrap_or(&serde_yaml::Value::Null)) {
        let at = paths.push(&path);
        if attempt::<ReferenceOr<PathItem>>(item, &at).is_ok() {
            continue;
        }
        for (i, p) in items(item.get("parameters").unwrap_or(&serde_yaml::Value::Null)) {
            attempt::<ReferenceOr<Parameter>>(p, &at.push("parameters").push(&i))?;
        }
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            let Some(op) = item.get(method) else { continue };
            let op_at = at.push(method);
            if attempt::<Operation>(op, &op_at).is_ok() {
                continue;
            }
            if let Some(ps) = op.get("parameters") {
                for (i, p) in items(ps) {
                    attempt::<ReferenceOr<Parameter>>(p, &op_at.push("parameters").push(&i))?;
                }
            }
            if let Some(b) = op.get("requestBody") {
                locate_request_body(b, &op_at.push("requestBody"))?;
            }
            if let Some(rs) = op.get("responses") {
                for (code, r) in entries(rs) {
                    locate_response(r, &op_at.push("responses").push(&code))?;
                }
                attempt::<Responses>(rs, &op_at.push("responses"))?;
            }
            return attempt::<Operation>(op, &op_at);
        }
        return attempt::<ReferenceOr<PathItem>>(item, &at);
    }
    if let Some(components) = doc.get("components") {
        let c = root.push("components");
        for (name, s) in entries(
            components
                .get("schemas")
                .unwrap_or(&serde_yaml::Value::Null),
        ) {
            locate_schema(s, &c.push("schemas").push(&name), 0)?;
        }
        for (name, p) in entries(
            components
                .get("parameters")
                .unwrap_or(&serde_yaml::Value::Null),
        ) {
            attempt::<ReferenceOr<Parameter>>(p, &c.push("parameters").push(&name))?;
        }
        for (name, r) in entries(
            components
                .get("responses")
                .unwrap_or(&serde_yaml::Value::Null),
        ) {
            locate_response(r, &c.push("responses").push(&name))?;
        }
        for (name, b) in entries(
            components
                .get("requestBodies")
                .unwrap_or(&serde_yaml::Value::Null),
        ) {
            locate_request_body(b, &c.push("requestBodies").push(&name))?;
        }
        for (name, s) in entries(
            components
                .get("securitySchemes")
                .unwrap_or(&serde_yaml::Value::Null),
        ) {
            attempt::<ReferenceOr<SecurityScheme>>(s, &c.push("securitySchemes").push(&name))?;
        }
        attempt::<Components>(components, &c)?;
    }
    Ok(())
}

fn locate_media(content: &serde_yaml::Value, at: &Pointer) -> Result<(), Located> {
    for (media, mt) in entries(content) {
        let m = at.push(&media);
        if let Some(s) = mt.get("schema") {
            locate_schema(s, &m.push("schema"), 0)?;
        }
        attempt::<openapiv3::MediaType>(mt, &m)?;
    }
    Ok(())
}

fn locate_request_body(b: &serde_yaml::Value, at: &Pointer) -> Result<(), Located> {
    if let Some(content) = b.get("content") {
        locate_media(content, &at.push("content"))?;
    }
    attempt::<openapiv3::ReferenceOr<openapiv3::RequestBody>>(b, at)
}

fn locate_response(r: &serde_yaml::Value, at: &Pointer) -> Result<(), Located> {
    if let Some(content) = r.get("content") {
        locate_media(content, &at.push("content"))?;
    }
    attempt::<openapiv3::ReferenceOr<openapiv3::Response>>(r, at)
}

fn locate_schema(s: &serde_yaml::Value, at: &Pointer, depth: usize) -> Result<(), Located> {
    use openapiv3::{ReferenceOr, Schema};
    if depth > 64 || attempt::<ReferenceOr<Schema>>(s, at).is_ok() {
        return Ok(());
    }
    for (name, p) in entries(s.get("properties").unwrap_or(&serde_yaml::Value::Null)) {
        locate_schema(p, &at.push("properties").push(&name), depth + 1)?;
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(v) = s.get(key).filter(|v| v.is_mapping()) {
            locate_schema(v, &at.push(key), depth + 1)?;
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, v) in items(s.get(key).unwrap_or(&serde_yaml::Value::Null)) {
            locate_schema(v, &at.push(key).push(&i), depth + 1)?;
        }
    }
    // The schema itself is at fault: name the keyword when one has the wrong shape.
    for (key, v) in entries(s) {
        let wrong = match key.as_str() {
            "type" | "format" | "pattern" | "title" | "description" => !v.is_string(),
            "required" | "enum" | "allOf" | "oneOf" | "anyOf" => !v.is_sequence(),
            "properties" => !v.is_mapping(),
            "nullable" | "readOnly" | "writeOnly" | "deprecated" => !v.is_bool(),
            "minLength" | "maxLength" | "minItems" | "maxItems" => !(v.is_u64()),
            "minimum" | "maximum" | "multipleOf" => !v.is_number(),
            "items" | "not" | "discriminator" => !v.is_mapping(),
            "additionalProperties" => !(v.is_bool() || v.is_mapping()),
            _ => false,
        };
        if wrong {
            return Err((
                at.push(&key),
                format!("`{key}` has the wrong type ({})", yaml_scalar(v)),
            ));
        }
    }
    attempt::<ReferenceOr<Schema>>(s, at)
}

/// openapiv3 silently drops a path that does not begin with `/` and a
/// `responses` key that is not a status code; report them instead of
/// generating without them.
fn check_dropped_keys(doc: &serde_yaml::Value, diags: &mut Diagnostics) {
    let paths = Pointer::root().push("paths");
    for (path, item) in entries(doc.get("paths").unwrap_or(&serde_yaml::Value::Null)) {
        if !path.starts_with('/') && !path.starts_with("x-") {
            diags.error(
                &paths.push(&path),
                format!("path `{path}` must begin with `/` (it is appended to the server URL)"),
            );
        }
        for (method, op) in entries(item) {
            let Some(responses) = op.get("responses") else {
                continue;
            };
            for (code, _) in entries(responses) {
                let valid = code == "default"
                    || code.starts_with("x-")
                    || code.parse::<u16>().is_ok_and(|n| (100..1000).contains(&n))
                    || matches!(code.as_bytes(), [d, b'X' | b'x', b'X' | b'x'] if d.is_ascii_digit());
                if !valid {
                    diags.error(
                        &paths.push(&path).push(&method).push("responses").push(&code),
                        format!("`{code}` is not an HTTP status code (such as `200`), a range (such as `2XX`) or `default`"),
                    );
                }
            }
        }
    }
}

fn check_version(value: &serde_yaml::Value, diags: &mut Diagnostics) {
    let root = Pointer::root();
    if value.is_null() {
        diags.error(
            &root,
            "the document is empty (nothing but comments); an OpenAPI document was expected",
        );
        return;
    }
    let Some(map) = value.as_mapping() else {
        diags.error(&root, "the document is not a YAML mapping");
        return;
    };
    if map.contains_key("swagger") {
        diags.error(
            &root.push("swagger"),
            "this is a Swagger 2.0 document; the generator reads OpenAPI 3.0.x (convert it first, for example with swagger2openapi)",
        );
        return;
    }
    match map.get("openapi") {
        None => diags.error(&root, "missing `openapi` version field; expected 3.0.x"),
        Some(serde_yaml::Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => {}
        Some(serde_yaml::Value::String(v)) if v.starts_with("3.1") => diags.error(
            &root.push("openapi"),
            format!("OpenAPI {v} is not supported: the generator reads OpenAPI 3.0.x (3.1 changes `nullable`, `exclusiveMinimum` and schema semantics)"),
        ),
        Some(serde_yaml::Value::Number(n)) => diags.error(
            &root.push("openapi"),
            format!("`openapi` is the number {n}, not a version string; write a quoted 3.0.x version such as `openapi: '3.0.3'`"),
        ),
        Some(other) => diags.error(
            &root.push("openapi"),
            format!("unsupported OpenAPI version {}; expected 3.0.x", yaml_scalar(other)),
        ),
    }
}

fn yaml_scalar(v: &serde_yaml::Value) -> String {
    serde_yaml::to_string(v)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| String::from("?"))
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> Pointer {
    use serde_path_to_error::Segment;
    let mut p = Pointer::root();
    for seg in path.iter() {
        p = match seg {
            Segment::Seq { index } => p.push(index.to_string()),
            Segment::Map { key } => p.push(key),
            Segment::Enum { variant } => p.push(variant),
            Segment::Unknown => p.push("?"),
        };
    }
    p
}

/// Spec text → a YAML value, as `load` and `spec add` both read it: a
/// leading UTF-8 byte order mark (which editors on Windows write and YAML
/// allows, but serde_yaml reads as a second document) is skipped, and
/// `<<: *anchor` merge keys (YAML 1.1, common in hand-written specs) are
/// merged as YAML tools do, not read as a property named `<<`. A failure is
/// an error in `diags`, returned with everything collected so far.
pub fn parse_yaml(
    text: &str,
    diags: &mut Diagnostics,
) -> Result<serde_yaml::Value, Vec<Diagnostic>> {
    let body = without_bom(text);
    if body.trim().is_empty() {
        diags.error(
            &Pointer::root(),
            "the file is empty (or only whitespace); an OpenAPI document was expected",
        );
        return Err(diags.clone().into_sorted());
    }
    let mut value: serde_yaml::Value = match serde_yaml::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            // JSON is YAML, but a JSON document's error is told as JSON's.
            let trimmed = body.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Err(j) = serde_json::from_str::<serde_json::Value>(body)
            {
                diags.error(
                    &Pointer::root(),
                    format!(
                        "JSON syntax error at line {}, column {}: {j}",
                        j.line(),
                        j.column()
                    ),
                );
                return Err(diags.clone().into_sorted());
            }
            let at = match e.location() {
                Some(loc) => format!(" at line {}, column {}", loc.line(), loc.column()),
                None => String::new(),
            };
            diags.error(&Pointer::root(), format!("YAML syntax error{at}: {e}"));
            return Err(diags.clone().into_sorted());
        }
    };
    if let Err(e) = value.apply_merge() {
        diags.error(&Pointer::root(), format!("YAML merge key (`<<`): {e}"));
        return Err(diags.clone().into_sorted());
    }
    Ok(value)
}

/// The text without a leading UTF-8 byte order mark.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match load("t.yaml", text) {
            Ok(_) => String::from("ok"),
            Err(d) => d
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn yaml_syntax_error_has_line_and_column() {
        let e = err("openapi: 3.0.3\ninfo: [\n");
        assert!(
            e.starts_with("error: t.yaml#: YAML syntax error at line"),
            "{e}"
        );
    }

    #[test]
    fn versions() {
        assert!(
            err("swagger: '2.0'\n").contains("t.yaml#/swagger: this is a Swagger 2.0 document")
        );
        assert!(
            err("openapi: 3.1.0\n").contains("t.yaml#/openapi: OpenAPI 3.1.0 is not supported")
        );
        assert!(err("info: {}\n").contains("missing `openapi` version field"));
    }

    #[test]
    fn structural_error_has_pointer() {
        let e = err(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n",
        );
        assert!(e.contains("t.yaml#/paths/~1a/get/responses"), "{e}");
    }

    #[test]
    fn minimal_document_loads() {
        assert_eq!(
            err("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"),
            "ok"
        );
    }
}
