//! Routing: which operation of `spec/okta-identity-source.yaml` a request
//! names, its `operationId`, the OAuth scope its `security` requires and its
//! rate-limit bucket.

use axum::http::Method;

use super::auth::{SCOPE_MANAGE, SCOPE_READ};
use super::ratelimit::RateLimitBucket;
use super::state::UploadKind;

/// The operations the fake serves. Path parameters are percent-decoded.
#[derive(Debug, Clone)]
pub(crate) enum Operation {
    List {
        isid: String,
    },
    Create {
        isid: String,
    },
    Get {
        isid: String,
        sid: String,
    },
    Delete {
        isid: String,
        sid: String,
    },
    Upload {
        isid: String,
        sid: String,
        kind: UploadKind,
    },
    StartImport {
        isid: String,
        sid: String,
    },
    CreateUser {
        isid: String,
    },
    GetUser {
        isid: String,
        external_id: String,
    },
    ReplaceUser {
        isid: String,
        external_id: String,
    },
    UpdateUser {
        isid: String,
        external_id: String,
    },
    DeleteUser {
        isid: String,
        external_id: String,
    },
    CreateGroup {
        isid: String,
    },
    GetGroup {
        isid: String,
        group: String,
    },
    UpdateGroup {
        isid: String,
        group: String,
    },
    DeleteGroup {
        isid: String,
        group: String,
    },
    ListMembers {
        isid: String,
        group: String,
    },
    AddMember {
        isid: String,
        group: String,
    },
    RemoveMember {
        isid: String,
        group: String,
        member: String,
    },
    Token,
}

/// The `operationId`s of the identity-source API that the fake serves (what
/// [`Operation::id`] names, less the token endpoint).
pub(crate) const OPERATION_IDS: [&str; 23] = [
    "createIdentitySourceGroups",
    "createIdentitySourceGroupsMemberships",
    "createIdentitySourceSession",
    "createIdentitySourceUser",
    "deleteIdentitySourceGroup",
    "deleteIdentitySourceGroupMemberships",
    "deleteIdentitySourceSession",
    "deleteIdentitySourceUser",
    "getIdentitySourceGroup",
    "getIdentitySourceGroupMemberships",
    "getIdentitySourceSession",
    "getIdentitySourceUser",
    "listIdentitySourceSessions",
    "replaceExistingIdentitySourceUser",
    "startImportFromIdentitySource",
    "updateIdentitySourceGroups",
    "updateIdentitySourceUsers",
    "uploadIdentitySourceDataForDelete",
    "uploadIdentitySourceDataForUpsert",
    "uploadIdentitySourceGroupMembershipsForDelete",
    "uploadIdentitySourceGroupMembershipsForUpsert",
    "uploadIdentitySourceGroupsDataForDelete",
    "uploadIdentitySourceGroupsForUpsert",
];

