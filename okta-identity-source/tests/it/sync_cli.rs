#![cfg(feature = "cli")]
//! `okta-identity-source sync` end to end against a fake started here (so
//! its state can be inspected): first and second syncs, the plan, the
//! safeguard, bad input, state-file errors, adoption, Okta's limits, a
//! session ending in ERROR, a dropped upload, and a run killed while Okta
//! imports its session.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use okta_identity_source::fake::{
    FakeConfig, FakeOkta, FakeUser, Fault, FaultKind, SessionStatus, UserStatus,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_okta-identity-source");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn fake() -> FakeOkta {
    FakeOkta::start(
        FakeConfig::default()
            .processing_delay(Duration::from_millis(30))
            .cooldown(Duration::from_millis(30))
            .record_bodies(true),
    )
    .unwrap_or_else(|e| panic!("fake: {e}"))
}

fn command(fake: &FakeOkta, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env("OKTA_CLIENT_ORGURL", fake.base_url())
        .env("OKTA_CLIENT_TOKEN", fake.api_token())
        .env("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true")
        .env("OKTA_IDENTITY_SOURCE_ID", fake.identity_source_id())
        .args(["sync", "--quiet"]);
    if !args.contains(&"--state") {
        cmd.args(["--state", "state.db"]);
    }
    cmd.args(["--poll-interval-ms", "15", "--cooldown-ms", "30"])
        .args(args)
        .stdin(Stdio::null());
    cmd
}

/// Runs `sync` off the async runtime so the in-test fake keeps serving.
async fn sync(fake: &FakeOkta, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = command(fake, dir, args);
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("run {BIN}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn active_users(fake: &FakeOkta) -> BTreeMap<String, BTreeMap<String, String>> {
    fake.users(fake.identity_source_id())
        .into_iter()
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| (u.external_id, u.profile))
        .collect()
}

fn deactivated(fake: &FakeOkta) -> BTreeSet<String> {
    fake.users(fake.identity_source_id())
        .into_iter()
        .filter(|u| u.status == UserStatus::Deactivated)
        .map(|u| u.external_id)
        .collect()
}

fn memberships(fake: &FakeOkta) -> BTreeSet<(String, String)> {
    fake.groups(fake.identity_source_id())
        .into_iter()
        .flat_map(|g| {
            let id = g.external_id.clone();
            g.members.into_iter().map(move |m| (id.clone(), m))
        })
        .collect()
}

