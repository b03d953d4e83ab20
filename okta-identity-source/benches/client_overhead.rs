//! Benchmark (prints figures, asserts nothing): requests per second of
//! `get_identity_source_session` through the crate versus a hand-written
//! `reqwest` call (same request, body decoded into the same model) against
//! the same loopback server, measured in one run with the two interleaved.
//! Two servers: a minimal axum handler returning a fixed session (the
//! client's overhead shows most), and the fake.
//!
//! ```text
//! cargo bench --features cli --bench client_overhead
//! ```

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use okta_identity_source::Client;
use okta_identity_source::fake::{FakeConfig, FakeOkta};
use okta_identity_source::models::IdentitySourceSession;

const SESSION: &str = r#"{"id":"apsxrbwlwhDSpgeB91d7","identitySourceId":"0oaxc95befZNgrJl71d7","status":"TRIGGERED","importType":"INCREMENTAL","created":"2026-04-19T20:30:31.000Z","lastUpdated":"2026-04-19T20:30:34.000Z"}"#;
const ROUNDS: usize = 10;
const PER_ROUND: usize = 2_000;

async fn session() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-rate-limit-limit"),
                "1000000",
            ),
            (
                header::HeaderName::from_static("x-rate-limit-remaining"),
                "999999",
            ),
            (
                header::HeaderName::from_static("x-rate-limit-reset"),
                "4102444800",
            ),
            (
                header::HeaderName::from_static("x-okta-request-id"),
                "7359fab5c73716e7f0615ba74efd1347",
            ),
        ],
        SESSION,
    )
}

struct Server {
    base_url: String,
    token: String,
    isid: String,
    sid: String,
}

async fn crate_calls(client: &Client, s: &Server, n: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        match client.get_identity_source_session(&s.isid, &s.sid).await {
            Ok(session) => {
                std::hint::black_box(session);
            }
            Err(e) => panic!("crate call failed: {e}"),
        }
    }
    started.elapsed()
}

async fn raw_calls(http: &reqwest::Client, url: &str, auth: &str, ua: &str, n: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        // The same request the crate sends: the server does the same work.
        let response = http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, ua)
            .send()
            .await
            .unwrap_or_else(|e| panic!("raw call failed: {e}"));
        assert!(response.status().is_success());
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("raw body failed: {e}"));
        let session: IdentitySourceSession =
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("raw decode failed: {e}"));
        std::hint::black_box(session);
    }
    started.elapsed()
}

async fn measure(name: &str, s: &Server) {
    let client = Client::builder()
        .org_url(s.base_url.as_str())
        .api_token(s.token.as_str())
        .disable_https_check(true)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    // TLS set up as the crate's own client (reqwest has no crypto provider
    // of its own here); the requests are plain HTTP either way.
    let http = okta_identity_source::__private::testing::reqwest_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("reqwest: {e}"));
    let url = format!(
        "{}/api/v1/identity-sources/{}/sessions/{}",
        s.base_url, s.isid, s.sid
    );
    let auth = format!("SSWS {}", s.token);
    let ua = client.settings().user_agent.clone();
    // Warm up connections and caches.
    crate_calls(&client, s, 500).await;
    raw_calls(&http, &url, &auth, &ua, 500).await;
    let (mut t_crate, mut t_raw) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        // Alternate which goes first so drift does not favour one side.
        let (c, r) = if round % 2 == 0 {
            let c = crate_calls(&client, s, PER_ROUND).await;
            (c, raw_calls(&http, &url, &auth, &ua, PER_ROUND).await)
        } else {
            let r = raw_calls(&http, &url, &auth, &ua, PER_ROUND).await;
            (crate_calls(&client, s, PER_ROUND).await, r)
        };
        t_crate += c;
        t_raw += r;
        ratios.push(r.as_secs_f64() / c.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let n = (ROUNDS * PER_ROUND) as f64;
    let rps_crate = n / t_crate.as_secs_f64();
    let rps_raw = n / t_raw.as_secs_f64();
    println!(
        "client_overhead [{name}]: crate {rps_crate:.0} req/s, hand-written reqwest {rps_raw:.0} req/s, ratio {:.3} (median of {ROUNDS} rounds {:.3}, range {:.3}–{:.3}; {} sequential requests each)",
        rps_crate / rps_raw,
        ratios[ROUNDS / 2],
        ratios[0],
        ratios[ROUNDS - 1],
        ROUNDS * PER_ROUND
    );
}

fn main() {
    // The servers get their own runtime thread; the clients run on the main one.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));

    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let app = Router::new().route(
        "/api/v1/identity-sources/{isid}/sessions/{sid}",
        get(session),
    );
    server_rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let minimal = Server {
        base_url: format!("http://{addr}"),
        token: "bench-token".into(),
        isid: "0oaxc95befZNgrJl71d7".into(),
        sid: "apsxrbwlwhDSpgeB91d7".into(),
    };
    client_rt.block_on(measure("minimal axum server", &minimal));

    let fake = server_rt
        .block_on(async {
            FakeOkta::start(
                FakeConfig::default()
                    .rate_limit(u32::MAX, Duration::from_secs(60))
                    .record_bodies(false)
                    .request_log_capacity(0),
            )
        })
        .unwrap_or_else(|e| panic!("fake: {e}"));
    let sid = {
        let client = Client::builder()
            .org_url(fake.base_url())
            .api_token(fake.api_token())
            .disable_https_check(true)
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        let isid = fake.identity_source_id().to_owned();
        client_rt
            .block_on(async move { client.create_identity_source_session(&isid).await })
            .unwrap_or_else(|e| panic!("create: {e}"))
            .id
    };
    let faked = Server {
        base_url: fake.base_url().to_owned(),
        token: fake.api_token().to_owned(),
        isid: fake.identity_source_id().to_owned(),
        sid,
    };
    client_rt.block_on(measure("fake Okta", &faked));
}
