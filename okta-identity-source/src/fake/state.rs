//! The state of the fake org: identity sources, their sessions, users,
//! groups and memberships, the session lifecycle and the bulk-loading
//! limits. The single-resource operations (users, groups, memberships) and
//! the group uploads live in [`directory`].
//!
//! Everything here is synchronous and takes the current (fake) time as an
//! argument, so the rules are deterministic. Processing of triggered
//! sessions and inactivity expiry are computed lazily by
//! [`State::advance`], which runs before every request and every
//! inspection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::config::{
    CreateStatus, EntityTypeError, FakeConfig, GroupProfileShape, ImportOutcome, Limits,
};
use super::model::{self, ApiError, SessionStatus, SessionWire};

mod directory;

pub use directory::FakeGroup;
use directory::{Group, UserMeta};

/// Fixed `errorCauses` texts of the lifecycle rules, for tests to match on.
pub mod causes {
    /// Create while the identity source has a CREATED or IN_PROGRESS session.
    pub const LOADING_SESSION_EXISTS: &str = "Only one identity source session in CREATED or IN_PROGRESS status is allowed per identity source at a time.";
    /// Create within the cool-down after a trigger (Okta's message as quoted
    /// by the Terraform provider; the real window may be shorter than 5 min).
    pub const COOLDOWN: &str = "Only one active import session per identity source is allowed to be created every 5 minutes";
    /// Upload to a session that is not CREATED or IN_PROGRESS.
    pub const UPLOAD_NOT_ALLOWED: &str =
        "Bulk data can only be loaded into a session that is in CREATED or IN_PROGRESS status.";
    /// Start-import of a session that is not IN_PROGRESS (nothing effective
    /// uploaded yet, or already triggered, or terminal).
    pub const TRIGGER_NOT_ALLOWED: &str =
        "Only a session that is in IN_PROGRESS status can be triggered.";
    /// Cancel of a session that is not CREATED or IN_PROGRESS (recorded text).
    pub const CANCEL_NOT_ALLOWED: &str =
        "Only a session that is in CREATED or IN_PROGRESS status can be canceled.";
    /// `profiles` missing, null or empty.
    pub const PROFILES_MISSING: &str = "profiles: The profiles array is missing or empty.";
    /// `entityType` missing or not `USERS`.
    pub const ENTITY_TYPE_INVALID: &str = "entityType: The field entityType is not valid.";
    /// Empty request body.
    pub const BODY_MISSING: &str = "The request body is missing.";
}

/// Whether a user imported into an identity source is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Upserted by a completed import.
    Active,
    /// Named in a bulk-delete of a completed import.
    Deactivated,
}

/// A user as an identity source holds it after its imports were processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    /// The `externalId` it was uploaded with.
    pub external_id: String,
    /// Active, or deactivated by a bulk-delete.
    pub status: UserStatus,
    /// All profile attributes, standard and custom; an attribute upserted as
    /// `null` is absent.
    pub profile: BTreeMap<String, String>,
}

/// A session as the fake holds it (for inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSession {
    /// `aps…`, 20 characters.
    pub id: String,
    /// The identity source it belongs to.
    pub identity_source_id: String,
    /// Current status.
    pub status: SessionStatus,
    /// Creation time (full precision; the wire shows whole seconds).
    pub created: DateTime<Utc>,
    /// Last status change.
    pub last_updated: DateTime<Utc>,
    /// Accepted uploads (bulk-upsert and bulk-delete).
    pub uploads: usize,
    /// Entities in the accepted uploads (duplicates counted).
    pub entities: usize,
}

/// What a successful operation answers.
#[derive(Debug)]
pub(crate) enum Reply {
    Json(StatusCode, Vec<u8>),
    /// 202, empty body, `Content-Length: 0`.
    Accepted,
    /// 204, empty body.
    NoContent,
    /// 200, empty body, `Content-Length: 0` (an operation the spec declares
    /// without content).
    EmptyOk,
    /// 200 with a JSON page and, when more items follow, the `after` cursor
    /// and page size of the `rel="next"` link.
    Page {
        body: Vec<u8>,
        next_after: Option<(String, u32)>,
    },
}

