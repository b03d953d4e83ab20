//! The import workflow: users in, a report out.
//!
//! [`ImportJob`] takes the users to create or update ([`UserUpsert`]) and
//! the `externalId`s to deactivate, as iterators or streams, and does the
//! whole job Okta's Identity Source API asks for:
//!
//! 1. It validates each entity client-side (`externalId` of 1 to 512
//!    characters, string-only attributes, a non-empty profile) and reports
//!    the ones it rejects; they are never sent.
//! 2. It packs the rest into uploads of at most 200 entities **and** at most
//!    200 KB of serialized JSON (measured on the body actually sent), and at
//!    most 50 uploads and 10,000 entities per session.
//! 3. It creates a session, or deals with a leftover loading session as
//!    [`LeftoverPolicy`] says; a create refused during the cool-down after a
//!    trigger is retried with backoff up to
//!    [`ImportOptions::max_cooldown_wait`].
//! 4. It uploads (the runtime retries 429s and, since uploads are
//!    idempotent, 503s and dropped connections; the job retries a few more
//!    times on top), starts the import, and polls the session with a
//!    growing interval that waits for the rate-limit reset when the bucket
//!    is empty, until `COMPLETED`, `ERROR`, `EXPIRED` or `CLOSED`.
//! 5. It runs as many sessions as needed, one after another. If an upload or
//!    the trigger fails for good, it cancels the open session and stops.
//!
//! Memory stays flat: the input is pulled one entity at a time, and the job
//! holds the current upload plus the `externalId`s of the current session
//! (at most 10,000), so it can say exactly which entities a failed session
//! held. Only the list of entities that were not imported grows, with the
//! number of failures.
//!
//! The [`ImportReport`] lists the sessions with their final status and
//! counts, and every entity that was not imported with the reason
//! ([`NotImported`]). A job that stops early returns an [`ImportError`]
//! that carries the same report.
//!
//! # Example
//!
//! ```no_run
//! use okta_identity_source::Client;
//! use okta_identity_source::import::{ImportEvent, ImportJob, ImportOptions, UserUpsert};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let users = (0..25_000).map(|i| {
//!     UserUpsert::new(format!("emp-{i}"))
//!         .attribute("userName", format!("user{i}@example.com"))
//!         .attribute("costCenter", "R&D") // a custom attribute
//!         .clear("mobilePhone") // sent as null: Okta clears it
//! });
//! let leavers = ["emp-old-1", "emp-old-2"].map(String::from);
//!
//! let report = ImportJob::new(client, "0oa1b2c3d4e5f6g7h8i9")
//!     .options(ImportOptions::default())
//!     .on_progress(|p| {
//!         if let ImportEvent::SessionFinished(s) = &p.event {
//!             println!("session {} ended {:?}", s.id, s.status);
//!         }
//!     })
//!     .run_iter(users, leavers)
//!     .await?;
//!
//! println!("{} users imported in {} sessions", report.counts.upserted, report.sessions.len());
//! for n in report.failures() {
//!     eprintln!("{} {} not imported: {}", n.kind, n.external_id, n.reason);
//! }
//! # Ok(())
//! # }
//! ```

pub(crate) mod entity;
mod options;
mod report;
mod runner;

use std::convert::Infallible;

use futures_util::stream::{self, Stream};

pub use entity::{EntityKind, RejectReason, UserUpsert};
pub(crate) use options::MAX_RETRY_INTERVAL;
pub use options::{ImportOptions, LeftoverPolicy};
pub use report::{
    ImportCounts, ImportError, ImportErrorKind, ImportEvent, ImportReport, JobReport, NotImported,
    NotImportedReason, Progress, ReportEntity, ReportEntityKind, ReportOutcome, ReportSession,
    ReportSummary, SessionReport, Step,
};

use crate::Client;

/// The callback that receives progress notifications.
pub type ProgressCallback = Box<dyn FnMut(&Progress<'_>) + Send>;

/// An import of users into one identity source. See the [module
/// documentation](self) for what it does.
pub struct ImportJob {
    client: Client,
    identity_source_id: String,
    options: ImportOptions,
    progress: Option<ProgressCallback>,
}

impl std::fmt::Debug for ImportJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportJob")
            .field("identity_source_id", &self.identity_source_id)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl ImportJob {
    /// A job for the identity source `identity_source_id` (`0oa…`) with the
    /// default [`ImportOptions`].
    pub fn new(client: Client, identity_source_id: impl Into<String>) -> Self {
        ImportJob {
            client,
            identity_source_id: identity_source_id.into(),
            options: ImportOptions::default(),
            progress: None,
        }
    }

    /// Replaces the options.
    pub fn options(mut self, options: ImportOptions) -> Self {
        self.options = options;
        self
    }

    /// Calls `callback` on every step (rejects, sessions, uploads, polls,
    /// retries) with the running totals. Keep it quick: the job waits for it.
    pub fn on_progress(mut self, callback: impl FnMut(&Progress<'_>) + Send + 'static) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }

    /// Runs the job over plain iterators: users to upsert, then
    /// `externalId`s to deactivate. Both are pulled lazily.
    ///
    /// The item types are concrete so that an empty input needs no
    /// annotation: `run_iter(users, [])` or `run_iter(users, Vec::new())`
    /// imports without deactivating anyone. Literal ids are given as
    /// `String`s, for example `["emp-old-1", "emp-old-2"].map(String::from)`.
    pub async fn run_iter<U, D>(
        self,
        upserts: U,
        deactivations: D,
    ) -> Result<ImportReport, ImportError>
    where
        U: IntoIterator<Item = UserUpsert>,
        D: IntoIterator<Item = String>,
    {
        self.run(
            stream::iter(upserts.into_iter().map(Ok::<_, Infallible>)),
            stream::iter(deactivations.into_iter().map(Ok::<String, Infallible>)),
        )
        .await
    }

    /// Runs the job over streams (for example records parsed from a file as
    /// they are read). The upserts are all read and uploaded before the
    /// deactivations. An `Err` item stops the job like a failed request:
    /// the open session is cancelled and [`ImportErrorKind::Input`] is
    /// returned.
    pub async fn run<U, D, E>(
        self,
        upserts: U,
        deactivations: D,
    ) -> Result<ImportReport, ImportError>
    where
        U: Stream<Item = Result<UserUpsert, E>>,
        D: Stream<Item = Result<String, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        runner::Runner::new(
            self.client,
            self.identity_source_id,
            self.options,
            self.progress,
        )
        .run(upserts, deactivations)
        .await
    }
}
