//! What a job reports: progress while it runs, and the final report.

use std::fmt;
use std::time::Duration;

use super::entity::{EntityKind, RejectReason};
use crate::models::IdentitySourceSessionStatus;

/// Running totals of a job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Users read from the upsert input.
    pub upserts_read: u64,
    /// `externalId`s read from the deactivation input.
    pub deactivations_read: u64,
    /// Entities rejected client-side (never sent).
    pub rejected: u64,
    /// Users accepted by an upload (202).
    pub upserts_uploaded: u64,
    /// Deactivations accepted by an upload (202).
    pub deactivations_uploaded: u64,
    /// Users in sessions that ended `COMPLETED`.
    pub upserted: u64,
    /// Deactivations in sessions that ended `COMPLETED`.
    pub deactivated: u64,
    /// Entities not imported for a reason other than a client-side reject
    /// (failed upload, session ended in `ERROR`, cancelled, unknown outcome).
    pub failed: u64,
    /// Deactivations Okta ignored because they named no user it holds.
    pub without_effect: u64,
    /// Uploads accepted (202).
    pub uploads: u64,
    /// Sessions used (created or reused).
    pub sessions: u64,
}

/// One session the job used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionReport {
    /// The session id (`aps…`).
    pub id: String,
    /// Its final status, or `None` when the job could not learn it.
    pub status: Option<IdentitySourceSessionStatus>,
    /// Whether it was a leftover session the job reused.
    pub reused: bool,
    /// Uploads of this job accepted into it.
    pub uploads: usize,
    /// Users of this job uploaded into it.
    pub upserts: usize,
    /// Deactivations of this job uploaded into it.
    pub deactivations: usize,
    /// Why it ended as it did, when that needs saying.
    pub note: Option<String>,
}

impl SessionReport {
    /// Whether it ended `COMPLETED`.
    pub fn completed(&self) -> bool {
        self.status == Some(IdentitySourceSessionStatus::Completed)
    }
}

/// Why an entity was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotImportedReason {
    /// Rejected client-side; it was never sent.
    Rejected(RejectReason),
    /// Its upload was refused or could not be sent, for good.
    UploadFailed {
        /// The session it was meant for, if one was open.
        session_id: Option<String>,
        /// The error (one line).
        error: String,
    },
    /// It was uploaded, but the session was cancelled before the import
    /// because a later step failed.
    SessionCancelled {
        /// The session.
        session_id: String,
        /// What failed.
        cause: String,
    },
    /// Its session ended `ERROR`, `EXPIRED` or `CLOSED`.
    SessionEnded {
        /// The session.
        session_id: String,
        /// The final status.
        status: IdentitySourceSessionStatus,
    },
    /// The job could not learn how its session ended.
    OutcomeUnknown {
        /// The session.
        session_id: String,
        /// Why.
        cause: String,
    },
    /// A deactivation Okta ignored: the session it was in held nothing
    /// effective (no user it names exists), so the session stayed `CREATED`
    /// and was cancelled. Not a failure.
    WithoutEffect {
        /// The session.
        session_id: String,
    },
}

impl NotImportedReason {
    /// Whether this is a failure (everything except [`WithoutEffect`](Self::WithoutEffect)).
    pub fn is_failure(&self) -> bool {
        !matches!(self, NotImportedReason::WithoutEffect { .. })
    }
}

impl fmt::Display for NotImportedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotImportedReason::Rejected(r) => write!(f, "rejected before sending: {r}"),
            NotImportedReason::UploadFailed {
                session_id: Some(s),
                error,
            } => write!(f, "upload to session {s} failed: {error}"),
            NotImportedReason::UploadFailed {
                session_id: None,
                error,
            } => write!(f, "upload failed: {error}"),
            NotImportedReason::SessionCancelled { session_id, cause } => {
                write!(f, "session {session_id} was cancelled: {cause}")
            }
            NotImportedReason::SessionEnded { session_id, status } => {
                write!(f, "session {session_id} ended {status}")
            }
            NotImportedReason::OutcomeUnknown { session_id, cause } => {
                write!(f, "outcome of session {session_id} unknown: {cause}")
            }
            NotImportedReason::WithoutEffect { session_id } => write!(
                f,
                "no user with this externalId exists; Okta ignored it (session {session_id})"
            ),
        }
    }
}

/// An entity that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotImported {
    /// Upsert or deactivation.
    pub kind: EntityKind,
    /// Its position in its input, from 0 (upserts and deactivations are
    /// counted separately).
    pub index: u64,
    /// Its `externalId` (as given, even when it was the problem).
    pub external_id: String,
    /// Why.
    pub reason: NotImportedReason,
}

/// The outcome of a job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The sessions used, in order.
    pub sessions: Vec<SessionReport>,
    /// Totals.
    pub counts: ImportCounts,
    /// Every entity that was not imported, in the order it was settled.
    pub not_imported: Vec<NotImported>,
    /// Leftover sessions the job cancelled ([`LeftoverPolicy::Cancel`](super::LeftoverPolicy::Cancel)).
    pub cancelled_leftovers: Vec<String>,
}

