//! Rust names for spec names: the only place that knows about case
//! conversion, keywords and uniqueness.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Keywords of Rust 2024 (strict, reserved and weak ones that matter as
/// identifiers). A name that equals one of these gets a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keep ASCII letters and digits, turn everything else into word breaks.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

fn fix_keyword_and_digit(mut name: String, digit_prefix: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, digit_prefix);
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Names a generated model must not take, with the item that has it: the
/// crate root's items (`models::Error` beside `crate::Error` would make
/// every `use` of both a conflict) and what `models` re-exports for fields.
/// A schema with one of these names gets `Model` appended, and its docs say
/// why.
pub const RESERVED_TYPE_NAMES: &[(&str, &str)] = &[
    ("Call", "crate::Call"),
    ("Client", "crate::Client"),
    ("ClientBuilder", "crate::ClientBuilder"),
    ("Error", "crate::Error"),
    ("Map", "crate::models::Map"),
    ("Nullable", "crate::models::Nullable"),
    ("Response", "crate::Response"),
    ("Result", "crate::Result"),
    ("UnknownValue", "crate::models::UnknownValue"),
    ("Value", "crate::models::Value"),
];

/// The name a type wanting `name` gets instead when `name` is reserved
/// ([`RESERVED_TYPE_NAMES`]), with the item that holds it.
pub fn avoid_reserved(name: &str) -> Option<(String, &'static str)> {
    RESERVED_TYPE_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, item)| (format!("{name}Model"), *item))
}

/// `UpperCamelCase` for types and enum variants. Empty when `raw` has no
/// letter or digit at all (the caller supplies a fallback).
pub fn type_name(raw: &str) -> String {
    let camel = words(raw).to_upper_camel_case();
    fix_keyword_and_digit(camel, "T")
}

/// A type name composed of parts (`{Parent}{Property}`, `{Name}Item`): the
/// `_` a keyword part got (`Self_`) is dropped when more follows it, so the
/// result stays `UpperCamelCase`. A trailing `_` stays: `Self_` alone is
/// still the keyword.
pub fn join_type_name(composed: &str) -> String {
    let chars: Vec<char> = composed.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| c != '_' || i + 1 == chars.len())
        .map(|(_, &c)| c)
        .collect()
}

/// `UpperCamelCase` for an enum variant (a leading digit gets `V`).
pub fn variant_name(raw: &str) -> String {
    let camel = words(raw).to_upper_camel_case();
    fix_keyword_and_digit(camel, "V")
}

/// `snake_case` for fields, parameters and functions.
pub fn field_name(raw: &str) -> String {
    let snake = words(raw).to_snake_case();
    fix_keyword_and_digit(snake, "_")
}

/// Hands out names that are unique within one scope, deterministically: the
/// first claimant of a name keeps it, later ones get `2`, `3`, …
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claim `name`, or the first free `name2`, `name3`, …; returns the name given.
    /// A keyword's trailing `_` goes before the number is added (`Self_` →
    /// `Self2`, not `Self_2`, which is not `UpperCamelCase`).
    pub fn claim(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_string()) {
            return name.to_string();
        }
        let base = name
            .strip_suffix('_')
            .filter(|b| !b.is_empty())
            .unwrap_or(name);
        let mut n = 2usize;
        loop {
            let candidate = format!("{base}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let table = [
            ("IdentitySourceSession", "IdentitySourceSession"),
            ("identitySourceSession", "IdentitySourceSession"),
            ("OAuth2Client", "OAuth2Client"),
            ("oauth2_client", "Oauth2Client"),
            ("IN_PROGRESS", "InProgress"),
            ("2fa", "T2fa"),
            ("type", "Type"),
            ("Self", "Self_"),
            ("user-factor.push", "UserFactorPush"),
            ("X-Rate-Limit", "XRateLimit"),
            ("HTTPHeader", "HttpHeader"),
            ("", ""),
            ("***", ""),
        ];
        for (raw, want) in table {
            assert_eq!(type_name(raw), want, "type_name({raw:?})");
        }
    }

    #[test]
    fn variant_names() {
        let table = [
            ("IN_PROGRESS", "InProgress"),
            (
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "UrnIetfParamsOauthGrantTypeJwtBearer",
            ),
            ("2FA", "V2fa"),
            ("self", "Self_"),
            ("a.b", "AB"),
        ];
        for (raw, want) in table {
            assert_eq!(variant_name(raw), want, "variant_name({raw:?})");
        }
    }

    #[test]
    fn field_names() {
        let table = [
            ("identitySourceId", "identity_source_id"),
            ("type", "type_"),
            ("self", "self_"),
            ("Self", "self_"),
            ("crate", "crate_"),
            ("gen", "gen_"),
            ("async", "async_"),
            ("2fa", "_2fa"),
            ("_links", "links"),
            ("_embedded", "embedded"),
            ("errorCauses", "error_causes"),
            ("X-Okta-Request-Id", "x_okta_request_id"),
            ("OAuth2Client", "o_auth2_client"),
            ("$ref", "ref_"),
        ];
        for (raw, want) in table {
            assert_eq!(field_name(raw), want, "field_name({raw:?})");
        }
    }

    #[test]
    fn composed_type_names_stay_camel_case() {
        assert_eq!(join_type_name("Self_E"), "SelfE");
        assert_eq!(join_type_name("Self_Variant0"), "SelfVariant0");
        assert_eq!(join_type_name("Self_"), "Self_");
        assert_eq!(join_type_name("UserProfile"), "UserProfile");
    }

    #[test]
    fn scope_resolves_collisions_deterministically() {
        let mut s = Scope::new();
        assert_eq!(s.claim("UserProfile"), "UserProfile");
        assert_eq!(s.claim("UserProfile"), "UserProfile2");
        assert_eq!(s.claim("UserProfile"), "UserProfile3");
        assert_eq!(s.claim("UserProfile2"), "UserProfile22");
        assert!(s.contains("UserProfile3"));
        // A keyword's `_` does not stay in front of the number.
        assert_eq!(s.claim("Self_"), "Self_");
        assert_eq!(s.claim("Self_"), "Self2");
        assert_eq!(s.claim("type_"), "type_");
        assert_eq!(s.claim("type_"), "type2");
    }
}
