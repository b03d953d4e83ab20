#![cfg(feature = "fake")]
//! The fake records what a client should never do with the group uploads:
//! every entity uploaded twice into one session, for all six uploads (Okta:
//! listing the same user twice in a session "can result in data
//! inaccuracy issues"), and membership additions applied before their
//! group exists (uploaded before the group's upsert).

use crate::fake_support;

use fake_support::{Api, quick};
use okta_identity_source::fake::SessionStatus;
use serde_json::{Value, json};

async fn upload(api: &Api, sid: &str, action: &str, body: Value) {
    let resp = api
        .upload(sid, action, serde_json::to_vec(&body).unwrap_or_default())
        .await;
    assert_eq!(resp.status(), 202, "{action}");
}

#[tokio::test]
async fn entities_sent_twice_into_one_session_are_recorded() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let user = |id: &str| json!({"entityType": "USERS", "profiles": [{"externalId": id, "profile": {"userName": id}}]});
    upload(&api, &sid, "bulk-upsert", user("u1")).await;
    upload(&api, &sid, "bulk-upsert", user("u2")).await;
    // An upsert and a deactivation of one user in one session: twice.
    upload(
        &api,
        &sid,
        "bulk-delete",
        json!({"entityType": "USERS", "profiles": [{"externalId": "u1"}]}),
    )
    .await;
    let group = json!({"profiles": [{"externalId": "g1", "profile": {"displayName": "G"}}]});
    upload(&api, &sid, "bulk-groups-upsert", group.clone()).await;
    upload(
        &api,
        &sid,
        "bulk-groups-delete",
        json!({"externalIds": ["g2"]}),
    )
    .await;
    upload(&api, &sid, "bulk-groups-upsert", group.clone()).await;
    upload(
        &api,
        &sid,
        "bulk-group-memberships-upsert",
        json!({"memberships": [{"groupExternalId": "g1", "memberExternalIds": ["u1", "u2"]}]}),
    )
    .await;
    upload(
        &api,
        &sid,
        "bulk-group-memberships-delete",
        json!({"memberships": [{"groupExternalId": "g1", "memberExternalIds": ["u2"]}, {"groupExternalId": "g9", "memberExternalIds": ["u2"]}]}),
    )
    .await;
    let dups: Vec<String> = api
        .fake
        .duplicates(&api.isid)
        .into_iter()
        .map(|(s, e)| {
            assert_eq!(s, sid);
            e
        })
        .collect();
    assert_eq!(dups, ["user:u1", "group:g1", "membership:g1/u2"]);
    // The same entities in the next session are not duplicates.
    let resp = api.start_import(&sid).await;
    assert_eq!(resp.status(), 200);
    api.wait_for(&sid, SessionStatus::Completed).await;
    let next = api.create_ok().await;
    upload(&api, &next, "bulk-upsert", user("u1")).await;
    upload(&api, &next, "bulk-groups-upsert", group).await;
    assert_eq!(api.fake.duplicates(&api.isid).len(), 3);
}

#[tokio::test]
async fn memberships_uploaded_before_their_group_are_ignored_and_recorded() {
    let api = Api::start(quick());
    let sid = api.create_ok().await;
    let members =
        json!({"memberships": [{"groupExternalId": "g1", "memberExternalIds": ["u1", "u2"]}]});
    upload(&api, &sid, "bulk-group-memberships-upsert", members.clone()).await;
    let group = json!({"profiles": [{"externalId": "g1", "profile": {"displayName": "G"}}]});
    upload(&api, &sid, "bulk-groups-upsert", group).await;
    assert_eq!(api.start_import(&sid).await.status(), 200);
    api.wait_for(&sid, SessionStatus::Completed).await;
    assert_eq!(api.fake.members(&api.isid, "g1"), Vec::<String>::new());
    assert_eq!(api.fake.ignored_memberships(&api.isid), ["g1/u1", "g1/u2"]);
    // In the right order they apply.
    let next = api.create_ok().await;
    upload(&api, &next, "bulk-group-memberships-upsert", members).await;
    assert_eq!(api.start_import(&next).await.status(), 200);
    api.wait_for(&next, SessionStatus::Completed).await;
    assert_eq!(api.fake.members(&api.isid, "g1"), ["u1", "u2"]);
    assert_eq!(api.fake.ignored_memberships(&api.isid).len(), 2);
}
