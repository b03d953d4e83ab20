#![cfg(feature = "fake")]
//! All 23 generated operations over real HTTP against the fake Okta: what
//! the server saw (from its request log: method, path with percent-encoded
//! parameters, query, `Authorization: SSWS <token>`, `User-Agent`,
//! `Content-Type`, the exact JSON body) and what the client decoded (typed
//! values, `()` for 202/204, Okta errors with status, `errorCode`,
//! `errorCauses` and `X-Okta-Request-Id`). Request bodies start from the
//! spec's examples, plus custom profile attributes and `null`s.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use okta_identity_source::fake::{
    FakeConfig, FakeGroup, FakeOkta, FakeUser, RecordedRequest, SessionStatus, UserStatus, causes,
};
use okta_identity_source::models::Nullable;
use okta_identity_source::models::{
    BulkDeleteRequestBody, BulkGroupDeleteRequestBody, BulkGroupMembershipsDeleteRequestBody,
    BulkGroupMembershipsUpsertRequestBody, BulkGroupUpsertRequestBody, BulkUpsertRequestBody,
    GroupsRequestSchema, IdentitySourceSessionStatus, MembershipRequestSchema, UserRequestSchema,
    UsersUpdateRequestSchema,
};
use okta_identity_source::{Client, Error};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../spec/okta-identity-source.yaml");

/// The value of `#/components/examples/{name}` in the spec.
fn example(name: &str) -> Value {
    let doc: Value = serde_yaml::from_str(SPEC).expect("spec parses");
    let value = doc["components"]["examples"][name]["value"].clone();
    assert!(!value.is_null(), "example {name} exists");
    value
}

/// The example decoded into its generated request type.
fn typed_example<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(example(name)).expect("example decodes")
}

struct Env {
    fake: FakeOkta,
    client: Client,
    isid: String,
}

fn start() -> Env {
    let fake = FakeOkta::start(
        FakeConfig::default()
            .processing_delay(Duration::from_secs(1))
            .cooldown(Duration::ZERO),
    )
    .expect("fake starts");
    let client = fake
        .client_builder()
        .max_retries(0)
        .build()
        .expect("client builds");
    let isid = fake.identity_source_id().to_owned();
    Env { fake, client, isid }
}

impl Env {
    fn last(&self) -> RecordedRequest {
        self.fake.requests().pop().expect("a request was received")
    }

    fn base(&self) -> String {
        format!("/api/v1/identity-sources/{}", self.isid)
    }

    fn seed_user(&self, external_id: &str, profile: &[(&str, &str)]) {
        self.fake.insert_user(
            &self.isid,
            FakeUser {
                external_id: external_id.to_owned(),
                status: UserStatus::Active,
                profile: profile
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
        );
    }
}

/// Asserts what the fake received for the last request.
#[track_caller]
fn assert_sent(
    r: &RecordedRequest,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Option<&Value>,
) {
    assert_eq!(r.method, method, "method");
    assert_eq!(r.path, path, "path");
    assert_eq!(r.query.as_deref(), query, "query");
    assert_eq!(
        r.authorization.as_deref(),
        Some("SSWS <api token>"),
        "Authorization is `SSWS`, one space, the API token"
    );
    let agent = r.header("user-agent").unwrap_or_default();
    assert!(
        agent.starts_with("okta-identity-source-rust/"),
        "User-Agent {agent:?}"
    );
    match body {
        Some(expected) => {
            assert_eq!(r.header("content-type"), Some("application/json"));
            let sent: Value = serde_json::from_slice(&r.body).expect("JSON body");
            assert_eq!(&sent, expected, "body");
        }
        None => {
            assert_eq!(
                r.header("content-type"),
                None,
                "no Content-Type without a body"
            );
            assert!(r.body.is_empty(), "no body");
        }
    }
}

/// The error of a call that must fail with an Okta error.
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Err(e @ Error::Api(_)) => e,
        other => panic!("expected an Okta API error, got {other:?}"),
    }
}

