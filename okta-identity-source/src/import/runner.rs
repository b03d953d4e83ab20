//! The state machine behind [`ImportJob`](super::ImportJob).

use std::collections::HashSet;
use std::pin::pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use reqwest::StatusCode;
use tokio::time::{Instant, sleep};

use super::entity::{
    EntityKind, delete_body, delete_envelope, delete_item, serialized_len, upsert_body,
    upsert_envelope, upsert_item,
};
use super::options::MAX_RETRY_INTERVAL;
use super::report::{
    ImportError, ImportErrorKind, ImportEvent, ImportReport, NotImported, NotImportedReason,
    Progress, SessionReport, Step,
};
use super::{ImportOptions, LeftoverPolicy, ProgressCallback, RejectReason};
use crate::Client;
use crate::models::{
    BulkUpsertRequestBodyProfilesItem, IdentitySourceSessionStatus as Status,
    IdentitySourceUserProfileForDelete,
};
use crate::runtime::{Call, Error, RateLimit, Response, retry};

type Stop = ImportErrorKind;

/// One entity of the current session (enough to report it precisely).
struct Member {
    kind: EntityKind,
    index: u64,
    external_id: String,
}

/// The session the job is loading.
struct OpenSession {
    id: String,
    reused: bool,
    uploads: usize,
    entities: usize,
    upserts: usize,
    deactivations: usize,
    members: Vec<Member>,
}

/// The upload being filled.
struct Batch {
    kind: EntityKind,
    upserts: Vec<BulkUpsertRequestBodyProfilesItem>,
    deletes: Vec<IdentitySourceUserProfileForDelete>,
    indexes: Vec<u64>,
    /// Size of the body if it were sent now.
    bytes: usize,
}

impl Batch {
    fn len(&self) -> usize {
        self.indexes.len()
    }

    fn is_empty(&self) -> bool {
        self.indexes.is_empty()
    }

    /// The batch's entities as members, emptying it.
    fn drain_members(&mut self) -> Vec<Member> {
        let indexes = std::mem::take(&mut self.indexes);
        self.bytes = 0;
        match self.kind {
            EntityKind::Upsert => std::mem::take(&mut self.upserts)
                .into_iter()
                .zip(indexes)
                .map(|(item, index)| Member {
                    kind: EntityKind::Upsert,
                    index,
                    external_id: item.external_id,
                })
                .collect(),
            EntityKind::Deactivate => std::mem::take(&mut self.deletes)
                .into_iter()
                .zip(indexes)
                .map(|(item, index)| Member {
                    kind: EntityKind::Deactivate,
                    index,
                    external_id: item.external_id,
                })
                .collect(),
        }
    }
}

enum Item {
    Upsert(BulkUpsertRequestBodyProfilesItem),
    Delete(IdentitySourceUserProfileForDelete),
}

/// How a session ended, as far as the job knows.
enum Outcome {
    Final(Status),
    /// It stayed CREATED (nothing effective uploaded) and was cancelled.
    NothingToImport {
        cancelled: bool,
    },
    Unknown(String),
}

/// The time budget of one step (a request and the workflow's retries of
/// it): the client's request timeout, so that a stalled server costs one
/// deadline, not one per attempt. Waits for a rate-limit reset are bounded
/// separately (by [`ImportOptions::max_rate_limit_wait`]) and not counted.
struct StepClock {
    started: Instant,
    budget: Option<Duration>,
    excluded: Duration,
}

impl StepClock {
    fn new(budget: Option<Duration>) -> Self {
        StepClock {
            started: Instant::now(),
            budget,
            excluded: Duration::ZERO,
        }
    }

    fn spent(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.excluded)
    }

    /// What is left of the budget (`None`: unbounded).
    fn left(&self) -> Option<Duration> {
        self.budget.map(|b| b.saturating_sub(self.spent()))
    }

    /// Bounds a call by what is left.
    fn bound<T, O>(&self, call: Call<T, O>) -> Call<T, O> {
        match self.left() {
            Some(left) => call.timeout(left.max(Duration::from_millis(1))),
            None => call,
        }
    }

    /// Whether a backoff of `wait` still leaves time for another attempt.
    fn allows(&self, wait: Duration) -> bool {
        self.left().is_none_or(|left| left > wait)
    }
}

