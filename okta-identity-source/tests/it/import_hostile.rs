#![cfg(feature = "fake")]
#![cfg(feature = "import")]
//! The import workflow when requests fail for good, stall, meet a far
//! rate-limit reset, a status it does not know, or a passing 500: every
//! entity read is accounted for, and no step costs more than its deadline.

use crate::hostile;
use crate::import_support;

use std::time::{Duration, Instant};

use hostile::{RawServer, json, response, session};
use import_support::{quick_fake, quick_options, user};
use okta_identity_source::Client;
use okta_identity_source::fake::{FakeOkta, Fault, FaultKind};
use okta_identity_source::import::{
    ImportErrorKind, ImportJob, JobReport, NotImportedReason, RejectReason, ReportOutcome,
};

fn start(config: okta_identity_source::fake::FakeConfig) -> FakeOkta {
    FakeOkta::start(config).unwrap_or_else(|e| panic!("fake: {e}"))
}

/// Every entity read is imported or listed: nothing silently dropped.
fn assert_accounted(report: &okta_identity_source::import::ImportReport, read: u64) {
    assert_eq!(report.counts.upserts_read, read);
    let file = JobReport::from_import(report, None);
    assert!(file.is_consistent(), "{:?}", file.summary);
    let mut listed: Vec<u64> = report.not_imported.iter().map(|n| n.index).collect();
    listed.sort_unstable();
    listed.dedup();
    assert_eq!(
        listed.len() as u64 + report.counts.upserted,
        read,
        "listed {listed:?}, imported {}",
        report.counts.upserted
    );
}

#[tokio::test]
async fn the_user_whose_arrival_flushed_a_failing_upload_is_reported() {
    let fake = start(quick_fake());
    // The first upload fails for good (500 is not retried).
    fake.inject(Fault::on_operation(
        "uploadIdentitySourceDataForUpsert",
        FaultKind::InternalServerError,
    ));
    let err = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..201).map(user), [])
        .await
        .err()
        .unwrap_or_else(|| panic!("the import went through"));
    let report = err.report();
    assert_accounted(report, 201);
    let last = report
        .not_imported
        .iter()
        .find(|n| n.index == 200)
        .unwrap_or_else(|| panic!("user #201 is neither imported nor listed"));
    assert_eq!(last.external_id, "ext-000200");
    assert!(
        matches!(&last.reason, NotImportedReason::UploadFailed { error, .. } if error.contains("not sent")),
        "{:?}",
        last.reason
    );
    let text = err.to_string();
    assert!(text.contains("201 users"), "{text}");
    // Debug (what `main` prints) is short: the kind with the Okta error's
    // short form, not the 201 entities of the report.
    let debug = format!("{err:?}");
    assert!(debug.len() < 300, "{} characters: {debug}", debug.len());
    assert!(
        debug.starts_with("ImportError { kind: Api { step: "),
        "{debug}"
    );
    assert!(debug.contains("error: Api { status: 500"), "{debug}");
    assert!(debug.contains("not_imported: 201"), "{debug}");
}

#[tokio::test]
async fn a_trigger_failing_at_a_session_boundary_loses_nobody() {
    let fake = start(quick_fake());
    fake.inject(Fault::on_operation(
        "startImportFromIdentitySource",
        FaultKind::InternalServerError,
    ));
    let mut opts = quick_options();
    opts.max_users_per_session = 300;
    let err = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(opts)
        .run_iter((0..450).map(user), [])
        .await
        .err()
        .unwrap_or_else(|| panic!("the import went through"));
    assert_accounted(err.report(), err.report().counts.upserts_read);
    assert!(err.report().not_imported.iter().any(|n| n.index == 300));
}

#[tokio::test]
async fn a_stalled_upload_costs_one_deadline_and_the_cancel_one_more_at_most() {
    let fake = start(quick_fake());
    for op in [
        "uploadIdentitySourceDataForUpsert",
        "deleteIdentitySourceSession",
    ] {
        fake.inject(Fault::on_operation(op, FaultKind::Delay(Duration::from_secs(30))).always());
    }
    let c = fake
        .client_builder()
        .request_timeout(Duration::from_secs(1))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let started = Instant::now();
    let err = ImportJob::new(c, fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..5).map(user), [])
        .await
        .err()
        .unwrap_or_else(|| panic!("a stalled upload succeeded"));
    let took = started.elapsed();
    // One deadline for the upload and one for the cancel that follows (not
    // one per attempt: quick_options allows six attempts of each).
    assert!(took >= Duration::from_secs(2), "took {took:?}");
    assert!(took < Duration::from_millis(3_500), "took {took:?}");
    assert!(
        matches!(err.kind(), ImportErrorKind::Api { error: source, .. } if matches!(source, okta_identity_source::Error::Timeout { .. })),
        "{err}"
    );
    // Each cause once: the line says it all, and no `source()` repeats it.
    let line = err.to_string();
    assert_eq!(line.matches("timed out").count(), 1, "{line}");
    assert!(std::error::Error::source(&err).is_none(), "{line}");
    assert!(std::error::Error::source(err.kind()).is_none(), "{line}");
    assert_accounted(err.report(), 5);
}