#[tokio::test]
async fn session_operations() {
    let env = start();
    let base = env.base();

    // createIdentitySourceSession: 201 + session.
    let session = env
        .client
        .create_identity_source_session(&env.isid)
        .await
        .expect("create");
    let r = env.last();
    assert_sent(&r, "POST", &format!("{base}/sessions"), None, None);
    assert_eq!(r.status, Some(201));
    let sid = session.id.clone();
    assert!(sid.starts_with("aps") && sid.len() == 20, "{sid}");
    assert_eq!(session.identity_source_id, env.isid);
    assert_eq!(session.status, IdentitySourceSessionStatus::Created);
    assert_eq!(session.import_type, "INCREMENTAL");
    let held = env.fake.session(&env.isid, &sid).expect("held");
    assert_eq!(session.created.timestamp(), held.created.timestamp());
    assert_eq!(session.created, session.last_updated);
    assert!(session.additional_properties.is_empty());

    // listIdentitySourceSessions.
    let list = env
        .client
        .list_identity_source_sessions(&env.isid)
        .await
        .expect("list");
    assert_sent(&env.last(), "GET", &format!("{base}/sessions"), None, None);
    assert_eq!(list, vec![session.clone()]);

    // getIdentitySourceSession.
    let got = env
        .client
        .get_identity_source_session(&env.isid, &sid)
        .await
        .expect("get");
    assert_sent(
        &env.last(),
        "GET",
        &format!("{base}/sessions/{sid}"),
        None,
        None,
    );
    assert_eq!(got, session);

    // uploadIdentitySourceDataForUpsert: the spec's example, plus a custom
    // attribute and an attribute cleared with null.
    let mut upsert: BulkUpsertRequestBody = typed_example("bulkUpsertPayload");
    let profiles = &mut upsert.profiles;
    let first = &mut profiles[0].profile;
    first
        .additional_properties
        .insert("department".to_owned(), json!("Engineering"));
    first
        .additional_properties
        .insert("employeeNumber".to_owned(), json!("E-1001"));
    profiles[1].profile.mobile_phone = Nullable::Null;
    let mut expected = example("bulkUpsertPayload");
    expected["profiles"][0]["profile"]["department"] = json!("Engineering");
    expected["profiles"][0]["profile"]["employeeNumber"] = json!("E-1001");
    expected["profiles"][1]["profile"]["mobilePhone"] = Value::Null;
    let unit: () = env
        .client
        .upload_identity_source_data_for_upsert(&env.isid, &sid, &upsert)
        .await
        .expect("upsert");
    assert_eq!(unit, ());
    let r = env.last();
    assert_sent(
        &r,
        "POST",
        &format!("{base}/sessions/{sid}/bulk-upsert"),
        None,
        Some(&expected),
    );
    assert_eq!(r.status, Some(202));

    // uploadIdentitySourceDataForDelete: the spec's example.
    let delete: BulkDeleteRequestBody = typed_example("bulkDeletePayload");
    env.client
        .upload_identity_source_data_for_delete(&env.isid, &sid, &delete)
        .await
        .expect("delete upload");
    let r = env.last();
    assert_sent(
        &r,
        "POST",
        &format!("{base}/sessions/{sid}/bulk-delete"),
        None,
        Some(&example("bulkDeletePayload")),
    );
    assert_eq!(r.status, Some(202));

    // startImportFromIdentitySource: 200 + TRIGGERED session.
    let triggered = env
        .client
        .start_import_from_identity_source(&env.isid, &sid)
        .await
        .expect("start import");
    assert_sent(
        &env.last(),
        "POST",
        &format!("{base}/sessions/{sid}/start-import"),
        None,
        None,
    );
    assert_eq!(triggered.status, IdentitySourceSessionStatus::Triggered);
    assert_eq!(triggered.id, sid);

    // The import applies the custom attribute and the cleared phone.
    env.fake.advance_clock(Duration::from_secs(2));
    let isaac = env
        .fake
        .user(&env.isid, "EXT123456784C2IF")
        .expect("imported");
    assert_eq!(isaac.profile["department"], "Engineering");
    let jane = env
        .fake
        .user(&env.isid, "EXT123456784C3IF")
        .expect("imported");
    assert!(!jane.profile.contains_key("mobilePhone"));
    assert_eq!(
        env.fake.session(&env.isid, &sid).map(|s| s.status),
        Some(SessionStatus::Completed)
    );

    // deleteIdentitySourceSession: 204 → ().
    let other = env
        .client
        .create_identity_source_session(&env.isid)
        .await
        .expect("create")
        .id;
    let unit: () = env
        .client
        .delete_identity_source_session(&env.isid, &other)
        .await
        .expect("cancel");
    assert_eq!(unit, ());
    let r = env.last();
    assert_sent(
        &r,
        "DELETE",
        &format!("{base}/sessions/{other}"),
        None,
        None,
    );
    assert_eq!(r.status, Some(204));
}