pub(crate) struct Runner {
    client: Client,
    isid: String,
    opts: ImportOptions,
    progress: Option<ProgressCallback>,
    report: ImportReport,
    session: Option<OpenSession>,
    batch: Batch,
    last_trigger: Option<Instant>,
    upsert_envelope: usize,
    delete_envelope: usize,
    /// Entities read but neither uploaded nor pending in the batch when the
    /// job stopped (the one whose arrival made the batch flush).
    unsent: Vec<Member>,
    /// Digests of the `externalId`s (with their kind) of the open session
    /// and the batch: Okta documents inaccurate data for an `externalId`
    /// given twice. 128-bit digests keep the set small (10,000 per session
    /// at most); a collision is beyond reach.
    ids: HashSet<u128>,
}

/// Calls the progress callback; a macro so that the event may borrow the
/// report while the callback is borrowed mutably.
macro_rules! emit {
    ($self:ident, $event:expr) => {
        if let Some(callback) = $self.progress.as_mut() {
            callback(&Progress {
                event: $event,
                counts: &$self.report.counts,
            });
        }
    };
}

impl Runner {
    pub(crate) fn new(
        client: Client,
        isid: String,
        opts: ImportOptions,
        progress: Option<ProgressCallback>,
    ) -> Self {
        Runner {
            client,
            isid,
            opts,
            progress,
            report: ImportReport::default(),
            session: None,
            batch: Batch {
                kind: EntityKind::Upsert,
                upserts: Vec::new(),
                deletes: Vec::new(),
                indexes: Vec::new(),
                bytes: 0,
            },
            last_trigger: None,
            upsert_envelope: upsert_envelope(),
            delete_envelope: delete_envelope(),
            unsent: Vec::new(),
            ids: HashSet::new(),
        }
    }

