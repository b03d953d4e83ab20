//! Calls over https to a loopback server, with no process-default rustls
//! crypto provider installed (the runtime then configures rustls with ring
//! itself, and must not install a default): a trusted private CA, HTTP/2 and
//! HTTP/1.1 by ALPN, refused certificates as clear errors, bad root
//! certificate settings, and the private_key_jwt flow over TLS.
//!
//! Nothing in this test binary installs a rustls or jsonwebtoken process
//! default; `runtime_tls_default_provider.rs` covers an application that does.

use crate::runtime_common as common;
use crate::tls_server;

use std::time::Duration;

use crate::keygen::rsa_pkcs8;
use axum::http::Version;
use common::{GET_SESSION, session_json};
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::Client;
use okta_identity_source::{ClientBuilder, Error};
use tls_server::{H2, HTTP11, TlsServer, ca_pem, other_ca_pem};

#[derive(Debug, serde::Deserialize)]
struct Session {
    id: String,
}

async fn get(client: &Client) -> Result<Session, Error> {
    client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
        .await
}

fn sessions(server_alpn: &[&[u8]]) -> impl std::future::Future<Output = TlsServer> {
    TlsServer::start(server_alpn, |_| (200, session_json("aps1").to_string()))
}

fn builder(server: &TlsServer) -> ClientBuilder {
    Client::builder()
        .org_url(&server.url)
        .api_token("00tls-token")
}

fn no_rustls_default() -> bool {
    rustls::crypto::CryptoProvider::get_default().is_none()
}

#[cfg(feature = "http2")]
#[tokio::test]
async fn a_trusted_private_ca_is_reached_over_http2() {
    assert!(no_rustls_default());
    let server = sessions(&[H2, HTTP11]).await;
    let client = builder(&server)
        .add_root_certificates_pem(ca_pem())
        .build()
        .unwrap();
    assert_eq!(client.settings().extra_root_certificates, 1);
    assert!(server.url.starts_with("https://127.0.0.1:"));
    assert_eq!(get(&client).await.unwrap().id, "aps1");
    assert_eq!(get(&client).await.unwrap().id, "aps1");

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert_eq!(r.version, Version::HTTP_2, "{r:?}");
        assert_eq!(r.alpn.as_deref(), Some(H2));
        assert_eq!(r.authorization.as_deref(), Some("SSWS 00tls-token"));
    }
    assert_eq!(server.handshakes_ok(), 1, "one connection, reused");
    // The client used ring without taking the process-wide choice.
    assert!(no_rustls_default());
}

#[tokio::test]
async fn a_server_without_http2_is_reached_over_http11() {
    let server = sessions(&[HTTP11]).await;
    let client = builder(&server)
        .add_root_certificates_pem(ca_pem())
        .build()
        .unwrap();
    assert_eq!(get(&client).await.unwrap().id, "aps1");
    let seen = server.requests();
    assert_eq!(seen[0].version, Version::HTTP_11);
    assert_eq!(seen[0].alpn.as_deref(), Some(HTTP11));
}

