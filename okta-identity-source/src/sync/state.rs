//! The state file: a SQLite database holding what Okta confirmed at the
//! last sync, and the sessions whose outcome is not settled yet.
//!
//! Tables (schema version [`SCHEMA_VERSION`], in `PRAGMA user_version`;
//! the file is marked as a state file by `PRAGMA application_id`):
//!
//! - `meta(key, value)`: the identity source id, the number of users in
//!   the source at the last complete sync, timestamps.
//! - `users(external_id, hash, attrs)` and `groups(…)`: the entities Okta
//!   holds active, with the hash of the profile last confirmed and the
//!   names of its attributes. A `NULL` hash means "Okta may hold anything":
//!   the next sync sends the entity again whatever its profile.
//! - `memberships(group_id, member_id, sure)`: `sure = 0` likewise.
//! - `pending_sessions` and `pending`: a session and every entity planned
//!   into it, written *before* the first upload of the session, removed in
//!   the transaction that settles the session.
//!
//! The connection holds an exclusive lock on the file for its whole life
//! (`locking_mode = EXCLUSIVE`), so a second sync on the same file fails at
//! once instead of interleaving; the operating system releases the lock
//! when the process ends, however it ends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id` of a state file ("OKSY").
pub(crate) const APPLICATION_ID: i64 = 0x4f4b_5359;

/// Why a state file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The file exists but is not a sync state file.
    #[error("{path}: not a sync state file ({detail}); nothing was changed")]
    NotAStateFile {
        /// The file.
        path: PathBuf,
        /// What was found.
        detail: String,
    },
    /// Another process (a running sync) holds the file.
    #[error("{path}: locked by another running sync (or another program has it open)")]
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer version of this tool.
    #[error(
        "{path}: written by a newer version of this tool (state schema {found}; this version reads up to {supported})"
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this version reads.
        supported: i64,
    },
    /// The file is the state of another identity source.
    #[error("{path}: this state belongs to identity source {found}, not {expected}")]
    OtherSource {
        /// The file.
        path: PathBuf,
        /// The identity source it belongs to.
        found: String,
        /// The one asked for.
        expected: String,
    },
    /// A database error.
    #[error("{path}: {error}")]
    Database {
        /// The file.
        path: PathBuf,
        /// The error (already in `Display`, so not returned by `source()`).
        error: rusqlite::Error,
    },
}

const SCHEMA: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE users(external_id TEXT PRIMARY KEY, hash BLOB, attrs TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE groups(external_id TEXT PRIMARY KEY, hash BLOB, attrs TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE memberships(
    group_id TEXT NOT NULL, member_id TEXT NOT NULL, sure INTEGER NOT NULL,
    PRIMARY KEY(group_id, member_id)) WITHOUT ROWID;
CREATE TABLE pending_sessions(session_id TEXT PRIMARY KEY, opened_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE pending(
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, change INTEGER NOT NULL,
    key TEXT NOT NULL, member TEXT NOT NULL, hash BLOB, attrs TEXT, body TEXT,
    PRIMARY KEY(session_id, seq)) WITHOUT ROWID;
";

/// An open, locked state file.
pub(crate) struct State {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("path", &self.path).finish()
    }
}

fn is_code(e: &rusqlite::Error, code: ErrorCode) -> bool {
    e.sqlite_error_code() == Some(code)
}

impl State {
    pub(crate) fn db_error(&self, source: rusqlite::Error) -> StateError {
        StateError::Database {
            path: self.path.clone(),
            error: source,
        }
    }

    /// Opens (creating it if it does not exist or is empty) and locks the
    /// state of `identity_source_id` at `path`.
    pub(crate) fn open(path: &Path, identity_source_id: &str) -> Result<State, StateError> {
        let path_buf = path.to_owned();
        let db = |source| StateError::Database {
            path: path_buf.clone(),
            error: source,
        };
        let not_state = |detail: String| StateError::NotAStateFile {
            path: path_buf.clone(),
            detail,
        };
        if path.is_dir() {
            return Err(not_state("it is a directory".into()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db)?;
        conn.busy_timeout(Duration::ZERO).map_err(db)?;
        let classify = |e: rusqlite::Error| {
            if is_code(&e, ErrorCode::DatabaseBusy) || is_code(&e, ErrorCode::DatabaseLocked) {
                StateError::Locked {
                    path: path_buf.clone(),
                }
            } else if is_code(&e, ErrorCode::NotADatabase) {
                not_state("the file is not an SQLite database".into())
            } else {
                db(e)
            }
        };
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(classify)?;
        conn.execute_batch("BEGIN EXCLUSIVE").map_err(classify)?;
        let app: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(classify)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(classify)?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(classify)?;
        if app == 0 && version == 0 && objects == 0 {
            conn.execute_batch(SCHEMA).map_err(db)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(db)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(db)?;
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('identity_source_id', ?1), ('created', ?2)",
                params![identity_source_id, chrono::Utc::now().to_rfc3339()],
            )
            .map_err(db)?;
        } else if app != APPLICATION_ID {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(not_state(format!(
                "an SQLite database of another application (application_id {app:#x}, {objects} objects)"
            )));
        } else if version > SCHEMA_VERSION {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(StateError::NewerVersion {
                path: path_buf.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        } else if version < 1 {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(not_state(format!("unknown state schema version {version}")));
        }
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'identity_source_id'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        match found {
            Some(found) if found != identity_source_id => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(StateError::OtherSource {
                    path: path_buf.clone(),
                    found,
                    expected: identity_source_id.to_owned(),
                });
            }
            Some(_) => {}
            None => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(not_state("it names no identity source".into()));
            }
        }
        conn.execute_batch("COMMIT").map_err(db)?;
        // The roster and the plan live in the temporary database: on disk,
        // so memory stays flat whatever the size of the source.
        conn.pragma_update(None, "temp_store", "FILE").map_err(db)?;
        conn.pragma_update(None, "cache_size", -8192).map_err(db)?;
        Ok(State {
            conn,
            path: path_buf,
        })
    }

    /// A state in memory (no file): for pushing explicit changes.
    pub(crate) fn memory(identity_source_id: &str) -> Result<State, StateError> {
        let path = PathBuf::from(":memory:");
        let db = |source| StateError::Database {
            path: path.clone(),
            error: source,
        };
        let conn = Connection::open_in_memory().map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('identity_source_id', ?1)",
            [identity_source_id],
        )
        .map_err(db)?;
        conn.pragma_update(None, "temp_store", "FILE").map_err(db)?;
        Ok(State { conn, path })
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.db_error(e))
    }

    pub(crate) fn count(&self, sql: &str) -> Result<u64, StateError> {
        self.conn
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| self.db_error(e))
    }

    /// The pending sessions, oldest first.
    pub(crate) fn pending_sessions(&self) -> Result<Vec<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT session_id FROM pending_sessions ORDER BY opened_at, session_id")
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.db_error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db_error(e))
    }
}