#[tokio::test]
async fn group_uploads_are_applied_when_the_import_is_processed() {
    let env = start();
    let base = env.base();
    env.fake.insert_group(
        &env.isid,
        FakeGroup::new("GROUPEXT123456784C2IFB").members(["USEREXT123456784C3IFB", "keep"]),
    );
    env.fake
        .insert_group(&env.isid, FakeGroup::new("GROUPEXT123456784C4IF"));
    let sid = env
        .client
        .create_identity_source_session(&env.isid)
        .await
        .expect("create")
        .id;

    // uploadIdentitySourceGroupsForUpsert.
    let mut groups: BulkGroupUpsertRequestBody = typed_example("bulkGroupUpsertPayload");
    groups.profiles.as_mut().expect("profiles")[1]
        .profile
        .as_mut()
        .expect("profile")
        .description = Nullable::Null;
    let mut expected = example("bulkGroupUpsertPayload");
    expected["profiles"][1]["profile"]["description"] = Value::Null;
    env.client
        .upload_identity_source_groups_for_upsert(&env.isid, &sid, &groups)
        .await
        .expect("groups upsert");
    let r = env.last();
    assert_sent(
        &r,
        "POST",
        &format!("{base}/sessions/{sid}/bulk-groups-upsert"),
        None,
        Some(&expected),
    );
    assert_eq!(r.status, Some(202));

    // uploadIdentitySourceGroupMembershipsForUpsert.
    let memberships: BulkGroupMembershipsUpsertRequestBody =
        typed_example("bulkGroupMembershipsUpsertPayload");
    env.client
        .upload_identity_source_group_memberships_for_upsert(&env.isid, &sid, &memberships)
        .await
        .expect("memberships upsert");
    assert_sent(
        &env.last(),
        "POST",
        &format!("{base}/sessions/{sid}/bulk-group-memberships-upsert"),
        None,
        Some(&example("bulkGroupMembershipsUpsertPayload")),
    );

    // uploadIdentitySourceGroupMembershipsForDelete: only the second entry
    // of the example, so the first group keeps its new members.
    let mut removals: BulkGroupMembershipsDeleteRequestBody =
        typed_example("bulkGroupMembershipsDeletePayload");
    removals
        .memberships
        .as_mut()
        .expect("memberships")
        .remove(0);
    let mut expected = example("bulkGroupMembershipsDeletePayload");
    expected["memberships"]
        .as_array_mut()
        .expect("array")
        .remove(0);
    env.client
        .upload_identity_source_group_memberships_for_delete(&env.isid, &sid, &removals)
        .await
        .expect("memberships delete");
    assert_sent(
        &env.last(),
        "POST",
        &format!("{base}/sessions/{sid}/bulk-group-memberships-delete"),
        None,
        Some(&expected),
    );

    // uploadIdentitySourceGroupsDataForDelete.
    let deletes: BulkGroupDeleteRequestBody = typed_example("bulkGroupDeletePayload");
    env.client
        .upload_identity_source_groups_data_for_delete(&env.isid, &sid, &deletes)
        .await
        .expect("groups delete");
    let r = env.last();
    assert_sent(
        &r,
        "POST",
        &format!("{base}/sessions/{sid}/bulk-groups-delete"),
        None,
        Some(&example("bulkGroupDeletePayload")),
    );
    assert_eq!(r.status, Some(202));

    // Nothing is applied before the import is processed.
    assert_eq!(env.fake.groups(&env.isid).len(), 2);
    env.client
        .start_import_from_identity_source(&env.isid, &sid)
        .await
        .expect("start import");
    env.fake.advance_clock(Duration::from_secs(2));

    // bulk-groups-delete named C2IF (created in this import), C3IF and C4IF:
    // only the B group remains, with the memberships upload applied and the
    // delete upload removing the example's three members from it.
    let groups = env.fake.groups(&env.isid);
    let ids: Vec<&str> = groups.iter().map(|g| g.external_id.as_str()).collect();
    assert_eq!(ids, ["GROUPEXT123456784C2IFB"]);
    assert_eq!(
        env.fake.members(&env.isid, "GROUPEXT123456784C2IFB"),
        ["keep"]
    );
}

