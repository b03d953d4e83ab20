//! PEM keys to `jsonwebtoken` keys, without `jsonwebtoken`'s `use_pem`
//! feature (which brings `pem`, `simple_asn1`, `num-bigint` and `time`):
//! PEM is read with `rustls-pki-types` and the little DER that must be
//! looked into (the algorithm of a PKCS#8 or SubjectPublicKeyInfo
//! structure) is read here.
//!
//! Private keys: RSA as PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE
//! KEY`) signs with RS256; P-256 EC as PKCS#8 signs with ES256. The keys
//! are handed to `jsonwebtoken` in its own conventional forms (RSA: PKCS#1
//! DER, EC: PKCS#8 DER), so any installed `jsonwebtoken` provider can use
//! them. Error messages describe the key's kind, never its contents.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RsaKeyPair};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};

/// The message of every private key that is not recognised at all.
const NOT_USABLE: &str = "privateKey is not a usable RSA or P-256 EC private key in PEM form (PKCS#1 or PKCS#8, unencrypted)";

// DER object identifiers (contents octets).
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// A private key in PEM form, ready to sign client assertions.
pub(crate) fn private_key_from_pem(
    pem_text: &[u8],
) -> std::result::Result<(EncodingKey, Algorithm), String> {
    let text = String::from_utf8_lossy(pem_text);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err("privateKey is encrypted; give it unencrypted, for example converted with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-unencrypted.pem`".into());
    }
    let der = match PrivateKeyDer::from_pem_slice(pem_text) {
        Ok(der) => der,
        Err(pem::Error::NoItemsFound) => {
            return Err(format!("{NOT_USABLE}: no private key block found"));
        }
        // pki-types' messages may quote a line of the text: not repeated.
        Err(_) => return Err(format!("{NOT_USABLE}: the PEM text is malformed")),
    };
    let (key, algorithm) = match &der {
        PrivateKeyDer::Pkcs1(pkcs1) => rsa_private_key(pkcs1.secret_pkcs1_der())?,
        PrivateKeyDer::Pkcs8(pkcs8) => {
            let pkcs8 = pkcs8.secret_pkcs8_der();
            let Some(info) = parse_pkcs8(pkcs8) else {
                return Err(NOT_USABLE.into());
            };
            match (info.algorithm, info.curve) {
                (OID_RSA_ENCRYPTION, _) => rsa_private_key(info.private_key)?,
                (OID_EC_PUBLIC_KEY, Some(OID_P256)) => {
                    EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_FIXED_SIGNING,
                        pkcs8,
                        &SystemRandom::new(),
                    )
                    .map_err(|e| format!("privateKey: the P-256 EC key is not usable ({e})"))?;
                    (EncodingKey::from_ec_der(pkcs8), Algorithm::ES256)
                }
                (OID_EC_PUBLIC_KEY, curve) => {
                    return Err(format!(
                        "privateKey is an EC key on {}; only P-256 EC keys (ES256) and RSA keys (RS256) are supported",
                        curve_name(curve)
                    ));
                }
                (OID_ED25519 | OID_ED448, _) => {
                    return Err("privateKey is an EdDSA key; only RSA keys (RS256) and P-256 EC keys (ES256) are supported".into());
                }
                _ => return Err(NOT_USABLE.into()),
            }
        }
        PrivateKeyDer::Sec1(_) => {
            return Err("privateKey is a SEC1 `EC PRIVATE KEY`; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`".into());
        }
        _ => return Err(NOT_USABLE.into()),
    };
    // Sign a probe with this crate's signer, so that a key that parses but
    // cannot sign is reported at build time, not at the first token request.
    let signed = super::jwt::new_signer(&algorithm, &key)
        .map_err(|_| NOT_USABLE.to_owned())?
        .try_sign(b"probe");
    if signed.is_err() {
        return Err(format!("{NOT_USABLE}: signing a probe failed"));
    }
    Ok((key, algorithm))
}

fn rsa_private_key(pkcs1: &[u8]) -> std::result::Result<(EncodingKey, Algorithm), String> {
    // ring's reasons ("TooSmall", "InconsistentComponents", …) carry no key material.
    RsaKeyPair::from_der(pkcs1).map_err(|e| {
        format!("privateKey: the RSA key is not usable ({e}; RSA keys need 2048 to 8192 bits)")
    })?;
    Ok((EncodingKey::from_rsa_der(pkcs1), Algorithm::RS256))
}