fn users_csv(ids: impl IntoIterator<Item = u32>, dept: impl Fn(u32) -> String) -> String {
    let mut s = String::from("externalId,userName,firstName,department\n");
    for i in ids {
        s.push_str(&format!("u{i:03},u{i}@example.com,First{i},{}\n", dept(i)));
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_and_second_sync_make_the_fake_hold_exactly_the_source() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(d, "u1.csv", &users_csv(0..40, |i| format!("d{}", i % 3)));
    write(
        d,
        "g1.csv",
        "externalId,displayName,description\nd0,Dept 0,zero\nd1,Dept 1,\nd2,Dept 2,two\n",
    );
    let mut m1 = String::from("groupExternalId,memberExternalId\n");
    for i in 0..40 {
        m1.push_str(&format!("d{},u{i:03}\n", i % 3));
    }
    write(d, "m1.csv", &m1);
    let args1 = ["u1.csv", "--groups", "g1.csv", "--memberships", "m1.csv"];

    // The plan sends nothing.
    let plan = sync(&fake, d, &[&args1[..], &["--plan"]].concat()).await;
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let out = stdout(&plan);
    assert!(
        out.contains("users: +40 ~0 -0\n  + u000, u001, u002 … (37 more)\n"),
        "{out}"
    );
    assert!(out.contains("groups: +3 ~0 -0\n"), "{out}");
    assert!(out.contains("memberships: +40 -0\n"), "{out}");
    assert_eq!(fake.request_count(), 0);

    let first = sync(&fake, d, &[&args1[..], &["--report", "r1.json"]].concat()).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    // Every apply prints the plan lines first, then the summary.
    assert!(
        stdout(&first).starts_with("users: +40 ~0 -0\n"),
        "{}",
        text(&first)
    );
    assert!(
        stdout(&first).contains("| confirmed by Okta"),
        "{}",
        text(&first)
    );
    assert_eq!(active_users(&fake).len(), 40);
    assert_eq!(
        fake.group(fake.identity_source_id(), "d1")
            .map(|g| g.members.len()),
        Some(13)
    );
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions.len(), 1, "one session suffices");
    let report: Value = serde_json::from_slice(&std::fs::read(d.join("r1.json")).expect("report"))
        .expect("report json");
    assert_eq!(report["summary"]["usersNew"], 40);
    assert_eq!(report["summary"]["confirmed"], 83);
    let entities = report["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 83);
    let user = entities
        .iter()
        .find(|e| e["kind"] == "user" && e["externalId"] == "u007")
        .expect("u007 in the report");
    assert_eq!(user["outcome"], "confirmed");
    assert_eq!(user["sessionId"], Value::String(sessions[0].id.clone()));

    // Second source: u000-u004 leave, u040-u044 join, u010-u019 change
    // department (and so group), d2 is deleted, d3 is new; the firstName
    // of u020 is cleared.
    let dept = |i: u32| {
        if (10..20).contains(&i) {
            "d3".to_owned()
        } else {
            format!("d{}", i % 2)
        }
    };
    let mut u2 = users_csv(5..45, dept);
    u2 = u2.replace("u020,u20@example.com,First20,", "u020,u20@example.com,,");
    write(d, "u2.csv", &u2);
    write(
        d,
        "g2.csv",
        "externalId,displayName,description\nd0,Dept 0,zero\nd1,Dept One,\nd3,Dept 3,new\n",
    );
    let mut m2 = String::from("groupExternalId,memberExternalId\n");
    let mut expected_members = BTreeSet::new();
    for i in 5..45 {
        m2.push_str(&format!("{},u{i:03}\n", dept(i)));
        expected_members.insert((dept(i), format!("u{i:03}")));
    }
    write(d, "m2.csv", &m2);
    let args2 = ["u2.csv", "--groups", "g2.csv", "--memberships", "m2.csv"];
    let before = fake.request_count();
    let second = sync(&fake, d, &[&args2[..], &["--report", "r2.json"]].concat()).await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let out = stdout(&second);
    // 5 joiners; changed: u010-u019 (department), u020 (firstName cleared)
    // and the others whose department i%3 became i%2.
    assert!(out.contains("users: +5 ~"), "{out}");
    assert!(
        out.contains(" -5\n  + u040, u041, u042 … (2 more)"),
        "{out}"
    );
    assert!(out.contains("  - u000, u001, u002 … (2 more)"), "{out}");
    assert!(
        out.contains("groups: +1 ~1 -1\n  + d3\n  ~ d1\n  - d2\n"),
        "{out}"
    );
    assert!(out.contains("memberships: +"), "{out}");
    // Only the difference travelled: one session.
    assert_eq!(fake.sessions(fake.identity_source_id()).len(), 2);
    assert!(
        fake.request_count() - before < 12,
        "{}",
        fake.request_count() - before
    );

    let expected_users: BTreeMap<String, BTreeMap<String, String>> = (5..45)
        .map(|i| {
            let mut p = BTreeMap::new();
            p.insert("userName".to_owned(), format!("u{i}@example.com"));
            if i != 20 {
                p.insert("firstName".to_owned(), format!("First{i}"));
            }
            p.insert("department".to_owned(), dept(i));
            (format!("u{i:03}"), p)
        })
        .collect();
    assert_eq!(active_users(&fake), expected_users);
    assert_eq!(
        deactivated(&fake),
        (0..5).map(|i| format!("u{i:03}")).collect::<BTreeSet<_>>()
    );
    let groups: BTreeMap<String, BTreeMap<String, String>> = fake
        .groups(fake.identity_source_id())
        .into_iter()
        .map(|g| (g.external_id, g.profile))
        .collect();
    assert_eq!(
        groups.keys().cloned().collect::<Vec<_>>(),
        ["d0", "d1", "d3"]
    );
    assert_eq!(
        groups["d1"].get("displayName").map(String::as_str),
        Some("Dept One")
    );
    assert_eq!(groups["d1"].get("description"), None);
    assert_eq!(memberships(&fake), expected_members);
    assert!(fake.duplicates(fake.identity_source_id()).is_empty());

    // Users are readable through the API.
    let http = okta_identity_source::__private::testing::reqwest_client_builder()
        .build()
        .expect("http");
    let resp = http
        .get(format!(
            "{}/api/v1/identity-sources/{}/users/u020",
            fake.base_url(),
            fake.identity_source_id()
        ))
        .header("Authorization", format!("SSWS {}", fake.api_token()))
        .send()
        .await
        .expect("get user");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["profile"]["firstName"], Value::Null);
    assert_eq!(body["profile"]["department"], "d0");

    // Converged: nothing left to send.
    let again = sync(&fake, d, &[&args2[..], &["--plan"]].concat()).await;
    assert!(
        stdout(&again).starts_with("users: +0 ~0 -0\ngroups: +0 ~0 -0\nmemberships: +0 -0\n"),
        "{}",
        text(&again)
    );
    let r2: Value =
        serde_json::from_slice(&std::fs::read(d.join("r2.json")).expect("report")).expect("json");
    let kinds: BTreeSet<&str> = r2["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        [
            "user",
            "deactivation",
            "group",
            "groupDeletion",
            "membership",
            "membershipRemoval"
        ]
        .iter()
        .all(|k| kinds.contains(k)),
        "{kinds:?}"
    );
    let outcomes: BTreeSet<&str> = r2["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["outcome"].as_str())
        .collect();
    assert!(
        outcomes.contains("unchanged") && outcomes.contains("deactivated"),
        "{outcomes:?}"
    );

    // Without --groups/--memberships only users are managed.
    let users_only = sync(&fake, d, &["u2.csv", "--plan"]).await;
    assert_eq!(stdout(&users_only).lines().next(), Some("users: +0 ~0 -0"));
    assert!(
        !stdout(&users_only).contains("groups:"),
        "{}",
        text(&users_only)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_export_is_refused_and_nothing_is_sent() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(d, "all.csv", &users_csv(0..200, |_| "x".into()));
    let first = sync(&fake, d, &["all.csv"]).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    write(d, "half.csv", &users_csv(0..100, |_| "x".into()));
    let before = fake.request_count();
    let refused = sync(&fake, d, &["half.csv"]).await;
    assert_eq!(refused.status.code(), Some(5), "{}", text(&refused));
    let t = text(&refused);
    assert!(t.contains("users: +0 ~0 -100"), "{t}");
    assert!(t.contains("would deactivate 100 of the 200 users"), "{t}");
    assert!(t.contains("shrank from 200 to 100 users"), "{t}");
    assert!(t.contains("Nothing was sent."), "{t}");
    assert_eq!(fake.request_count(), before, "nothing may be sent");
    // One threshold raised: the other still refuses.
    let still = sync(&fake, d, &["half.csv", "--max-deactivations", "60%"]).await;
    assert_eq!(still.status.code(), Some(5), "{}", text(&still));
    assert!(
        !text(&still).contains("would deactivate"),
        "{}",
        text(&still)
    );
    // An empty export is refused too.
    write(d, "empty.csv", "externalId,userName\n");
    let empty = sync(
        &fake,
        d,
        &[
            "empty.csv",
            "--max-deactivations",
            "100%",
            "--max-shrink",
            "100%",
        ],
    )
    .await;
    assert_eq!(empty.status.code(), Some(5), "{}", text(&empty));
    assert!(text(&empty).contains("no rows"), "{}", text(&empty));
    assert_eq!(fake.request_count(), before);
    // Both raised explicitly: the leavers are deactivated.
    let ok = sync(
        &fake,
        d,
        &[
            "half.csv",
            "--max-deactivations",
            "100",
            "--max-shrink",
            "50%",
        ],
    )
    .await;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert_eq!(deactivated(&fake).len(), 100);
    // A small source may lose a few users without flags.
    write(d, "less.csv", &users_csv(0..95, |_| "x".into()));
    let few = sync(&fake, d, &["less.csv"]).await;
    assert_eq!(few.status.code(), Some(0), "{}", text(&few));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_reported_by_line_and_nothing_is_sent() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    let cases: [(&str, &str, &[&str], &str); 6] = [
        (
            "dup.csv",
            "externalId,userName\na,a@x\nb,b@x\na,c@x\n",
            &[],
            "duplicate externalId `a`: lines 2 and 4",
        ),
        (
            "emptyprofile.csv",
            "externalId,userName,firstName\na,a@x,A\nb,,\n",
            &[],
            "line 3: the profile of `b` has no attribute with a value",
        ),
        (
            "ok.csv",
            "externalId,userName\na,a@x\n",
            &["--memberships", "m.csv"],
            "m.csv, line 3: member `zz` is not a user of the users input",
        ),
        (
            "ok.csv",
            "externalId,userName\na,a@x\n",
            &["--groups", "g.csv", "--memberships", "m.csv"],
            "group `g2` is not a group of the groups input",
        ),
        (
            "ok.csv",
            "externalId,userName\na,a@x\n",
            &["--groups", "gdup.csv"],
            "gdup.csv, line 3: duplicate externalId `g1`: lines 2 and 3",
        ),
        (
            "bad.jsonl",
            "{\"externalId\":\"a\",\"profile\":{\"n\":1}}\n",
            &[],
            "bad.jsonl, line 1: profile attribute `n` is not a string",
        ),
    ];
    write(
        d,
        "m.csv",
        "groupExternalId,memberExternalId\ng1,a\ng2,zz\n",
    );
    write(d, "g.csv", "externalId,displayName\ng1,G1\n");
    write(
        d,
        "gdup.csv",
        "externalId,displayName\ng1,G1\ng1,G1 again\n",
    );
    for (name, content, extra, expected) in cases {
        write(d, name, content);
        let out = sync(&fake, d, &[&[name][..], extra].concat()).await;
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(text(&out).contains(expected), "{name}: {}", text(&out));
        assert!(text(&out).contains("Nothing was sent."), "{}", text(&out));
    }
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_state_files_are_refused_with_a_clear_error() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(d, "u.csv", &users_csv(0..3, |_| "x".into()));
    // Not a state file: untouched.
    write(d, "notes.txt", "these are my notes\n");
    let out = sync(&fake, d, &["u.csv", "--state", "notes.txt"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("not a sync state file"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(d.join("notes.txt")).ok().as_deref(),
        Some("these are my notes\n")
    );
    // Another SQLite database.
    {
        let other = rusqlite::Connection::open(d.join("other.db")).expect("open");
        other
            .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .expect("create");
    }
    let out = sync(&fake, d, &["u.csv", "--state", "other.db"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(text(&out).contains("another application"), "{}", text(&out));

    let ok = sync(&fake, d, &["u.csv"]).await;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    // Locked by another running sync.
    {
        let holder = rusqlite::Connection::open(d.join("state.db")).expect("open");
        holder
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .expect("lock");
        let out = sync(&fake, d, &["u.csv", "--plan"]).await;
        assert_eq!(out.status.code(), Some(6), "{}", text(&out));
        assert!(
            text(&out).contains("locked by another running sync"),
            "{}",
            text(&out)
        );
    }
    // The state of another identity source.
    let other = fake.register_identity_source();
    let out = sync(&fake, d, &["u.csv", "--plan", "--source-id", &other]).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("belongs to identity source"),
        "{}",
        text(&out)
    );
    // Written by a newer version.
    {
        let c = rusqlite::Connection::open(d.join("state.db")).expect("open");
        c.pragma_update(None, "user_version", 99).expect("version");
    }
    let out = sync(&fake, d, &["u.csv", "--plan"]).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(text(&out).contains("newer version"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_source_filled_by_other_means_is_adopted_without_sending() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    let isid = fake.identity_source_id().to_owned();
    for i in 0..30u32 {
        let mut profile = BTreeMap::new();
        profile.insert("userName".to_owned(), format!("u{i}@example.com"));
        profile.insert("firstName".to_owned(), format!("First{i}"));
        profile.insert("department".to_owned(), "x".to_owned());
        let mut user = FakeUser {
            external_id: format!("u{i:03}"),
            status: UserStatus::Active,
            profile: BTreeMap::new(),
        };
        user.profile = profile;
        fake.insert_user(&isid, user);
    }
    write(d, "u.csv", &users_csv(0..30, |_| "x".into()));
    let adopt = sync(&fake, d, &["u.csv", "--adopt"]).await;
    assert_eq!(adopt.status.code(), Some(0), "{}", text(&adopt));
    assert!(stdout(&adopt).contains("30 users"), "{}", text(&adopt));
    assert_eq!(fake.request_count(), 0);
    // A second adoption into the same state is refused.
    let again = sync(&fake, d, &["u.csv", "--adopt"]).await;
    assert_eq!(again.status.code(), Some(6), "{}", text(&again));
    // From now on only differences travel.
    let mut changed = users_csv(0..30, |_| "x".into());
    changed = changed.replace(
        "u003,u3@example.com,First3,x",
        "u003,u3@example.com,Third,x",
    );
    changed.push_str("u100,u100@example.com,New,x\n");
    write(d, "u2.csv", &changed);
    let out = sync(&fake, d, &["u2.csv"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).starts_with("users: +1 ~1 -0\n"),
        "{}",
        text(&out)
    );
    let uploads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation_id == Some("uploadIdentitySourceDataForUpsert"))
        .collect();
    assert_eq!(uploads.len(), 1);
    let body: Value = serde_json::from_slice(&uploads[0].body).expect("body");
    let ids: Vec<&str> = body["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["externalId"].as_str())
        .collect();
    assert_eq!(ids, ["u003", "u100"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_sessions_follow_the_limits_and_the_order_okta_accepts() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(d, "u.csv", &users_csv(0..230, |i| format!("d{}", i % 3)));
    write(d, "g.csv", "externalId,displayName\nd0,D0\nd1,D1\nd2,D2\n");
    let mut m = String::from("groupExternalId,memberExternalId\n");
    for i in 0..230 {
        m.push_str(&format!("d{},u{i:03}\n", i % 3));
    }
    write(d, "m.csv", &m);
    let out = sync(
        &fake,
        d,
        &[
            "u.csv",
            "--groups",
            "g.csv",
            "--memberships",
            "m.csv",
            "--max-entities-per-upload",
            "50",
            "--max-uploads-per-session",
            "4",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 1 group upload + 5 user uploads + memberships: 230 members in
    // uploads of at most 50 (a new upload per group boundary allowed):
    // 5 uploads. 11 uploads, 4 per session: 3 sessions.
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    assert!(
        sessions
            .iter()
            .all(|s| s.status == SessionStatus::Completed)
    );
    let uploads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation_id.is_some_and(|o| o.starts_with("upload")))
        .collect();
    assert_eq!(uploads.len(), 11);
    let mut order = Vec::new();
    for u in &uploads {
        assert_eq!(u.status, Some(202));
        let body: Value = serde_json::from_slice(&u.body).expect("body");
        let n = match u.operation_id {
            Some("uploadIdentitySourceGroupMembershipsForUpsert") => body["memberships"]
                .as_array()
                .expect("memberships")
                .iter()
                .map(|e| e["memberExternalIds"].as_array().map_or(0, Vec::len))
                .sum(),
            _ => body["profiles"].as_array().map_or(0, Vec::len),
        };
        assert!((1..=50).contains(&n), "{n} entities in one upload");
        if order.last() != u.operation_id.as_ref() {
            order.extend(u.operation_id);
        }
    }
    assert_eq!(
        order,
        [
            "uploadIdentitySourceGroupsForUpsert",
            "uploadIdentitySourceDataForUpsert",
            "uploadIdentitySourceGroupMembershipsForUpsert"
        ]
    );
    assert_eq!(memberships(&fake).len(), 230);
    assert_eq!(
        fake.ignored_memberships(fake.identity_source_id()),
        Vec::<String>::new()
    );
    assert_eq!(fake.duplicates(fake.identity_source_id()), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ending_in_error_or_a_lost_upload_answer_is_sent_again() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(d, "u.csv", &users_csv(0..20, |_| "x".into()));
    fake.fail_next_imports(1);
    let out = sync(&fake, d, &["u.csv", "--report", "r.json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("ended ERROR"), "{}", text(&out));
    let r: Value = serde_json::from_slice(&std::fs::read(d.join("r.json")).expect("r")).expect("j");
    assert_eq!(r["entities"][0]["outcome"], "failed");
    assert!(
        r["entities"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("ERROR")
    );
    assert!(active_users(&fake).is_empty());
    // The next run sends them again (the plan counts them as new).
    let plan = sync(&fake, d, &["u.csv", "--plan"]).await;
    assert!(
        stdout(&plan).starts_with("users: +0 ~20 -0"),
        "{}",
        text(&plan)
    );

    // An upload whose answer is lost after Okta took it: the session is
    // cancelled and its entities go into a new one, never twice into one.
    fake.inject(
        Fault::on_operation(
            "uploadIdentitySourceDataForUpsert",
            FaultKind::DropConnectionAfterProcessing,
        )
        .times(1),
    );
    let out = sync(&fake, d, &["u.csv"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(active_users(&fake).len(), 20);
    assert_eq!(fake.duplicates(fake.identity_source_id()), []);
    let statuses: Vec<SessionStatus> = fake
        .sessions(fake.identity_source_id())
        .iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(
        statuses,
        [
            SessionStatus::Error,
            SessionStatus::Closed,
            SessionStatus::Completed
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_while_okta_imports_is_settled_by_the_next_run() {
    let dir = tempdir();
    let fake = FakeOkta::start(
        FakeConfig::default()
            .processing_delay(Duration::from_secs(3600))
            .cooldown(Duration::from_millis(10)),
    )
    .expect("fake");
    let d = dir.path();
    let isid = fake.identity_source_id().to_owned();
    write(d, "all.csv", &users_csv(0..10, |_| "x".into()));
    write(d, "nine.csv", &users_csv(1..10, |_| "x".into()));

    // Starts a sync, waits until its session is TRIGGERED, kills it, then
    // lets Okta finish the import: COMPLETED, but never recorded by the run.
    let killed_after_trigger = |file: &'static str| {
        let mut child = command(&fake, d, &[file])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let fake = &fake;
        let isid = isid.clone();
        async move {
            let n = fake.sessions(&isid).len();
            for _ in 0..6000 {
                if fake.sessions(&isid).len() > n
                    && fake.sessions(&isid).last().map(|s| s.status)
                        == Some(SessionStatus::Triggered)
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let _ = Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            let _ = child.wait();
            assert_eq!(
                fake.sessions(&isid).last().map(|s| s.status),
                Some(SessionStatus::Triggered)
            );
            fake.advance_clock(Duration::from_secs(3601));
            assert_eq!(
                fake.sessions(&isid).last().map(|s| s.status),
                Some(SessionStatus::Completed)
            );
        }
    };
    killed_after_trigger("all.csv").await;
    assert_eq!(active_users(&fake).len(), 10);
    // u000 leaves; the run is killed once Okta has its deactivation.
    killed_after_trigger("nine.csv").await;
    assert_eq!(deactivated(&fake).len(), 1);
    // u000 comes back with the very same profile. Only a state that
    // settled the killed session knows Okta deactivated them.
    let plan = sync(&fake, d, &["all.csv", "--plan"]).await;
    let t = text(&plan);
    assert!(t.contains("COMPLETED: recorded in the state"), "{t}");
    assert!(
        stdout(&plan).starts_with("users: +1 ~0 -0\n  + u000\n"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_profiles_are_whole_profiles_custom_attributes_and_nulls_included() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    write(
        d,
        "u.jsonl",
        "{\"externalId\":\"a\",\"profile\":{\"userName\":\"a@x\",\"costCenter\":\"R&D\",\"nickName\":\"Al\"}}\n\
         \n\
         {\"externalId\":\"b\",\"profile\":{\"userName\":\"b@x\",\"mobilePhone\":null}}\n",
    );
    let out = sync(&fake, d, &["u.jsonl"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let users = active_users(&fake);
    assert_eq!(
        users["a"].get("costCenter").map(String::as_str),
        Some("R&D")
    );
    // The same profile with its attributes in another order: unchanged.
    write(
        d,
        "same.jsonl",
        "{\"externalId\":\"b\",\"profile\":{\"mobilePhone\":null,\"userName\":\"b@x\"}}\n\
         {\"externalId\":\"a\",\"profile\":{\"nickName\":\"Al\",\"costCenter\":\"R&D\",\"userName\":\"a@x\"}}\n",
    );
    let same = sync(&fake, d, &["same.jsonl", "--plan"]).await;
    assert!(
        stdout(&same).starts_with("users: +0 ~0 -0\n"),
        "{}",
        text(&same)
    );
    // A null where there was nothing is a change; so is a dropped attribute,
    // which is sent as null so that Okta clears it.
    write(
        d,
        "next.jsonl",
        "{\"externalId\":\"a\",\"profile\":{\"userName\":\"a@x\",\"costCenter\":\"R&D\"}}\n\
         {\"externalId\":\"b\",\"profile\":{\"userName\":\"b@x\",\"mobilePhone\":null,\"title\":null}}\n",
    );
    let next = sync(&fake, d, &["next.jsonl"]).await;
    assert!(
        stdout(&next).starts_with("users: +0 ~2 -0\n"),
        "{}",
        text(&next)
    );
    let users = active_users(&fake);
    assert_eq!(users["a"].get("nickName"), None, "{users:?}");
    assert_eq!(
        users["a"].get("costCenter").map(String::as_str),
        Some("R&D")
    );
    let last = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation_id == Some("uploadIdentitySourceDataForUpsert"))
        .last()
        .expect("an upsert");
    let body: Value = serde_json::from_slice(&last.body).expect("json");
    assert_eq!(body["profiles"][0]["profile"]["nickName"], Value::Null);
    assert!(body["profiles"][0]["profile"].get("nickName").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_errors_and_lost_connections_anywhere_leave_a_state_that_converges() {
    let dir = tempdir();
    let fake = fake();
    let d = dir.path();
    let isid = fake.identity_source_id().to_owned();
    // Two versions of the source, alternated, so every run has work.
    let v0 = users_csv(0..120, |i| format!("d{}", i % 3));
    let v1 = users_csv(10..130, |i| format!("d{}", i % 4));
    write(d, "v0.csv", &v0);
    write(d, "v1.csv", &v1);
    let groups = "externalId,displayName\nd0,D0\nd1,D1\nd2,D2\nd3,D3\n";
    write(d, "g.csv", groups);
    let members = |ids: std::ops::Range<u32>, n: u32| {
        let mut m = String::from("groupExternalId,memberExternalId\n");
        for i in ids {
            m.push_str(&format!("d{},u{i:03}\n", i % n));
        }
        m
    };
    write(d, "m0.csv", &members(0..120, 3));
    write(d, "m1.csv", &members(10..130, 4));
    let operations = [
        "createIdentitySourceSession",
        "listIdentitySourceSessions",
        "getIdentitySourceSession",
        "deleteIdentitySourceSession",
        "uploadIdentitySourceDataForUpsert",
        "uploadIdentitySourceDataForDelete",
        "uploadIdentitySourceGroupsForUpsert",
        "uploadIdentitySourceGroupMembershipsForUpsert",
        "uploadIdentitySourceGroupMembershipsForDelete",
        "startImportFromIdentitySource",
    ];
    let kinds = [
        FaultKind::InternalServerError,
        FaultKind::ServiceUnavailable,
        FaultKind::DropConnection,
        FaultKind::DropConnectionAfterProcessing,
    ];
    let mut rng = fastrand::Rng::with_seed(12);
    let mut failed_runs = 0;
    for run in 0..16 {
        let v = run / 2 % 2;
        let op = operations[rng.usize(..operations.len())];
        let kind = kinds[rng.usize(..kinds.len())].clone();
        // Several in a row, so the runtime's and the sync's retries give up.
        fake.inject(Fault::on_operation(op, kind).after(rng.u32(0..3)).times(6));
        if run % 5 == 4 {
            fake.fail_next_imports(1);
        }
        let out = sync(
            &fake,
            d,
            &[
                &format!("v{v}.csv"),
                "--groups",
                "g.csv",
                "--memberships",
                &format!("m{v}.csv"),
                "--max-entities-per-upload",
                "30",
                "--max-uploads-per-session",
                "3",
            ],
        )
        .await;
        let code = out.status.code();
        assert!(matches!(code, Some(0 | 1 | 3)), "run {run}: {}", text(&out));
        failed_runs += usize::from(code != Some(0));
        fake.clear_faults();
        fake.fail_next_imports(0);
    }
    eprintln!("{failed_runs} of 16 runs stopped by a fault");
    assert!(
        failed_runs >= 4,
        "the faults should stop some runs ({failed_runs})"
    );
    let args = ["v1.csv", "--groups", "g.csv", "--memberships", "m1.csv"];
    let last = sync(&fake, d, &args).await;
    assert_eq!(last.status.code(), Some(0), "{}", text(&last));
    let plan = sync(&fake, d, &[&args[..], &["--plan"]].concat()).await;
    assert!(
        stdout(&plan).starts_with("users: +0 ~0 -0\ngroups: +0 ~0 -0\nmemberships: +0 -0\n"),
        "{}",
        text(&plan)
    );
    let expected: BTreeSet<String> = (10..130).map(|i| format!("u{i:03}")).collect();
    assert_eq!(
        active_users(&fake).keys().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(
        deactivated(&fake),
        (0..10).map(|i| format!("u{i:03}")).collect::<BTreeSet<_>>()
    );
    for (id, profile) in active_users(&fake) {
        let i: u32 = id[1..].parse().unwrap_or(0);
        assert_eq!(
            profile.get("department"),
            Some(&format!("d{}", i % 4)),
            "{id}"
        );
    }
    let expected_members: BTreeSet<(String, String)> = (10..130)
        .map(|i| (format!("d{}", i % 4), format!("u{i:03}")))
        .collect();
    assert_eq!(memberships(&fake), expected_members);
    assert_eq!(fake.duplicates(&isid), []);
    assert_eq!(fake.ignored_memberships(&isid), Vec::<String>::new());
}
