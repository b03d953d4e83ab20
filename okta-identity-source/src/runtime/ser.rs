//! Serialization of generated structs through one shared type.
//!
//! Every generated struct implements `Serialize` with one [`Object`] call per
//! field, in declaration order, then the undeclared properties:
//!
//! ```ignore
//! let mut o = crate::runtime::ser::Object::new(serializer);
//! o.required("email", &self.email);
//! o.optional("login", &self.login);
//! o.nullable("secondEmail", &self.second_email);
//! o.rest(&self.additional_properties);
//! o.end()
//! ```
//!
//! This is the JSON `#[derive(Serialize)]` with `skip_serializing_if` and a
//! flattened map would write, streamed the same way, but the per-struct code
//! is a list of plain calls: the derive's per-field `?` and skip tests made
//! it a quarter of the compile time of a crate generated from Okta's whole
//! API. The first error is kept and returned by [`Object::end`]; the calls
//! after it do nothing.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::nullable::Nullable;

/// A JSON object being written for a generated struct.
pub struct Object<S: Serializer> {
    state: Result<S::SerializeMap, S::Error>,
}

impl<S: Serializer> Object<S> {
    /// Starts the object.
    pub fn new(serializer: S) -> Self {
        Self {
            state: serializer.serialize_map(None),
        }
    }

    /// Writes a property that is always present (`None` of a required
    /// nullable field is written as `null`).
    pub fn required<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        if let Ok(map) = &mut self.state
            && let Err(e) = map.serialize_entry(name, value)
        {
            self.state = Err(e);
        }
    }

    /// Writes an optional property, leaving it out when `None`.
    pub fn optional<T: Serialize>(&mut self, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.required(name, value);
        }
    }

    /// Writes a nullable property: left out when `Undefined`, `null` when
    /// `Null`.
    pub fn nullable<T: Serialize>(&mut self, name: &str, value: &Nullable<T>) {
        if !value.is_undefined() {
            self.required(name, value);
        }
    }

    /// Writes the properties the spec does not declare.
    pub fn rest<T: Serialize>(&mut self, properties: &BTreeMap<String, T>) {
        for (name, value) in properties {
            self.required(name, value);
        }
    }

    /// Ends the object, or returns the first error.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state?.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    struct User {
        id: String,
        manager: Option<String>,
        login: Option<String>,
        second: Nullable<String>,
        extra: BTreeMap<String, Value>,
    }

    impl Serialize for User {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut o = Object::new(serializer);
            o.required("id", &self.id);
            o.required("manager", &self.manager);
            o.optional("login", &self.login);
            o.nullable("second", &self.second);
            o.rest(&self.extra);
            o.end()
        }
    }

    fn user(second: Nullable<String>) -> User {
        User {
            id: "a".into(),
            manager: None,
            login: None,
            second,
            extra: BTreeMap::from([("custom".to_string(), json!([1, "x"]))]),
        }
    }

    #[test]
    fn writes_declared_fields_in_order_then_the_rest() {
        assert_eq!(
            serde_json::to_string(&user(Nullable::Undefined)).unwrap(),
            r#"{"id":"a","manager":null,"custom":[1,"x"]}"#
        );
        assert_eq!(
            serde_json::to_value(user(Nullable::Null)).unwrap(),
            json!({"id": "a", "manager": null, "second": null, "custom": [1, "x"]})
        );
        let mut full = user(Nullable::Value("s".into()));
        full.login = Some("l".into());
        assert_eq!(
            serde_json::to_string(&full).unwrap(),
            r#"{"id":"a","manager":null,"login":"l","second":"s","custom":[1,"x"]}"#
        );
    }

    #[test]
    fn the_first_error_is_returned() {
        struct Fails;
        impl Serialize for Fails {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("first"))
            }
        }
        struct Two;
        impl Serialize for Two {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut o = Object::new(serializer);
                o.required("a", &Fails);
                o.required("b", &1);
                o.end()
            }
        }
        assert_eq!(
            serde_json::to_string(&Two).unwrap_err().to_string(),
            "first"
        );
    }
}
