//! Rendering of path, query and header parameters.
//!
//! Values go through `serde_json::Value` so every `Serialize` type (strings,
//! numbers, booleans, generated enums, `chrono` times, `Option`s, `Vec`s)
//! renders the same way it appears in JSON, minus the quotes.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::Value;

use super::error::Error;

/// Everything but RFC 3986 unreserved characters is escaped, so `/`, `?`,
/// `#`, `%` and `;` cannot change which resource a path parameter names.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes one path segment; `""`, `"."` and `".."` are refused because they
/// would name a different resource.
pub(crate) fn path_segment(name: &str, value: &str) -> Result<String, Error> {
    match value {
        "" => Err(Error::invalid_input(format!(
            "path parameter `{name}` must not be empty"
        ))),
        "." | ".." => Err(Error::invalid_input(format!(
            "path parameter `{name}` must not be {value:?}: it would address a different resource"
        ))),
        _ => Ok(utf8_percent_encode(value, PATH_SEGMENT).to_string()),
    }
}

fn to_value<V: Serialize + ?Sized>(name: &str, value: &V) -> Result<Value, Error> {
    serde_json::to_value(value)
        .map_err(|e| Error::invalid_input(format!("parameter `{name}` cannot be serialized: {e}")))
}

fn scalar(name: &str, value: &Value) -> Result<Option<String>, Error> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) | Value::Object(_) => Err(Error::invalid_input(format!(
            "parameter `{name}` must be a string, number or boolean (or a list of them)"
        ))),
    }
}

/// Query rendering (OpenAPI `form`, `explode: true`): `None`/`null` gives
/// nothing, a scalar one value, an array one value per element.
pub(crate) fn query_values<V: Serialize + ?Sized>(
    name: &str,
    value: &V,
) -> Result<Vec<String>, Error> {
    match to_value(name, value)? {
        Value::Array(items) => scalars(name, &items),
        other => Ok(scalar(name, &other)?.into_iter().collect()),
    }
}

/// Path and header rendering (OpenAPI `simple`): scalars plainly, arrays
/// joined with commas. `None` gives `None`.
pub(crate) fn simple_value<V: Serialize + ?Sized>(
    name: &str,
    value: &V,
) -> Result<Option<String>, Error> {
    match to_value(name, value)? {
        Value::Array(items) => Ok(Some(scalars(name, &items)?.join(","))),
        other => scalar(name, &other),
    }
}

/// The rendered elements of an array parameter (`null` elements skipped).
fn scalars(name: &str, items: &[Value]) -> Result<Vec<String>, Error> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(s) = scalar(name, item)? {
            out.push(s);
        }
    }
    Ok(out)
}

/// Substitutes `{name}` placeholders of a path template with already
/// encoded segments. A placeholder without a value is an error.
pub(crate) fn fill_template(
    template: &str,
    params: &[(&'static str, String)],
) -> Result<String, Error> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(Error::invalid_input(format!(
                "malformed path template {template:?}"
            )));
        };
        let name = &after[..close];
        match params.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => out.push_str(v),
            None => {
                return Err(Error::invalid_input(format!(
                    "path parameter `{name}` was not given"
                )));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_table() {
        let cases = [
            ("abc123", "abc123"),
            ("a/b", "a%2Fb"),
            ("a b", "a%20b"),
            ("a?b#c", "a%3Fb%23c"),
            ("100%", "100%25"),
            ("..a", "..a"),
            ("a.b-c_d~e", "a.b-c_d~e"),
            ("é", "%C3%A9"),
            ("a;b=c", "a%3Bb%3Dc"),
        ];
        for (input, want) in cases {
            assert_eq!(
                path_segment("id", input).ok().as_deref(),
                Some(want),
                "{input}"
            );
        }
        for bad in ["", ".", ".."] {
            let err = path_segment("sessionId", bad).err();
            assert!(matches!(err, Some(Error::InvalidInput { .. })), "{bad:?}");
            assert!(
                err.map(|e| e.to_string())
                    .unwrap_or_default()
                    .contains("sessionId")
            );
        }
    }

    #[test]
    fn query_rendering() {
        assert_eq!(query_values("a", &None::<String>).ok(), Some(vec![]));
        assert_eq!(
            query_values("a", &Some("x y")).ok(),
            Some(vec!["x y".to_owned()])
        );
        assert_eq!(
            query_values("a", &200u32).ok(),
            Some(vec!["200".to_owned()])
        );
        assert_eq!(
            query_values("a", &1.5f64).ok(),
            Some(vec!["1.5".to_owned()])
        );
        assert_eq!(query_values("a", &true).ok(), Some(vec!["true".to_owned()]));
        assert_eq!(
            query_values("a", &vec![Some("x"), None, Some("y")]).ok(),
            Some(vec!["x".to_owned(), "y".to_owned()])
        );
        let obj = std::collections::BTreeMap::from([("k", 1)]);
        assert!(matches!(
            query_values("a", &obj),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(
            query_values("a", &vec![vec![1]]),
            Err(Error::InvalidInput { .. })
        ));
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0);
        assert_eq!(
            query_values("t", &t).ok(),
            Some(vec!["1970-01-01T00:00:00Z".to_owned()])
        );
    }

    #[test]
    fn simple_rendering() {
        assert_eq!(
            simple_value("h", &vec![1, 2, 3]).ok(),
            Some(Some("1,2,3".to_owned()))
        );
        assert_eq!(simple_value("h", &None::<u8>).ok(), Some(None));
        assert_eq!(simple_value("h", &42i64).ok(), Some(Some("42".to_owned())));
    }

    #[test]
    fn templates() {
        let params = [("a", "1".to_owned()), ("bId", "x%2Fy".to_owned())];
        assert_eq!(
            fill_template("/v1/{a}/s/{bId}", &params).ok().as_deref(),
            Some("/v1/1/s/x%2Fy")
        );
        assert_eq!(fill_template("/plain", &[]).ok().as_deref(), Some("/plain"));
        assert!(fill_template("/v1/{missing}", &params).is_err());
        assert!(fill_template("/v1/{a", &params).is_err());
    }
}
