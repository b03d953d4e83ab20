//! Deserialization of generated structs through one shared function.
//!
//! Every generated struct implements `Deserialize` by calling [`object`]
//! with a closure that takes each declared field out of an [`Object`]:
//!
//! ```ignore
//! crate::runtime::de::object(deserializer, "#/components/schemas/Profile", |o| Some(Self {
//!     email: o.required("email")?,
//!     second_email: o.field("secondEmail"),
//!     additional_properties: o.rest(),
//! }))
//! ```
//!
//! `#[derive(Deserialize)]` would generate a field enum, two visitors and a
//! match over every field, per struct; across the 2,315 types of Okta's whole
//! API that code was three quarters of the crate's compile time and more than
//! a gigabyte of the compiler's memory. Here the per-struct code is one
//! closure, and the work happens once, in this module: the object is read
//! into a JSON map, and each field is decoded from its value. Every generated
//! struct keeps undeclared properties in a flattened map, which already made
//! serde buffer the whole object, so decoding through a map costs about the
//! same.
//!
//! Errors name the path of the field at fault, outermost first:
//! ``at `profile.email`: invalid type: integer `5`, expected a string``.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeOwned, Error as _, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The properties of a JSON object being decoded into a generated struct.
///
/// Each accessor takes the property out, so [`Object::rest`] returns exactly
/// the properties no field declared. An accessor that fails records the
/// error and returns a placeholder (`None`, the default); [`object`] returns
/// the first error recorded. The generated code thus needs no `?` per field,
/// whose early returns made the compiler's work grow with the square of a
/// struct's width.
#[derive(Debug, Default)]
pub struct Object {
    map: Map<String, Value>,
    error: Option<serde_json::Error>,
    /// The spec pointer of the schema being decoded, for the message of a
    /// missing required property.
    schema: &'static str,
}

impl Object {
    /// A property the spec requires. Absent, or not decodable, it is `None`
    /// and the error is recorded; an absent one is named with the schema
    /// that requires it (``missing field `id`, required by `#/components/schemas/Session` ``).
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.map.remove(name) {
            Some(value) => self.decode(name, value),
            None => {
                let schema = self.schema;
                self.fail(serde_json::Error::custom(format_args!(
                    "missing field `{name}`, required by `{schema}`"
                )));
                None
            }
        }
    }

    /// A property that may be absent, decoded into `Option` or
    /// [`Nullable`](super::Nullable): absent gives `T::default()` (`None`,
    /// `Nullable::Undefined`), a present value (`null` included) is decoded
    /// by `T`; if it cannot be, the error is recorded.
    pub fn field<T: DeserializeOwned + Default>(&mut self, name: &str) -> T {
        match self.map.remove(name) {
            Some(value) => self.decode(name, value).unwrap_or_default(),
            None => T::default(),
        }
    }

    /// Every property not taken by a field, each decoded into `T`.
    pub fn rest<T: DeserializeOwned>(&mut self) -> BTreeMap<String, T> {
        let mut rest = BTreeMap::new();
        for (name, value) in std::mem::take(&mut self.map) {
            if let Some(value) = self.decode(&name, value) {
                rest.insert(name, value);
            }
        }
        rest
    }

    /// Decodes one property's value; an error is recorded with the
    /// property's name in front of its path.
    fn decode<T: DeserializeOwned>(&mut self, name: &str, value: Value) -> Option<T> {
        match serde_json::from_value(value) {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(at(name, &e));
                None
            }
        }
    }

    fn fail(&mut self, error: serde_json::Error) {
        self.error.get_or_insert(error);
    }
}

/// Puts `name` in front of the path an inner error already carries, or
/// starts one.
fn at(name: &str, inner: &serde_json::Error) -> serde_json::Error {
    let message = inner.to_string();
    match message.strip_prefix("at `") {
        Some(rest) => serde_json::Error::custom(format_args!("at `{name}.{rest}")),
        None => serde_json::Error::custom(format_args!("at `{name}`: {message}")),
    }
}

/// Decodes a JSON object of the schema at `schema` (its spec pointer) with
/// `build`, which takes the declared fields out of the [`Object`] (returning
/// `None` only after a required field failed). Anything but an object is an
/// error (`expected an object`), and so is a property that appears twice.
pub fn object<'de, D, T, F>(deserializer: D, schema: &'static str, build: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&mut Object) -> Option<T>,
{
    deserializer.deserialize_map(ObjectVisitor { build, schema })
}

struct ObjectVisitor<F> {
    build: F,
    schema: &'static str,
}

