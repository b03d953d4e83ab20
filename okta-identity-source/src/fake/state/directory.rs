//! Users, groups and memberships of an identity source outside sessions:
//! the single-resource operations (`/users`, `/groups`, `/membership`), the
//! validation of the group and membership uploads, and inspection.
//!
//! Shapes follow `spec/okta-identity-source.yaml` (`UserRequestSchema`,
//! `UserResponseSchema`, `GroupsRequestSchema`, `GroupsResponseSchema`,
//! `MembershipRequestSchema`, `GroupMembershipsResponseSchema`, the
//! `Bulk…RequestBody` schemas), with their `maxLength`, `minItems` and
//! `maxItems`. What the spec leaves open (conflicts, unknown members,
//! page size) is decided here and documented on each function.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::config::GroupProfileShape;
use super::super::model::{self, ApiError};
use super::{FakeUser, Op, Reply, Source, State, UploadKind, UserStatus, Validator, json_object};

/// `maxLength` of group and member `externalId`s.
const GROUP_ID_MAX: usize = 255;
/// `maxLength` of a group's `displayName` (`minLength` 1).
const DISPLAY_NAME_MAX: usize = 255;
/// `maxLength` of a group's `description`.
const DESCRIPTION_MAX: usize = 1024;
/// `maximum` of the memberships `limit` parameter.
const PAGE_MAX: u32 = 1000;

/// The standard user attributes of `IdentitySourceUserProfileForUpsert`:
/// name, whether it is `nullable`, `minLength`, `maxLength`.
const USER_ATTRIBUTES: [(&str, bool, usize, usize); 7] = [
    ("email", false, 5, 100),
    ("firstName", true, 1, 50),
    ("homeAddress", true, 0, 4096),
    ("lastName", true, 1, 50),
    ("mobilePhone", true, 0, 100),
    ("secondEmail", true, 5, 100),
    ("userName", false, 0, 100),
];

/// A group as an identity source holds it (for inspection and seeding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeGroup {
    /// The Okta group id, `00g…` (20 characters).
    pub id: String,
    /// The `externalId` it was created or uploaded with.
    pub external_id: String,
    /// `displayName`, `description` and any other attribute; an attribute
    /// set to `null` is absent.
    pub profile: BTreeMap<String, String>,
    /// The `externalId`s of its members, in order.
    pub members: BTreeSet<String>,
}

impl FakeGroup {
    /// A group with a new `00g…` id, an empty profile and no members.
    pub fn new(external_id: impl Into<String>) -> Self {
        FakeGroup {
            id: model::group_id(),
            external_id: external_id.into(),
            profile: BTreeMap::new(),
            members: BTreeSet::new(),
        }
    }

    /// Sets `profile.displayName`.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.profile.insert("displayName".to_owned(), name.into());
        self
    }

    /// Adds members by `externalId`.
    pub fn members<I, S>(mut self, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.members.extend(members.into_iter().map(Into::into));
        self
    }
}

/// The fake stores groups as it shows them.
pub(crate) type Group = FakeGroup;

/// What `UserResponseSchema` shows besides the profile: the Okta id and the
/// timestamps.
#[derive(Debug, Clone)]
pub(crate) struct UserMeta {
    id: String,
    created: SystemTime,
    pub(super) last_updated: SystemTime,
}

impl UserMeta {
    pub(super) fn new(at: SystemTime) -> Self {
        UserMeta {
            id: model::user_id(),
            created: at,
            last_updated: at,
        }
    }
}

/// `UserResponseSchema`: the standard attributes always (the nullable ones
/// as `null` when unset, as upstream's `UserReplaceResponse` example shows),
/// then the custom attributes.
fn user_wire(user: &FakeUser, meta: &UserMeta) -> Value {
    let mut profile = Map::new();
    for (name, nullable, _, _) in USER_ATTRIBUTES {
        match user.profile.get(name) {
            Some(v) => {
                profile.insert(name.to_owned(), Value::String(v.clone()));
            }
            None if nullable => {
                profile.insert(name.to_owned(), Value::Null);
            }
            None => {}
        }
    }
    for (name, value) in &user.profile {
        if !USER_ATTRIBUTES.iter().any(|(n, ..)| n == name) {
            profile.insert(name.clone(), Value::String(value.clone()));
        }
    }
    json!({
        "id": meta.id,
        "externalId": user.external_id,
        "created": model::timestamp(meta.created),
        "lastUpdated": model::timestamp(meta.last_updated),
        "profile": profile,
    })
}

