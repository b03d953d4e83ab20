//! A field that can be left out, sent as `null`, or sent with a value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The three states of a nullable field in an upsert: leave the attribute
/// as it is ([`Nullable::Undefined`], the field is omitted), clear it
/// ([`Nullable::Null`], sent as JSON `null`), or set it ([`Nullable::Value`]).
///
/// Generated structs write these fields with
/// [`ser::Object::nullable`](super::ser::Object::nullable) and read them with
/// [`de::Object::field`](super::de::Object::field), so a missing field
/// deserializes as `Undefined` and a present `null` as `Null`. In a struct
/// of your own, put
/// `#[serde(default, skip_serializing_if = "Nullable::is_undefined")]` on the
/// field: without `default` serde treats a missing field as `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// Not sent (and not present in a response).
    #[default]
    Undefined,
    /// Sent as `null`: clears the attribute.
    Null,
    /// Sent with this value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out.
    pub fn is_undefined(&self) -> bool {
        matches!(self, Nullable::Undefined)
    }

    /// Whether the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// Whether the field has a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Nullable::Value(_))
    }

    /// The value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if any, by value.
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Borrows the content.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Undefined => Nullable::Undefined,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(v),
        }
    }

    /// Maps the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Undefined => Nullable::Undefined,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(f(v)),
        }
    }

    /// `Undefined` and `Null` both become `None`.
    pub fn into_option(self) -> Option<T> {
        self.into_value()
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes `Null` (an explicit clear), `Some(v)` becomes `Value(v)`.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        }
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => serializer.serialize_some(v),
            Nullable::Undefined | Nullable::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Profile {
        #[serde(default, skip_serializing_if = "Nullable::is_undefined")]
        phone: Nullable<String>,
        #[serde(default, skip_serializing_if = "Nullable::is_undefined")]
        age: Nullable<u32>,
        #[serde(flatten)]
        extra: BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn three_states_serialize() {
        let p = Profile {
            phone: Nullable::Null,
            age: 7.into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&p).ok(),
            Some(json!({"phone": null, "age": 7}))
        );
        let p = Profile::default();
        assert_eq!(serde_json::to_value(&p).ok(), Some(json!({})));
    }

    #[test]
    fn three_states_deserialize_inside_flatten() {
        let p: Profile =
            serde_json::from_value(json!({"phone": null, "department": "R&D"})).unwrap_or_default();
        assert_eq!(p.phone, Nullable::Null);
        assert_eq!(p.age, Nullable::Undefined);
        assert_eq!(p.extra.get("department"), Some(&json!("R&D")));
        let p: Profile =
            serde_json::from_value(json!({"phone": "+1 555", "age": 3})).unwrap_or_default();
        assert_eq!(p.phone.value().map(String::as_str), Some("+1 555"));
        assert_eq!(p.age, Nullable::Value(3));
        assert!(serde_json::from_value::<Profile>(json!({"age": "x"})).is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(Nullable::<u8>::from(None), Nullable::Null);
        assert_eq!(Nullable::<u8>::from(Some(1)), Nullable::Value(1));
        assert!(Nullable::<u8>::default().is_undefined());
        assert!(Nullable::<u8>::Null.is_null());
        assert_eq!(Nullable::Value(2u8).map(|v| v * 2).into_value(), Some(4));
        assert_eq!(
            Nullable::Value(String::from("a"))
                .as_ref()
                .value()
                .map(|s| s.len()),
            Some(1)
        );
        assert_eq!(Nullable::<u8>::Null.into_option(), None);
    }
}