impl Operation {
    /// The spec's `operationId` (`oauthToken` for the token endpoint).
    pub fn id(&self) -> &'static str {
        match self {
            Operation::List { .. } => "listIdentitySourceSessions",
            Operation::Create { .. } => "createIdentitySourceSession",
            Operation::Get { .. } => "getIdentitySourceSession",
            Operation::Delete { .. } => "deleteIdentitySourceSession",
            Operation::Upload { kind, .. } => match kind {
                UploadKind::Upsert => "uploadIdentitySourceDataForUpsert",
                UploadKind::Delete => "uploadIdentitySourceDataForDelete",
                UploadKind::GroupsUpsert => "uploadIdentitySourceGroupsForUpsert",
                UploadKind::GroupsDelete => "uploadIdentitySourceGroupsDataForDelete",
                UploadKind::MembershipsUpsert => "uploadIdentitySourceGroupMembershipsForUpsert",
                UploadKind::MembershipsDelete => "uploadIdentitySourceGroupMembershipsForDelete",
            },
            Operation::StartImport { .. } => "startImportFromIdentitySource",
            Operation::CreateUser { .. } => "createIdentitySourceUser",
            Operation::GetUser { .. } => "getIdentitySourceUser",
            Operation::ReplaceUser { .. } => "replaceExistingIdentitySourceUser",
            Operation::UpdateUser { .. } => "updateIdentitySourceUsers",
            Operation::DeleteUser { .. } => "deleteIdentitySourceUser",
            Operation::CreateGroup { .. } => "createIdentitySourceGroups",
            Operation::GetGroup { .. } => "getIdentitySourceGroup",
            Operation::UpdateGroup { .. } => "updateIdentitySourceGroups",
            Operation::DeleteGroup { .. } => "deleteIdentitySourceGroup",
            Operation::ListMembers { .. } => "getIdentitySourceGroupMemberships",
            Operation::AddMember { .. } => "createIdentitySourceGroupsMemberships",
            Operation::RemoveMember { .. } => "deleteIdentitySourceGroupMemberships",
            Operation::Token => "oauthToken",
        }
    }

    /// The scope a bearer token needs (the spec's `security`): every `GET`
    /// reads, everything else manages.
    pub fn scope(&self) -> &'static str {
        match self {
            Operation::List { .. }
            | Operation::Get { .. }
            | Operation::GetUser { .. }
            | Operation::GetGroup { .. }
            | Operation::ListMembers { .. } => SCOPE_READ,
            _ => SCOPE_MANAGE,
        }
    }

    pub fn bucket(&self) -> RateLimitBucket {
        match self {
            Operation::List { .. }
            | Operation::Create { .. }
            | Operation::Get { .. }
            | Operation::Delete { .. } => RateLimitBucket::Sessions,
            Operation::Upload { kind, .. } => match kind {
                UploadKind::Upsert => RateLimitBucket::BulkUpsert,
                UploadKind::Delete => RateLimitBucket::BulkDelete,
                UploadKind::GroupsUpsert => RateLimitBucket::BulkGroupsUpsert,
                UploadKind::GroupsDelete => RateLimitBucket::BulkGroupsDelete,
                UploadKind::MembershipsUpsert => RateLimitBucket::BulkGroupMembershipsUpsert,
                UploadKind::MembershipsDelete => RateLimitBucket::BulkGroupMembershipsDelete,
            },
            Operation::StartImport { .. } => RateLimitBucket::StartImport,
            Operation::CreateUser { .. }
            | Operation::GetUser { .. }
            | Operation::ReplaceUser { .. }
            | Operation::UpdateUser { .. }
            | Operation::DeleteUser { .. } => RateLimitBucket::Users,
            Operation::CreateGroup { .. }
            | Operation::GetGroup { .. }
            | Operation::UpdateGroup { .. }
            | Operation::DeleteGroup { .. }
            | Operation::ListMembers { .. }
            | Operation::AddMember { .. }
            | Operation::RemoveMember { .. } => RateLimitBucket::Groups,
            Operation::Token => RateLimitBucket::Token,
        }
    }
}

/// A request that matches no operation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NoRoute {
    NotFound,
    MethodNotAllowed(&'static str),
}

/// Picks the operation for one of `allowed` methods, or says which are allowed.
fn pick(
    method: &Method,
    allow: &'static str,
    choices: Vec<(Method, Operation)>,
) -> Result<Operation, NoRoute> {
    choices
        .into_iter()
        .find(|(m, _)| m == method)
        .map(|(_, op)| op)
        .ok_or(NoRoute::MethodNotAllowed(allow))
}

