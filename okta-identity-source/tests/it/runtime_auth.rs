//! Authentication over real HTTP: bearer failures with `WWW-Authenticate`,
//! and OAuth 2.0 client credentials with a `private_key_jwt` assertion
//! (assertion contents, token caching, single flight, renewal).

use crate::runtime_common as common;

use std::collections::{BTreeMap, HashSet};
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::keygen::{ec_pkcs8, ec_public, rsa_pkcs1, rsa_pkcs8, rsa_public};
use common::*;
use jsonwebtoken::{Algorithm, Validation};
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::__private::{Json, testing};
use okta_identity_source::Client;
use okta_identity_source::Error;
use okta_identity_source::config::AuthorizationMode;
use serde_json::json;

#[derive(Debug, serde::Deserialize)]
struct Session {
    id: String,
}

fn get(client: &Client) -> okta_identity_source::Call<Session> {
    client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
}

#[tokio::test]
async fn bearer_401_with_www_authenticate_gives_the_parsed_reason() {
    let server = TestServer::start(|_, _| {
        Reply::empty(401).header("x-okta-request-id", "r401").header(
            "www-authenticate",
            r#"Bearer authorization_uri="http://o/oauth2/v1/authorize", realm="http://o", scope="okta.identitySources.read", error="invalid_token", error_description="The token has expired.", resource="/api/v1/identity-sources/0oa1/sessions/aps1""#,
        )
    })
    .await;
    let client = Client::builder()
        .org_url(&server.url)
        .bearer_token("expired-access-token")
        .disable_https_check(true)
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Okta HTTP 401 invalid_token: The token has expired. (scope okta.identitySources.read) (request id r401)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.request_id(), Some("r401"));
    assert!(!err.is_retryable());
    // Debug (what `main` prints) is one short line without the token.
    assert_eq!(
        format!("{err:?}"),
        r#"Auth { status: 401, error: "invalid_token", description: "The token has expired.", scope: "okta.identitySources.read", request_id: "r401", .. }"#
    );
    let Error::Auth(auth) = &err else {
        panic!("expected Auth, got {err:?}")
    };
    assert_eq!(auth.challenge.error.as_deref(), Some("invalid_token"));
    assert_eq!(
        auth.challenge.scope.as_deref(),
        Some("okta.identitySources.read")
    );
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        1,
        "a static token cannot be renewed, so no retry"
    );
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer expired-access-token")
    );
}

#[tokio::test]
async fn forbidden_with_insufficient_scope_and_ssws_invalid_token() {
    let server = TestServer::start(|n, _| match n {
        0 => Reply::empty(403).header(
            "www-authenticate",
            r#"Bearer realm="IdpMyAccountAPI", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", scope="okta.identitySources.manage""#,
        ),
        _ => Reply::json(401, okta_error("E0000011", "Invalid token provided")),
    })
    .await;
    let client = server.client();
    let err = get(&client).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected Auth, got {err:?}")
    };
    assert_eq!(auth.challenge.error.as_deref(), Some("insufficient_scope"));
    assert_eq!(auth.status.map(|s| s.as_u16()), Some(403));
    // an SSWS 401 carries an Okta JSON body: an Api error with its code
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.okta_error_code(), Some("E0000011"));
    assert_eq!(
        err.to_string(),
        "Okta HTTP 401 E0000011 Invalid token provided"
    );
}

/// A fake org: `/oauth2/v1/token` issues `tok-<n>` after checking the
/// client assertion; the API accepts tokens for which `accept` is true.
struct OAuthOrg {
    server: TestServer,
    assertions: Arc<Mutex<Vec<Assertion>>>,
}

/// The token request's form fields and its verified client assertion.
type Assertion = (
    BTreeMap<String, String>,
    jsonwebtoken::TokenData<serde_json::Value>,
);

