#![cfg(all(feature = "fake", feature = "import"))]
//! The import workflow and the sessions it meets: leftovers (reuse, cancel,
//! fail) and the cool-down after a trigger.

use crate::import_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use import_support::{assert_holds_exactly, quick_fake, quick_options, user};
use okta_identity_source::fake::{FakeOkta, SessionStatus};
use okta_identity_source::import::{
    ImportErrorKind, ImportEvent, ImportJob, ImportOptions, LeftoverPolicy, NotImportedReason,
    UserUpsert,
};
use okta_identity_source::models::{BulkUpsertRequestBody, IdentitySourceSessionStatus as Status};

fn start(config: okta_identity_source::fake::FakeConfig) -> FakeOkta {
    FakeOkta::start(config).unwrap_or_else(|e| panic!("fake starts: {e}"))
}

/// Leaves an IN_PROGRESS session holding user `leftover-1`.
async fn leave_a_loading_session(fake: &FakeOkta) -> String {
    let c = fake.client();
    let isid = fake.identity_source_id();
    let session = c
        .create_identity_source_session(isid)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sid = session.id;
    // The import builder feeds the raw operation.
    let body = BulkUpsertRequestBody::new(vec![
        UserUpsert::with_profile("leftover-1", user(99_999).profile).into(),
    ]);
    c.upload_identity_source_data_for_upsert(isid, &sid, &body)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sid
}

fn options(leftover: LeftoverPolicy) -> ImportOptions {
    ImportOptions {
        leftover,
        ..quick_options()
    }
}

#[tokio::test]
async fn a_leftover_session_is_reused() {
    let fake = start(quick_fake());
    let leftover = leave_a_loading_session(&fake).await;
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options(LeftoverPolicy::Reuse))
        .run_iter((0..50).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.sessions[0].id, leftover);
    assert!(report.sessions[0].reused);
    assert_eq!(report.sessions[0].status, Some(Status::Completed));
    // The leftover's own data was imported with ours.
    let mut expected: Vec<_> = (0..50).map(user).collect();
    let mut left = user(99_999);
    left.external_id = "leftover-1".into();
    expected.push(left);
    assert_holds_exactly(&fake, expected);
    assert_eq!(fake.sessions(fake.identity_source_id()).len(), 1);
}

#[tokio::test]
async fn a_leftover_session_is_cancelled() {
    let fake = start(quick_fake());
    let leftover = leave_a_loading_session(&fake).await;
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options(LeftoverPolicy::Cancel))
        .run_iter((0..50).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    assert_eq!(report.cancelled_leftovers, vec![leftover.clone()]);
    assert_eq!(report.sessions.len(), 1);
    assert_ne!(report.sessions[0].id, leftover);
    assert!(!report.sessions[0].reused);
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions[0].id, leftover);
    assert_eq!(sessions[0].status, SessionStatus::Closed);
    assert_eq!(sessions[1].status, SessionStatus::Completed);
    assert_holds_exactly(&fake, (0..50).map(user));
}

#[tokio::test]
async fn a_leftover_session_stops_the_job_when_told_to() {
    let fake = start(quick_fake());
    let leftover = leave_a_loading_session(&fake).await;
    let result = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options(LeftoverPolicy::Fail))
        .run_iter((0..50).map(user), [])
        .await;
    let Err(error) = result else {
        panic!("the job should stop");
    };
    assert!(matches!(
        error.kind(),
        ImportErrorKind::LeftoverSession { session_id, status: Status::InProgress } if *session_id == leftover
    ));
    // The 50 users were read and are reported as not sent.
    let report = error.report();
    assert_eq!(report.counts.failed, 50);
    assert!(report.failures().all(|f| matches!(
        &f.reason,
        NotImportedReason::UploadFailed { session_id: None, error } if error.starts_with("not sent")
    )));
    // The leftover is left alone.
    let sessions = fake.sessions(fake.identity_source_id());
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].status, SessionStatus::InProgress);
}

#[tokio::test]
async fn a_create_refused_during_the_cooldown_is_waited_out() {
    // The fake's cool-down is longer than the job expects, so creates are
    // refused with 400 E0000001 until it passes.
    let fake = start(quick_fake().cooldown(Duration::from_millis(600)));
    let waits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&waits);
    let options = ImportOptions {
        max_users_per_session: 100,
        expected_cooldown: Duration::ZERO,
        cooldown_retry_interval: Duration::from_millis(50),
        ..quick_options()
    };
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options)
        .on_progress(move |p| {
            if let ImportEvent::WaitingForCooldown { .. } = p.event {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })
        .run_iter((0..250).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    assert_eq!(report.sessions.len(), 3);
    assert!(waits.load(Ordering::SeqCst) >= 2);
    let refused = fake
        .requests()
        .iter()
        .filter(|r| r.operation_id == Some("createIdentitySourceSession") && r.status == Some(400))
        .count();
    assert!(refused >= 2, "{refused} refused creates");
    assert_holds_exactly(&fake, (0..250).map(user));
}

#[tokio::test]
async fn the_cooldown_wait_is_bounded() {
    let fake = start(quick_fake().cooldown(Duration::from_secs(3600)));
    let options = ImportOptions {
        max_users_per_session: 100,
        expected_cooldown: Duration::ZERO,
        cooldown_retry_interval: Duration::from_millis(50),
        max_cooldown_wait: Duration::from_millis(300),
        ..quick_options()
    };
    let result = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(options)
        .run_iter((0..150).map(user), [])
        .await;
    let Err(error) = result else {
        panic!("the job should stop");
    };
    assert!(
        matches!(error.kind(), ImportErrorKind::Cooldown { .. }),
        "{error}"
    );
    let report = error.report();
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.counts.upserted, 100);
    // The 50 users of the second session were never sent, and say so.
    assert_eq!(report.counts.failed, 50);
    assert_eq!(
        report.failures().map(|f| f.index).collect::<Vec<_>>(),
        (100..150).collect::<Vec<_>>()
    );
    assert_holds_exactly(&fake, (0..100).map(user));
}

#[tokio::test]
async fn a_trigger_whose_answer_is_lost_is_not_sent_twice() {
    use okta_identity_source::fake::{Fault, FaultKind};
    let fake = start(quick_fake());
    fake.inject(Fault::on_operation(
        "startImportFromIdentitySource",
        FaultKind::DropConnectionAfterProcessing,
    ));
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..10).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.all_imported());
    let triggers = fake
        .requests()
        .iter()
        .filter(|r| r.operation_id == Some("startImportFromIdentitySource"))
        .count();
    assert_eq!(triggers, 1);
    assert_holds_exactly(&fake, (0..10).map(user));
}
