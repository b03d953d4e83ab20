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

/// What a query value may hold unencoded: RFC 3986 unreserved characters.
const QUERY_COMPONENT: &AsciiSet = PATH_SEGMENT;

/// With `allowReserved: true`: the reserved characters too (RFC 3986 §2.2),
/// as OpenAPI says; `%` is still escaped.
const QUERY_RESERVED: &AsciiSet = &QUERY_COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=');

/// How a parameter is serialized: OpenAPI 3.0's `style` values. With the
/// `explode` flag they select one row of the specification's style table
/// (<https://spec.openapis.org/oas/v3.0.3#style-examples>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// `blue,black` (path and header; RFC 6570 `{color}`).
    Simple,
    /// `.blue.black` (path; `{.color}`).
    Label,
    /// `;color=blue,black` (path; `{;color}`).
    Matrix,
    /// `color=blue,black` or, exploded, `color=blue&color=black` (query).
    Form,
    /// `color=blue%20black` (query arrays).
    SpaceDelimited,
    /// `color=blue|black` (query arrays).
    PipeDelimited,
    /// `color[R]=100&color[G]=200` (query objects).
    DeepObject,
}

/// A parameter value, reduced to what the style table distinguishes.
enum Parts {
    Absent,
    Scalar(String),
    List(Vec<String>),
    /// Properties in declaration order.
    Object(Vec<(String, String)>),
}

/// The properties of a JSON object in the order they were written
/// (`serde_json::Value` sorts them).
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    out.push(entry);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn parts<V: Serialize + ?Sized>(name: &str, value: &V) -> Result<Parts, Error> {
    let nested = || {
        Error::invalid_input(format!(
            "parameter `{name}` holds a nested array or object, which no OpenAPI parameter style can send"
        ))
    };
    Ok(match to_value(name, value)? {
        Value::Null => Parts::Absent,
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                match item {
                    Value::Array(_) | Value::Object(_) => return Err(nested()),
                    other => out.extend(scalar(name, other)?),
                }
            }
            Parts::List(out)
        }
        Value::Object(_) => {
            let text = serde_json::to_string(value).map_err(|e| {
                Error::invalid_input(format!("parameter `{name}` cannot be serialized: {e}"))
            })?;
            let Ordered(props) = serde_json::from_str(&text).map_err(|e| {
                Error::invalid_input(format!("parameter `{name}` cannot be serialized: {e}"))
            })?;
            let mut out = Vec::with_capacity(props.len());
            for (k, v) in &props {
                match v {
                    Value::Array(_) | Value::Object(_) => return Err(nested()),
                    other => {
                        if let Some(v) = scalar(name, other)? {
                            out.push((k.clone(), v));
                        }
                    }
                }
            }
            Parts::Object(out)
        }
        other => match scalar(name, &other)? {
            Some(s) => Parts::Scalar(s),
            None => Parts::Absent,
        },
    })
}