/// The six upload operations of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadKind {
    /// `bulk-upsert` (users).
    Upsert,
    /// `bulk-delete` (users).
    Delete,
    /// `bulk-groups-upsert`.
    GroupsUpsert,
    /// `bulk-groups-delete`.
    GroupsDelete,
    /// `bulk-group-memberships-upsert`.
    MembershipsUpsert,
    /// `bulk-group-memberships-delete`.
    MembershipsDelete,
}

/// One entity of an accepted upload, applied when the import completes.
#[derive(Debug, Clone)]
enum Op {
    Upsert {
        external_id: String,
        attributes: Vec<(String, Option<String>)>,
    },
    Delete {
        external_id: String,
    },
    GroupUpsert {
        external_id: String,
        attributes: Vec<(String, Option<String>)>,
    },
    GroupDelete {
        external_id: String,
    },
    MembershipUpsert {
        group: String,
        members: Vec<String>,
    },
    MembershipDelete {
        group: String,
        members: Vec<String>,
    },
}

impl Op {
    /// The entities it names, as `user:ID`, `group:ID` or
    /// `membership:GROUP/MEMBER`.
    fn keys(&self) -> Vec<String> {
        match self {
            Op::Upsert { external_id, .. } | Op::Delete { external_id } => {
                vec![format!("user:{external_id}")]
            }
            Op::GroupUpsert { external_id, .. } | Op::GroupDelete { external_id } => {
                vec![format!("group:{external_id}")]
            }
            Op::MembershipUpsert { group, members } | Op::MembershipDelete { group, members } => {
                members
                    .iter()
                    .map(|m| format!("membership:{group}/{m}"))
                    .collect()
            }
        }
    }

    /// A user entity (what the 10,000-users-per-session limit counts).
    fn is_user(&self) -> bool {
        matches!(self, Op::Upsert { .. } | Op::Delete { .. })
    }
}

#[derive(Debug)]
struct Session {
    id: String,
    identity_source_id: String,
    status: SessionStatus,
    created: SystemTime,
    last_updated: SystemTime,
    last_activity: SystemTime,
    uploads: usize,
    entities: usize,
    ops: Vec<Op>,
    completes_at: Option<SystemTime>,
    outcome: ImportOutcome,
    /// The entities uploaded so far while loading (emptied on trigger).
    seen: HashSet<String>,
    /// Entities uploaded twice into this session.
    duplicates: Vec<String>,
}

impl Session {
    fn set_status(&mut self, status: SessionStatus, at: SystemTime) {
        self.status = status;
        self.last_updated = at;
    }

    fn wire(&self) -> SessionWire<'_> {
        SessionWire {
            id: &self.id,
            identity_source_id: &self.identity_source_id,
            status: self.status,
            import_type: "INCREMENTAL",
            created: model::timestamp(self.created),
            last_updated: model::timestamp(self.last_updated),
        }
    }

    fn snapshot(&self) -> FakeSession {
        FakeSession {
            id: self.id.clone(),
            identity_source_id: self.identity_source_id.clone(),
            status: self.status,
            created: self.created.into(),
            last_updated: self.last_updated.into(),
            uploads: self.uploads,
            entities: self.entities,
        }
    }
}

#[derive(Debug, Default)]
struct Source {
    /// In creation order.
    sessions: Vec<Session>,
    users: BTreeMap<String, FakeUser>,
    /// Okta id and timestamps of the users, by `externalId` (kept apart from
    /// the public [`FakeUser`]; created on first sight).
    user_meta: HashMap<String, UserMeta>,
    /// By `externalId`.
    groups: BTreeMap<String, Group>,
    last_trigger: Option<SystemTime>,
    /// Membership additions a completed import ignored because their group
    /// did not exist (yet) when they were applied.
    ignored_memberships: Vec<String>,
}

impl Source {
    fn session_mut(&mut self, sid: &str) -> Result<&mut Session, ApiError> {
        self.sessions
            .iter_mut()
            .find(|s| s.id == sid)
            .ok_or_else(|| ApiError::not_found(sid, "IdentitySourceSession"))
    }

