//! The client and its request loop: authentication, retries, rate limits,
//! deadlines and tracing.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::auth::AuthSpec;
use super::call::{Call, Decode, DecodeFn, Method, Operation, Request};
use super::config::{ClientBuilder, ClientSettings, Resolved};
use super::error::{Error, RateLimit, Result, error_from_response, request_id_of};
use super::retry;
use super::secret::SecretString;

/// A client of the Okta API. Cheap to clone (an `Arc` inside); clones share
/// the connection pool, the access-token cache and the throttle state.
///
/// Build one with [`Client::builder`], [`Client::from_env`] or [`Client::new`].
/// The operations are methods generated from the spec.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ClientSettings,
    http: reqwest::Client,
    base_url: Url,
    auth: AuthSpec,
    /// `Authorization` built once when it never changes (SSWS, static bearer).
    fixed_authorization: Option<HeaderValue>,
    max_retries: u32,
    max_backoff: Duration,
    retry_base_delay: Duration,
    request_timeout: Option<Duration>,
    max_response_bytes: usize,
    rate_limit_prevent: bool,
    user_agent: HeaderValue,
    default_headers: HeaderMap,
    /// Path template → time before which no request should be sent
    /// (only with `throttle_on_exhausted_rate_limit`).
    throttle: Mutex<HashMap<&'static str, Instant>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("org_url", &self.inner.base_url.as_str())
            .field("auth", &self.inner.auth)
            .field("max_retries", &self.inner.max_retries)
            .field("request_timeout", &self.inner.request_timeout)
            .finish_non_exhaustive()
    }
}

/// A call with every parameter encoded, ready for the request loop.
pub(crate) struct Prepared {
    pub(crate) op: &'static Operation,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Option<super::call::Body>,
    pub(crate) timeout: Option<Duration>,
}

