//! The roster: the full current source (users, and optionally groups and
//! memberships), validated and loaded into temporary tables of the state
//! database, each entity with the canonical hash of its profile.

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::{ErrorCode, OptionalExtension, params};
use serde_json::Value;

use super::state::{State, StateError};
use crate::import::{ImportOptions, UserUpsert};
use crate::models::{BulkGroupUpsertRequestBodyProfilesItem, IdentitySourceGroupProfileForUpsert};

/// `maxLength` of group and member `externalId`s in the group uploads.
pub const GROUP_ID_MAX: usize = 255;
/// `maxLength` of a group's `displayName`.
pub const DISPLAY_NAME_MAX: usize = 255;
/// `maxLength` of a group's `description`.
pub const DESCRIPTION_MAX: usize = 1024;

/// A user of the source, with where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUser {
    /// 1-based line (or record number) in its input.
    pub line: u64,
    /// The user.
    pub user: UserUpsert,
}

/// A group of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceGroup {
    /// 1-based line in its input.
    pub line: u64,
    /// The group's `externalId` (1 to 255 characters).
    pub external_id: String,
    /// `displayName` (required), `description` and custom attributes.
    pub profile: IdentitySourceGroupProfileForUpsert,
}

/// A membership of the source: a user in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMembership {
    /// 1-based line in its input.
    pub line: u64,
    /// The group's `externalId`.
    pub group_external_id: String,
    /// The member's (user's) `externalId`.
    pub member_external_id: String,
}

/// Which input a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// The users.
    Users,
    /// The groups.
    Groups,
    /// The memberships.
    Memberships,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Users => "users",
            InputKind::Groups => "groups",
            InputKind::Memberships => "memberships",
        })
    }
}

/// A problem in the roster, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterProblem {
    /// The input.
    pub input: InputKind,
    /// The file, when the roster was read from one.
    pub file: Option<String>,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RosterProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}")?,
            None => write!(f, "{}", self.input)?,
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RosterProblem {}

/// Every problem found while loading (the first [`MAX_KEPT`] kept).
#[derive(Debug, Default, Clone)]
pub struct RosterProblems {
    /// The first problems.
    pub problems: Vec<RosterProblem>,
    /// How many in all.
    pub count: u64,
}

/// Problems kept in [`RosterProblems`].
pub const MAX_KEPT: usize = 20;

