#![cfg(feature = "fake")]
//! Fault injection and the request log of the fake.

use crate::fake_support;

use std::time::{Duration, Instant};

use fake_support::{Api, assert_error, quick, upsert_body, users};
use okta_identity_source::fake::{Fault, FaultKind, SessionStatus};
use reqwest::{Method, StatusCode};

const UPSERT: &str = "uploadIdentitySourceDataForUpsert";

#[tokio::test]
async fn delay_holds_the_answer_back() {
    let api = Api::start(quick());
    api.fake.inject(Fault::on_operation(
        "listIdentitySourceSessions",
        FaultKind::Delay(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    assert_eq!(api.list().await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(api.fake.pending_faults(), 0);
    let log = api.fake.requests();
    assert_eq!(
        log[0].fault,
        Some(FaultKind::Delay(Duration::from_millis(300)))
    );
}

#[tokio::test]
async fn a_500_and_a_503_leave_the_state_alone() {
    let api = Api::start(quick());
    api.fake
        .inject(Fault::next_requests(1, FaultKind::InternalServerError));
    api.fake
        .inject(Fault::next_requests(1, FaultKind::ServiceUnavailable));
    let resp = api.create().await;
    assert!(resp.headers().get("x-rate-limit-reset").is_some());
    let body = assert_error(resp, 500, "E0000009", &[]).await;
    assert_eq!(body["errorSummary"], "Internal Server Error");
    let body = assert_error(api.create().await, 503, "E0000010", &[]).await;
    assert_eq!(body["errorSummary"], "Service is in read only mode");
    assert!(api.fake.sessions(&api.isid).is_empty());
    api.create_ok().await;
}

#[tokio::test]
async fn faults_can_target_one_operation_and_skip_requests() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    // The second and third upserts fail; other operations are untouched.
    api.fake.inject(
        Fault::on_operation(UPSERT, FaultKind::ServiceUnavailable)
            .after(1)
            .times(2),
    );
    api.upsert_ok(&sid, users(0..1)).await;
    assert_eq!(api.get(&sid).await.status(), StatusCode::OK);
    for _ in 0..2 {
        let resp = api.upsert(&sid, &upsert_body(users(1..2))).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    api.upsert_ok(&sid, users(1..2)).await;
    assert_eq!(api.fake.session(&api.isid, &sid).unwrap().uploads, 2);
    assert_eq!(api.fake.pending_faults(), 0);
}

#[tokio::test]
async fn a_429_storm_then_normal_service() {
    let api = Api::start(quick());
    api.fake
        .inject(Fault::next_requests(3, FaultKind::too_many_requests()));
    for _ in 0..3 {
        let resp = api.list().await;
        let get = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap()
                .to_owned()
        };
        assert_eq!(get("x-rate-limit-limit"), "600");
        assert_eq!(get("x-rate-limit-remaining"), "0");
        let reset: u64 = get("x-rate-limit-reset").parse().unwrap();
        let date = httpdate::parse_http_date(&get("date"))
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            reset > date && reset <= date + 2,
            "reset {reset} date {date}"
        );
        assert!(get("x-okta-request-id").len() == 32);
        assert_error(resp, 429, "E0000047", &[]).await;
    }
    let resp = api.list().await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The storm did not use up the real bucket.
    assert_eq!(
        resp.headers()
            .get("x-rate-limit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("599")
    );
}

#[tokio::test]
async fn a_dropped_connection_before_processing_changes_nothing() {
    let api = Api::start(quick());
    api.fake.inject(Fault::on_operation(
        "createIdentitySourceSession",
        FaultKind::DropConnection,
    ));
    let err = api
        .request(Method::POST, &api.sessions_url())
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert!(err.status().is_none());
    assert!(api.fake.sessions(&api.isid).is_empty());
    // The retry succeeds.
    api.create_ok().await;
    let log = api.fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault, Some(FaultKind::DropConnection));
    assert_eq!(log[1].status, Some(201));
}

#[tokio::test]
async fn a_dropped_connection_after_processing_keeps_the_change() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    api.fake.inject(Fault::on_operation(
        UPSERT,
        FaultKind::DropConnectionAfterProcessing,
    ));
    let err = api
        .request(
            Method::POST,
            &format!("{}/bulk-upsert", api.session_url(&sid)),
        )
        .json(&upsert_body(users(0..3)))
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(err.status().is_none(), "{err:?}");
    // The upload was applied although the client never heard of it ...
    let session = api.fake.session(&api.isid, &sid).unwrap();
    assert_eq!(session.status, SessionStatus::InProgress);
    assert_eq!(session.uploads, 1);
    // ... and retrying it (uploads are idempotent) ends with the same users.
    api.upsert_ok(&sid, users(0..3)).await;
    api.start_import(&sid).await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_eq!(api.fake.users(&api.isid).len(), 3);
    let log = api.fake.requests();
    let dropped = &log[1];
    assert_eq!(dropped.operation_id, Some(UPSERT));
    assert_eq!(dropped.status, None);
    assert_eq!(
        dropped.fault,
        Some(FaultKind::DropConnectionAfterProcessing)
    );
}

#[tokio::test]
async fn faults_apply_to_the_next_n_requests_of_any_operation() {
    let api = Api::start(quick());
    api.fake
        .inject(Fault::next_requests(2, FaultKind::DropConnection));
    let list = api.request(Method::GET, &api.sessions_url()).send().await;
    assert!(list.is_err(), "{list:?}");
    let create = api.request(Method::POST, &api.sessions_url()).send().await;
    assert!(create.is_err(), "{create:?}");
    assert_eq!(api.list().await.status(), StatusCode::OK);
    let statuses: Vec<Option<u16>> = api.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [None, None, Some(200)]);
}

