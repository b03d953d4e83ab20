//! Configuration loading with a temporary HOME and working directory:
//! precedence builder > environment > project file > home file.
//! The process environment is never touched.

use crate::runtime_common as common;

use std::path::Path;
use std::time::Duration;

use common::*;
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::config::{AuthorizationMode, ConfigSources};
use okta_identity_source::{ClientBuilder, Error};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

struct Dirs {
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
}

fn dirs() -> Dirs {
    Dirs {
        home: tempfile::tempdir().unwrap(),
        cwd: tempfile::tempdir().unwrap(),
    }
}

const HOME_YAML: &str = r#"
okta:
  client:
    orgUrl: https://home.okta.com
    token: home-token
    requestTimeout: 11
    connectionTimeout: 12
    rateLimit:
      maxRetries: 1
      maxBackoff: 13
"#;

const PROJECT_YAML: &str = r#"
okta:
  client:
    orgUrl: https://project.okta.com
    token: project-token
    requestTimeout: 21
    rateLimit:
      maxRetries: 3
"#;

#[test]
fn precedence_builder_over_env_over_project_over_home() {
    let d = dirs();
    write(&d.home.path().join(".okta/okta.yaml"), HOME_YAML);
    write(&d.cwd.path().join(".okta/okta.yaml"), PROJECT_YAML);
    let sources = ConfigSources::empty()
        .home(d.home.path())
        .cwd(d.cwd.path())
        .env("OKTA_CLIENT_ORGURL", "https://env.okta.com")
        .env("OKTA_CLIENT_RATELIMIT_MAXRETRIES", "5");

    // home only sets connectionTimeout and maxBackoff; project overrides
    // requestTimeout; env overrides maxRetries; the builder overrides orgUrl
    let client = ClientBuilder::from_sources(&sources)
        .org_url("https://builder.okta.com/")
        .build()
        .unwrap();
    let s = client.settings();
    assert_eq!(s.org_url, "https://builder.okta.com");
    assert_eq!(s.max_retries, 5);
    assert_eq!(s.request_timeout, Some(Duration::from_secs(21)));
    assert_eq!(s.connect_timeout, Duration::from_secs(12));
    assert_eq!(s.max_backoff, Duration::from_secs(13));
    assert_eq!(s.authorization_mode, AuthorizationMode::Ssws);

    // without the builder value, env wins over both files
    let client = ClientBuilder::from_sources(&sources).build().unwrap();
    assert_eq!(client.settings().org_url, "https://env.okta.com");

    // without env, the project file wins over the home file
    let no_env = ConfigSources::empty().home(d.home.path()).cwd(d.cwd.path());
    let client = ClientBuilder::from_sources(&no_env).build().unwrap();
    assert_eq!(client.settings().org_url, "https://project.okta.com");
    assert_eq!(client.settings().max_retries, 3);

    // home file alone
    let home_only = ConfigSources::empty().home(d.home.path());
    let client = ClientBuilder::from_sources(&home_only).build().unwrap();
    assert_eq!(client.settings().org_url, "https://home.okta.com");
    assert_eq!(client.settings().max_retries, 1);
    assert_eq!(
        client.settings().request_timeout,
        Some(Duration::from_secs(11))
    );
}

#[test]
fn project_file_is_dot_okta_first_then_okta_yaml() {
    let d = dirs();
    write(
        &d.cwd.path().join("okta.yaml"),
        "okta:\n  client:\n    orgUrl: https://plain.okta.com\n    token: t\n",
    );
    let sources = ConfigSources::empty().cwd(d.cwd.path());
    assert_eq!(
        ClientBuilder::from_sources(&sources)
            .build()
            .unwrap()
            .settings()
            .org_url,
        "https://plain.okta.com"
    );
    write(
        &d.cwd.path().join(".okta/okta.yaml"),
        "okta:\n  client:\n    orgUrl: https://dotted.okta.com\n    token: t\n",
    );
    assert_eq!(
        ClientBuilder::from_sources(&sources)
            .build()
            .unwrap()
            .settings()
            .org_url,
        "https://dotted.okta.com"
    );
}

#[tokio::test]
async fn the_winning_token_is_the_one_sent() {
    let server = TestServer::start(|_, _| Reply::json(200, session_json("aps1"))).await;
    let d = dirs();
    write(
        &d.home.path().join(".okta/okta.yaml"),
        &format!(
            "okta:\n  client:\n    orgUrl: {}\n    token: home-token\n  testing:\n    testingDisableHttpsCheck: true\n",
            server.url
        ),
    );
    write(
        &d.cwd.path().join("okta.yaml"),
        "okta:\n  client:\n    token: project-token\n",
    );
    let get = |client: okta_identity_source::Client| async move {
        client
            .__call::<Json<serde_json::Value>>(&GET_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", "aps1")
            .await
            .unwrap();
    };
    let base = ConfigSources::empty().home(d.home.path()).cwd(d.cwd.path());
    get(ClientBuilder::from_sources(&base).build().unwrap()).await;
    let env = base.clone().env("OKTA_CLIENT_TOKEN", "env-token");
    get(ClientBuilder::from_sources(&env).build().unwrap()).await;
    get(ClientBuilder::from_sources(&env)
        .api_token("builder-token")
        .build()
        .unwrap())
    .await;
    let sent: Vec<_> = server
        .seen()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        sent,
        ["SSWS project-token", "SSWS env-token", "SSWS builder-token"]
    );
}

