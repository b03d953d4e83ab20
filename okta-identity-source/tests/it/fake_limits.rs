#![cfg(feature = "fake")]
//! The bulk-loading limits and body validation of the fake
//! (`BEHAVIOUR.md` section 4), each a 400 with a specific cause.

use crate::fake_support;

use fake_support::{Api, assert_error, delete_body, quick, upsert_body, users};
use okta_identity_source::fake::{EntityTypeError, Limits, SessionStatus, causes};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn at_most_200_entities_per_upload() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let body = assert_error(
        api.upsert(&sid, &upsert_body(users(0..201))).await,
        400,
        "E0000001",
        &["profiles: A bulk-load request may contain at most 200 entities; this one has 201."],
    )
    .await;
    assert_eq!(body["errorSummary"], "Api validation failed: profiles");
    // Nothing was accepted: the session is still CREATED.
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
    let ids: Vec<String> = (0..201).map(|i| format!("u{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_error(
        api.bulk_delete(&sid, &delete_body(&ids)).await,
        400,
        "E0000001",
        &["profiles: A bulk-load request may contain at most 200 entities; this one has 201."],
    )
    .await;
    // 200 is fine.
    api.upsert_ok(&sid, users(0..200)).await;
}

#[tokio::test]
async fn at_most_204800_bytes_per_upload() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    // One profile with a large attribute, padded to exactly the limit.
    let make = |pad: usize| {
        let body =
            upsert_body(json!([{"externalId": "big", "profile": {"note": "x".repeat(pad)}}]));
        body.to_string().into_bytes()
    };
    let overhead = make(0).len();
    let exact = make(204_800 - overhead);
    assert_eq!(exact.len(), 204_800);
    let over = make(204_801 - overhead);
    let body = assert_error(
        api.upload(&sid, "bulk-upsert", over).await,
        400,
        "E0000001",
        &["The request payload is 204801 bytes; a bulk-load request may not exceed 204800 bytes."],
    )
    .await;
    assert_eq!(body["errorSummary"], "Api validation failed: payload");
    let resp = api.upload(&sid, "bulk-upsert", exact).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    // A body far beyond what the fake buffers gets the same answer.
    let huge = make(5 << 20);
    let size = huge.len();
    assert_error(
        api.upload(&sid, "bulk-upsert", huge).await,
        400,
        "E0000001",
        &[&format!(
            "The request payload is {size} bytes; a bulk-load request may not exceed 204800 bytes."
        )],
    )
    .await;
}

#[tokio::test]
async fn at_most_50_uploads_and_10000_users_per_session() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    for n in 0..50 {
        api.upsert_ok(&sid, users(n * 200..n * 200 + 200)).await;
    }
    let session = api.fake.session(&api.isid, &sid).unwrap();
    assert_eq!((session.uploads, session.entities), (50, 10_000));
    assert_error(
        api.upsert(&sid, &upsert_body(users(10_000..10_001))).await,
        400,
        "E0000001",
        &["A session accepts at most 50 bulk-load requests."],
    )
    .await;
    // The session is still usable: trigger it and all 10,000 land.
    assert_eq!(api.start_import(&sid).await.status(), StatusCode::OK);
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_eq!(api.fake.users(&api.isid).len(), 10_000);
}

#[tokio::test]
async fn users_per_session_limit() {
    // With the default limits 50 × 200 = 10,000, so the upload count always
    // bites first; a smaller user limit shows the user check on its own.
    let api = Api::start(quick().limits(Limits {
        max_users_per_session: 300,
        ..Limits::default()
    }));
    let sid = api.create_ok().await;
    api.upsert_ok(&sid, users(0..200)).await;
    assert_error(
        api.upsert(&sid, &upsert_body(users(200..301))).await,
        400,
        "E0000001",
        &["profiles: A session accepts at most 300 users; it holds 200 and this request adds 101."],
    )
    .await;
    api.upsert_ok(&sid, users(200..300)).await;
}

#[tokio::test]
async fn external_id_at_most_512_characters() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let long = "e".repeat(513);
    let body = assert_error(
        api.upsert(
            &sid,
            &upsert_body(json!([
                {"externalId": "fine", "profile": {"a": "b"}},
                {"externalId": long, "profile": {"a": "b"}}
            ])),
        )
        .await,
        400,
        "E0000001",
        &["profiles[1].externalId: The field externalId may be at most 512 characters long; it has 513."],
    )
    .await;
    assert_eq!(body["errorSummary"], "Api validation failed: externalId");
    assert_error(
        api.bulk_delete(&sid, &delete_body(&[long.as_str()])).await,
        400,
        "E0000001",
        &["profiles[0].externalId: The field externalId may be at most 512 characters long; it has 513."],
    )
    .await;
    // 512 characters, counted as characters not bytes, are fine.
    let max = "é".repeat(512);
    api.upsert_ok(&sid, json!([{"externalId": max, "profile": {"a": "b"}}]))
        .await;
}

