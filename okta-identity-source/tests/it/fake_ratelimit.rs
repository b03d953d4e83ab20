#![cfg(feature = "fake")]
//! Rate limiting and the headers on every response (`BEHAVIOUR.md`
//! section 6).

use crate::fake_support;

use std::time::{Duration, UNIX_EPOCH};

use fake_support::{Api, assert_error, delete_body, quick, upsert_body, users};
use okta_identity_source::fake::RateLimitBucket;
use reqwest::{Method, Response, StatusCode};

#[derive(Debug, PartialEq, Eq)]
struct Headers {
    limit: u32,
    remaining: u32,
    reset: u64,
    date: u64,
}

/// Checks the headers every response carries and returns the rate ones.
fn headers(resp: &Response) -> Headers {
    let get = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{} has no {name}", resp.status()))
            .to_owned()
    };
    let id = get("x-okta-request-id");
    assert_eq!(id.len(), 32, "{id}");
    assert!(
        id.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{id}"
    );
    let date = httpdate::parse_http_date(&get("date")).expect("RFC 1123 Date");
    Headers {
        limit: get("x-rate-limit-limit").parse().unwrap(),
        remaining: get("x-rate-limit-remaining").parse().unwrap(),
        reset: get("x-rate-limit-reset").parse().unwrap(),
        date: date.duration_since(UNIX_EPOCH).unwrap().as_secs(),
    }
}

#[tokio::test]
async fn every_response_carries_the_headers() {
    let api = Api::start(quick().processing_delay(Duration::from_secs(3600)));
    let create = api.create().await;
    assert_eq!(create.status(), StatusCode::CREATED);
    let h = headers(&create);
    assert_eq!((h.limit, h.remaining), (600, 599));
    // Reset is epoch seconds about a minute after Date.
    assert!(h.reset >= h.date + 59 && h.reset <= h.date + 61, "{h:?}");
    let sid = {
        let v: serde_json::Value = create.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let mut responses = vec![
        api.list().await,
        api.get(&sid).await,
        api.upsert(&sid, &upsert_body(users(0..1))).await, // 202
        api.bulk_delete(&sid, &delete_body(&["user-0"])).await, // 202
        api.create().await,                                // 400
        api.get("apsNOPExxxxxxxxxxxxx").await,             // 404
    ];
    responses.push(
        api.http
            .get(api.sessions_url())
            .header("Authorization", "SSWS wrong")
            .send()
            .await
            .unwrap(), // 401
    );
    responses.push(api.http.get(api.sessions_url()).send().await.unwrap()); // 403
    let cancelable = {
        // A second source so there is a CREATED session to cancel.
        let isid = api.fake.register_identity_source();
        let resp = api
            .request(Method::POST, &api.sessions_url_of(&isid))
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = resp.json().await.unwrap();
        format!(
            "{}/{}",
            api.sessions_url_of(&isid),
            v["id"].as_str().unwrap()
        )
    };
    responses.push(
        api.request(Method::DELETE, &cancelable)
            .send()
            .await
            .unwrap(), // 204
    );
    responses.push(api.start_import(&sid).await); // 200
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 202, 202, 400, 404, 401, 403, 204, 200]);
    for resp in &responses {
        headers(resp);
    }
}

#[tokio::test]
async fn the_four_session_operations_share_one_bucket() {
    let api = Api::start(quick().bucket_limit(RateLimitBucket::Sessions, 15));
    let create = api.create().await;
    let sid = {
        let h = headers(&create);
        assert_eq!((h.limit, h.remaining), (15, 14));
        let v: serde_json::Value = create.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let list = api.list().await;
    assert_eq!(headers(&list).remaining, 13);
    let get = api.get(&sid).await;
    assert_eq!(headers(&get).remaining, 12);
    // Uploads and start-import have buckets of their own.
    let upload = api.upsert(&sid, &upsert_body(users(0..1))).await;
    let h = headers(&upload);
    assert_eq!((h.limit, h.remaining), (600, 599));
    let delete = api.bulk_delete(&sid, &delete_body(&["x"])).await;
    assert_eq!(headers(&delete).remaining, 599);
    let trigger = api.start_import(&sid).await;
    assert_eq!(headers(&trigger).remaining, 599);
    // All four share the reset of the shared bucket.
    let cancel = api.cancel(&sid).await; // 400 (triggered), still counted
    let h = headers(&cancel);
    assert_eq!(h.remaining, 11);
    assert_eq!(h.reset, headers(&list).reset);
}

#[tokio::test]
async fn an_exhausted_bucket_answers_429_until_the_window_resets() {
    let api = Api::start(quick().rate_limit(3, Duration::from_secs(60)));
    for expected in [2, 1, 0] {
        let resp = api.list().await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(headers(&resp).remaining, expected);
    }
    let resp = api.list().await;
    let h = headers(&resp);
    assert_eq!((h.limit, h.remaining), (3, 0));
    assert!(h.reset > h.date, "{h:?}");
    assert!(resp.headers().get("retry-after").is_none());
    let body = assert_error(resp, 429, "E0000047", &[]).await;
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    // The 429 did not touch the state, and other buckets are unaffected.
    assert_eq!(api.create().await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(api.fake.sessions(&api.isid).is_empty());
    // After the window the bucket is full again.
    api.fake.advance_clock(Duration::from_secs(61));
    let resp = api.create().await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(headers(&resp).remaining, 2);
}

#[tokio::test]
async fn auth_failures_do_not_consume_the_bucket() {
    let api = Api::start(quick().rate_limit(2, Duration::from_secs(60)));
    for _ in 0..5 {
        let resp = api.http.get(api.sessions_url()).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(headers(&resp).remaining, 2);
    }
    assert_eq!(api.list().await.status(), StatusCode::OK);
}
