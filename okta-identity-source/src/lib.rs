//! Rust client for Okta's Identity Source API ("Anything-as-a-Source"):
//! push the people, groups and memberships of an HR system, or any other
//! source of truth, into an Okta custom identity source.
//!
//! Where to start:
//!
//! - **Importing users**: `import::ImportJob` (feature `import`) takes users
//!   to create or update and `externalId`s to deactivate, as iterators or
//!   streams, and does the whole job: uploads within Okta's limits, as many
//!   sessions as needed, the cool-down between them, polling, and a report
//!   that accounts for every entity.
//! - **Keeping Okta equal to a source**: `sync::SyncJob` (feature `sync`)
//!   sends only what changed since the last run, kept in a SQLite state
//!   file, with a plan and a safeguard against mass deactivation.
//! - **The raw operations**: [`Client`], one method per operation of the
//!   API, with its models in [`models`] (below).
//! - **Tests**: `fake::FakeOkta` (feature `fake`) is a stateful fake of the
//!   service on `127.0.0.1`; `FakeOkta::start_for_tests()` and
//!   `fake.client()` give a running fake and a client for it in two lines.
//!
//! ```no_run
//! use okta_identity_source::models::{
//!     BulkDeleteRequestBody, BulkUpsertRequestBody, BulkUpsertRequestBodyProfilesItem as Entry,
//!     IdentitySourceSessionStatus as Status, IdentitySourceUserProfileForDelete as Gone,
//!     IdentitySourceUserProfileForUpsert as Profile, Nullable,
//! };
//! # async fn demo() -> okta_identity_source::Result<()> {
//! // OKTA_CLIENT_ORGURL + OKTA_CLIENT_TOKEN (or okta.yaml), like every Okta SDK.
//! let (client, source) = (okta_identity_source::Client::from_env()?, "0oa3l6l6WK6h0R0QW0g4");
//! let sid = client.create_identity_source_session(source).await?.id;
//!
//! let mut profile = Profile::new().user_name("isaac.brock@example.com").first_name("Isaac");
//! profile.mobile_phone = Nullable::Null; // sent as null: Okta clears the attribute
//! profile.additional_properties.insert("department".into(), "Engineering".into()); // custom
//! let upsert = BulkUpsertRequestBody::new(vec![Entry::new("EXT123456784C2IF", profile)]);
//! client.upload_identity_source_data_for_upsert(source, &sid, &upsert).await?;
//! let delete = BulkDeleteRequestBody::new(vec![Gone::new("EXT123456784C3IF")]);
//! client.upload_identity_source_data_for_delete(source, &sid, &delete).await?;
//! assert_eq!(client.start_import_from_identity_source(source, &sid).await?.status, Status::Triggered);
//!
//! // Status, headers, request id and rate-limit figures of a successful call:
//! let response = client.get_identity_source_session(source, &sid).send_with_response().await?;
//! println!("{:?} {:?} {:?}", response.status(), response.request_id(), response.rate_limit());
//! for s in client.list_identity_source_sessions(source).await? {
//!     if s.status == Status::Created { client.delete_identity_source_session(source, &s.id).await? }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Calls, optional parameters and pagination
//!
//! Every operation returns a [`Call<T, O>`](Call): `T` is what it returns
//! (`Call<IdentitySourceSession, _>`, `Call<(), _>`), `O` is the operation's
//! type in [`operations`]. Required parameters and the body are arguments;
//! optional query and header parameters are methods of the call, set
//! before it is awaited. A paginated operation's call also has
//! `paginate()`, a stream of every item of every page:
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! # async fn demo(client: okta_identity_source::Client) -> okta_identity_source::Result<()> {
//! let (source, group) = ("0oa3l6l6WK6h0R0QW0g4", "GROUPEXT123");
//! // One page of at most 50 members.
//! let page = client.get_identity_source_group_memberships(source, group).limit(50).await?;
//! // Every member, 200 a page, following the `Link` headers.
//! let members: Vec<String> = client
//!     .get_identity_source_group_memberships(source, group)
//!     .limit(200)
//!     .paginate()
//!     .try_collect()
//!     .await?;
//! # let _ = (page, members);
//! # Ok(())
//! # }
//! ```
//!
//! Since each operation has its own call type, a release that adds an
//! optional parameter to an operation, its first one included, only adds a
//! method to that type: code that awaits or sends the call, or names its
//! type, still compiles. The setters' names never shadow [`Call`]'s own
//! methods (`send`, `send_with_response`, `timeout`, `header`,
//! `operation_id`).
//!
//! Configuration types are in [`config`], error types in [`error`].
//!
//! Features (only `okta-yaml` is on by default): `import` (the `import::ImportJob`
//! workflow), `sync` (the `sync::SyncJob` engine: a roster kept equal in
//! Okta), `fake` (a stateful fake Okta for tests), `okta-yaml` (on by default: reading
//! `okta.yaml` files; without it a file that is present makes
//! [`ClientBuilder::build`] fail with a message naming the feature, rather
//! than be skipped), `gzip` (gzip-compressed responses), `http2` (HTTP/2 offered by ALPN; HTTP/1.1 otherwise, as
//! fast for the workflows, which send one request at a time), `cli` (the
//! `okta-identity-source` command-line tool).

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "import")]
#[cfg_attr(docsrs, doc(cfg(feature = "import")))]
pub mod import;
// The hand-written runtime: private; its public items are re-exported here
// and in the modules of `runtime::surface`.
mod runtime;
#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
pub mod sync;

// Generated code: owned by `cargo xtask codegen`, formatted by prettyplease.
#[rustfmt::skip]
mod generated;

/// The request and response types of the operations, and what their fields
/// use: [`Nullable`](models::Nullable), [`UnknownValue`](models::UnknownValue),
/// and serde_json's [`Value`](models::Value) and [`Map`](models::Map).
pub mod models {
    // A spec without schemas generates an empty module.
    #[allow(unused_imports)]
    pub use crate::generated::models::*;
}
pub use generated::operations;
pub use runtime::surface::{__private, config, error};
pub use runtime::{Call, Client, ClientBuilder, Error, Response, Result};

#[cfg(feature = "fake")]
#[cfg_attr(docsrs, doc(cfg(feature = "fake")))]
pub mod fake;

/// The command-line tool (feature `cli`); not a stable API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;

/// The README's Rust examples, compiled and run as doctests so the README
/// cannot drift from the crate (`cargo test --doc`).
#[cfg(all(doctest, feature = "fake", feature = "import"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
