//! The fake's test keys, made when the tests run (`keygen`; they protect
//! nothing): an RSA key pair the fake verifies client assertions with, and
//! a second key the fake does not know.

pub fn test_private_key() -> &'static str {
    &crate::keygen::rsa().pkcs8
}

pub fn test_public_key() -> &'static str {
    &crate::keygen::rsa().public
}

/// A second key the fake does not know.
pub fn other_private_key() -> &'static str {
    &crate::keygen::rsa_other().pkcs8
}
