#![cfg(feature = "fake")]
//! The session lifecycle of the fake, including the hostile sequences of
//! issue 4 (upload after trigger, second create, delete of a triggered
//! session), checked over real HTTP with plain `reqwest`.

use crate::fake_support;

use std::collections::BTreeMap;
use std::time::Duration;

use fake_support::{Api, assert_error, delete_body, quick, upsert_body, users};
use okta_identity_source::fake::{
    CreateStatus, FakeConfig, FakeUser, ImportOutcome, SessionStatus, UserStatus, causes,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn is_okta_timestamp(s: &str) -> bool {
    s.len() == 24 && s.ends_with(".000Z") && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn create_answers_201_with_a_created_session() {
    let api = Api::start(quick());
    let resp = api.create().await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = resp.json().await.unwrap();
    let object = body.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created",
            "id",
            "identitySourceId",
            "importType",
            "lastUpdated",
            "status"
        ]
    );
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("aps") && id.len() == 20, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(body["identitySourceId"], api.isid.as_str());
    assert!(api.isid.starts_with("0oa") && api.isid.len() == 20);
    assert_eq!(body["status"], "CREATED");
    assert_eq!(body["importType"], "INCREMENTAL");
    assert!(is_okta_timestamp(body["created"].as_str().unwrap()));
    assert_eq!(body["created"], body["lastUpdated"]);
}

#[tokio::test]
async fn create_can_answer_200_as_the_spec_says() {
    let api = Api::start(quick().create_status(CreateStatus::Ok));
    assert_eq!(api.create().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn second_create_while_loading_is_rejected() {
    let api = Api::start(quick());
    let first = api.create_ok().await;
    assert_error(
        api.create().await,
        400,
        "E0000001",
        &[causes::LOADING_SESSION_EXISTS],
    )
    .await;
    // Still rejected once the first session is IN_PROGRESS.
    api.upsert_ok(&first, users(0..1)).await;
    let body = assert_error(
        api.create().await,
        400,
        "E0000001",
        &[causes::LOADING_SESSION_EXISTS],
    )
    .await;
    assert_eq!(
        body["errorSummary"],
        "Api validation failed: identitySourceId"
    );
    // Cancelling the loading session frees the source; no cool-down starts.
    assert_eq!(api.cancel(&first).await.status(), StatusCode::NO_CONTENT);
    api.create_ok().await;
}

#[tokio::test]
async fn upload_moves_created_to_in_progress() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
    let resp = api.upsert(&sid, &upsert_body(users(0..2))).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(
        resp.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );
    assert!(resp.headers().get("content-type").is_none());
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(api.get_json(&sid).await["status"], "IN_PROGRESS");
    // More uploads, upserts and deletes mixed, are accepted.
    api.upsert_ok(&sid, users(2..4)).await;
    let resp = api.bulk_delete(&sid, &delete_body(&["user-0"])).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(api.get_json(&sid).await["status"], "IN_PROGRESS");
    let session = api.fake.session(&api.isid, &sid).unwrap();
    assert_eq!((session.uploads, session.entities), (3, 5));
}

#[tokio::test]
async fn bulk_delete_of_unknown_users_does_not_start_loading() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let resp = api
        .bulk_delete(&sid, &delete_body(&["nobody", "nobody-else"]))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
    // ... so there is nothing to trigger.
    assert_error(
        api.start_import(&sid).await,
        400,
        "E0000001",
        &[causes::TRIGGER_NOT_ALLOWED],
    )
    .await;
    // A bulk-delete naming a user the source holds is effective.
    api.fake.insert_user(
        &api.isid,
        FakeUser {
            external_id: "known".into(),
            status: UserStatus::Active,
            profile: BTreeMap::new(),
        },
    );
    let resp = api.bulk_delete(&sid, &delete_body(&["known"])).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(api.get_json(&sid).await["status"], "IN_PROGRESS");
}

#[tokio::test]
async fn start_import_of_a_created_session_is_rejected() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let body = assert_error(
        api.start_import(&sid).await,
        400,
        "E0000001",
        &[causes::TRIGGER_NOT_ALLOWED],
    )
    .await;
    assert_eq!(
        body["errorSummary"],
        "Api validation failed: importSessionId"
    );
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
}

