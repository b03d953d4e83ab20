//! The hand-written runtime every generated operation calls. A private
//! module: users see it through the crate root and the modules of
//! [`surface`] (`config`, `error`, and the hidden `__private` of the
//! runtime's own tests).
//!
//! Generated code refers to this module only through fully qualified
//! `crate::runtime::...` paths, and this module never refers to generated
//! types: it is copied verbatim into standalone crates generated from other
//! specs.
//!
//! # Contract with generated code
//!
//! A generated operation is a method on [`Client`] that declares a
//! `const OPERATION: Operation` (id, method, path template, idempotency,
//! OAuth scopes), builds a [`Request`] of it with its required parameters
//! and body ([`Request::path_param`], [`Request::query`],
//! [`Request::header_param`], [`Request::json_body`]…) and returns
//! `self.call(request, decode::json)` (or `decode::empty`, `decode::text`,
//! `decode::binary`): a [`Call<T, O>`](Call) whose `T` is the output type
//! and `O` the operation's marker type (`crate::operations::…`). The
//! optional parameters are inherent methods of that `Call<T, O>`, which set
//! `call.request`; a paginated operation's `Call<T, O>` also has
//! `paginate()`, over [`paginate`] or [`paginate_with`].
//!
//! Generated method names avoid every method of [`Client`] and [`Call`]:
//! the generator reads them from this folder when it is built
//! (`codegen/build.rs`), so the list cannot fall behind the runtime.
//!
//! # Code map
//!
//! - `config`: [`ClientBuilder`], loading from the environment and
//!   `okta.yaml` files, validation that reports every problem at once.
//! - `secret`: [`SecretString`], which never prints its content.
//! - `auth`: SSWS, static bearer, and OAuth 2.0 client credentials with a
//!   `private_key_jwt` client assertion (cached, single-flight refresh).
//! - `keys`: PEM private and public keys to `jsonwebtoken` keys.
//! - `jwt`: the *ring*-backed `jsonwebtoken` crypto provider (RS256, ES256)
//!   and when it is installed.
//! - `tls`: rustls with *ring* for the client's `reqwest::Client`, unless
//!   the application installed a process-default rustls provider.
//! - `client`: [`Client`] and the request loop (retries, rate limits,
//!   deadlines, tracing).
//! - `retry`: the pure arithmetic of waits (429 reset headers, backoff).
//! - `call`: [`Operation`], [`Request`], [`Call`], the decoders and [`Response`].
//! - `surface`: the public modules `config` and `error`, and `__private`.
//! - `encode`: rendering of path, query and header parameters.
//! - `error`: [`Error`] and the Okta error body.
//! - `sanitize`: escaping and bounding text that came from a server or a
//!   file before it is printed.
//! - `paginate`: [`paginate`], a stream following `Link: <…>; rel="next"`.
//! - `nullable`: [`Nullable`], the tri-state field of upserts.
//! - `de`, `ser`: the one `Deserialize` and `Serialize` path every
//!   generated struct calls.

mod auth;
mod call;
mod client;
mod config;
pub mod de;
mod encode;
mod error;
pub(crate) mod jwt;
pub(crate) mod keys;
mod nullable;
mod paginate;
pub(crate) mod retry;
pub mod sanitize;
mod secret;
pub mod ser;
pub mod surface;
pub mod testing;
mod tls;

pub use call::{
    Binary, Call, Decode, Empty, Json, Method, Operation, Request, Response, Text, decode,
};
pub use client::Client;
pub use config::{AuthorizationMode, ClientBuilder, ClientSettings, ConfigSources, Proxy};
pub use encode::Style;
#[allow(unused_imports)]
pub(crate) use error::human_duration;
pub use error::{
    ApiError, AuthChallenge, AuthError, Error, OktaErrorBody, OktaErrorCause, RateLimit, Result,
};
pub use nullable::Nullable;
pub use paginate::{paginate, paginate_with};
pub use secret::SecretString;

/// The `User-Agent` product token: `<crate name>-rust/<crate version>`.
pub const SDK_PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));
