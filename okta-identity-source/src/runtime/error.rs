//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use super::rate_limit::RateLimit;
use super::sanitize::{escape_server_text, escape_text};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a call or with building a client.
///
/// Match on the variant for the kind of failure; the helpers
/// ([`Error::status`], [`Error::request_id`], [`Error::okta_error_code`],
/// [`Error::is_retryable`]) answer the common questions without matching.
/// `Display` is one complete line, for example
/// `Okta HTTP 404 E0000007 Not found: Resource not found: abc (request id 7359fab5…)`;
/// it carries every cause, so `source()` returns none and a reporter prints
/// each cause once.
///
/// `Debug` (what `fn main() -> Result<(), Error>` prints) is a short line
/// too: the variant with the status, Okta error code, summary and request
/// id, for example
/// `Api { status: 404, code: "E0000007", summary: "Not found: …", request_id: "7359fab5…", .. }`.
/// It never shows a secret nor the response headers; the rest (headers,
/// rate-limit figures, the error body, the underlying `reqwest::Error`) is
/// in the fields and accessors.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with a non-success status (other than the
    /// authentication failures of [`Error::Auth`]).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// A 401 or 403 without an Okta JSON body (a bearer or OAuth token was
    /// refused; the reason is in `WWW-Authenticate`), or the OAuth token
    /// endpoint refused the client assertion.
    #[error("{0}")]
    Auth(Box<AuthError>),
    /// The request could not be sent or the response could not be read
    /// (DNS, connect, TLS, reset connection).
    #[error("Okta request failed: {}", escape_server_text(message))]
    Transport {
        /// What failed, without secrets: the underlying error and each of
        /// its causes, on one line.
        message: String,
        /// The underlying error. Its causes are already in `message`, so
        /// it is not returned by `source()` (a reporter would print them
        /// twice); it is here for matching (`is_connect`, `is_timeout`…).
        cause: Option<reqwest::Error>,
    },
    /// The call, retries included, did not finish within its deadline.
    #[error("Okta request timed out after {after:?}")]
    Timeout {
        /// The deadline that was exceeded.
        after: Duration,
    },
    /// A success response whose body is not what the operation declares.
    #[error("Okta HTTP {} response could not be decoded: {} (body: {excerpt:?}){}", status.as_u16(), escape_server_text(message), RequestIdSuffix(request_id.as_deref()))]
    Decode {
        /// HTTP status of the response.
        status: StatusCode,
        /// What the decoder reported.
        message: String,
        /// The start of the body (at most 512 characters).
        excerpt: String,
        /// `X-Okta-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// The response body was larger than the client accepts
    /// ([`ClientBuilder::max_response_bytes`](super::ClientBuilder::max_response_bytes));
    /// it was not read further. Okta's bodies are kilobytes.
    #[error("Okta HTTP {} response body is larger than {limit} bytes, the limit; not read further{}", status.as_u16(), RequestIdSuffix(request_id.as_deref()))]
    BodyTooLarge {
        /// HTTP status of the response.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
        /// `X-Okta-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A parameter or body the caller gave cannot be sent (empty path
    /// segment, `..`, CR/LF in a header, a body that does not serialize).
    /// Nothing was sent.
    #[error("invalid input: {message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// The client configuration is invalid; every problem found is listed.
    #[error("invalid Okta client configuration: {}", problems.join("; "))]
    Config {
        /// One entry per problem.
        problems: Vec<String>,
    },
}

impl Error {
    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput {
            message: message.into(),
        }
    }

    pub(crate) fn transport(message: impl Into<String>, cause: reqwest::Error) -> Self {
        Error::Transport {
            message: message.into(),
            cause: Some(cause),
        }
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Auth(e) => e.status,
            Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// `X-Okta-Request-Id` of the response, when the service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Auth(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } | Error::BodyTooLarge { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The Okta `errorCode` (for example `E0000007`), when the body had one.
    pub fn okta_error_code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.body.as_ref().and_then(|b| b.error_code.as_deref()),
            _ => None,
        }
    }

    /// The parsed Okta error body, when the service sent one.
    pub fn okta_error(&self) -> Option<&OktaErrorBody> {
        match self {
            Error::Api(e) => e.body.as_ref(),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: rate limits
    /// (429), 503, 504, transport failures (except a refused TLS
    /// certificate) and timeouts. The client already retried as configured
    /// before returning the error.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => matches!(e.status.as_u16(), 429 | 503 | 504),
            Error::Transport { cause, .. } => !cause
                .as_ref()
                .is_some_and(|e| super::tls::certificate_refused(e)),
            Error::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// An error response from the Okta API.
///
/// `Debug` is one short line (status, error code, summary with its causes,
/// request id); the headers, rate-limit figures and the whole body are in
/// the fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The Okta error body, when the response had one.
    pub body: Option<OktaErrorBody>,
    /// The start of the body when it was not an Okta error body.
    pub excerpt: Option<String>,
    /// `X-Okta-Request-Id`.
    pub request_id: Option<String>,
    /// `X-Rate-Limit-*` figures of the response.
    pub rate_limit: RateLimit,
    /// Response headers.
    pub headers: HeaderMap,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta HTTP {}", self.status.as_u16())?;
        match &self.body {
            Some(body) => {
                if let Some(code) = &body.error_code {
                    write!(f, " {}", escape_text(code, 40))?;
                }
                if let Some(summary) = &body.error_summary {
                    write!(f, " {}", one_line(summary))?;
                }
                let causes: Vec<&str> = body
                    .error_causes
                    .iter()
                    .filter_map(|c| c.error_summary.as_deref())
                    .collect();
                if !causes.is_empty() {
                    write!(f, " ({})", one_line(&causes.join("; ")))?;
                }
                if body.error_summary.is_none()
                    && causes.is_empty()
                    && let Some(reason) = self.status.canonical_reason()
                {
                    write!(f, " {reason}")?;
                }
            }
            None => {
                if let Some(reason) = self.status.canonical_reason() {
                    write!(f, " {reason}")?;
                }
                if let Some(excerpt) = self.excerpt.as_deref().filter(|e| !e.is_empty()) {
                    write!(f, ": {excerpt:?}")?;
                }
            }
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS
            && let Some(at) = self.rate_limit.reset_at()
        {
            write!(
                f,
                " (the rate limit resets at {}",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            )?;
            if let Some(wait) = super::retry::rate_limit_wait(&self.headers) {
                write!(f, ", in {}", human_duration(wait))?;
            }
            f.write_str(")")?;
        }
        write!(f, "{}", RequestIdSuffix(self.request_id.as_deref()))
    }
}

/// An authentication or authorization failure.
///
/// `Debug` is one short line (status, the challenge's error, description
/// and scope, request id).
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthError {
    /// HTTP status (`None` is not used today; kept for failures before a response).
    pub status: Option<StatusCode>,
    /// The parsed `WWW-Authenticate` challenge (or OAuth error body).
    pub challenge: AuthChallenge,
    /// `X-Okta-Request-Id`.
    pub request_id: Option<String>,
    /// Which endpoint refused: `"api"` or `"token endpoint"`.
    pub source: &'static str,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "Okta HTTP {}", status.as_u16())?,
            None => f.write_str("Okta authentication failed")?,
        }
        if self.source != "api" {
            write!(f, " from the {}", self.source)?;
        }
        let c = &self.challenge;
        match (&c.error, &c.error_description) {
            (Some(e), Some(d)) => write!(f, " {}: {}", one_line(e), one_line(d))?,
            (Some(e), None) => write!(f, " {}", one_line(e))?,
            (None, Some(d)) => write!(f, " {}", one_line(d))?,
            (None, None) => f.write_str(" authentication failed")?,
        }
        if let Some(scope) = &c.scope {
            write!(f, " (scope {})", one_line(scope))?;
        }
        write!(f, "{}", RequestIdSuffix(self.request_id.as_deref()))
    }
}