    pub(crate) async fn run<U, D, E>(
        mut self,
        upserts: U,
        deactivations: D,
    ) -> Result<ImportReport, ImportError>
    where
        U: Stream<Item = Result<super::UserUpsert, E>>,
        D: Stream<Item = Result<String, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self.drive(upserts, deactivations).await {
            Ok(()) => Ok(self.report),
            Err(stop) => {
                self.abort(&stop).await;
                Err(ImportError::new(stop, self.report))
            }
        }
    }

    async fn drive<U, D, E>(&mut self, upserts: U, deactivations: D) -> Result<(), Stop>
    where
        U: Stream<Item = Result<super::UserUpsert, E>>,
        D: Stream<Item = Result<String, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut upserts = pin!(upserts);
        while let Some(next) = upserts.next().await {
            let user = next.map_err(|e| Stop::Input(e.into()))?;
            let index = self.report.counts.upserts_read;
            self.report.counts.upserts_read += 1;
            if let Err(reason) = self.opts.check_user_fields(&user) {
                self.reject(EntityKind::Upsert, index, user.external_id, reason);
                continue;
            }
            let item = upsert_item(user);
            let size = serialized_len(&item);
            if let Err(reason) = self.opts.check_size(self.upsert_envelope + size) {
                let id = item.external_id;
                self.reject(EntityKind::Upsert, index, id, reason);
                continue;
            }
            self.add(Item::Upsert(item), index, size).await?;
        }
        let mut deactivations = pin!(deactivations);
        while let Some(next) = deactivations.next().await {
            let external_id = next.map_err(|e| Stop::Input(e.into()))?;
            let index = self.report.counts.deactivations_read;
            self.report.counts.deactivations_read += 1;
            if let Err(reason) = self.opts.check_external_id(&external_id) {
                self.reject(EntityKind::Deactivate, index, external_id, reason);
                continue;
            }
            let item = delete_item(external_id);
            let size = serialized_len(&item);
            if let Err(reason) = self.opts.check_size(self.delete_envelope + size) {
                let id = item.external_id;
                self.reject(EntityKind::Deactivate, index, id, reason);
                continue;
            }
            self.add(Item::Delete(item), index, size).await?;
        }
        self.flush().await?;
        self.finish_session().await
    }

    fn reject(
        &mut self,
        kind: EntityKind,
        index: u64,
        external_id: String,
        reason: super::RejectReason,
    ) {
        self.report.counts.rejected += 1;
        self.report.not_imported.push(NotImported {
            kind,
            index,
            external_id,
            reason: NotImportedReason::Rejected(reason),
        });
        if let Some(last) = self.report.not_imported.last() {
            emit!(self, ImportEvent::Rejected(last));
        }
    }

    fn session_entities(&self) -> usize {
        self.session.as_ref().map_or(0, |s| s.entities)
    }

    async fn add(&mut self, item: Item, index: u64, size: usize) -> Result<(), Stop> {
        let (kind, external_id) = match &item {
            Item::Upsert(i) => (EntityKind::Upsert, i.external_id.clone()),
            Item::Delete(i) => (EntityKind::Deactivate, i.external_id.clone()),
        };
        if let Err(stop) = self.make_room(kind, size).await {
            // The entity was read but will not be sent: it is reported.
            self.unsent.push(Member {
                kind,
                index,
                external_id: external_id.clone(),
            });
            return Err(stop);
        }
        // Checked after the room was made: a full session that was just
        // finished no longer counts.
        let id = external_id;
        if !self.ids.insert(id_digest(kind, &id)) {
            self.reject(kind, index, id, RejectReason::DuplicateExternalId);
            return Ok(());
        }
        let b = &mut self.batch;
        if b.is_empty() {
            b.kind = kind;
            b.bytes = match kind {
                EntityKind::Upsert => self.upsert_envelope,
                EntityKind::Deactivate => self.delete_envelope,
            };
        } else {
            b.bytes += 1; // the comma
        }
        b.bytes += size;
        b.indexes.push(index);
        match item {
            Item::Upsert(i) => b.upserts.push(i),
            Item::Delete(i) => b.deletes.push(i),
        }
        Ok(())
    }

    /// Flushes the batch, and finishes the session, as an entity of `kind`
    /// and `size` needs before it joins the batch.
    async fn make_room(&mut self, kind: EntityKind, size: usize) -> Result<(), Stop> {
        if !self.batch.is_empty()
            && (self.batch.kind != kind
                || self.batch.len() >= self.opts.max_entities_per_upload
                || self.batch.bytes + 1 + size > self.opts.max_upload_bytes)
        {
            self.flush().await?;
        }
        if self.session_entities() + self.batch.len() >= self.opts.max_users_per_session {
            self.flush().await?;
            self.finish_session().await?;
        }
        Ok(())
    }

    /// Uploads the batch into the open session (opening one if needed).
    async fn flush(&mut self) -> Result<(), Stop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        if self
            .session
            .as_ref()
            .is_some_and(|s| s.uploads >= self.opts.max_uploads_per_session)
        {
            self.finish_session().await?;
        }
        let mut carried = false;
        loop {
            if self.session.is_none() {
                self.open_session().await?;
            }
            let Some(session) = self.session.as_ref() else {
                continue;
            };
            let sid = session.id.clone();
            let has_data = session.uploads > 0 || session.reused;
            match self.upload(&sid).await {
                Ok(()) => {
                    let entities = self.batch.len();
                    let bytes = self.batch.bytes;
                    let kind = self.batch.kind;
                    let members = self.batch.drain_members();
                    let counts = &mut self.report.counts;
                    counts.uploads += 1;
                    if let Some(s) = self.session.as_mut() {
                        s.uploads += 1;
                        s.entities += entities;
                        match kind {
                            EntityKind::Upsert => {
                                s.upserts += entities;
                                counts.upserts_uploaded += entities as u64;
                            }
                            EntityKind::Deactivate => {
                                s.deactivations += entities;
                                counts.deactivations_uploaded += entities as u64;
                            }
                        }
                        s.members.extend(members);
                    }
                    emit!(
                        self,
                        ImportEvent::Uploaded {
                            session_id: &sid,
                            kind,
                            entities,
                            bytes,
                        }
                    );
                    return Ok(());
                }
                Err(Stop::Api { error: e, .. })
                    if e.status() == Some(StatusCode::BAD_REQUEST) && has_data && !carried =>
                {
                    // The session may be full (a reused leftover holds an
                    // unknown amount; a replayed upload may have counted
                    // twice): import what it holds and try a fresh session.
                    tracing::info!(session = %sid, error = %e, "upload refused; triggering the session and carrying the upload over");
                    carried = true;
                    self.finish_session().await?;
                }
                Err(stop) => return Err(stop),
            }
        }
    }

    /// Sends the batch, retrying retryable errors; the batch is kept.
    async fn upload(&mut self, sid: &str) -> Result<(), Stop> {
        match self.batch.kind {
            EntityKind::Upsert => {
                let body = upsert_body(std::mem::take(&mut self.batch.upserts));
                let client = self.client.clone();
                let isid = self.isid.clone();
                let result = self
                    .retrying(Step::Upload, || {
                        client.upload_identity_source_data_for_upsert(&isid, sid, &body)
                    })
                    .await;
                self.batch.upserts = body.profiles;
                result.map(|_| ())
            }
            EntityKind::Deactivate => {
                let body = delete_body(std::mem::take(&mut self.batch.deletes));
                let client = self.client.clone();
                let isid = self.isid.clone();
                let result = self
                    .retrying(Step::Upload, || {
                        client.upload_identity_source_data_for_delete(&isid, sid, &body)
                    })
                    .await;
                self.batch.deletes = body.profiles;
                result.map(|_| ())
            }
        }
    }

    /// Sends a call, and again while the runtime returns a retryable error,
    /// up to `max_attempts` in all.
    async fn retrying<T, O>(
        &mut self,
        step: Step,
        mut make: impl FnMut() -> Call<T, O>,
    ) -> Result<Response<T>, Stop> {
        let mut attempt = 1;
        let mut clock = self.step_clock();
        loop {
            match clock.bound(make()).send_with_response().await {
                Ok(response) => return Ok(response),
                Err(e) if e.is_retryable() && attempt < self.opts.max_attempts => {
                    let (wait, e) = self.retry_wait_within(step, e, attempt, &mut clock)?;
                    emit!(
                        self,
                        ImportEvent::Retrying {
                            step,
                            attempt,
                            wait,
                            error: &e,
                        }
                    );
                    sleep(wait).await;
                    attempt += 1;
                }
                Err(source) => {
                    return Err(Stop::Api {
                        step,
                        error: source,
                    });
                }
            }
        }
    }

    fn step_clock(&self) -> StepClock {
        StepClock::new(self.client.settings().request_timeout)
    }

    /// The wait before attempt `attempt + 1` after `error`, or why there is
    /// none: a rate-limit reset later than
    /// [`max_rate_limit_wait`](ImportOptions::max_rate_limit_wait), or a
    /// backoff that does not fit in what is left of the step's deadline.
    fn retry_wait_within(
        &self,
        step: Step,
        error: Error,
        attempt: u32,
        clock: &mut StepClock,
    ) -> Result<(Duration, Error), Stop> {
        if let Some(wait) = rate_limit_reset_wait(&error) {
            if wait > self.opts.max_rate_limit_wait {
                return Err(Stop::RateLimit {
                    step,
                    wait,
                    max: self.opts.max_rate_limit_wait,
                    error,
                });
            }
            clock.excluded += wait;
            return Ok((wait, error));
        }
        let wait = retry_wait(&error, attempt, self.opts.retry_interval);
        if !clock.allows(wait) {
            return Err(Stop::Api { step, error });
        }
        Ok((wait, error))
    }

    fn start_session(&mut self, id: String, reused: bool) {
        self.report.counts.sessions += 1;
        emit!(
            self,
            ImportEvent::SessionOpened {
                session_id: &id,
                reused,
            }
        );
        self.session = Some(OpenSession {
            id,
            reused,
            uploads: 0,
            entities: 0,
            upserts: 0,
            deactivations: 0,
            members: Vec::new(),
        });
    }

    async fn open_session(&mut self) -> Result<(), Stop> {
        if let Some(t) = self.last_trigger {
            let elapsed = t.elapsed();
            if elapsed < self.opts.expected_cooldown {
                let wait = self.opts.expected_cooldown - elapsed;
                emit!(self, ImportEvent::WaitingForCooldown { wait });
                sleep(wait).await;
            }
        }
        let mut refused_since: Option<Instant> = None;
        let mut cooldown_refusals = 0;
        let mut ambiguous = false;
        let mut attempt = 1;
        let mut clock = self.step_clock();
        loop {
            let error = match clock
                .bound(self.client.create_identity_source_session(&self.isid))
                .send()
                .await
            {
                Ok(session) => match session.id {
                    id if !id.is_empty() => {
                        self.start_session(id, false);
                        return Ok(());
                    }
                    _ => {
                        return Err(Stop::Api {
                            step: Step::CreateSession,
                            error: Error::InvalidInput {
                                message: "the created session has no id".into(),
                            },
                        });
                    }
                },
                Err(e) => e,
            };
            if error.status() == Some(StatusCode::BAD_REQUEST) {
                if let Some((id, status)) = self.find_loading_session().await? {
                    // After a create whose answer was lost, an empty session is ours.
                    if ambiguous && status == Status::Created {
                        self.start_session(id, false);
                        return Ok(());
                    }
                    match self.opts.leftover {
                        LeftoverPolicy::Reuse => {
                            self.start_session(id, true);
                            return Ok(());
                        }
                        LeftoverPolicy::Cancel => {
                            let client = self.client.clone();
                            let isid = self.isid.clone();
                            self.retrying(Step::CancelSession, || {
                                client.delete_identity_source_session(&isid, &id)
                            })
                            .await?;
                            emit!(self, ImportEvent::LeftoverCancelled { session_id: &id });
                            self.report.cancelled_leftovers.push(id);
                            continue;
                        }
                        LeftoverPolicy::Fail => {
                            return Err(Stop::LeftoverSession {
                                session_id: id,
                                status,
                            });
                        }
                    }
                }
                // No loading session: the cool-down after a trigger.
                let since = *refused_since.get_or_insert_with(Instant::now);
                let waited = since.elapsed();
                if waited >= self.opts.max_cooldown_wait {
                    return Err(Stop::Cooldown { waited, error });
                }
                let wait = retry::exponential(
                    cooldown_refusals,
                    self.opts.cooldown_retry_interval,
                    MAX_RETRY_INTERVAL,
                )
                .min(self.opts.max_cooldown_wait - waited);
                emit!(self, ImportEvent::WaitingForCooldown { wait });
                sleep(wait).await;
                cooldown_refusals += 1;
                continue;
            }
            if error.is_retryable() && attempt < self.opts.max_attempts {
                // A lost answer may hide a created session (create is not
                // idempotent, so the runtime did not retry it).
                ambiguous |= error.status() != Some(StatusCode::TOO_MANY_REQUESTS);
                let (wait, error) =
                    self.retry_wait_within(Step::CreateSession, error, attempt, &mut clock)?;
                emit!(
                    self,
                    ImportEvent::Retrying {
                        step: Step::CreateSession,
                        attempt,
                        wait,
                        error: &error,
                    }
                );
                sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Err(Stop::Api {
                step: Step::CreateSession,
                error,
            });
        }
    }

    /// A CREATED or IN_PROGRESS session of the identity source, if any.
    async fn find_loading_session(&mut self) -> Result<Option<(String, Status)>, Stop> {
        let client = self.client.clone();
        let isid = self.isid.clone();
        let list = self
            .retrying(Step::ListSessions, || {
                client.list_identity_source_sessions(&isid)
            })
            .await?
            .into_inner();
        Ok(list.into_iter().find_map(|s| match (s.id, s.status) {
            (id, status @ (Status::Created | Status::InProgress)) if !id.is_empty() => {
                Some((id, status))
            }
            _ => None,
        }))
    }

    /// The status of a session, with the rate-limit figures and `Date` of
    /// the answer.
    async fn get_status(&mut self, sid: &str) -> Result<Polled, Stop> {
        let client = self.client.clone();
        let isid = self.isid.clone();
        let response = self
            .retrying(Step::GetSession, || {
                client.get_identity_source_session(&isid, sid)
            })
            .await?;
        let rate_limit = response.rate_limit();
        let until_reset = retry::rate_limit_wait(response.headers());
        let status = response.into_inner().status;
        Ok(Polled {
            status,
            rate_limit,
            until_reset,
        })
    }

    /// Triggers the open session (if any), waits for its final status and
    /// settles its entities.
    async fn finish_session(&mut self) -> Result<(), Stop> {
        let Some(session) = self.session.take() else {
            return Ok(());
        };
        // From here on, what the batch holds goes to the next session.
        let pending: HashSet<u128> = self.batch_ids().collect();
        let finished_ids = std::mem::replace(&mut self.ids, pending);
        let status = match self.trigger(&session.id).await {
            Ok(status) => status,
            Err(stop) => {
                self.session = Some(session);
                self.ids = finished_ids;
                return Err(stop);
            }
        };
        let outcome = match status {
            Status::Created => {
                // Nothing effective was uploaded (deactivations of unknown
                // users only): Okta refuses the trigger. Close the session.
                let cancelled = self.cancel(&session.id).await.is_ok();
                Outcome::NothingToImport { cancelled }
            }
            s if is_terminal(&s) => Outcome::Final(s),
            _ => match self.poll(&session.id).await {
                Ok(outcome) => outcome,
                Err(stop) => {
                    let cause = stop.to_string();
                    self.settle(session, Outcome::Unknown(cause));
                    return Err(stop);
                }
            },
        };
        self.settle(session, outcome);
        Ok(())
    }

    /// Starts the import; returns the status the session is in afterwards.
    async fn trigger(&mut self, sid: &str) -> Result<Status, Stop> {
        let mut attempt = 1;
        let mut clock = self.step_clock();
        loop {
            let error = match clock
                .bound(
                    self.client
                        .start_import_from_identity_source(&self.isid, sid),
                )
                .send()
                .await
            {
                Ok(session) => {
                    self.last_trigger = Some(Instant::now());
                    emit!(self, ImportEvent::Triggered { session_id: sid });
                    return Ok(session.status);
                }
                Err(e) => e,
            };
            let refused = error.status() == Some(StatusCode::BAD_REQUEST);
            if !refused && !error.is_retryable() {
                return Err(Stop::Api {
                    step: Step::StartImport,
                    error,
                });
            }
            // Refused, or the answer was lost: ask where the session is.
            let now = self.get_status(sid).await?.status;
            match now {
                Status::InProgress if !refused && attempt < self.opts.max_attempts => {
                    let (wait, error) =
                        self.retry_wait_within(Step::StartImport, error, attempt, &mut clock)?;
                    emit!(
                        self,
                        ImportEvent::Retrying {
                            step: Step::StartImport,
                            attempt,
                            wait,
                            error: &error,
                        }
                    );
                    sleep(wait).await;
                    attempt += 1;
                }
                Status::InProgress => {
                    return Err(Stop::Api {
                        step: Step::StartImport,
                        error,
                    });
                }
                Status::Created => return Ok(Status::Created),
                other => {
                    if other == Status::Triggered
                        || other == Status::Completed
                        || other == Status::Error
                    {
                        self.last_trigger = Some(Instant::now());
                        emit!(self, ImportEvent::Triggered { session_id: sid });
                    }
                    return Ok(other);
                }
            }
        }
    }

    /// Polls a triggered session until a terminal status. A failed poll
    /// (the read is idempotent) is tried again, up to `max_attempts` in a
    /// row; a status this version does not know is polled for at most
    /// [`max_unknown_status_wait`](ImportOptions::max_unknown_status_wait).
    async fn poll(&mut self, sid: &str) -> Result<Outcome, Stop> {
        let started = Instant::now();
        let mut interval = self.opts.poll_interval;
        let mut wait = interval;
        let mut failures = 0u32;
        let mut unknown_since: Option<Instant> = None;
        loop {
            sleep(wait).await;
            let polled = match self.get_status(sid).await {
                Ok(p) => {
                    failures = 0;
                    p
                }
                Err(Stop::Api { error: e, .. }) if e.status() == Some(StatusCode::NOT_FOUND) => {
                    return Ok(Outcome::Unknown(format!("the session is gone: {e}")));
                }
                Err(Stop::Api { error: e, .. })
                    if !matches!(e.status().map(|s| s.as_u16()), Some(400 | 401 | 403)) =>
                {
                    failures += 1;
                    if failures >= self.opts.max_attempts
                        || started.elapsed() >= self.opts.max_poll_duration
                    {
                        return Ok(Outcome::Unknown(format!(
                            "polling failed {failures} times in a row: {e}"
                        )));
                    }
                    let backoff = retry_wait(&e, failures, self.opts.retry_interval);
                    emit!(
                        self,
                        ImportEvent::Retrying {
                            step: Step::GetSession,
                            attempt: failures,
                            wait: backoff,
                            error: &e,
                        }
                    );
                    wait = backoff;
                    continue;
                }
                Err(stop) => return Err(stop),
            };
            if is_terminal(&polled.status) {
                return Ok(Outcome::Final(polled.status));
            }
            if let Status::Unknown(name) = &polled.status {
                let since = *unknown_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.opts.max_unknown_status_wait {
                    let shown = name.as_str();
                    return Ok(Outcome::Unknown(format!(
                        "Okta reports status `{}`, which this version does not know, for {:?}; check the session later",
                        crate::runtime::sanitize::escape_text(shown, 100),
                        since.elapsed()
                    )));
                }
            } else {
                unknown_since = None;
            }
            if started.elapsed() >= self.opts.max_poll_duration {
                return Ok(Outcome::Unknown(format!(
                    "still {} after polling for {:?}",
                    polled.status, self.opts.max_poll_duration
                )));
            }
            interval = (interval * 3 / 2).min(self.opts.max_poll_interval);
            wait = interval;
            // Okta's advice: do not spend the bucket's last requests on polls.
            if polled.rate_limit.remaining.is_some_and(|r| r <= 1)
                && let Some(until_reset) = polled.until_reset
            {
                wait = wait.max(until_reset.min(self.opts.max_rate_limit_wait));
            }
            emit!(
                self,
                ImportEvent::Polled {
                    session_id: sid,
                    status: &polled.status,
                    next_poll_in: wait,
                }
            );
        }
    }

    async fn cancel(&mut self, sid: &str) -> Result<(), Stop> {
        let client = self.client.clone();
        let isid = self.isid.clone();
        self.retrying(Step::CancelSession, || {
            client.delete_identity_source_session(&isid, sid)
        })
        .await
        .map(|_| ())
    }

    /// The kinds and `externalId`s of the batch.
    fn batch_ids(&self) -> impl Iterator<Item = u128> + '_ {
        let upserts = self
            .batch
            .upserts
            .iter()
            .map(|i| id_digest(EntityKind::Upsert, i.external_id.as_str()));
        let deletes = self
            .batch
            .deletes
            .iter()
            .map(|i| id_digest(EntityKind::Deactivate, i.external_id.as_str()));
        upserts.chain(deletes)
    }

    /// Records how a session ended and what became of its entities.
    fn settle(&mut self, session: OpenSession, outcome: Outcome) {
        let OpenSession {
            id,
            reused,
            uploads,
            upserts,
            deactivations,
            members,
            ..
        } = session;
        let counts = &mut self.report.counts;
        let (status, note) = match outcome {
            Outcome::Final(status) => {
                if status == Status::Completed {
                    counts.upserted += upserts as u64;
                    counts.deactivated += deactivations as u64;
                    // Okta ignores an externalId it does not hold without
                    // a word: a deactivation is sent, its effect unknown.
                    for m in members {
                        if m.kind == EntityKind::Deactivate {
                            self.report.not_imported.push(NotImported {
                                kind: m.kind,
                                index: m.index,
                                external_id: m.external_id,
                                reason: NotImportedReason::DeactivationSent {
                                    session_id: id.clone(),
                                },
                            });
                        }
                    }
                } else {
                    counts.failed += members.len() as u64;
                    for m in members {
                        self.report.not_imported.push(NotImported {
                            kind: m.kind,
                            index: m.index,
                            external_id: m.external_id,
                            reason: NotImportedReason::SessionEnded {
                                session_id: id.clone(),
                                status: status.clone(),
                            },
                        });
                    }
                }
                (Some(status), None)
            }
            Outcome::NothingToImport { cancelled } => {
                for m in members {
                    let reason = match m.kind {
                        EntityKind::Deactivate => {
                            counts.without_effect += 1;
                            NotImportedReason::WithoutEffect {
                                session_id: id.clone(),
                            }
                        }
                        EntityKind::Upsert => {
                            counts.failed += 1;
                            NotImportedReason::SessionCancelled {
                                session_id: id.clone(),
                                cause: "Okta did not take the uploads (the session stayed CREATED)"
                                    .into(),
                            }
                        }
                    };
                    self.report.not_imported.push(NotImported {
                        kind: m.kind,
                        index: m.index,
                        external_id: m.external_id,
                        reason,
                    });
                }
                let note = "nothing effective to import (no uploaded deactivation names a known user); the session stayed CREATED";
                (
                    cancelled.then_some(Status::Closed),
                    Some(if cancelled {
                        format!("{note} and was cancelled")
                    } else {
                        format!("{note}; cancelling it failed")
                    }),
                )
            }
            Outcome::Unknown(cause) => {
                counts.failed += members.len() as u64;
                for m in members {
                    self.report.not_imported.push(NotImported {
                        kind: m.kind,
                        index: m.index,
                        external_id: m.external_id,
                        reason: NotImportedReason::OutcomeUnknown {
                            session_id: id.clone(),
                            cause: cause.clone(),
                        },
                    });
                }
                (None, Some(cause))
            }
        };
        self.report.sessions.push(SessionReport {
            id,
            status,
            reused,
            uploads,
            upserts,
            deactivations,
            note,
        });
        if let Some(last) = self.report.sessions.last() {
            emit!(self, ImportEvent::SessionFinished(last));
        }
    }

    /// After a stop: cancels the open session and reports the entities it
    /// and the pending upload held.
    async fn abort(&mut self, stop: &Stop) {
        let cause = stop.to_string();
        let upload_failed = matches!(
            stop,
            Stop::Api {
                step: Step::Upload,
                ..
            }
        );
        let pending = self.batch.drain_members();
        let session_id = self.session.as_ref().map(|s| s.id.clone());
        if let Some(session) = self.session.take() {
            let cancel = self.cancel(&session.id).await;
            let (status, note, reason) = match &cancel {
                Ok(()) => (
                    Some(Status::Closed),
                    format!("cancelled because {cause}"),
                    NotImportedReason::SessionCancelled {
                        session_id: session.id.clone(),
                        cause: cause.clone(),
                    },
                ),
                Err(e) => (
                    None,
                    format!("{cause}; cancelling the session failed: {e}"),
                    NotImportedReason::OutcomeUnknown {
                        session_id: session.id.clone(),
                        cause: format!("{cause}; cancelling the session failed: {e}"),
                    },
                ),
            };
            self.report.counts.failed += session.members.len() as u64;
            for m in session.members {
                self.report.not_imported.push(NotImported {
                    kind: m.kind,
                    index: m.index,
                    external_id: m.external_id,
                    reason: reason.clone(),
                });
            }
            self.report.sessions.push(SessionReport {
                id: session.id,
                status,
                reused: session.reused,
                uploads: session.uploads,
                upserts: session.upserts,
                deactivations: session.deactivations,
                note: Some(note),
            });
            if let Some(last) = self.report.sessions.last() {
                emit!(self, ImportEvent::SessionFinished(last));
            }
        }
        let cancel_failed =
            self.report.sessions.last().is_some_and(|s| {
                s.status.is_none() && session_id.as_deref() == Some(s.id.as_str())
            });
        // An upload whose answer was lost may have reached the session; if
        // the session could not be cancelled either, its fate is unknown.
        let upload_ambiguous = matches!(
            stop,
            Stop::Api { step: Step::Upload, error: source } if source.status().is_none()
        );
        self.report.counts.failed += (pending.len() + self.unsent.len()) as u64;
        for m in pending {
            let error = if upload_failed {
                match stop {
                    Stop::Api { error: source, .. } => source.to_string(),
                    other => other.to_string(),
                }
            } else {
                format!("not sent: {cause}")
            };
            let reason = match (&session_id, cancel_failed && upload_ambiguous) {
                (Some(sid), true) => NotImportedReason::OutcomeUnknown {
                    session_id: sid.clone(),
                    cause: format!(
                        "the upload's answer was lost ({error}) and the session could not be cancelled"
                    ),
                },
                _ => NotImportedReason::UploadFailed {
                    session_id: session_id.clone(),
                    error,
                },
            };
            self.report.not_imported.push(NotImported {
                kind: m.kind,
                index: m.index,
                external_id: m.external_id,
                reason,
            });
        }
        for m in std::mem::take(&mut self.unsent) {
            self.report.not_imported.push(NotImported {
                kind: m.kind,
                index: m.index,
                external_id: m.external_id,
                reason: NotImportedReason::UploadFailed {
                    session_id: None,
                    error: format!("not sent: {cause}"),
                },
            });
        }
    }
}

