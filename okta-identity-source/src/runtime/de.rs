//! Deserialization of generated structs through one shared function.
//!
//! Every generated struct implements `Deserialize` by calling [`object`]
//! with a closure that takes each declared field out of an [`Object`]:
//!
//! ```ignore
//! crate::runtime::de::object(deserializer, |o| Some(Self {
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
}

impl Object {
    /// A property the spec requires. Absent, or not decodable, it is `None`
    /// and the error is recorded.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.map.remove(name) {
            Some(value) => self.decode(name, value),
            None => {
                self.fail(serde_json::Error::custom(format_args!(
                    "missing field `{name}`"
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

/// Decodes a JSON object with `build`, which takes the declared fields out
/// of the [`Object`] (returning `None` only after a required field failed).
/// Anything but an object is an error (`expected an object`), and so is a
/// property that appears twice.
pub fn object<'de, D, T, F>(deserializer: D, build: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(&mut Object) -> Option<T>,
{
    deserializer.deserialize_map(ObjectVisitor { build })
}

struct ObjectVisitor<F> {
    build: F,
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
        let mut object = Object::default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Nullable;

    #[derive(Debug, PartialEq)]
    struct Inner {
        email: String,
        rest: BTreeMap<String, Value>,
    }

    impl<'de> serde::Deserialize<'de> for Inner {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            object(d, |o| {
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
            object(d, |o| {
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
            "at `profile`: missing field `email` at line 1 column 23"
        );
        assert_eq!(
            parse(r#"{"count":1}"#).unwrap_err(),
            "missing field `id` at line 1 column 11"
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
