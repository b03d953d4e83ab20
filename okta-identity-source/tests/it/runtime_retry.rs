//! Rate limits and retries over real HTTP. Waits are kept short with small
//! backoff bases and caps; only lower bounds of elapsed time are asserted.

use crate::runtime_common as common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use okta_identity_source::__private::Json;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, serde::Deserialize)]
struct Session {
    id: String,
}

fn get(client: &okta_identity_source::Client) -> okta_identity_source::Call<Session> {
    client
        .__call::<Json<Session>>(&GET_SESSION)
        .path_param("identitySourceId", "0oa1")
        .path_param("sessionId", "aps1")
}

fn create(client: &okta_identity_source::Client) -> okta_identity_source::Call<Session> {
    client
        .__call::<Json<Session>>(&CREATE_SESSION)
        .path_param("identitySourceId", "0oa1")
        .json_body(&serde_json::json!({"importType": "INCREMENTAL"}))
}

fn rate_limited(request_id: &str) -> Reply {
    let (date, now) = now_date();
    Reply::json(
        429,
        okta_error(
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        ),
    )
    .header("date", date)
    .header("x-okta-request-id", request_id)
    .header("x-rate-limit-limit", 10)
    .header("x-rate-limit-remaining", 0)
    // two buckets: the smallest reset (now) gives a wait of exactly 1 s
    .header("x-rate-limit-reset", now + 40)
    .header("x-rate-limit-reset", now)
}

#[tokio::test]
async fn rate_limit_waits_what_the_headers_say_and_sends_retry_headers() {
    let server = TestServer::start(|n, _| match n {
        0 => rate_limited("req-429-a"),
        _ => Reply::json(201, session_json("aps1")).header("x-okta-request-id", "req-ok"),
    })
    .await;
    let client = server.client();
    let started = Instant::now();
    // session creation is not idempotent, but a 429 means it was not processed
    let response = create(&client).send_with_response().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.id, "aps1");
    assert_eq!(response.request_id(), Some("req-ok"));
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited {elapsed:?}, headers asked for 1 s"
    );

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("x-okta-retry-for"), None);
    assert_eq!(seen[0].header("x-okta-retry-count"), None);
    assert_eq!(seen[1].header("x-okta-retry-for"), Some("req-429-a"));
    assert_eq!(seen[1].header("x-okta-retry-count"), Some("1"));
    assert_eq!(seen[1].json(), seen[0].json(), "the body is replayed");
}

#[tokio::test]
async fn persistent_rate_limit_gives_up_after_max_retries_with_counted_headers() {
    let server = TestServer::start(|n, _| rate_limited(&format!("req-{n}"))).await;
    // the 1 s wait fits under the cap, so both retries are made
    let client = server
        .builder()
        .max_backoff(Duration::from_millis(1500))
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.okta_error_code(), Some("E0000047"));
    assert_eq!(err.request_id(), Some("req-2"));
    assert!(err.is_retryable());
    let Error::Api(api) = &err else {
        panic!("expected Api")
    };
    assert_eq!(api.rate_limit.remaining, Some(0));
    assert!(api.rate_limit.reset.is_some());

    let seen = server.seen();
    assert_eq!(seen.len(), 3, "default: 2 retries after the first attempt");
    let retry_headers: Vec<_> = seen
        .iter()
        .map(|r| {
            (
                r.header("x-okta-retry-for").map(str::to_owned),
                r.header("x-okta-retry-count").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        retry_headers,
        vec![
            (None, None),
            (Some("req-0".into()), Some("1".into())),
            (Some("req-1".into()), Some("2".into())),
        ]
    );
    // each retry carries exactly one of each header (no accumulation)
    assert_eq!(
        seen[2].headers.get_all("x-okta-retry-count").iter().count(),
        1
    );
}

#[tokio::test]
async fn rate_limit_without_headers_backs_off_and_does_not_crash() {
    let server = TestServer::start(|n, _| match n {
        0 | 1 => Reply::empty(429),
        _ => Reply::json(200, session_json("aps1")),
    })
    .await;
    let client = server
        .builder()
        .retry_base_delay(Duration::from_millis(40))
        .build()
        .unwrap();
    let started = Instant::now();
    let session = get(&client).await.unwrap();
    assert_eq!(session.id, "aps1");
    // jittered backoff: at least half of 40 ms, then half of 80 ms
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "{:?}",
        started.elapsed()
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[1].header("x-okta-retry-for"),
        None,
        "no request id to refer to"
    );
    assert_eq!(seen[1].header("x-okta-retry-count"), Some("1"));
    assert_eq!(seen[2].header("x-okta-retry-count"), Some("2"));
}

