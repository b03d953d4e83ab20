//! The keys and certificates of the tests, made when the tests run: no
//! private key is committed or packaged with the crate. They protect
//! nothing, live only in this process and are made once per process.
//!
//! RSA keys come from the RustCrypto `rsa` crate and EC / Ed25519 keys and
//! the certificates from rcgen: encoders independent of the ways the
//! runtime reads and uses keys (rustls-pki-types, ring, jsonwebtoken).
// Which keys a build uses depends on its features.
#![allow(dead_code)]

use std::sync::LazyLock;

use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::der::pem::{self, LineEnding};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, PrivateKeyInfoRef};

/// An RSA key pair in every PEM form the tests give the runtime.
pub struct RsaPem {
    pub key: rsa::PrivateKey,
    /// `PRIVATE KEY` (PKCS#8).
    pub pkcs8: String,
    /// `RSA PRIVATE KEY` (PKCS#1), the same key.
    pub pkcs1: String,
    /// `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub public: String,
    /// `RSA PUBLIC KEY` (PKCS#1).
    pub public_pkcs1: String,
}

fn rsa_pem(bits: usize) -> RsaPem {
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).expect("RSA key generation");
    let public = key.to_public_key();
    RsaPem {
        pkcs8: key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8")
            .to_string(),
        pkcs1: key
            .to_pkcs1_pem(LineEnding::LF)
            .expect("PKCS#1")
            .to_string(),
        public: public.to_public_key_pem(LineEnding::LF).expect("SPKI"),
        public_pkcs1: public.to_pkcs1_pem(LineEnding::LF).expect("PKCS#1 public"),
        key,
    }
}

/// An EC or EdDSA key pair from rcgen.
pub struct KeyPem {
    pub pkcs8: String,
    pub public: String,
    pair: rcgen::KeyPair,
}

fn key_pem(alg: &'static rcgen::SignatureAlgorithm) -> KeyPem {
    let pair = rcgen::KeyPair::generate_for(alg).expect("key generation");
    KeyPem {
        pkcs8: pair.serialize_pem(),
        public: pair.public_key_pem(),
        pair,
    }
}

static RSA: LazyLock<RsaPem> = LazyLock::new(|| rsa_pem(2048));
static RSA_OTHER: LazyLock<RsaPem> = LazyLock::new(|| rsa_pem(2048));
static RSA_1024: LazyLock<String> = LazyLock::new(|| rsa_pem(1024).pkcs8);
static EC: LazyLock<KeyPem> = LazyLock::new(|| key_pem(&rcgen::PKCS_ECDSA_P256_SHA256));
static EC_P384: LazyLock<KeyPem> = LazyLock::new(|| key_pem(&rcgen::PKCS_ECDSA_P384_SHA384));
static ED25519: LazyLock<KeyPem> = LazyLock::new(|| key_pem(&rcgen::PKCS_ED25519));

/// A 2048-bit RSA key (RS256).
pub fn rsa() -> &'static RsaPem {
    &RSA
}

/// Another 2048-bit RSA key, unrelated to [`rsa`].
pub fn rsa_other() -> &'static RsaPem {
    &RSA_OTHER
}

/// A 1024-bit RSA key, PKCS#8: too small for RS256.
pub fn rsa_1024_pkcs8() -> &'static str {
    &RSA_1024
}

/// The key of [`rsa`], PKCS#8 encrypted with a password
/// (`ENCRYPTED PRIVATE KEY`, PBES2: PBKDF2-SHA256 and AES-256-CBC, the
/// form `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes).
pub fn rsa_pkcs8_encrypted() -> &'static str {
    static PEM: LazyLock<String> = LazyLock::new(|| {
        let der = rsa().key.to_pkcs8_der().expect("PKCS#8");
        let info = PrivateKeyInfoRef::try_from(der.as_bytes()).expect("PKCS#8 parses");
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        getrandom::fill(&mut salt).expect("random salt");
        getrandom::fill(&mut iv).expect("random IV");
        let params =
            rsa::pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &salt, iv)
                .expect("PBES2 parameters");
        let encrypted = info
            .encrypt_with_params(params, "test password")
            .expect("encryption");
        encrypted
            .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
            .expect("PEM")
            .to_string()
    });
    &PEM
}

/// A P-256 EC key (ES256).
pub fn ec() -> &'static KeyPem {
    &EC
}

/// The key of [`ec`] as SEC1 (`EC PRIVATE KEY`): the ECPrivateKey that
/// its PKCS#8 wraps.
pub fn ec_sec1() -> &'static str {
    static PEM: LazyLock<String> = LazyLock::new(|| {
        let der = ec().pair.serialize_der();
        let info = PrivateKeyInfoRef::try_from(der.as_slice()).expect("PKCS#8 parses");
        pem::encode_string(
            "EC PRIVATE KEY",
            LineEnding::LF,
            info.private_key.as_bytes(),
        )
        .expect("PEM")
    });
    &PEM
}

/// A P-384 EC key, PKCS#8.
pub fn ec_p384_pkcs8() -> &'static str {
    &EC_P384.pkcs8
}

/// An Ed25519 key, PKCS#8.
pub fn ed25519_pkcs8() -> &'static str {
    &ED25519.pkcs8
}

/// The certificates of the https tests: a CA, a server certificate it
/// signed for 127.0.0.1 and localhost (with the server's key), and an
/// unrelated CA.
pub struct Tls {
    pub ca_pem: String,
    pub other_ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
}

pub fn tls() -> &'static Tls {
    static TLS: LazyLock<Tls> = LazyLock::new(|| {
        let (ca_pem, issuer) = ca("okta-identity-source test CA");
        let (other_ca_pem, _) = ca("okta-identity-source other test CA");
        let mut params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server names");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");
        Tls {
            ca_pem,
            other_ca_pem,
            server_cert_pem: cert.pem(),
            server_key_pem: key.serialize_pem(),
        }
    });
    &TLS
}

fn ca(name: &str) -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let mut params = rcgen::CertificateParams::new(Vec::new()).expect("no names");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert.pem(), rcgen::Issuer::new(params, key))
}

// The forms the tests use, by the names of the files they replace.

pub fn rsa_pkcs8() -> &'static str {
    &rsa().pkcs8
}

pub fn rsa_pkcs1() -> &'static str {
    &rsa().pkcs1
}

pub fn rsa_public() -> &'static str {
    &rsa().public
}

pub fn rsa_public_pkcs1() -> &'static str {
    &rsa().public_pkcs1
}

pub fn ec_pkcs8() -> &'static str {
    &ec().pkcs8
}

pub fn ec_public() -> &'static str {
    &ec().public
}

pub fn ca_pem() -> &'static str {
    &tls().ca_pem
}

pub fn other_ca_pem() -> &'static str {
    &tls().other_ca_pem
}
