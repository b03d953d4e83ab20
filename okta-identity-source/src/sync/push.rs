//! [`DirectoryImport`]: explicit changes to users, groups and memberships,
//! sent the way a sync sends its plan, without a state file.

use std::io::Write;

use rusqlite::params;

use super::roster::{InputKind, RosterProblem, SourceGroup, SourceMembership, SourceUser};
use super::state::State;
use super::{Plan, Safeguard, SyncError, SyncEvent, SyncJob, SyncOptions, SyncReport};
use crate::Client;
use crate::import::UserUpsert;
use crate::models::IdentitySourceGroupProfileForUpsert;

/// Group upserts and deletes, user upserts and deactivations, membership
/// additions and removals, sent with Okta's limits for each (200 entities
/// and 200 KB per upload, `externalId`s of at most 512 characters for
/// users and 255 for groups and members, 50 uploads and 10,000 users per
/// session), in an order Okta accepts (group upserts, user upserts,
/// membership additions, then membership removals, deactivations, group
/// deletes) and in as few sessions as the limits allow. The sibling of
/// [`ImportJob`](crate::import::ImportJob) for groups and memberships.
///
/// Unlike a [`SyncJob`] it keeps no state: it sends exactly what it is
/// given. The safeguard does not apply (the deactivations are explicit).
/// Memberships of a group deleted by the same job are not removed one by
/// one: they go with the group.
///
/// ```no_run
/// use okta_identity_source::Client;
/// use okta_identity_source::import::UserUpsert;
/// use okta_identity_source::models::IdentitySourceGroupProfileForUpsert;
/// use okta_identity_source::sync::{DirectoryImport, SyncOptions};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::from_env()?;
/// let mut job = DirectoryImport::new(client, "0oa1b2c3d4e5f6g7h8i9", SyncOptions::default())?;
/// let mut eng = IdentitySourceGroupProfileForUpsert::default();
/// eng.display_name = Some("Engineering".into());
/// job.upsert_groups([("grp-eng".to_owned(), eng)])?;
/// job.upsert_users([UserUpsert::new("emp-1").attribute("userName", "ann@example.com")])?;
/// job.add_memberships([("grp-eng".to_owned(), "emp-1".to_owned())])?;
/// job.deactivate_users(["emp-0".to_owned()])?;
/// job.delete_groups(["grp-old".to_owned()])?;
/// let report = job.run().await?;
/// println!("{} confirmed in {} sessions", report.confirmed, report.sessions.len());
/// # Ok(())
/// # }
/// ```
pub struct DirectoryImport {
    job: SyncJob,
    deactivations: u64,
    group_deletes: u64,
    removals: u64,
}

impl std::fmt::Debug for DirectoryImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryImport")
            .field("identity_source_id", &self.job.isid)
            .finish_non_exhaustive()
    }
}

fn problem(input: InputKind, line: u64, message: String) -> RosterProblem {
    RosterProblem {
        input,
        file: None,
        line: Some(line),
        message,
    }
}

impl DirectoryImport {
    /// A job for the identity source `identity_source_id` (`0oa…`).
    pub fn new(
        client: Client,
        identity_source_id: &str,
        mut options: SyncOptions,
    ) -> Result<DirectoryImport, SyncError> {
        options.safeguard = Safeguard {
            max_deactivations: Some(u64::MAX),
            max_shrink_ratio: 1.0,
            allow_empty_source: true,
            ..Safeguard::default()
        };
        let state = State::memory(identity_source_id)?;
        let mut job = SyncJob::with_state(state, identity_source_id, options)?.with_client(client);
        job.groups = true;
        job.memberships = true;
        Ok(DirectoryImport {
            job,
            deactivations: 0,
            group_deletes: 0,
            removals: 0,
        })
    }

    /// The client for the uploads (see [`SyncJob::with_upload_client`]).
    pub fn with_upload_client(mut self, client: Client) -> Self {
        self.job = self.job.with_upload_client(client);
        self
    }