#[tokio::test]
async fn start_import_answers_one_triggered_session_and_completes() {
    let api = Api::start(quick().processing_delay(Duration::from_millis(300)));
    let sid = api.loaded_session().await;
    let before = api.get_json(&sid).await;
    api.fake.advance_clock(Duration::from_secs(3));
    let resp = api.start_import(&sid).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert!(body.is_object(), "one object, not an array: {body}");
    assert_eq!(body["id"], sid.as_str());
    assert_eq!(body["status"], "TRIGGERED");
    assert_eq!(body["created"], before["created"]);
    assert_ne!(body["lastUpdated"], before["lastUpdated"]);
    // Triggered sessions are active: listed, not loading.
    let list: Value = api.list().await.json().await.unwrap();
    assert_eq!(list[0]["status"], "TRIGGERED");
    // A second trigger is rejected whatever the timing.
    assert_error(
        api.start_import(&sid).await,
        400,
        "E0000001",
        &[causes::TRIGGER_NOT_ALLOWED],
    )
    .await;
    let done = api.wait_for(&sid, SessionStatus::Completed).await;
    assert!(is_okta_timestamp(done["lastUpdated"].as_str().unwrap()));
    // And after completion too.
    assert_error(
        api.start_import(&sid).await,
        400,
        "E0000001",
        &[causes::TRIGGER_NOT_ALLOWED],
    )
    .await;
}

#[tokio::test]
async fn upload_after_trigger_is_rejected() {
    let api = Api::start(quick().processing_delay(Duration::from_secs(3600)));
    let sid = api.triggered_session().await;
    let body = assert_error(
        api.upsert(&sid, &upsert_body(users(5..6))).await,
        400,
        "E0000001",
        &[causes::UPLOAD_NOT_ALLOWED],
    )
    .await;
    assert_eq!(
        body["errorSummary"],
        "Api validation failed: importSessionId"
    );
    assert_error(
        api.bulk_delete(&sid, &delete_body(&["user-0"])).await,
        400,
        "E0000001",
        &[causes::UPLOAD_NOT_ALLOWED],
    )
    .await;
    assert_eq!(api.get_json(&sid).await["status"], "TRIGGERED");
}

#[tokio::test]
async fn delete_of_a_triggered_session_is_rejected_with_the_recorded_body() {
    let api = Api::start(quick().processing_delay(Duration::from_secs(3600)));
    let sid = api.triggered_session().await;
    let body = assert_error(
        api.cancel(&sid).await,
        400,
        "E0000001",
        &["Only a session that is in CREATED or IN_PROGRESS status can be canceled."],
    )
    .await;
    assert_eq!(
        body["errorSummary"],
        "Api validation failed: importSessionId"
    );
    assert_eq!(api.get_json(&sid).await["status"], "TRIGGERED");
}

#[tokio::test]
async fn delete_closes_a_loading_session_which_stays_readable() {
    let api = Api::start(quick());
    for loaded in [false, true] {
        let sid = if loaded {
            api.loaded_session().await
        } else {
            api.create_ok().await
        };
        let resp = api.cancel(&sid).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers().get("content-type").is_none());
        assert!(resp.bytes().await.unwrap().is_empty());
        assert_eq!(api.get_json(&sid).await["status"], "CLOSED");
        // Closed: no uploads, no trigger, no second delete.
        assert_error(
            api.cancel(&sid).await,
            400,
            "E0000001",
            &[causes::CANCEL_NOT_ALLOWED],
        )
        .await;
        assert_error(
            api.upsert(&sid, &upsert_body(users(0..1))).await,
            400,
            "E0000001",
            &[causes::UPLOAD_NOT_ALLOWED],
        )
        .await;
        assert_error(
            api.start_import(&sid).await,
            400,
            "E0000001",
            &[causes::TRIGGER_NOT_ALLOWED],
        )
        .await;
    }
    // The cancelled data was discarded.
    assert!(api.fake.users(&api.isid).is_empty());
}

#[tokio::test]
async fn delete_of_a_completed_session_is_rejected() {
    let api = Api::start(quick());
    let sid = api.triggered_session().await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_error(
        api.cancel(&sid).await,
        400,
        "E0000001",
        &[causes::CANCEL_NOT_ALLOWED],
    )
    .await;
}

#[tokio::test]
async fn unknown_source_or_session_is_404() {
    let api = Api::start(quick());
    let unknown_source = api.sessions_url_of("0oaUNKNOWNxxxxxxxxxx");
    let resp = api
        .request(reqwest::Method::POST, &unknown_source)
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 404, "E0000007", &[]).await;
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: 0oaUNKNOWNxxxxxxxxxx (IdentitySource)"
    );
    let resp = api
        .request(reqwest::Method::GET, &unknown_source)
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "E0000007", &[]).await;

    let missing = "apsNOSUCHSESSIONxxxx";
    assert_error(api.get(missing).await, 404, "E0000007", &[]).await;
    assert_error(api.cancel(missing).await, 404, "E0000007", &[]).await;
    assert_error(api.start_import(missing).await, 404, "E0000007", &[]).await;
    assert_error(
        api.upsert(missing, &upsert_body(users(0..1))).await,
        404,
        "E0000007",
        &[],
    )
    .await;
    // A session of another identity source is not found under this one.
    let other = api.fake.register_identity_source();
    let sid = api.create_ok().await;
    let resp = api
        .request(
            reqwest::Method::GET,
            &format!("{}/{sid}", api.sessions_url_of(&other)),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "E0000007", &[]).await;
}

