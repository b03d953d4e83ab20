//! The runtime against hostile loopback servers: what it sends (the wire
//! details a proxy checks), bounded bodies, bounded and escaped server
//! text, and 429s without a usable `Date` or with a far reset.

use crate::hostile;

use std::time::{Duration, Instant};

use hostile::{RawServer, Reply, epoch_now, json, response, session};
use okta_identity_source::{Client, Error};

fn client(server: &RawServer) -> okta_identity_source::ClientBuilder {
    Client::builder()
        .org_url(server.base_url.as_str())
        .api_token("00hostile-test-token")
        .disable_https_check(true)
        .retry_base_delay(Duration::from_millis(10))
}

fn build(b: okta_identity_source::ClientBuilder) -> Client {
    b.build().unwrap_or_else(|e| panic!("client: {e}"))
}

#[tokio::test]
async fn a_post_without_body_says_content_length_zero_and_compression_is_offered() {
    let server = RawServer::start(|_, _| json("200 OK", &session("aps1", "TRIGGERED")));
    let c = build(client(&server));
    c.start_import_from_identity_source("0oa1", "aps1")
        .await
        .unwrap_or_else(|e| panic!("start import: {e}"));
    c.create_identity_source_session("0oa1")
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert!(r.line().starts_with("POST "), "{}", r.head);
        assert_eq!(
            r.header("content-length").as_deref(),
            Some("0"),
            "{}",
            r.head
        );
        let accept = r.header("accept-encoding").unwrap_or_default();
        assert_eq!(
            accept.contains("gzip"),
            cfg!(feature = "gzip"),
            "gzip offered exactly with the gzip feature: {}",
            r.head
        );
    }
    // A GET carries no Content-Length.
    let _ = c.get_identity_source_session("0oa1", "aps1").await;
    let get = server.requests().pop().unwrap_or_else(|| panic!("no GET"));
    assert!(get.line().starts_with("GET "));
    assert_eq!(get.header("content-length"), None, "{}", get.head);
}

