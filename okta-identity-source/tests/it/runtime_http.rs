//! The runtime over real HTTP: what is sent, what is decoded, how errors
//! and response metadata come back.

use crate::runtime_common as common;

use std::future::IntoFuture;
use std::time::Duration;

use common::*;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::__private::{Empty, Json, Text};
use okta_identity_source::Error;
use okta_identity_source::models::Nullable;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Session {
    id: String,
    identity_source_id: String,
    status: String,
}

#[tokio::test]
async fn get_sends_auth_user_agent_and_encoded_path_and_decodes() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, session_json("aps1"))
            .header("x-okta-request-id", "req-abc")
            .header("x-rate-limit-limit", 15)
            .header("x-rate-limit-remaining", 9)
            .header("x-rate-limit-reset", 1758862525)
    })
    .await;
    let client = server
        .builder()
        .default_header("X-Team", "imports")
        .user_agent_extra("my-sync/2.1")
        .build()
        .unwrap();

    let response = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa3l6l6WK6h0R0QW0g4")
        .path_param("sessionId", "a/b c?..#")
        .header("X-Trace", "t-1")
        .send_with_response()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.request_id(), Some("req-abc"));
    let rl = response.rate_limit();
    assert_eq!(
        (rl.limit, rl.remaining, rl.reset),
        (Some(15), Some(9), Some(1758862525))
    );
    assert_eq!(response.id, "aps1"); // Deref to the typed value
    assert_eq!(
        response.headers().get("x-okta-request-id").unwrap(),
        "req-abc"
    );
    let session = response.into_inner();
    assert_eq!(session.identity_source_id, "0oa3l6l6WK6h0R0QW0g4");
    assert_eq!(session.status, "CREATED");

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.uri,
        "/api/v1/identity-sources/0oa3l6l6WK6h0R0QW0g4/sessions/a%2Fb%20c%3F..%23"
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("x-team"), Some("imports"));
    assert_eq!(r.header("x-trace"), Some("t-1"));
    assert_eq!(r.header("content-type"), None);
    let ua = r.header("user-agent").unwrap();
    let expected_prefix = format!(
        "okta-identity-source-rust/{} rust/",
        env!("CARGO_PKG_VERSION")
    );
    assert!(ua.starts_with(&expected_prefix), "{ua}");
    assert!(
        ua.ends_with(&format!(
            " {}/{} my-sync/2.1",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
        "{ua}"
    );
    let rustc = ua.split(' ').nth(1).unwrap().trim_start_matches("rust/");
    assert!(rustc.starts_with("1."), "rustc version in {ua}");
    assert_eq!(client.settings().user_agent, ua);
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Upsert {
    entity_type: &'static str,
    #[serde(default, skip_serializing_if = "Nullable::is_undefined")]
    mobile_phone: Nullable<String>,
    #[serde(default, skip_serializing_if = "Nullable::is_undefined")]
    second_email: Nullable<String>,
    department: &'static str,
}

#[tokio::test]
async fn post_sends_json_body_and_query_and_decodes_201() {
    let server = TestServer::start(|_, _| Reply::json(201, session_json("aps2"))).await;
    let client = server.client();
    let body = Upsert {
        entity_type: "USERS",
        mobile_phone: Nullable::Null,
        second_email: Nullable::Undefined,
        department: "R&D",
    };
    let session: Session = client
        .__call::<Json<Session>>(&CREATE_SESSION)
        .path_param("identitySourceId", "0oa1")
        .query("limit", &Some(200))
        .query("after", &None::<String>)
        .query("filter", "status eq \"ACTIVE\"&x=1")
        .query("expand", &["a", "b"])
        .query("flag", &true)
        .json_body(&body)
        .await
        .unwrap();
    assert_eq!(session.id, "aps2");

    let seen = server.seen();
    let r = &seen[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.uri,
        "/api/v1/identity-sources/0oa1/sessions?limit=200&filter=status%20eq%20%22ACTIVE%22%26x%3D1&expand=a&expand=b&flag=true"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"entityType": "USERS", "mobilePhone": null, "department": "R&D"})
    );
}

