#![cfg(all(feature = "fake", feature = "import"))]
//! The import workflow against the fake: batching, sessions, faults,
//! failed sessions and client-side rejects.

use crate::import_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use import_support::{assert_holds_exactly, quick_fake, quick_options, user};
use okta_identity_source::fake::{FakeOkta, Fault, FaultKind, Limits, SessionStatus};
use okta_identity_source::import::{
    EntityKind, ImportEvent, ImportJob, ImportOptions, NotImportedReason, RejectReason, Step,
    UserUpsert,
};
use okta_identity_source::models::IdentitySourceSessionStatus as Status;

const UPSERT: &str = "uploadIdentitySourceDataForUpsert";

fn start(config: okta_identity_source::fake::FakeConfig) -> Arc<FakeOkta> {
    match FakeOkta::start(config) {
        Ok(f) => Arc::new(f),
        Err(e) => panic!("fake starts: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_thousand_users_survive_storms_503s_and_dropped_connections() {
    let fake = start(quick_fake());
    // 429 storms: the first requests of the job, and a run of upserts long
    // enough to outlast the runtime's own retries.
    fake.inject(Fault::next_requests(4, FaultKind::too_many_requests()));
    fake.inject(
        Fault::on_operation(UPSERT, FaultKind::too_many_requests())
            .after(20)
            .times(5),
    );
    // 503s on uploads (retried by the runtime: uploads are idempotent).
    fake.inject(
        Fault::on_operation(UPSERT, FaultKind::ServiceUnavailable)
            .after(40)
            .times(4),
    );
    // Dropped connections: before an upload is handled, after the second
    // create and the third trigger were applied (their answers are lost),
    // on polls, and after an upload of the last session was applied.
    fake.inject(Fault::on_operation(UPSERT, FaultKind::DropConnection).after(70));
    fake.inject(
        Fault::on_operation(
            "createIdentitySourceSession",
            FaultKind::DropConnectionAfterProcessing,
        )
        .after(1),
    );
    fake.inject(
        Fault::on_operation(
            "startImportFromIdentitySource",
            FaultKind::DropConnectionAfterProcessing,
        )
        .after(2),
    );
    fake.inject(
        Fault::on_operation("getIdentitySourceSession", FaultKind::DropConnection).times(2),
    );
    fake.inject(Fault::on_operation(UPSERT, FaultKind::DropConnectionAfterProcessing).after(110));

    let first_upload_read = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&first_upload_read);
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .on_progress(move |p| {
            if let ImportEvent::Uploaded { .. } = p.event {
                let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
                s.get_or_insert(p.counts.upserts_read);
            }
        })
        .run_iter((0..25_000).map(user), Vec::new())
        .await;
    let report = match report {
        Ok(r) => r,
        Err(e) => panic!("import failed: {e}: {:#?}", e.report().sessions),
    };

    assert!(report.all_imported(), "{:?}", report.not_imported.first());
    assert_eq!(report.counts.upserts_read, 25_000);
    assert_eq!(report.counts.upserted, 25_000);
    assert_eq!(report.counts.failed, 0);
    let statuses: Vec<_> = report.sessions.iter().map(|s| s.status.clone()).collect();
    assert_eq!(statuses, vec![Some(Status::Completed); 3]);
    let sizes: Vec<_> = report.sessions.iter().map(|s| s.upserts).collect();
    assert_eq!(sizes, vec![10_000, 10_000, 5_000]);
    assert_eq!(fake.pending_faults(), 0, "every injected fault fired");
    // The input was streamed: the first upload left after 201 users were read.
    assert_eq!(
        *first_upload_read.lock().unwrap_or_else(|e| e.into_inner()),
        Some(201)
    );
    assert_holds_exactly(&fake, (0..25_000).map(user));
    let fake_sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(
        fake_sessions.len(),
        3,
        "the lost create answer did not leak a session"
    );
    assert!(
        fake_sessions
            .iter()
            .all(|s| s.status == SessionStatus::Completed)
    );
}

#[tokio::test]
async fn uploads_respect_the_entity_and_byte_limits() {
    let fake = start(quick_fake().record_bodies(true));
    // ~3 KB per user: about 66 users fit in 200 KB.
    let users = (0..700).map(|i| user(i).attribute("homeAddress", "x".repeat(3_000)));
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter(users, [])
        .await;
    let report = report.unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    let uploads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation_id == Some(UPSERT))
        .collect();
    assert!(uploads.len() >= 11, "{} uploads", uploads.len());
    for u in &uploads {
        assert_eq!(u.status, Some(202));
        assert!(u.body.len() <= 200_000, "{} bytes", u.body.len());
        let v: serde_json::Value = serde_json::from_slice(&u.body).unwrap_or_default();
        assert!(v["profiles"].as_array().map_or(0, Vec::len) <= 200);
    }
    // Packed tight: all but the last upload are within one user of the limit.
    for u in &uploads[..uploads.len() - 1] {
        assert!(u.body.len() > 200_000 - 3_200, "{} bytes", u.body.len());
    }
    assert_holds_exactly(
        &fake,
        (0..700).map(|i| user(i).attribute("homeAddress", "x".repeat(3_000))),
    );
}

