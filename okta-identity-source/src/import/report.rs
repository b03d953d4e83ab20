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
    /// A deactivation in a session that ended `COMPLETED`. Okta ignores
    /// an `externalId` it does not hold without a word, so whether it
    /// deactivated anyone is not known from its answers. Not a failure.
    DeactivationSent {
        /// The session.
        session_id: String,
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
        !matches!(
            self,
            NotImportedReason::WithoutEffect { .. } | NotImportedReason::DeactivationSent { .. }
        )
    }

    /// The session the entity was in, when it reached one.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            NotImportedReason::Rejected(_) => None,
            NotImportedReason::UploadFailed { session_id, .. } => session_id.as_deref(),
            NotImportedReason::SessionCancelled { session_id, .. }
            | NotImportedReason::SessionEnded { session_id, .. }
            | NotImportedReason::OutcomeUnknown { session_id, .. }
            | NotImportedReason::DeactivationSent { session_id }
            | NotImportedReason::WithoutEffect { session_id } => Some(session_id),
        }
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
            NotImportedReason::DeactivationSent { session_id } => write!(
                f,
                "sent in session {session_id}, which completed; Okta does not say whether a user had this externalId"
            ),
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
    /// Whether every entity read was imported (deactivations sent in a
    /// completed session, and those Okta ignored as without effect, count
    /// as imported).
    pub fn all_imported(&self) -> bool {
        self.not_imported.iter().all(|n| !n.reason.is_failure())
    }

    /// The entities that failed (everything in `not_imported` except
    /// deactivations sent or without effect).
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
    /// A poll returned a non-terminal status; the next poll is
    /// `next_poll_in` from now.
    #[non_exhaustive]
    Polled {
        /// The session.
        session_id: &'a str,
        /// Its status.
        status: &'a IdentitySourceSessionStatus,
        /// How long the job waits before it asks again.
        next_poll_in: Duration,
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
///
/// `Display` is one complete line, the cause included, so no variant
/// returns that cause again from `source()`: an error reporter (anyhow's
/// `{:#}`, `main` returning an error) prints each cause once. The cause is
/// in the variant's field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportErrorKind {
    /// A request failed for good (not retryable, or retries exhausted).
    #[error("{step} failed: {error}")]
    Api {
        /// The step that failed.
        step: Step,
        /// The final error.
        error: crate::Error,
    },
    /// Session creation was still refused after
    /// [`max_cooldown_wait`](super::ImportOptions::max_cooldown_wait).
    #[error("session creation still refused after waiting {waited:?} for the cool-down: {error}")]
    Cooldown {
        /// How long the job waited.
        waited: Duration,
        /// The last refusal.
        error: crate::Error,
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
    /// A 429 whose rate limit resets later than
    /// [`max_rate_limit_wait`](super::ImportOptions::max_rate_limit_wait).
    #[error("{step} failed: the rate limit resets in {}, later than the longest wait allowed ({}): {error}", human(*wait), human(*max))]
    RateLimit {
        /// The step that was refused.
        step: Step,
        /// How long until the reset.
        wait: Duration,
        /// The longest wait allowed.
        max: Duration,
        /// The 429.
        error: crate::Error,
    },
    /// The input stream returned an error.
    #[error("input failed: {0}")]
    Input(Box<dyn std::error::Error + Send + Sync>),
}

fn human(d: Duration) -> String {
    crate::runtime::human_duration(d)
}

/// A job that stopped early, with the report of what it did until then.
///
/// Entities of the session open at that moment are in
/// [`ImportReport::not_imported`]; entities after
/// [`ImportCounts::upserts_read`] / [`ImportCounts::deactivations_read`] in
/// the inputs were not read.
///
/// `Debug` (what `fn main` prints for it) is short: the kind, with its
/// error's short `Debug`, and how many sessions and entities the report
/// holds, not the report itself (it may list thousands of entities; see
/// [`report`](Self::report)).
pub struct ImportError {
    kind: ImportErrorKind,
    report: Box<ImportReport>,
}

impl fmt::Debug for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportError")
            .field("kind", &self.kind)
            .field("sessions", &self.report.sessions.len())
            .field("not_imported", &self.report.not_imported.len())
            .finish_non_exhaustive()
    }
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
            "import stopped: {} ({} users and {} deactivations were read; each one read and not imported is in the report)",
            self.kind, self.report.counts.upserts_read, self.report.counts.deactivations_read
        )
    }
}

/// `Display` already says why (the [`ImportErrorKind`]), so `source()`
/// returns nothing: reporters print each cause once. Use
/// [`ImportError::kind`] to match on it.
impl std::error::Error for ImportError {}

// ------------------------------------------------------------ report file