/// Waits (briefly) until the server has logged the failed handshakes.
async fn handshake_errors(server: &TlsServer, at_least: usize) -> Vec<String> {
    for _ in 0..100 {
        let errors = server.handshake_errors();
        if errors.len() >= at_least {
            return errors;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.handshake_errors()
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_error_and_not_retried() {
    let server = sessions(&[H2, HTTP11]).await;
    for (label, client) in [
        ("system roots only", builder(&server).build().unwrap()),
        (
            "another private CA",
            builder(&server)
                .add_root_certificates_pem(other_ca_pem())
                .build()
                .unwrap(),
        ),
    ] {
        let err = get(&client).await.unwrap_err();
        let Error::Transport {
            message,
            cause: source,
        } = &err
        else {
            panic!("{label}: expected Transport, got {err:?}")
        };
        assert!(source.is_some(), "{label}");
        let text = err.to_string();
        assert!(
            text.starts_with("Okta request failed: GET /api/v1/identity-sources/"),
            "{label}: {text}"
        );
        assert!(
            message.contains("invalid peer certificate"),
            "{label}: {text}"
        );
        assert!(message.contains("UnknownIssuer"), "{label}: {text}");
        assert!(
            message.contains("TLS: the server's certificate is not trusted")
                && message.contains("add_root_certificates_pem"),
            "{label}: {text}"
        );
        assert!(
            !err.is_retryable(),
            "{label}: a refused certificate stays refused"
        );
    }
    // One handshake per client: GET is idempotent, but not retried.
    let errors = handshake_errors(&server, 2).await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(server.requests().is_empty());
    assert_eq!(server.handshakes_ok(), 0);
}

#[tokio::test]
async fn bad_root_certificate_settings_are_configuration_errors() {
    let base = || {
        Client::builder()
            .org_url("https://dev-1.okta.com")
            .api_token("00tok")
    };
    let cases: [(&str, &str); 3] = [
        (
            "not a certificate",
            "no `-----BEGIN CERTIFICATE-----` block found",
        ),
        (
            "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
            "block 1 is not a valid certificate",
        ),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            "block 1 is not a valid certificate",
        ),
    ];
    for (pem, needle) in cases {
        let err = base().add_root_certificates_pem(pem).build().unwrap_err();
        let Error::Config { problems } = &err else {
            panic!("expected Config, got {err:?}")
        };
        assert!(problems.join(" ").contains(needle), "{pem:?}: {problems:?}");
    }
    // A caller-supplied reqwest client keeps its own roots.
    let http = okta_identity_source::__private::testing::reqwest_client_builder()
        .build()
        .unwrap();
    let err = base()
        .add_root_certificates_pem(ca_pem())
        .http_client(http)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("root certificates cannot be added to a caller-supplied reqwest::Client"),
        "{err}"
    );
    // A bundle: every certificate counts.
    let client = base()
        .add_root_certificates_pem(format!("{}{}", ca_pem(), other_ca_pem()))
        .build()
        .unwrap();
    assert_eq!(client.settings().extra_root_certificates, 2);
}

#[test]
fn private_key_jwt_works_over_https() {
    // Asserts that signing installs the jsonwebtoken provider when none is:
    // alone in its process, since other tests sign too.
    crate::own_process::run(
        module_path!(),
        "private_key_jwt_works_over_https",
        private_key_jwt_works_over_https_alone,
    );
}

#[tokio::main(flavor = "current_thread")]
async fn private_key_jwt_works_over_https_alone() {
    use jsonwebtoken::crypto::CryptoProvider;
    let server = TlsServer::start(&[H2, HTTP11], |r| {
        if r.path == "/oauth2/v1/token" {
            let has_assertion = r.body.contains("client_assertion=");
            if r.method == "POST" && has_assertion {
                (
                    200,
                    r#"{"token_type":"Bearer","expires_in":3600,"access_token":"tok-https"}"#
                        .to_owned(),
                )
            } else {
                (400, r#"{"error":"invalid_request"}"#.to_owned())
            }
        } else if r.authorization.as_deref() == Some("Bearer tok-https") {
            (200, session_json("aps1").to_string())
        } else {
            (401, r#"{"errorCode":"E0000011"}"#.to_owned())
        }
    })
    .await;
    let client = Client::builder()
        .org_url(&server.url)
        .add_root_certificates_pem(ca_pem())
        .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], rsa_pkcs8())
        .build()
        .unwrap();
    // Building the client signs nothing and installs nothing.
    assert!(CryptoProvider::try_get_default().is_none());

    assert_eq!(get(&client).await.unwrap().id, "aps1");
    let seen = server.requests();
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/oauth2/v1/token",
            "/api/v1/identity-sources/0oa1/sessions/aps1"
        ]
    );
    assert!(seen.iter().all(|r| r.version == Version::HTTP_2));

    // Signing installed this crate's ring provider, since none was
    // installed: it is the one that refuses the JWK helpers this way.
    let installed = CryptoProvider::try_get_default().expect("a provider is installed");
    let digest =
        (installed.key_utils.compute_digest)(b"x", jsonwebtoken::jwk::ThumbprintHash::SHA256);
    assert!(
        digest
            .unwrap_err()
            .to_string()
            .contains("okta-identity-source's ring provider")
    );
    assert!(no_rustls_default());
}