/// Characters of server text (summaries, messages) kept in a `Debug` line.
const DEBUG_TEXT_CHARS: usize = 120;

/// Server or file text in a `Debug` line: quoted, unsafe characters
/// escaped (once), at most `DEBUG_TEXT_CHARS` kept.
struct DebugText<'a>(&'a str);

impl fmt::Debug for DebugText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", escape_text(self.0, DEBUG_TEXT_CHARS))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Debug::fmt(e, f),
            Error::Auth(e) => fmt::Debug::fmt(e, f),
            Error::Transport { message, cause } => {
                let mut d = f.debug_struct("Transport");
                d.field("message", &DebugText(message));
                if let Some(cause) = cause {
                    d.field("connect", &cause.is_connect())
                        .field("timeout", &cause.is_timeout());
                }
                d.finish_non_exhaustive()
            }
            Error::Timeout { after } => f.debug_struct("Timeout").field("after", after).finish(),
            Error::Decode {
                status,
                message,
                excerpt: _,
                request_id,
            } => {
                let mut d = f.debug_struct("Decode");
                d.field("status", &status.as_u16())
                    .field("message", &DebugText(message));
                if let Some(id) = request_id {
                    d.field("request_id", &DebugText(id));
                }
                d.finish_non_exhaustive()
            }
            Error::BodyTooLarge {
                status,
                limit,
                request_id,
            } => {
                let mut d = f.debug_struct("BodyTooLarge");
                d.field("status", &status.as_u16()).field("limit", limit);
                if let Some(id) = request_id {
                    d.field("request_id", &DebugText(id));
                }
                d.finish()
            }
            Error::InvalidInput { message } => f
                .debug_struct("InvalidInput")
                .field("message", &DebugText(message))
                .finish(),
            // Every problem, in full: they are what the user has to fix,
            // and they come from this crate (values are quoted bounded).
            Error::Config { problems } => f
                .debug_struct("Config")
                .field("problems", problems)
                .finish(),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Api");
        d.field("status", &self.status.as_u16());
        match &self.body {
            Some(body) => {
                if let Some(code) = &body.error_code {
                    d.field("code", &DebugText(code));
                }
                let causes: Vec<&str> = body
                    .error_causes
                    .iter()
                    .filter_map(|c| c.error_summary.as_deref())
                    .collect();
                let summary = match (&body.error_summary, causes.is_empty()) {
                    (Some(s), true) => Some(s.clone()),
                    (Some(s), false) => Some(format!("{s} ({})", causes.join("; "))),
                    (None, false) => Some(causes.join("; ")),
                    (None, true) => None,
                };
                if let Some(summary) = summary {
                    d.field("summary", &DebugText(&one_line(&summary)));
                }
            }
            None => {
                if let Some(excerpt) = self.excerpt.as_deref().filter(|e| !e.is_empty()) {
                    d.field("body", &DebugText(excerpt));
                }
            }
        }
        if let Some(id) = &self.request_id {
            d.field("request_id", &DebugText(id));
        }
        d.finish_non_exhaustive()
    }
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Auth");
        if let Some(status) = self.status {
            d.field("status", &status.as_u16());
        }
        if self.source != "api" {
            d.field("from", &self.source);
        }
        let c = &self.challenge;
        for (name, value) in [
            ("error", &c.error),
            ("description", &c.error_description),
            ("scope", &c.scope),
            ("request_id", &self.request_id),
        ] {
            if let Some(v) = value {
                d.field(name, &DebugText(v));
            }
        }
        d.finish_non_exhaustive()
    }
}

