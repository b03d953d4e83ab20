//! The catch-all of a generated string enum.

use std::fmt;

/// A string-enum value this version of the crate does not know, kept as the
/// server sent it and serialized back unchanged.
///
/// Only parsing makes one (deserializing, or `From<&str>` on the enum), and
/// parsing gives the named variant for every value the crate knows, so an
/// enum's `Unknown` never holds a known value: two values of an enum are
/// equal exactly when they serialize to the same string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// For generated enums, after they matched every known value (unused
    /// in a crate generated from a spec without string enums).
    #[allow(dead_code)]
    pub(crate) fn new(value: &str) -> Self {
        UnknownValue(value.to_owned())
    }

    /// The value as it appears on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UnknownValue {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
