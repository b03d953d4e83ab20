//! The log of requests the fake received.

use std::collections::VecDeque;

use bytes::Bytes;

use super::faults::FaultKind;

/// One request as the fake received it, and how it was answered.
///
/// The `Authorization` header is never recorded, only its scheme; nor are
/// `Proxy-Authorization`, `Cookie` and `DPoP` headers, nor the body of token requests (it carries
/// the client assertion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Position in the log, from 0.
    pub seq: u64,
    /// The `X-Okta-Request-Id` the fake gave it (also on dropped requests).
    pub request_id: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The spec's `operationId` (`oauthToken` for the token endpoint), or
    /// `None` for an unknown route.
    pub operation_id: Option<&'static str>,
    /// The request headers (names lowercase) except `Authorization`,
    /// `Proxy-Authorization`, `Cookie` and `DPoP`.
    pub headers: Vec<(String, String)>,
    /// `SSWS`, `Bearer`, … or `None` without an `Authorization` header.
    pub auth_scheme: Option<String>,
    /// The `Authorization` header with its credential redacted, keeping its
    /// exact shape: `SSWS <api token>` when it was exactly the scheme, one
    /// space and an API token the fake knows, `Bearer <access token>` for a
    /// known bearer token, or the scheme and separator followed by
    /// `<unknown credential>` (so `SSWS<api token>` without the space, or
    /// with two spaces, is visible as what it is).
    pub authorization: Option<String>,
    /// The body (empty when body recording is off).
    pub body: Bytes,
    /// The status answered, or `None` if the connection was dropped without
    /// an answer (or the request is still being handled).
    pub status: Option<u16>,
    /// The injected fault that hit it, if any (delays included).
    pub fault: Option<FaultKind>,
}

impl RecordedRequest {
    /// The first value of a request header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    next_seq: u64,
}

impl RequestLog {
    pub fn new(capacity: usize) -> Self {
        RequestLog {
            entries: VecDeque::new(),
            capacity,
            next_seq: 0,
        }
    }

    /// Records a request on arrival and returns its sequence number.
    pub fn push(&mut self, mut entry: RecordedRequest) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        entry.seq = seq;
        if self.capacity == 0 {
            return seq;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        seq
    }

    /// Updates the entry `seq` (if it is still in the log).
    pub fn update(&mut self, seq: u64, f: impl FnOnce(&mut RecordedRequest)) {
        if let Some(e) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            f(e);
        }
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// How many requests arrived in all (including ones evicted from the log).
    pub fn total(&self) -> u64 {
        self.next_seq
    }
}
