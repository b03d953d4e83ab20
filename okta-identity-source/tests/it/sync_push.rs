#![cfg(all(feature = "sync", feature = "fake"))]
//! `sync::DirectoryImport`, the sibling of `ImportJob` for groups and
//! memberships: explicit upserts and deletes of every kind, sent within
//! Okta's limits, in the order Okta accepts, in as few sessions as the
//! limits allow.

use std::collections::BTreeSet;
use std::time::Duration;

use okta_identity_source::Client;
use okta_identity_source::fake::{FakeConfig, FakeGroup, FakeOkta, FakeUser, UserStatus};
use okta_identity_source::import::{ImportOptions, UserUpsert};
use okta_identity_source::models::IdentitySourceGroupProfileForUpsert;
use okta_identity_source::sync::{DirectoryImport, SyncError, SyncOptions};
use serde_json::Value;

fn options(per_upload: usize, per_session: usize) -> SyncOptions {
    SyncOptions {
        import: ImportOptions {
            max_entities_per_upload: per_upload,
            max_uploads_per_session: per_session,
            expected_cooldown: Duration::from_millis(20),
            cooldown_retry_interval: Duration::from_millis(20),
            poll_interval: Duration::from_millis(10),
            max_poll_interval: Duration::from_millis(50),
            ..ImportOptions::default()
        },
        max_members_per_upload: per_upload,
        ..SyncOptions::default()
    }
}

fn client(fake: &FakeOkta, retries: u32) -> Client {
    fake.client_builder()
        .max_retries(retries)
        .build()
        .expect("client")
}