/// A public key in PEM form (`PUBLIC KEY`, or `RSA PUBLIC KEY` for PKCS#1)
/// and the algorithm it verifies: RS256 for RSA, ES256 for P-256 EC.
pub(crate) fn public_key_from_pem(
    pem_text: &[u8],
) -> std::result::Result<(DecodingKey, Algorithm), String> {
    const PKCS1_LABEL: &str = "RSA PUBLIC KEY-----";
    let text = String::from_utf8_lossy(pem_text);
    if text.contains(PKCS1_LABEL) {
        // rustls-pki-types knows no PKCS#1 public key label: read the
        // block under the SubjectPublicKeyInfo label, then take it as PKCS#1.
        let relabelled = text.replace(PKCS1_LABEL, "PUBLIC KEY-----");
        let der = SubjectPublicKeyInfoDer::from_pem_slice(relabelled.as_bytes())
            .map_err(|e| format!("public key PEM: {e}"))?;
        return Ok((DecodingKey::from_rsa_der(&der), Algorithm::RS256));
    }
    let der = SubjectPublicKeyInfoDer::from_pem_slice(pem_text)
        .map_err(|e| format!("public key PEM: {e}"))?;
    let Some(spki) = parse_spki(&der) else {
        return Err("public key PEM: not a SubjectPublicKeyInfo structure".into());
    };
    match (spki.algorithm, spki.curve) {
        (OID_RSA_ENCRYPTION, _) => Ok((DecodingKey::from_rsa_der(spki.key), Algorithm::RS256)),
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => {
            Ok((DecodingKey::from_ec_der(spki.key), Algorithm::ES256))
        }
        (OID_EC_PUBLIC_KEY, curve) => Err(format!(
            "public key is an EC key on {}; only P-256 is supported",
            curve_name(curve)
        )),
        _ => Err("public key is neither RSA nor P-256 EC".into()),
    }
}

fn curve_name(curve: Option<&[u8]>) -> &'static str {
    match curve {
        Some(OID_P384) => "P-384",
        Some(OID_P521) => "P-521",
        _ => "an unsupported curve",
    }
}

/// The parts of a PKCS#8 `PrivateKeyInfo` (RFC 5208) that matter here.
struct Pkcs8<'a> {
    algorithm: &'a [u8],
    curve: Option<&'a [u8]>,
    private_key: &'a [u8],
}

fn parse_pkcs8(der: &[u8]) -> Option<Pkcs8<'_>> {
    let (body, _) = expect(der, TAG_SEQUENCE)?;
    let (_version, rest) = expect(body, TAG_INTEGER)?;
    let (algorithm_id, rest) = expect(rest, TAG_SEQUENCE)?;
    let (algorithm, params) = expect(algorithm_id, TAG_OID)?;
    let curve = expect(params, TAG_OID).map(|(oid, _)| oid);
    let (private_key, _) = expect(rest, TAG_OCTET_STRING)?;
    Some(Pkcs8 {
        algorithm,
        curve,
        private_key,
    })
}

/// The parts of a `SubjectPublicKeyInfo` (RFC 5280) that matter here.
struct Spki<'a> {
    algorithm: &'a [u8],
    curve: Option<&'a [u8]>,
    /// The `subjectPublicKey` bits: PKCS#1 `RSAPublicKey` DER for RSA, the
    /// uncompressed point for EC.
    key: &'a [u8],
}

fn parse_spki(der: &[u8]) -> Option<Spki<'_>> {
    let (body, _) = expect(der, TAG_SEQUENCE)?;
    let (algorithm_id, rest) = expect(body, TAG_SEQUENCE)?;
    let (algorithm, params) = expect(algorithm_id, TAG_OID)?;
    let curve = expect(params, TAG_OID).map(|(oid, _)| oid);
    let (bits, _) = expect(rest, TAG_BIT_STRING)?;
    // The first octet counts the unused bits of the last one: keys have none.
    let (&0, key) = bits.split_first()? else {
        return None;
    };
    Some(Spki {
        algorithm,
        curve,
        key,
    })
}

/// The contents of the DER element at the start of `input` if its tag is
/// `tag`, and what follows it.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&actual, rest) = input.split_first()?;
    if actual != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let octets = usize::from(first & 0x7f);
        if octets == 0 || octets > 4 || rest.len() < octets {
            return None;
        }
        let (len_octets, after) = rest.split_at(octets);
        rest = after;
        len_octets
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b))
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_short_long_and_truncated() {
        assert_eq!(
            expect(&[0x04, 0x02, 1, 2, 9], TAG_OCTET_STRING),
            Some((&[1u8, 2][..], &[9u8][..]))
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(
            expect(&long, TAG_OCTET_STRING).map(|(c, r)| (c.len(), r.len())),
            Some((0x80, 0))
        );
        assert_eq!(
            expect(&[0x04, 0x03, 1, 2], TAG_OCTET_STRING),
            None,
            "truncated"
        );
        assert_eq!(
            expect(&[0x04, 0x80], TAG_OCTET_STRING),
            None,
            "indefinite length"
        );
        assert_eq!(
            expect(&[0x04, 0x85, 1, 1, 1, 1, 1], TAG_OCTET_STRING),
            None,
            "too long"
        );
        assert_eq!(
            expect(&[0x02, 0x01, 1], TAG_OCTET_STRING),
            None,
            "other tag"
        );
        assert_eq!(expect(&[], TAG_OCTET_STRING), None);
    }

    #[test]
    fn garbage_is_reported_without_its_content() {
        for text in [
            "-----BEGIN PRIVATE KEY-----\nQUJDREVGR0g=\n-----END PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\nQUJDREVGR0g=\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nQUJD$$$\n-----END PRIVATE KEY-----\n",
            "QUJDREVGR0g=",
        ] {
            let Err(e) = private_key_from_pem(text.as_bytes()) else {
                panic!("accepted {text:?}")
            };
            assert!(e.starts_with("privateKey"), "{e}");
            assert!(!e.contains("QUJD"), "{e}");
        }
        assert!(
            public_key_from_pem(b"-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\n")
                .is_err()
        );
    }
}
