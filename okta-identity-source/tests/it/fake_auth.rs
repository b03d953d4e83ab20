#![cfg(feature = "fake")]
//! Authentication answers of the fake (`BEHAVIOUR.md` section 7): SSWS
//! tokens, bearer tokens with scopes, and the client-credentials token
//! endpoint with `private_key_jwt` assertions.

use crate::fake_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fake_support::keys::{other_private_key, test_private_key, test_public_key};
use fake_support::{Api, assert_error, quick, upsert_body, users};
use jsonwebtoken::Header;
use okta_identity_source::__private::testing;
use okta_identity_source::fake::{OAuthClient, SCOPE_MANAGE, SCOPE_READ};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn send(api: &Api, method: Method, url: &str, authorization: Option<&str>) -> Response {
    let mut req = api.http.request(method, url);
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    req.send().await.unwrap()
}

fn www_authenticate(resp: &Response) -> String {
    resp.headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn wrong_ssws_token_is_401_e0000011() {
    let api = Api::start(quick());
    for auth in [
        "SSWS not-the-token",
        "SSWS ",
        "Basic dXNlcjpwYXNz",
        "garbage",
    ] {
        let body = assert_error(
            send(&api, Method::POST, &api.sessions_url(), Some(auth)).await,
            401,
            "E0000011",
            &[],
        )
        .await;
        assert_eq!(body["errorSummary"], "Invalid token provided");
    }
    // Nothing was created.
    assert!(api.fake.sessions(&api.isid).is_empty());
    // The scheme is case-insensitive.
    let lower = format!("ssws {}", api.fake.api_token());
    let resp = send(&api, Method::GET, &api.sessions_url(), Some(&lower)).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_authorization_is_403_e0000005() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    for (method, url) in [
        (Method::GET, api.sessions_url()),
        (Method::POST, api.sessions_url()),
        (Method::GET, api.session_url(&sid)),
        (Method::DELETE, api.session_url(&sid)),
        (
            Method::POST,
            format!("{}/start-import", api.session_url(&sid)),
        ),
    ] {
        let body = assert_error(send(&api, method, &url, None).await, 403, "E0000005", &[]).await;
        assert_eq!(body["errorSummary"], "Invalid session");
    }
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
}

#[tokio::test]
async fn revoked_and_extra_api_tokens() {
    let api = Api::start(quick());
    api.fake.register_api_token("00second");
    let resp = send(
        &api,
        Method::GET,
        &api.sessions_url(),
        Some("SSWS 00second"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    api.fake.revoke_token("00second");
    let resp = send(
        &api,
        Method::GET,
        &api.sessions_url(),
        Some("SSWS 00second"),
    )
    .await;
    assert_error(resp, 401, "E0000011", &[]).await;
}

#[tokio::test]
async fn bearer_without_the_manage_scope_is_403_insufficient_scope() {
    let api = Api::start(quick());
    let token = api.fake.issue_bearer_token(&[SCOPE_READ]);
    let auth = format!("Bearer {token}");
    // Reads are fine.
    let resp = send(&api, Method::GET, &api.sessions_url(), Some(&auth)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Writes are not: 403, empty body, the challenge in WWW-Authenticate.
    let resp = send(&api, Method::POST, &api.sessions_url(), Some(&auth)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let path = format!("/api/v1/identity-sources/{}/sessions", api.isid);
    let base = api.fake.base_url();
    assert_eq!(
        www_authenticate(&resp),
        format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"okta.identitySources.manage\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{path}\""
        )
    );
    assert!(resp.headers().get("content-type").is_none());
    assert!(resp.bytes().await.unwrap().is_empty());
    assert!(api.fake.sessions(&api.isid).is_empty());
}

#[tokio::test]
async fn bearer_without_the_read_scope_cannot_read() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let token = api.fake.issue_bearer_token(&["okta.users.read"]);
    let resp = send(
        &api,
        Method::GET,
        &api.session_url(&sid),
        Some(&format!("Bearer {token}")),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let challenge = www_authenticate(&resp);
    assert!(
        challenge.contains("scope=\"okta.identitySources.read\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains(&format!(
            "resource=\"/api/v1/identity-sources/{}/sessions/{sid}\"",
            api.isid
        )),
        "{challenge}"
    );
}

#[tokio::test]
async fn manage_scope_grants_read_unless_configured_otherwise() {
    let api = Api::start(quick());
    api.fake
        .register_bearer_token("manage-only", &[SCOPE_MANAGE]);
    let resp = send(
        &api,
        Method::GET,
        &api.sessions_url(),
        Some("Bearer manage-only"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // A full flow with a manage token.
    let resp = send(
        &api,
        Method::POST,
        &api.sessions_url(),
        Some("Bearer manage-only"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let strict = Api::start(quick().manage_scope_grants_read(false));
    strict
        .fake
        .register_bearer_token("manage-only", &[SCOPE_MANAGE]);
    let resp = send(
        &strict,
        Method::GET,
        &strict.sessions_url(),
        Some("Bearer manage-only"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(www_authenticate(&resp).contains("scope=\"okta.identitySources.read\""));
}

#[tokio::test]
async fn unknown_bearer_is_401_invalid_token_with_empty_body() {
    let api = Api::start(quick());
    let resp = send(&api, Method::POST, &api.sessions_url(), Some("Bearer nope")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&resp);
    let base = api.fake.base_url();
    assert_eq!(
        challenge,
        format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"okta.identitySources.manage\", error=\"invalid_token\", error_description=\"The token has expired.\", resource=\"/api/v1/identity-sources/{}/sessions\"",
            api.isid
        )
    );
    assert!(resp.bytes().await.unwrap().is_empty());
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assertion(key: &str, claims: &Value) -> String {
    let (key, algorithm) = testing::jwt_encoding_key_from_pem(key).unwrap();
    testing::install_jwt_crypto_provider();
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).unwrap()
}

fn claims(api: &Api, client_id: &str) -> Value {
    let now = now_secs();
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": format!("{}/oauth2/v1/token", api.fake.base_url()),
        "iat": now,
        "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

async fn token_request(api: &Api, scope: &str, assertion: &str) -> Response {
    api.http
        .post(format!("{}/oauth2/v1/token", api.fake.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", scope)
                .append_pair(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .append_pair("client_assertion", assertion)
                .finish(),
        )
        .send()
        .await
        .unwrap()
}

async fn oauth_error(resp: Response, status: u16, error: &str, description: &str) {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": error, "error_description": description})
    );
}

#[tokio::test]
async fn client_credentials_with_a_signed_assertion() {
    let api = Api::start(quick().access_token_lifetime(Duration::from_secs(600)));
    api.fake
        .register_oauth_client(OAuthClient::new("0oaclient").public_key_pem(test_public_key()));
    let jwt = assertion(test_private_key(), &claims(&api, "0oaclient"));
    let resp = token_request(
        &api,
        "okta.identitySources.read okta.identitySources.manage",
        &jwt,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("x-okta-request-id").is_some());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(
        body["scope"],
        "okta.identitySources.read okta.identitySources.manage"
    );
    let token = body["access_token"].as_str().unwrap();
    let auth = format!("Bearer {token}");
    let resp = send(&api, Method::POST, &api.sessions_url(), Some(&auth)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(api.fake.token_requests(), 1);
    // The request log does not keep the assertion.
    let logged = api
        .fake
        .requests()
        .into_iter()
        .find(|r| r.operation_id == Some("oauthToken"))
        .unwrap();
    assert!(logged.body.is_empty());

    // The access token expires with the fake clock.
    api.fake.advance_clock(Duration::from_secs(601));
    let resp = send(&api, Method::GET, &api.sessions_url(), Some(&auth)).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(www_authenticate(&resp).contains("error=\"invalid_token\""));
}

#[tokio::test]
async fn token_endpoint_rejects_bad_assertions() {
    let api = Api::start(quick());
    api.fake.register_oauth_client(
        OAuthClient::new("0oaclient")
            .public_key_pem(test_public_key())
            .scopes(&[SCOPE_READ]),
    );
    // Signed with a key the client did not register.
    let jwt = assertion(other_private_key(), &claims(&api, "0oaclient"));
    oauth_error(
        token_request(&api, SCOPE_READ, &jwt).await,
        401,
        "invalid_client",
        "The client_assertion signature is invalid.",
    )
    .await;
    // Unknown client.
    let jwt = assertion(test_private_key(), &claims(&api, "0oaother"));
    oauth_error(
        token_request(&api, SCOPE_READ, &jwt).await,
        401,
        "invalid_client",
        "The client_assertion 'iss' claim names an unknown client.",
    )
    .await;
    // Wrong audience.
    let mut c = claims(&api, "0oaclient");
    c["aud"] = json!("https://example.com/api");
    oauth_error(
        token_request(&api, SCOPE_READ, &assertion(test_private_key(), &c)).await,
        401,
        "invalid_client",
        "The audience of the client_assertion must be the token endpoint.",
    )
    .await;
    // Expired.
    let mut c = claims(&api, "0oaclient");
    c["exp"] = json!(now_secs() - 3600);
    oauth_error(
        token_request(&api, SCOPE_READ, &assertion(test_private_key(), &c)).await,
        401,
        "invalid_client",
        "The client_assertion token is expired.",
    )
    .await;
    // iss differs from sub.
    let mut c = claims(&api, "0oaclient");
    c["sub"] = json!("someone-else");
    oauth_error(
        token_request(&api, SCOPE_READ, &assertion(test_private_key(), &c)).await,
        401,
        "invalid_client",
        "The 'iss' and 'sub' claims of the client_assertion must both be the client id.",
    )
    .await;
    // Not a JWT.
    let resp = token_request(&api, SCOPE_READ, "not-a-jwt").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    // A scope the client was not granted.
    let jwt = assertion(test_private_key(), &claims(&api, "0oaclient"));
    oauth_error(
        token_request(&api, SCOPE_MANAGE, &jwt).await,
        400,
        "invalid_scope",
        "The following scopes are not allowed: okta.identitySources.manage",
    )
    .await;
    // A replayed assertion.
    let jwt = assertion(test_private_key(), &claims(&api, "0oaclient"));
    assert_eq!(
        token_request(&api, SCOPE_READ, &jwt).await.status(),
        StatusCode::OK
    );
    oauth_error(
        token_request(&api, SCOPE_READ, &jwt).await,
        401,
        "invalid_client",
        "The client_assertion token has already been used.",
    )
    .await;
    // Another grant type.
    let resp = api
        .http
        .post(format!("{}/oauth2/v1/token", api.fake.base_url()))
        .body("grant_type=password&username=a&password=b")
        .send()
        .await
        .unwrap();
    oauth_error(
        resp,
        400,
        "unsupported_grant_type",
        "The authorization grant type is not supported: password",
    )
    .await;
    assert_eq!(api.fake.token_requests(), 10);
}

#[tokio::test]
async fn a_client_without_a_key_accepts_any_well_formed_assertion() {
    let api = Api::start(quick());
    api.fake
        .register_oauth_client(OAuthClient::new("0oaclient"));
    let jwt = assertion(other_private_key(), &claims(&api, "0oaclient"));
    let resp = token_request(&api, SCOPE_MANAGE, &jwt).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let auth = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let sid = {
        let resp = send(&api, Method::POST, &api.sessions_url(), Some(&auth)).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let s: Value = resp.json().await.unwrap();
        s["id"].as_str().unwrap().to_owned()
    };
    let resp = api
        .http
        .post(format!("{}/bulk-upsert", api.session_url(&sid)))
        .header("Authorization", &auth)
        .json(&upsert_body(users(0..1)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let api = Api::start(quick());
    let resp = send(
        &api,
        Method::GET,
        &format!("{}/api/v1/users", api.fake.base_url()),
        Some(&api.auth),
    )
    .await;
    assert_error(resp, 404, "E0000007", &[]).await;
    let resp = send(&api, Method::PUT, &api.sessions_url(), Some(&api.auth)).await;
    assert_eq!(
        resp.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, POST")
    );
    let body = assert_error(resp, 405, "E0000022", &[]).await;
    assert_eq!(
        body["errorSummary"],
        "The endpoint does not support the provided HTTP method"
    );
    // Unknown routes still need authentication.
    let resp = send(
        &api,
        Method::GET,
        &format!("{}/api/v1/users", api.fake.base_url()),
        None,
    )
    .await;
    assert_error(resp, 403, "E0000005", &[]).await;
}
