//! Shared helpers of the runtime tests: a recording HTTP server on
//! 127.0.0.1:0 and hand-built operations (the runtime is driven through
//! its `#[doc(hidden)]` raw entry point so these tests do not depend on
//! which operations are generated).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::Response;
use okta_identity_source::__private::{Method, Operation};
use okta_identity_source::{Client, ClientBuilder};

pub const TOKEN: &str = "00SECRET-token-value-XYZ";

pub static GET_SESSION: Operation = Operation {
    id: "getIdentitySourceSession",
    method: Method::Get,
    path: "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
    idempotent: true,
    scopes: &["okta.identitySources.read"],
};

pub static CREATE_SESSION: Operation = Operation {
    id: "createIdentitySourceSession",
    method: Method::Post,
    path: "/api/v1/identity-sources/{identitySourceId}/sessions",
    idempotent: false,
    scopes: &["okta.identitySources.manage"],
};

pub static DELETE_SESSION: Operation = Operation {
    id: "deleteIdentitySourceSession",
    method: Method::Delete,
    path: "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
    idempotent: true,
    scopes: &["okta.identitySources.manage"],
};

pub static LIST_MEMBERSHIPS: Operation = Operation {
    id: "getIdentitySourceGroupMemberships",
    method: Method::Get,
    path: "/api/v1/identity-sources/{identitySourceId}/groups/{groupOrExternalId}/membership",
    idempotent: true,
    scopes: &["okta.identitySources.read"],
};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query exactly as received (still percent-encoded).
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

pub struct TestServer {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    /// Starts a server; `respond(n, request)` answers the `n`-th request (0-based).
    pub async fn start(
        respond: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let respond: Arc<Responder> = Arc::new(respond);
        let seen2 = seen.clone();
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let seen = seen2.clone();
            let respond = respond.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                let request = Seen {
                    method: parts.method.to_string(),
                    uri: parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                    headers: parts.headers,
                    body: body.to_vec(),
                };
                let n = {
                    let mut all = seen.lock().unwrap();
                    all.push(request.clone());
                    all.len() - 1
                };
                let reply = respond(n, &request);
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                let mut response = Response::new(Body::from(reply.body));
                *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                for (k, v) in reply.headers {
                    response.headers_mut().append(
                        HeaderName::from_bytes(k.as_bytes()).unwrap(),
                        HeaderValue::from_str(&v).unwrap(),
                    );
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// An SSWS client for this server with fast retries.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder()
            .org_url(&self.url)
            .api_token(TOKEN)
            .disable_https_check(true)
            .retry_base_delay(Duration::from_millis(10))
    }

    pub fn client(&self) -> Client {
        self.builder().build().expect("client builds")
    }
}

/// An HTTP `Date` for now, and the same instant in epoch seconds.
pub fn now_date() -> (String, i64) {
    let now = SystemTime::now();
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (httpdate::fmt_http_date(now), secs)
}

pub fn session_json(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "identitySourceId": "0oa3l6l6WK6h0R0QW0g4",
        "status": "CREATED",
        "importType": "INCREMENTAL",
        "created": "2022-04-04T15:58:23.000Z",
        "lastUpdated": "2022-04-04T15:58:23.000Z"
    })
}

pub fn okta_error(code: &str, summary: &str) -> serde_json::Value {
    serde_json::json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeTEST",
        "errorCauses": []
    })
}