impl<'de, T, F> Visitor<'de> for ObjectVisitor<F>
where
    F: FnOnce(&mut Object) -> Option<T>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<T, A::Error> {
        let mut object = Object {
            schema: self.schema,
            ..Object::default()
        };
        while let Some((name, value)) = access.next_entry::<String, Value>()? {
            if object.map.contains_key(&name) {
                return Err(A::Error::custom(format_args!("duplicate field `{name}`")));
            }
            object.map.insert(name, value);
        }
        let built = (self.build)(&mut object);
        match (object.error, built) {
            (Some(error), _) => Err(A::Error::custom(error)),
            (None, Some(value)) => Ok(value),
            // `required` records an error whenever it returns `None`.
            (None, None) => Err(A::Error::custom("a required field could not be decoded")),
        }
    }
}

/// What a JSON value must look like to be one variant of an untagged union
/// (a `oneOf`/`anyOf` without a discriminator). Generated code describes
/// each variant with one, and decodes by [`explains`] and [`Pick`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Any value.
    Any,
    /// A string.
    String,
    /// A string that parses as an RFC 3339 date-time.
    DateTime,
    /// A string that parses as a `YYYY-MM-DD` date.
    Date,
    /// One of these strings exactly.
    StringEnum(&'static [&'static str]),
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// An array whose items have this shape.
    Array(&'static Shape),
    /// An object with no declared properties.
    Map,
    /// An object with declared properties.
    Object {
        /// Properties that must be present.
        required: &'static [&'static str],
        /// Properties whose only allowed value is this string: if present
        /// (and they must be when required) they must hold exactly it.
        consts: &'static [(&'static str, &'static str)],
        /// Every declared property, with the shape of its value.
        properties: &'static [(&'static str, Shape)],
        /// `additionalProperties: false`: an undeclared property does not match.
        closed: bool,
    },
    /// A nested union: the best of its members.
    OneOf(&'static [Shape]),
}

/// The untagged-union decode rule: `None` when `value` cannot be a variant
/// of this shape, otherwise how much of it the variant explains.
///
/// - the JSON type must be the variant's (`null` matches only `Any`);
/// - an object must hold every required property, each single-value enum
///   (constant) property must hold exactly its value, and a closed object
///   nothing undeclared; its score is the number of the value's properties
///   it declares, plus what each property's own shape explains of its value
///   (nested objects, arrays, down to a few levels), and a property whose
///   value cannot be its shape disqualifies the variant, as does explaining
///   none of a non-empty object's properties;
/// - an array scores what its items explain, and any item that cannot be
///   the item shape disqualifies it;
/// - a string matching a string enum, a date or a date-time scores 1, any
///   other string 0; an integer scores 1 for an integer variant and 0 for a
///   number.
///
/// The variant with the highest score wins; a tie between the best, or no
/// match at all, keeps the value as `Unknown` (see [`Pick`]).
pub fn explains(value: &Value, shape: &Shape) -> Option<usize> {
    match (shape, value) {
        (Shape::Any, _) => Some(0),
        (_, Value::Null) => None,
        (Shape::String, Value::String(_)) => Some(0),
        (Shape::DateTime, Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).is_ok().then_some(1)
        }
        (Shape::Date, Value::String(s)) => s.parse::<chrono::NaiveDate>().is_ok().then_some(1),
        (Shape::StringEnum(values), Value::String(s)) => values.contains(&s.as_str()).then_some(1),
        (Shape::Integer, Value::Number(n)) => (n.is_i64() || n.is_u64()).then_some(1),
        (Shape::Number, Value::Number(_)) => Some(0),
        (Shape::Bool, Value::Bool(_)) => Some(0),
        (Shape::Array(item), Value::Array(items)) => items
            .iter()
            .try_fold(0, |sum, v| Some(sum + explains(v, item)?)),
        (Shape::Map, Value::Object(_)) => Some(0),
        (
            Shape::Object {
                required,
                consts,
                properties,
                closed,
            },
            Value::Object(map),
        ) => {
            if !required.iter().all(|r| map.contains_key(*r)) {
                return None;
            }
            for (name, want) in *consts {
                match map.get(*name) {
                    None => {}
                    Some(Value::String(got)) if got == want => {}
                    Some(_) => return None,
                }
            }
            let mut score = 0;
            let mut undeclared = false;
            for (k, v) in map {
                match properties.iter().find(|(p, _)| p == k) {
                    None => undeclared = true,
                    Some(_) if v.is_null() => score += 1,
                    Some((_, inner)) => score += 1 + explains(v, inner)?,
                }
            }
            if *closed && undeclared {
                return None;
            }
            // An object that declares properties and explains none of a
            // non-empty value is no evidence: no match.
            if score == 0 && !map.is_empty() && !properties.is_empty() {
                return None;
            }
            Some(score)
        }
        (Shape::OneOf(members), _) => members.iter().filter_map(|m| explains(value, m)).max(),
        _ => None,
    }
}