    /// Calls `callback` on each step. Keep it quick.
    pub fn on_progress(mut self, callback: impl FnMut(&SyncEvent<'_>) + Send + 'static) -> Self {
        self.job = self.job.on_progress(callback);
        self
    }

    /// Users to create or update (each once; the position in the input is
    /// the `line` of a problem).
    pub fn upsert_users(
        &mut self,
        users: impl IntoIterator<Item = UserUpsert>,
    ) -> Result<(), SyncError> {
        let base = self
            .job
            .state
            .count("SELECT count(*) FROM temp.src_users")?;
        self.job.load_users(
            users
                .into_iter()
                .zip(base + 1..)
                .map(|(user, line)| Ok(SourceUser { line, user })),
        )?;
        Ok(())
    }

    /// Groups to create or update: `externalId` and profile (`displayName`
    /// required).
    pub fn upsert_groups(
        &mut self,
        groups: impl IntoIterator<Item = (String, IdentitySourceGroupProfileForUpsert)>,
    ) -> Result<(), SyncError> {
        let base = self
            .job
            .state
            .count("SELECT count(*) FROM temp.src_groups")?;
        self.job.load_groups(
            groups
                .into_iter()
                .zip(base + 1..)
                .map(|((id, profile), line)| {
                    Ok(SourceGroup {
                        line,
                        external_id: id,
                        profile,
                    })
                }),
        )?;
        Ok(())
    }

    /// Memberships to add: `(group externalId, member externalId)`.
    pub fn add_memberships(
        &mut self,
        memberships: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SyncError> {
        let base = self
            .job
            .state
            .count("SELECT count(*) FROM temp.src_members")?;
        self.job
            .load_memberships(
                memberships
                    .into_iter()
                    .zip(base + 1..)
                    .map(|((g, m), line)| {
                        Ok(SourceMembership {
                            line,
                            group_external_id: g,
                            member_external_id: m,
                        })
                    }),
            )?;
        Ok(())
    }

    /// Users to deactivate, by `externalId`. The item type is concrete so that an empty
    /// list (`[]`, `Vec::new()`) needs no annotation; literal ids are given
    /// as `String`s (`["a", "b"].map(String::from)`).
    pub fn deactivate_users<I>(&mut self, ids: I) -> Result<(), SyncError>
    where
        I: IntoIterator<Item = String>,
    {
        let options = self.job.options.import.clone();
        for id in ids {
            self.deactivations += 1;
            let line = self.deactivations;
            if let Err(r) = options.check_external_id(&id) {
                self.job.problems.push(problem(
                    InputKind::Users,
                    line,
                    format!("deactivation: {r}"),
                ));
                continue;
            }
            self.seed(
                "INSERT OR IGNORE INTO users(external_id, hash, attrs) VALUES (?1, NULL, '[]')",
                &id,
                None,
            )?;
        }
        Ok(())
    }

    /// Groups to delete, by `externalId`. The item type is concrete so that an empty
    /// list (`[]`, `Vec::new()`) needs no annotation; literal ids are given
    /// as `String`s (`["a", "b"].map(String::from)`).
    pub fn delete_groups<I>(&mut self, ids: I) -> Result<(), SyncError>
    where
        I: IntoIterator<Item = String>,
    {
        for id in ids {
            self.group_deletes += 1;
            let line = self.group_deletes;
            if let Err(m) = check_id(&id) {
                self.job
                    .problems
                    .push(problem(InputKind::Groups, line, format!("delete: {m}")));
                continue;
            }
            self.seed(
                "INSERT OR IGNORE INTO groups(external_id, hash, attrs) VALUES (?1, NULL, '[]')",
                &id,
                None,
            )?;
        }
        Ok(())
    }

    /// Memberships to remove: `(group externalId, member externalId)`.
    pub fn remove_memberships(
        &mut self,
        memberships: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SyncError> {
        for (g, m) in memberships {
            self.removals += 1;
            let line = self.removals;
            if let Err(e) = check_id(&g).and_then(|()| check_id(&m)) {
                self.job.problems.push(problem(
                    InputKind::Memberships,
                    line,
                    format!("removal: {e}"),
                ));
                continue;
            }
            self.seed(
                "INSERT OR IGNORE INTO memberships(group_id, member_id, sure) VALUES (?1, ?2, 1)",
                &g,
                Some(&m),
            )?;
        }
        Ok(())
    }

    fn seed(&self, sql: &str, key: &str, member: Option<&str>) -> Result<(), SyncError> {
        let result = match member {
            Some(m) => self.job.state.conn.execute(sql, params![key, m]),
            None => self.job.state.conn.execute(sql, params![key]),
        };
        result.map_err(|e| SyncError::State(self.job.state.db_error(e)))?;
        Ok(())
    }

    /// What would be sent; an entity both created and removed is an error.
    pub fn plan(&mut self) -> Result<Plan, SyncError> {
        let conflicts: [(&str, InputKind, &str); 3] = [
            (
                "SELECT s.external_id FROM temp.src_users s JOIN users u ON u.external_id = s.external_id LIMIT 20",
                InputKind::Users,
                "is both upserted and deactivated",
            ),
            (
                "SELECT s.external_id FROM temp.src_groups s JOIN groups g ON g.external_id = s.external_id LIMIT 20",
                InputKind::Groups,
                "is both upserted and deleted",
            ),
            (
                "SELECT s.member_id || ' in ' || s.group_id FROM temp.src_members s
                 JOIN memberships m ON m.group_id = s.group_id AND m.member_id = s.member_id LIMIT 20",
                InputKind::Memberships,
                "is both added and removed",
            ),
        ];
        for (sql, input, what) in conflicts {
            let found: Vec<String> = {
                let mut stmt = self
                    .job
                    .state
                    .conn
                    .prepare(sql)
                    .map_err(|e| SyncError::State(self.job.state.db_error(e)))?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(|e| SyncError::State(self.job.state.db_error(e)))?;
                rows.collect::<Result<_, _>>()
                    .map_err(|e| SyncError::State(self.job.state.db_error(e)))?
            };
            for f in found {
                self.job.problems.push(RosterProblem {
                    input,
                    file: None,
                    line: None,
                    message: format!("`{f}` {what}"),
                });
            }
        }
        // Memberships may name users and groups Okta already holds: no
        // reference check.
        if !self.job.problems.is_empty() {
            return Err(SyncError::Roster(self.job.problems.clone()));
        }
        let plan = super::plan::build(&self.job.state, true, true)?;
        self.job.plan = Some(plan.clone());
        Ok(plan)
    }

    /// Sends everything; the report says what Okta confirmed.
    pub async fn run(&mut self) -> Result<SyncReport, SyncError> {
        if self.job.plan.is_none() {
            self.plan()?;
        }
        self.job.apply().await
    }

    /// Writes the report file (see [`SyncJob::write_report`]).
    pub fn write_report(
        &self,
        out: impl Write,
        report: Option<&SyncReport>,
    ) -> std::io::Result<()> {
        self.job.write_report(out, report)
    }
}

fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("externalId is empty".into());
    }
    let n = id.chars().count();
    if n > super::GROUP_ID_MAX {
        return Err(format!(
            "externalId has {n} characters; at most {} are allowed",
            super::GROUP_ID_MAX
        ));
    }
    Ok(())
}
