//! Configuration a user really has, or an attacker plants: keys without
//! PEM armour, proxy URLs with credentials, a project `okta.yaml` naming
//! another host, and a deeply nested file. No secret is echoed; no token
//! leaves for a host the user did not choose.

use crate::hostile;

use std::path::Path;
use std::time::{Duration, Instant};

use hostile::{RawServer, json, session};
use okta_identity_source::config::{ConfigSources, Proxy};
use okta_identity_source::{ClientBuilder, Error};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new("/")))
        .unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write: {e}"));
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn problems(result: Result<okta_identity_source::Client, Error>) -> String {
    match result {
        Err(Error::Config { problems }) => problems.join("; "),
        Err(e) => panic!("expected a configuration error, got {e}"),
        Ok(c) => panic!(
            "expected a configuration error, got a client for {}",
            c.org_url()
        ),
    }
}

#[tokio::test]
async fn a_project_file_org_url_never_receives_a_trusted_token() {
    let attacker = RawServer::start(|_, _| json("200 OK", &serde_json::json!([])));
    let home = tempdir();
    let checkout = tempdir();
    write(
        &home.path().join(".okta/okta.yaml"),
        "okta:\n  client:\n    orgUrl: https://dev-1.okta.com\n    token: 00HOME-SECRET-TOKEN\n",
    );
    write(
        &checkout.path().join("okta.yaml"),
        &format!(
            "okta:\n  client:\n    orgUrl: {}\n  testing:\n    testingDisableHttpsCheck: true\n",
            attacker.base_url
        ),
    );
    let base = ConfigSources::empty()
        .home(home.path())
        .cwd(checkout.path());
    let text = problems(ClientBuilder::from_sources(&base).build());
    assert!(text.contains("orgUrl comes from"), "{text}");
    assert!(
        text.contains("OKTA_CLIENT_TRUSTPROJECTORGURL=true"),
        "{text}"
    );
    assert!(
        text.contains("ClientBuilder::trust_project_org_url(true)"),
        "{text}"
    );
    assert!(!text.contains("00HOME-SECRET-TOKEN"), "{text}");

    // The same with the token in the environment.
    let env_token = ConfigSources::empty()
        .home(tempdir().path())
        .cwd(checkout.path())
        .env("OKTA_CLIENT_TOKEN", "00ENV-SECRET");
    let text = problems(ClientBuilder::from_sources(&env_token).build());
    assert!(text.contains("orgUrl comes from"), "{text}");
    assert!(attacker.requests().is_empty());

    // The user says so: then it is used.
    let trusted = base.clone().env("OKTA_CLIENT_TRUSTPROJECTORGURL", "true");
    let client = ClientBuilder::from_sources(&trusted)
        .build()
        .unwrap_or_else(|e| panic!("trusted: {e}"));
    let _ = client.list_identity_source_sessions("0oa1").await;
    assert_eq!(attacker.requests().len(), 1);

    // A project file that brings its own token, or an org URL set in code,
    // is fine.
    write(
        &checkout.path().join("okta.yaml"),
        &format!(
            "okta:\n  client:\n    orgUrl: {}\n    token: 00PROJECT\n  testing:\n    testingDisableHttpsCheck: true\n",
            attacker.base_url
        ),
    );
    assert!(ClientBuilder::from_sources(&base).build().is_ok());
    assert!(
        ClientBuilder::from_sources(&env_token)
            .org_url("https://dev-2.okta.com")
            .build()
            .is_ok()
    );
}

