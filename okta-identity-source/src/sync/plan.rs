//! The plan: the difference between the roster and the state, in the order
//! it is sent (group upserts, user upserts, membership additions, then
//! membership removals, user deactivations, group deletes), materialized in
//! a temporary table so it is streamed, never held in memory.

use std::fmt;

use rusqlite::params;
use serde_json::Value;

use super::state::{State, StateError};
use crate::import::UserUpsert;
use crate::models::{BulkGroupUpsertRequestBodyProfilesItem, BulkUpsertRequestBodyProfilesItem};
use crate::runtime::Nullable;

/// What a planned entity does, in sending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// A group created or updated (`bulk-groups-upsert`).
    GroupUpsert,
    /// A user created or updated (`bulk-upsert`).
    UserUpsert,
    /// A user added to a group (`bulk-group-memberships-upsert`).
    MembershipAdd,
    /// A user removed from a group (`bulk-group-memberships-delete`).
    MembershipRemove,
    /// A user deactivated (`bulk-delete`).
    UserDeactivate,
    /// A group deleted (`bulk-groups-delete`).
    GroupDelete,
}

impl Change {
    pub(crate) const ALL: [Change; 6] = [
        Change::GroupUpsert,
        Change::UserUpsert,
        Change::MembershipAdd,
        Change::MembershipRemove,
        Change::UserDeactivate,
        Change::GroupDelete,
    ];

    pub(crate) fn code(self) -> i64 {
        match self {
            Change::GroupUpsert => 0,
            Change::UserUpsert => 1,
            Change::MembershipAdd => 2,
            Change::MembershipRemove => 3,
            Change::UserDeactivate => 4,
            Change::GroupDelete => 5,
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Change> {
        Change::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Whether it counts against the users-per-session limit.
    pub(crate) fn is_user(self) -> bool {
        matches!(self, Change::UserUpsert | Change::UserDeactivate)
    }

    /// The `kind` of a report entry.
    pub fn report_kind(self) -> &'static str {
        match self {
            Change::GroupUpsert => "group",
            Change::UserUpsert => "user",
            Change::MembershipAdd => "membership",
            Change::MembershipRemove => "membershipRemoval",
            Change::UserDeactivate => "deactivation",
            Change::GroupDelete => "groupDeletion",
        }
    }

    /// The `outcome` of a report entry once Okta confirmed it.
    pub fn confirmed_outcome(self) -> &'static str {
        match self {
            Change::GroupUpsert | Change::UserUpsert | Change::MembershipAdd => "confirmed",
            Change::MembershipRemove => "removed",
            Change::UserDeactivate => "deactivated",
            Change::GroupDelete => "deleted",
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::GroupUpsert => "group upsert",
            Change::UserUpsert => "user upsert",
            Change::MembershipAdd => "membership addition",
            Change::MembershipRemove => "membership removal",
            Change::UserDeactivate => "user deactivation",
            Change::GroupDelete => "group delete",
        })
    }
}

/// Counts of one kind of entity in a plan, with a few sample `externalId`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindPlan {
    /// New (`+`).
    pub added: u64,
    /// Changed (`~`); always 0 for memberships.
    pub changed: u64,
    /// Removed (`-`): deactivations, deletes, membership removals.
    pub removed: u64,
    /// In the source and unchanged.
    pub unchanged: u64,
    /// Up to [`SAMPLES`] of each.
    pub sample_added: Vec<String>,
    /// Samples of the changed.
    pub sample_changed: Vec<String>,
    /// Samples of the removed.
    pub sample_removed: Vec<String>,
}

/// Samples kept per kind and direction.
pub const SAMPLES: usize = 3;

/// What a sync would send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Users: `+` new, `~` changed, `-` deactivated.
    pub users: KindPlan,
    /// Groups (when managed).
    pub groups: Option<KindPlan>,
    /// Memberships (when managed): `+` added, `-` removed.
    pub memberships: Option<KindPlan>,
    /// Users in the source.
    pub source_users: u64,
    /// Users Okta holds active according to the state.
    pub state_users: u64,
    /// Users in the source at the last complete sync, if any.
    pub last_source_users: Option<u64>,
    /// Memberships not removed one by one because their group is deleted.
    pub memberships_dropped_with_groups: u64,
}

