//! The HTTP side of the fake: accept loop, routing, faults, authentication,
//! rate limiting, common headers and the request log.
//!
//! Connections are served with hyper directly (HTTP/1.1) rather than through
//! `axum::serve`, so that a request can be answered by closing the
//! connection: the service returns an error and hyper drops the socket
//! without writing a response, which a client sees as a connection error.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::auth::{Auth, Denied, SCOPE_READ};
use super::faults::{FaultKind, Faults};
use super::log::{RecordedRequest, RequestLog};
use super::model::{self, ApiError};
use super::ratelimit::{RateInfo, RateLimitBucket, RateLimiter};
use super::route::{NoRoute, Operation, route};
use super::state::{Reply, State};

/// Everything the handlers share, behind one lock (no `.await` while held).
#[derive(Debug)]
pub(crate) struct Inner {
    pub clock_offset: Duration,
    pub state: State,
    pub auth: Auth,
    pub rate: RateLimiter,
    pub faults: Faults,
    pub log: RequestLog,
    pub record_bodies: bool,
    pub max_upload_bytes: usize,
}

impl Inner {
    /// The fake clock: real time plus what tests advanced it by.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_offset
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    pub base_url: String,
}

impl Shared {
    pub fn new(inner: Inner, base_url: String) -> Self {
        Shared {
            inner: Mutex::new(inner),
            base_url,
        }
    }

    /// The state lock. A panic while it was held cannot leave the fake's
    /// data half-updated in a way worth refusing to serve, so poisoning is
    /// ignored.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Accepts connections until `shutdown` fires (or the task is aborted);
/// dropping the loop aborts every open connection.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors and the like: back off briefly.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    // An error here is a dropped connection (injected or by the peer).
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Returned by the service to make hyper close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

/// Headers never written to the request log.
const SECRET_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "dpop"];

fn recorded_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let request_id = model::request_id();
    let (parts, incoming) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let routed = route(&parts.method, &path);
    let operation_id = routed.as_ref().ok().map(Operation::id);

    let read_cap = shared.lock().max_upload_bytes.max(4 << 20);
    let Some(body) = read_body(incoming, read_cap).await else {
        // The peer stopped sending mid-body; nobody is left to answer.
        return Err(DropConnection);
    };

    let auth_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());

    let (seq, decision) = {
        let mut inner = shared.lock();
        let decision = inner.faults.decide(operation_id.unwrap_or(""));
        let record_body = inner.record_bodies && !matches!(routed, Ok(Operation::Token));
        let entry = RecordedRequest {
            seq: 0,
            request_id: request_id.clone(),
            method: parts.method.to_string(),
            path: path.clone(),
            query: query.clone(),
            operation_id,
            headers: recorded_headers(&parts.headers),
            auth_scheme: auth_header
                .as_deref()
                .map(|h| h.split_whitespace().next().unwrap_or("").to_owned()),
            authorization: auth_header.as_deref().map(|h| inner.auth.redact(h)),
            body: if record_body {
                body.bytes.clone()
            } else {
                Bytes::new()
            },
            status: None,
            fault: decision.action.clone().or_else(|| {
                (!decision.delay.is_zero()).then_some(FaultKind::Delay(decision.delay))
            }),
        };
        (inner.log.push(entry), decision)
    };

    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }

    let bucket = routed
        .as_ref()
        .map_or(RateLimitBucket::Other, Operation::bucket);
    let mut inner = shared.lock();
    let now = inner.now();
    let drop_after = matches!(
        decision.action,
        Some(FaultKind::DropConnectionAfterProcessing)
    );
    let (mut response, rate) = match decision.action {
        Some(FaultKind::DropConnection) => return Err(DropConnection),
        Some(FaultKind::InternalServerError) => (
            error_response(&ApiError::internal()),
            inner.rate.peek(bucket, now),
        ),
        Some(FaultKind::ServiceUnavailable) => (
            error_response(&ApiError::unavailable()),
            inner.rate.peek(bucket, now),
        ),
        Some(FaultKind::TooManyRequests { reset_after }) => {
            let limit = inner.rate.peek(bucket, now).limit;
            (
                error_response(&ApiError::rate_limited()),
                RateInfo {
                    limit,
                    remaining: 0,
                    reset: model::epoch_secs_ceil(now + reset_after),
                },
            )
        }
        Some(FaultKind::DropConnectionAfterProcessing | FaultKind::Delay(_)) | None => process(
            &mut inner,
            &shared.base_url,
            &path,
            query.as_deref(),
            routed,
            auth_header,
            body,
            now,
        ),
    };
    let status = response.status().as_u16();
    inner.log.update(seq, |e| {
        if !drop_after {
            e.status = Some(status);
        }
    });
    drop(inner);
    if drop_after {
        return Err(DropConnection);
    }
    set_common_headers(response.headers_mut(), &request_id, rate, now);
    Ok(response)
}