impl OAuthOrg {
    async fn start(
        public_pem: &'static str,
        algorithm: Algorithm,
        expires_in: u64,
        accept: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> OAuthOrg {
        let assertions: Arc<Mutex<Vec<_>>> = Arc::default();
        let recorded = assertions.clone();
        let url_cell: Arc<Mutex<String>> = Arc::default();
        let url_for_handler = url_cell.clone();
        let server = TestServer::start(move |_, req| {
            if req.uri == "/oauth2/v1/token" {
                let form: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body).into_owned().collect();
                let (key, key_algorithm) = testing::jwt_decoding_key_from_pem(public_pem).unwrap();
                assert_eq!(key_algorithm, algorithm);
                testing::install_jwt_crypto_provider();
                let mut validation = Validation::new(algorithm);
                let aud = format!("{}/oauth2/v1/token", url_for_handler.lock().unwrap());
                validation.set_audience(&[aud]);
                validation.set_issuer(&["0oaCLIENT"]);
                validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                let assertion = form.get("client_assertion").cloned().unwrap_or_default();
                match jsonwebtoken::decode::<serde_json::Value>(&assertion, &key, &validation) {
                    Ok(data) => {
                        let mut all = recorded.lock().unwrap();
                        all.push((form, data));
                        let n = all.len() - 1;
                        Reply::json(
                            200,
                            json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": format!("tok-{n}"), "scope": "okta.identitySources.read"}),
                        )
                        .delay(Duration::from_millis(50))
                    }
                    Err(e) => Reply::json(401, json!({"error": "invalid_client", "error_description": format!("bad assertion: {e}")})),
                }
            } else {
                let auth = req.header("authorization").unwrap_or_default();
                match auth.strip_prefix("Bearer ") {
                    Some(token) if accept(token) => Reply::json(200, session_json("aps1")),
                    _ => Reply::empty(401).header(
                        "www-authenticate",
                        r#"Bearer error="invalid_token", error_description="The access token is invalid.""#,
                    ),
                }
            }
        })
        .await;
        *url_cell.lock().unwrap() = server.url.clone();
        OAuthOrg { server, assertions }
    }

    fn client(&self, pem: &str) -> Client {
        Client::builder()
            .org_url(&self.server.url)
            .disable_https_check(true)
            .private_key_auth(
                "0oaCLIENT",
                ["okta.identitySources.read", "okta.identitySources.manage"],
                pem,
            )
            .private_key_id("kid-7")
            .build()
            .unwrap()
    }

    fn token_fetches(&self) -> usize {
        self.assertions.lock().unwrap().len()
    }

    fn api_requests(&self) -> Vec<Seen> {
        self.server
            .seen()
            .into_iter()
            .filter(|r| r.uri != "/oauth2/v1/token")
            .collect()
    }
}

#[tokio::test]
async fn private_key_jwt_assertion_is_well_formed_rs256() {
    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 3600, |_| true).await;
    let client = org.client(rsa_pkcs8());
    assert_eq!(
        client.settings().authorization_mode,
        AuthorizationMode::PrivateKey
    );
    assert_eq!(get(&client).await.unwrap().id, "aps1");

    let assertions = org.assertions.lock().unwrap().clone();
    assert_eq!(assertions.len(), 1);
    let (form, jwt) = &assertions[0];
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("client_credentials")
    );
    assert_eq!(
        form.get("client_assertion_type").map(String::as_str),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(
        form.get("scope").map(String::as_str),
        Some("okta.identitySources.read okta.identitySources.manage")
    );
    assert_eq!(jwt.header.alg, Algorithm::RS256);
    assert_eq!(jwt.header.kid.as_deref(), Some("kid-7"));
    let claims = &jwt.claims;
    assert_eq!(claims["iss"], "0oaCLIENT");
    assert_eq!(claims["sub"], "0oaCLIENT");
    assert_eq!(claims["aud"], format!("{}/oauth2/v1/token", org.server.url));
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 3600, "iat {iat} exp {exp}");
    assert!(!claims["jti"].as_str().unwrap_or_default().is_empty());

    let api = org.api_requests();
    assert_eq!(api[0].header("authorization"), Some("Bearer tok-0"));
    let token_request = org
        .server
        .seen()
        .into_iter()
        .find(|r| r.uri == "/oauth2/v1/token")
        .unwrap();
    assert_eq!(token_request.method, "POST");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(token_request.header("authorization"), None);
}