impl Plan {
    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        self.entities() == 0
    }

    /// Entities that would be sent.
    pub fn entities(&self) -> u64 {
        let k = |p: &KindPlan| p.added + p.changed + p.removed;
        k(&self.users) + self.groups.as_ref().map_or(0, k) + self.memberships.as_ref().map_or(0, k)
    }

    /// The plan lines: `users: +12 ~340 -3`, then groups and memberships
    /// when managed, each followed by sample `externalId`s.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let samples = |out: &mut Vec<String>, sign: &str, n: u64, s: &[String]| {
            if n > 0 {
                let more = n.saturating_sub(s.len() as u64);
                let list = s.join(", ");
                out.push(if more > 0 {
                    format!("  {sign} {list} … ({more} more)")
                } else {
                    format!("  {sign} {list}")
                });
            }
        };
        let u = &self.users;
        out.push(format!("users: +{} ~{} -{}", u.added, u.changed, u.removed));
        samples(&mut out, "+", u.added, &u.sample_added);
        samples(&mut out, "~", u.changed, &u.sample_changed);
        samples(&mut out, "-", u.removed, &u.sample_removed);
        if let Some(g) = &self.groups {
            out.push(format!(
                "groups: +{} ~{} -{}",
                g.added, g.changed, g.removed
            ));
            samples(&mut out, "+", g.added, &g.sample_added);
            samples(&mut out, "~", g.changed, &g.sample_changed);
            samples(&mut out, "-", g.removed, &g.sample_removed);
        }
        if let Some(m) = &self.memberships {
            out.push(format!("memberships: +{} -{}", m.added, m.removed));
            samples(&mut out, "+", m.added, &m.sample_added);
            samples(&mut out, "-", m.removed, &m.sample_removed);
        }
        out
    }
}

