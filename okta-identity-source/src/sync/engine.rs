//! Sending a plan: sessions carved out of the plan within Okta's limits,
//! each recorded as pending in the state before its first upload, and the
//! state updated in one transaction once the session's outcome is known.
//! Also the settling of sessions left pending by an earlier run.

use std::time::Duration;

use reqwest::StatusCode;
use rusqlite::params;
use tokio::time::{Instant, sleep};

use super::plan::Change;
use super::state::{State, StateError};
use super::{SyncError, SyncEvent, SyncJob, SyncSession};
use crate::import::MAX_RETRY_INTERVAL;
use crate::import::entity::{
    delete_body, delete_envelope, delete_item, serialized_len, upsert_body, upsert_envelope,
};
use crate::models::{
    BulkGroupDeleteRequestBody, BulkGroupMembershipsDeleteRequestBody,
    BulkGroupMembershipsUpsertRequestBody, BulkGroupUpsertRequestBody,
    BulkGroupUpsertRequestBodyProfilesItem, BulkUpsertRequestBodyProfilesItem,
    IdentitySourceGroupMembershipsDeleteProfileItem,
    IdentitySourceGroupMembershipsUpsertProfileItem, IdentitySourceSessionStatus as Status,
};
use crate::runtime::{Error, retry};

/// One planned entity, as carved into a session.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub seq: i64,
    pub change: Change,
    pub key: String,
    pub member: String,
    pub hash: Option<Vec<u8>>,
    pub attrs: Option<String>,
    pub body: Option<String>,
}

/// The rows of one upload: `rows[start..end]` of the session.
#[derive(Debug, Clone, Copy)]
struct Batch {
    change: Change,
    start: usize,
    end: usize,
    bytes: usize,
}

fn envelope(change: Change) -> usize {
    match change {
        Change::UserUpsert => upsert_envelope(),
        Change::UserDeactivate => delete_envelope(),
        Change::GroupUpsert => super::roster::GROUPS_UPSERT_ENVELOPE,
        Change::GroupDelete => serialized_len(&groups_delete_body(Vec::new())),
        Change::MembershipAdd | Change::MembershipRemove => {
            serialized_len(&memberships_upsert_body(Vec::new()))
        }
    }
}

fn groups_delete_body(ids: Vec<String>) -> BulkGroupDeleteRequestBody {
    BulkGroupDeleteRequestBody {
        external_ids: Some(ids),
        additional_properties: Default::default(),
    }
}

fn memberships_upsert_body(
    items: Vec<IdentitySourceGroupMembershipsUpsertProfileItem>,
) -> BulkGroupMembershipsUpsertRequestBody {
    BulkGroupMembershipsUpsertRequestBody {
        memberships: Some(items),
        additional_properties: Default::default(),
    }
}