#[tokio::test]
async fn a_session_that_ends_in_error_is_reported_entity_by_entity() {
    let fake = start(quick_fake());
    let hook = Arc::clone(&fake);
    let options = ImportOptions {
        max_users_per_session: 200,
        ..quick_options()
    };
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options)
        .on_progress(move |p| {
            // Make the second session's import fail.
            if let ImportEvent::SessionFinished(s) = p.event
                && p.counts.sessions == 1
                && s.completed()
            {
                hook.fail_next_imports(1);
            }
        })
        .run_iter((0..500).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let statuses: Vec<_> = report.sessions.iter().map(|s| s.status.clone()).collect();
    assert_eq!(
        statuses,
        vec![
            Some(Status::Completed),
            Some(Status::Error),
            Some(Status::Completed)
        ]
    );
    assert!(!report.all_imported());
    assert_eq!(report.counts.upserted, 300);
    assert_eq!(report.counts.failed, 200);
    let failed_session = report.sessions[1].id.clone();
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 200);
    for (n, f) in failures.iter().enumerate() {
        assert_eq!(f.kind, EntityKind::Upsert);
        assert_eq!(f.index, 200 + n as u64);
        assert_eq!(f.external_id, user(200 + n).external_id);
        assert_eq!(
            f.reason,
            NotImportedReason::SessionEnded {
                session_id: failed_session.clone(),
                status: Status::Error
            }
        );
    }
    assert_holds_exactly(&fake, (0..200).chain(400..500).map(user));
}

