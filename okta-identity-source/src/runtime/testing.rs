//! Support for tests: the tests generated from the spec's examples, and
//! the key handling of this crate's own tests and fake (so that they need
//! no `jsonwebtoken` PEM or crypto features of their own).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Assert that the example `json` (from the spec, at `pointer`) deserializes
/// into `T` and serializes back to the same JSON. Date-times are compared as
/// instants: `2022-04-04T15:56:05.000Z` and `2022-04-04T15:56:05Z` are equal.
///
/// Used by `src/generated/examples.rs`; panics with a readable message, as a
/// test assertion does.
#[track_caller]
pub fn assert_example_round_trips<T>(pointer: &str, json: &str)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let original: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => panic!("example {pointer} is not JSON: {e}"),
    };
    let typed: T = match serde_json::from_value(original.clone()) {
        Ok(t) => t,
        Err(e) => panic!(
            "example {pointer} does not deserialize as {}: {e}",
            std::any::type_name::<T>()
        ),
    };
    let back = match serde_json::to_value(&typed) {
        Ok(v) => v,
        Err(e) => panic!("example {pointer} does not serialize back: {e}"),
    };
    if let Some(path) = first_difference(&original, &back, String::new()) {
        panic!(
            "example {pointer} changes in a round trip at `{path}`:\n  spec: {original}\n  back: {back}"
        );
    }
    let again: T = match serde_json::from_value(back) {
        Ok(t) => t,
        Err(e) => panic!("example {pointer} does not deserialize after a round trip: {e}"),
    };
    assert_eq!(
        typed, again,
        "example {pointer} is not stable in a second round trip"
    );
}

/// A `reqwest::ClientBuilder` with TLS set up as the runtime sets up its
/// own (see `runtime/tls.rs`), for tests and benchmarks that send plain
/// requests: this crate builds reqwest without a crypto provider, so
/// `reqwest::Client::new()` panics unless a process default is installed.
/// Panics, as a test assertion does, if TLS cannot be set up (no system
/// root certificates).
#[track_caller]
pub fn reqwest_client_builder() -> reqwest::ClientBuilder {
    match super::tls::configure(reqwest::Client::builder(), &[]) {
        Ok(builder) => builder,
        Err(e) => panic!("TLS setup for a test reqwest client: {e}"),
    }
}

/// Installs the runtime's *ring*-backed `jsonwebtoken` provider unless one
/// is installed, as the client does before signing. Tests that sign or
/// verify with `jsonwebtoken` themselves call it first.
pub fn install_jwt_crypto_provider() {
    super::jwt::ensure_provider();
}

/// A PEM private key as the client reads it (RSA PKCS#1 or PKCS#8, P-256
/// EC PKCS#8): the `jsonwebtoken` key and the algorithm it signs with.
pub fn jwt_encoding_key_from_pem(
    pem: &str,
) -> Result<(jsonwebtoken::EncodingKey, jsonwebtoken::Algorithm), String> {
    super::keys::private_key_from_pem(pem.as_bytes())
}

/// A PEM public key (`PUBLIC KEY` or `RSA PUBLIC KEY`; RSA or P-256 EC):
/// the `jsonwebtoken` key and the algorithm it verifies.
pub fn jwt_decoding_key_from_pem(
    pem: &str,
) -> Result<(jsonwebtoken::DecodingKey, jsonwebtoken::Algorithm), String> {
    super::keys::public_key_from_pem(pem.as_bytes())
}

/// The first place where `a` and `b` differ, as a JSON-pointer-like path.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let sub = format!("{path}/{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_difference(p, q, sub) {
                            return Some(d);
                        }
                    }
                    _ => return Some(sub),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(path);
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(p, q, format!("{path}/{i}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let same_instant = matches!(
                (chrono::DateTime::parse_from_rfc3339(x), chrono::DateTime::parse_from_rfc3339(y)),
                (Ok(p), Ok(q)) if p == q
            );
            if same_instant { None } else { Some(path) }
        }
        (Value::Number(x), Value::Number(y)) if x != y => {
            // 1 and 1.0 are the same number.
            if x.as_f64() == y.as_f64() {
                None
            } else {
                Some(path)
            }
        }
        _ if a == b => None,
        _ => Some(path),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn differences() {
        let same = [
            (json!({"a": 1}), json!({"a": 1})),
            (
                json!({"t": "2022-04-04T15:56:05.000Z"}),
                json!({"t": "2022-04-04T15:56:05Z"}),
            ),
            (json!([1.0]), json!([1])),
        ];
        for (a, b) in same {
            assert_eq!(first_difference(&a, &b, String::new()), None, "{a} vs {b}");
        }
        let differ = [
            (json!({"a": 1}), json!({"a": 2}), "/a"),
            (json!({"a": 1}), json!({}), "/a"),
            (json!({}), json!({"b": null}), "/b"),
            (
                json!({"t": "2022-04-04T15:56:05Z"}),
                json!({"t": "2022-04-04T15:56:06Z"}),
                "/t",
            ),
            (json!([1, 2]), json!([1]), ""),
            (
                json!({"x": [{"y": "a"}]}),
                json!({"x": [{"y": "b"}]}),
                "/x/0/y",
            ),
        ];
        for (a, b, at) in differ {
            assert_eq!(
                first_difference(&a, &b, String::new()).as_deref(),
                Some(at),
                "{a} vs {b}"
            );
        }
    }
}