/// The parameters of a `WWW-Authenticate` challenge (RFC 6750), or of an
/// OAuth 2.0 error response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthChallenge {
    /// The scheme (`Bearer`, `DPoP`, …).
    pub scheme: Option<String>,
    /// `error`, for example `invalid_token` or `insufficient_scope`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `scope`: the scope the resource requires.
    pub scope: Option<String>,
}

impl AuthChallenge {
    /// Parses `WWW-Authenticate: Bearer realm="…", error="…", …`.
    /// Unknown parameters are ignored; malformed input gives what could be read.
    pub fn parse(header: &str) -> Self {
        let mut out = AuthChallenge::default();
        let header = header.trim();
        let (scheme, mut rest) = match header.find(|c: char| c.is_whitespace()) {
            Some(i) if !header[..i].contains('=') => (&header[..i], &header[i..]),
            _ if !header.contains('=') => (header, ""),
            _ => ("", header),
        };
        if !scheme.is_empty() {
            out.scheme = Some(scheme.to_owned());
        }
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            if rest.is_empty() {
                break;
            }
            let Some(eq) = rest.find('=') else { break };
            let key = rest[..eq].trim().to_ascii_lowercase();
            rest = rest[eq + 1..].trim_start();
            let value;
            if let Some(stripped) = rest.strip_prefix('"') {
                let mut v = String::new();
                let mut chars = stripped.char_indices();
                let mut end = stripped.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                v.push(n);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        _ => v.push(c),
                    }
                }
                value = v;
                rest = &stripped[end.min(stripped.len())..];
            } else {
                let end = rest.find(',').unwrap_or(rest.len());
                value = rest[..end].trim().to_owned();
                rest = &rest[end..];
            }
            match key.as_str() {
                "error" => out.error = Some(value),
                "error_description" => out.error_description = Some(value),
                "scope" => out.scope = Some(value),
                _ => {}
            }
        }
        out
    }
}