#[tokio::test]
async fn external_id_is_required() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    assert_error(
        api.upsert(
            &sid,
            &upsert_body(json!([
                {"profile": {"a": "b"}},
                {"externalId": "", "profile": {"a": "b"}},
                {"externalId": 7, "profile": {"a": "b"}}
            ])),
        )
        .await,
        400,
        "E0000001",
        &[
            "profiles[0].externalId: The field externalId is required.",
            "profiles[1].externalId: The field externalId is required.",
            "profiles[2].externalId: The field externalId must be a string.",
        ],
    )
    .await;
}

#[tokio::test]
async fn profile_attributes_must_be_strings_or_null() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let body = assert_error(
        api.upsert(
            &sid,
            &upsert_body(json!([{
                "externalId": "u1",
                "profile": {
                    "age": 42,
                    "groups": ["a"],
                    "manager": {"id": "x"},
                    "active": true,
                    "firstName": "Ann",
                    "mobilePhone": null
                }
            }])),
        )
        .await,
        400,
        "E0000001",
        &[
            "profiles[0].profile.active: Profile attributes can only be of the string type.",
            "profiles[0].profile.age: Profile attributes can only be of the string type.",
            "profiles[0].profile.groups: Profile attributes can only be of the string type.",
            "profiles[0].profile.manager: Profile attributes can only be of the string type.",
        ],
    )
    .await;
    assert_eq!(body["errorSummary"], "Api validation failed: profile");
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
    api.upsert_ok(
        &sid,
        json!([{"externalId": "u1", "profile": {"firstName": "Ann", "mobilePhone": null}}]),
    )
    .await;
}

#[tokio::test]
async fn empty_profile_is_rejected_by_default() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    assert_error(
        api.upsert(
            &sid,
            &upsert_body(json!([{"externalId": "u1", "profile": {}}, {"externalId": "u2"}])),
        )
        .await,
        400,
        "E0000001",
        &[
            "profiles[0].profile: The profile must not be empty.",
            "profiles[1].profile: The profile must not be empty.",
        ],
    )
    .await;
    assert_error(
        api.upsert(
            &sid,
            &upsert_body(json!([{"externalId": "u1", "profile": "x"}])),
        )
        .await,
        400,
        "E0000001",
        &["profiles[0].profile: The profile must be a JSON object."],
    )
    .await;

    let lenient = Api::start(quick().reject_empty_profile(false));
    let sid = lenient.create_ok().await;
    lenient
        .upsert_ok(&sid, json!([{"externalId": "u1", "profile": {}}]))
        .await;
    lenient.start_import(&sid).await;
    lenient.wait_for(&sid, SessionStatus::Completed).await;
    let user = lenient.fake.user(&lenient.isid, "u1").unwrap();
    assert!(user.profile.is_empty());
}