#[tokio::test]
async fn single_user_operations() {
    let env = start();
    let base = env.base();
    let ext = "EXT987654321Z9Y7X";

    // createIdentitySourceUser: the spec's example, a custom attribute and
    // a null; 200 without content → ().
    let mut create: UserRequestSchema = typed_example("UserPayload");
    let profile = create.profile.as_mut().expect("profile");
    profile
        .additional_properties
        .insert("department".to_owned(), json!("Sales"));
    profile.home_address = Nullable::Null;
    let mut expected = example("UserPayload");
    expected["profile"]["department"] = json!("Sales");
    expected["profile"]["homeAddress"] = Value::Null;
    let unit: () = env
        .client
        .create_identity_source_user(&env.isid, &create)
        .await
        .expect("create user");
    assert_eq!(unit, ());
    let r = env.last();
    assert_sent(&r, "POST", &format!("{base}/users"), None, Some(&expected));
    assert_eq!(r.status, Some(200));

    // getIdentitySourceUser.
    let user = env
        .client
        .get_identity_source_user(&env.isid, ext)
        .await
        .expect("get user");
    assert_sent(
        &env.last(),
        "GET",
        &format!("{base}/users/{ext}"),
        None,
        None,
    );
    assert_eq!(user.external_id.as_deref(), Some(ext));
    assert!(user.id.as_deref().is_some_and(|id| id.starts_with("00u")));
    assert!(user.created.is_some() && user.created == user.last_updated);
    let profile = user.profile.expect("profile");
    assert_eq!(
        profile.user_name.as_deref(),
        Some("emily.jones@example.com")
    );
    assert_eq!(profile.first_name, Nullable::Value("Emily".to_owned()));
    assert_eq!(profile.home_address, Nullable::Null, "cleared → null");
    assert_eq!(
        profile.additional_properties,
        BTreeMap::from([("department".to_owned(), json!("Sales"))])
    );

    // updateIdentitySourceUsers (PATCH): the example, clearing the phone.
    let mut update: UsersUpdateRequestSchema = typed_example("UserUpdatePayload");
    update.profile.as_mut().expect("profile").mobile_phone = Nullable::Null;
    let mut expected = example("UserUpdatePayload");
    expected["profile"]["mobilePhone"] = Value::Null;
    let updated = env
        .client
        .update_identity_source_users(&env.isid, ext, &update)
        .await
        .expect("update user");
    assert_sent(
        &env.last(),
        "PATCH",
        &format!("{base}/users/{ext}"),
        None,
        Some(&expected),
    );
    let profile = updated.profile.expect("profile");
    assert_eq!(profile.last_name, Nullable::Value("Brock".to_owned()));
    assert_eq!(profile.mobile_phone, Nullable::Null);
    assert_eq!(
        profile.second_email,
        Nullable::Value("emily.secondary@example.com".to_owned()),
        "PATCH keeps what it does not name"
    );
    assert_eq!(profile.additional_properties["department"], "Sales");

    // replaceExistingIdentitySourceUser (PUT): the example; the rest goes.
    let replace: UserRequestSchema = typed_example("UserReplacePayload");
    let replaced = env
        .client
        .replace_existing_identity_source_user(&env.isid, ext, &replace)
        .await
        .expect("replace user");
    assert_sent(
        &env.last(),
        "PUT",
        &format!("{base}/users/{ext}"),
        None,
        Some(&example("UserReplacePayload")),
    );
    let profile = replaced.profile.expect("profile");
    assert_eq!(profile.email.as_deref(), Some("brockly@email.com"));
    assert_eq!(profile.second_email, Nullable::Null);
    assert!(profile.additional_properties.is_empty());

    // deleteIdentitySourceUser: 204 → ().
    let unit: () = env
        .client
        .delete_identity_source_user(&env.isid, ext)
        .await
        .expect("delete user");
    assert_eq!(unit, ());
    let r = env.last();
    assert_sent(&r, "DELETE", &format!("{base}/users/{ext}"), None, None);
    assert_eq!(r.status, Some(204));
    assert!(env.fake.user(&env.isid, ext).is_none());
}

