//! An application that installed its own `jsonwebtoken` crypto provider
//! keeps it: the PrivateKey mode signs with that provider and installs
//! nothing (this crate's ring provider is installed only when none is).

use crate::runtime_common as common;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::keygen::rsa_pkcs8;
use common::{GET_SESSION, Reply, TestServer};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, new_error};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::Client;
use okta_identity_source::Error;

static SIGNERS_ASKED: AtomicUsize = AtomicUsize::new(0);

fn refusing_signer(
    _: &Algorithm,
    _: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    SIGNERS_ASKED.fetch_add(1, Ordering::SeqCst);
    Err(new_error(ErrorKind::Provider(
        "the application's provider".into(),
    )))
}

fn no_verifier(
    _: &Algorithm,
    _: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    Err(new_error(ErrorKind::UnsupportedAlgorithm))
}

static APPLICATION_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: refusing_signer,
    verifier_factory: no_verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

#[test]
fn the_applications_jsonwebtoken_provider_signs_and_stays_installed() {
    // Installs the process-default jsonwebtoken provider: alone in its process.
    crate::own_process::run(
        module_path!(),
        "the_applications_jsonwebtoken_provider_signs_and_stays_installed",
        the_applications_jsonwebtoken_provider_signs_and_stays_installed_alone,
    );
}

#[tokio::main(flavor = "current_thread")]
async fn the_applications_jsonwebtoken_provider_signs_and_stays_installed_alone() {
    assert!(APPLICATION_PROVIDER.install_default().is_ok());
    let server = TestServer::start(|_, _| Reply::empty(500)).await;
    // Building checks the key with ring directly, not through the provider.
    let client = Client::builder()
        .org_url(&server.url)
        .disable_https_check(true)
        .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], rsa_pkcs8())
        .build()
        .unwrap();
    assert_eq!(SIGNERS_ASKED.load(Ordering::SeqCst), 0);

    let err = client
        .__call::<Json<serde_json::Value>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
        .await
        .unwrap_err();
    let Error::Config { problems } = &err else {
        panic!("expected Config, got {err:?}")
    };
    assert_eq!(
        problems,
        &["could not sign the client assertion: Custom provider error: the application's provider"]
    );
    assert_eq!(SIGNERS_ASKED.load(Ordering::SeqCst), 1);
    assert!(
        server.seen().is_empty(),
        "nothing sent without an assertion"
    );
    let installed = CryptoProvider::try_get_default().expect("installed");
    assert!(std::ptr::eq(installed, &APPLICATION_PROVIDER));
}