/// CRC-32 (IEEE), for a hand-made gzip member.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `data` as a gzip member of stored (uncompressed) deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(feature = "gzip")]
#[tokio::test]
async fn a_gzip_answer_is_decoded() {
    let body = session("apsGzip", "CREATED").to_string();
    let gz = gzip_stored(body.as_bytes());
    let server = RawServer::start(move |_, _| {
        response(
            "200 OK",
            &[
                ("Content-Type", "application/json".to_owned()),
                ("Content-Encoding", "gzip".to_owned()),
            ],
            &gz,
        )
    });
    let s = build(client(&server))
        .get_identity_source_session("0oa1", "apsGzip")
        .await
        .unwrap_or_else(|e| panic!("gzip body: {e}"));
    assert_eq!(s.id, "apsGzip");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_limit() {
    let server = RawServer::start(|_, _| {
        Reply::Endless {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_owned(),
        chunk: {
            let data = vec![b' '; 8192];
            let mut c = format!("{:x}\r\n", data.len()).into_bytes();
            c.extend_from_slice(&data);
            c.extend_from_slice(b"\r\n");
            c
        },
    }
    });
    let c = build(client(&server).max_response_bytes(256 * 1024));
    let started = Instant::now();
    let err = c
        .get_identity_source_session("0oa1", "aps1")
        .await
        .err()
        .unwrap_or_else(|| panic!("an endless body decoded"));
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 262_144, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("larger than 262144 bytes"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_declared_huge_body_is_refused_unread_and_a_decompressed_one_is_capped() {
    let server = RawServer::start(|_, _| {
        Reply::Stall {
            bytes: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n{".to_vec(),
            for_: Duration::from_secs(30),
        }
    });
    let c = build(client(&server));
    let started = Instant::now();
    let err = c.get_identity_source_session("0oa1", "aps1").await.err();
    assert!(matches!(err, Some(Error::BodyTooLarge { .. })), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // 1 MiB of JSON whitespace, gzip-encoded, chunked (no length): the
    // limit counts the decoded bytes.
    if !cfg!(feature = "gzip") {
        return;
    }
    let mut big = vec![b' '; 1 << 20];
    big.extend_from_slice(session("aps1", "CREATED").to_string().as_bytes());
    let gz = gzip_stored(&big);
    let server = RawServer::start(move |_, _| {
        let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for chunk in gz.chunks(16 * 1024) {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        Reply::Bytes(out)
    });
    let capped = build(client(&server).max_response_bytes(512 * 1024));
    let err = capped
        .get_identity_source_session("0oa1", "aps1")
        .await
        .err();
    assert!(matches!(err, Some(Error::BodyTooLarge { .. })), "{err:?}");
    let roomy = build(client(&server).max_response_bytes(4 << 20));
    let ok = roomy.get_identity_source_session("0oa1", "aps1").await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn server_text_is_escaped_and_bounded() {
    let long = "x".repeat(20_000);
    let server = RawServer::start(move |r, _| {
        if r.line().contains("/sessions/aps2") {
            return response(
                "401 Unauthorized",
                // hyper refuses control bytes in header values, so only
                // the length is hostile here.
                &[(
                    "WWW-Authenticate",
                    format!(
                        "Bearer error=\"invalid_token\", error_description=\"{}\"",
                        "y".repeat(20_000)
                    ),
                )],
                b"",
            );
        }
        json(
            "400 Bad Request",
            &serde_json::json!({
                "errorCode": "E0000001\u{1b}[2J",
                "errorSummary": format!("Api validation failed\u{1b}]0;pwned\u{7}\u{1b}[2J {long}"),
                "errorCauses": [{"errorSummary": "cause\u{9b}31m\u{202e}"}]
            }),
        )
    });
    let c = build(client(&server));
    for sid in ["aps1", "aps2"] {
        let err = c
            .get_identity_source_session("0oa1", sid)
            .await
            .err()
            .unwrap_or_else(|| panic!("no error"));
        let text = err.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "raw control characters in {text:?}"
        );
        if sid == "aps1" {
            assert!(text.contains("\\u{1b}"), "{text}");
        }
        assert!(
            text.chars().count() < 2_000,
            "{} characters",
            text.chars().count()
        );
    }
}

#[tokio::test]
async fn a_429_without_date_waits_for_the_reset() {
    let server = RawServer::start(|_, n| {
        if n == 0 {
            response(
                "429 Too Many Requests",
                &[
                    ("X-Rate-Limit-Remaining", "0".to_owned()),
                    ("X-Rate-Limit-Reset", (epoch_now() + 2).to_string()),
                ],
                br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#,
            )
        } else {
            json("200 OK", &session("aps1", "CREATED"))
        }
    });
    let c = build(
        client(&server)
            .max_retries(1)
            .max_backoff(Duration::from_secs(10)),
    );
    let started = Instant::now();
    c.get_identity_source_session("0oa1", "aps1")
        .await
        .unwrap_or_else(|e| panic!("after the reset: {e}"));
    // The reset is 2 s ahead (+1 s): backoff alone would retry within 20 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_429_that_resets_in_an_hour_is_not_waited_for_and_says_when() {
    let server = RawServer::start(|_, _| {
        response(
            "429 Too Many Requests",
            &[
                ("X-Rate-Limit-Remaining", "0".to_owned()),
                ("X-Rate-Limit-Reset", (epoch_now() + 3600).to_string()),
                ("Content-Type", "application/json".to_owned()),
            ],
            br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#,
        )
    });
    let c = build(client(&server));
    let started = Instant::now();
    let err = c
        .get_identity_source_session("0oa1", "aps1")
        .await
        .err()
        .unwrap_or_else(|| panic!("no 429"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1, "it retried a far-away reset");
    let text = err.to_string();
    assert!(text.contains("the rate limit resets at"), "{text}");
    assert!(
        text.contains("in 59 min") || text.contains("in 1 h"),
        "{text}"
    );
}

/// A success answer without a property the crate declares required (the
/// session's `id`, here in a list item too) is a decode error naming the
/// property, the schema that requires it and the request id: never a panic,
/// never an empty id.
#[tokio::test]
async fn a_response_without_a_required_field_is_a_decode_error() {
    let server = RawServer::start(|r, _| {
        let mut partial = session("aps1", "CREATED");
        if let Some(o) = partial.as_object_mut() {
            o.remove("id");
        }
        let body = if r.line().contains("/sessions/") {
            partial
        } else {
            serde_json::json!([session("aps2", "CREATED"), partial])
        };
        response(
            "200 OK",
            &[
                ("Content-Type", "application/json".to_owned()),
                ("X-Okta-Request-Id", "req-missing-id".to_owned()),
            ],
            body.to_string().as_bytes(),
        )
    });
    let c = build(client(&server));
    let one = c.get_identity_source_session("0oa1", "aps1").await;
    let list = c.list_identity_source_sessions("0oa1").await;
    for result in [one.map(|s| vec![s]), list] {
        match result {
            Err(Error::Decode {
                status,
                message,
                request_id,
                ..
            }) => {
                assert_eq!(status.as_u16(), 200);
                assert!(
                    message.contains(
                        "missing field `id`, required by `#/components/schemas/IdentitySourceSession`"
                    ),
                    "{message}"
                );
                assert_eq!(request_id.as_deref(), Some("req-missing-id"));
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    // The error's text says all three to whoever prints it.
    let shown = c
        .get_identity_source_session("0oa1", "aps1")
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    for part in [
        "`id`",
        "#/components/schemas/IdentitySourceSession",
        "req-missing-id",
    ] {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
}
