//! The sync engine (feature `sync`): keep an identity source equal to a
//! source of truth.
//!
//! Okta's Identity Source API is incremental only: it cannot list the users
//! of a source, and a user who left stays active until someone sends their
//! `externalId` to bulk-delete. [`SyncJob`] remembers what Okta confirmed in
//! a state file (SQLite) and, on each run:
//!
//! 1. **loads the roster**, the full current source: users (required),
//!    groups and memberships (optional; a kind that is not given is left
//!    alone). Each profile is reduced to a canonical hash (attributes in
//!    name order, custom attributes and `null`s included). Duplicate
//!    `externalId`s, empty profiles, over-long ids and memberships naming
//!    an unknown user or group are errors, and nothing is sent;
//! 2. **settles** the sessions an earlier run left pending (see below);
//! 3. **plans** the difference: upserts for new and changed users and
//!    groups (an attribute dropped since the last sync is sent as `null`
//!    so Okta clears it), deactivations for users in the state but not in
//!    the source, group deletes, and membership additions and removals as
//!    set differences ([`Plan`]);
//! 4. checks the [`Safeguard`]: too many deactivations, a source that shrank
//!    too much, or an empty source refuse the sync before anything is sent;
//! 5. **sends** the plan in as few sessions as Okta's limits allow (200
//!    entities and 200 KB per upload, 50 uploads and 10,000 users per
//!    session), in an order Okta accepts: group upserts, user upserts,
//!    membership additions, then membership removals, deactivations and
//!    group deletes.
//!
//! # Nothing is lost
//!
//! Before the first upload of a session, the session id and every entity
//! planned into it are written to the state as *pending*. Only once Okta
//! reports the session `COMPLETED` are they applied to the state, in one
//! transaction that also removes the pending record. A run that dies at any
//! point leaves the state consistent, and the next run first asks Okta
//! about each pending session: `COMPLETED` is recorded; `CLOSED` and
//! `EXPIRED` (nothing imported) are forgotten, so the entities are planned
//! again; a loading session (the run died while uploading) is cancelled and
//! forgotten; a triggered one is waited for; `ERROR`, a session that is
//! gone, or any status the sync cannot interpret mark its entities as
//! unknown in the state, so they are sent again whatever the source says
//! then (a leaver's deactivation is sent again, a joiner's upsert too).
//!
//! # Example
//!
//! ```no_run
//! use okta_identity_source::Client;
//! use okta_identity_source::import::UserUpsert;
//! use okta_identity_source::sync::{SourceUser, SyncJob, SyncOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let mut job = SyncJob::open("hr-sync.state".as_ref(), "0oa1b2c3d4e5f6g7h8i9", SyncOptions::default())?
//!     .with_client(client);
//! job.load_users((1..=3).map(|i| {
//!     Ok(SourceUser {
//!         line: i,
//!         user: UserUpsert::new(format!("emp-{i}")).attribute("userName", format!("u{i}@example.com")),
//!     })
//! }))?;
//! job.settle(true).await?;
//! let plan = job.plan()?;
//! for line in plan.lines() {
//!     println!("{line}");
//! }
//! let report = job.apply().await?;
//! println!("{} confirmed in {} sessions", report.confirmed, report.sessions.len());
//! # Ok(())
//! # }
//! ```

mod engine;
pub mod input;
mod plan;
mod push;
mod roster;
mod state;

use std::io::{self, Write};
use std::path::Path;

use tokio::time::Instant;

pub use plan::{Change, KindPlan, Plan, Refusal, SAMPLES, Safeguard};
pub use push::DirectoryImport;
pub use roster::{
    DESCRIPTION_MAX, DISPLAY_NAME_MAX, GROUP_ID_MAX, InputKind, MAX_KEPT, RosterProblem,
    RosterProblems, SourceGroup, SourceMembership, SourceUser,
};
pub use state::{SCHEMA_VERSION, StateError};

use crate::Client;
use crate::import::ImportOptions;
use crate::models::IdentitySourceSessionStatus;

/// Settings of a [`SyncJob`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// Okta's limits and the waits (cool-down, polling, retries), as for an
    /// import. `reject_empty_profiles` is always on for a sync.
    pub import: ImportOptions,
    /// Member `externalId`s per membership upload, over all its entries
    /// (each counts as an entity). Default 200.
    pub max_members_per_upload: usize,
    /// The thresholds that refuse a sync.
    pub safeguard: Safeguard,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            import: ImportOptions::default(),
            max_members_per_upload: 200,
            safeguard: Safeguard::default(),
        }
    }
}