/// The best variant offered so far; a tie between the best is no choice.
#[derive(Debug)]
pub struct Pick<T> {
    best: Option<(usize, T)>,
    tied: bool,
}

impl<T> Default for Pick<T> {
    fn default() -> Self {
        Pick {
            best: None,
            tied: false,
        }
    }
}

impl<T> Pick<T> {
    /// Offers a variant that decoded, with its [`explains`] score.
    pub fn offer(&mut self, score: usize, variant: T) {
        match &self.best {
            Some((best, _)) if score < *best => {}
            Some((best, _)) if score == *best => self.tied = true,
            _ => {
                self.best = Some((score, variant));
                self.tied = false;
            }
        }
    }

    /// The one best variant, or `None` when none matched or several tied.
    pub fn finish(self) -> Option<T> {
        match self.best {
            Some((_, variant)) if !self.tied => Some(variant),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn untagged_union_rule() {
        use super::{Pick, Shape, explains};
        let circle = Shape::Object {
            required: &["type", "r"],
            consts: &[("type", "circle")],
            properties: &[("type", Shape::String), ("r", Shape::Number)],
            closed: false,
        };
        let cylinder = Shape::Object {
            required: &["type", "r", "h"],
            consts: &[("type", "cylinder")],
            properties: &[
                ("type", Shape::String),
                ("r", Shape::Number),
                ("h", Shape::Number),
            ],
            closed: false,
        };
        let pick = |v: serde_json::Value| {
            let mut p = Pick::default();
            for (name, shape) in [("circle", &circle), ("cylinder", &cylinder)] {
                if let Some(score) = explains(&v, shape) {
                    p.offer(score, name);
                }
            }
            p.finish()
        };
        assert_eq!(
            pick(serde_json::json!({"type": "cylinder", "r": 1, "h": 2})),
            Some("cylinder")
        );
        assert_eq!(
            pick(serde_json::json!({"type": "circle", "r": 1, "h": 2})),
            Some("circle")
        );
        assert_eq!(pick(serde_json::json!({"type": "cone", "r": 1})), None);
        assert_eq!(pick(serde_json::json!({"r": 1})), None);
        let declared = Shape::Object {
            required: &[],
            consts: &[],
            properties: &[("a", Shape::Any)],
            closed: false,
        };
        assert_eq!(explains(&serde_json::json!({"z": 1}), &declared), None);
        assert_eq!(explains(&serde_json::json!({}), &declared), Some(0));
        let open = |props: &'static [(&'static str, Shape)]| Shape::Object {
            required: &[],
            consts: &[],
            properties: props,
            closed: false,
        };
        let mut p = Pick::default();
        let v = serde_json::json!({"a": 1, "b": 2});
        for (name, shape) in [
            ("a", open(&[("a", Shape::Any)])),
            ("ab", open(&[("a", Shape::Any), ("b", Shape::Any)])),
            (
                "abc",
                open(&[("a", Shape::Any), ("b", Shape::Any), ("c", Shape::Any)]),
            ),
        ] {
            if let Some(score) = explains(&v, &shape) {
                p.offer(score, name);
            }
        }
        assert_eq!(
            p.finish(),
            None,
            "ab and abc explain both properties: a tie"
        );
        assert_eq!(
            explains(&serde_json::json!("x"), &Shape::StringEnum(&["x"])),
            Some(1)
        );
        assert_eq!(
            explains(&serde_json::json!("y"), &Shape::StringEnum(&["x"])),
            None
        );
        assert_eq!(explains(&serde_json::json!(1.5), &Shape::Integer), None);
        assert_eq!(explains(&serde_json::Value::Null, &Shape::Any), Some(0));
        assert_eq!(explains(&serde_json::Value::Null, &Shape::String), None);
        let closed = Shape::Object {
            required: &[],
            consts: &[],
            properties: &[("a", Shape::Any)],
            closed: true,
        };
        assert_eq!(
            explains(&serde_json::json!("2024-02-30"), &Shape::Date),
            None
        );
        assert_eq!(explains(&serde_json::json!("P30D"), &Shape::DateTime), None);
        assert_eq!(
            explains(&serde_json::json!("2024-02-29T10:00:00Z"), &Shape::DateTime),
            Some(1)
        );
        let nested = Shape::Object {
            required: &[],
            consts: &[],
            properties: &[(
                "p",
                Shape::Object {
                    required: &[],
                    consts: &[("kind", "x")],
                    properties: &[("kind", Shape::String)],
                    closed: false,
                },
            )],
            closed: false,
        };
        assert_eq!(
            explains(&serde_json::json!({"p": {"kind": "x"}}), &nested),
            Some(2)
        );
        assert_eq!(
            explains(&serde_json::json!({"p": {"kind": "y"}}), &nested),
            None
        );
        assert_eq!(
            explains(&serde_json::json!([1, 2]), &Shape::Array(&Shape::Integer)),
            Some(2)
        );
        assert_eq!(
            explains(&serde_json::json!([1, "a"]), &Shape::Array(&Shape::Integer)),
            None
        );
        assert_eq!(
            explains(&serde_json::json!({"a": 1, "z": 0}), &closed),
            None
        );
    }