#[tokio::test]
async fn empty_text_and_any_2xx() {
    let server = TestServer::start(|n, _| match n {
        0 => Reply::empty(204),
        1 => Reply::text(202, "ignored body"),
        _ => Reply::text(200, "plain"),
    })
    .await;
    let client = server.client();
    let call = || {
        client
            .__call::<Empty>(&DELETE_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", "aps1")
    };
    let r = call().send_with_response().await.unwrap();
    assert_eq!(r.status(), 204);
    call().await.unwrap();
    let text = client
        .__call::<Text>(&DELETE_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
        .await
        .unwrap();
    assert_eq!(text, "plain");
    assert_eq!(server.seen().len(), 3);
    assert!(server.seen().iter().all(|r| r.method == "DELETE"));
}

#[tokio::test]
async fn okta_error_body_is_parsed() {
    let server = TestServer::start(|_, _| {
        Reply::json(
            404,
            okta_error(
                "E0000007",
                "Not found: Resource not found: aps9 (IdentitySourceSession)",
            ),
        )
        .header("x-okta-request-id", "req-404")
        .header("x-rate-limit-remaining", 3)
    })
    .await;
    let err = server
        .client()
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps9")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Okta HTTP 404 E0000007 Not found: Resource not found: aps9 (IdentitySourceSession) (request id req-404)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    assert_eq!(err.request_id(), Some("req-404"));
    assert!(!err.is_retryable());
    let Error::Api(api) = err else {
        panic!("expected Api")
    };
    assert_eq!(api.rate_limit.remaining, Some(3));
    let body = api.body.unwrap();
    assert_eq!(body.error_id.as_deref(), Some("oaeTEST"));
    assert_eq!(body.error_link.as_deref(), Some("E0000007"));
    // GET 404 is not retried
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn malformed_bodies_are_errors_not_panics() {
    let server = TestServer::start(|n, _| match n {
        0 => Reply::text(200, "<html>oops</html>").header("x-okta-request-id", "r0"),
        1 => Reply::empty(200),
        2 => Reply::json(200, json!({"id": 5})),
        _ => Reply::text(500, "<html>Internal</html>"),
    })
    .await;
    let client = server.client();
    let get = || {
        client
            .__call::<Json<Session>>(&GET_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", "aps1")
    };
    match get().await {
        Err(Error::Decode {
            status,
            excerpt,
            request_id,
            ..
        }) => {
            assert_eq!(status, 200);
            assert_eq!(excerpt, "<html>oops</html>");
            assert_eq!(request_id.as_deref(), Some("r0"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    match get().await {
        Err(Error::Decode { message, .. }) => assert!(message.contains("empty"), "{message}"),
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(matches!(get().await, Err(Error::Decode { .. })));
    let err = get().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Okta HTTP 500 Internal Server Error: \"<html>Internal</html>\""
    );
    assert_eq!(err.okta_error_code(), None);
}

#[tokio::test]
async fn invalid_input_is_refused_before_sending() {
    let server = TestServer::start(|_, _| Reply::json(200, session_json("x"))).await;
    let client = server.client();
    for bad in ["", ".", ".."] {
        let err = client
            .__call::<Json<Session>>(&GET_SESSION)
            .path_param("identitySourceId", "0oa1")
            .path_param("sessionId", bad)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(err.to_string().contains("sessionId"), "{err}");
    }
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sessionId"), "{err}");
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .header("X-Evil", "a\r\nInjected: 1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("CR or LF"), "{err}");
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .header_param("X-Evil", "a\nb")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .query("filter", &json!({"nested": {"deeper": 1}}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .header("Authorization", "SSWS other")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    let err = client
        .__call::<Json<Session>>(&CREATE_SESSION)
        .path_param("identitySourceId", "0oa1")
        .json_body(&std::collections::HashMap::from([((1, 2), 3)]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("body"), "{err}");
    assert!(server.seen().is_empty(), "nothing may reach the wire");
}

#[tokio::test]
async fn path_param_value_and_header_param() {
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let client = server.client();
    client
        .__call::<Empty>(&DELETE_SESSION)
        .path_param_value("identitySourceId", &42u64)
        .path_param("sessionId", "é")
        .header_param("X-Ids", &[1, 2])
        .header_param("X-None", &None::<String>)
        .await
        .unwrap();
    let r = &server.seen()[0];
    assert_eq!(r.uri, "/api/v1/identity-sources/42/sessions/%C3%A9");
    assert_eq!(r.header("x-ids"), Some("1,2"));
    assert_eq!(r.header("x-none"), None);
}

#[tokio::test]
async fn per_call_timeout_gives_a_timeout_error() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, session_json("slow")).delay(Duration::from_secs(30))
    })
    .await;
    let client = server.builder().max_retries(0).build().unwrap();
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "Okta request timed out after 200ms");
}

#[tokio::test]
async fn client_request_timeout_applies_when_no_per_call_timeout() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, session_json("slow")).delay(Duration::from_secs(30))
    })
    .await;
    let client = server
        .builder()
        .request_timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    assert_eq!(
        client.settings().request_timeout,
        Some(Duration::from_millis(150))
    );
    let err = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after } if after == Duration::from_millis(150)),
        "{err:?}"
    );
}

#[tokio::test]
async fn callers_reqwest_client_is_used() {
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let http = okta_identity_source::__private::testing::reqwest_client_builder()
        .default_headers(
            [(
                reqwest::header::HeaderName::from_static("x-from-caller-client"),
                reqwest::header::HeaderValue::from_static("yes"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let client = server.builder().http_client(http).build().unwrap();
    client
        .__call::<Empty>(&DELETE_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s")
        .await
        .unwrap();
    let r = &server.seen()[0];
    assert_eq!(r.header("x-from-caller-client"), Some("yes"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("SSWS {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn calls_are_send_and_spawnable() {
    let server = TestServer::start(|_, _| Reply::json(200, session_json("s"))).await;
    let client = server.client();
    let call = client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "s");
    let handle = tokio::spawn(call.into_future());
    assert_eq!(handle.await.unwrap().unwrap().id, "s");
}