#[tokio::test]
async fn list_returns_active_sessions_only_by_default() {
    let api = Api::start(quick().processing_delay(Duration::from_secs(3600)));
    let list: Value = api.list().await.json().await.unwrap();
    assert_eq!(list, json!([]));
    let closed = api.create_ok().await;
    api.cancel(&closed).await;
    let triggered = api.triggered_session().await;
    let created = api.create_ok().await;
    let resp = api.list().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("link").is_none());
    let list: Value = resp.json().await.unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [triggered.as_str(), created.as_str()]);
    assert_eq!(api.fake.sessions(&api.isid).len(), 3);
}

#[tokio::test]
async fn list_can_include_terminal_sessions() {
    let api = Api::start(quick().list_includes_terminal(true));
    let closed = api.create_ok().await;
    api.cancel(&closed).await;
    let list: Value = api.list().await.json().await.unwrap();
    assert_eq!(list[0]["id"], closed.as_str());
    assert_eq!(list[0]["status"], "CLOSED");
}

#[tokio::test]
async fn create_during_the_cooldown_after_a_trigger_is_rejected() {
    let api = Api::start(quick().cooldown(Duration::from_secs(60)));
    let sid = api.triggered_session().await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_error(api.create().await, 400, "E0000001", &[causes::COOLDOWN]).await;
    api.fake.advance_clock(Duration::from_secs(50));
    assert_error(api.create().await, 400, "E0000001", &[causes::COOLDOWN]).await;
    api.fake.advance_clock(Duration::from_secs(10));
    api.create_ok().await;
}

#[tokio::test]
async fn triggered_sessions_do_not_block_create_after_the_cooldown() {
    let api = Api::start(
        quick()
            .processing_delay(Duration::from_secs(3600))
            .cooldown(Duration::from_millis(1)),
    );
    let first = api.triggered_session().await;
    api.fake.advance_clock(Duration::from_millis(5));
    let second = api.create_ok().await;
    assert_ne!(first, second);
}

#[tokio::test]
async fn triggered_sessions_are_processed_one_after_another() {
    let api = Api::start(quick().processing_delay(Duration::from_secs(10)));
    let a = api.create_ok().await;
    api.upsert_ok(&a, users(0..1)).await;
    assert_eq!(api.start_import(&a).await.status(), StatusCode::OK);
    let b = api.create_ok().await;
    // B overwrites what A upserts: order of processing matters.
    api.upsert_ok(
        &b,
        json!([{"externalId": "user-0", "profile": {"department": "Sales"}}]),
    )
    .await;
    assert_eq!(api.start_import(&b).await.status(), StatusCode::OK);
    api.fake.advance_clock(Duration::from_secs(10));
    assert_eq!(api.get_json(&a).await["status"], "COMPLETED");
    assert_eq!(api.get_json(&b).await["status"], "TRIGGERED");
    api.fake.advance_clock(Duration::from_secs(10));
    assert_eq!(api.get_json(&b).await["status"], "COMPLETED");
    let user = api.fake.user(&api.isid, "user-0").unwrap();
    assert_eq!(user.profile["department"], "Sales");
    assert_eq!(user.profile["userName"], "user0@example.com");
}

#[tokio::test]
async fn an_import_can_end_in_error_and_applies_nothing() {
    let api = Api::start(quick());
    api.fake.fail_next_imports(1);
    let failed = api.triggered_session().await;
    api.wait_for(&failed, SessionStatus::Error).await;
    assert!(api.fake.users(&api.isid).is_empty());
    // Only the next import failed.
    let ok = api.triggered_session().await;
    api.wait_for(&ok, SessionStatus::Completed).await;
    assert_eq!(api.fake.users(&api.isid).len(), 1);

    let always = Api::start(quick().import_outcome(ImportOutcome::Error));
    let sid = always.triggered_session().await;
    always.wait_for(&sid, SessionStatus::Error).await;
}