#[tokio::test]
async fn entity_type_must_be_users() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    for bad in [
        json!({"entityType": "GROUPS", "profiles": [{"externalId": "u", "profile": {"a": "b"}}]}),
        json!({"entityType": 1, "profiles": [{"externalId": "u", "profile": {"a": "b"}}]}),
        json!({"profiles": [{"externalId": "u", "profile": {"a": "b"}}]}),
    ] {
        let body = assert_error(
            api.upsert(&sid, &bad).await,
            400,
            "E0000003",
            &[causes::ENTITY_TYPE_INVALID],
        )
        .await;
        assert_eq!(
            body["errorSummary"],
            "The request body was not well-formed."
        );
    }
    assert_error(
        api.bulk_delete(
            &sid,
            &json!({"entityType": "DEVICES", "profiles": [{"externalId": "u"}]}),
        )
        .await,
        400,
        "E0000003",
        &[causes::ENTITY_TYPE_INVALID],
    )
    .await;

    let alt = Api::start(quick().entity_type_error(EntityTypeError::ValidationFailed));
    let sid = alt.create_ok().await;
    let body = assert_error(
        alt.upsert(
            &sid,
            &json!({"entityType": "GROUPS", "profiles": [{"externalId": "u"}]}),
        )
        .await,
        400,
        "E0000001",
        &["entityType: The field entityType is not valid."],
    )
    .await;
    assert_eq!(body["errorSummary"], "Api validation failed: entityType");

    // Leniency about a missing entityType can be configured.
    let lenient = Api::start(quick().require_entity_type(false));
    let sid = lenient.create_ok().await;
    let resp = lenient
        .upsert(
            &sid,
            &json!({"profiles": [{"externalId": "u", "profile": {"a": "b"}}]}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn missing_or_unparseable_body_is_e0000003() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    for action in ["bulk-upsert", "bulk-delete"] {
        let body = assert_error(
            api.upload(&sid, action, Vec::new()).await,
            400,
            "E0000003",
            &[causes::BODY_MISSING],
        )
        .await;
        assert_eq!(
            body["errorSummary"],
            "The request body was not well-formed."
        );
        let truncated = b"{\"entityType\": \"USERS\", ";
        let parse_error = serde_json::from_slice::<Value>(truncated).unwrap_err();
        let body = assert_error(
            api.upload(&sid, action, truncated.to_vec()).await,
            400,
            "E0000003",
            &[&format!(
                "The request body is not valid JSON: {parse_error}"
            )],
        )
        .await;
        assert_eq!(
            body["errorSummary"],
            "The request body was not well-formed."
        );
        assert_error(
            api.upload(&sid, action, b"[1, 2]".to_vec()).await,
            400,
            "E0000003",
            &["The request body must be a JSON object."],
        )
        .await;
        assert_error(
            api.upload(
                &sid,
                action,
                br#"{"entityType":"USERS","profiles":{"a":1}}"#.to_vec(),
            )
            .await,
            400,
            "E0000003",
            &["profiles: The field profiles must be an array."],
        )
        .await;
        assert_error(
            api.upload(
                &sid,
                action,
                br#"{"entityType":"USERS","profiles":["x"]}"#.to_vec(),
            )
            .await,
            400,
            "E0000003",
            &["profiles[0]: Each entry must be a JSON object."],
        )
        .await;
    }
    assert_eq!(api.get_json(&sid).await["status"], "CREATED");
}

#[tokio::test]
async fn missing_or_empty_profiles_is_e0000001() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    for body in [
        json!({"entityType": "USERS"}),
        json!({"entityType": "USERS", "profiles": null}),
        json!({"entityType": "USERS", "profiles": []}),
    ] {
        for resp in [
            api.upsert(&sid, &body).await,
            api.bulk_delete(&sid, &body).await,
        ] {
            let err = assert_error(resp, 400, "E0000001", &[causes::PROFILES_MISSING]).await;
            assert_eq!(err["errorSummary"], "Api validation failed: profiles");
        }
    }
    // Empty payloads are not effective uploads.
    let session: Value = api.get_json(&sid).await;
    assert_eq!(session["status"], "CREATED");
    assert_eq!(api.fake.session(&api.isid, &sid).unwrap().uploads, 0);
}

#[tokio::test]
async fn limits_are_configurable() {
    let api = Api::start(quick().limits(Limits {
        max_entities_per_upload: 2,
        max_upload_bytes: 1000,
        max_uploads_per_session: 2,
        max_users_per_session: 3,
        max_external_id_chars: 4,
    }));
    let sid = api.create_ok().await;
    assert_error(
        api.upsert(&sid, &upsert_body(users(0..3))).await,
        400,
        "E0000001",
        &["profiles: A bulk-load request may contain at most 2 entities; this one has 3."],
    )
    .await;
    assert_error(
        api.bulk_delete(&sid, &delete_body(&["abcde"])).await,
        400,
        "E0000001",
        &["profiles[0].externalId: The field externalId may be at most 4 characters long; it has 5."],
    )
    .await;
    api.bulk_delete(&sid, &delete_body(&["a", "b"])).await;
    assert_error(
        api.bulk_delete(&sid, &delete_body(&["c", "d"])).await,
        400,
        "E0000001",
        &["profiles: A session accepts at most 3 users; it holds 2 and this request adds 2."],
    )
    .await;
    assert_eq!(
        api.bulk_delete(&sid, &delete_body(&["c"])).await.status(),
        StatusCode::ACCEPTED
    );
    assert_error(
        api.bulk_delete(&sid, &delete_body(&["e"])).await,
        400,
        "E0000001",
        &["A session accepts at most 2 bulk-load requests."],
    )
    .await;
}
