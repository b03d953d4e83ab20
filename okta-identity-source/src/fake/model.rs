//! Wire types of the fake: exactly the field names and shapes of
//! `spec/okta-identity-source.yaml` (`IdentitySourceSession`, `Error`,
//! `ErrorCause`), independent of the generated models so that the fake
//! compiles without the client.

use std::fmt;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Status of an identity source session (`IdentitySourceSessionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionStatus {
    /// New and empty; uploads and cancel are allowed.
    Created,
    /// At least one effective upload was accepted.
    InProgress,
    /// The import was started and is being processed.
    Triggered,
    /// The import finished; its data was applied to the users.
    Completed,
    /// The import failed; nothing was applied.
    Error,
    /// Cancelled by `DELETE`; uploaded data was discarded.
    Closed,
    /// Timed out after the inactivity period while loading.
    Expired,
}

impl SessionStatus {
    /// The wire value, e.g. `IN_PROGRESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Created => "CREATED",
            SessionStatus::InProgress => "IN_PROGRESS",
            SessionStatus::Triggered => "TRIGGERED",
            SessionStatus::Completed => "COMPLETED",
            SessionStatus::Error => "ERROR",
            SessionStatus::Closed => "CLOSED",
            SessionStatus::Expired => "EXPIRED",
        }
    }

    /// `CREATED` or `IN_PROGRESS`: the session accepts uploads and cancel.
    pub fn is_loading(self) -> bool {
        matches!(self, SessionStatus::Created | SessionStatus::InProgress)
    }

    /// `CREATED`, `IN_PROGRESS` or `TRIGGERED` (what the list returns by default).
    pub fn is_active(self) -> bool {
        self.is_loading() || self == SessionStatus::Triggered
    }

    /// No transition leaves a terminal status.
    pub fn is_terminal(self) -> bool {
        !self.is_active()
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `IdentitySourceSession` as serialised on the wire.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionWire<'a> {
    pub id: &'a str,
    pub identity_source_id: &'a str,
    pub status: SessionStatus,
    pub import_type: &'static str,
    pub created: String,
    pub last_updated: String,
}

/// `ErrorCause`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorCause {
    pub error_summary: String,
}

/// The Okta error envelope (`Error`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    pub error_code: &'static str,
    pub error_summary: String,
    pub error_link: &'static str,
    pub error_id: String,
    pub error_causes: Vec<ErrorCause>,
}

/// An Okta API error the fake answers with: status, code, summary, causes.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub summary: String,
    pub causes: Vec<String>,
}

/// Summary of `E0000003`.
pub(crate) const NOT_WELL_FORMED: &str = "The request body was not well-formed.";

impl ApiError {
    /// 400 `E0000001` `Api validation failed: {field}` with causes.
    pub fn validation(field: &str, causes: Vec<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "E0000001",
            summary: format!("Api validation failed: {field}"),
            causes,
        }
    }

    /// 400 `E0000003` `The request body was not well-formed.`
    pub fn malformed(cause: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "E0000003",
            summary: NOT_WELL_FORMED.to_owned(),
            causes: vec![cause.into()],
        }
    }

    /// 404 `E0000007` `Not found: Resource not found: {id} ({kind})`.
    pub fn not_found(id: &str, kind: &str) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "E0000007",
            summary: format!("Not found: Resource not found: {id} ({kind})"),
            causes: Vec::new(),
        }
    }

    /// 401 `E0000011` `Invalid token provided`.
    pub fn invalid_token() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "E0000011",
            summary: "Invalid token provided".to_owned(),
            causes: Vec::new(),
        }
    }

    /// 403 `E0000005` `Invalid session` (no `Authorization` header).
    pub fn invalid_session() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "E0000005",
            summary: "Invalid session".to_owned(),
            causes: Vec::new(),
        }
    }

    /// 405 `E0000022` for a known path with an unsupported method.
    pub fn method_not_allowed() -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "E0000022",
            summary: "The endpoint does not support the provided HTTP method".to_owned(),
            causes: Vec::new(),
        }
    }

    /// 429 `E0000047`.
    pub fn rate_limited() -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "E0000047",
            summary: "API call exceeded rate limit due to too many requests.".to_owned(),
            causes: Vec::new(),
        }
    }

    /// 500 `E0000009`.
    pub fn internal() -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "E0000009",
            summary: "Internal Server Error".to_owned(),
            causes: Vec::new(),
        }
    }

    /// 503 `E0000010`.
    pub fn unavailable() -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "E0000010",
            summary: "Service is in read only mode".to_owned(),
            causes: Vec::new(),
        }
    }

    /// The envelope, with a fresh `errorId`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error_code: self.code,
            error_summary: self.summary.clone(),
            error_link: self.code,
            error_id: error_id(),
            error_causes: self
                .causes
                .iter()
                .map(|c| ErrorCause {
                    error_summary: c.clone(),
                })
                .collect(),
        }
    }
}