#[tokio::test]
async fn group_and_membership_operations() {
    let env = start();
    let base = env.base();
    let ext = "GROUPEXT123456784C2IF";

    // createIdentitySourceGroups: the example.
    let create: GroupsRequestSchema = typed_example("GroupsPayload");
    let group = env
        .client
        .create_identity_source_groups(&env.isid, &create)
        .await
        .expect("create group");
    assert_sent(
        &env.last(),
        "POST",
        &format!("{base}/groups"),
        None,
        Some(&example("GroupsPayload")),
    );
    let id = group.id.clone().expect("id");
    assert!(id.starts_with("00g") && id.len() == 20, "{id}");
    assert_eq!(group.external_id.as_deref(), Some(ext));
    let inner = group
        .profile
        .as_ref()
        .expect("profile, flat as spec/ declares (correction C4)");
    assert_eq!(inner.display_name.as_deref(), Some("West Coast users"));
    assert_eq!(
        inner.description,
        Nullable::Value("All users West of The Rockies".to_owned())
    );

    // getIdentitySourceGroup, by Okta id and by externalId.
    let by_id = env
        .client
        .get_identity_source_group(&env.isid, &id)
        .await
        .expect("get by id");
    assert_sent(
        &env.last(),
        "GET",
        &format!("{base}/groups/{id}"),
        None,
        None,
    );
    let by_ext = env
        .client
        .get_identity_source_group(&env.isid, ext)
        .await
        .expect("get by externalId");
    assert_sent(
        &env.last(),
        "GET",
        &format!("{base}/groups/{ext}"),
        None,
        None,
    );
    assert_eq!(by_id, group);
    assert_eq!(by_ext, group);

    // updateIdentitySourceGroups: POST (as the spec says), clearing the
    // description with null.
    let mut update: GroupsRequestSchema = typed_example("GroupsPayload");
    update.profile.as_mut().expect("profile").description = Nullable::Null;
    let mut expected = example("GroupsPayload");
    expected["profile"]["description"] = Value::Null;
    let updated = env
        .client
        .update_identity_source_groups(&env.isid, &id, &update)
        .await
        .expect("update group");
    assert_sent(
        &env.last(),
        "POST",
        &format!("{base}/groups/{id}"),
        None,
        Some(&expected),
    );
    let inner = updated.profile.expect("profile");
    assert_eq!(inner.description, Nullable::Null);

    // createIdentitySourceGroupsMemberships: the example; 204 → ().
    let member: MembershipRequestSchema = typed_example("MembershipPayload");
    let unit: () = env
        .client
        .create_identity_source_groups_memberships(&env.isid, ext, &member)
        .await
        .expect("add member");
    assert_eq!(unit, ());
    let r = env.last();
    assert_sent(
        &r,
        "POST",
        &format!("{base}/groups/{ext}/membership"),
        None,
        Some(&example("MembershipPayload")),
    );
    assert_eq!(r.status, Some(204));
    for m in ["USEREXT123456784C3IFB", "USEREXT123456784C4IFC"] {
        env.client
            .create_identity_source_groups_memberships(
                &env.isid,
                &id,
                &MembershipRequestSchema::default().member_external_id(m),
            )
            .await
            .expect("add member");
    }

    // getIdentitySourceGroupMemberships: one page with after + limit.
    let page = env
        .client
        .get_identity_source_group_memberships(&env.isid, ext)
        .limit(5)
        .after("USEREXT123456784C2IFA")
        // Setting a parameter again replaces it (one `limit` on the wire).
        .limit(1)
        .await
        .expect("memberships page");
    assert_sent(
        &env.last(),
        "GET",
        &format!("{base}/groups/{ext}/membership"),
        Some("after=USEREXT123456784C2IFA&limit=1"),
        None,
    );
    assert_eq!(
        page.member_external_ids.as_deref(),
        Some(&["USEREXT123456784C3IFB".to_owned()][..])
    );

    // deleteIdentitySourceGroupMemberships: 204 → ().
    let m = "USEREXT123456784C2IFA";
    env.client
        .delete_identity_source_group_memberships(&env.isid, ext, m)
        .await
        .expect("remove member");
    let r = env.last();
    assert_sent(
        &r,
        "DELETE",
        &format!("{base}/groups/{ext}/membership/{m}"),
        None,
        None,
    );
    assert_eq!(r.status, Some(204));
    assert_eq!(
        env.fake.members(&env.isid, ext),
        ["USEREXT123456784C3IFB", "USEREXT123456784C4IFC"]
    );

    // deleteIdentitySourceGroup: 204 → ().
    env.client
        .delete_identity_source_group(&env.isid, ext)
        .await
        .expect("delete group");
    let r = env.last();
    assert_sent(&r, "DELETE", &format!("{base}/groups/{ext}"), None, None);
    assert_eq!(r.status, Some(204));
    assert!(env.fake.groups(&env.isid).is_empty());
}