#[tokio::test]
async fn private_key_jwt_es256_and_pkcs1_rsa_keys_work_and_jti_is_unique() {
    let org = OAuthOrg::start(ec_public(), Algorithm::ES256, 3600, |_| true).await;
    get(&org.client(ec_pkcs8())).await.unwrap();
    get(&org.client(ec_pkcs8())).await.unwrap();
    let assertions = org.assertions.lock().unwrap().clone();
    assert_eq!(assertions.len(), 2, "two clients, two tokens");
    assert!(
        assertions
            .iter()
            .all(|(_, jwt)| jwt.header.alg == Algorithm::ES256)
    );
    let jtis: HashSet<String> = assertions
        .iter()
        .map(|(_, jwt)| jwt.claims["jti"].to_string())
        .collect();
    assert_eq!(jtis.len(), 2, "jti must be unique per assertion");

    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 3600, |_| true).await;
    get(&org.client(rsa_pkcs1())).await.unwrap();
    assert_eq!(org.token_fetches(), 1);
}

#[tokio::test]
async fn fifty_concurrent_calls_fetch_one_token() {
    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 3600, |_| true).await;
    let client = org.client(rsa_pkcs8());
    let calls: Vec<_> = (0..50)
        .map(|_| tokio::spawn(get(&client).into_future()))
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().id, "aps1");
    }
    assert_eq!(org.token_fetches(), 1);
    let api = org.api_requests();
    assert_eq!(api.len(), 50);
    assert!(
        api.iter()
            .all(|r| r.header("authorization") == Some("Bearer tok-0"))
    );
}

#[tokio::test]
async fn token_is_renewed_when_it_expires() {
    // expires_in 4 s: renewed after at most half its lifetime (2 s)
    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 4, |_| true).await;
    let client = org.client(rsa_pkcs8());
    get(&client).await.unwrap();
    get(&client).await.unwrap();
    assert_eq!(org.token_fetches(), 1, "cached while valid");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    get(&client).await.unwrap();
    assert_eq!(org.token_fetches(), 2, "renewed before expiry");
    let auth: Vec<_> = org
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(auth, ["Bearer tok-0", "Bearer tok-0", "Bearer tok-1"]);
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    // the API refuses tok-0 (revoked) and accepts tok-1
    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 3600, |t| t != "tok-0").await;
    let client = org.client(rsa_pkcs8());
    assert_eq!(get(&client).await.unwrap().id, "aps1");
    assert_eq!(org.token_fetches(), 2);
    let auth: Vec<_> = org
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(auth, ["Bearer tok-0", "Bearer tok-1"]);

    // refused every time: exactly one renewal, then the parsed 401
    let org = OAuthOrg::start(rsa_public(), Algorithm::RS256, 3600, |_| false).await;
    let client = org.client(rsa_pkcs8());
    let err = get(&client).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected Auth, got {err:?}")
    };
    assert_eq!(auth.challenge.error.as_deref(), Some("invalid_token"));
    assert_eq!(org.token_fetches(), 2);
    assert_eq!(org.api_requests().len(), 2);
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error() {
    // the server verifies with the EC public key, the client signs with RSA
    let org = OAuthOrg::start(ec_public(), Algorithm::ES256, 3600, |_| true).await;
    let client = org.client(rsa_pkcs8());
    let err = get(&client).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected Auth, got {err:?}")
    };
    assert_eq!(auth.source, "token endpoint");
    assert_eq!(auth.challenge.error.as_deref(), Some("invalid_client"));
    assert!(
        err.to_string()
            .starts_with("Okta HTTP 401 from the token endpoint invalid_client: bad assertion"),
        "{err}"
    );
    assert!(org.api_requests().is_empty(), "no API call without a token");
}

#[tokio::test]
async fn unusable_private_keys_are_reported_at_build() {
    for (key, needle) in [
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "not a usable",
        ),
        ("{\"kty\":\"RSA\"}", "JWK"),
        ("/does/not/exist.pem", "nor the path of a readable file"),
    ] {
        let err = Client::builder()
            .org_url("https://dev-1.okta.com")
            .private_key_auth("0oaCLIENT", ["okta.identitySources.read"], key)
            .build()
            .unwrap_err();
        let Error::Config { problems } = &err else {
            panic!("expected Config, got {err:?}")
        };
        assert!(problems.join(" ").contains(needle), "{problems:?}");
        assert!(!err.to_string().contains("AAAA"), "key material in {err}");
    }
}