/// A 128-bit digest of an entity's kind and `externalId` (two SipHash
/// passes with different prefixes).
fn id_digest(kind: EntityKind, id: &str) -> u128 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let half = |salt: u8| {
        let mut h = DefaultHasher::new();
        salt.hash(&mut h);
        kind.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

struct Polled {
    status: Status,
    rate_limit: RateLimit,
    until_reset: Option<Duration>,
}

fn is_terminal(status: &Status) -> bool {
    matches!(
        status,
        Status::Completed | Status::Error | Status::Expired | Status::Closed
    )
}

/// For a 429: how long until the rate limit resets (Okta's formula, the
/// same as the runtime's).
fn rate_limit_reset_wait(error: &Error) -> Option<Duration> {
    match error {
        Error::Api(api) if api.status == StatusCode::TOO_MANY_REQUESTS => {
            retry::rate_limit_wait(&api.headers)
        }
        _ => None,
    }
}

/// The wait before the workflow tries a request again: the rate-limit
/// reset for a 429, exponential backoff otherwise.
fn retry_wait(error: &Error, attempt: u32, base: Duration) -> Duration {
    if let Some(wait) = rate_limit_reset_wait(error) {
        return wait;
    }
    retry::exponential(attempt.saturating_sub(1), base, MAX_RETRY_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let e = Error::Timeout {
            after: Duration::from_secs(1),
        };
        let base = Duration::from_millis(100);
        assert_eq!(retry_wait(&e, 1, base), base);
        assert_eq!(retry_wait(&e, 3, base), base * 4);
        assert_eq!(retry_wait(&e, 30, base), Duration::from_secs(60));
    }
}