#[tokio::test]
async fn memberships_stream_follows_the_link_pages() {
    let env = start();
    let members: Vec<String> = (0..450).map(|i| format!("member-{i:03}")).collect();
    env.fake.insert_group(
        &env.isid,
        FakeGroup::new("big")
            .display_name("Big")
            .members(members.iter().cloned()),
    );
    env.fake.clear_requests();
    let got: Vec<String> = env
        .client
        .get_identity_source_group_memberships(&env.isid, "big")
        .limit(200)
        .paginate()
        .map(|item| item.expect("member"))
        .collect()
        .await;
    assert_eq!(got, members);
    let path = format!("{}/groups/big/membership", env.base());
    let seen: Vec<(String, Option<String>)> = env
        .fake
        .requests()
        .into_iter()
        .map(|r| (r.path, r.query))
        .collect();
    assert_eq!(
        seen,
        [
            (path.clone(), Some("limit=200".to_owned())),
            (path.clone(), Some("after=member-199&limit=200".to_owned())),
            (path, Some("after=member-399&limit=200".to_owned())),
        ]
    );
}

#[tokio::test]
async fn hostile_ids_are_encoded_and_dot_segments_refused_before_sending() {
    let env = start();
    let hostile = "a/b?c#d";
    env.seed_user(hostile, &[("email", "h@example.com"), ("userName", "h")]);
    let user = env
        .client
        .get_identity_source_user(&env.isid, hostile)
        .await
        .expect("get the hostile id");
    assert_eq!(user.external_id.as_deref(), Some(hostile));
    assert_sent(
        &env.last(),
        "GET",
        &format!("{}/users/a%2Fb%3Fc%23d", env.base()),
        None,
        None,
    );
    // The same id as a group and a member.
    env.fake
        .insert_group(&env.isid, FakeGroup::new(hostile).members([hostile]));
    env.client
        .delete_identity_source_group_memberships(&env.isid, hostile, hostile)
        .await
        .expect("remove hostile member");
    assert_eq!(
        env.last().path,
        format!(
            "{}/groups/a%2Fb%3Fc%23d/membership/a%2Fb%3Fc%23d",
            env.base()
        )
    );

    let before = env.fake.request_count();
    for bad in ["", ".", ".."] {
        let results = [
            env.client
                .get_identity_source_user(&env.isid, bad)
                .await
                .map(|_| ()),
            env.client.delete_identity_source_user(bad, "x").await,
            env.client
                .get_identity_source_group(&env.isid, bad)
                .await
                .map(|_| ()),
            env.client
                .delete_identity_source_group_memberships(&env.isid, "g", bad)
                .await,
            env.client
                .get_identity_source_session(&env.isid, bad)
                .await
                .map(|_| ()),
            env.client
                .upload_identity_source_groups_for_upsert(
                    &env.isid,
                    bad,
                    &BulkGroupUpsertRequestBody::default(),
                )
                .await,
        ];
        for result in results {
            assert!(
                matches!(result, Err(Error::InvalidInput { .. })),
                "{bad:?}: {result:?}"
            );
        }
    }
    assert_eq!(env.fake.request_count(), before, "nothing was sent");
}