#[tokio::test]
async fn always_faults_last_until_cleared() {
    let api = Api::start(quick());
    api.fake.inject(
        Fault::on_operation("getIdentitySourceSession", FaultKind::InternalServerError).always(),
    );
    let sid = api.create_ok().await;
    for _ in 0..3 {
        assert_eq!(
            api.get(&sid).await.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
    assert_eq!(api.fake.pending_faults(), 1);
    api.fake.clear_faults();
    assert_eq!(api.get(&sid).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_request_log_records_what_a_test_needs_and_no_secrets() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let payload = upsert_body(users(0..1));
    let resp = api
        .request(
            Method::POST,
            &format!("{}/bulk-upsert?dryRun=false", api.session_url(&sid)),
        )
        .header("User-Agent", "okta-identity-source-rust/0.1.0")
        .header("X-Okta-Retry-For", "7359fab5c73716e7f0615ba74efd1347")
        .header("X-Okta-Retry-Count", "1")
        .json(&payload)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let request_id = resp
        .headers()
        .get("x-okta-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    let log = api.fake.requests();
    assert_eq!(log.len(), 2);
    let r = &log[1];
    assert_eq!(r.seq, 1);
    assert_eq!(r.request_id, request_id);
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.path,
        format!(
            "/api/v1/identity-sources/{}/sessions/{sid}/bulk-upsert",
            api.isid
        )
    );
    assert_eq!(r.query.as_deref(), Some("dryRun=false"));
    assert_eq!(r.operation_id, Some(UPSERT));
    assert_eq!(
        r.header("user-agent"),
        Some("okta-identity-source-rust/0.1.0")
    );
    assert_eq!(
        r.header("X-Okta-Retry-For"),
        Some("7359fab5c73716e7f0615ba74efd1347")
    );
    assert_eq!(r.header("x-okta-retry-count"), Some("1"));
    assert_eq!(r.auth_scheme.as_deref(), Some("SSWS"));
    assert!(r.header("authorization").is_none());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&r.body).unwrap(),
        payload
    );
    assert_eq!(r.status, Some(202));
    assert_eq!(r.fault, None);
    // No token anywhere in the log's Debug output.
    let debug = format!("{log:?}");
    assert!(!debug.contains(api.fake.api_token()));

    api.fake.clear_requests();
    assert!(api.fake.requests().is_empty());
    assert_eq!(api.fake.request_count(), 2);
}

#[tokio::test]
async fn body_recording_and_log_capacity_are_configurable() {
    let api = Api::start(quick().record_bodies(false).request_log_capacity(2));
    let sid = api.create_ok().await;
    api.upsert_ok(&sid, users(0..1)).await;
    api.get(&sid).await;
    let log = api.fake.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].seq, 1);
    assert!(log[0].body.is_empty());
    assert_eq!(api.fake.request_count(), 3);
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let api = Api::start(quick());
    let addr = api.fake.addr();
    api.create_ok().await;
    let Api { fake, http, .. } = api;
    fake.shutdown().await;
    let err = http
        .get(format!("http://{addr}/api/v1/identity-sources/x/sessions"))
        .send()
        .await
        .expect_err("nothing listens any more");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
}

#[test]
fn start_outside_a_runtime_is_an_error_not_a_panic() {
    let err = okta_identity_source::fake::FakeOkta::start(quick()).unwrap_err();
    assert!(err.to_string().contains("tokio runtime"), "{err}");
}

#[test]
fn the_fake_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<okta_identity_source::fake::FakeOkta>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_are_all_applied() {
    let api = std::sync::Arc::new(Api::start(quick()));
    let sid = api.create_ok().await;
    api.fake
        .inject(Fault::on_operation(UPSERT, FaultKind::Delay(Duration::from_millis(20))).times(10));
    let mut tasks = Vec::new();
    for n in 0..20 {
        let api = std::sync::Arc::clone(&api);
        let sid = sid.clone();
        tasks.push(tokio::spawn(async move {
            api.upsert(&sid, &upsert_body(users(n * 10..n * 10 + 10)))
                .await
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::ACCEPTED);
    }
    api.start_import(&sid).await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_eq!(api.fake.users(&api.isid).len(), 200);
}