/// `GroupsResponseSchema`. `description` is `null` when unset (it is
/// nullable); the profile sits where [`GroupProfileShape`] says.
fn group_wire(group: &Group, shape: GroupProfileShape) -> Value {
    let mut profile = Map::new();
    if let Some(name) = group.profile.get("displayName") {
        profile.insert("displayName".to_owned(), Value::String(name.clone()));
    }
    profile.insert(
        "description".to_owned(),
        group
            .profile
            .get("description")
            .map_or(Value::Null, |d| Value::String(d.clone())),
    );
    for (name, value) in &group.profile {
        if name != "displayName" && name != "description" {
            profile.insert(name.clone(), Value::String(value.clone()));
        }
    }
    let profile = match shape {
        GroupProfileShape::NestedAsUpstream => json!({ "profile": profile }),
        GroupProfileShape::Flat => Value::Object(profile),
    };
    json!({"id": group.id, "externalId": group.external_id, "profile": profile})
}

fn json_reply(value: &Value) -> Reply {
    // A `Value` always serialises.
    Reply::Json(
        StatusCode::OK,
        serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

/// Problems found in a request body, each an `errorCauses` entry; the first
/// names the field of the `Api validation failed: {field}` summary.
#[derive(Debug, Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: &str, cause: String) {
        self.0.push((field.to_owned(), cause));
    }

    fn into_result(self) -> Result<(), ApiError> {
        match self.0.first() {
            None => Ok(()),
            Some((field, _)) => {
                let field = field.clone();
                Err(ApiError::validation(
                    &field,
                    self.0.into_iter().map(|(_, c)| c).collect(),
                ))
            }
        }
    }
}

/// A required, non-empty string of at most `max` characters at `at`.
fn required_id(value: Option<&Value>, at: &str, max: usize, problems: &mut Problems) -> String {
    match value {
        Some(Value::String(s)) if !s.is_empty() => {
            let n = s.chars().count();
            if n > max {
                problems.add(
                    at,
                    format!("{at}: The field may be at most {max} characters long; it has {n}."),
                );
            }
            s.clone()
        }
        Some(Value::String(_)) | None | Some(Value::Null) => {
            problems.add(at, format!("{at}: The field is required."));
            String::new()
        }
        Some(_) => {
            problems.add(at, format!("{at}: The field must be a string."));
            String::new()
        }
    }
}

/// Profile attributes: strings set a value, `null` clears it; anything else
/// is refused ("Profile attributes can only be of the string type").
fn attributes(
    profile: &Map<String, Value>,
    at: &str,
    problems: &mut Problems,
) -> Vec<(String, Option<String>)> {
    let mut out = Vec::with_capacity(profile.len());
    for (name, value) in profile {
        match value {
            Value::String(s) => out.push((name.clone(), Some(s.clone()))),
            Value::Null => out.push((name.clone(), None)),
            _ => problems.add(
                "profile",
                format!("{at}.{name}: Profile attributes can only be of the string type."),
            ),
        }
    }
    out
}

/// Length bounds and `nullable` of the declared attributes of a profile.
fn check_declared(
    attrs: &[(String, Option<String>)],
    declared: &[(&str, bool, usize, usize)],
    at: &str,
    problems: &mut Problems,
) {
    for (name, value) in attrs {
        let Some((_, nullable, min, max)) = declared.iter().find(|(n, ..)| n == name) else {
            continue;
        };
        match value {
            None if !nullable => problems.add(
                "profile",
                format!("{at}.{name}: The attribute cannot be null."),
            ),
            None => {}
            Some(v) => {
                let n = v.chars().count();
                if n < *min || n > *max {
                    problems.add(
                        "profile",
                        format!("{at}.{name}: The attribute must be {min} to {max} characters long; it has {n}."),
                    );
                }
            }
        }
    }
}

/// The `profile` object of a request, if it is one.
fn profile_object<'a>(
    body: &'a Map<String, Value>,
    required: bool,
    problems: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    match body.get("profile") {
        Some(Value::Object(p)) => Some(p),
        None | Some(Value::Null) => {
            if required {
                problems.add("profile", "profile: The field is required.".to_owned());
            }
            None
        }
        Some(_) => {
            problems.add(
                "profile",
                "profile: The profile must be a JSON object.".to_owned(),
            );
            None
        }
    }
}

