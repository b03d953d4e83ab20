//! The entities a job imports, and their client-side validation.

use std::fmt;
use std::io;

use serde_json::Value;

use super::ImportOptions;
use crate::models::{
    BulkDeleteRequestBody, BulkUpsertRequestBody, BulkUpsertRequestBodyProfilesItem,
    IdentitySourceUserProfileForDelete, IdentitySourceUserProfileForUpsert,
};
use crate::runtime::Nullable;

/// A user to create or update: its `externalId` and the profile attributes
/// to set (standard and custom).
///
/// Standard attributes are typed fields of
/// [`IdentitySourceUserProfileForUpsert`]; custom ones go into its
/// `additional_properties` as JSON strings, or JSON `null` to clear them.
/// [`UserUpsert::attribute`] and [`UserUpsert::clear`] pick the right place
/// by name.
///
/// ```
/// use okta_identity_source::import::UserUpsert;
///
/// let user = UserUpsert::new("emp-1001")
///     .attribute("userName", "ann@example.com")
///     .attribute("firstName", "Ann")
///     .attribute("costCenter", "R&D") // custom attribute
///     .clear("mobilePhone"); // sent as null: Okta clears it
/// assert_eq!(user.profile.user_name.as_deref(), Some("ann@example.com"));
/// assert!(user.profile.mobile_phone.is_null());
/// assert_eq!(user.profile.additional_properties["costCenter"], "R&D");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserUpsert {
    /// The user's id in the source system (1 to 512 characters).
    pub external_id: String,
    /// The attributes to set; attributes left out are not changed.
    pub profile: IdentitySourceUserProfileForUpsert,
}

impl UserUpsert {
    /// A user with an empty profile.
    pub fn new(external_id: impl Into<String>) -> Self {
        UserUpsert {
            external_id: external_id.into(),
            profile: IdentitySourceUserProfileForUpsert::default(),
        }
    }

    /// A user with this profile.
    pub fn with_profile(
        external_id: impl Into<String>,
        profile: IdentitySourceUserProfileForUpsert,
    ) -> Self {
        UserUpsert {
            external_id: external_id.into(),
            profile,
        }
    }

    /// Sets an attribute by its Okta name (`userName`, `firstName`, … or a
    /// custom attribute).
    pub fn attribute(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, Some(value.into()));
        self
    }

    /// Sends an attribute as `null`, which clears it in Okta.
    pub fn clear(mut self, name: &str) -> Self {
        self.set(name, None);
        self
    }

    /// Sets (`Some`) or clears (`None`) an attribute by its Okta name.
    /// `email` and `userName` are not nullable in the spec;
    /// clearing one sends `null` anyway and leaves the decision to Okta.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        let p = &mut self.profile;
        if STANDARD.contains(&name) {
            // Keep one spelling of a standard attribute in the body.
            p.additional_properties.remove(name);
        }
        let nullable = |v: Option<String>| v.map_or(Nullable::Null, Nullable::Value);
        match (name, value) {
            ("firstName", v) => p.first_name = nullable(v),
            ("lastName", v) => p.last_name = nullable(v),
            ("homeAddress", v) => p.home_address = nullable(v),
            ("mobilePhone", v) => p.mobile_phone = nullable(v),
            ("secondEmail", v) => p.second_email = nullable(v),
            ("email", Some(v)) => p.email = Some(v),
            ("userName", Some(v)) => p.user_name = Some(v),
            (other, v) => {
                match other {
                    "email" => p.email = None,
                    "userName" => p.user_name = None,
                    _ => {}
                }
                p.additional_properties
                    .insert(other.to_owned(), v.map_or(Value::Null, Value::String));
            }
        }
    }
}

/// Whether an entity is a user to upsert or an `externalId` to deactivate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A user to create or update (bulk-upsert).
    Upsert,
    /// A user to deactivate (bulk-delete).
    Deactivate,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntityKind::Upsert => "upsert",
            EntityKind::Deactivate => "deactivation",
        })
    }
}

/// Why an entity was rejected before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The `externalId` is empty.
    EmptyExternalId,
    /// The `externalId` is longer than allowed.
    ExternalIdTooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A profile attribute is neither a string nor `null` (Okta accepts
    /// strings only).
    NonStringAttribute {
        /// The attribute.
        name: String,
        /// The JSON type found (`number`, `boolean`, `array`, `object`).
        found: &'static str,
    },
    /// An attribute is given both as a typed field and in
    /// `additional_properties`.
    DuplicateAttribute {
        /// The attribute.
        name: String,
    },
    /// The profile has no attribute.
    EmptyProfile,
    /// An entity of the same kind with this `externalId` is already in the
    /// session (Okta documents inaccurate data for an `externalId` given
    /// twice in one import); the later one is not sent.
    DuplicateExternalId,
    /// The entity alone serializes to more than an upload may carry.
    TooLarge {
        /// Its serialized size in bytes, plus the envelope of an upload.
        bytes: usize,
        /// The upload limit.
        max: usize,
    },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::EmptyExternalId => f.write_str("externalId is empty"),
            RejectReason::ExternalIdTooLong { chars, max } => {
                write!(
                    f,
                    "externalId has {chars} characters; at most {max} are allowed"
                )
            }
            RejectReason::NonStringAttribute { name, found } => write!(
                f,
                "profile attribute `{name}` is a {found}; Okta accepts only strings (or null)"
            ),
            RejectReason::DuplicateAttribute { name } => {
                write!(f, "profile attribute `{name}` is given twice")
            }
            RejectReason::EmptyProfile => f.write_str("profile has no attribute"),
            RejectReason::DuplicateExternalId => f.write_str(
                "the same externalId is already in this import session; the later one is not sent",
            ),
            RejectReason::TooLarge { bytes, max } => write!(
                f,
                "the user alone makes an upload of {bytes} bytes; at most {max} are allowed"
            ),
        }
    }
}