/// A request body: its first `cap` bytes and its full length.
#[derive(Debug, Default)]
struct ReadBody {
    bytes: Bytes,
    len: usize,
}

/// Reads the whole body, keeping at most `cap` bytes (the rest is counted
/// and discarded, so an oversized upload still gets a proper answer rather
/// than a reset connection). `None` if the body stream failed.
async fn read_body(incoming: Incoming, cap: usize) -> Option<ReadBody> {
    use futures_util::StreamExt;
    let mut stream = Body::new(incoming).into_data_stream();
    let mut kept = bytes::BytesMut::new();
    let mut len = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        len += chunk.len();
        if kept.len() < cap {
            let take = chunk.len().min(cap - kept.len());
            kept.extend_from_slice(&chunk[..take]);
        }
    }
    Some(ReadBody {
        bytes: kept.freeze(),
        len,
    })
}

/// Authentication, rate limiting and the operation itself.
#[allow(clippy::too_many_arguments)]
fn process(
    inner: &mut Inner,
    base_url: &str,
    path: &str,
    query: Option<&str>,
    routed: Result<Operation, NoRoute>,
    auth_header: Option<String>,
    body: ReadBody,
    now: SystemTime,
) -> (Response<Body>, RateInfo) {
    let bucket = routed
        .as_ref()
        .map_or(RateLimitBucket::Other, Operation::bucket);
    if let Ok(Operation::Token) = routed {
        return match inner.rate.consume(bucket, now) {
            Err(rate) => (error_response(&ApiError::rate_limited()), rate),
            Ok(rate) => {
                let response = match inner.auth.issue_token(&body.bytes, now) {
                    Ok(token) => {
                        let mut r = json_response(StatusCode::OK, json_bytes(&token));
                        let h = r.headers_mut();
                        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
                        r
                    }
                    Err(e) => json_response(
                        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
                        json_bytes(&e),
                    ),
                };
                (response, rate)
            }
        };
    }

    let scope = routed.as_ref().map_or(SCOPE_READ, Operation::scope);
    if let Err(denied) = inner.auth.authorize(auth_header.as_deref(), scope, now) {
        let rate = inner.rate.peek(bucket, now);
        let response = match denied {
            Denied::Api(e) => error_response(&e),
            Denied::InvalidBearer { scope } => challenge(
                StatusCode::UNAUTHORIZED,
                base_url,
                scope,
                "invalid_token",
                "The token has expired.",
                path,
            ),
            Denied::InsufficientScope { scope } => challenge(
                StatusCode::FORBIDDEN,
                base_url,
                scope,
                "insufficient_scope",
                "The access token provided does not contain the required scopes.",
                path,
            ),
        };
        return (response, rate);
    }

    let rate = match inner.rate.consume(bucket, now) {
        Ok(rate) => rate,
        Err(rate) => return (error_response(&ApiError::rate_limited()), rate),
    };

    let operation = match routed {
        Ok(op) => op,
        Err(NoRoute::NotFound) => {
            return (error_response(&ApiError::not_found(path, "Resource")), rate);
        }
        Err(NoRoute::MethodNotAllowed(allow)) => {
            let mut r = error_response(&ApiError::method_not_allowed());
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            return (r, rate);
        }
    };

    let state = &mut inner.state;
    state.advance(now);
    let result = match &operation {
        Operation::List { isid } => state.list_sessions(isid),
        Operation::Create { isid } => state.create_session(isid, now),
        Operation::Get { isid, sid } => state.get_session(isid, sid, now),
        Operation::Delete { isid, sid } => state.delete_session(isid, sid, now),
        Operation::Upload { isid, sid, kind } => {
            state.upload(isid, sid, *kind, &body.bytes, body.len, now)
        }
        Operation::StartImport { isid, sid } => state.start_import(isid, sid, now),
        Operation::CreateUser { isid } => state.create_user(isid, &body.bytes, now),
        Operation::GetUser { isid, external_id } => state.get_user(isid, external_id, now),
        Operation::ReplaceUser { isid, external_id } => {
            state.replace_user(isid, external_id, &body.bytes, now)
        }
        Operation::UpdateUser { isid, external_id } => {
            state.update_user(isid, external_id, &body.bytes, now)
        }
        Operation::DeleteUser { isid, external_id } => state.delete_user(isid, external_id),
        Operation::CreateGroup { isid } => state.create_group(isid, &body.bytes),
        Operation::GetGroup { isid, group } => state.get_group(isid, group),
        Operation::UpdateGroup { isid, group } => state.update_group(isid, group, &body.bytes),
        Operation::DeleteGroup { isid, group } => state.delete_group(isid, group),
        Operation::ListMembers { isid, group } => state.list_members(isid, group, query),
        Operation::AddMember { isid, group } => state.add_member(isid, group, &body.bytes),
        Operation::RemoveMember {
            isid,
            group,
            member,
        } => state.remove_member(isid, group, member),
        Operation::Token => Ok(Reply::NoContent),
    };
    let response = match result {
        Ok(Reply::Json(status, bytes)) => json_response(status, bytes),
        Ok(Reply::Accepted) => {
            let mut r = empty_response(StatusCode::ACCEPTED);
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            r
        }
        Ok(Reply::NoContent) => empty_response(StatusCode::NO_CONTENT),
        Ok(Reply::EmptyOk) => {
            let mut r = empty_response(StatusCode::OK);
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            r
        }
        Ok(Reply::Page { body, next_after }) => {
            let mut r = json_response(StatusCode::OK, body);
            for link in page_links(base_url, path, query, next_after) {
                if let Ok(v) = HeaderValue::from_str(&link) {
                    r.headers_mut().append(header::LINK, v);
                }
            }
            r
        }
        Err(e) => error_response(&e),
    };
    (response, rate)
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising the fake's own plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

fn json_response(status: StatusCode, bytes: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn empty_response(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

fn error_response(error: &ApiError) -> Response<Body> {
    json_response(error.status, json_bytes(&error.body()))
}

/// An empty-bodied bearer challenge, as Okta answers bearer-token failures.
fn challenge(
    status: StatusCode,
    base_url: &str,
    scope: &str,
    error: &str,
    description: &str,
    path: &str,
) -> Response<Body> {
    let value = format!(
        "Bearer authorization_uri=\"{base_url}/oauth2/v1/authorize\", realm=\"{base_url}\", scope=\"{scope}\", error=\"{error}\", error_description=\"{description}\", resource=\"{path}\""
    );
    let mut r = empty_response(status);
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

fn set_common_headers(headers: &mut HeaderMap, request_id: &str, rate: RateInfo, now: SystemTime) {
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("x-okta-request-id", request_id.to_owned());
    put("x-rate-limit-limit", rate.limit.to_string());
    put("x-rate-limit-remaining", rate.remaining.to_string());
    put("x-rate-limit-reset", rate.reset.to_string());
    put("date", httpdate::fmt_http_date(now));
}

/// The `Link` headers of a memberships page, as Okta sends them: one
/// `rel="self"` link (the request as made) and, when more items follow, one
/// `rel="next"` link carrying the `after` cursor and the page size.
fn page_links(
    base_url: &str,
    path: &str,
    query: Option<&str>,
    next: Option<(String, u32)>,
) -> Vec<String> {
    let mut links = vec![match query {
        Some(q) if !q.is_empty() => format!("<{base_url}{path}?{q}>; rel=\"self\""),
        _ => format!("<{base_url}{path}>; rel=\"self\""),
    }];
    if let Some((after, limit)) = next {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("after", &after)
            .append_pair("limit", &limit.to_string())
            .finish();
        links.push(format!("<{base_url}{path}?{query}>; rel=\"next\""));
    }
    links
}