/// The user profile of `UserRequestSchema` / `UsersUpdateRequestSchema`
/// (`IdentitySourceUserProfileForUpsertRequired`: `email` and `userName`
/// required).
fn user_profile(
    body: &Map<String, Value>,
    problems: &mut Problems,
) -> Vec<(String, Option<String>)> {
    let Some(profile) = profile_object(body, true, problems) else {
        return Vec::new();
    };
    let attrs = attributes(profile, "profile", problems);
    for name in ["email", "userName"] {
        if !attrs.iter().any(|(n, v)| n == name && v.is_some()) {
            problems.add("profile", format!("profile.{name}: The field is required."));
        }
    }
    check_declared(&attrs, &USER_ATTRIBUTES, "profile", problems);
    attrs
}

/// The group profile of `IdentitySourceGroupProfileForUpsert`; `displayName`
/// is required when `creating`.
fn group_profile(
    profile: &Map<String, Value>,
    at: &str,
    creating: bool,
    problems: &mut Problems,
) -> Vec<(String, Option<String>)> {
    let attrs = attributes(profile, at, problems);
    if creating && !attrs.iter().any(|(n, v)| n == "displayName" && v.is_some()) {
        problems.add(
            "profile",
            format!("{at}.displayName: The field is required."),
        );
    }
    check_declared(
        &attrs,
        &[
            ("displayName", false, 1, DISPLAY_NAME_MAX),
            ("description", true, 0, DESCRIPTION_MAX),
        ],
        at,
        problems,
    );
    attrs
}

/// The array at `field` of an upload: present, 1 to `max` items.
fn upload_array<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<&'a [Value], ApiError> {
    let items = match object.get(field) {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(_) => {
            return Err(ApiError::malformed(format!(
                "{field}: The field {field} must be an array."
            )));
        }
    };
    if items.is_empty() {
        return Err(ApiError::validation(
            field,
            vec![format!("{field}: The {field} array is missing or empty.")],
        ));
    }
    if items.len() > max {
        return Err(ApiError::validation(
            field,
            vec![format!(
                "{field}: A bulk-load request may contain at most {max} entities; this one has {}.",
                items.len()
            )],
        ));
    }
    Ok(items)
}

impl Validator<'_> {
    /// `BulkGroupUpsertRequestBody`.
    pub(super) fn parse_groups_upsert(
        &self,
        object: &Map<String, Value>,
    ) -> Result<Vec<Op>, ApiError> {
        let items = upload_array(object, "profiles", self.limits.max_entities_per_upload)?;
        let mut problems = Problems::default();
        let mut ops = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("profiles[{i}]");
            let Value::Object(entry) = item else {
                return Err(ApiError::malformed(format!(
                    "{at}: Each entry must be a JSON object."
                )));
            };
            let external_id = required_id(
                entry.get("externalId"),
                &format!("{at}.externalId"),
                GROUP_ID_MAX,
                &mut problems,
            );
            let attributes = match entry.get("profile") {
                Some(Value::Object(p)) => {
                    group_profile(p, &format!("{at}.profile"), true, &mut problems)
                }
                _ => {
                    problems.add(
                        "profile",
                        format!("{at}.profile: The profile must be a JSON object."),
                    );
                    Vec::new()
                }
            };
            ops.push(Op::GroupUpsert {
                external_id,
                attributes,
            });
        }
        problems.into_result().map(|()| ops)
    }

    /// `BulkGroupDeleteRequestBody`.
    pub(super) fn parse_groups_delete(
        &self,
        object: &Map<String, Value>,
    ) -> Result<Vec<Op>, ApiError> {
        let items = upload_array(object, "externalIds", self.limits.max_entities_per_upload)?;
        let mut problems = Problems::default();
        let ops = items
            .iter()
            .enumerate()
            .map(|(i, id)| Op::GroupDelete {
                external_id: required_id(
                    Some(id),
                    &format!("externalIds[{i}]"),
                    GROUP_ID_MAX,
                    &mut problems,
                ),
            })
            .collect();
        problems.into_result().map(|()| ops)
    }

    /// `BulkGroupMemberships{Upsert,Delete}RequestBody`.
    pub(super) fn parse_memberships(
        &self,
        kind: UploadKind,
        object: &Map<String, Value>,
    ) -> Result<Vec<Op>, ApiError> {
        let items = upload_array(object, "memberships", self.limits.max_entities_per_upload)?;
        let mut problems = Problems::default();
        let mut ops = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = format!("memberships[{i}]");
            let Value::Object(entry) = item else {
                return Err(ApiError::malformed(format!(
                    "{at}: Each entry must be a JSON object."
                )));
            };
            let group = required_id(
                entry.get("groupExternalId"),
                &format!("{at}.groupExternalId"),
                GROUP_ID_MAX,
                &mut problems,
            );
            let members = match entry.get("memberExternalIds") {
                Some(Value::Array(ids)) if !ids.is_empty() => ids
                    .iter()
                    .enumerate()
                    .map(|(j, id)| {
                        required_id(
                            Some(id),
                            &format!("{at}.memberExternalIds[{j}]"),
                            GROUP_ID_MAX,
                            &mut problems,
                        )
                    })
                    .collect(),
                _ => {
                    problems.add(
                        "memberExternalIds",
                        format!("{at}.memberExternalIds: The memberExternalIds array is missing or empty."),
                    );
                    Vec::new()
                }
            };
            ops.push(match kind {
                UploadKind::MembershipsDelete => Op::MembershipDelete { group, members },
                _ => Op::MembershipUpsert { group, members },
            });
        }
        problems.into_result().map(|()| ops)
    }
}