impl std::error::Error for RejectReason {}

const STANDARD: [&str; 7] = [
    "email",
    "firstName",
    "homeAddress",
    "lastName",
    "mobilePhone",
    "secondEmail",
    "userName",
];

impl ImportOptions {
    /// Checks an `externalId` against the client-side rules (non-empty, at
    /// most [`max_external_id_chars`](Self::max_external_id_chars)).
    pub fn check_external_id(&self, external_id: &str) -> Result<(), RejectReason> {
        if external_id.is_empty() {
            return Err(RejectReason::EmptyExternalId);
        }
        let chars = external_id.chars().count();
        if chars > self.max_external_id_chars {
            return Err(RejectReason::ExternalIdTooLong {
                chars,
                max: self.max_external_id_chars,
            });
        }
        Ok(())
    }

    /// Checks a user as the job would before sending it: the `externalId`,
    /// string-only attributes, a non-empty profile, and a serialized size
    /// that fits in one upload. Use it to validate input up front.
    pub fn check_user(&self, user: &UserUpsert) -> Result<(), RejectReason> {
        self.check_user_fields(user)?;
        let item = upsert_item_ref(user);
        self.check_size(upsert_envelope() + serialized_len(&item))
    }

    pub(crate) fn check_user_fields(&self, user: &UserUpsert) -> Result<(), RejectReason> {
        self.check_external_id(&user.external_id)?;
        let p = &user.profile;
        for (name, value) in &p.additional_properties {
            let found = match value {
                Value::String(_) | Value::Null => None,
                Value::Bool(_) => Some("boolean"),
                Value::Number(_) => Some("number"),
                Value::Array(_) => Some("array"),
                Value::Object(_) => Some("object"),
            };
            if let Some(found) = found {
                return Err(RejectReason::NonStringAttribute {
                    name: name.clone(),
                    found,
                });
            }
            if STANDARD.contains(&name.as_str()) && typed_is_set(p, name) {
                return Err(RejectReason::DuplicateAttribute { name: name.clone() });
            }
        }
        if self.reject_empty_profiles && profile_is_empty(p) {
            return Err(RejectReason::EmptyProfile);
        }
        Ok(())
    }

    pub(crate) fn check_size(&self, bytes: usize) -> Result<(), RejectReason> {
        if bytes > self.max_upload_bytes {
            Err(RejectReason::TooLarge {
                bytes,
                max: self.max_upload_bytes,
            })
        } else {
            Ok(())
        }
    }
}

fn typed_is_set(p: &IdentitySourceUserProfileForUpsert, name: &str) -> bool {
    match name {
        "email" => p.email.is_some(),
        "secondEmail" => !p.second_email.is_undefined(),
        "userName" => p.user_name.is_some(),
        "firstName" => !p.first_name.is_undefined(),
        "lastName" => !p.last_name.is_undefined(),
        "homeAddress" => !p.home_address.is_undefined(),
        "mobilePhone" => !p.mobile_phone.is_undefined(),
        _ => false,
    }
}

fn profile_is_empty(p: &IdentitySourceUserProfileForUpsert) -> bool {
    p.additional_properties.is_empty() && STANDARD.iter().all(|name| !typed_is_set(p, name))
}

/// Counts bytes without storing them.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length of `value` serialized as compact JSON, exactly as the
/// runtime serializes a request body.
pub(crate) fn serialized_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = Counter(0);
    // Serialising the generated models into a counter cannot fail (no I/O
    // error, only string map keys); a failure would count as "too large".
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// A borrowed view of an upsert entry with the wire shape of
/// `BulkUpsertRequestBodyProfilesItem`, for measuring without cloning.
#[derive(serde::Serialize)]
struct UpsertItemRef<'a> {
    #[serde(rename = "externalId")]
    external_id: &'a str,
    profile: &'a IdentitySourceUserProfileForUpsert,
}

fn upsert_item_ref(user: &UserUpsert) -> UpsertItemRef<'_> {
    UpsertItemRef {
        external_id: &user.external_id,
        profile: &user.profile,
    }
}