/// Why a sync could not go on.
///
/// `Display` is one complete line, the cause included, so no variant
/// returns that cause again from `source()`: reporters print each cause
/// once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The state file cannot be used.
    #[error(transparent)]
    State(#[from] StateError),
    /// The roster has problems; nothing was sent.
    #[error("{} problem(s) in the input; nothing was sent", .0.count)]
    Roster(RosterProblems),
    /// The safeguard refused the sync; nothing was sent.
    #[error("refused: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Refusal>),
    /// A step needs the service but the job has no client.
    #[error("no client: call with_client first")]
    NoClient,
    /// `apply` before `plan`.
    #[error("no plan: call plan first")]
    NoPlan,
    /// A loading session that this sync did not start blocks new sessions.
    #[error(
        "the identity source has a {status} session {session_id} that this sync did not start; cancel it (okta-identity-source sessions cancel {session_id}) or wait for it"
    )]
    LeftoverSession {
        /// The session.
        session_id: String,
        /// Its status.
        status: IdentitySourceSessionStatus,
    },
    /// A pending session could not be settled; nothing new was sent.
    #[error("session {session_id} of an earlier run is still {status}; run the sync again later")]
    StillPending {
        /// The session.
        session_id: String,
        /// Its status.
        status: String,
    },
    /// A request failed for good.
    #[error("{step} failed: {error}")]
    Api {
        /// The step.
        step: &'static str,
        /// The error.
        error: crate::Error,
    },
}

/// One session a sync used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSession {
    /// `aps…`.
    pub id: String,
    /// Final status, `None` when unknown.
    pub status: Option<IdentitySourceSessionStatus>,
    /// Whether it was an empty leftover session taken over.
    pub reused: bool,
    /// Uploads accepted.
    pub uploads: usize,
    /// Entities planned into it.
    pub entities: usize,
    /// Why it ended as it did, when that needs saying.
    pub note: Option<String>,
}

/// What happened, for a progress display.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncEvent<'a> {
    /// A session of an earlier run was settled.
    PendingSettled {
        /// The session.
        session_id: &'a str,
        /// What became of it.
        outcome: &'a str,
    },
    /// A session was opened and its entities recorded as pending.
    SessionOpened {
        /// The session.
        session_id: &'a str,
        /// Whether it is an empty leftover taken over.
        reused: bool,
        /// Entities planned into it.
        entities: usize,
        /// Uploads planned.
        uploads: usize,
    },
    /// An upload was accepted.
    Uploaded {
        /// The session.
        session_id: &'a str,
        /// What it carried.
        change: Change,
        /// How many entities.
        entities: usize,
    },
    /// A session was triggered.
    Triggered {
        /// The session.
        session_id: &'a str,
    },
    /// Waiting.
    Waiting {
        /// For what.
        what: &'static str,
        /// How long.
        wait: std::time::Duration,
    },
    /// A session reached its final status.
    SessionFinished(&'a SyncSession),
}

/// The outcome of [`SyncJob::apply`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Sessions used, in order.
    pub sessions: Vec<SyncSession>,
    /// Uploads accepted.
    pub uploads: u64,
    /// Entities Okta confirmed (session `COMPLETED`).
    pub confirmed: u64,
    /// Entities whose session failed (they are sent again next run).
    pub failed: u64,
    /// Entities whose outcome is unknown (settled next run).
    pub unknown: u64,
    /// Entities not sent because the sync stopped.
    pub not_sent: u64,
    /// Why the sync stopped early, if it did.
    pub stopped: Option<String>,
}

impl SyncReport {
    /// Whether every planned entity was confirmed.
    pub fn complete(&self) -> bool {
        self.stopped.is_none() && self.failed == 0 && self.unknown == 0 && self.not_sent == 0
    }
}

type SyncCallback = Box<dyn FnMut(&SyncEvent<'_>) + Send>;

/// A sync of one identity source with its state file. See the [module
/// documentation](self).
pub struct SyncJob {
    state: state::State,
    client: Option<Client>,
    upload_client: Option<Client>,
    isid: String,
    options: SyncOptions,
    progress: Option<SyncCallback>,
    groups: bool,
    memberships: bool,
    problems: RosterProblems,
    plan: Option<Plan>,
    sessions: Vec<SyncSession>,
    uploads: u64,
    last_trigger: Option<Instant>,
}

impl std::fmt::Debug for SyncJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncJob")
            .field("state", &self.state.path)
            .field("identity_source_id", &self.isid)
            .finish_non_exhaustive()
    }
}