/// The group a `groupOrExternalId` names: by Okta id first, then by
/// `externalId`. Returns its `externalId` (the map key).
fn group_key(source: &Source, group_or_external_id: &str) -> Result<String, ApiError> {
    source
        .groups
        .values()
        .find(|g| g.id == group_or_external_id)
        .map(|g| g.external_id.clone())
        .or_else(|| {
            source
                .groups
                .contains_key(group_or_external_id)
                .then(|| group_or_external_id.to_owned())
        })
        .ok_or_else(|| ApiError::not_found(group_or_external_id, "IdentitySourceGroup"))
}

impl State {
    fn source_of(&mut self, isid: &str) -> Result<&mut Source, ApiError> {
        self.sources
            .get_mut(isid)
            .ok_or_else(|| ApiError::not_found(isid, "IdentitySource"))
    }

    // ----- inspection and seeding -----

    pub fn groups(&self, isid: &str) -> Vec<FakeGroup> {
        self.sources
            .get(isid)
            .map(|s| s.groups.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn group(&self, isid: &str, group_or_external_id: &str) -> Option<FakeGroup> {
        let source = self.sources.get(isid)?;
        let key = group_key(source, group_or_external_id).ok()?;
        source.groups.get(&key).cloned()
    }

    pub fn put_group(&mut self, isid: &str, group: FakeGroup) -> bool {
        match self.sources.get_mut(isid) {
            Some(source) => {
                source.groups.insert(group.external_id.clone(), group);
                true
            }
            None => false,
        }
    }

    // ----- users -----

    /// `createIdentitySourceUser`. A user whose `externalId` the source
    /// already holds is refused with 400 `E0000001` (unconfirmed; the spec
    /// declares no 400). Answers 200 without a body, as the spec declares,
    /// or with the user when configured so.
    pub fn create_user(
        &mut self,
        isid: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let max_id = self.limits.max_external_id_chars;
        let with_body = self.create_user_returns_user;
        let source = self.source_of(isid)?;
        let object = json_object(body)?;
        let mut problems = Problems::default();
        let external_id = required_id(
            object.get("externalId"),
            "externalId",
            max_id,
            &mut problems,
        );
        let attrs = user_profile(&object, &mut problems);
        problems.into_result()?;
        if source.users.contains_key(&external_id) {
            return Err(ApiError::validation(
                "externalId",
                vec![format!(
                    "externalId: A user with externalId {external_id} already exists in the identity source."
                )],
            ));
        }
        let mut user = FakeUser {
            external_id: external_id.clone(),
            status: UserStatus::Active,
            profile: BTreeMap::new(),
        };
        super::merge(&mut user.profile, attrs);
        let meta = UserMeta::new(now);
        let reply = if with_body {
            json_reply(&user_wire(&user, &meta))
        } else {
            Reply::EmptyOk
        };
        source.user_meta.insert(external_id.clone(), meta);
        source.users.insert(external_id, user);
        Ok(reply)
    }

    /// `getIdentitySourceUser`.
    pub fn get_user(
        &mut self,
        isid: &str,
        external_id: &str,
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        let user = source
            .users
            .get(external_id)
            .ok_or_else(|| ApiError::not_found(external_id, "IdentitySourceUser"))?;
        let meta = source
            .user_meta
            .entry(external_id.to_owned())
            .or_insert_with(|| UserMeta::new(now));
        Ok(json_reply(&user_wire(user, meta)))
    }

    /// `replaceExistingIdentitySourceUser` (PUT): the profile becomes
    /// exactly the one sent. An `externalId` in the body must be the one of
    /// the path.
    pub fn replace_user(
        &mut self,
        isid: &str,
        external_id: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        self.change_user(isid, external_id, body, now, true)
    }

    /// `updateIdentitySourceUsers` (PATCH): the attributes sent are set
    /// (`null` clears one), the others are kept.
    pub fn update_user(
        &mut self,
        isid: &str,
        external_id: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Reply, ApiError> {
        self.change_user(isid, external_id, body, now, false)
    }

    fn change_user(
        &mut self,
        isid: &str,
        external_id: &str,
        body: &[u8],
        now: SystemTime,
        replace: bool,
    ) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        if !source.users.contains_key(external_id) {
            return Err(ApiError::not_found(external_id, "IdentitySourceUser"));
        }
        let object = json_object(body)?;
        let mut problems = Problems::default();
        if replace {
            match object.get("externalId") {
                None | Some(Value::Null) => {}
                Some(Value::String(id)) if id == external_id => {}
                Some(_) => problems.add(
                    "externalId",
                    format!("externalId: The externalId in the body must be {external_id}, the one of the path."),
                ),
            }
        }
        let attrs = user_profile(&object, &mut problems);
        problems.into_result()?;
        let meta = source
            .user_meta
            .entry(external_id.to_owned())
            .or_insert_with(|| UserMeta::new(now));
        meta.last_updated = now;
        let user = source
            .users
            .get_mut(external_id)
            .ok_or_else(|| ApiError::not_found(external_id, "IdentitySourceUser"))?;
        if replace {
            user.profile.clear();
        }
        super::merge(&mut user.profile, attrs);
        Ok(json_reply(&user_wire(user, meta)))
    }

    /// `deleteIdentitySourceUser`: the user is removed, and with it its
    /// group memberships.
    pub fn delete_user(&mut self, isid: &str, external_id: &str) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        if source.users.remove(external_id).is_none() {
            return Err(ApiError::not_found(external_id, "IdentitySourceUser"));
        }
        source.user_meta.remove(external_id);
        for group in source.groups.values_mut() {
            group.members.remove(external_id);
        }
        Ok(Reply::NoContent)
    }

    // ----- groups -----

    /// `createIdentitySourceGroups`. An `externalId` the source already
    /// holds is refused with 400 `E0000001` (unconfirmed; the spec declares
    /// no 400).
    pub fn create_group(&mut self, isid: &str, body: &[u8]) -> Result<Reply, ApiError> {
        let shape = self.group_profile_shape;
        let source = self.source_of(isid)?;
        let object = json_object(body)?;
        let mut problems = Problems::default();
        let external_id = required_id(
            object.get("externalId"),
            "externalId",
            GROUP_ID_MAX,
            &mut problems,
        );
        let attrs = match profile_object(&object, true, &mut problems) {
            Some(p) => group_profile(p, "profile", true, &mut problems),
            None => Vec::new(),
        };
        problems.into_result()?;
        if source.groups.contains_key(&external_id) {
            return Err(ApiError::validation(
                "externalId",
                vec![format!(
                    "externalId: A group with externalId {external_id} already exists in the identity source."
                )],
            ));
        }
        let mut group = Group::new(external_id.clone());
        super::merge(&mut group.profile, attrs);
        let reply = json_reply(&group_wire(&group, shape));
        source.groups.insert(external_id, group);
        Ok(reply)
    }

    /// `getIdentitySourceGroup`.
    pub fn get_group(&mut self, isid: &str, group: &str) -> Result<Reply, ApiError> {
        let shape = self.group_profile_shape;
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        let group = source
            .groups
            .get(&key)
            .ok_or_else(|| ApiError::not_found(group, "IdentitySourceGroup"))?;
        Ok(json_reply(&group_wire(group, shape)))
    }

    /// `updateIdentitySourceGroups` (POST on the group): the profile
    /// attributes sent are set (`null` clears `description`); an
    /// `externalId` in the body must be the group's.
    pub fn update_group(
        &mut self,
        isid: &str,
        group: &str,
        body: &[u8],
    ) -> Result<Reply, ApiError> {
        let shape = self.group_profile_shape;
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        let object = json_object(body)?;
        let mut problems = Problems::default();
        match object.get("externalId") {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) if *id == key => {}
            Some(_) => problems.add(
                "externalId",
                format!("externalId: The externalId in the body must be {key}, the group's."),
            ),
        }
        let attrs = match profile_object(&object, false, &mut problems) {
            Some(p) => group_profile(p, "profile", false, &mut problems),
            None => Vec::new(),
        };
        problems.into_result()?;
        let group = source
            .groups
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found(group, "IdentitySourceGroup"))?;
        super::merge(&mut group.profile, attrs);
        Ok(json_reply(&group_wire(group, shape)))
    }

    /// `deleteIdentitySourceGroup`.
    pub fn delete_group(&mut self, isid: &str, group: &str) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        source.groups.remove(&key);
        Ok(Reply::NoContent)
    }

    // ----- memberships -----

    /// `getIdentitySourceGroupMemberships`: members in `externalId` order,
    /// `limit` per page (default [`FakeConfig::membership_page_size`],
    /// above 1000 lowered to 1000 as Okta does with its list limits), from
    /// after the `after` cursor (the last `externalId` of the previous
    /// page). A `limit` that is not a positive integer is refused with 400
    /// `E0000001` (the spec declares no 400 here).
    ///
    /// [`FakeConfig::membership_page_size`]: super::super::FakeConfig::membership_page_size
    pub fn list_members(
        &mut self,
        isid: &str,
        group: &str,
        query: Option<&str>,
    ) -> Result<Reply, ApiError> {
        let default_limit = self.membership_page_size.clamp(1, PAGE_MAX);
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        let mut after: Option<String> = None;
        let mut limit = default_limit;
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match name.as_ref() {
                "after" => after = Some(value.into_owned()),
                "limit" => {
                    limit = match value.parse::<i64>() {
                        Ok(n) if n >= 1 => {
                            u32::try_from(n.min(i64::from(PAGE_MAX))).unwrap_or(PAGE_MAX)
                        }
                        _ => {
                            return Err(ApiError::validation(
                                "limit",
                                vec![format!(
                                    "limit: The limit must be an integer from 1 to {PAGE_MAX}; got {value:?}."
                                )],
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        let group = source
            .groups
            .get(&key)
            .ok_or_else(|| ApiError::not_found(group, "IdentitySourceGroup"))?;
        let mut rest = match &after {
            Some(cursor) => group
                .members
                .range::<String, _>((
                    std::ops::Bound::Excluded(cursor),
                    std::ops::Bound::Unbounded,
                ))
                .peekable(),
            None => group.members.range::<String, _>(..).peekable(),
        };
        let page: Vec<&String> = rest.by_ref().take(limit as usize).collect();
        let more = rest.peek().is_some();
        let next_after = match page.last() {
            Some(last) if more => Some(((*last).clone(), limit)),
            _ => None,
        };
        let body = serde_json::to_vec(&json!({ "memberExternalIds": page }))
            .unwrap_or_else(|_| b"{}".to_vec());
        Ok(Reply::Page { body, next_after })
    }

    /// `createIdentitySourceGroupsMemberships`: adds one member (204). The
    /// member need not be a user the source holds (unconfirmed).
    pub fn add_member(&mut self, isid: &str, group: &str, body: &[u8]) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        let object = json_object(body)?;
        let mut problems = Problems::default();
        let member = required_id(
            object.get("memberExternalId"),
            "memberExternalId",
            GROUP_ID_MAX,
            &mut problems,
        );
        problems.into_result()?;
        let group = source
            .groups
            .get_mut(&key)
            .ok_or_else(|| ApiError::not_found(group, "IdentitySourceGroup"))?;
        group.members.insert(member);
        Ok(Reply::NoContent)
    }

    /// `deleteIdentitySourceGroupMemberships`: removes one member (204);
    /// 404 when the group or the membership does not exist (unconfirmed).
    pub fn remove_member(
        &mut self,
        isid: &str,
        group: &str,
        member: &str,
    ) -> Result<Reply, ApiError> {
        let source = self.source_of(isid)?;
        let key = group_key(source, group)?;
        let removed = source
            .groups
            .get_mut(&key)
            .is_some_and(|g| g.members.remove(member));
        if removed {
            Ok(Reply::NoContent)
        } else {
            Err(ApiError::not_found(member, "IdentitySourceGroupMembership"))
        }
    }
}