    /// Applies due imports in trigger order, and expires idle loading sessions.
    fn advance(&mut self, now: SystemTime, expiry: Duration, keep_profiles: bool) {
        for s in self.sessions.iter_mut().filter(|s| s.status.is_loading()) {
            let deadline = s.last_activity + expiry;
            if now >= deadline {
                s.set_status(SessionStatus::Expired, deadline);
                s.ops = Vec::new();
                s.seen = HashSet::new();
            }
        }
        loop {
            let due = self
                .sessions
                .iter_mut()
                .filter(|s| s.status == SessionStatus::Triggered)
                .filter_map(|s| s.completes_at.filter(|t| *t <= now).map(|t| (t, s)))
                .min_by_key(|(t, _)| *t);
            let Some((at, session)) = due else { break };
            let ops = std::mem::take(&mut session.ops);
            match session.outcome {
                ImportOutcome::Complete => {
                    session.set_status(SessionStatus::Completed, at);
                    self.apply(ops, keep_profiles, at);
                }
                ImportOutcome::Error => session.set_status(SessionStatus::Error, at),
            }
        }
    }

    /// Applies the entities of a completed import, in upload order.
    fn apply(&mut self, ops: Vec<Op>, keep_profiles: bool, at: SystemTime) {
        for op in ops {
            match op {
                Op::Upsert {
                    external_id,
                    attributes,
                } => {
                    self.user_meta
                        .entry(external_id.clone())
                        .or_insert_with(|| UserMeta::new(at))
                        .last_updated = at;
                    let user = self
                        .users
                        .entry(external_id.clone())
                        .or_insert_with(|| FakeUser {
                            external_id,
                            status: UserStatus::Active,
                            profile: BTreeMap::new(),
                        });
                    user.status = UserStatus::Active;
                    if keep_profiles {
                        merge(&mut user.profile, attributes);
                    }
                }
                Op::Delete { external_id } => {
                    if let Some(user) = self.users.get_mut(&external_id) {
                        user.status = UserStatus::Deactivated;
                    }
                }
                Op::GroupUpsert {
                    external_id,
                    attributes,
                } => {
                    let group = self
                        .groups
                        .entry(external_id.clone())
                        .or_insert_with(|| Group::new(external_id));
                    merge(&mut group.profile, attributes);
                }
                Op::GroupDelete { external_id } => {
                    self.groups.remove(&external_id);
                }
                Op::MembershipUpsert { group, members } => {
                    // Memberships of a group the source does not hold are
                    // ignored, as deletes of unknown users are.
                    match self.groups.get_mut(&group) {
                        Some(g) => g.members.extend(members),
                        None => self
                            .ignored_memberships
                            .extend(members.iter().map(|m| format!("{group}/{m}"))),
                    }
                }
                Op::MembershipDelete { group, members } => {
                    if let Some(group) = self.groups.get_mut(&group) {
                        for member in &members {
                            group.members.remove(member);
                        }
                    }
                }
            }
        }
    }
}

/// Sets the attributes given as strings and removes those given as `null`.
fn merge(profile: &mut BTreeMap<String, String>, attributes: Vec<(String, Option<String>)>) {
    for (name, value) in attributes {
        match value {
            Some(v) => {
                profile.insert(name, v);
            }
            None => {
                profile.remove(&name);
            }
        }
    }
}

/// Whether a bulk-delete names a user the source holds or that an earlier
/// upload of the same session upserts.
fn deletes_known_user(ops: &[Op], known: &HashSet<&String>, session_ops: &[Op]) -> bool {
    let upserted = |id: &String| {
        session_ops
            .iter()
            .any(|o| matches!(o, Op::Upsert { external_id, .. } if external_id == id))
    };
    ops.iter().any(|op| match op {
        Op::Delete { external_id } => known.contains(external_id) || upserted(external_id),
        _ => false,
    })
}

