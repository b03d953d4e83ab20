//! The private and public keys of the PrivateKey mode: which PEM forms are
//! accepted (and in which DER form they reach `jsonwebtoken`), which are
//! refused and how the refusal reads (never quoting the key), and
//! signatures checked against ones made by OpenSSL and by RustCrypto.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use jsonwebtoken::crypto::{sign, verify};
use okta_identity_source::__private::testing;
use okta_identity_source::Client;
use okta_identity_source::Error;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};

// The keys are made when the tests run (`keygen`): no private key is
// committed. Only the public halves of the keys OpenSSL signed with are.
use crate::keygen::{
    ec_p384_pkcs8, ec_pkcs8, ec_public, ec_sec1, ed25519_pkcs8, rsa_1024_pkcs8, rsa_pkcs1,
    rsa_pkcs8, rsa_pkcs8_encrypted, rsa_public, rsa_public_pkcs1,
};

/// `printf %s "$RS256_INPUT" | openssl dgst -sha256 -sign rsa_pkcs8.pem`,
/// base64url, by the RSA key whose public half is `openssl_rsa_pub.pem`.
const RS256_INPUT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJva3RhIn0";
const RS256_BY_OPENSSL: &str = "PB-XVi_oWecDwTEik877C_fKWOmG6pUmAZePaUvidtoZIk6ew0U7mKPnwTSlPVxeVJNIKhwOc9DBIXA4F5VL6I50hh-OSSjiYVajCelNKO9cPMoVwNy4FSWDqCSmsjiE9-Ocw9SJS_--xPyS6sP0Ef3xXWBrdqh-fGt14qqtyY3sfbdrd7bMj4PlroazBL_o8YYktTwDE87YhZZ5uqOiu3SubgBzulOUoCozp3KHbw-u7thhWvcFlaZ9wSt4Riv6DKpD0--ApnK49YrNe_2L6yJ4qmkQmeZ5PFpK2dUXWNINMjVTh5hMKtq8MijboMyKT7Xalekfdcq-wx_luZajpQ";
const OPENSSL_RSA_PUBLIC: &str = include_str!("runtime_common/keys/openssl_rsa_pub.pem");
/// The same with the P-256 key of `openssl_ec_pub.pem`, the DER signature
/// turned into JOSE's r‖s.
const ES256_INPUT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJva3RhIn0";
const ES256_BY_OPENSSL: &str =
    "-JU3roiT-fNi_67jjil97TBv5dIO_xnH8JomOZ2QoQt_s_FN8ln0RPlpJR11bDjbJ1iAH1r7Fu99q0sYVOUpuA";
const OPENSSL_EC_PUBLIC: &str = include_str!("runtime_common/keys/openssl_ec_pub.pem");

fn pkcs1_of(pem: &str) -> Vec<u8> {
    match PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap() {
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der().to_vec(),
        other => panic!("not PKCS#1: {other:?}"),
    }
}

#[test]
fn accepted_private_keys_reach_jsonwebtoken_in_its_conventional_forms() {
    // RSA: PKCS#1 DER whether the PEM was PKCS#1 or PKCS#8 (the same key).
    let (from_pkcs8, alg) = testing::jwt_encoding_key_from_pem(rsa_pkcs8()).unwrap();
    assert_eq!(alg, Algorithm::RS256);
    let (from_pkcs1, alg) = testing::jwt_encoding_key_from_pem(rsa_pkcs1()).unwrap();
    assert_eq!(alg, Algorithm::RS256);
    assert_eq!(from_pkcs8.as_bytes(), pkcs1_of(rsa_pkcs1()));
    assert_eq!(from_pkcs1.as_bytes(), pkcs1_of(rsa_pkcs1()));
    // P-256 EC: the PKCS#8 DER itself.
    let (ec, alg) = testing::jwt_encoding_key_from_pem(ec_pkcs8()).unwrap();
    assert_eq!(alg, Algorithm::ES256);
    let PrivateKeyDer::Pkcs8(pkcs8) = PrivateKeyDer::from_pem_slice(ec_pkcs8().as_bytes()).unwrap()
    else {
        panic!("not PKCS#8")
    };
    assert_eq!(ec.as_bytes(), pkcs8.secret_pkcs8_der());
}

#[test]
fn public_keys_reach_jsonwebtoken_in_its_conventional_forms() {
    // RSA: the PKCS#1 RSAPublicKey, from a SubjectPublicKeyInfo or PKCS#1 PEM.
    let (spki, alg) = testing::jwt_decoding_key_from_pem(rsa_public()).unwrap();
    assert_eq!(alg, Algorithm::RS256);
    let (pkcs1, alg) = testing::jwt_decoding_key_from_pem(rsa_public_pkcs1()).unwrap();
    assert_eq!(alg, Algorithm::RS256);
    assert_eq!(
        spki.try_get_as_bytes().unwrap(),
        pkcs1.try_get_as_bytes().unwrap()
    );
    let der = SubjectPublicKeyInfoDer::from_pem_slice(rsa_public().as_bytes()).unwrap();
    assert!(der.ends_with(spki.try_get_as_bytes().unwrap()));
    // EC: the uncompressed point, the tail of the SubjectPublicKeyInfo.
    let (ec, alg) = testing::jwt_decoding_key_from_pem(ec_public()).unwrap();
    assert_eq!(alg, Algorithm::ES256);
    let point = ec.try_get_as_bytes().unwrap();
    assert_eq!((point.len(), point[0]), (65, 0x04));
    let der = SubjectPublicKeyInfoDer::from_pem_slice(ec_public().as_bytes()).unwrap();
    assert!(der.ends_with(point));
    // Not usable for RS256 / ES256.
    for (pem, needle) in [
        ("no PEM here", "no items found"),
        (
            "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
            "not a SubjectPublicKeyInfo",
        ),
    ] {
        let err = testing::jwt_decoding_key_from_pem(pem).unwrap_err();
        assert!(err.contains(needle), "{pem:?}: {err}");
    }
}