#[tokio::test]
async fn idle_loading_sessions_expire() {
    let api = Api::start(quick().inactivity_expiry(Duration::from_secs(24 * 3600)));
    let sid = api.loaded_session().await;
    api.fake.advance_clock(Duration::from_secs(23 * 3600));
    // A GET counts as activity by default.
    assert_eq!(api.get_json(&sid).await["status"], "IN_PROGRESS");
    api.fake.advance_clock(Duration::from_secs(23 * 3600));
    assert_eq!(api.get_json(&sid).await["status"], "IN_PROGRESS");
    api.fake.advance_clock(Duration::from_secs(24 * 3600));
    assert_eq!(api.get_json(&sid).await["status"], "EXPIRED");
    assert_error(
        api.upsert(&sid, &upsert_body(users(0..1))).await,
        400,
        "E0000001",
        &[causes::UPLOAD_NOT_ALLOWED],
    )
    .await;
    // An expired session frees the source.
    api.create_ok().await;

    let strict = Api::start(
        quick()
            .inactivity_expiry(Duration::from_secs(100))
            .reads_count_as_activity(false),
    );
    let sid = strict.create_ok().await;
    strict.fake.advance_clock(Duration::from_secs(60));
    assert_eq!(strict.get_json(&sid).await["status"], "CREATED");
    strict.fake.advance_clock(Duration::from_secs(60));
    assert_eq!(strict.get_json(&sid).await["status"], "EXPIRED");
}

#[tokio::test]
async fn a_processed_import_leaves_the_users_exactly_as_uploaded() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let sent = users(0..450);
    for chunk in sent.as_array().unwrap().chunks(200) {
        api.upsert_ok(&sid, Value::Array(chunk.to_vec())).await;
    }
    api.start_import(&sid).await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    let held = api.fake.users(&api.isid);
    assert_eq!(held.len(), 450);
    for profile in sent.as_array().unwrap() {
        let id = profile["externalId"].as_str().unwrap();
        let user = api.fake.user(&api.isid, id).unwrap();
        assert_eq!(user.status, UserStatus::Active);
        let expected: BTreeMap<String, String> =
            serde_json::from_value(profile["profile"].clone()).unwrap();
        assert_eq!(user.profile, expected, "{id}");
    }
}

#[tokio::test]
async fn later_imports_update_clear_and_deactivate() {
    let api = Api::start(quick());
    let first = api.create_ok().await;
    api.upsert_ok(&first, users(0..3)).await;
    api.start_import(&first).await;
    api.wait_for(&first, SessionStatus::Completed).await;

    let second = api.create_ok().await;
    api.upsert_ok(
        &second,
        json!([{"externalId": "user-0", "profile": {"department": null, "title": "CTO"}}]),
    )
    .await;
    let resp = api
        .bulk_delete(&second, &delete_body(&["user-1", "never-existed"]))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    api.start_import(&second).await;
    api.wait_for(&second, SessionStatus::Completed).await;

    let u0 = api.fake.user(&api.isid, "user-0").unwrap();
    assert_eq!(u0.status, UserStatus::Active);
    assert!(!u0.profile.contains_key("department"));
    assert_eq!(u0.profile["title"], "CTO");
    assert_eq!(u0.profile["userName"], "user0@example.com");
    let u1 = api.fake.user(&api.isid, "user-1").unwrap();
    assert_eq!(u1.status, UserStatus::Deactivated);
    assert_eq!(u1.profile["userName"], "user1@example.com");
    assert_eq!(
        api.fake.user(&api.isid, "user-2").unwrap().status,
        UserStatus::Active
    );
    assert!(api.fake.user(&api.isid, "never-existed").is_none());
}

#[tokio::test]
async fn identity_sources_are_independent() {
    let api = Api::start(quick());
    let other = api.fake.register_identity_source();
    assert!(other.starts_with("0oa") && other.len() == 20);
    assert!(!api.fake.register_identity_source_with_id(other.clone()));
    api.create_ok().await;
    // A loading session on one source does not block another.
    let resp = api
        .request(reqwest::Method::POST, &api.sessions_url_of(&other))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["identitySourceId"], other.as_str());
}

#[tokio::test]
async fn fixed_token_and_source_id_can_be_configured() {
    let api = Api::start(
        FakeConfig::default()
            .api_token("00fixed-token")
            .identity_source_id("0oaFIXEDxxxxxxxxxxxx"),
    );
    assert_eq!(api.fake.api_token(), "00fixed-token");
    assert_eq!(api.fake.identity_source_id(), "0oaFIXEDxxxxxxxxxxxx");
    api.create_ok().await;
    let debug = format!("{:?}", api.fake);
    assert!(!debug.contains("00fixed-token"), "{debug}");
}

#[tokio::test]
async fn profiles_can_be_dropped_to_save_memory() {
    let api = Api::start(quick().keep_profiles(false));
    let sid = api.triggered_session().await;
    api.wait_for(&sid, SessionStatus::Completed).await;
    let users = api.fake.users(&api.isid);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].external_id, "user-0");
    assert_eq!(users[0].status, UserStatus::Active);
    assert!(users[0].profile.is_empty());
}