/// The Okta error body: `{"errorCode","errorSummary","errorLink","errorId","errorCauses"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OktaErrorBody {
    /// For example `E0000007`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// For example `Not found: Resource not found: abc (IdentitySource)`.
    #[serde(default)]
    pub error_summary: Option<String>,
    /// Same value as `errorCode`.
    #[serde(default)]
    pub error_link: Option<String>,
    /// An id for Okta support (`oae…`).
    #[serde(default)]
    pub error_id: Option<String>,
    /// Details, for example which field failed validation.
    #[serde(default)]
    pub error_causes: Vec<OktaErrorCause>,
}

/// One entry of `errorCauses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OktaErrorCause {
    /// The cause.
    #[serde(default)]
    pub error_summary: Option<String>,
}

/// `X-Okta-Request-Id` of a response.
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Builds the error for a non-success response.
pub(crate) fn error_from_response(status: StatusCode, headers: HeaderMap, body: &[u8]) -> Error {
    let request_id = request_id_of(&headers);
    let parsed: Option<OktaErrorBody> = serde_json::from_slice::<OktaErrorBody>(body)
        .ok()
        .filter(|b| b.error_code.is_some() || b.error_summary.is_some());
    let challenge = headers
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(AuthChallenge::parse);
    if matches!(status.as_u16(), 401 | 403) && parsed.is_none() {
        return Error::Auth(Box::new(AuthError {
            status: Some(status),
            challenge: challenge.unwrap_or_default(),
            request_id,
            source: "api",
        }));
    }
    let excerpt = if parsed.is_none() {
        Some(excerpt(body))
    } else {
        None
    };
    Error::Api(Box::new(ApiError {
        status,
        body: parsed,
        excerpt,
        request_id,
        rate_limit: RateLimit::from_headers(&headers),
        headers,
    }))
}

/// The start of a body for error messages: at most 512 characters, lossy UTF-8.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 512;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() || body.len() > MAX * 4 {
        out.push('…');
    }
    out
}

/// Server text on one line: line breaks joined with spaces, every other
/// control character escaped, at most
/// [`MAX_SERVER_TEXT_CHARS`](super::sanitize::MAX_SERVER_TEXT_CHARS) kept.
fn one_line(s: &str) -> String {
    let joined = s
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    escape_server_text(&joined)
}