pub(crate) fn route(method: &Method, path: &str) -> Result<Operation, NoRoute> {
    if path == "/oauth2/v1/token" {
        return if method == Method::POST {
            Ok(Operation::Token)
        } else {
            Err(NoRoute::MethodNotAllowed("POST"))
        };
    }
    let segments: Vec<String> = path
        .strip_prefix("/api/v1/identity-sources/")
        .ok_or(NoRoute::NotFound)?
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    // Every parameter segment must be non-empty (`a//b` names nothing).
    if segments.iter().any(String::is_empty) {
        return Err(NoRoute::NotFound);
    }
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let own = |v: &str| v.to_owned();
    match s.as_slice() {
        [isid, "sessions"] => pick(
            method,
            "GET, POST",
            vec![
                (Method::GET, Operation::List { isid: own(isid) }),
                (Method::POST, Operation::Create { isid: own(isid) }),
            ],
        ),
        [isid, "sessions", sid] => {
            let (isid, sid) = (own(isid), own(sid));
            pick(
                method,
                "GET, DELETE",
                vec![
                    (
                        Method::GET,
                        Operation::Get {
                            isid: isid.clone(),
                            sid: sid.clone(),
                        },
                    ),
                    (Method::DELETE, Operation::Delete { isid, sid }),
                ],
            )
        }
        [isid, "sessions", sid, action] => {
            let (isid, sid) = (own(isid), own(sid));
            let kind = match *action {
                "bulk-upsert" => UploadKind::Upsert,
                "bulk-delete" => UploadKind::Delete,
                "bulk-groups-upsert" => UploadKind::GroupsUpsert,
                "bulk-groups-delete" => UploadKind::GroupsDelete,
                "bulk-group-memberships-upsert" => UploadKind::MembershipsUpsert,
                "bulk-group-memberships-delete" => UploadKind::MembershipsDelete,
                "start-import" => {
                    return pick(
                        method,
                        "POST",
                        vec![(Method::POST, Operation::StartImport { isid, sid })],
                    );
                }
                _ => return Err(NoRoute::NotFound),
            };
            pick(
                method,
                "POST",
                vec![(Method::POST, Operation::Upload { isid, sid, kind })],
            )
        }
        [isid, "users"] => pick(
            method,
            "POST",
            vec![(Method::POST, Operation::CreateUser { isid: own(isid) })],
        ),
        [isid, "users", external_id] => {
            let (isid, external_id) = (own(isid), own(external_id));
            let both = || (isid.clone(), external_id.clone());
            pick(
                method,
                "GET, PUT, PATCH, DELETE",
                vec![
                    (Method::GET, {
                        let (isid, external_id) = both();
                        Operation::GetUser { isid, external_id }
                    }),
                    (Method::PUT, {
                        let (isid, external_id) = both();
                        Operation::ReplaceUser { isid, external_id }
                    }),
                    (Method::PATCH, {
                        let (isid, external_id) = both();
                        Operation::UpdateUser { isid, external_id }
                    }),
                    (Method::DELETE, {
                        let (isid, external_id) = both();
                        Operation::DeleteUser { isid, external_id }
                    }),
                ],
            )
        }
        [isid, "groups"] => pick(
            method,
            "POST",
            vec![(Method::POST, Operation::CreateGroup { isid: own(isid) })],
        ),
        [isid, "groups", group] => {
            let both = || (own(isid), own(group));
            pick(
                method,
                "GET, POST, DELETE",
                vec![
                    (Method::GET, {
                        let (isid, group) = both();
                        Operation::GetGroup { isid, group }
                    }),
                    (Method::POST, {
                        let (isid, group) = both();
                        Operation::UpdateGroup { isid, group }
                    }),
                    (Method::DELETE, {
                        let (isid, group) = both();
                        Operation::DeleteGroup { isid, group }
                    }),
                ],
            )
        }
        [isid, "groups", group, "membership"] => {
            let both = || (own(isid), own(group));
            pick(
                method,
                "GET, POST",
                vec![
                    (Method::GET, {
                        let (isid, group) = both();
                        Operation::ListMembers { isid, group }
                    }),
                    (Method::POST, {
                        let (isid, group) = both();
                        Operation::AddMember { isid, group }
                    }),
                ],
            )
        }
        [isid, "groups", group, "membership", member] => pick(
            method,
            "DELETE",
            vec![(
                Method::DELETE,
                Operation::RemoveMember {
                    isid: own(isid),
                    group: own(group),
                    member: own(member),
                },
            )],
        ),
        _ => Err(NoRoute::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_segments_and_name_operations() {
        let op = route(
            &Method::GET,
            "/api/v1/identity-sources/0oa1/users/a%2Fb%3Fc%23d",
        );
        match op {
            Ok(Operation::GetUser { isid, external_id }) => {
                assert_eq!((isid.as_str(), external_id.as_str()), ("0oa1", "a/b?c#d"));
            }
            other => panic!("{other:?}"),
        }
        let cases = [
            (
                Method::POST,
                "/api/v1/identity-sources/x/users",
                "createIdentitySourceUser",
            ),
            (
                Method::PATCH,
                "/api/v1/identity-sources/x/users/u",
                "updateIdentitySourceUsers",
            ),
            (
                Method::POST,
                "/api/v1/identity-sources/x/groups/g",
                "updateIdentitySourceGroups",
            ),
            (
                Method::DELETE,
                "/api/v1/identity-sources/x/groups/g/membership/m",
                "deleteIdentitySourceGroupMemberships",
            ),
            (
                Method::POST,
                "/api/v1/identity-sources/x/sessions/s/bulk-group-memberships-delete",
                "uploadIdentitySourceGroupMembershipsForDelete",
            ),
        ];
        for (method, path, id) in cases {
            assert_eq!(
                route(&method, path).map(|o| o.id()).ok(),
                Some(id),
                "{path}"
            );
        }
        assert!(matches!(
            route(&Method::PUT, "/api/v1/identity-sources/x/groups/g"),
            Err(NoRoute::MethodNotAllowed("GET, POST, DELETE"))
        ));
        assert!(matches!(
            route(&Method::GET, "/api/v1/identity-sources/x/users/"),
            Err(NoRoute::NotFound)
        ));
    }
}