/// Whether an upload changes anything: upserts always do; a delete only
/// when it names a user (or group) the source holds or that an earlier
/// upload of the session upserts. An ineffective upload is accepted but
/// leaves a CREATED session CREATED.
fn is_effective(kind: UploadKind, ops: &[Op], source: &Source, session_ops: &[Op]) -> bool {
    let group_known = |id: &String| {
        source.groups.contains_key(id)
            || session_ops
                .iter()
                .any(|o| matches!(o, Op::GroupUpsert { external_id, .. } if external_id == id))
    };
    match kind {
        UploadKind::Upsert | UploadKind::GroupsUpsert | UploadKind::MembershipsUpsert => true,
        UploadKind::Delete => {
            let known: HashSet<&String> = source.users.keys().collect();
            deletes_known_user(ops, &known, session_ops)
        }
        UploadKind::GroupsDelete => ops.iter().any(|op| match op {
            Op::GroupDelete { external_id } => group_known(external_id),
            _ => false,
        }),
        UploadKind::MembershipsDelete => ops.iter().any(|op| match op {
            Op::MembershipDelete { group, .. } => group_known(group),
            _ => false,
        }),
    }
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising the fake's own plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

/// The fake org's data and lifecycle rules.
#[derive(Debug)]
pub(crate) struct State {
    create_status: CreateStatus,
    list_includes_terminal: bool,
    processing_delay: Duration,
    default_outcome: ImportOutcome,
    cooldown: Duration,
    inactivity_expiry: Duration,
    reads_count_as_activity: bool,
    entity_type_error: EntityTypeError,
    require_entity_type: bool,
    reject_empty_profile: bool,
    limits: Limits,
    keep_profiles: bool,
    group_profile_shape: GroupProfileShape,
    create_user_returns_user: bool,
    membership_page_size: u32,
    sources: HashMap<String, Source>,
    failing_imports: u32,
}

impl State {
    pub fn new(config: &FakeConfig) -> Self {
        State {
            create_status: config.create_status,
            list_includes_terminal: config.list_includes_terminal,
            processing_delay: config.processing_delay,
            default_outcome: config.import_outcome,
            cooldown: config.cooldown,
            inactivity_expiry: config.inactivity_expiry,
            reads_count_as_activity: config.reads_count_as_activity,
            entity_type_error: config.entity_type_error,
            require_entity_type: config.require_entity_type,
            reject_empty_profile: config.reject_empty_profile,
            limits: config.limits.clone(),
            keep_profiles: config.keep_profiles,
            group_profile_shape: config.group_profile_shape,
            create_user_returns_user: config.create_user_returns_user,
            membership_page_size: config.membership_page_size,
            sources: HashMap::new(),
            failing_imports: 0,
        }
    }

    // ----- administration and inspection -----

    pub fn add_source(&mut self, id: String) -> bool {
        if self.sources.contains_key(&id) {
            return false;
        }
        self.sources.insert(id, Source::default());
        true
    }

    pub fn fail_next_imports(&mut self, n: u32) {
        self.failing_imports = n;
    }

    pub fn set_default_outcome(&mut self, outcome: ImportOutcome) {
        self.default_outcome = outcome;
    }

    pub fn advance(&mut self, now: SystemTime) {
        let expiry = self.inactivity_expiry;
        let keep_profiles = self.keep_profiles;
        for source in self.sources.values_mut() {
            source.advance(now, expiry, keep_profiles);
        }
    }

    pub fn users(&self, isid: &str) -> Vec<FakeUser> {
        self.sources
            .get(isid)
            .map(|s| s.users.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn user(&self, isid: &str, external_id: &str) -> Option<FakeUser> {
        self.sources.get(isid)?.users.get(external_id).cloned()
    }

    pub fn put_user(&mut self, isid: &str, user: FakeUser) -> bool {
        match self.sources.get_mut(isid) {
            Some(source) => {
                source.users.insert(user.external_id.clone(), user);
                true
            }
            None => false,
        }
    }

    pub fn ignored_memberships(&self, isid: &str) -> Vec<String> {
        self.sources
            .get(isid)
            .map(|s| s.ignored_memberships.clone())
            .unwrap_or_default()
    }

    pub fn duplicates(&self, isid: &str) -> Vec<(String, String)> {
        self.sources
            .get(isid)
            .map(|s| {
                s.sessions
                    .iter()
                    .flat_map(|session| {
                        session
                            .duplicates
                            .iter()
                            .map(|d| (session.id.clone(), d.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn sessions(&self, isid: &str) -> Vec<FakeSession> {
        self.sources
            .get(isid)
            .map(|s| s.sessions.iter().map(Session::snapshot).collect())
            .unwrap_or_default()
    }

    // ----- the seven operations -----

    fn source_mut(&mut self, isid: &str) -> Result<&mut Source, ApiError> {
        self.sources
            .get_mut(isid)
            .ok_or_else(|| ApiError::not_found(isid, "IdentitySource"))
    }

    pub fn create_session(&mut self, isid: &str, now: SystemTime) -> Result<Reply, ApiError> {
        let cooldown = self.cooldown;
        let status = match self.create_status {
            CreateStatus::Created => StatusCode::CREATED,
            CreateStatus::Ok => StatusCode::OK,
        };
        let source = self.source_mut(isid)?;
        if source.sessions.iter().any(|s| s.status.is_loading()) {
            return Err(ApiError::validation(
                "identitySourceId",
                vec![causes::LOADING_SESSION_EXISTS.to_owned()],
            ));
        }
        if source.last_trigger.is_some_and(|t| now < t + cooldown) {
            return Err(ApiError::validation(
                "identitySourceId",
                vec![causes::COOLDOWN.to_owned()],
            ));
        }
        let session = Session {
            id: model::session_id(),
            identity_source_id: isid.to_owned(),
            status: SessionStatus::Created,
            created: now,
            last_updated: now,
            last_activity: now,
            uploads: 0,
            entities: 0,
            ops: Vec::new(),
            completes_at: None,
            outcome: ImportOutcome::Complete,
            seen: HashSet::new(),
            duplicates: Vec::new(),
        };
        let body = json_bytes(&session.wire());
        source.sessions.push(session);
        Ok(Reply::Json(status, body))
    }

    pub fn list_sessions(&mut self, isid: &str) -> Result<Reply, ApiError> {
        let all = self.list_includes_terminal;
        let source = self.source_mut(isid)?;
        let list: Vec<SessionWire<'_>> = source
            .sessions
            .iter()
            .filter(|s| all || s.status.is_active())
            .map(Session::wire)
            .collect();
        Ok(Reply::Json(StatusCode::OK, json_bytes(&list)))
    }

    pub fn get_session(
        &mut self,
        isid: &str,
        sid: &str,
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let touch = self.reads_count_as_activity;
        let session = self.source_mut(isid)?.session_mut(sid)?;
        if touch {
            session.last_activity = now;
        }
        Ok(Reply::Json(StatusCode::OK, json_bytes(&session.wire())))
    }

    pub fn delete_session(
        &mut self,
        isid: &str,
        sid: &str,
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let session = self.source_mut(isid)?.session_mut(sid)?;
        session.last_activity = now;
        if !session.status.is_loading() {
            return Err(ApiError::validation(
                "importSessionId",
                vec![causes::CANCEL_NOT_ALLOWED.to_owned()],
            ));
        }
        session.set_status(SessionStatus::Closed, now);
        session.ops = Vec::new();
        session.seen = HashSet::new();
        Ok(Reply::NoContent)
    }

    pub fn start_import(
        &mut self,
        isid: &str,
        sid: &str,
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let delay = self.processing_delay;
        let outcome = if self.failing_imports > 0 {
            ImportOutcome::Error
        } else {
            self.default_outcome
        };
        let source = self.source_mut(isid)?;
        // Triggered sessions are processed one after another.
        let queue_end = source
            .sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Triggered)
            .filter_map(|s| s.completes_at)
            .max()
            .map_or(now, |t| t.max(now));
        let session = source.session_mut(sid)?;
        session.last_activity = now;
        if session.status != SessionStatus::InProgress {
            return Err(ApiError::validation(
                "importSessionId",
                vec![causes::TRIGGER_NOT_ALLOWED.to_owned()],
            ));
        }
        session.set_status(SessionStatus::Triggered, now);
        session.seen = HashSet::new();
        session.completes_at = Some(queue_end + delay);
        session.outcome = outcome;
        let body = json_bytes(&session.wire());
        source.last_trigger = Some(now);
        if outcome == ImportOutcome::Error && self.failing_imports > 0 {
            self.failing_imports -= 1;
        }
        Ok(Reply::Json(StatusCode::OK, body))
    }

    pub fn upload(
        &mut self,
        isid: &str,
        sid: &str,
        kind: UploadKind,
        body: &[u8],
        body_len: usize,
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let validator = Validator {
            limits: &self.limits,
            entity_type_error: self.entity_type_error,
            require_entity_type: self.require_entity_type,
            reject_empty_profile: self.reject_empty_profile,
        };
        let limits = self.limits.clone();
        let source = self
            .sources
            .get_mut(isid)
            .ok_or_else(|| ApiError::not_found(isid, "IdentitySource"))?;
        let index = source
            .sessions
            .iter()
            .position(|s| s.id == sid)
            .ok_or_else(|| ApiError::not_found(sid, "IdentitySourceSession"))?;
        let session = &mut source.sessions[index];
        session.last_activity = now;
        if !session.status.is_loading() {
            return Err(ApiError::validation(
                "importSessionId",
                vec![causes::UPLOAD_NOT_ALLOWED.to_owned()],
            ));
        }
        let ops = validator.parse(kind, body, body_len)?;
        if session.uploads >= limits.max_uploads_per_session {
            return Err(ApiError::validation(
                "importSessionId",
                vec![format!(
                    "A session accepts at most {} bulk-load requests.",
                    limits.max_uploads_per_session
                )],
            ));
        }
        let user_entities = ops.iter().filter(|op| op.is_user()).count();
        if session.entities + user_entities > limits.max_users_per_session {
            return Err(ApiError::validation(
                "profiles",
                vec![format!(
                    "profiles: A session accepts at most {} users; it holds {} and this request adds {}.",
                    limits.max_users_per_session, session.entities, user_entities
                )],
            ));
        }
        // A delete naming nothing known is silently ignored and does not
        // make the session IN_PROGRESS.
        let effective = is_effective(kind, &ops, source, &source.sessions[index].ops);
        let session = &mut source.sessions[index];
        session.uploads += 1;
        session.entities += user_entities;
        for key in ops.iter().flat_map(Op::keys) {
            if !session.seen.insert(key.clone()) {
                session.duplicates.push(key);
            }
        }
        session.ops.extend(ops);
        if effective && session.status == SessionStatus::Created {
            session.set_status(SessionStatus::InProgress, now);
        }
        Ok(Reply::Accepted)
    }
}

/// The body of a request as a JSON object: 400 `E0000003` when it is
/// empty, not JSON, or not an object.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed(causes::BODY_MISSING));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::malformed(format!("The request body is not valid JSON: {e}")))?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(ApiError::malformed(
            "The request body must be a JSON object.",
        )),
    }
}

/// Validation of an upload body (section 4 of `BEHAVIOUR.md`).
struct Validator<'a> {
    limits: &'a Limits,
    entity_type_error: EntityTypeError,
    require_entity_type: bool,
    reject_empty_profile: bool,
}

impl Validator<'_> {
    /// `body_len` is the full length of the body, of which `body` may hold
    /// only the start when it is far over the limit.
    fn parse(&self, kind: UploadKind, body: &[u8], body_len: usize) -> Result<Vec<Op>, ApiError> {
        let limits = self.limits;
        if body_len > limits.max_upload_bytes {
            return Err(ApiError::validation(
                "payload",
                vec![format!(
                    "The request payload is {body_len} bytes; a bulk-load request may not exceed {} bytes.",
                    limits.max_upload_bytes
                )],
            ));
        }
        let object = json_object(body)?;
        match kind {
            UploadKind::Upsert | UploadKind::Delete => self.parse_users(kind, &object),
            UploadKind::GroupsUpsert => self.parse_groups_upsert(&object),
            UploadKind::GroupsDelete => self.parse_groups_delete(&object),
            UploadKind::MembershipsUpsert | UploadKind::MembershipsDelete => {
                self.parse_memberships(kind, &object)
            }
        }
    }

    fn parse_users(
        &self,
        kind: UploadKind,
        object: &Map<String, Value>,
    ) -> Result<Vec<Op>, ApiError> {
        let limits = self.limits;
        match object.get("entityType") {
            Some(Value::String(t)) if t == "USERS" => {}
            None | Some(Value::Null) if !self.require_entity_type => {}
            _ => {
                return Err(match self.entity_type_error {
                    EntityTypeError::MalformedBody => {
                        ApiError::malformed(causes::ENTITY_TYPE_INVALID)
                    }
                    EntityTypeError::ValidationFailed => ApiError::validation(
                        "entityType",
                        vec![causes::ENTITY_TYPE_INVALID.to_owned()],
                    ),
                });
            }
        }
        let profiles = match object.get("profiles") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(_) => {
                return Err(ApiError::malformed(
                    "profiles: The field profiles must be an array.",
                ));
            }
        };
        if profiles.is_empty() {
            return Err(ApiError::validation(
                "profiles",
                vec![causes::PROFILES_MISSING.to_owned()],
            ));
        }
        if profiles.len() > limits.max_entities_per_upload {
            return Err(ApiError::validation(
                "profiles",
                vec![format!(
                    "profiles: A bulk-load request may contain at most {} entities; this one has {}.",
                    limits.max_entities_per_upload,
                    profiles.len()
                )],
            ));
        }
        let mut ops = Vec::with_capacity(profiles.len());
        let mut problems: Vec<(String, String)> = Vec::new();
        for (i, entry) in profiles.iter().enumerate() {
            let Value::Object(entry) = entry else {
                return Err(ApiError::malformed(format!(
                    "profiles[{i}]: Each entry must be a JSON object."
                )));
            };
            let external_id = match self.external_id(i, entry) {
                Ok(id) => id,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            match kind {
                UploadKind::Upsert => match self.attributes(i, entry) {
                    Ok(attributes) => ops.push(Op::Upsert {
                        external_id,
                        attributes,
                    }),
                    Err(mut p) => problems.append(&mut p),
                },
                _ => ops.push(Op::Delete { external_id }),
            }
        }
        if let Some((field, _)) = problems.first() {
            let field = field.clone();
            return Err(ApiError::validation(
                &field,
                problems.into_iter().map(|(_, cause)| cause).collect(),
            ));
        }
        Ok(ops)
    }

    fn external_id(
        &self,
        i: usize,
        entry: &Map<String, Value>,
    ) -> Result<String, (String, String)> {
        let field = "externalId".to_owned();
        match entry.get("externalId") {
            Some(Value::String(id)) if !id.is_empty() => {
                let chars = id.chars().count();
                if chars > self.limits.max_external_id_chars {
                    Err((
                        field,
                        format!(
                            "profiles[{i}].externalId: The field externalId may be at most {} characters long; it has {chars}.",
                            self.limits.max_external_id_chars
                        ),
                    ))
                } else {
                    Ok(id.clone())
                }
            }
            Some(Value::String(_)) | None | Some(Value::Null) => Err((
                field,
                format!("profiles[{i}].externalId: The field externalId is required."),
            )),
            Some(_) => Err((
                field,
                format!("profiles[{i}].externalId: The field externalId must be a string."),
            )),
        }
    }

    #[allow(clippy::type_complexity)]
    fn attributes(
        &self,
        i: usize,
        entry: &Map<String, Value>,
    ) -> Result<Vec<(String, Option<String>)>, Vec<(String, String)>> {
        let profile = match entry.get("profile") {
            None | Some(Value::Null) => None,
            Some(Value::Object(p)) => Some(p),
            Some(_) => {
                return Err(vec![(
                    "profile".to_owned(),
                    format!("profiles[{i}].profile: The profile must be a JSON object."),
                )]);
            }
        };
        let Some(profile) = profile.filter(|p| !p.is_empty()) else {
            if self.reject_empty_profile {
                return Err(vec![(
                    "profile".to_owned(),
                    format!("profiles[{i}].profile: The profile must not be empty."),
                )]);
            }
            return Ok(Vec::new());
        };
        let mut attributes = Vec::with_capacity(profile.len());
        let mut problems = Vec::new();
        for (name, value) in profile {
            match value {
                Value::String(s) => attributes.push((name.clone(), Some(s.clone()))),
                Value::Null => attributes.push((name.clone(), None)),
                _ => problems.push((
                    "profile".to_owned(),
                    format!(
                        "profiles[{i}].profile.{name}: Profile attributes can only be of the string type."
                    ),
                )),
            }
        }
        if problems.is_empty() {
            Ok(attributes)
        } else {
            Err(problems)
        }
    }
}
