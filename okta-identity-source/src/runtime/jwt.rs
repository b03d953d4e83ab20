//! A *ring*-backed `jsonwebtoken` [`CryptoProvider`] for the client
//! assertions of the PrivateKey mode, and the rule for installing it.
//!
//! `jsonwebtoken` 12 takes its cryptography from a process-wide provider
//! and offers no way to pass one per call. This crate enables neither of
//! its built-in backends (aws-lc-rs builds a C library; RustCrypto adds a
//! second RSA stack), so [`ensure_provider`] installs [`RING_PROVIDER`]
//! right before signing, and only if no provider is installed: an
//! application that installed its own keeps it.
//!
//! The provider covers exactly what the PrivateKey mode produces: RS256
//! (RSASSA-PKCS1-v1_5 with SHA-256) and ES256 (ECDSA P-256 with SHA-256),
//! signing and verifying. Every other algorithm, and the JWK helpers,
//! return a `jsonwebtoken` error; nothing here panics.
//!
//! Key forms follow `jsonwebtoken`'s own conventions, so keys built by
//! [`super::keys`] work with whichever provider is installed: RSA private
//! keys as PKCS#1 DER (PKCS#8 is accepted too), EC private keys as PKCS#8
//! DER, RSA public keys as PKCS#1 DER or (n, e), EC public keys as the
//! uncompressed point.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind, new_error};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, EcdsaKeyPair, RsaKeyPair};

/// The provider: RS256 and ES256 with *ring*.
pub(crate) static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(unsupported("JWK helpers")),
        rsa_pub_components_from_public_key: |_| Err(unsupported("JWK helpers")),
        ec_pub_components_from_private_key: no_ec_components,
        ed_pub_components_from_private_key: no_ed_components,
        compute_digest: no_digest,
    },
};

/// Installs [`RING_PROVIDER`] as `jsonwebtoken`'s process default unless a
/// provider is already installed (by the application, or by an earlier
/// call). Called right before anything is signed or verified.
pub(crate) fn ensure_provider() {
    if CryptoProvider::try_get_default().is_none() {
        // Losing a race against another installer is fine: one provider
        // is installed either way, and that one is used.
        let _ = RING_PROVIDER.install_default();
    }
}

fn unsupported(what: &str) -> JwtError {
    new_error(ErrorKind::Provider(format!(
        "{what} are not supported by okta-identity-source's ring provider (RS256 and ES256 only); install another jsonwebtoken CryptoProvider for them"
    )))
}

fn no_ec_components(
    _: &[u8],
    _: Algorithm,
) -> jsonwebtoken::errors::Result<(EllipticCurve, Vec<u8>, Vec<u8>)> {
    Err(unsupported("JWK helpers"))
}

fn no_ed_components(_: &[u8], _: &EllipticCurve) -> jsonwebtoken::errors::Result<Vec<u8>> {
    Err(unsupported("JWK helpers"))
}

fn no_digest(_: &[u8], _: ThumbprintHash) -> jsonwebtoken::errors::Result<Vec<u8>> {
    Err(unsupported("JWK helpers"))
}

pub(crate) fn new_signer(
    algorithm: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    match algorithm {
        Algorithm::RS256 => {
            if key.family() != AlgorithmFamily::Rsa {
                return Err(new_error(ErrorKind::InvalidKeyFormat));
            }
            let der = key.as_bytes();
            let pair = RsaKeyPair::from_der(der)
                .or_else(|_| RsaKeyPair::from_pkcs8(der))
                .map_err(|e| new_error(ErrorKind::InvalidRsaKey(e.to_string())))?;
            Ok(Box::new(Rs256Signer(pair)))
        }
        Algorithm::ES256 => {
            if key.family() != AlgorithmFamily::Ec {
                return Err(new_error(ErrorKind::InvalidKeyFormat));
            }
            let pair = EcdsaKeyPair::from_pkcs8(
                &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                key.as_bytes(),
                &SystemRandom::new(),
            )
            .map_err(|_| new_error(ErrorKind::InvalidEcdsaKey))?;
            Ok(Box::new(Es256Signer(pair)))
        }
        _ => Err(new_error(ErrorKind::UnsupportedAlgorithm)),
    }
}