fn random_chars(n: usize) -> String {
    (0..n).map(|_| fastrand::alphanumeric()).collect()
}

/// A new session id: 20 characters starting `aps`.
pub(crate) fn session_id() -> String {
    format!("aps{}", random_chars(17))
}

/// A new identity-source user id: 20 characters starting `00u`.
pub(crate) fn user_id() -> String {
    format!("00u{}", random_chars(17))
}

/// A new group id: 20 characters starting `00g`.
pub(crate) fn group_id() -> String {
    format!("00g{}", random_chars(17))
}

/// A new identity source id: 20 characters starting `0oa`.
pub(crate) fn identity_source_id() -> String {
    format!("0oa{}", random_chars(17))
}

/// An `errorId`: `oae` and 22 characters (25 in all).
pub(crate) fn error_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let tail: String = (0..22)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect();
    format!("oae{tail}")
}

/// An `X-Okta-Request-Id`: 32 lowercase hex characters.
pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A random secret for API and access tokens: 40 alphanumeric characters
/// from the operating system's generator, through UUIDv4 (whose octets
/// other than 6 and 8, which carry the version and variant, are random).
/// Ids use the faster, predictable `fastrand`.
pub(crate) fn secret(prefix: &str) -> String {
    const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(prefix.len() + 40);
    out.push_str(prefix);
    let end = out.len() + 40;
    while out.len() < end {
        let octets = uuid::Uuid::new_v4().into_bytes();
        for (i, b) in octets.into_iter().enumerate() {
            // 248 = 4 × 62: larger octets are skipped so that no character is favoured.
            if i != 6 && i != 8 && b < 248 && out.len() < end {
                out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
            }
        }
    }
    out
}

/// ISO-8601 UTC with second precision and a `.000Z` suffix, as Okta sends.
pub(crate) fn timestamp(t: SystemTime) -> String {
    let dt: DateTime<Utc> = t.into();
    dt.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// Whole seconds since the epoch, rounded up (for `X-Rate-Limit-Reset`).
pub(crate) fn epoch_secs_ceil(t: SystemTime) -> u64 {
    let d = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    if d.subsec_nanos() == 0 {
        d.as_secs()
    } else {
        d.as_secs() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_have_their_shapes() {
        let secrets: Vec<String> = (0..50).map(|_| secret("00")).collect();
        for s in &secrets {
            assert_eq!(s.len(), 42, "{s}");
            assert!(s[2..].bytes().all(|b| b.is_ascii_alphanumeric()), "{s}");
        }
        let distinct: std::collections::HashSet<&String> = secrets.iter().collect();
        assert_eq!(distinct.len(), secrets.len());
        let id = session_id();
        assert!(id.starts_with("aps") && id.len() == 20, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        let e = error_id();
        assert!(e.starts_with("oae") && e.len() == 25, "{e}");
    }
}