/// A success response before decoding.
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Client {
    /// An empty builder (nothing loaded from files or the environment).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Builds a client from `~/.okta/okta.yaml`, `./.okta/okta.yaml` (or
    /// `./okta.yaml`) and `OKTA_CLIENT_*` environment variables. Use
    /// [`ClientBuilder::from_env`] to override some values in code.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    /// A client for `org_url` authenticating with an SSWS API token.
    pub fn new(org_url: impl Into<String>, api_token: impl Into<SecretString>) -> Result<Client> {
        ClientBuilder::new()
            .org_url(org_url)
            .api_token(api_token)
            .build()
    }

    /// The normalised org URL (scheme, host and port).
    pub fn org_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The effective settings (without secrets): which org, auth mode,
    /// retries and timeouts won after every configuration source was applied.
    pub fn settings(&self) -> &ClientSettings {
        &self.inner.settings
    }

    /// A call of `request`, decoded by `decode`; every generated operation
    /// ends with this (unused in a crate generated from a spec without
    /// operations).
    #[allow(dead_code)]
    pub(crate) fn call<T, O>(&self, request: Request, decode: DecodeFn<T>) -> Call<T, O> {
        Call::new(self.clone(), request, decode)
    }

    /// Starts a call of an operation described by hand. Not a stable API:
    /// it exists for the runtime's own tests. Prefer the generated methods.
    #[doc(hidden)]
    pub fn __call<D: Decode>(&self, op: &'static Operation) -> Call<D::Output> {
        Call::new(self.clone(), Request::new(op), D::decode)
    }

    pub(crate) fn from_resolved(r: Resolved) -> Result<Client> {
        let http = match r.http_client {
            Some(c) => c,
            None => {
                let mut b = reqwest::Client::builder()
                    .connect_timeout(r.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none());
                if let Some(proxy) = r.proxy {
                    b = b.proxy(proxy);
                }
                b = super::tls::configure(b, &r.root_certificates).map_err(|problem| {
                    Error::Config {
                        problems: vec![problem],
                    }
                })?;
                b.build().map_err(|e| Error::Config {
                    problems: vec![format!(
                        "the HTTP client could not be built: {}",
                        error_chain(&e)
                    )],
                })?
            }
        };
        let fixed_authorization = r.auth.fixed_authorization().transpose()?;
        Ok(Client {
            inner: Arc::new(Inner {
                settings: r.settings,
                http,
                base_url: r.base_url,
                auth: r.auth,
                fixed_authorization,
                max_retries: r.max_retries,
                max_backoff: r.max_backoff,
                retry_base_delay: r.retry_base_delay,
                request_timeout: r.request_timeout,
                max_response_bytes: r.max_response_bytes,
                rate_limit_prevent: r.rate_limit_prevent,
                user_agent: r.user_agent,
                default_headers: r.default_headers,
                throttle: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Sends a prepared call under its deadline, inside a tracing span.
    pub(crate) async fn execute(&self, p: Prepared) -> Result<RawResponse> {
        let op = p.op;
        let timeout = p.timeout.or(self.inner.request_timeout);
        let span = tracing::info_span!(
            "okta.request",
            operation = op.id,
            method = op.method.as_str(),
            path = op.path,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempt = tracing::field::Empty,
        );
        let deadline = timeout.map(|t| Instant::now() + t);
        let run = self.run(p, deadline).instrument(span.clone());
        match timeout {
            None => run.await,
            Some(t) => match tokio::time::timeout(t, run).await {
                Ok(result) => result,
                Err(_) => {
                    span.in_scope(|| {
                        tracing::warn!(timeout_ms = t.as_millis() as u64, "deadline exceeded")
                    });
                    Err(Error::Timeout { after: t })
                }
            },
        }
    }

    fn url_for(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut url = self.inner.base_url.clone();
        url.set_path(path);
        if !query.is_empty() {
            // The pairs are already encoded, each as its parameter's style says.
            let text: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            url.set_query(Some(&text.join("&")));
        }
        url
    }

    async fn run(&self, p: Prepared, deadline: Option<Instant>) -> Result<RawResponse> {
        let inner = &*self.inner;
        let op = p.op;
        let url = self.url_for(&p.path, &p.query);
        let span = tracing::Span::current();
        let mut retries: u32 = 0;
        let mut attempt: u32 = 0;
        let mut refreshed_token = false;
        let mut retry_for: Option<String> = None;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            if inner.rate_limit_prevent {
                self.throttle_wait(op.path).await;
            }
            let authorization = match &inner.fixed_authorization {
                Some(fixed) => fixed.clone(),
                None => inner.auth.authorization(&inner.http).await?,
            };
            let mut request = inner
                .http
                .request(op.method.to_reqwest(), url.clone())
                .header(header::ACCEPT, "application/json");
            if !inner.default_headers.is_empty() {
                request = request.headers(inner.default_headers.clone());
            }
            for (name, value) in &p.headers {
                request = request.header(name, value);
            }
            request = request
                .header(header::USER_AGENT, inner.user_agent.clone())
                .header(header::AUTHORIZATION, authorization.clone());
            if retries > 0 {
                if let Some(id) = retry_for
                    .as_deref()
                    .and_then(|id| HeaderValue::from_str(id).ok())
                {
                    request = request.header("X-Okta-Retry-For", id);
                }
                request = request.header("X-Okta-Retry-Count", retries.to_string());
            }
            if let Some(body) = &p.body {
                request = request
                    .header(header::CONTENT_TYPE, body.content_type.clone())
                    .body(body.bytes.clone());
            } else if matches!(op.method, Method::Post | Method::Put | Method::Patch) {
                // RFC 9110 §8.6: a request that can carry content says it
                // has none (some proxies answer 411 otherwise).
                request = request.header(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
            tracing::debug!(attempt, url = %url, "sending request");

            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match read_body(response, inner.max_response_bytes).await {
                        Ok(body) => Ok((status, headers, body)),
                        Err(BodyError::Transport(e)) => Err(e),
                        Err(BodyError::TooLarge) => {
                            let request_id = request_id_of(&headers);
                            tracing::warn!(
                                status = status.as_u16(),
                                limit = inner.max_response_bytes,
                                "response body larger than the limit; not read further"
                            );
                            return Err(Error::BodyTooLarge {
                                status,
                                limit: inner.max_response_bytes,
                                request_id,
                            });
                        }
                    }
                }
                Err(e) => Err(e),
            };

            let (status, headers, body) = match outcome {
                Ok(parts) => parts,
                Err(e) => {
                    let message = format!(
                        "{} {}: {}",
                        op.method.as_str(),
                        op.path,
                        transport_message(&e)
                    );
                    // A refused certificate stays refused: not retried.
                    if op.idempotent
                        && retries < inner.max_retries
                        && !super::tls::certificate_refused(&e)
                    {
                        let wait =
                            retry::backoff(retries, inner.retry_base_delay, inner.max_backoff);
                        if fits(deadline, wait) {
                            retries += 1;
                            tracing::info!(retry = retries, wait_ms = wait.as_millis() as u64, error = %message, "transport failure; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    tracing::warn!(error = %message, "transport failure");
                    return Err(Error::transport(message, e));
                }
            };

            let request_id = request_id_of(&headers);
            span.record("status", status.as_u16());
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
            }
            tracing::debug!(
                status = status.as_u16(),
                request_id = request_id.as_deref().unwrap_or(""),
                "response received"
            );
            if inner.rate_limit_prevent {
                self.throttle_note(op.path, &headers);
            }

            if status.is_success() {
                return Ok(RawResponse {
                    status,
                    headers,
                    body,
                });
            }

            if status == StatusCode::UNAUTHORIZED && inner.auth.can_refresh() && !refreshed_token {
                refreshed_token = true;
                inner.auth.invalidate(&authorization).await;
                tracing::info!("401 with a cached access token; renewing it once");
                continue;
            }

            let wait = match status.as_u16() {
                // A reset further away than the longest wait allowed is not
                // waited for at all (waiting the cap only to be refused
                // again helps nobody): the error says when it resets.
                429 => match retry::rate_limit_wait(&headers) {
                    Some(wait) if wait > inner.max_backoff => {
                        tracing::info!(
                            wait_s = wait.as_secs(),
                            max_backoff_s = inner.max_backoff.as_secs(),
                            "rate limit resets later than the longest allowed wait; not retrying"
                        );
                        None
                    }
                    Some(wait) => Some(wait),
                    None => Some(retry::backoff(
                        retries,
                        inner.retry_base_delay,
                        inner.max_backoff,
                    )),
                },
                503 | 504 if op.idempotent => Some(retry::backoff(
                    retries,
                    inner.retry_base_delay,
                    inner.max_backoff,
                )),
                _ => None,
            };
            if let Some(wait) = wait
                && retries < inner.max_retries
                && fits(deadline, wait)
            {
                retries += 1;
                retry_for = request_id;
                tracing::info!(
                    status = status.as_u16(),
                    retry = retries,
                    wait_ms = wait.as_millis() as u64,
                    "retryable response; waiting before retrying"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            let error = error_from_response(status, headers, &body);
            tracing::debug!(error = %error, "request failed");
            return Err(error);
        }
    }

    async fn throttle_wait(&self, key: &'static str) {
        let until = {
            let map = self
                .inner
                .throttle
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            map.get(key).copied()
        };
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                let wait = (until - now).min(self.inner.max_backoff);
                tracing::info!(
                    wait_ms = wait.as_millis() as u64,
                    "rate limit exhausted; waiting for the window to reset"
                );
                tokio::time::sleep(wait).await;
            }
            let mut map = self
                .inner
                .throttle
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if map
                .get(key)
                .is_some_and(|u| *u <= Instant::now() || *u == until)
            {
                map.remove(key);
            }
        }
    }

    fn throttle_note(&self, key: &'static str, headers: &HeaderMap) {
        let mut map = self
            .inner
            .throttle
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if RateLimit::from_headers(headers).remaining == Some(0) {
            if let Some(wait) = retry::rate_limit_wait(headers) {
                map.insert(key, Instant::now() + wait);
            }
        } else {
            map.remove(key);
        }
    }
}

pub(crate) enum BodyError {
    Transport(reqwest::Error),
    TooLarge,
}

/// Reads a response body, decompressed, refusing more than `limit` bytes
/// (a declared `Content-Length` over the limit is refused before reading).
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> std::result::Result<Bytes, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether waiting `wait` still leaves time before the deadline.
fn fits(deadline: Option<Instant>, wait: Duration) -> bool {
    deadline.is_none_or(|d| Instant::now() + wait < d)
}

/// A reqwest error on one line with its causes, and what a TLS failure
/// among them means.
pub(crate) fn transport_message(e: &reqwest::Error) -> String {
    let mut message = error_chain(e);
    if let Some(hint) = super::tls::failure_hint(e) {
        message.push_str(" (");
        message.push_str(hint);
        message.push(')');
    }
    message
}

/// An error and its sources on one line (reqwest's `Display` alone hides
/// the cause, such as "connection refused").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