    use super::*;
    use crate::runtime::nullable::Nullable;

    #[derive(Debug, PartialEq)]
    struct Inner {
        email: String,
        rest: BTreeMap<String, Value>,
    }

    impl<'de> serde::Deserialize<'de> for Inner {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d, "#/components/schemas/Inner", |o| {
                Some(Self {
                    email: o.required("email")?,
                    rest: o.rest(),
                })
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct Outer {
        id: String,
        count: Option<i32>,
        second: Nullable<String>,
        profile: Option<Inner>,
    }

    impl<'de> serde::Deserialize<'de> for Outer {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d, "#/components/schemas/Outer", |o| {
                Some(Self {
                    id: o.required("id")?,
                    count: o.field("count"),
                    second: o.field("second"),
                    profile: o.field("profile"),
                })
            })
        }
    }

    fn parse(json: &str) -> Result<Outer, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn absent_null_and_present_fields() {
        let absent = parse(r#"{"id":"a"}"#).unwrap();
        assert_eq!(absent.count, None);
        assert_eq!(absent.second, Nullable::Undefined);
        let null = parse(r#"{"id":"a","count":null,"second":null}"#).unwrap();
        assert_eq!(null.count, None);
        assert_eq!(null.second, Nullable::Null);
        let full =
            parse(r#"{"id":"a","count":3,"second":"x","profile":{"email":"e","k":[1]}}"#).unwrap();
        assert_eq!(full.count, Some(3));
        assert_eq!(full.second, Nullable::Value("x".to_string()));
        let profile = full.profile.unwrap();
        assert_eq!(profile.email, "e");
        assert_eq!(profile.rest["k"], serde_json::json!([1]));
    }

    #[test]
    fn errors_name_the_path_and_keep_the_position() {
        assert_eq!(
            parse(r#"{"id":"a","profile":{"email":5}}"#).unwrap_err(),
            "at `profile.email`: invalid type: integer `5`, expected a string at line 1 column 32"
        );
        assert_eq!(
            parse(r#"{"id":"a","profile":{}}"#).unwrap_err(),
            "at `profile`: missing field `email`, required by `#/components/schemas/Inner` at line 1 column 23"
        );
        assert_eq!(
            parse(r#"{"count":1}"#).unwrap_err(),
            "missing field `id`, required by `#/components/schemas/Outer` at line 1 column 11"
        );
        assert_eq!(
            parse(r#"{"id":"a","id":"b"}"#).unwrap_err(),
            "duplicate field `id` at line 1 column 19"
        );
        assert_eq!(
            parse(r#"["a"]"#).unwrap_err(),
            "invalid type: sequence, expected an object at line 1 column 0"
        );
        // A malformed document is still a syntax error with its position.
        assert!(parse(r#"{"id":"a","#).unwrap_err().contains("EOF"));
    }

    #[test]
    fn decodes_from_values_and_untagged_buffers() {
        let value = serde_json::json!({"id": "a", "profile": {"email": "e"}});
        let outer: Outer = serde_json::from_value(value).unwrap();
        assert_eq!(outer.profile.unwrap().email, "e");

        #[derive(Debug, serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Outer(Outer),
            Other(Value),
        }
        let either: Either = serde_json::from_str(r#"{"id":"a"}"#).unwrap();
        assert!(matches!(either, Either::Outer(Outer { ref id, .. }) if id == "a"));
        let other: Either = serde_json::from_str(r#"{"nope":1}"#).unwrap();
        assert!(matches!(other, Either::Other(ref v) if v["nope"] == 1));
    }
}