/// The bytes `row` adds to a batch whose last row is `last` (if any).
fn cost(row: &Row, last: Option<&Row>) -> usize {
    let comma = usize::from(last.is_some());
    match row.change {
        Change::UserUpsert | Change::GroupUpsert => {
            comma + row.body.as_ref().map_or(0, String::len)
        }
        Change::UserDeactivate => comma + serialized_len(&delete_item(row.key.clone())),
        Change::GroupDelete => comma + serialized_len(&row.key),
        Change::MembershipAdd | Change::MembershipRemove => match last {
            Some(l) if l.key == row.key => 1 + serialized_len(&row.member),
            _ => {
                comma
                    + serialized_len(&IdentitySourceGroupMembershipsUpsertProfileItem {
                        group_external_id: Some(row.key.clone()),
                        member_external_ids: Some(vec![row.member.clone()]),
                        additional_properties: Default::default(),
                    })
            }
        },
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let code: i64 = r.get(1)?;
    Ok(Row {
        seq: r.get(0)?,
        change: Change::from_code(code).ok_or(rusqlite::Error::IntegralValueOutOfRange(1, code))?,
        key: r.get(2)?,
        member: r.get(3)?,
        hash: r.get(4)?,
        attrs: r.get(5)?,
        body: r.get(6)?,
    })
}

/// How a session ended, as far as the sync could learn.
enum Outcome {
    Final(Status),
    /// Every upload was without effect: the session stayed CREATED.
    NothingEffective,
    Unknown(String),
}

fn is_terminal(s: &Status) -> bool {
    matches!(
        s,
        Status::Completed | Status::Error | Status::Expired | Status::Closed
    )
}

impl SyncJob {
    fn db(&self, e: rusqlite::Error) -> SyncError {
        SyncError::State(self.state.db_error(e))
    }

    /// Carves the next session out of the plan, from after `cursor`.
    fn carve(&self, cursor: i64) -> Result<(Vec<Row>, Vec<Batch>), SyncError> {
        let o = &self.options.import;
        let mut stmt = self
            .state
            .conn
            .prepare(
                "SELECT p.seq, p.change, p.key, p.member, p.hash, b.attrs, b.body FROM temp.plan p
                 LEFT JOIN temp.plan_body b ON b.seq = p.seq
                 WHERE p.seq > ?1 ORDER BY p.seq LIMIT 20000",
            )
            .map_err(|e| self.db(e))?;
        let mut rows: Vec<Row> = Vec::new();
        let mut batches: Vec<Batch> = Vec::new();
        let mut users = 0usize;
        let mut entries = 0usize;
        let mut members = 0usize;
        let mut it = stmt.query([cursor]).map_err(|e| self.db(e))?;
        while let Some(r) = it.next().map_err(|e| self.db(e))? {
            let row = read_row(r).map_err(|e| self.db(e))?;
            if row.change.is_user() && users + 1 > o.max_users_per_session {
                break;
            }
            let is_membership =
                matches!(row.change, Change::MembershipAdd | Change::MembershipRemove);
            let fits = batches.last().is_some_and(|b| {
                let last = rows.last();
                let c = cost(&row, last);
                let new_entry = !is_membership || last.is_none_or(|l| l.key != row.key);
                b.change == row.change
                    && b.bytes + c <= o.max_upload_bytes
                    && (!new_entry || entries < o.max_entities_per_upload)
                    && (!is_membership || members < self.options.max_members_per_upload)
            });
            if fits {
                let c = cost(&row, rows.last());
                let new_entry = !is_membership || rows.last().is_none_or(|l| l.key != row.key);
                if let Some(b) = batches.last_mut() {
                    b.bytes += c;
                    b.end += 1;
                }
                entries += usize::from(new_entry);
                members += usize::from(is_membership);
            } else {
                if batches.len() >= o.max_uploads_per_session {
                    break;
                }
                let start = rows.len();
                batches.push(Batch {
                    change: row.change,
                    start,
                    end: start + 1,
                    bytes: envelope(row.change) + cost(&row, None),
                });
                entries = 1;
                members = usize::from(is_membership);
            }
            users += usize::from(row.change.is_user());
            rows.push(row);
        }
        Ok((rows, batches))
    }

    /// Records the session and its entities as pending, in one transaction.
    fn record_pending(&self, sid: &str, rows: &[Row]) -> Result<(), SyncError> {
        let conn = &self.state.conn;
        let tx = conn.unchecked_transaction().map_err(|e| self.db(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO pending_sessions(session_id, opened_at) VALUES (?1, ?2)",
            params![sid, chrono::Utc::now().to_rfc3339()],
        )
        .map_err(|e| self.db(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO pending(session_id, seq, change, key, member, hash, attrs, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(|e| self.db(e))?;
            for r in rows {
                insert
                    .execute(params![
                        sid,
                        r.seq,
                        r.change.code(),
                        r.key,
                        r.member,
                        r.hash,
                        r.attrs,
                        r.body
                    ])
                    .map_err(|e| self.db(e))?;
            }
        }
        tx.commit().map_err(|e| self.db(e))
    }

    /// Sends the plan, session after session. Stops at the first session
    /// that does not complete (its entities stay pending or are marked for
    /// resending); returns why it stopped, if it did.
    pub(crate) async fn send_plan(&mut self) -> Result<Option<String>, SyncError> {
        let mut cursor = 0i64;
        let mut restarts = 0u32;
        'sessions: loop {
            let (rows, batches) = self.carve(cursor)?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Ok(None);
            };
            let (first_seq, last_seq) = (first.seq, last.seq);
            let (sid, reused) = match self.open_session().await {
                Ok(s) => s,
                Err(e) => {
                    self.mark_plan(first_seq, i64::MAX, "notSent", &e.to_string(), None)?;
                    return Err(e);
                }
            };
            self.record_pending(&sid, &rows)?;
            self.emit(SyncEvent::SessionOpened {
                session_id: &sid,
                reused,
                entities: rows.len(),
                uploads: batches.len(),
            });
            let mut session = SyncSession {
                id: sid.clone(),
                status: None,
                reused,
                uploads: 0,
                entities: rows.len(),
                note: None,
            };
            for b in &batches {
                if let Err(e) = self.upload(&sid, &rows[b.start..b.end], b.change).await {
                    let cause = format!("upload failed: {e}");
                    let cancelled = self.cancel(&sid).await;
                    // Uploads are not retried within a session (an upload
                    // whose answer was lost may have been taken: sending it
                    // again would send its entities twice). A session with
                    // a failed upload is cancelled and carved again.
                    if cancelled
                        && e.is_retryable()
                        && restarts + 1 < self.options.import.max_attempts
                    {
                        restarts += 1;
                        self.drop_pending(&sid)?;
                        session.status = Some(Status::Closed);
                        session.note = Some(format!(
                            "cancelled because the {cause}; its entities go into a new session"
                        ));
                        self.finish(session);
                        sleep(self.options.import.retry_interval * restarts).await;
                        continue 'sessions;
                    }
                    if cancelled {
                        self.drop_pending(&sid)?;
                        session.status = Some(Status::Closed);
                        session.note = Some(format!("cancelled because the {cause}"));
                        self.mark_plan(first_seq, last_seq, "failed", &cause, Some(&sid))?;
                    } else {
                        session.note = Some(format!("{cause}; cancelling the session failed"));
                        self.mark_plan(first_seq, last_seq, "unknown", &cause, Some(&sid))?;
                    }
                    self.mark_plan(
                        last_seq + 1,
                        i64::MAX,
                        "notSent",
                        "not sent: the sync stopped earlier",
                        None,
                    )?;
                    self.finish(session);
                    return Ok(Some(cause));
                }
                session.uploads += 1;
                self.uploads += 1;
                self.emit(SyncEvent::Uploaded {
                    session_id: &sid,
                    change: b.change,
                    entities: b.end - b.start,
                });
            }
            let outcome = self.trigger_and_wait(&sid).await;
            let stop = match outcome {
                Outcome::Final(Status::Completed) | Outcome::NothingEffective => {
                    if matches!(outcome, Outcome::NothingEffective) {
                        session.note = Some(
                            "no upload had an effect (the session stayed CREATED and was cancelled)"
                                .into(),
                        );
                        session.status = Some(Status::Closed);
                    } else {
                        session.status = Some(Status::Completed);
                    }
                    self.commit(&sid)?;
                    self.mark_confirmed(first_seq, last_seq, &sid)?;
                    None
                }
                Outcome::Final(status) => {
                    let cause = format!("session {sid} ended {status}");
                    if status == Status::Error {
                        self.mark_unsure(&sid)?;
                    } else {
                        self.drop_pending(&sid)?;
                    }
                    self.mark_plan(first_seq, last_seq, "failed", &cause, Some(&sid))?;
                    session.status = Some(status);
                    Some(cause)
                }
                Outcome::Unknown(cause) => {
                    session.note = Some(cause.clone());
                    self.mark_plan(first_seq, last_seq, "unknown", &cause, Some(&sid))?;
                    Some(format!("outcome of session {sid} unknown: {cause}"))
                }
            };
            self.finish(session);
            if let Some(cause) = stop {
                self.mark_plan(
                    last_seq + 1,
                    i64::MAX,
                    "notSent",
                    "not sent: the sync stopped earlier",
                    None,
                )?;
                return Ok(Some(cause));
            }
            cursor = last_seq;
            restarts = 0;
        }
    }

    fn finish(&mut self, session: SyncSession) {
        self.emit(SyncEvent::SessionFinished(&session));
        self.sessions.push(session);
    }

    /// Sets the report outcome of the plan rows `from..=to` that have none.
    fn mark_plan(
        &self,
        from: i64,
        to: i64,
        outcome: &str,
        reason: &str,
        sid: Option<&str>,
    ) -> Result<(), SyncError> {
        self.state
            .conn
            .execute(
                "UPDATE temp.plan SET outcome = ?1, reason = ?2, session_id = ?3
                 WHERE seq >= ?4 AND seq <= ?5 AND outcome IS NULL",
                params![outcome, reason, sid, from, to],
            )
            .map_err(|e| self.db(e))?;
        Ok(())
    }

    fn mark_confirmed(&self, from: i64, to: i64, sid: &str) -> Result<(), SyncError> {
        for change in Change::ALL {
            self.state
                .conn
                .execute(
                    "UPDATE temp.plan SET outcome = ?1, session_id = ?2
                     WHERE seq >= ?3 AND seq <= ?4 AND change = ?5",
                    params![change.confirmed_outcome(), sid, from, to, change.code()],
                )
                .map_err(|e| self.db(e))?;
        }
        Ok(())
    }

    /// One upload; a 429 (never processed) is sent again after the
    /// rate-limit reset, up to `max_attempts` in all.
    async fn upload(&mut self, sid: &str, rows: &[Row], change: Change) -> Result<(), Error> {
        let mut attempt = 1;
        loop {
            match self.upload_once(sid, rows, change).await {
                Err(Error::Api(api))
                    if api.status == StatusCode::TOO_MANY_REQUESTS
                        && attempt < self.options.import.max_attempts =>
                {
                    let wait = retry::rate_limit_wait(&api.headers)
                        .unwrap_or(self.options.import.retry_interval * attempt)
                        .min(Duration::from_secs(300));
                    self.emit(SyncEvent::Waiting {
                        what: "the rate limit of the uploads",
                        wait,
                    });
                    sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn upload_once(&mut self, sid: &str, rows: &[Row], change: Change) -> Result<(), Error> {
        let client = match &self.upload_client {
            Some(c) => c.clone(),
            None => self.client()?.clone(),
        };
        let isid = self.isid.clone();
        let bad = |what: &str| Error::InvalidInput {
            message: format!("a planned {what} in the state could not be read back"),
        };
        match change {
            Change::UserUpsert => {
                let mut items = Vec::with_capacity(rows.len());
                for r in rows {
                    let item: BulkUpsertRequestBodyProfilesItem =
                        serde_json::from_str(r.body.as_deref().unwrap_or(""))
                            .map_err(|_| bad("user"))?;
                    items.push(item);
                }
                let body = upsert_body(items);
                client
                    .upload_identity_source_data_for_upsert(&isid, sid, &body)
                    .send()
                    .await
                    .map(|_| ())
            }
            Change::UserDeactivate => {
                let body = delete_body(rows.iter().map(|r| delete_item(r.key.clone())).collect());
                client
                    .upload_identity_source_data_for_delete(&isid, sid, &body)
                    .send()
                    .await
                    .map(|_| ())
            }
            Change::GroupUpsert => {
                let mut items = Vec::with_capacity(rows.len());
                for r in rows {
                    let item: BulkGroupUpsertRequestBodyProfilesItem =
                        serde_json::from_str(r.body.as_deref().unwrap_or(""))
                            .map_err(|_| bad("group"))?;
                    items.push(item);
                }
                let body = BulkGroupUpsertRequestBody {
                    profiles: Some(items),
                    additional_properties: Default::default(),
                };
                client
                    .upload_identity_source_groups_for_upsert(&isid, sid, &body)
                    .send()
                    .await
                    .map(|_| ())
            }
            Change::GroupDelete => {
                let body = groups_delete_body(rows.iter().map(|r| r.key.clone()).collect());
                client
                    .upload_identity_source_groups_data_for_delete(&isid, sid, &body)
                    .send()
                    .await
                    .map(|_| ())
            }
            Change::MembershipAdd | Change::MembershipRemove => {
                let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
                for r in rows {
                    match grouped.last_mut() {
                        Some((g, members)) if *g == r.key => members.push(r.member.clone()),
                        _ => grouped.push((r.key.clone(), vec![r.member.clone()])),
                    }
                }
                if change == Change::MembershipAdd {
                    let body = memberships_upsert_body(
                        grouped
                            .into_iter()
                            .map(|(g, m)| IdentitySourceGroupMembershipsUpsertProfileItem {
                                group_external_id: Some(g),
                                member_external_ids: Some(m),
                                additional_properties: Default::default(),
                            })
                            .collect(),
                    );
                    client
                        .upload_identity_source_group_memberships_for_upsert(&isid, sid, &body)
                        .send()
                        .await
                        .map(|_| ())
                } else {
                    let body = BulkGroupMembershipsDeleteRequestBody {
                        memberships: Some(
                            grouped
                                .into_iter()
                                .map(|(g, m)| IdentitySourceGroupMembershipsDeleteProfileItem {
                                    group_external_id: Some(g),
                                    member_external_ids: Some(m),
                                    additional_properties: Default::default(),
                                })
                                .collect(),
                        ),
                        additional_properties: Default::default(),
                    };
                    client
                        .upload_identity_source_group_memberships_for_delete(&isid, sid, &body)
                        .send()
                        .await
                        .map(|_| ())
                }
            }
        }
    }

    /// Creates a session, or takes over an empty leftover one.
    async fn open_session(&mut self) -> Result<(String, bool), SyncError> {
        let o = self.options.import.clone();
        if let Some(t) = self.last_trigger
            && t.elapsed() < o.expected_cooldown
        {
            let wait = o.expected_cooldown - t.elapsed();
            self.emit(SyncEvent::Waiting {
                what: "the cool-down after the last import",
                wait,
            });
            sleep(wait).await;
        }
        let client = self.client().map_err(|_| SyncError::NoClient)?.clone();
        let mut refused_since: Option<Instant> = None;
        let mut cooldown_refusals = 0;
        let mut attempt = 1;
        loop {
            let error = match client
                .create_identity_source_session(&self.isid)
                .send()
                .await
            {
                Ok(s) => match s.id {
                    id if !id.is_empty() => return Ok((id, false)),
                    _ => {
                        return Err(SyncError::Api {
                            step: "create session",
                            error: Error::InvalidInput {
                                message: "the created session has no id".into(),
                            },
                        });
                    }
                },
                Err(e) => e,
            };
            if error.status() == Some(StatusCode::BAD_REQUEST) {
                let list = client
                    .list_identity_source_sessions(&self.isid)
                    .send()
                    .await
                    .map_err(|source| SyncError::Api {
                        step: "list sessions",
                        error: source,
                    })?;
                let loading = list.into_iter().find_map(|s| match (s.id, s.status) {
                    (id, st @ (Status::Created | Status::InProgress)) => Some((id, st)),
                    _ => None,
                });
                match loading {
                    // An empty session: left by a run that died between
                    // creating it and recording it (nothing was uploaded
                    // into it, since uploads come after the record).
                    Some((id, Status::Created)) => return Ok((id, true)),
                    Some((id, status)) => {
                        return Err(SyncError::LeftoverSession {
                            session_id: id,
                            status,
                        });
                    }
                    None => {}
                }
                let since = *refused_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= o.max_cooldown_wait {
                    return Err(SyncError::Api {
                        step: "create session (cool-down)",
                        error,
                    });
                }
                let wait = retry::exponential(
                    cooldown_refusals,
                    o.cooldown_retry_interval,
                    MAX_RETRY_INTERVAL,
                )
                .min(o.max_cooldown_wait.saturating_sub(since.elapsed()));
                self.emit(SyncEvent::Waiting {
                    what: "the cool-down after the last import",
                    wait,
                });
                sleep(wait).await;
                cooldown_refusals += 1;
                continue;
            }
            if error.is_retryable() && attempt < o.max_attempts {
                let wait = retry::exponential(attempt - 1, o.retry_interval, MAX_RETRY_INTERVAL);
                self.emit(SyncEvent::Waiting {
                    what: "a retry of the session create",
                    wait,
                });
                sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Err(SyncError::Api {
                step: "create session",
                error,
            });
        }
    }

    async fn get_status(&mut self, sid: &str) -> Result<Status, Error> {
        let client = self.client()?.clone();
        let mut attempt = 1;
        loop {
            match client
                .get_identity_source_session(&self.isid, sid)
                .send()
                .await
            {
                Ok(s) => return Ok(s.status),
                Err(e) if e.is_retryable() && attempt < self.options.import.max_attempts => {
                    sleep(self.options.import.retry_interval * attempt).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Cancels a loading session; `true` when it is CLOSED afterwards.
    async fn cancel(&mut self, sid: &str) -> bool {
        let Ok(client) = self.client().cloned() else {
            return false;
        };
        match client
            .delete_identity_source_session(&self.isid, sid)
            .send()
            .await
        {
            Ok(_) => true,
            Err(_) => matches!(self.get_status(sid).await, Ok(Status::Closed)),
        }
    }

    /// Starts the import and polls until the session's final status.
    async fn trigger_and_wait(&mut self, sid: &str) -> Outcome {
        let client = match self.client() {
            Ok(c) => c.clone(),
            Err(e) => return Outcome::Unknown(e.to_string()),
        };
        let mut attempt = 1;
        loop {
            let error = match client
                .start_import_from_identity_source(&self.isid, sid)
                .send()
                .await
            {
                Ok(_) => {
                    self.last_trigger = Some(Instant::now());
                    break;
                }
                Err(e) => e,
            };
            match self.get_status(sid).await {
                Ok(Status::Created) => {
                    // Nothing effective was uploaded: close it.
                    self.cancel(sid).await;
                    return Outcome::NothingEffective;
                }
                Ok(Status::InProgress) if attempt < self.options.import.max_attempts => {
                    sleep(self.options.import.retry_interval * attempt).await;
                    attempt += 1;
                }
                Ok(Status::InProgress) => {
                    return Outcome::Unknown(format!("start-import failed: {error}"));
                }
                Ok(_) => {
                    self.last_trigger = Some(Instant::now());
                    break;
                }
                Err(e) => {
                    return Outcome::Unknown(format!("start-import failed ({error}), then {e}"));
                }
            }
        }
        self.emit(SyncEvent::Triggered { session_id: sid });
        self.poll(sid).await
    }

    async fn poll(&mut self, sid: &str) -> Outcome {
        let o = self.options.import.clone();
        let started = Instant::now();
        let mut interval = o.poll_interval;
        loop {
            sleep(interval).await;
            match self.get_status(sid).await {
                Ok(s) if is_terminal(&s) => return Outcome::Final(s),
                Ok(_) => {}
                Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => {
                    return Outcome::Unknown(format!("the session is gone: {e}"));
                }
                Err(e) => return Outcome::Unknown(format!("polling failed: {e}")),
            }
            if started.elapsed() >= o.max_poll_duration {
                return Outcome::Unknown(format!(
                    "not finished after polling for {:?}",
                    o.max_poll_duration
                ));
            }
            interval = (interval * 3 / 2).min(o.max_poll_interval);
            self.emit(SyncEvent::Waiting {
                what: "Okta to process the session (the next status check)",
                wait: interval,
            });
        }
    }

    fn pending_rows(&self, sid: &str) -> Result<Vec<Row>, SyncError> {
        let mut stmt = self
            .state
            .conn
            .prepare(
                "SELECT seq, change, key, member, hash, attrs, body FROM pending
                 WHERE session_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.db(e))?;
        let rows = stmt.query_map([sid], read_row).map_err(|e| self.db(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.db(e))
    }

    /// Okta confirmed the session: its entities become the state, in one
    /// transaction that also forgets the pending session.
    pub(crate) fn commit(&self, sid: &str) -> Result<(), SyncError> {
        let rows = self.pending_rows(sid)?;
        let tx = self
            .state
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db(e))?;
        for r in &rows {
            let (sql, args): (&str, Vec<&dyn rusqlite::ToSql>) = match r.change {
                Change::UserUpsert => (
                    "INSERT OR REPLACE INTO users(external_id, hash, attrs) VALUES (?1, ?2, ?3)",
                    vec![&r.key, &r.hash, &r.attrs],
                ),
                Change::UserDeactivate => {
                    ("DELETE FROM users WHERE external_id = ?1", vec![&r.key])
                }
                Change::GroupUpsert => (
                    "INSERT OR REPLACE INTO groups(external_id, hash, attrs) VALUES (?1, ?2, ?3)",
                    vec![&r.key, &r.hash, &r.attrs],
                ),
                Change::GroupDelete => {
                    tx.execute("DELETE FROM memberships WHERE group_id = ?1", [&r.key])
                        .map_err(|e| self.db(e))?;
                    ("DELETE FROM groups WHERE external_id = ?1", vec![&r.key])
                }
                Change::MembershipAdd => (
                    "INSERT OR REPLACE INTO memberships(group_id, member_id, sure) VALUES (?1, ?2, 1)",
                    vec![&r.key, &r.member],
                ),
                Change::MembershipRemove => (
                    "DELETE FROM memberships WHERE group_id = ?1 AND member_id = ?2",
                    vec![&r.key, &r.member],
                ),
            };
            tx.execute(sql, args.as_slice()).map_err(|e| self.db(e))?;
        }
        forget(&tx, sid).map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))
    }

    /// The session's outcome cannot be known (ERROR, gone): Okta may hold
    /// the old or the new version of each entity, so the state stops
    /// vouching for any of them and the next sync sends them again,
    /// whatever the source says then.
    pub(crate) fn mark_unsure(&self, sid: &str) -> Result<(), SyncError> {
        let rows = self.pending_rows(sid)?;
        let tx = self
            .state
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db(e))?;
        for r in &rows {
            match r.change {
                Change::UserUpsert | Change::GroupUpsert => {
                    let table = if r.change == Change::UserUpsert {
                        "users"
                    } else {
                        "groups"
                    };
                    let old: Option<String> = tx
                        .query_row(
                            &format!("SELECT attrs FROM {table} WHERE external_id = ?1"),
                            [&r.key],
                            |row| row.get(0),
                        )
                        .ok();
                    let mut names: Vec<String> =
                        serde_json::from_str(old.as_deref().unwrap_or("[]")).unwrap_or_default();
                    let new: Vec<String> = serde_json::from_str(r.attrs.as_deref().unwrap_or("[]"))
                        .unwrap_or_default();
                    for n in new {
                        if !names.contains(&n) {
                            names.push(n);
                        }
                    }
                    names.sort();
                    let attrs = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
                    tx.execute(
                        &format!(
                            "INSERT INTO {table}(external_id, hash, attrs) VALUES (?1, NULL, ?2)
                             ON CONFLICT(external_id) DO UPDATE SET hash = NULL, attrs = ?2"
                        ),
                        params![r.key, attrs],
                    )
                    .map_err(|e| self.db(e))?;
                }
                Change::UserDeactivate => {
                    tx.execute(
                        "UPDATE users SET hash = NULL WHERE external_id = ?1",
                        [&r.key],
                    )
                    .map_err(|e| self.db(e))?;
                }
                Change::GroupDelete => {
                    tx.execute(
                        "UPDATE groups SET hash = NULL WHERE external_id = ?1",
                        [&r.key],
                    )
                    .map_err(|e| self.db(e))?;
                    tx.execute(
                        "UPDATE memberships SET sure = 0 WHERE group_id = ?1",
                        [&r.key],
                    )
                    .map_err(|e| self.db(e))?;
                }
                Change::MembershipAdd | Change::MembershipRemove => {
                    tx.execute(
                        "INSERT INTO memberships(group_id, member_id, sure) VALUES (?1, ?2, 0)
                         ON CONFLICT(group_id, member_id) DO UPDATE SET sure = 0",
                        params![r.key, r.member],
                    )
                    .map_err(|e| self.db(e))?;
                }
            }
        }
        forget(&tx, sid).map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))
    }

    /// Nothing of the session was applied (CLOSED, EXPIRED): forget it;
    /// the next plan sends its entities again.
    pub(crate) fn drop_pending(&self, sid: &str) -> Result<(), SyncError> {
        let tx = self
            .state
            .conn
            .unchecked_transaction()
            .map_err(|e| self.db(e))?;
        forget(&tx, sid).map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))
    }

    /// Settles the sessions an earlier run left pending. With `send` false
    /// (a plan) nothing is sent: loading and triggered sessions stay
    /// pending.
    pub(crate) async fn settle_pending(
        &mut self,
        send: bool,
    ) -> Result<Vec<(String, String)>, SyncError> {
        let mut settled = Vec::new();
        for sid in self.state.pending_sessions().map_err(SyncError::State)? {
            let status = match self.get_status(&sid).await {
                Ok(s) => Some(s),
                Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => None,
                Err(source) => {
                    return Err(SyncError::Api {
                        step: "get a pending session",
                        error: source,
                    });
                }
            };
            let status = match status {
                Some(Status::Created | Status::InProgress) if send => {
                    // The run died while loading it: nothing of it was
                    // imported. Close it so a new session can be opened.
                    if self.cancel(&sid).await {
                        Some(Status::Closed)
                    } else {
                        self.get_status(&sid).await.ok()
                    }
                }
                Some(Status::Triggered) if send => match self.poll(&sid).await {
                    Outcome::Final(s) => Some(s),
                    _ => None,
                },
                other => other,
            };
            let what = match &status {
                Some(Status::Completed) => {
                    self.commit(&sid)?;
                    "COMPLETED: recorded in the state".to_owned()
                }
                Some(Status::Closed | Status::Expired) => {
                    self.drop_pending(&sid)?;
                    format!(
                        "{}: nothing was imported; its entities are planned again",
                        status.as_ref().map(ToString::to_string).unwrap_or_default()
                    )
                }
                Some(s @ (Status::Created | Status::InProgress | Status::Triggered)) => {
                    // Only without sending (a plan).
                    format!("{s}: still pending; the plan assumes nothing of it was imported")
                }
                Some(s) => {
                    self.mark_unsure(&sid)?;
                    format!("{s}: its entities will be sent again")
                }
                None => {
                    self.mark_unsure(&sid)?;
                    "outcome unknown (the session is gone): its entities will be sent again".into()
                }
            };
            self.emit(SyncEvent::PendingSettled {
                session_id: &sid,
                outcome: &what,
            });
            settled.push((sid, what));
        }
        Ok(settled)
    }
}

fn forget(tx: &rusqlite::Transaction<'_>, sid: &str) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM pending WHERE session_id = ?1", [sid])?;
    tx.execute("DELETE FROM pending_sessions WHERE session_id = ?1", [sid])?;
    Ok(())
}

/// Copies the roster into the state as already imported (adoption).
pub(crate) fn adopt(state: &State, groups: bool, memberships: bool) -> Result<(), StateError> {
    let db = |e| state.db_error(e);
    let tx = state.conn.unchecked_transaction().map_err(db)?;
    tx.execute(
        "INSERT OR REPLACE INTO users(external_id, hash, attrs) SELECT external_id, hash, attrs FROM temp.src_users",
        [],
    )
    .map_err(db)?;
    if groups {
        tx.execute(
            "INSERT OR REPLACE INTO groups(external_id, hash, attrs) SELECT external_id, hash, attrs FROM temp.src_groups",
            [],
        )
        .map_err(db)?;
    }
    if memberships {
        tx.execute(
            "INSERT OR REPLACE INTO memberships(group_id, member_id, sure) SELECT group_id, member_id, 1 FROM temp.src_members",
            [],
        )
        .map_err(db)?;
    }
    let n: i64 = tx
        .query_row("SELECT count(*) FROM temp.src_users", [], |r| r.get(0))
        .map_err(db)?;
    set_meta(&tx, "last_source_users", &n.to_string()).map_err(db)?;
    set_meta(&tx, "adopted", &chrono::Utc::now().to_rfc3339()).map_err(db)?;
    tx.commit().map_err(db)
}

pub(crate) fn set_meta(
    conn: &rusqlite::Connection,
    key: &str,
    value: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
        params![key, value],
    )
    .map(|_| ())
}