impl RosterProblems {
    pub(crate) fn push(&mut self, p: RosterProblem) {
        self.count += 1;
        if self.problems.len() < MAX_KEPT {
            self.problems.push(p);
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The canonical form of a profile: attribute names in order, each a
/// string or `null`. Its hash is what the state compares.
pub(crate) struct Canonical {
    pub hash: Vec<u8>,
    /// The attribute names, as a JSON array.
    pub attrs: String,
}

pub(crate) fn canonical(profile: &Value) -> Canonical {
    let map: BTreeMap<&str, &Value> = match profile {
        Value::Object(m) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        _ => BTreeMap::new(),
    };
    let text = serde_json::to_vec(&map).unwrap_or_default();
    let digest = ring::digest::digest(&ring::digest::SHA256, &text);
    let names: Vec<&str> = map.keys().copied().collect();
    Canonical {
        hash: digest.as_ref()[..16].to_vec(),
        attrs: serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()),
    }
}

fn has_value(profile: &Value) -> bool {
    match profile {
        Value::Object(m) => m.values().any(|v| !v.is_null()),
        _ => false,
    }
}

/// Creates (empty) the temporary tables of the roster and the plan.
pub(crate) fn create_tables(state: &State) -> Result<(), StateError> {
    state
        .conn
        .execute_batch(
            "DROP TABLE IF EXISTS temp.src_users;
             DROP TABLE IF EXISTS temp.src_groups;
             DROP TABLE IF EXISTS temp.src_members;
             CREATE TEMP TABLE src_users(external_id TEXT PRIMARY KEY, line INTEGER NOT NULL,
                 hash BLOB NOT NULL, attrs TEXT NOT NULL, item TEXT NOT NULL) WITHOUT ROWID;
             CREATE TEMP TABLE src_groups(external_id TEXT PRIMARY KEY, line INTEGER NOT NULL,
                 hash BLOB NOT NULL, attrs TEXT NOT NULL, item TEXT NOT NULL) WITHOUT ROWID;
             CREATE TEMP TABLE src_members(group_id TEXT NOT NULL, member_id TEXT NOT NULL,
                 line INTEGER NOT NULL, PRIMARY KEY(group_id, member_id)) WITHOUT ROWID;",
        )
        .map_err(|e| state.db_error(e))
}

fn problem(input: InputKind, line: Option<u64>, message: String) -> RosterProblem {
    RosterProblem {
        input,
        file: None,
        line,
        message,
    }
}

/// Loads users; returns how many rows were read (valid or not).
pub(crate) fn load_users<I>(
    state: &State,
    users: I,
    options: &ImportOptions,
    problems: &mut RosterProblems,
) -> Result<u64, StateError>
where
    I: IntoIterator<Item = Result<SourceUser, RosterProblem>>,
{
    let conn = &state.conn;
    let db = |e| state.db_error(e);
    let tx = conn.unchecked_transaction().map_err(db)?;
    let mut rows = 0;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO temp.src_users(external_id, line, hash, attrs, item) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        let mut line_of = tx
            .prepare("SELECT line FROM temp.src_users WHERE external_id = ?1")
            .map_err(db)?;
        for next in users {
            rows += 1;
            let SourceUser { line, user } = match next {
                Ok(u) => u,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            if let Err(reason) = options.check_user(&user) {
                problems.push(problem(InputKind::Users, Some(line), reason.to_string()));
                continue;
            }
            let profile = serde_json::to_value(&user.profile).unwrap_or(Value::Null);
            if !has_value(&profile) {
                problems.push(problem(
                    InputKind::Users,
                    Some(line),
                    format!(
                        "the profile of `{}` has no attribute with a value (empty profiles are refused)",
                        user.external_id
                    ),
                ));
                continue;
            }
            let c = canonical(&profile);
            let item = serde_json::to_string(&crate::import::entity::upsert_item(user.clone()))
                .unwrap_or_default();
            match insert.execute(params![user.external_id, line, c.hash, c.attrs, item]) {
                Ok(_) => {}
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    let first: Option<i64> = line_of
                        .query_row([&user.external_id], |r| r.get(0))
                        .optional()
                        .map_err(db)?;
                    problems.push(problem(
                        InputKind::Users,
                        Some(line),
                        format!(
                            "duplicate externalId `{}`: lines {} and {line}",
                            user.external_id,
                            first.unwrap_or(0)
                        ),
                    ));
                }
                Err(e) => return Err(db(e)),
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(rows)
}

/// Bytes of a groups-upsert body with no entry: `{"profiles":[]}`.
pub(crate) const GROUPS_UPSERT_ENVELOPE: usize = 15;

/// Loads groups; returns how many rows were read.
pub(crate) fn load_groups<I>(
    state: &State,
    groups: I,
    options: &ImportOptions,
    problems: &mut RosterProblems,
) -> Result<u64, StateError>
where
    I: IntoIterator<Item = Result<SourceGroup, RosterProblem>>,
{
    let conn = &state.conn;
    let db = |e| state.db_error(e);
    let tx = conn.unchecked_transaction().map_err(db)?;
    let mut rows = 0;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO temp.src_groups(external_id, line, hash, attrs, item) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db)?;
        let mut line_of = tx
            .prepare("SELECT line FROM temp.src_groups WHERE external_id = ?1")
            .map_err(db)?;
        for next in groups {
            rows += 1;
            let SourceGroup {
                line,
                external_id,
                profile,
            } = match next {
                Ok(g) => g,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let at = Some(line);
            if let Err(message) = check_group_id(&external_id) {
                problems.push(problem(InputKind::Groups, at, message));
                continue;
            }
            match profile.display_name.as_deref() {
                None | Some("") => {
                    problems.push(problem(
                        InputKind::Groups,
                        at,
                        format!("group `{external_id}` has no displayName (it is required)"),
                    ));
                    continue;
                }
                Some(name) if name.chars().count() > DISPLAY_NAME_MAX => {
                    problems.push(problem(
                        InputKind::Groups,
                        at,
                        format!("displayName has more than {DISPLAY_NAME_MAX} characters"),
                    ));
                    continue;
                }
                Some(_) => {}
            }
            if let crate::runtime::Nullable::Value(d) = &profile.description
                && d.chars().count() > DESCRIPTION_MAX
            {
                problems.push(problem(
                    InputKind::Groups,
                    at,
                    format!("description has more than {DESCRIPTION_MAX} characters"),
                ));
                continue;
            }
            if let Some((name, _)) = profile
                .additional_properties
                .iter()
                .find(|(_, v)| !(v.is_string() || v.is_null()))
            {
                problems.push(problem(
                    InputKind::Groups,
                    at,
                    format!(
                        "profile attribute `{name}` is not a string; Okta accepts only strings"
                    ),
                ));
                continue;
            }
            let value = serde_json::to_value(&profile).unwrap_or(Value::Null);
            let c = canonical(&value);
            let entry = BulkGroupUpsertRequestBodyProfilesItem {
                external_id: Some(external_id.clone()),
                profile: Some(profile),
                additional_properties: Default::default(),
            };
            let item = serde_json::to_string(&entry).unwrap_or_default();
            if GROUPS_UPSERT_ENVELOPE + item.len() > options.max_upload_bytes {
                problems.push(problem(
                    InputKind::Groups,
                    at,
                    format!(
                        "the group alone makes an upload of more than {} bytes",
                        options.max_upload_bytes
                    ),
                ));
                continue;
            }
            match insert.execute(params![external_id, line, c.hash, c.attrs, item]) {
                Ok(_) => {}
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    let first: Option<i64> = line_of
                        .query_row([&external_id], |r| r.get(0))
                        .optional()
                        .map_err(db)?;
                    problems.push(problem(
                        InputKind::Groups,
                        at,
                        format!(
                            "duplicate externalId `{external_id}`: lines {} and {line}",
                            first.unwrap_or(0)
                        ),
                    ));
                }
                Err(e) => return Err(db(e)),
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(rows)
}

fn check_group_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("externalId is empty".into());
    }
    let n = id.chars().count();
    if n > GROUP_ID_MAX {
        return Err(format!(
            "externalId has {n} characters; group uploads allow at most {GROUP_ID_MAX}"
        ));
    }
    Ok(())
}

/// Loads memberships; returns how many rows were read.
pub(crate) fn load_memberships<I>(
    state: &State,
    memberships: I,
    problems: &mut RosterProblems,
) -> Result<u64, StateError>
where
    I: IntoIterator<Item = Result<SourceMembership, RosterProblem>>,
{
    let conn = &state.conn;
    let db = |e| state.db_error(e);
    let tx = conn.unchecked_transaction().map_err(db)?;
    let mut rows = 0;
    {
        let mut insert = tx
            .prepare("INSERT INTO temp.src_members(group_id, member_id, line) VALUES (?1, ?2, ?3)")
            .map_err(db)?;
        let mut line_of = tx
            .prepare("SELECT line FROM temp.src_members WHERE group_id = ?1 AND member_id = ?2")
            .map_err(db)?;
        for next in memberships {
            rows += 1;
            let m = match next {
                Ok(m) => m,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            let at = Some(m.line);
            if let Err(message) = check_group_id(&m.group_external_id) {
                problems.push(problem(
                    InputKind::Memberships,
                    at,
                    format!("groupExternalId: {message}"),
                ));
                continue;
            }
            if let Err(message) = check_group_id(&m.member_external_id) {
                problems.push(problem(
                    InputKind::Memberships,
                    at,
                    format!("memberExternalId: {message}"),
                ));
                continue;
            }
            match insert.execute(params![m.group_external_id, m.member_external_id, m.line]) {
                Ok(_) => {}
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                    let first: Option<i64> = line_of
                        .query_row([&m.group_external_id, &m.member_external_id], |r| r.get(0))
                        .optional()
                        .map_err(db)?;
                    problems.push(problem(
                        InputKind::Memberships,
                        at,
                        format!(
                            "duplicate membership `{}` in `{}`: lines {} and {}",
                            m.member_external_id,
                            m.group_external_id,
                            first.unwrap_or(0),
                            m.line
                        ),
                    ));
                }
                Err(e) => return Err(db(e)),
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(rows)
}

/// Memberships naming a user the users input does not hold, or (when the
/// groups are managed) a group the groups input does not hold.
pub(crate) fn check_references(
    state: &State,
    groups_managed: bool,
    problems: &mut RosterProblems,
) -> Result<(), StateError> {
    let db = |e| state.db_error(e);
    let mut stmt = state
        .conn
        .prepare(
            "SELECT m.line, m.member_id FROM temp.src_members m
             WHERE NOT EXISTS (SELECT 1 FROM temp.src_users u WHERE u.external_id = m.member_id)
             ORDER BY m.line LIMIT 1000",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .map_err(db)?;
    for row in rows {
        let (line, member) = row.map_err(db)?;
        problems.push(problem(
            InputKind::Memberships,
            Some(u64::try_from(line).unwrap_or(0)),
            format!("member `{member}` is not a user of the users input"),
        ));
    }
    if groups_managed {
        let mut stmt = state
            .conn
            .prepare(
                "SELECT m.line, m.group_id FROM temp.src_members m
                 WHERE NOT EXISTS (SELECT 1 FROM temp.src_groups g WHERE g.external_id = m.group_id)
                 ORDER BY m.line LIMIT 1000",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        for row in rows {
            let (line, group) = row.map_err(db)?;
            problems.push(problem(
                InputKind::Memberships,
                Some(u64::try_from(line).unwrap_or(0)),
                format!("group `{group}` is not a group of the groups input"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_hash_sees_order_independent_values_and_nulls() {
        let a = canonical(&json!({"b": "2", "a": "1"}));
        let b = canonical(&json!({"a": "1", "b": "2"}));
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.attrs, r#"["a","b"]"#);
        let with_null = canonical(&json!({"a": "1", "b": null}));
        assert_ne!(a.hash, with_null.hash);
        let without = canonical(&json!({"a": "1"}));
        assert_ne!(with_null.hash, without.hash);
        assert_ne!(canonical(&json!({"a": "1 "})).hash, without.hash);
    }
}
