//! Helpers shared by the `fake_*` tests: a started fake with a plain
//! `reqwest` client, and precise assertions on Okta error answers.
#![allow(dead_code)]

pub mod keys;

use std::time::Duration;

use okta_identity_source::fake::{FakeConfig, FakeOkta, SessionStatus};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// A fake plus a client that talks to it with the fake's API token.
pub struct Api {
    pub fake: FakeOkta,
    pub http: reqwest::Client,
    pub auth: String,
    pub isid: String,
}

/// A configuration whose delays suit tests: quick processing, no cool-down
/// unless a test asks for one.
pub fn quick() -> FakeConfig {
    FakeConfig::default()
        .processing_delay(Duration::from_millis(20))
        .cooldown(Duration::ZERO)
}

impl Api {
    pub fn start(config: FakeConfig) -> Api {
        let fake = FakeOkta::start(config).expect("fake starts");
        let auth = format!("SSWS {}", fake.api_token());
        let isid = fake.identity_source_id().to_owned();
        Api {
            fake,
            http: okta_identity_source::__private::testing::reqwest_client_builder()
                .build()
                .expect("reqwest client"),
            auth,
            isid,
        }
    }

    pub fn sessions_url(&self) -> String {
        self.sessions_url_of(&self.isid)
    }

    pub fn sessions_url_of(&self, isid: &str) -> String {
        format!(
            "{}/api/v1/identity-sources/{isid}/sessions",
            self.fake.base_url()
        )
    }

    pub fn session_url(&self, sid: &str) -> String {
        format!("{}/{sid}", self.sessions_url())
    }

    /// A request with the valid SSWS token.
    pub fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header("Authorization", &self.auth)
    }

    pub async fn create(&self) -> Response {
        self.request(Method::POST, &self.sessions_url())
            .send()
            .await
            .expect("create answers")
    }

    /// Creates a session and returns its id (asserting the 201).
    pub async fn create_ok(&self) -> String {
        let resp = self.create().await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.expect("session json");
        body["id"].as_str().expect("session id").to_owned()
    }

    pub async fn list(&self) -> Response {
        self.request(Method::GET, &self.sessions_url())
            .send()
            .await
            .expect("list answers")
    }

    pub async fn get(&self, sid: &str) -> Response {
        self.request(Method::GET, &self.session_url(sid))
            .send()
            .await
            .expect("get answers")
    }

    pub async fn get_json(&self, sid: &str) -> Value {
        let resp = self.get(sid).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("session json")
    }

    pub async fn cancel(&self, sid: &str) -> Response {
        self.request(Method::DELETE, &self.session_url(sid))
            .send()
            .await
            .expect("delete answers")
    }

    pub async fn upsert(&self, sid: &str, body: &Value) -> Response {
        self.upload(sid, "bulk-upsert", body.to_string().into_bytes())
            .await
    }

    pub async fn bulk_delete(&self, sid: &str, body: &Value) -> Response {
        self.upload(sid, "bulk-delete", body.to_string().into_bytes())
            .await
    }

    pub async fn upload(&self, sid: &str, action: &str, body: Vec<u8>) -> Response {
        self.request(Method::POST, &format!("{}/{action}", self.session_url(sid)))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("upload answers")
    }

    pub async fn start_import(&self, sid: &str) -> Response {
        self.request(
            Method::POST,
            &format!("{}/start-import", self.session_url(sid)),
        )
        .send()
        .await
        .expect("start-import answers")
    }

    /// Upserts `profiles` and asserts the 202.
    pub async fn upsert_ok(&self, sid: &str, profiles: Value) {
        let resp = self.upsert(sid, &upsert_body(profiles)).await;
        assert_eq!(
            resp.status(),
            StatusCode::ACCEPTED,
            "{:?}",
            resp.text().await
        );
    }

    /// A session with one effective upload (IN_PROGRESS).
    pub async fn loaded_session(&self) -> String {
        let sid = self.create_ok().await;
        self.upsert_ok(&sid, users(0..1)).await;
        sid
    }

    /// A triggered session.
    pub async fn triggered_session(&self) -> String {
        let sid = self.loaded_session().await;
        assert_eq!(self.start_import(&sid).await.status(), StatusCode::OK);
        sid
    }

    /// Polls the session (through the API) until it reaches `status`, for at
    /// most 10 s; panics with the last status otherwise.
    pub async fn wait_for(&self, sid: &str, status: SessionStatus) -> Value {
        let mut last = Value::Null;
        for _ in 0..1000 {
            last = self.get_json(sid).await;
            if last["status"] == status.as_str() {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("session {sid} never reached {status}: last {last}");
    }
}

/// `{"entityType":"USERS","profiles":[...]}`.
pub fn upsert_body(profiles: Value) -> Value {
    json!({"entityType": "USERS", "profiles": profiles})
}

/// `{"entityType":"USERS","profiles":[{"externalId":..},..]}`.
pub fn delete_body(ids: &[&str]) -> Value {
    let profiles: Vec<Value> = ids.iter().map(|id| json!({"externalId": id})).collect();
    json!({"entityType": "USERS", "profiles": profiles})
}

/// Profiles `user-<i>` for `i` in `range`, with a custom attribute.
pub fn users(range: std::ops::Range<usize>) -> Value {
    Value::Array(
        range
            .map(|i| {
                json!({
                    "externalId": format!("user-{i}"),
                    "profile": {
                        "userName": format!("user{i}@example.com"),
                        "email": format!("user{i}@example.com"),
                        "firstName": "Test",
                        "lastName": format!("User{i}"),
                        "department": "Engineering"
                    }
                })
            })
            .collect(),
    )
}

/// Asserts an Okta error answer: status, JSON content type, the exact
/// envelope keys, `errorCode`, `errorLink` = code, a well-formed `errorId`,
/// and the exact `errorCauses` summaries. Returns the body.
pub async fn assert_error(resp: Response, status: u16, code: &str, causes: &[&str]) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = resp.json().await.expect("error json");
    let object = body.as_object().expect("error object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "errorCauses",
            "errorCode",
            "errorId",
            "errorLink",
            "errorSummary"
        ]
    );
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorLink"], code);
    let id = body["errorId"].as_str().expect("errorId");
    assert!(id.starts_with("oae") && id.len() == 25, "errorId {id}");
    let got: Vec<&str> = body["errorCauses"]
        .as_array()
        .expect("errorCauses")
        .iter()
        .map(|c| c["errorSummary"].as_str().expect("cause summary"))
        .collect();
    assert_eq!(got, causes, "{body}");
    body
}