/// Creates `temp.plan` and fills it with the difference.
pub(crate) fn build(state: &State, groups: bool, memberships: bool) -> Result<Plan, StateError> {
    let conn = &state.conn;
    let db = |e| state.db_error(e);
    // The plan itself is narrow (counting and sampling scan it); the
    // profiles to send are in `plan_body`, read only when sending.
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.plan;
         DROP TABLE IF EXISTS temp.plan_body;
         CREATE TEMP TABLE plan(seq INTEGER PRIMARY KEY, change INTEGER NOT NULL, key TEXT NOT NULL,
             member TEXT NOT NULL DEFAULT '', hash BLOB,
             is_new INTEGER NOT NULL DEFAULT 0, outcome TEXT, reason TEXT, session_id TEXT);
         CREATE TEMP TABLE plan_body(seq INTEGER PRIMARY KEY, attrs TEXT, body TEXT);",
    )
    .map_err(db)?;
    let tx = conn.unchecked_transaction().map_err(db)?;
    if groups {
        upserts(state, Change::GroupUpsert, "src_groups", "groups")?;
    }
    upserts(state, Change::UserUpsert, "src_users", "users")?;
    let mut dropped = 0;
    if memberships {
        tx.execute(
            "INSERT INTO temp.plan(change, key, member, is_new)
             SELECT ?1, s.group_id, s.member_id, m.group_id IS NULL FROM temp.src_members s
             LEFT JOIN memberships m ON m.group_id = s.group_id AND m.member_id = s.member_id
             WHERE m.group_id IS NULL OR m.sure = 0
             ORDER BY s.group_id, s.member_id",
            [Change::MembershipAdd.code()],
        )
        .map_err(db)?;
        // Memberships of a group that is deleted go with it.
        let deleted_group = if groups {
            "m.group_id IN (SELECT g.external_id FROM groups g WHERE NOT EXISTS
                 (SELECT 1 FROM temp.src_groups s WHERE s.external_id = g.external_id))"
        } else {
            "0"
        };
        tx.execute(
            &format!(
                "INSERT INTO temp.plan(change, key, member)
                 SELECT ?1, m.group_id, m.member_id FROM memberships m
                 WHERE NOT EXISTS (SELECT 1 FROM temp.src_members s
                     WHERE s.group_id = m.group_id AND s.member_id = m.member_id)
                   AND NOT ({deleted_group})
                 ORDER BY m.group_id, m.member_id"
            ),
            [Change::MembershipRemove.code()],
        )
        .map_err(db)?;
        if groups {
            dropped = tx
                .query_row(
                    &format!(
                        "SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM temp.src_members s
                         WHERE s.group_id = m.group_id AND s.member_id = m.member_id) AND ({deleted_group})"
                    ),
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(db)?;
        }
    }
    tx.execute(
        "INSERT INTO temp.plan(change, key)
         SELECT ?1, u.external_id FROM users u
         WHERE NOT EXISTS (SELECT 1 FROM temp.src_users s WHERE s.external_id = u.external_id)
         ORDER BY u.external_id",
        [Change::UserDeactivate.code()],
    )
    .map_err(db)?;
    if groups {
        tx.execute(
            "INSERT INTO temp.plan(change, key)
             SELECT ?1, g.external_id FROM groups g
             WHERE NOT EXISTS (SELECT 1 FROM temp.src_groups s WHERE s.external_id = g.external_id)
             ORDER BY g.external_id",
            [Change::GroupDelete.code()],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;

    // One scan for all the counts.
    let mut counts: std::collections::BTreeMap<(i64, bool), u64> = Default::default();
    {
        let mut stmt = conn
            .prepare("SELECT change, is_new, count(*) FROM temp.plan GROUP BY change, is_new")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(db)?;
        for row in rows {
            let (change, new, n) = row.map_err(db)?;
            counts.insert((change, new), u64::try_from(n).unwrap_or(0));
        }
    }
    let kind = |upsert: Change, remove: Change, src: &str| -> Result<KindPlan, StateError> {
        let count = |change: Change, new: Option<bool>| -> Result<u64, StateError> {
            let c = change.code();
            Ok(match new {
                Some(n) => counts.get(&(c, n)).copied().unwrap_or(0),
                None => {
                    counts.get(&(c, true)).copied().unwrap_or(0)
                        + counts.get(&(c, false)).copied().unwrap_or(0)
                }
            })
        };
        let sample = |change: Change, new: Option<bool>| -> Result<Vec<String>, StateError> {
            let filter = match new {
                Some(true) => " AND is_new = 1",
                Some(false) => " AND is_new = 0",
                None => "",
            };
            let column = if change == Change::MembershipAdd || change == Change::MembershipRemove {
                "member || ' in ' || key"
            } else {
                "key"
            };
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {column} FROM temp.plan WHERE change = {}{filter} ORDER BY seq LIMIT {SAMPLES}",
                    change.code()
                ))
                .map_err(db)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        };
        let memberships = upsert == Change::MembershipAdd;
        let (added, changed) = if memberships {
            (count(upsert, None)?, 0)
        } else {
            (count(upsert, Some(true))?, count(upsert, Some(false))?)
        };
        let source = state.count(&format!("SELECT count(*) FROM temp.{src}"))?;
        Ok(KindPlan {
            added,
            changed,
            removed: count(remove, None)?,
            unchanged: source.saturating_sub(added + changed),
            sample_added: sample(upsert, if memberships { None } else { Some(true) })?,
            sample_changed: if memberships {
                Vec::new()
            } else {
                sample(upsert, Some(false))?
            },
            sample_removed: sample(remove, None)?,
        })
    };
    let users = kind(Change::UserUpsert, Change::UserDeactivate, "src_users")?;
    let groups_plan = if groups {
        Some(kind(
            Change::GroupUpsert,
            Change::GroupDelete,
            "src_groups",
        )?)
    } else {
        None
    };
    let memberships_plan = if memberships {
        Some(kind(
            Change::MembershipAdd,
            Change::MembershipRemove,
            "src_members",
        )?)
    } else {
        None
    };
    Ok(Plan {
        users,
        groups: groups_plan,
        memberships: memberships_plan,
        source_users: state.count("SELECT count(*) FROM temp.src_users")?,
        state_users: state.count("SELECT count(*) FROM users")?,
        last_source_users: state
            .meta("last_source_users")?
            .and_then(|v| v.parse().ok()),
        memberships_dropped_with_groups: u64::try_from(dropped).unwrap_or(0),
    })
}