fn bare(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn a_private_key_without_armour_is_used_and_never_echoed() {
    for (name, pem) in [
        ("PKCS#8", crate::keygen::rsa_pkcs8()),
        ("PKCS#1", crate::keygen::rsa_pkcs1()),
    ] {
        let b64 = bare(pem);
        let built = ClientBuilder::new()
            .org_url("https://dev-1.okta.com")
            .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], b64.clone())
            .build();
        assert!(built.is_ok(), "{name}: {:?}", built.err());
    }
    // Base64 that is no key, and a value that is neither a key nor a file:
    // the message never holds any part of them.
    let garbage = "QUJD".repeat(60);
    let looks_like_a_path = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secret.pem";
    for value in [garbage.as_str(), looks_like_a_path] {
        let text = problems(
            ClientBuilder::new()
                .org_url("https://dev-1.okta.com")
                .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], value)
                .build(),
        );
        assert!(text.contains("privateKey"), "{text}");
        assert!(text.contains("the value is not shown"), "{text}");
        for window in value.as_bytes().windows(12) {
            let part = String::from_utf8_lossy(window);
            assert!(!text.contains(part.as_ref()), "{part} echoed in {text}");
        }
    }
}

#[tokio::test]
async fn proxy_credentials_in_the_url_authenticate_and_are_never_shown() {
    let proxy = RawServer::start(|_, _| json("200 OK", &session("aps1", "CREATED")));
    let url = proxy
        .base_url
        .replace("http://", "http://alice:s%40cret-pw@");
    let client = ClientBuilder::new()
        .org_url("http://dev-1.example.test")
        .api_token("00TOKEN")
        .disable_https_check(true)
        .proxy(Proxy {
            host: url.clone(),
            ..Proxy::default()
        })
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let shown = format!("{:?} {client:?}", client.settings());
    assert!(
        !shown.contains("s%40cret-pw") && !shown.contains("alice"),
        "{shown}"
    );
    assert_eq!(
        client.settings().proxy.as_deref(),
        Some(proxy.base_url.as_str())
    );
    client
        .get_identity_source_session("0oa1", "aps1")
        .await
        .unwrap_or_else(|e| panic!("through the proxy: {e}"));
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    // base64("alice:s@cret-pw")
    assert_eq!(
        seen[0].header("proxy-authorization").as_deref(),
        Some("Basic YWxpY2U6c0BjcmV0LXB3")
    );
    let builder = ClientBuilder::new().proxy(Proxy {
        host: url.clone(),
        ..Proxy::default()
    });
    assert!(!format!("{builder:?}").contains("cret-pw"));

    // An invalid proxy URL is reported without its credentials.
    let text = problems(
        ClientBuilder::new()
            .org_url("https://dev-1.okta.com")
            .api_token("00TOKEN")
            .proxy(Proxy {
                host: "http://bob:hunter2-secret@[::1".into(),
                ..Proxy::default()
            })
            .build(),
    );
    assert!(text.contains("proxy"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    // Credentials given twice are refused rather than guessed.
    let text = problems(
        ClientBuilder::new()
            .org_url("https://dev-1.okta.com")
            .api_token("00TOKEN")
            .proxy(Proxy {
                host: url,
                username: Some("carol".into()),
                password: Some("other".into()),
                ..Proxy::default()
            })
            .build(),
    );
    assert!(text.contains("both inside the proxy URL"), "{text}");
}

#[test]
fn a_deeply_nested_okta_yaml_is_refused_at_once() {
    let flow = format!(
        "okta:\n  client:\n    orgUrl: {}{}\n",
        "[".repeat(300_000),
        "]".repeat(300_000)
    );
    let mut block = String::from("okta:\n  client:\n");
    let mut depth = 0;
    while block.len() < 900_000 {
        block.push_str(&" ".repeat(4 + depth));
        block.push_str("k:\n");
        depth += 1;
    }
    for text in [flow, block] {
        let home = tempdir();
        write(&home.path().join(".okta/okta.yaml"), &text);
        let started = Instant::now();
        let result = ClientBuilder::from_sources(&ConfigSources::empty().home(home.path()))
            .org_url("https://dev-1.okta.com")
            .api_token("00TOKEN")
            .build();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let text = problems(result);
        assert!(text.contains("levels deep"), "{text}");
    }
}