/// The JSON report a command writes with `--report FILE.json`: a summary
/// and every entity whose outcome is not confirmed by Okta's answers.
///
/// ```json
/// {"summary": {"read": 3, "imported": 1, "deactivated_sent": 1, "not_imported": 1,
///              "unknown": 0, "without_effect": 0, "not_read": 2},
///  "entities": [{"kind": "user", "externalId": "e2", "outcome": "not_imported",
///                "reason": "…", "sessionId": "aps…", "position": 2}]}
/// ```
///
/// `read` = `imported` + `deactivated_sent` + `not_imported` + `unknown` +
/// `without_effect`; `not_read` counts what the input held beyond what was
/// read (a job that stopped early). Users imported in a `COMPLETED`
/// session are confirmed and not listed; everything else is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct JobReport {
    /// The totals.
    pub summary: ReportSummary,
    /// Every entity not confirmed, in the order the job settled them,
    /// then the ones not read.
    pub entities: Vec<ReportEntity>,
    /// The sessions used, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<ReportSession>,
    /// Why the job stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// The totals of a [`JobReport`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ReportSummary {
    /// Entities read from the inputs.
    pub read: u64,
    /// Entities Okta's answers show imported (users in `COMPLETED` sessions).
    pub imported: u64,
    /// Deactivations sent in a `COMPLETED` session; Okta does not say
    /// whether the `externalId` named a user.
    #[serde(default)]
    pub deactivated_sent: u64,
    /// Entities certainly not imported (rejected, upload failed, session
    /// cancelled or ended `ERROR`/`EXPIRED`/`CLOSED`).
    pub not_imported: u64,
    /// Entities whose outcome the job could not learn.
    #[serde(default)]
    pub unknown: u64,
    /// Deactivations Okta ignored (the session held nothing it could
    /// import, so no `externalId` named a user).
    #[serde(default)]
    pub without_effect: u64,
    /// Entities of the inputs that were never read (the job stopped).
    pub not_read: u64,
}

/// The kind of a [`ReportEntity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportEntityKind {
    /// A user to create or update.
    User,
    /// A group.
    Group,
    /// A group membership.
    Membership,
    /// A user to deactivate.
    Deactivation,
}

/// What became of a [`ReportEntity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportOutcome {
    /// Confirmed imported.
    Imported,
    /// A deactivation sent in a completed session, effect unknown.
    DeactivatedSent,
    /// Certainly not imported.
    NotImported,
    /// Outcome unknown.
    Unknown,
    /// A deactivation Okta ignored.
    WithoutEffect,
    /// In the input, never read.
    NotRead,
}

impl ReportOutcome {
    /// The outcome of an entity with this reason.
    pub fn of(reason: &NotImportedReason) -> Self {
        match reason {
            NotImportedReason::OutcomeUnknown { .. } => ReportOutcome::Unknown,
            NotImportedReason::DeactivationSent { .. } => ReportOutcome::DeactivatedSent,
            NotImportedReason::WithoutEffect { .. } => ReportOutcome::WithoutEffect,
            _ => ReportOutcome::NotImported,
        }
    }
}

/// One entity of a [`JobReport`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ReportEntity {
    /// User, deactivation, group or membership.
    pub kind: ReportEntityKind,
    /// Its `externalId`, as given.
    #[serde(rename = "externalId")]
    pub external_id: String,
    /// What became of it.
    pub outcome: ReportOutcome,
    /// Why, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The session it was in.
    #[serde(rename = "sessionId", default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Its position in its input, from 1 (each input counted separately).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
}

impl ReportEntity {
    /// An entity with `outcome`.
    pub fn new(
        kind: ReportEntityKind,
        external_id: impl Into<String>,
        outcome: ReportOutcome,
    ) -> Self {
        ReportEntity {
            kind,
            external_id: external_id.into(),
            outcome,
            reason: None,
            session_id: None,
            position: None,
        }
    }
}

/// One session of a [`JobReport`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ReportSession {
    /// The session id.
    pub id: String,
    /// Its final status, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why it ended as it did, when that needs saying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl JobReport {
    /// The report of an import: every entity in
    /// [`ImportReport::not_imported`], with the counts. Add what was not
    /// read with [`JobReport::not_read`].
    pub fn from_import(report: &ImportReport, stopped: Option<String>) -> Self {
        let mut out = JobReport {
            stopped,
            ..JobReport::default()
        };
        let c = &report.counts;
        out.summary.read = c.upserts_read + c.deactivations_read;
        out.summary.imported = c.upserted;
        for n in &report.not_imported {
            let outcome = ReportOutcome::of(&n.reason);
            match outcome {
                ReportOutcome::Unknown => out.summary.unknown += 1,
                ReportOutcome::DeactivatedSent => out.summary.deactivated_sent += 1,
                ReportOutcome::WithoutEffect => out.summary.without_effect += 1,
                _ => out.summary.not_imported += 1,
            }
            out.entities.push(ReportEntity {
                kind: match n.kind {
                    EntityKind::Upsert => ReportEntityKind::User,
                    EntityKind::Deactivate => ReportEntityKind::Deactivation,
                },
                external_id: n.external_id.clone(),
                outcome,
                reason: Some(n.reason.to_string()),
                session_id: n.reason.session_id().map(str::to_owned),
                position: Some(n.index + 1),
            });
        }
        out.sessions = report
            .sessions
            .iter()
            .map(|s| ReportSession {
                id: s.id.clone(),
                status: s.status.as_ref().map(ToString::to_string),
                note: s.note.clone(),
            })
            .collect();
        out
    }

    /// Records an entity of the input that was never read.
    pub fn not_read(
        &mut self,
        kind: ReportEntityKind,
        external_id: impl Into<String>,
        position: u64,
    ) {
        self.summary.not_read += 1;
        let mut e = ReportEntity::new(kind, external_id, ReportOutcome::NotRead);
        e.reason = Some(self.stopped.as_ref().map_or_else(
            || "not read".to_owned(),
            |s| format!("not read: the job stopped ({s})"),
        ));
        e.position = Some(position);
        self.entities.push(e);
    }

    /// Whether the counts add up: `read` = the sum of the outcomes.
    pub fn is_consistent(&self) -> bool {
        let s = &self.summary;
        s.read == s.imported + s.deactivated_sent + s.not_imported + s.unknown + s.without_effect
    }
}