/// Plans the upserts of one kind: new entities, changed ones, and those
/// the state is unsure of (`hash IS NULL`). A changed profile that lost an
/// attribute since the last sync sends it as `null`, so Okta clears it.
fn upserts(state: &State, change: Change, src: &str, table: &str) -> Result<(), StateError> {
    let conn = &state.conn;
    let db = |e| state.db_error(e);
    let mut select = conn
        .prepare(&format!(
            "SELECT s.external_id, s.hash, s.attrs, s.item, t.attrs, t.external_id IS NULL
             FROM temp.{src} s LEFT JOIN {table} t ON t.external_id = s.external_id
             WHERE t.external_id IS NULL OR t.hash IS NULL OR t.hash != s.hash
             ORDER BY s.external_id"
        ))
        .map_err(db)?;
    let mut insert = conn
        .prepare("INSERT INTO temp.plan(change, key, hash, is_new) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db)?;
    let mut insert_body = conn
        .prepare("INSERT INTO temp.plan_body(seq, attrs, body) VALUES (?1, ?2, ?3)")
        .map_err(db)?;
    let mut rows = select.query([]).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let key: String = row.get(0).map_err(db)?;
        let hash: Vec<u8> = row.get(1).map_err(db)?;
        let attrs: String = row.get(2).map_err(db)?;
        let mut item: String = row.get(3).map_err(db)?;
        let old_attrs: Option<String> = row.get(4).map_err(db)?;
        let is_new: bool = row.get(5).map_err(db)?;
        if let Some(old) = old_attrs.filter(|old| *old != attrs) {
            let old: Vec<String> = serde_json::from_str(&old).unwrap_or_default();
            let new: Vec<String> = serde_json::from_str(&attrs).unwrap_or_default();
            let gone: Vec<&String> = old.iter().filter(|a| !new.contains(a)).collect();
            if !gone.is_empty() {
                item = with_nulls(change, &item, &gone);
            }
        }
        insert
            .execute(params![change.code(), key, hash, is_new])
            .map_err(db)?;
        insert_body
            .execute(params![conn.last_insert_rowid(), attrs, item])
            .map_err(db)?;
    }
    Ok(())
}

/// The upload entry `item` with the attributes `gone` set to `null`.
fn with_nulls(change: Change, item: &str, gone: &[&String]) -> String {
    match change {
        Change::UserUpsert => {
            let Ok(entry) = serde_json::from_str::<BulkUpsertRequestBodyProfilesItem>(item) else {
                return item.to_owned();
            };
            let mut user = UserUpsert::with_profile(entry.external_id, entry.profile);
            for name in gone {
                user.set(name, None);
            }
            serde_json::to_string(&crate::import::entity::upsert_item(user))
                .unwrap_or_else(|_| item.to_owned())
        }
        Change::GroupUpsert => {
            let Ok(mut entry) =
                serde_json::from_str::<BulkGroupUpsertRequestBodyProfilesItem>(item)
            else {
                return item.to_owned();
            };
            if let Some(profile) = entry.profile.as_mut() {
                for name in gone {
                    match name.as_str() {
                        "description" => profile.description = Nullable::Null,
                        // Required: never cleared.
                        "displayName" => {}
                        other => {
                            profile
                                .additional_properties
                                .insert(other.to_owned(), Value::Null);
                        }
                    }
                }
            }
            serde_json::to_string(&entry).unwrap_or_else(|_| item.to_owned())
        }
        _ => item.to_owned(),
    }
}

/// The thresholds of the safeguard.
#[derive(Debug, Clone, PartialEq)]
pub struct Safeguard {
    /// Largest share of the users in the state a sync may deactivate.
    /// Default 0.10.
    pub max_deactivation_ratio: f64,
    /// Deactivations always allowed, whatever the ratio (so tiny sources are
    /// not blocked). Default 10.
    pub min_deactivations_allowed: u64,
    /// An absolute cap that replaces the ratio when set (`--max-deactivations N`).
    pub max_deactivations: Option<u64>,
    /// Largest share by which the source may have shrunk since the last
    /// complete sync. Default 0.10.
    pub max_shrink_ratio: f64,
    /// Shrinkage always allowed, in users. Default 10.
    pub min_shrink_allowed: u64,
    /// Whether a source with no users may be synced (it deactivates
    /// everyone). Default `false`.
    pub allow_empty_source: bool,
}

impl Default for Safeguard {
    fn default() -> Self {
        Safeguard {
            max_deactivation_ratio: 0.10,
            min_deactivations_allowed: 10,
            max_deactivations: None,
            max_shrink_ratio: 0.10,
            min_shrink_allowed: 10,
            allow_empty_source: false,
        }
    }
}