/// A wait for people: `59 min 12 s`, `12 s`, `1 h 2 min`.
pub(crate) fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {})", escape_text(id, 100)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn api_error_displays_one_line() {
        let mut headers = HeaderMap::new();
        headers.insert("x-okta-request-id", HeaderValue::from_static("req-1"));
        let body = br#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: abc (IdentitySource)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#;
        let err = error_from_response(StatusCode::NOT_FOUND, headers, body);
        assert_eq!(
            err.to_string(),
            "Okta HTTP 404 E0000007 Not found: Resource not found: abc (IdentitySource) (request id req-1)"
        );
        assert_eq!(err.okta_error_code(), Some("E0000007"));
        assert_eq!(err.request_id(), Some("req-1"));
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert!(!err.is_retryable());
        assert_eq!(
            err.okta_error().and_then(|b| b.error_id.as_deref()),
            Some("oae1")
        );
    }

    #[test]
    fn debug_is_one_short_line_without_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-okta-request-id", HeaderValue::from_static("XyZ-req-1"));
        for (name, value) in [
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "599"),
            ("x-rate-limit-reset", "1700000060"),
            (
                "content-security-policy",
                "default-src 'self' *.okta.com *.oktacdn.com",
            ),
            ("set-cookie", "sid=SECRET-SESSION-COOKIE; Path=/"),
            (
                "strict-transport-security",
                "max-age=315360000; includeSubDomains",
            ),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let body = br#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: abc (IdentitySource)","errorId":"oae1","errorCauses":[]}"#;
        let err = error_from_response(StatusCode::NOT_FOUND, headers, body);
        let debug = format!("{err:?}");
        assert_eq!(
            debug,
            r#"Api { status: 404, code: "E0000007", summary: "Not found: Resource not found: abc (IdentitySource)", request_id: "XyZ-req-1", .. }"#
        );
        assert!(debug.len() < 200);
        let Error::Api(api) = &err else {
            panic!("expected Api, got {err:?}")
        };
        assert_eq!(format!("{api:?}"), debug);
        assert_eq!(api.headers.len(), 7, "the headers are still in the field");

        // A hostile summary is escaped and bounded; causes are kept.
        let long = format!(
            r#"{{"errorCode":"E0000001","errorSummary":"bad\u001b[2J{}","errorCauses":[{{"errorSummary":"x"}}]}}"#,
            "a".repeat(5000)
        );
        let err = error_from_response(StatusCode::BAD_REQUEST, HeaderMap::new(), long.as_bytes());
        let debug = format!("{err:?}");
        assert!(debug.len() < 250, "{debug}");
        assert!(debug.contains(r"bad\u{1b}[2J"), "{debug}");
        assert!(!debug.contains('\u{1b}'), "{debug}");

        // A body that is not Okta's: its start, bounded.
        let err = error_from_response(
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            b"<html>\nbad gateway</html>",
        );
        assert_eq!(
            format!("{err:?}"),
            r#"Api { status: 502, body: "<html>\nbad gateway</html>", .. }"#
        );

        // The other variants.
        assert_eq!(
            format!(
                "{:?}",
                Error::Timeout {
                    after: Duration::from_secs(2)
                }
            ),
            "Timeout { after: 2s }"
        );
        assert_eq!(
            format!(
                "{:?}",
                Error::Decode {
                    status: StatusCode::OK,
                    message: "missing field `id`".into(),
                    excerpt: "x".repeat(512),
                    request_id: Some("r1".into()),
                }
            ),
            r#"Decode { status: 200, message: "missing field `id`", request_id: "r1", .. }"#
        );
        assert_eq!(
            format!("{:?}", Error::invalid_input("empty path segment")),
            r#"InvalidInput { message: "empty path segment" }"#
        );
        assert_eq!(
            format!(
                "{:?}",
                Error::Config {
                    problems: vec!["orgUrl is missing".into()]
                }
            ),
            r#"Config { problems: ["orgUrl is missing"] }"#
        );
    }

    #[test]
    fn api_error_with_causes_and_no_request_id() {
        let body = br#"{"errorCode":"E0000001","errorSummary":"Api validation failed: profiles","errorCauses":[{"errorSummary":"profiles: must not be empty"}]}"#;
        let err = error_from_response(StatusCode::BAD_REQUEST, HeaderMap::new(), body);
        assert_eq!(
            err.to_string(),
            "Okta HTTP 400 E0000001 Api validation failed: profiles (profiles: must not be empty)"
        );
    }

    #[test]
    fn non_json_error_body_keeps_an_excerpt() {
        let err = error_from_response(
            StatusCode::BAD_GATEWAY,
            HeaderMap::new(),
            b"<html>\nbad gateway</html>",
        );
        let Error::Api(api) = &err else {
            panic!("expected Api, got {err:?}")
        };
        assert!(api.body.is_none());
        assert_eq!(api.excerpt.as_deref(), Some("<html>\nbad gateway</html>"));
        assert_eq!(
            err.to_string(),
            "Okta HTTP 502 Bad Gateway: \"<html>\\nbad gateway</html>\""
        );
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn bearer_401_parses_www_authenticate() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "www-authenticate",
            HeaderValue::from_static(
                r#"Bearer authorization_uri="http://o/oauth2/v1/authorize", realm="http://o", scope="okta.identitySources.read", error="invalid_token", error_description="The token has expired.", resource="/api/v1/x""#,
            ),
        );
        let err = error_from_response(StatusCode::UNAUTHORIZED, headers, b"");
        let Error::Auth(auth) = &err else {
            panic!("expected Auth, got {err:?}")
        };
        assert_eq!(auth.challenge.scheme.as_deref(), Some("Bearer"));
        assert_eq!(auth.challenge.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            auth.challenge.error_description.as_deref(),
            Some("The token has expired.")
        );
        assert_eq!(
            auth.challenge.scope.as_deref(),
            Some("okta.identitySources.read")
        );
        assert_eq!(
            err.to_string(),
            "Okta HTTP 401 invalid_token: The token has expired. (scope okta.identitySources.read)"
        );
    }

    #[test]
    fn challenge_parser_tolerates_odd_input() {
        for input in [
            "",
            "Bearer",
            "Bearer error",
            "Bearer error=\"unterminated",
            "=,,=\"",
            "DPoP algs=\"RS256 ES256\", error=insufficient_scope",
        ] {
            let _ = AuthChallenge::parse(input);
        }
        let c = AuthChallenge::parse(
            r#"DPoP algs="RS256 ES256", error=insufficient_scope, error_description="a \"quoted\" word""#,
        );
        assert_eq!(c.scheme.as_deref(), Some("DPoP"));
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.error_description.as_deref(), Some("a \"quoted\" word"));
        assert_eq!(AuthChallenge::parse("Bearer error").error, None);
    }

    #[test]
    fn excerpt_is_bounded() {
        let long = "é".repeat(2000);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), 513);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}