/// A user as an entry of the raw bulk-upsert body, so the builder can feed
/// [`Client::upload_identity_source_data_for_upsert`](crate::Client::upload_identity_source_data_for_upsert):
/// `BulkUpsertRequestBody::new(users.into_iter().map(Into::into).collect::<Vec<_>>())`.
impl From<UserUpsert> for BulkUpsertRequestBodyProfilesItem {
    fn from(user: UserUpsert) -> Self {
        BulkUpsertRequestBodyProfilesItem::new(user.external_id, user.profile)
    }
}

/// The upload entry for a user.
pub(crate) fn upsert_item(user: UserUpsert) -> BulkUpsertRequestBodyProfilesItem {
    user.into()
}

/// The upload entry for a deactivation.
pub(crate) fn delete_item(external_id: String) -> IdentitySourceUserProfileForDelete {
    IdentitySourceUserProfileForDelete::new(external_id)
}

/// An upsert body around these entries (`entityType` is its one value,
/// `USERS`).
pub(crate) fn upsert_body(
    profiles: Vec<BulkUpsertRequestBodyProfilesItem>,
) -> BulkUpsertRequestBody {
    BulkUpsertRequestBody::new(profiles)
}

/// A delete body around these entries.
pub(crate) fn delete_body(
    profiles: Vec<IdentitySourceUserProfileForDelete>,
) -> BulkDeleteRequestBody {
    BulkDeleteRequestBody::new(profiles)
}

/// Bytes of an upsert body with no entry: `{"entityType":"USERS","profiles":[]}`.
pub(crate) fn upsert_envelope() -> usize {
    serialized_len(&upsert_body(Vec::new()))
}

/// Bytes of a delete body with no entry.
pub(crate) fn delete_envelope() -> usize {
    serialized_len(&delete_body(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_size_is_the_serialized_body() {
        let users: Vec<UserUpsert> = (0..5)
            .map(|i| {
                UserUpsert::new(format!("id-{i}"))
                    .attribute("userName", format!("u{i}@example.com"))
                    .attribute("nickName", "x\"y\\z\u{e9}")
                    .clear("firstName")
            })
            .collect();
        let mut expected = upsert_envelope();
        for (i, u) in users.iter().enumerate() {
            expected += serialized_len(&upsert_item_ref(u)) + usize::from(i > 0);
            assert_eq!(
                serialized_len(&upsert_item_ref(u)),
                serialized_len(&upsert_item(u.clone()))
            );
        }
        let body = upsert_body(users.into_iter().map(upsert_item).collect());
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        assert_eq!(bytes.len(), expected);
        let deletes = delete_body(vec![delete_item("a".into()), delete_item("b".into())]);
        let one = serialized_len(&delete_item("a".into()));
        assert_eq!(
            serde_json::to_vec(&deletes).map(|b| b.len()).unwrap_or(0),
            delete_envelope() + 2 * one + 1
        );
    }

    #[test]
    fn client_side_rules() {
        let o = ImportOptions::default();
        let ok = UserUpsert::new("a").attribute("userName", "a@example.com");
        assert_eq!(o.check_user(&ok), Ok(()));
        assert_eq!(
            o.check_user(&UserUpsert::new("").attribute("x", "y")),
            Err(RejectReason::EmptyExternalId)
        );
        assert_eq!(
            o.check_user(&UserUpsert::new("é".repeat(513)).attribute("x", "y")),
            Err(RejectReason::ExternalIdTooLong {
                chars: 513,
                max: 512
            })
        );
        assert_eq!(
            o.check_user(&UserUpsert::new("é".repeat(512)).attribute("x", "y")),
            Ok(())
        );
        let mut n = UserUpsert::new("a");
        n.profile
            .additional_properties
            .insert("age".into(), serde_json::json!(42));
        assert_eq!(
            o.check_user(&n),
            Err(RejectReason::NonStringAttribute {
                name: "age".into(),
                found: "number"
            })
        );
        assert_eq!(
            o.check_user(&UserUpsert::new("a")),
            Err(RejectReason::EmptyProfile)
        );
        assert_eq!(
            o.check_user(&UserUpsert::new("a").clear("costCenter")),
            Ok(())
        );
        let mut dup = UserUpsert::new("a").attribute("firstName", "A");
        dup.profile
            .additional_properties
            .insert("firstName".into(), Value::Null);
        assert_eq!(
            o.check_user(&dup),
            Err(RejectReason::DuplicateAttribute {
                name: "firstName".into()
            })
        );
        let big = UserUpsert::new("a").attribute("homeAddress", "x".repeat(200_000));
        assert!(matches!(
            o.check_user(&big),
            Err(RejectReason::TooLarge { .. })
        ));
    }

    #[test]
    fn attributes_land_in_typed_fields_or_the_map() {
        let u = UserUpsert::new("a")
            .attribute("email", "a@example.com")
            .clear("email")
            .attribute("lastName", "L")
            .attribute("department", "D");
        assert_eq!(u.profile.email, None);
        assert_eq!(u.profile.additional_properties["email"], Value::Null);
        assert_eq!(u.profile.last_name, Nullable::Value("L".into()));
        assert_eq!(u.profile.additional_properties["department"], "D");
        assert_eq!(ImportOptions::default().check_user(&u), Ok(()));
    }
}