#[test]
fn signatures_match_openssl_and_verify_both_ways() {
    testing::install_jwt_crypto_provider();
    let (rsa, _) = testing::jwt_encoding_key_from_pem(rsa_pkcs8()).unwrap();
    let (rsa_public, _) = testing::jwt_decoding_key_from_pem(rsa_public()).unwrap();
    // RSASSA-PKCS1-v1_5 is deterministic: the very bytes RustCrypto's rsa
    // crate produces with the same key.
    let signed = sign(RS256_INPUT.as_bytes(), &rsa, Algorithm::RS256).unwrap();
    let by_rustcrypto = crate::keygen::rsa()
        .key
        .pkcs1v15_sign::<rsa::sha2::Sha256>(RS256_INPUT.as_bytes())
        .unwrap();
    assert_eq!(signed, URL_SAFE_NO_PAD.encode(by_rustcrypto));
    // OpenSSL's signature verifies with its key, and not with another.
    let (openssl_rsa, _) = testing::jwt_decoding_key_from_pem(OPENSSL_RSA_PUBLIC).unwrap();
    assert!(
        verify(
            RS256_BY_OPENSSL,
            RS256_INPUT.as_bytes(),
            &openssl_rsa,
            Algorithm::RS256
        )
        .unwrap()
    );
    assert!(
        !verify(
            RS256_BY_OPENSSL,
            RS256_INPUT.as_bytes(),
            &rsa_public,
            Algorithm::RS256
        )
        .unwrap()
    );
    assert!(
        verify(
            &signed,
            RS256_INPUT.as_bytes(),
            &rsa_public,
            Algorithm::RS256
        )
        .unwrap()
    );
    assert!(!verify(&signed, b"other", &rsa_public, Algorithm::RS256).unwrap());

    // ECDSA is randomised: OpenSSL's signature verifies with its key, ours
    // with ours.
    let (ec, _) = testing::jwt_encoding_key_from_pem(ec_pkcs8()).unwrap();
    let (ec_public, _) = testing::jwt_decoding_key_from_pem(ec_public()).unwrap();
    let (openssl_ec, _) = testing::jwt_decoding_key_from_pem(OPENSSL_EC_PUBLIC).unwrap();
    assert!(
        verify(
            ES256_BY_OPENSSL,
            ES256_INPUT.as_bytes(),
            &openssl_ec,
            Algorithm::ES256
        )
        .unwrap()
    );
    let signed = sign(ES256_INPUT.as_bytes(), &ec, Algorithm::ES256).unwrap();
    assert_ne!(signed, ES256_BY_OPENSSL);
    assert!(
        verify(
            &signed,
            ES256_INPUT.as_bytes(),
            &ec_public,
            Algorithm::ES256
        )
        .unwrap()
    );

    // A key of the other family, or another algorithm, is an error, not a panic.
    assert!(sign(b"m", &rsa, Algorithm::ES256).is_err());
    assert!(sign(b"m", &rsa, Algorithm::RS512).is_err());
    assert!(
        verify(
            &signed,
            ES256_INPUT.as_bytes(),
            &rsa_public,
            Algorithm::ES256
        )
        .is_err()
    );
    assert!(
        verify(
            &signed,
            ES256_INPUT.as_bytes(),
            &ec_public,
            Algorithm::ES384
        )
        .is_err()
    );
}

fn build_error(key: &str) -> (String, String) {
    let err = Client::builder()
        .org_url("https://dev-1.okta.com")
        .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], key)
        .build()
        .unwrap_err();
    let Error::Config { problems } = &err else {
        panic!("expected Config, got {err:?}")
    };
    (problems.join(" "), format!("{err} {err:?}"))
}

/// Every run of 12 characters of the key's base64 body.
fn key_material(pem: &str) -> Vec<String> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    let chars: Vec<char> = body.chars().collect();
    chars.windows(12).map(|w| w.iter().collect()).collect()
}

#[test]
fn refused_private_keys_say_why_and_how_to_fix_it_without_quoting_them() {
    let cases = [
        (
            ec_sec1(),
            "SEC1 `EC PRIVATE KEY`; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt",
        ),
        (
            rsa_pkcs8_encrypted(),
            "privateKey is encrypted; give it unencrypted",
        ),
        (
            ec_p384_pkcs8(),
            "EC key on P-384; only P-256 EC keys (ES256) and RSA keys (RS256)",
        ),
        (
            ed25519_pkcs8(),
            "EdDSA key; only RSA keys (RS256) and P-256 EC keys (ES256)",
        ),
        (
            rsa_1024_pkcs8(),
            "the RSA key is not usable (TooSmall; RSA keys need 2048 to 8192 bits)",
        ),
        (rsa_public(), "not a usable RSA or P-256 EC private key"),
    ];
    for (pem, needle) in cases {
        let (problems, shown) = build_error(pem);
        assert!(problems.contains(needle), "{needle:?} not in {problems}");
        for run in key_material(pem) {
            assert!(!shown.contains(&run), "key material {run:?} in {shown}");
        }
    }
}