pub(crate) fn new_verifier(
    algorithm: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    match algorithm {
        Algorithm::RS256 if key.family() == AlgorithmFamily::Rsa => {
            Ok(Box::new(Rs256Verifier(key.clone())))
        }
        Algorithm::ES256 if key.family() == AlgorithmFamily::Ec => {
            Ok(Box::new(Es256Verifier(key.clone())))
        }
        Algorithm::RS256 | Algorithm::ES256 => Err(new_error(ErrorKind::InvalidKeyFormat)),
        _ => Err(new_error(ErrorKind::UnsupportedAlgorithm)),
    }
}

struct Rs256Signer(RsaKeyPair);

impl Signer<Vec<u8>> for Rs256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut sig = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &ring_sig::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                msg,
                &mut sig,
            )
            .map_err(|_| signature::Error::new())?;
        Ok(sig)
    }
}

impl JwtSigner for Rs256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

struct Es256Signer(EcdsaKeyPair);

impl Signer<Vec<u8>> for Es256Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let sig = self
            .0
            .sign(&SystemRandom::new(), msg)
            .map_err(|_| signature::Error::new())?;
        Ok(sig.as_ref().to_vec())
    }
}

impl JwtSigner for Es256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

struct Rs256Verifier(DecodingKey);

impl Verifier<Vec<u8>> for Rs256Verifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let params = &ring_sig::RSA_PKCS1_2048_8192_SHA256;
        match self.0.kind() {
            DecodingKeyKind::SecretOrDer(der) => {
                ring_sig::UnparsedPublicKey::new(params, der).verify(msg, sig)
            }
            DecodingKeyKind::RsaModulusExponent { n, e } => {
                ring_sig::RsaPublicKeyComponents { n, e }.verify(params, msg, sig)
            }
        }
        .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Rs256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

struct Es256Verifier(DecodingKey);

impl Verifier<Vec<u8>> for Es256Verifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let point = self
            .0
            .try_get_as_bytes()
            .map_err(|_| signature::Error::new())?;
        ring_sig::UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, point)
            .verify(msg, sig)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Es256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_algorithms_and_jwk_helpers_are_errors_not_panics() {
        let hmac = EncodingKey::from_secret(b"secret").map_err(|e| e.to_string());
        let Ok(hmac) = hmac else {
            panic!("HMAC key: {hmac:?}")
        };
        for alg in [
            Algorithm::HS256,
            Algorithm::RS384,
            Algorithm::PS256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ] {
            assert!(new_signer(&alg, &hmac).is_err(), "{alg:?}");
        }
        // The right algorithm with a key of the wrong family.
        assert!(new_signer(&Algorithm::RS256, &hmac).is_err());
        assert!(new_signer(&Algorithm::ES256, &EncodingKey::from_rsa_der(b"x")).is_err());
        // Garbage DER is an error too.
        assert!(new_signer(&Algorithm::RS256, &EncodingKey::from_rsa_der(b"x")).is_err());
        assert!(new_signer(&Algorithm::ES256, &EncodingKey::from_ec_der(b"x")).is_err());
        let point = DecodingKey::from_ec_der(b"x");
        assert!(new_verifier(&Algorithm::HS256, &point).is_err());
        assert!(new_verifier(&Algorithm::RS256, &point).is_err());
        assert!(new_verifier(&Algorithm::ES256, &point).is_ok());

        let utils = &RING_PROVIDER.key_utils;
        assert!((utils.rsa_pub_components_from_private_key)(b"x").is_err());
        assert!((utils.rsa_pub_components_from_public_key)(b"x").is_err());
        assert!((utils.ec_pub_components_from_private_key)(b"x", Algorithm::ES256).is_err());
        assert!((utils.ed_pub_components_from_private_key)(b"x", &EllipticCurve::Ed25519).is_err());
        let digest = (utils.compute_digest)(b"x", ThumbprintHash::SHA256);
        let Err(e) = digest else {
            panic!("digest computed")
        };
        assert!(e.to_string().contains("RS256 and ES256 only"), "{e}");
    }
}