impl SyncJob {
    /// Opens (or creates) the state file at `path` for the identity source
    /// `identity_source_id` and locks it for the life of the job.
    pub fn open(
        path: &Path,
        identity_source_id: &str,
        options: SyncOptions,
    ) -> Result<SyncJob, SyncError> {
        let state = state::State::open(path, identity_source_id)?;
        Self::with_state(state, identity_source_id, options)
    }

    fn with_state(
        state: state::State,
        identity_source_id: &str,
        mut options: SyncOptions,
    ) -> Result<SyncJob, SyncError> {
        options.import.reject_empty_profiles = true;
        roster::create_tables(&state)?;
        Ok(SyncJob {
            state,
            client: None,
            upload_client: None,
            isid: identity_source_id.to_owned(),
            options,
            progress: None,
            groups: false,
            memberships: false,
            problems: RosterProblems::default(),
            plan: None,
            sessions: Vec::new(),
            uploads: 0,
            last_trigger: None,
        })
    }

    /// The client that settles and sends.
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The client for the uploads, if not the main one: it should make no
    /// retries of its own (`ClientBuilder::max_retries(0)`). The runtime
    /// retries an upload whose answer was lost (uploads are idempotent),
    /// which would send its entities twice into one session; with a client
    /// that does not retry, the sync retries a 429 (never processed) itself
    /// and moves the entities of any other failed upload into a new
    /// session instead.
    pub fn with_upload_client(mut self, client: Client) -> Self {
        self.upload_client = Some(client);
        self
    }

    /// Calls `callback` on each step. Keep it quick.
    pub fn on_progress(mut self, callback: impl FnMut(&SyncEvent<'_>) + Send + 'static) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }

    pub(crate) fn client(&self) -> Result<&Client, crate::Error> {
        self.client
            .as_ref()
            .ok_or_else(|| crate::Error::InvalidInput {
                message: "the sync has no client".into(),
            })
    }

    pub(crate) fn emit(&mut self, event: SyncEvent<'_>) {
        if let Some(cb) = self.progress.as_mut() {
            cb(&event);
        }
    }

    /// Loads the users of the source (all of them); returns the rows read.
    pub fn load_users<I>(&mut self, users: I) -> Result<u64, SyncError>
    where
        I: IntoIterator<Item = Result<SourceUser, RosterProblem>>,
    {
        Ok(roster::load_users(
            &self.state,
            users,
            &self.options.import,
            &mut self.problems,
        )?)
    }

    /// Loads the groups of the source; from now on the sync manages groups.
    pub fn load_groups<I>(&mut self, groups: I) -> Result<u64, SyncError>
    where
        I: IntoIterator<Item = Result<SourceGroup, RosterProblem>>,
    {
        self.groups = true;
        Ok(roster::load_groups(
            &self.state,
            groups,
            &self.options.import,
            &mut self.problems,
        )?)
    }

    /// Loads the memberships of the source; the sync manages memberships.
    pub fn load_memberships<I>(&mut self, memberships: I) -> Result<u64, SyncError>
    where
        I: IntoIterator<Item = Result<SourceMembership, RosterProblem>>,
    {
        self.memberships = true;
        Ok(roster::load_memberships(
            &self.state,
            memberships,
            &mut self.problems,
        )?)
    }

    /// Checks the references between the inputs; the problems found while
    /// loading and checking (nothing is sent while there is any).
    pub fn check(&mut self) -> Result<&RosterProblems, SyncError> {
        if self.memberships {
            roster::check_references(&self.state, self.groups, &mut self.problems)?;
        }
        Ok(&self.problems)
    }

    /// Sessions of earlier runs whose outcome is not recorded yet.
    pub fn pending_sessions(&self) -> Result<Vec<String>, SyncError> {
        Ok(self.state.pending_sessions()?)
    }

    /// Settles the sessions an earlier run left pending (see the module
    /// documentation). With `send` false nothing is sent (for a plan):
    /// loading and triggered sessions stay pending. Returns each session
    /// with what became of it.
    pub async fn settle(&mut self, send: bool) -> Result<Vec<(String, String)>, SyncError> {
        if self.state.pending_sessions()?.is_empty() {
            return Ok(Vec::new());
        }
        self.settle_pending(send).await
    }