#[tokio::test]
async fn client_side_rejects_are_reported_and_never_sent() {
    let fake = start(quick_fake().record_bodies(true));
    let long_id = "L".repeat(513);
    let mut number = UserUpsert::new("has-a-number").attribute("userName", "n@example.com");
    number
        .profile
        .additional_properties
        .insert("age".into(), serde_json::json!(42));
    let users = vec![
        user(0),
        UserUpsert::new("").attribute("userName", "empty@example.com"),
        UserUpsert::new(long_id.clone()).attribute("userName", "long@example.com"),
        number,
        UserUpsert::new("no-profile"),
        user(1),
    ];
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter(
            users,
            vec![String::new(), "M".repeat(600), "ext-000001".into()],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let rejects: Vec<_> = report
        .not_imported
        .iter()
        .filter(|n| matches!(n.reason, NotImportedReason::Rejected(_)))
        .map(|n| (n.kind, n.index, n.external_id.clone(), n.reason.clone()))
        .collect();
    use NotImportedReason::Rejected;
    assert_eq!(
        rejects,
        vec![
            (
                EntityKind::Upsert,
                1,
                String::new(),
                Rejected(RejectReason::EmptyExternalId)
            ),
            (
                EntityKind::Upsert,
                2,
                long_id.clone(),
                Rejected(RejectReason::ExternalIdTooLong {
                    chars: 513,
                    max: 512
                })
            ),
            (
                EntityKind::Upsert,
                3,
                "has-a-number".into(),
                Rejected(RejectReason::NonStringAttribute {
                    name: "age".into(),
                    found: "number"
                })
            ),
            (
                EntityKind::Upsert,
                4,
                "no-profile".into(),
                Rejected(RejectReason::EmptyProfile)
            ),
            (
                EntityKind::Deactivate,
                0,
                String::new(),
                Rejected(RejectReason::EmptyExternalId)
            ),
            (
                EntityKind::Deactivate,
                1,
                "M".repeat(600),
                Rejected(RejectReason::ExternalIdTooLong {
                    chars: 600,
                    max: 512
                })
            ),
        ]
    );
    assert_eq!(report.counts.rejected, 6);
    assert_eq!(report.counts.upserted, 2);
    assert_eq!(report.counts.deactivated, 1);
    for r in fake.requests() {
        let body = r.body_text();
        assert!(!body.contains(&long_id) && !body.contains("has-a-number"));
        assert!(!body.contains("no-profile") && !body.contains("MMMM"));
        assert!(!body.contains("\"externalId\":\"\""));
    }
    let held = fake.users(fake.identity_source_id());
    assert_eq!(held.len(), 2);
    assert_eq!(
        held[1].status,
        okta_identity_source::fake::UserStatus::Deactivated
    );
}

#[tokio::test]
async fn deactivations_of_unknown_users_have_no_effect_and_are_said_so() {
    let fake = start(quick_fake());
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter([], ["nobody-1", "nobody-2"].map(String::from))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    assert_eq!(report.counts.without_effect, 2);
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.sessions[0].status, Some(Status::Closed));
    assert!(report.sessions[0].note.is_some());
    assert!(
        report
            .not_imported
            .iter()
            .all(|n| matches!(n.reason, NotImportedReason::WithoutEffect { .. }))
    );
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions[0].status, SessionStatus::Closed);
}

#[tokio::test]
async fn an_upload_refused_for_good_cancels_the_session_and_stops() {
    // The fake's byte limit is below the client's: the first upload is refused.
    let fake = start(quick_fake().limits(Limits {
        max_upload_bytes: 2_000,
        ..Limits::default()
    }));
    let result = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..300).map(user), [])
        .await;
    let Err(error) = result else {
        panic!("the import should stop");
    };
    assert!(matches!(
        error.kind(),
        okta_identity_source::import::ImportErrorKind::Api { step: Step::Upload, error: source }
            if source.status().map(|s| s.as_u16()) == Some(400)
    ));
    let report = error.report();
    assert_eq!(report.counts.upserts_read, 201);
    // The 200 of the refused upload, and the 201st, whose arrival made it flush.
    assert_eq!(report.counts.failed, 201);
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.sessions[0].status, Some(Status::Closed));
    assert!(report.failures().take(200).all(|f| matches!(
        &f.reason,
        NotImportedReason::UploadFailed { session_id: Some(s), error } if *s == report.sessions[0].id && error.contains("400")
    )));
    assert!(report.failures().skip(200).all(|f| f.index == 200 && matches!(
        &f.reason,
        NotImportedReason::UploadFailed { session_id: None, error } if error.starts_with("not sent: ")
    )));
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert!(fake.users(fake.identity_source_id()).is_empty());
}

#[tokio::test]
async fn an_input_error_stops_the_job_and_cancels_the_open_session() {
    let fake = start(quick_fake());
    let items = (0..250).map(|i| {
        if i == 240 {
            Err(std::io::Error::other("line 241: broken"))
        } else {
            Ok(user(i))
        }
    });
    let result = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run(
            futures_util::stream::iter(items),
            futures_util::stream::empty::<Result<String, std::io::Error>>(),
        )
        .await;
    let Err(error) = result else {
        panic!("the import should stop");
    };
    assert!(error.to_string().contains("line 241: broken"), "{error}");
    let report = error.report();
    assert_eq!(report.counts.failed, 240);
    assert_eq!(report.sessions[0].status, Some(Status::Closed));
    assert!(fake.users(fake.identity_source_id()).is_empty());
}

