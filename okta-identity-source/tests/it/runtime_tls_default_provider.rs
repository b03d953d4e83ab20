//! Calls over https when the application installed a process-default
//! rustls crypto provider before building the client: the runtime then lets
//! reqwest build its TLS configuration with that provider (extra roots
//! included) instead of configuring ring itself.

use crate::runtime_common as common;
use crate::tls_server;

use std::sync::Arc;

use axum::http::Version;
use common::{GET_SESSION, session_json};
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::Client;
use okta_identity_source::Error;
use tls_server::{H2, HTTP11, TlsServer, ca_pem};

#[derive(Debug, serde::Deserialize)]
struct Session {
    id: String,
}

#[test]
fn the_applications_provider_is_used_and_kept() {
    // Installs the process-default rustls provider: alone in its process.
    crate::own_process::run(
        module_path!(),
        "the_applications_provider_is_used_and_kept",
        the_applications_provider_is_used_and_kept_alone,
    );
}

#[tokio::main(flavor = "current_thread")]
async fn the_applications_provider_is_used_and_kept_alone() {
    // What an application does at startup (here ring too: this crate builds
    // rustls with no other provider).
    let mine = Arc::new(rustls::crypto::ring::default_provider());
    assert!(rustls::crypto::CryptoProvider::install_default((*mine).clone()).is_ok());
    let installed = rustls::crypto::CryptoProvider::get_default().expect("installed");

    let server = TlsServer::start(&[H2, HTTP11], |_| (200, session_json("aps1").to_string())).await;
    let call = |client: Client| async move {
        client
            .__call::<Json<Session>>(&GET_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", "aps1")
            .await
    };

    // Extra roots reach the configuration reqwest builds.
    let trusted = Client::builder()
        .org_url(&server.url)
        .api_token("00tok")
        .add_root_certificates_pem(ca_pem())
        .build()
        .unwrap();
    assert_eq!(call(trusted).await.unwrap().id, "aps1");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].version, Version::HTTP_2);

    // Without them the certificate is refused, with the same clear error.
    let untrusted = Client::builder()
        .org_url(&server.url)
        .api_token("00tok")
        .build()
        .unwrap();
    let err = call(untrusted).await.unwrap_err();
    let Error::Transport { message, .. } = &err else {
        panic!("expected Transport, got {err:?}")
    };
    assert!(
        message.contains("invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    assert!(message.contains("add_root_certificates_pem"), "{err}");
    assert!(!err.is_retryable());

    // Still the application's provider.
    let now = rustls::crypto::CryptoProvider::get_default().expect("installed");
    assert!(Arc::ptr_eq(installed, now));
}