    /// Computes the plan (after [`check`](Self::check) found no problem).
    pub fn plan(&mut self) -> Result<Plan, SyncError> {
        self.check()?;
        if !self.problems.is_empty() {
            return Err(SyncError::Roster(self.problems.clone()));
        }
        let plan = plan::build(&self.state, self.groups, self.memberships)?;
        self.plan = Some(plan.clone());
        Ok(plan)
    }

    /// Starts the state from the current roster, marked as already imported,
    /// without sending anything: for an identity source filled by other
    /// means. Refused when the state already holds entities or pending
    /// sessions.
    pub fn adopt(&mut self) -> Result<u64, SyncError> {
        self.check()?;
        if !self.problems.is_empty() {
            return Err(SyncError::Roster(self.problems.clone()));
        }
        let held = self.state.count(
            "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM groups)
                  + (SELECT count(*) FROM memberships) + (SELECT count(*) FROM pending_sessions)",
        )?;
        if held > 0 {
            return Err(SyncError::State(StateError::NotAStateFile {
                path: self.state.path.clone(),
                detail: format!(
                    "adoption needs a new state file; this one already records {held} entities or sessions"
                ),
            }));
        }
        engine::adopt(&self.state, self.groups, self.memberships)?;
        Ok(self.state.count("SELECT count(*) FROM users")?)
    }