fn esc(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// `items` encoded and joined with `sep`.
fn joined(items: &[String], sep: &str, set: &'static AsciiSet) -> String {
    items
        .iter()
        .map(|i| esc(i, set))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Object properties as `k,v,k,v` (`kv_sep` `,`) or `k=v,k=v` (`kv_sep` `=`).
fn props(props: &[(String, String)], kv_sep: &str, sep: &str, set: &'static AsciiSet) -> String {
    props
        .iter()
        .map(|(k, v)| format!("{}{kv_sep}{}", esc(k, set), esc(v, set)))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A path parameter in `style` (`Simple`, `Label` or `Matrix`), encoded:
/// the text that replaces `{name}` in the path template. Values that are
/// empty, `.` or `..`, or render to nothing, are refused: they would address
/// a different resource.
pub(crate) fn path_styled<V: Serialize + ?Sized>(
    name: &str,
    style: Style,
    explode: bool,
    value: &V,
) -> Result<String, Error> {
    let set = PATH_SEGMENT;
    let parts = parts(name, value)?;
    let check = |s: &str| path_segment(name, s).map(|_| ());
    match &parts {
        Parts::Absent => {
            return Err(Error::invalid_input(format!(
                "path parameter `{name}` must not be null"
            )));
        }
        Parts::Scalar(s) => check(s)?,
        Parts::List(items) if items.is_empty() => check("")?,
        Parts::List(items) => items.iter().try_for_each(|s| check(s))?,
        Parts::Object(p) if p.is_empty() => check("")?,
        Parts::Object(_) => {}
    }
    let n = esc(name, set);
    Ok(match (style, &parts, explode) {
        (_, Parts::Absent, _) => String::new(),
        (Style::Label, Parts::Scalar(s), _) => format!(".{}", esc(s, set)),
        (Style::Label, Parts::List(items), _) => format!(".{}", joined(items, ".", set)),
        (Style::Label, Parts::Object(p), false) => format!(".{}", props(p, ".", ".", set)),
        (Style::Label, Parts::Object(p), true) => format!(".{}", props(p, "=", ".", set)),
        (Style::Matrix, Parts::Scalar(s), _) => format!(";{n}={}", esc(s, set)),
        (Style::Matrix, Parts::List(items), false) => format!(";{n}={}", joined(items, ",", set)),
        (Style::Matrix, Parts::List(items), true) => items
            .iter()
            .map(|i| format!(";{n}={}", esc(i, set)))
            .collect(),
        (Style::Matrix, Parts::Object(p), false) => format!(";{n}={}", props(p, ",", ",", set)),
        (Style::Matrix, Parts::Object(p), true) => format!(";{}", props(p, "=", ";", set)),
        (_, Parts::Scalar(s), _) => esc(s, set),
        (_, Parts::List(items), _) => joined(items, ",", set),
        (_, Parts::Object(p), false) => props(p, ",", ",", set),
        (_, Parts::Object(p), true) => props(p, "=", ",", set),
    })
}

/// A query parameter in `style`, as already encoded `(name, value)` pairs
/// (`None`/null gives none). `allow_reserved` leaves RFC 3986 reserved
/// characters in values unencoded.
pub(crate) fn query_styled<V: Serialize + ?Sized>(
    name: &str,
    style: Style,
    explode: bool,
    allow_reserved: bool,
    value: &V,
) -> Result<Vec<(String, String)>, Error> {
    let set = if allow_reserved {
        QUERY_RESERVED
    } else {
        QUERY_COMPONENT
    };
    let n = esc(name, QUERY_COMPONENT);
    let parts = parts(name, value)?;
    Ok(match (style, parts, explode) {
        (_, Parts::Absent, _) => Vec::new(),
        (Style::DeepObject, Parts::Object(p), _) => p
            .iter()
            .map(|(k, v)| (format!("{n}[{}]", esc(k, QUERY_COMPONENT)), esc(v, set)))
            .collect(),
        (_, Parts::Scalar(s), _) => vec![(n, esc(&s, set))],
        // Brackets literal, as the style table writes them (`color[R]=100`).
        // An array is not in the table; how servers using `deepObject` for
        // arrays read it.
        (Style::DeepObject, Parts::List(items), _) => items
            .iter()
            .map(|i| (format!("{n}[]"), esc(i, set)))
            .collect(),
        (Style::SpaceDelimited, Parts::List(items), false) => vec![(n, joined(&items, "%20", set))],
        (Style::PipeDelimited, Parts::List(items), false) => vec![(n, joined(&items, "|", set))],
        (Style::SpaceDelimited, Parts::Object(p), false) => {
            vec![(n, props(&p, "%20", "%20", set))]
        }
        (Style::PipeDelimited, Parts::Object(p), false) => vec![(n, props(&p, "|", "|", set))],
        (_, Parts::List(items), false) => vec![(n, joined(&items, ",", set))],
        (_, Parts::List(items), true) => items.iter().map(|i| (n.clone(), esc(i, set))).collect(),
        (_, Parts::Object(p), false) => vec![(n, props(&p, ",", ",", set))],
        (_, Parts::Object(p), true) => p
            .iter()
            .map(|(k, v)| (esc(k, QUERY_COMPONENT), esc(v, set)))
            .collect(),
    })
}

/// A header parameter (`simple` style; `explode` only changes objects), not
/// percent-encoded. `None`/null gives `None`.
pub(crate) fn header_styled<V: Serialize + ?Sized>(
    name: &str,
    explode: bool,
    value: &V,
) -> Result<Option<String>, Error> {
    Ok(match parts(name, value)? {
        Parts::Absent => None,
        Parts::Scalar(s) => Some(s),
        Parts::List(items) => Some(items.join(",")),
        Parts::Object(p) => Some(
            p.iter()
                .map(|(k, v)| format!("{k}{}{v}", if explode { "=" } else { "," }))
                .collect::<Vec<_>>()
                .join(","),
        ),
    })
}

/// An `application/x-www-form-urlencoded` body from a serializable object,
/// by OpenAPI's defaults for form bodies (`style: form`, `explode: true`):
/// one pair per scalar property in declaration order, an array of scalars
/// repeats its name, and an object or an array holding objects is sent as
/// JSON text (the default `contentType` of an object property).
/// `null` properties are left out.
pub(crate) fn form_body<V: Serialize + ?Sized>(value: &V) -> Result<String, Error> {
    let fail = |e: serde_json::Error| {
        Error::invalid_input(format!("request body cannot be form-encoded: {e}"))
    };
    let text = serde_json::to_string(value).map_err(fail)?;
    let Ordered(props) = serde_json::from_str(&text).map_err(|_| {
        Error::invalid_input("request body cannot be form-encoded: it is not an object")
    })?;
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &props {
        match v {
            Value::Null => {}
            Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
                for item in items {
                    if let Some(s) = scalar(k, item)? {
                        out.append_pair(k, &s);
                    }
                }
            }
            Value::Array(_) | Value::Object(_) => {
                out.append_pair(k, &v.to_string());
            }
            other => {
                if let Some(s) = scalar(k, other)? {
                    out.append_pair(k, &s);
                }
            }
        }
    }
    Ok(out.finish())
}

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

    /// The style table of OpenAPI 3.0.3 (`#style-examples`): `color` as
    /// the string "blue", the array ["blue","black","brown"] and the object
    /// {"R":100,"G":200,"B":150}.
    #[test]
    fn openapi_style_table() {
        #[derive(serde::Serialize)]
        #[allow(non_snake_case)]
        struct Rgb {
            R: u8,
            G: u8,
            B: u8,
        }
        let rgb = Rgb {
            R: 100,
            G: 200,
            B: 150,
        };
        let arr = ["blue", "black", "brown"];
        #[derive(Clone, Copy)]
        enum Val {
            S,
            A,
            O,
        }
        use Val::{A, O, S};
        let path = |style, explode, v: Val| {
            match v {
                S => path_styled("color", style, explode, "blue"),
                A => path_styled("color", style, explode, &arr),
                O => path_styled("color", style, explode, &rgb),
            }
            .unwrap_or_else(|e| e.to_string())
        };
        let query = |style, explode, v: Val| {
            match v {
                S => query_styled("color", style, explode, false, "blue"),
                A => query_styled("color", style, explode, false, &arr),
                O => query_styled("color", style, explode, false, &rgb),
            }
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .unwrap_or_else(|e| e.to_string())
        };
        use Style::*;
        let cases: &[(&str, Style, bool, Val, &str)] = &[
            ("path", Matrix, false, S, ";color=blue"),
            ("path", Matrix, false, A, ";color=blue,black,brown"),
            ("path", Matrix, false, O, ";color=R,100,G,200,B,150"),
            ("path", Matrix, true, S, ";color=blue"),
            (
                "path",
                Matrix,
                true,
                A,
                ";color=blue;color=black;color=brown",
            ),
            ("path", Matrix, true, O, ";R=100;G=200;B=150"),
            ("path", Label, false, S, ".blue"),
            ("path", Label, false, A, ".blue.black.brown"),
            ("path", Label, false, O, ".R.100.G.200.B.150"),
            ("path", Label, true, S, ".blue"),
            ("path", Label, true, A, ".blue.black.brown"),
            ("path", Label, true, O, ".R=100.G=200.B=150"),
            ("path", Simple, false, S, "blue"),
            ("path", Simple, false, A, "blue,black,brown"),
            ("path", Simple, false, O, "R,100,G,200,B,150"),
            ("path", Simple, true, S, "blue"),
            ("path", Simple, true, A, "blue,black,brown"),
            ("path", Simple, true, O, "R=100,G=200,B=150"),
            ("query", Form, false, S, "color=blue"),
            ("query", Form, false, A, "color=blue,black,brown"),
            ("query", Form, false, O, "color=R,100,G,200,B,150"),
            ("query", Form, true, S, "color=blue"),
            ("query", Form, true, A, "color=blue&color=black&color=brown"),
            ("query", Form, true, O, "R=100&G=200&B=150"),
            (
                "query",
                SpaceDelimited,
                false,
                A,
                "color=blue%20black%20brown",
            ),
            (
                "query",
                SpaceDelimited,
                false,
                O,
                "color=R%20100%20G%20200%20B%20150",
            ),
            ("query", PipeDelimited, false, A, "color=blue|black|brown"),
            ("query", PipeDelimited, false, O, "color=R|100|G|200|B|150"),
            (
                "query",
                DeepObject,
                true,
                O,
                "color[R]=100&color[G]=200&color[B]=150",
            ),
        ];
        for (location, style, explode, value, want) in cases {
            let got = if *location == "path" {
                path(*style, *explode, *value)
            } else {
                query(*style, *explode, *value)
            };
            assert_eq!(&got, want, "{location} {style:?} explode={explode}");
        }
        // Values are encoded; delimiters are not.
        assert_eq!(
            query_styled("color", Form, false, false, &["a,b", "c d"]).ok(),
            Some(vec![("color".to_owned(), "a%2Cb,c%20d".to_owned())])
        );
        assert_eq!(
            path_styled("color", Label, false, &["a/b"]).ok().as_deref(),
            Some(".a%2Fb")
        );
        assert_eq!(
            header_styled("h", true, &rgb).ok().flatten().as_deref(),
            Some("R=100,G=200,B=150")
        );
        assert_eq!(
            header_styled("h", false, &rgb).ok().flatten().as_deref(),
            Some("R,100,G,200,B,150")
        );
        let reserved = query_styled("q", Form, true, true, "a/b?c").ok();
        assert_eq!(reserved, Some(vec![("q".to_owned(), "a/b?c".to_owned())]));
        for bad in ["", ".", ".."] {
            assert!(path_styled("id", Label, false, bad).is_err(), "{bad:?}");
        }
        assert!(path_styled("id", Simple, false, &Vec::<String>::new()).is_err());
        assert!(query_styled("a", Form, true, false, &vec![vec![1]]).is_err());
        assert_eq!(
            query_styled("expand", DeepObject, true, false, &["a", "b"]).ok(),
            Some(vec![
                ("expand[]".to_owned(), "a".to_owned()),
                ("expand[]".to_owned(), "b".to_owned())
            ])
        );
    }

    #[test]
    fn form_bodies() {
        #[derive(serde::Serialize)]
        struct Form {
            name: &'static str,
            tags: Vec<&'static str>,
            meta: std::collections::BTreeMap<&'static str, u8>,
            gone: Option<u8>,
            n: u32,
        }
        let form = Form {
            name: "a b&c",
            tags: vec!["x", "y"],
            meta: std::collections::BTreeMap::from([("k", 1)]),
            gone: None,
            n: 7,
        };
        assert_eq!(
            form_body(&form).ok().as_deref(),
            Some("name=a+b%26c&tags=x&tags=y&meta=%7B%22k%22%3A1%7D&n=7")
        );
        assert!(form_body(&vec![1]).is_err());
    }

    #[test]
    fn query_rendering() {
        fn q<V: Serialize + ?Sized>(v: &V) -> Option<Vec<(String, String)>> {
            query_styled("a", Style::Form, true, false, v).ok()
        }
        let one = |s: &str| Some(vec![("a".to_owned(), s.to_owned())]);
        assert_eq!(q(&None::<String>), Some(vec![]));
        assert_eq!(q(&Some("x y")), one("x%20y"));
        assert_eq!(q(&200u32), one("200"));
        assert_eq!(q(&1.5f64), one("1.5"));
        assert_eq!(q(&true), one("true"));
        assert_eq!(
            q(&vec![Some("x"), None, Some("y")]),
            Some(vec![
                ("a".to_owned(), "x".to_owned()),
                ("a".to_owned(), "y".to_owned())
            ])
        );
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0);
        assert_eq!(q(&t), one("1970-01-01T00%3A00%3A00Z"));
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
