//! Secrets never reach logs, `Debug` output or errors. A full run (SSWS,
//! bearer and private-key clients; successes, retries, API and auth
//! errors) is captured at TRACE level, including the `log` records of the
//! HTTP stack, and searched for every secret. It installs a global
//! subscriber, so it runs in a process of its own.

use crate::runtime_common as common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::keygen::rsa_pkcs8;
use common::*;
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::Client;
use okta_identity_source::ClientBuilder;
use okta_identity_source::config::{ConfigSources, Proxy, SecretString};
use serde_json::json;

const ACCESS_TOKEN: &str = "ACCESSTOKEN-7f3a9c";
const BEARER: &str = "STATICBEARER-51d2";
const PROXY_PASSWORD: &str = "PROXYPASS-e81b";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_debug_and_errors_of_a_full_run_contain_no_secret() {
    // Installs the global tracing subscriber: alone in its process.
    crate::own_process::run(
        module_path!(),
        "logs_debug_and_errors_of_a_full_run_contain_no_secret",
        logs_debug_and_errors_of_a_full_run_contain_no_secret_alone,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn logs_debug_and_errors_of_a_full_run_contain_no_secret_alone() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let server = TestServer::start(|n, req| {
        if req.uri == "/oauth2/v1/token" {
            return Reply::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 3600, "access_token": ACCESS_TOKEN}),
            );
        }
        match (n, req.header("authorization")) {
            (_, Some(a)) if a.starts_with("Bearer STATIC") => Reply::empty(401).header(
                "www-authenticate",
                r#"Bearer error="invalid_token", error_description="The token has expired.""#,
            ),
            (0, _) => {
                let (date, now) = now_date();
                Reply::json(429, okta_error("E0000047", "API call exceeded rate limit"))
                    .header("date", date)
                    .header("x-okta-request-id", "req-429")
                    .header("x-rate-limit-reset", now)
            }
            (1, _) => Reply::json(200, session_json("aps1")).header("x-okta-request-id", "req-ok"),
            _ => Reply::json(404, okta_error("E0000007", "Not found"))
                .header("x-okta-request-id", "req-404"),
        }
    })
    .await;
    let get = |client: &Client| {
        client
            .__call::<Json<serde_json::Value>>(&GET_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", "aps1")
    };
    let mut outputs = Vec::new();

    // SSWS: 429 then 200, then a 404
    // The 429 asks for 1 s; a reset later than max_backoff is not waited for.
    let ssws = server
        .builder()
        .max_backoff(Duration::from_millis(1500))
        .build()
        .unwrap();
    outputs.push(format!(
        "{:?}",
        get(&ssws).send_with_response().await.unwrap()
    ));
    let err = get(&ssws).await.unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    outputs.push(format!("{ssws:?} {:?}", ssws.settings()));

    // static bearer: a 401
    let bearer = Client::builder()
        .org_url(&server.url)
        .bearer_token(BEARER)
        .disable_https_check(true)
        .build()
        .unwrap();
    let err = get(&bearer).await.unwrap_err();
    outputs.push(format!("{err} {err:?} {bearer:?}"));

    // private key: a token fetch, then the API (404 here)
    let pk = Client::builder()
        .org_url(&server.url)
        .disable_https_check(true)
        .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], rsa_pkcs8())
        .build()
        .unwrap();
    let err = get(&pk).await.unwrap_err();
    outputs.push(format!("{err} {err:?} {pk:?}"));

    // builders, sources and config errors that involve secrets
    let builder =
        ClientBuilder::from_sources(&ConfigSources::empty().env("OKTA_CLIENT_TOKEN", TOKEN))
            .org_url("https://dev-1.okta.com")
            .proxy(Proxy {
                host: "proxy.local".into(),
                port: Some(3128),
                username: Some("u".into()),
                password: Some(SecretString::new(PROXY_PASSWORD)),
            });
    outputs.push(format!("{builder:?}"));
    let sources = ConfigSources::empty().env("OKTA_CLIENT_TOKEN", format!("{TOKEN}\r\nX: 1"));
    outputs.push(format!(
        "{:?}",
        ClientBuilder::from_sources(&sources)
            .org_url("https://dev-1.okta.com")
            .build()
            .unwrap_err()
    ));
    outputs.push(format!("{:?}", builder.build().unwrap()));
    for o in &outputs {
        tracing::error!(output = %o, "collected for the secret search");
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let everything = format!("{logs}\n{}", outputs.join("\n"));
    let key_line = rsa_pkcs8().lines().nth(1).unwrap();
    for secret in [
        TOKEN,
        ACCESS_TOKEN,
        BEARER,
        PROXY_PASSWORD,
        key_line,
        "SSWS ",
        "Bearer ACC",
        "client_assertion=",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret:?} leaked:\n{everything}"
        );
    }

    // the run was really captured, with the span fields of each request
    assert!(logs.contains("okta.request{"), "{logs}");
    assert!(
        logs.contains(r#"operation="getIdentitySourceSession""#),
        "{logs}"
    );
    assert!(
        logs.contains(r#"path="/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}""#)
    );
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("status=429"), "{logs}");
    assert!(
        logs.contains(r#"request_id="req-ok""#) || logs.contains("request_id=req-ok"),
        "{logs}"
    );
    assert!(logs.contains("okta.token"), "{logs}");
    assert!(
        logs.contains("<redacted>"),
        "Debug output went through the redacting type"
    );
}