    /// Sends the plan (after the safeguard allowed it).
    pub async fn apply(&mut self) -> Result<SyncReport, SyncError> {
        let Some(plan) = self.plan.clone() else {
            return Err(SyncError::NoPlan);
        };
        let refusals = self.options.safeguard.check(&plan);
        if !refusals.is_empty() {
            return Err(SyncError::Refused(refusals));
        }
        if let Some(sid) = self.state.pending_sessions()?.first() {
            return Err(SyncError::StillPending {
                session_id: sid.clone(),
                status: "pending".into(),
            });
        }
        let stopped = if plan.is_empty() {
            None
        } else {
            self.client().map_err(|_| SyncError::NoClient)?;
            self.send_plan().await?
        };
        let count = |outcome: &str| {
            self.state.count(&format!(
                "SELECT count(*) FROM temp.plan WHERE outcome = '{outcome}'"
            ))
        };
        let confirmed = self.state.count(
            "SELECT count(*) FROM temp.plan WHERE outcome IN ('confirmed', 'removed', 'deactivated', 'deleted')",
        )?;
        let report = SyncReport {
            sessions: self.sessions.clone(),
            uploads: self.uploads,
            confirmed,
            failed: count("failed")?,
            unknown: count("unknown")?,
            not_sent: count("notSent")?,
            stopped,
        };
        if report.complete() {
            engine::set_meta(
                &self.state.conn,
                "last_source_users",
                &plan.source_users.to_string(),
            )
            .map_err(|e| self.state.db_error(e))?;
            engine::set_meta(
                &self.state.conn,
                "last_sync",
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(|e| self.state.db_error(e))?;
        }
        Ok(report)
    }

    /// Writes the report file: `{"summary": {…}, "entities": [{"kind",
    /// "externalId", "outcome", "reason", "sessionId"}, …]}` with every
    /// entity of the roster and every one planned (membership entries also
    /// carry `groupExternalId`). Before `apply` (a plan) the planned
    /// entities have the outcome `planned`.
    pub fn write_report(&self, out: impl Write, report: Option<&SyncReport>) -> io::Result<()> {
        let mut out = io::BufWriter::new(out);
        let plan = self.plan.clone().unwrap_or_default();
        let io_err = |e: StateError| io::Error::other(e.to_string());
        let g = plan.groups.clone().unwrap_or_default();
        let m = plan.memberships.clone().unwrap_or_default();
        let summary = serde_json::json!({
            "planOnly": report.is_none(),
            "complete": report.map(SyncReport::complete),
            "usersInSource": plan.source_users,
            "usersNew": plan.users.added,
            "usersChanged": plan.users.changed,
            "usersDeactivated": plan.users.removed,
            "usersUnchanged": plan.users.unchanged,
            "groupsManaged": plan.groups.is_some(),
            "groupsNew": g.added,
            "groupsChanged": g.changed,
            "groupsDeleted": g.removed,
            "groupsUnchanged": g.unchanged,
            "membershipsManaged": plan.memberships.is_some(),
            "membershipsAdded": m.added,
            "membershipsRemoved": m.removed,
            "membershipsUnchanged": m.unchanged,
            "confirmed": report.map(|r| r.confirmed),
            "failed": report.map(|r| r.failed),
            "unknown": report.map(|r| r.unknown),
            "notSent": report.map(|r| r.not_sent),
            "sessions": report.map(|r| r.sessions.len()),
            "uploads": report.map(|r| r.uploads),
            "stopped": report.and_then(|r| r.stopped.clone()),
        });
        out.write_all(b"{\"summary\":")?;
        serde_json::to_writer(&mut out, &summary)?;
        out.write_all(b",\"entities\":[")?;
        let mut first = true;
        let mut entry = |out: &mut io::BufWriter<_>, value: serde_json::Value| -> io::Result<()> {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            out.write_all(b"\n")?;
            serde_json::to_writer(out, &value).map_err(io::Error::from)
        };
        let conn = &self.state.conn;
        let sql_err = |e: rusqlite::Error| io_err(self.state.db_error(e));
        conn.execute_batch("CREATE INDEX IF NOT EXISTS temp.plan_key ON plan(change, key, member)")
            .map_err(sql_err)?;
        // Planned entities.
        {
            let mut stmt = conn
                .prepare(
                    "SELECT change, key, member, outcome, reason, session_id FROM temp.plan ORDER BY seq",
                )
                .map_err(sql_err)?;
            let mut rows = stmt.query([]).map_err(sql_err)?;
            while let Some(r) = rows.next().map_err(sql_err)? {
                let change = Change::from_code(r.get(0).map_err(sql_err)?);
                let key: String = r.get(1).map_err(sql_err)?;
                let member: String = r.get(2).map_err(sql_err)?;
                let outcome: Option<String> = r.get(3).map_err(sql_err)?;
                let reason: Option<String> = r.get(4).map_err(sql_err)?;
                let sid: Option<String> = r.get(5).map_err(sql_err)?;
                let Some(change) = change else { continue };
                let mut v = serde_json::json!({
                    "kind": change.report_kind(),
                    "externalId": if member.is_empty() { &key } else { &member },
                    "outcome": outcome.as_deref().unwrap_or(if report.is_some() { "notSent" } else { "planned" }),
                });
                if !member.is_empty() {
                    v["groupExternalId"] = key.into();
                }
                if let Some(reason) = reason {
                    v["reason"] = reason.into();
                }
                if let Some(sid) = sid {
                    v["sessionId"] = sid.into();
                }
                entry(&mut out, v)?;
            }
        }
        // Unchanged entities of the roster.
        let unchanged: [(&str, &str, &str); 3] = [
            (
                "user",
                "SELECT s.external_id, '' FROM temp.src_users s WHERE NOT EXISTS
                 (SELECT 1 FROM temp.plan p WHERE p.change = 1 AND p.key = s.external_id) ORDER BY s.external_id",
                "users",
            ),
            (
                "group",
                "SELECT s.external_id, '' FROM temp.src_groups s WHERE NOT EXISTS
                 (SELECT 1 FROM temp.plan p WHERE p.change = 0 AND p.key = s.external_id) ORDER BY s.external_id",
                "groups",
            ),
            (
                "membership",
                "SELECT s.member_id, s.group_id FROM temp.src_members s WHERE NOT EXISTS
                 (SELECT 1 FROM temp.plan p WHERE p.change = 2 AND p.key = s.group_id AND p.member = s.member_id)
                 ORDER BY s.group_id, s.member_id",
                "memberships",
            ),
        ];
        for (kind, sql, which) in unchanged {
            if (which == "groups" && !self.groups) || (which == "memberships" && !self.memberships)
            {
                continue;
            }
            let mut stmt = conn.prepare(sql).map_err(sql_err)?;
            let mut rows = stmt.query([]).map_err(sql_err)?;
            while let Some(r) = rows.next().map_err(sql_err)? {
                let id: String = r.get(0).map_err(sql_err)?;
                let group: String = r.get(1).map_err(sql_err)?;
                let mut v =
                    serde_json::json!({"kind": kind, "externalId": id, "outcome": "unchanged"});
                if !group.is_empty() {
                    v["groupExternalId"] = group.into();
                }
                entry(&mut out, v)?;
            }
        }
        out.write_all(b"\n]}\n")?;
        out.flush()
    }
}
