//! Reading HTTP response bodies under a size limit, and transport errors
//! as one line of text. Shared by the request loop and the token endpoint.

use bytes::Bytes;

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