/// What the README shows a downstream test doing: a fake with test-speed
/// timings, its ready client and import waits, and `run_iter(users, [])`
/// with nothing to deactivate (the empty array infers).
#[tokio::test]
async fn the_readme_downstream_test_runs_against_the_fake() -> Result<(), Box<dyn std::error::Error>>
{
    let fake = FakeOkta::start_for_tests()?;
    let settings = fake.client().settings().clone();
    assert_eq!(settings.org_url, fake.base_url());
    assert!(settings.https_check_disabled);
    assert_eq!(settings.max_backoff, Duration::from_millis(200));
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(fake.import_options())
        .run_iter(
            [UserUpsert::new("emp-1").attribute("userName", "ann@example.com")],
            [],
        )
        .await?;
    assert_eq!(report.counts.upserted, 1);
    let ann = fake
        .user(fake.identity_source_id(), "emp-1")
        .ok_or("emp-1 missing")?;
    assert_eq!(ann.status, okta_identity_source::fake::UserStatus::Active);
    assert_eq!(ann.profile["userName"], "ann@example.com");

    // A second job right after the first waits out the fake's 100 ms
    // cool-down with the options the fake gave, and deactivates with
    // String items.
    let started = std::time::Instant::now();
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(fake.import_options())
        .run_iter([], ["emp-1"].map(String::from))
        .await?;
    assert_eq!(report.counts.deactivations_read, 1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        fake.user(fake.identity_source_id(), "emp-1")
            .map(|u| u.status),
        Some(okta_identity_source::fake::UserStatus::Deactivated)
    );
    assert_eq!(fake.sessions(fake.identity_source_id()).len(), 2);
    Ok(())
}

/// The waits `import_options` derives follow the fake's timings, and
/// extreme ones saturate instead of overflowing.
#[tokio::test]
async fn import_options_follow_the_fakes_timings() {
    let fake = start(
        okta_identity_source::fake::FakeConfig::for_tests()
            .processing_delay(Duration::from_secs(4))
            .cooldown(Duration::from_secs(3)),
    );
    let o = fake.import_options();
    assert_eq!(o.expected_cooldown, Duration::from_secs(3));
    assert_eq!(o.max_cooldown_wait, Duration::from_secs(26));
    assert_eq!(o.poll_interval, Duration::from_millis(400));
    assert_eq!(o.max_poll_interval, Duration::from_secs(1));
    assert_eq!(o.max_poll_duration, Duration::from_secs(76));
    assert_eq!(
        o.max_entities_per_upload,
        ImportOptions::default().max_entities_per_upload
    );

    let fake = start(
        okta_identity_source::fake::FakeConfig::for_tests()
            .processing_delay(Duration::MAX)
            .cooldown(Duration::MAX),
    );
    let o = fake.import_options();
    assert_eq!(o.max_cooldown_wait, Duration::MAX);
    assert_eq!(o.max_poll_duration, Duration::MAX);
}

#[tokio::test]
async fn each_poll_says_when_the_next_one_is() {
    let fake = start(quick_fake());
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&waits);
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .on_progress(move |p| {
            if let ImportEvent::Polled { next_poll_in, .. } = p.event
                && let Ok(mut w) = seen.lock()
            {
                w.push(next_poll_in);
            }
        })
        .run_iter((0..3).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.counts.upserted, 3);
    let waits = waits.lock().map(|w| w.clone()).unwrap_or_default();
    // The fake takes 50 ms to process; polls start at 10 ms and grow by
    // half up to 50 ms: each event names the wait that follows it.
    assert!(
        !waits.is_empty(),
        "no poll saw the session still processing"
    );
    assert_eq!(waits[0], Duration::from_millis(15), "{waits:?}");
    assert!(
        waits.windows(2).all(|w| w[0] <= w[1])
            && waits.iter().all(|w| *w <= Duration::from_millis(50)),
        "{waits:?}"
    );
}