/// Why the safeguard refused a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The users input has no rows.
    EmptySource,
    /// The sync would deactivate more users than allowed.
    TooManyDeactivations {
        /// Deactivations planned.
        planned: u64,
        /// Users in the state.
        state_users: u64,
        /// The most allowed.
        allowed: u64,
    },
    /// The source shrank more than allowed since the last complete sync.
    SourceShrank {
        /// Users at the last sync.
        before: u64,
        /// Users now.
        now: u64,
        /// The most shrinkage allowed.
        allowed: u64,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::EmptySource => f.write_str(
                "the users input has no rows; syncing it would deactivate every user (use --allow-empty-source if that is meant)",
            ),
            Refusal::TooManyDeactivations {
                planned,
                state_users,
                allowed,
            } => write!(
                f,
                "the sync would deactivate {planned} of the {state_users} users Okta holds; at most {allowed} are allowed (raise --max-deactivations if this is meant)"
            ),
            Refusal::SourceShrank {
                before,
                now,
                allowed,
            } => write!(
                f,
                "the source shrank from {before} to {now} users since the last sync; at most {allowed} fewer are allowed (is the export truncated? raise --max-shrink if this is meant)"
            ),
        }
    }
}

impl Safeguard {
    /// The refusals for a plan (empty: the sync may go ahead).
    pub fn check(&self, plan: &Plan) -> Vec<Refusal> {
        let mut out = Vec::new();
        if plan.source_users == 0 && !self.allow_empty_source {
            out.push(Refusal::EmptySource);
        }
        let allowed = self.max_deactivations.unwrap_or_else(|| {
            ((plan.state_users as f64 * self.max_deactivation_ratio).floor() as u64)
                .max(self.min_deactivations_allowed)
        });
        if plan.users.removed > allowed {
            out.push(Refusal::TooManyDeactivations {
                planned: plan.users.removed,
                state_users: plan.state_users,
                allowed,
            });
        }
        if let Some(before) = plan.last_source_users {
            let allowed = ((before as f64 * self.max_shrink_ratio).floor() as u64)
                .max(self.min_shrink_allowed);
            if before > plan.source_users && before - plan.source_users > allowed {
                out.push(Refusal::SourceShrank {
                    before,
                    now: plan.source_users,
                    allowed,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_safeguard_counts_ratios_with_a_floor() {
        let mut plan = Plan {
            source_users: 90,
            state_users: 100,
            last_source_users: Some(100),
            ..Plan::default()
        };
        plan.users.removed = 10;
        assert!(Safeguard::default().check(&plan).is_empty());
        plan.users.removed = 11;
        assert_eq!(
            Safeguard::default().check(&plan),
            vec![Refusal::TooManyDeactivations {
                planned: 11,
                state_users: 100,
                allowed: 10
            }]
        );
        plan.source_users = 89;
        assert_eq!(Safeguard::default().check(&plan).len(), 2);
        let lenient = Safeguard {
            max_deactivations: Some(1000),
            max_shrink_ratio: 1.0,
            ..Safeguard::default()
        };
        assert!(lenient.check(&plan).is_empty());
        // A tiny source may lose a few users.
        let tiny = Plan {
            source_users: 2,
            state_users: 5,
            last_source_users: Some(5),
            users: KindPlan {
                removed: 3,
                ..KindPlan::default()
            },
            ..Plan::default()
        };
        assert!(Safeguard::default().check(&tiny).is_empty());
        let empty = Plan::default();
        assert_eq!(
            Safeguard::default().check(&empty),
            vec![Refusal::EmptySource]
        );
    }

    #[test]
    fn plan_lines_have_the_documented_shape() {
        let plan = Plan {
            users: KindPlan {
                added: 12,
                changed: 340,
                removed: 3,
                sample_added: vec!["a".into(), "b".into(), "c".into()],
                ..KindPlan::default()
            },
            memberships: Some(KindPlan {
                added: 57,
                removed: 12,
                ..KindPlan::default()
            }),
            ..Plan::default()
        };
        let lines = plan.lines();
        assert_eq!(lines[0], "users: +12 ~340 -3");
        assert_eq!(lines[1], "  + a, b, c … (9 more)");
        assert!(lines.contains(&"memberships: +57 -12".to_owned()));
    }
}
