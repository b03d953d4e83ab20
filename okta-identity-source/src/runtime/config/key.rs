//! The private key's sources: PEM text, bare base64 key material, or the
//! path of a PEM file.

use std::path::{Path, PathBuf};

use crate::runtime::secret::SecretString;

/// Whether `v` looks like a key's DER in bare base64 (PEM armour removed,
/// as some secret stores keep keys): long, and only base64 characters.
pub(super) fn is_bare_base64(v: &str) -> bool {
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 64
        && compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        && !compact.trim_end_matches('=').contains('=')
}

/// Wraps bare base64 in PEM armour with `label`.
pub(super) fn armour(base64: &str, label: &str) -> SecretString {
    let compact: String = base64.chars().filter(|c| !c.is_whitespace()).collect();
    let mut body = String::new();
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 64 == 0 {
            body.push('\n');
        }
        body.push(c);
    }
    SecretString::new(format!(
        "-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
    ))
}

pub(super) fn read_private_key(
    value: &SecretString,
    cwd: Option<&Path>,
) -> std::result::Result<SecretString, String> {
    let v = value.expose().trim();
    if v.contains("-----BEGIN") {
        return Ok(SecretString::new(v));
    }
    if v.starts_with('{') {
        return Err(
            "privateKey: JWK private keys are not supported; give a PEM (PKCS#1 or PKCS#8) key"
                .into(),
        );
    }

    let mut path = PathBuf::from(v);
    if path.is_relative()
        && let Some(cwd) = cwd
    {
        path = cwd.join(path);
    }
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains("-----BEGIN") => Ok(SecretString::new(text)),
        Ok(_) => Err(format!(
            "privateKey file {} does not contain a PEM key",
            path.display()
        )),
        // The value is not shown: it may be key material rather than a path.
        Err(e) => Err(format!(
            "privateKey is neither PEM text, nor base64 key material, nor the path of a readable file ({}); the value is not shown",
            e.kind()
        )),
    }
}