impl ImportReport {
    /// Whether every entity read was imported (deactivations Okta ignored
    /// as without effect count as imported).
    pub fn all_imported(&self) -> bool {
        self.not_imported.iter().all(|n| !n.reason.is_failure())
    }

    /// The entities that failed (everything in `not_imported` except
    /// deactivations without effect).
    pub fn failures(&self) -> impl Iterator<Item = &NotImported> {
        self.not_imported.iter().filter(|n| n.reason.is_failure())
    }
}

/// What just happened, passed to the progress callback with the totals.
#[derive(Debug)]
#[non_exhaustive]
pub enum ImportEvent<'a> {
    /// An entity was rejected client-side.
    Rejected(&'a NotImported),
    /// A session was created, or a leftover one reused.
    SessionOpened {
        /// The session.
        session_id: &'a str,
        /// Whether it is a reused leftover.
        reused: bool,
    },
    /// A leftover loading session was cancelled.
    LeftoverCancelled {
        /// The session.
        session_id: &'a str,
    },
    /// Waiting for the cool-down after a trigger before creating a session.
    WaitingForCooldown {
        /// How long this wait lasts.
        wait: Duration,
    },
    /// An upload was accepted.
    Uploaded {
        /// The session.
        session_id: &'a str,
        /// What it carried.
        kind: EntityKind,
        /// How many entities.
        entities: usize,
        /// Its body size in bytes.
        bytes: usize,
    },
    /// A request failed with a retryable error after the runtime's own
    /// retries; the job tries again after `wait`.
    Retrying {
        /// The step.
        step: Step,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// The wait before the next attempt.
        wait: Duration,
        /// The error.
        error: &'a crate::Error,
    },
    /// A session was triggered.
    Triggered {
        /// The session.
        session_id: &'a str,
    },
    /// A poll returned a non-terminal status.
    Polled {
        /// The session.
        session_id: &'a str,
        /// Its status.
        status: &'a IdentitySourceSessionStatus,
    },
    /// A session reached its final status (or the job gave up on it).
    SessionFinished(&'a SessionReport),
}

/// One progress notification.
#[derive(Debug)]
pub struct Progress<'a> {
    /// What happened.
    pub event: ImportEvent<'a>,
    /// The totals so far.
    pub counts: &'a ImportCounts,
}

/// A step of the workflow, for errors and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `POST /sessions`.
    CreateSession,
    /// `GET /sessions`.
    ListSessions,
    /// `DELETE /sessions/{id}`.
    CancelSession,
    /// `bulk-upsert` or `bulk-delete`.
    Upload,
    /// `start-import`.
    StartImport,
    /// `GET /sessions/{id}`.
    GetSession,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::CreateSession => "create session",
            Step::ListSessions => "list sessions",
            Step::CancelSession => "cancel session",
            Step::Upload => "upload",
            Step::StartImport => "start import",
            Step::GetSession => "get session",
        })
    }
}

/// Why a job stopped before it had read all its input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportErrorKind {
    /// A request failed for good (not retryable, or retries exhausted).
    #[error("{step} failed: {source}")]
    Api {
        /// The step that failed.
        step: Step,
        /// The final error.
        #[source]
        source: crate::Error,
    },
    /// Session creation was still refused after
    /// [`max_cooldown_wait`](super::ImportOptions::max_cooldown_wait).
    #[error("session creation still refused after waiting {waited:?} for the cool-down: {source}")]
    Cooldown {
        /// How long the job waited.
        waited: Duration,
        /// The last refusal.
        #[source]
        source: crate::Error,
    },
    /// A leftover loading session exists and the policy is
    /// [`LeftoverPolicy::Fail`](super::LeftoverPolicy::Fail).
    #[error("identity source has a leftover session {session_id} in status {status}")]
    LeftoverSession {
        /// The session.
        session_id: String,
        /// Its status.
        status: IdentitySourceSessionStatus,
    },
    /// The input stream returned an error.
    #[error("input failed: {0}")]
    Input(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A job that stopped early, with the report of what it did until then.
///
/// Entities of the session open at that moment are in
/// [`ImportReport::not_imported`]; entities after
/// [`ImportCounts::upserts_read`] / [`ImportCounts::deactivations_read`] in
/// the inputs were not read.
#[derive(Debug)]
pub struct ImportError {
    kind: ImportErrorKind,
    report: Box<ImportReport>,
}

impl ImportError {
    pub(crate) fn new(kind: ImportErrorKind, report: ImportReport) -> Self {
        ImportError {
            kind,
            report: Box::new(report),
        }
    }

    /// Why the job stopped.
    pub fn kind(&self) -> &ImportErrorKind {
        &self.kind
    }

    /// What the job did before it stopped.
    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    /// The report, by value.
    pub fn into_report(self) -> ImportReport {
        *self.report
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "import stopped: {} (after reading {} users and {} deactivations)",
            self.kind, self.report.counts.upserts_read, self.report.counts.deactivations_read
        )
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}