#[tokio::test]
async fn okta_errors_decode_with_status_code_causes_and_request_id() {
    let env = start();
    let sid = env
        .client
        .create_identity_source_session(&env.isid)
        .await
        .expect("create")
        .id;

    // 400 E0000001 with a cause: an upload without profiles.
    let empty = BulkUpsertRequestBody::new(Vec::new());
    let err = api_error(
        env.client
            .upload_identity_source_data_for_upsert(&env.isid, &sid, &empty)
            .await,
    );
    let r = env.last();
    assert_eq!(r.status, Some(400));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.okta_error_code(), Some("E0000001"));
    let body = err.okta_error().expect("Okta body");
    assert_eq!(
        body.error_summary.as_deref(),
        Some("Api validation failed: profiles")
    );
    let causes_sent: Vec<&str> = body
        .error_causes
        .iter()
        .filter_map(|c| c.error_summary.as_deref())
        .collect();
    assert_eq!(causes_sent, [causes::PROFILES_MISSING]);
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    assert_debug_is_one_short_line(&err, 400, "E0000001", &r.request_id, &env);
    assert!(
        format!("{err:?}").contains(causes::PROFILES_MISSING),
        "{err:?}"
    );

    // 400 on a new group upload kind: memberships without entries.
    let err = api_error(
        env.client
            .upload_identity_source_group_memberships_for_delete(
                &env.isid,
                &sid,
                &BulkGroupMembershipsDeleteRequestBody::default().memberships(Vec::new()),
            )
            .await,
    );
    assert_eq!(err.okta_error_code(), Some("E0000001"));
    assert_eq!(err.request_id(), Some(env.last().request_id.as_str()));

    // 404 E0000007 for an unknown user, group and identity source.
    let err = api_error(
        env.client
            .get_identity_source_user(&env.isid, "nobody")
            .await,
    );
    let r = env.last();
    assert_eq!(r.status, Some(404));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    assert_eq!(
        err.okta_error().and_then(|b| b.error_summary.as_deref()),
        Some("Not found: Resource not found: nobody (IdentitySourceUser)")
    );
    assert_eq!(err.request_id(), Some(r.request_id.as_str()));
    assert_debug_is_one_short_line(&err, 404, "E0000007", &r.request_id, &env);
    assert_eq!(
        format!("{err:?}"),
        format!(
            r#"Api {{ status: 404, code: "E0000007", summary: "Not found: Resource not found: nobody (IdentitySourceUser)", request_id: "{}", .. }}"#,
            r.request_id
        )
    );
    let err = api_error(
        env.client
            .get_identity_source_group_memberships(&env.isid, "nogroup")
            .await,
    );
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    let err = api_error(
        env.client
            .list_identity_source_sessions("0oaUNKNOWN0000000000")
            .await,
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.request_id(), Some(env.last().request_id.as_str()));
}