#[tokio::test]
async fn a_rate_limit_reset_an_hour_away_stops_at_once_and_says_when() {
    let fake = start(quick_fake());
    fake.inject(
        Fault::on_operation(
            "createIdentitySourceSession",
            FaultKind::TooManyRequests {
                reset_after: Duration::from_secs(3600),
            },
        )
        .always(),
    );
    let started = Instant::now();
    let err = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..3).map(user), [])
        .await
        .err()
        .unwrap_or_else(|| panic!("no stop"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), ImportErrorKind::RateLimit { wait, .. } if *wait > Duration::from_secs(3000)),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("resets in"), "{text}");
    assert!(text.contains("the rate limit resets at"), "{text}");
    assert_accounted(err.report(), 3);
}

#[tokio::test]
async fn one_500_on_a_status_poll_does_not_abandon_the_session() {
    let fake = start(quick_fake());
    fake.inject(Fault::on_operation(
        "getIdentitySourceSession",
        FaultKind::InternalServerError,
    ));
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter((0..10).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("import: {e}"));
    assert_eq!(report.counts.upserted, 10, "{:?}", report.not_imported);
    assert!(report.all_imported());
}

#[tokio::test]
async fn a_repeated_external_id_is_not_sent_twice_in_one_session() {
    let fake = start(quick_fake());
    let users = vec![user(1), user(2), user(1)];
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter(users, ["gone-1", "gone-1"].map(String::from))
        .await
        .unwrap_or_else(|e| panic!("import: {e}"));
    let rejected: Vec<_> = report
        .not_imported
        .iter()
        .filter(|n| n.reason == NotImportedReason::Rejected(RejectReason::DuplicateExternalId))
        .map(|n| (n.kind.to_string(), n.index))
        .collect();
    assert_eq!(
        rejected,
        vec![("upsert".to_owned(), 2), ("deactivation".to_owned(), 1)]
    );
    assert_eq!(report.counts.upserted, 2);
}

#[tokio::test]
async fn deactivations_are_reported_as_sent_not_as_done() {
    let fake = start(quick_fake());
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(quick_options())
        .run_iter(
            (0..2).map(user),
            ["ext-000001", "typo-404"].map(String::from),
        )
        .await
        .unwrap_or_else(|e| panic!("import: {e}"));
    let file = JobReport::from_import(&report, None);
    assert_eq!(file.summary.deactivated_sent, 2, "{:?}", file.summary);
    assert_eq!(file.summary.imported, 2);
    assert!(file.is_consistent());
    assert!(
        file.entities
            .iter()
            .filter(|e| e.outcome == ReportOutcome::DeactivatedSent)
            .all(|e| e.session_id.is_some())
    );
    assert!(report.all_imported());
}

/// A server whose session stays in a status this version does not know.
fn paused_server() -> RawServer {
    RawServer::start(|r, _| {
        let line = r.line().to_owned();
        if line.starts_with("POST") && line.contains("/start-import") {
            json("200 OK", &session("apsPaused", "TRIGGERED"))
        } else if line.starts_with("POST") && line.contains("/bulk-upsert") {
            response("202 Accepted", &[], b"")
        } else if line.starts_with("POST") {
            json("200 OK", &session("apsPaused", "CREATED"))
        } else if line.starts_with("DELETE") {
            response("204 No Content", &[], b"")
        } else {
            json("200 OK", &session("apsPaused", "PAUSED"))
        }
    })
}

#[tokio::test]
async fn an_unknown_session_status_is_polled_for_a_bounded_time() {
    let server = paused_server();
    let c = Client::builder()
        .org_url(server.base_url.as_str())
        .api_token("00hostile")
        .disable_https_check(true)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let mut opts = quick_options();
    opts.max_unknown_status_wait = Duration::from_millis(300);
    let started = Instant::now();
    let report = ImportJob::new(c, "0oa1")
        .options(opts)
        .run_iter((0..3).map(user), [])
        .await
        .unwrap_or_else(|e| panic!("import: {e}"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let file = JobReport::from_import(&report, None);
    assert_eq!(file.summary.unknown, 3, "{:?}", file.summary);
    assert!(file.is_consistent());
    let reason = file.entities[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("PAUSED"), "{reason}");
    assert!(!report.all_imported());
}

#[tokio::test]
async fn an_external_id_may_come_again_in_a_later_session() {
    let fake = start(quick_fake());
    let mut opts = quick_options();
    opts.max_users_per_session = 2;
    let users = vec![user(1), user(2), user(1), user(1)];
    let report = ImportJob::new(fake.client(), fake.identity_source_id())
        .options(opts)
        .run_iter(users, [])
        .await
        .unwrap_or_else(|e| panic!("import: {e}"));
    let rejected: Vec<u64> = report
        .not_imported
        .iter()
        .filter(|n| n.reason == NotImportedReason::Rejected(RejectReason::DuplicateExternalId))
        .map(|n| n.index)
        .collect();
    assert_eq!(rejected, vec![3], "{:?}", report.not_imported);
    assert_eq!(report.counts.upserted, 3);
    assert_eq!(report.sessions.len(), 2);
}