#[test]
fn https_check_switch_in_both_spellings_and_on_the_builder() {
    let base = ConfigSources::empty()
        .env("OKTA_CLIENT_ORGURL", "http://127.0.0.1:8080")
        .env("OKTA_CLIENT_TOKEN", "t");
    let err = ClientBuilder::from_sources(&base).build().unwrap_err();
    assert!(err.to_string().contains("https://"), "{err}");
    for name in [
        "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK",
        "OKTA_TESTING_DISABLE_HTTPS_CHECK",
    ] {
        let sources = base.clone().env(name, "true");
        let client = ClientBuilder::from_sources(&sources).build().unwrap();
        assert!(client.settings().https_check_disabled, "{name}");
        assert_eq!(client.settings().org_url, "http://127.0.0.1:8080");
    }
    assert!(
        ClientBuilder::from_sources(&base)
            .disable_https_check(true)
            .build()
            .is_ok()
    );
    // the builder can switch it back on over the environment
    let sources = base.env("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true");
    assert!(
        ClientBuilder::from_sources(&sources)
            .disable_https_check(false)
            .build()
            .is_err()
    );
}

#[test]
fn private_key_from_env_as_path_relative_to_cwd() {
    let d = dirs();
    write(
        &d.cwd.path().join("keys/app.pem"),
        crate::keygen::rsa_pkcs8(),
    );
    let sources = ConfigSources::empty()
        .cwd(d.cwd.path())
        .env("OKTA_CLIENT_ORGURL", "https://dev-1.okta.com")
        .env("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey")
        .env("OKTA_CLIENT_CLIENTID", "0oaAPP")
        .env(
            "OKTA_CLIENT_SCOPES",
            "okta.identitySources.read,okta.identitySources.manage",
        )
        .env("OKTA_CLIENT_PRIVATEKEY", "keys/app.pem")
        .env("OKTA_CLIENT_PRIVATEKEYID", "kid-1");
    let client = ClientBuilder::from_sources(&sources).build().unwrap();
    let s = client.settings();
    assert_eq!(s.authorization_mode, AuthorizationMode::PrivateKey);
    assert_eq!(s.client_id.as_deref(), Some("0oaAPP"));
    assert_eq!(
        s.scopes,
        ["okta.identitySources.read", "okta.identitySources.manage"]
    );
    assert_eq!(s.private_key_id.as_deref(), Some("kid-1"));
}

#[test]
fn every_problem_from_every_source_is_reported_together() {
    let d = dirs();
    write(
        &d.home.path().join(".okta/okta.yaml"),
        "okta:\n  client:\n    requestTimeout: [1]\n",
    );
    let sources = ConfigSources::empty()
        .home(d.home.path())
        .env("OKTA_CLIENT_ORGURL", "https://{yourOktaDomain}")
        .env("OKTA_CLIENT_TOKEN", "{apiToken}")
        .env("OKTA_CLIENT_REQUESTTIMEOUT", "5s");
    let err = ClientBuilder::from_sources(&sources).build().unwrap_err();
    let Error::Config { problems } = &err else {
        panic!("expected Config, got {err:?}")
    };
    let all = problems.join("\n");
    for needle in [
        "requestTimeout",
        "OKTA_CLIENT_REQUESTTIMEOUT",
        "{yourOktaDomain}",
        "{apiToken}",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

#[test]
fn proxy_settings_from_env() {
    let base = ConfigSources::empty()
        .env("OKTA_CLIENT_ORGURL", "https://dev-1.okta.com")
        .env("OKTA_CLIENT_TOKEN", "t")
        .env("OKTA_CLIENT_PROXY_HOST", "proxy.local")
        .env("OKTA_CLIENT_PROXY_PORT", "3128");
    let client = ClientBuilder::from_sources(&base).build().unwrap();
    assert_eq!(
        client.settings().proxy.as_deref(),
        Some("http://proxy.local:3128")
    );

    let with_user_only = base.clone().env("OKTA_CLIENT_PROXY_USERNAME", "u");
    let err = ClientBuilder::from_sources(&with_user_only)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("username and password"), "{err}");

    let bad_port = base.clone().env("OKTA_CLIENT_PROXY_PORT", "70000");
    assert!(ClientBuilder::from_sources(&bad_port).build().is_err());

    let err = ClientBuilder::from_sources(&base)
        .http_client(
            okta_identity_source::__private::testing::reqwest_client_builder()
                .build()
                .unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("caller-supplied"), "{err}");
}

#[tokio::test]
async fn proxy_from_config_is_used() {
    // the "proxy" is our recording server: a proxied plain-HTTP request
    // arrives with an absolute URI and the proxy credentials
    let proxy = TestServer::start(|_, _| Reply::json(200, session_json("via-proxy"))).await;
    let port: u16 = proxy.url.rsplit(':').next().unwrap().parse().unwrap();
    let sources = ConfigSources::empty()
        .env("OKTA_CLIENT_ORGURL", "http://org.example.invalid")
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .env("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true")
        .env("OKTA_CLIENT_PROXY_HOST", "127.0.0.1")
        .env("OKTA_CLIENT_PROXY_PORT", port.to_string())
        .env("OKTA_CLIENT_PROXY_USERNAME", "pu")
        .env("OKTA_CLIENT_PROXY_PASSWORD", "pp");
    let client = ClientBuilder::from_sources(&sources).build().unwrap();
    let v = client
        .__call::<Json<serde_json::Value>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
        .await
        .unwrap();
    assert_eq!(v["id"], "via-proxy");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    // Basic cHU6cHA= is base64("pu:pp")
    assert_eq!(
        seen[0].header("proxy-authorization"),
        Some("Basic cHU6cHA=")
    );
    assert_eq!(seen[0].header("host"), Some("org.example.invalid"));
    assert_eq!(
        client.settings().proxy,
        Some(format!("http://127.0.0.1:{port}")),
        "no credentials in settings"
    );
}