/// `Debug` of an error from the fake (what `fn main() -> Result<(), Error>`
/// prints): one line under 200 characters with the status, the Okta error
/// code and the request id, and neither the headers nor the token.
fn assert_debug_is_one_short_line(
    err: &Error,
    status: u16,
    code: &str,
    request_id: &str,
    env: &Env,
) {
    let debug = format!("{err:?}");
    assert!(debug.len() < 200, "{} characters: {debug}", debug.len());
    assert!(!debug.contains('\n'), "{debug}");
    assert!(
        debug.starts_with(&format!("Api {{ status: {status}, code: \"{code}\"")),
        "{debug}"
    );
    assert!(
        debug.contains(&format!("request_id: \"{request_id}\"")),
        "{debug}"
    );
    assert!(
        !debug.to_ascii_lowercase().contains("x-rate-limit"),
        "{debug}"
    );
    assert!(!debug.contains(env.fake.api_token()), "{debug}");
    // The detail is still in the fields.
    let Error::Api(api) = err else {
        panic!("expected Api, got {err:?}")
    };
    assert!(api.headers.contains_key("x-rate-limit-limit"));
    assert!(api.rate_limit.limit.is_some());
}

/// A status the service may add later (`PAUSED`) is kept in `Unknown` and
/// serialised back unchanged. The fake only sends statuses of the spec, so
/// this one answer comes from a one-route loopback server.
#[tokio::test]
async fn an_unknown_future_status_is_kept() {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/api/v1/identity-sources/{isid}/sessions/{sid}",
        get(|| async {
            (
                [("content-type", "application/json")],
                r#"{"id":"aps1","identitySourceId":"0oa1","status":"PAUSED","importType":"INCREMENTAL","created":"2026-04-19T20:30:31.000Z","lastUpdated":"2026-04-19T20:30:34.000Z"}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder()
        .org_url(format!("http://{addr}"))
        .api_token("t")
        .disable_https_check(true)
        .build()
        .expect("client");
    let session = client
        .get_identity_source_session("0oa1", "aps1")
        .await
        .expect("get");
    assert!(
        matches!(&session.status, IdentitySourceSessionStatus::Unknown(v) if v.as_str() == "PAUSED"),
        "{:?}",
        session.status
    );
    assert_eq!(session.status.as_str(), "PAUSED");
    // Parsing a value the crate knows gives its variant, never `Unknown`.
    assert_eq!(
        IdentitySourceSessionStatus::from("TRIGGERED"),
        IdentitySourceSessionStatus::Triggered
    );
    assert_eq!(session.status, IdentitySourceSessionStatus::from("PAUSED"));
    assert_eq!(
        serde_json::to_value(&session).expect("serialises")["status"],
        "PAUSED"
    );
    assert_eq!(
        session.last_updated.to_rfc3339(),
        "2026-04-19T20:30:34+00:00"
    );
    server.abort();
}