// Field by field, not a struct literal: the generated models may become
// `#[non_exhaustive]`.
#[allow(clippy::field_reassign_with_default)]
fn group(name: &str) -> IdentitySourceGroupProfileForUpsert {
    let mut p = IdentitySourceGroupProfileForUpsert::default();
    p.display_name = Some(name.to_owned());
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_change_is_sent_in_order_within_the_limits() {
    let fake = FakeOkta::start(
        FakeConfig::default()
            .processing_delay(Duration::from_millis(20))
            .cooldown(Duration::from_millis(20))
            .record_bodies(true),
    )
    .expect("fake");
    let isid = fake.identity_source_id().to_owned();
    for id in ["old-1", "old-2", "stays"] {
        let mut user = FakeUser {
            external_id: id.to_owned(),
            status: UserStatus::Active,
            profile: Default::default(),
        };
        user.profile
            .insert("userName".into(), format!("{id}@example.com"));
        fake.insert_user(&isid, user);
    }
    fake.insert_group(
        &isid,
        FakeGroup::new("gone")
            .display_name("Gone")
            .members(["stays"]),
    );
    fake.insert_group(
        &isid,
        FakeGroup::new("kept")
            .display_name("Kept")
            .members(["stays", "old-1"]),
    );

    let mut job = DirectoryImport::new(client(&fake, 2), &isid, options(100, 3))
        .expect("job")
        .with_upload_client(client(&fake, 0));
    job.upsert_groups((0..3).map(|g| (format!("g{g}"), group(&format!("G{g}")))))
        .expect("groups");
    job.upsert_users((0..250).map(|i| {
        UserUpsert::new(format!("u{i:03}")).attribute("userName", format!("u{i}@example.com"))
    }))
    .expect("users");
    job.add_memberships((0..250).map(|i| (format!("g{}", i % 3), format!("u{i:03}"))))
        .expect("memberships");
    job.add_memberships([("kept".to_owned(), "u000".to_owned())])
        .expect("membership");
    job.remove_memberships([
        ("kept".to_owned(), "old-1".to_owned()),
        ("gone".to_owned(), "stays".to_owned()),
    ])
    .expect("removals");
    job.deactivate_users(["old-1", "old-2"].map(String::from))
        .expect("deactivations");
    job.delete_groups(["gone".to_owned()])
        .expect("group deletes");
    let plan = job.plan().expect("plan");
    assert_eq!(plan.lines()[0], "users: +250 ~0 -2");
    assert!(plan.lines().contains(&"groups: +3 ~0 -1".to_owned()));
    // The removal from the deleted group goes with the group.
    assert!(plan.lines().contains(&"memberships: +251 -1".to_owned()));
    let report = job.run().await.expect("run");
    assert!(report.complete(), "{report:?}");
    // 1 group upload, 3 user uploads, 3 membership uploads (251 in 100s),
    // then 1 removal, 1 deactivation, 1 group delete: 10 uploads, 3 per
    // session: 4 sessions.
    assert_eq!(report.sessions.len(), 4, "{:?}", report.sessions);
    assert_eq!(report.uploads, 10);

    let active: BTreeSet<String> = fake
        .users(&isid)
        .into_iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.external_id)
        .collect();
    assert_eq!(active.len(), 251);
    assert!(active.contains("stays") && !active.contains("old-1"));
    let groups: Vec<String> = fake
        .groups(&isid)
        .into_iter()
        .map(|g| g.external_id)
        .collect();
    assert_eq!(groups, ["g0", "g1", "g2", "kept"]);
    assert_eq!(fake.members(&isid, "kept"), ["stays", "u000"]);
    assert_eq!(fake.members(&isid, "g1").len(), 83);
    assert_eq!(fake.duplicates(&isid), []);
    assert_eq!(fake.ignored_memberships(&isid), Vec::<String>::new());

    // The order of the uploads, and no upload over the limit.
    let mut order: Vec<&'static str> = Vec::new();
    for r in fake.requests() {
        let Some(op) = r.operation_id.filter(|o| o.starts_with("upload")) else {
            continue;
        };
        let body: Value = serde_json::from_slice(&r.body).expect("json");
        let n: usize = match op {
            "uploadIdentitySourceGroupsDataForDelete" => {
                body["externalIds"].as_array().map_or(0, Vec::len)
            }
            "uploadIdentitySourceGroupMembershipsForUpsert"
            | "uploadIdentitySourceGroupMembershipsForDelete" => {
                body["memberships"].as_array().map_or(0, |e| {
                    e.iter()
                        .map(|m| m["memberExternalIds"].as_array().map_or(0, Vec::len))
                        .sum()
                })
            }
            _ => body["profiles"].as_array().map_or(0, Vec::len),
        };
        assert!((1..=100).contains(&n), "{op}: {n}");
        if order.last() != Some(&op) {
            order.push(op);
        }
    }
    assert_eq!(
        order,
        [
            "uploadIdentitySourceGroupsForUpsert",
            "uploadIdentitySourceDataForUpsert",
            "uploadIdentitySourceGroupMembershipsForUpsert",
            "uploadIdentitySourceGroupMembershipsForDelete",
            "uploadIdentitySourceDataForDelete",
            "uploadIdentitySourceGroupsDataForDelete",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contradictory_or_invalid_changes_send_nothing() {
    let fake = FakeOkta::start(FakeConfig::default()).expect("fake");
    let isid = fake.identity_source_id().to_owned();
    let mut job =
        DirectoryImport::new(client(&fake, 2), &isid, SyncOptions::default()).expect("job");
    job.upsert_users([
        UserUpsert::new("a").attribute("userName", "a@x"),
        UserUpsert::new("b"),
    ])
    .expect("users");
    job.deactivate_users(["a", ""].map(String::from))
        .expect("deactivations");
    job.upsert_groups([
        ("g".to_owned(), group("G")),
        ("x".repeat(256), group("Long")),
    ])
    .expect("groups");
    job.delete_groups(["g".to_owned()]).expect("deletes");
    let problems = match job.plan() {
        Err(SyncError::Roster(p)) => p,
        other => panic!("{other:?}"),
    };
    let text: Vec<String> = problems.problems.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    for expected in [
        "users, line 2: profile has no attribute",
        "users, line 2: deactivation: externalId is empty",
        "groups, line 2: externalId has 256 characters",
        "`a` is both upserted and deactivated",
        "`g` is both upserted and deleted",
    ] {
        assert!(all.contains(expected), "{expected:?} not in\n{all}");
    }
    assert_eq!(fake.request_count(), 0);
}