#[tokio::test]
async fn max_retries_is_configurable() {
    let server = TestServer::start(|_, _| Reply::empty(429)).await;
    let client = server.builder().max_retries(4).build().unwrap();
    assert!(get(&client).await.is_err());
    assert_eq!(server.seen().len(), 5);

    let server = TestServer::start(|_, _| Reply::empty(429)).await;
    let client = server.builder().max_retries(0).build().unwrap();
    let err = get(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn session_creation_is_not_retried_after_503_but_get_is() {
    let server = TestServer::start(|_, _| {
        Reply::json(503, okta_error("E0000010", "Service is in read only mode"))
            .header("x-okta-request-id", "r503")
    })
    .await;
    let client = server.client();
    let err = create(&client).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.okta_error_code(), Some("E0000010"));
    assert!(err.is_retryable(), "the caller may decide to retry");
    assert_eq!(
        server.seen().len(),
        1,
        "a POST that may have been processed is never replayed"
    );

    let server = TestServer::start(|n, _| match n {
        0 => Reply::empty(503),
        1 => Reply::text(504, "gateway timeout").header("x-okta-request-id", "r504"),
        _ => Reply::json(200, session_json("aps1")),
    })
    .await;
    let client = server.client();
    assert_eq!(get(&client).await.unwrap().id, "aps1");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].header("x-okta-retry-for"), Some("r504"));
    assert_eq!(seen[2].header("x-okta-retry-count"), Some("2"));
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    for status in [400u16, 404, 409, 500] {
        let server = TestServer::start(move |_, _| {
            Reply::json(status, okta_error("E0000001", "Api validation failed: x"))
        })
        .await;
        let err = get(&server.client()).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.seen().len(), 1, "status {status}");
    }
}

/// A raw server: the first `drops` connections are closed without an
/// answer, later ones get a JSON session.
async fn flaky_server(drops: usize) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                if n < drops {
                    return; // drop the connection without a response
                }
                let body = session_json("aps1").to_string();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn connection_failures_are_retried_only_for_idempotent_operations() {
    let (url, connections) = flaky_server(1).await;
    let client = okta_identity_source::Client::builder()
        .org_url(&url)
        .api_token(TOKEN)
        .disable_https_check(true)
        .retry_base_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    assert_eq!(get(&client).await.unwrap().id, "aps1");
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    let (url, connections) = flaky_server(1).await;
    let client = okta_identity_source::Client::builder()
        .org_url(&url)
        .api_token(TOKEN)
        .disable_https_check(true)
        .build()
        .unwrap();
    let err = create(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(
        err.to_string().starts_with(
            "Okta request failed: POST /api/v1/identity-sources/{identitySourceId}/sessions"
        ),
        "{err}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = okta_identity_source::Client::builder()
        .org_url(&url)
        .api_token(TOKEN)
        .disable_https_check(true)
        .retry_base_delay(Duration::from_millis(5))
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(!err.to_string().contains(TOKEN));
    // One complete line with the cause ("Connection refused"), and nothing
    // more from `source()`: a reporter walking the chain prints it once.
    let line = err.to_string();
    assert!(line.to_lowercase().contains("refused"), "{line}");
    assert!(std::error::Error::source(&err).is_none(), "{line}");
    let Error::Transport { cause, .. } = &err else {
        unreachable!()
    };
    assert!(cause.as_ref().is_some_and(|c| c.is_connect()), "{cause:?}");
}

#[tokio::test]
async fn total_deadline_bounds_the_retries() {
    // every answer is a 429 asking for a 1 s wait; the deadline is 300 ms:
    // the client returns the 429 at once instead of sleeping past it
    let server = TestServer::start(|n, _| rate_limited(&format!("req-{n}"))).await;
    let client = server.builder().max_retries(10).build().unwrap();
    let err = get(&client)
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    // a 429 rather than a Timeout: it did not sleep into the deadline
    assert_eq!(server.seen().len(), 1);

    // slow answers: the deadline interrupts the retries themselves
    let server =
        TestServer::start(|_, _| Reply::empty(503).delay(Duration::from_millis(100))).await;
    let client = server.builder().max_retries(50).build().unwrap();
    let err = get(&client)
        .timeout(Duration::from_millis(250))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { .. }) || err.status().map(|s| s.as_u16()) == Some(503),
        "{err:?}"
    );
    let attempts = server.seen().len();
    assert!(
        (1..=3).contains(&attempts),
        "{attempts} attempts within 250 ms"
    );
}

#[tokio::test]
async fn proactive_throttle_waits_for_the_reset_when_remaining_is_zero() {
    let server = TestServer::start(|_, _| {
        let (date, now) = now_date();
        Reply::json(200, session_json("aps1"))
            .header("date", date)
            .header("x-rate-limit-remaining", 0)
            // reset − Date + 1 s: a 2 s wait, recorded with the response
            .header("x-rate-limit-reset", now + 1)
    })
    .await;
    let client = server
        .builder()
        .throttle_on_exhausted_rate_limit(true)
        .build()
        .unwrap();
    get(&client).await.unwrap();
    let started = Instant::now();
    get(&client).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // off by default: no wait recorded, the second call goes straight out
    let server = TestServer::start(|_, _| {
        let (date, now) = now_date();
        Reply::json(200, session_json("aps1"))
            .header("date", date)
            .header("x-rate-limit-remaining", 0)
            .header("x-rate-limit-reset", now + 3600)
    })
    .await;
    let client = server.client();
    get(&client).await.unwrap();
    let started = Instant::now();
    get(&client).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "throttled although it is off by default"
    );
    assert_eq!(server.seen().len(), 2);
}
