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
//! - `config/`: [`ClientBuilder`] and the settings, by source: `builder`
//!   (set in code), `sources` (precedence), `env`, `yaml`, `layer` (one
//!   source's values), `hints` (the builder method an error names),
//!   `validate`, `key` (the private key), `resolve` (every rule at once,
//!   giving [`ClientSettings`], the one record of each effective setting).
//! - `secret`: [`SecretString`], which never prints its content.
//! - `auth`: SSWS, static bearer, and OAuth 2.0 client credentials with a
//!   `private_key_jwt` client assertion (cached, single-flight refresh).
//! - `keys`: PEM private and public keys to `jsonwebtoken` keys.
//! - `jwt`: the *ring*-backed `jsonwebtoken` crypto provider (RS256, ES256)
//!   and when it is installed.
//! - `tls`: rustls with *ring* for the client's `reqwest::Client`, unless
//!   the application installed a process-default rustls provider.
//! - `http`: reading a response body under a size limit; transport errors
//!   as one line.
//! - `client`: [`Client`], [`ClientBuilder::build`] and the request loop
//!   (retries, rate limits, deadlines, tracing) over an encoded request.
//! - `rate_limit`: [`RateLimit`], the `X-Rate-Limit-*` headers.
//! - `retry`: the pure arithmetic of waits (429 reset headers, backoff),
//!   also used by the import workflow.
//! - `call`: [`Operation`], [`Request`], [`Call`], the decoders and [`Response`].
//! - `surface`: the public modules `config` and `error`, and `__private`.
//! - `encode`: rendering of path, query and header parameters.
//! - `error`: [`Error`] and the Okta error body.
//! - `sanitize`: escaping and bounding text that came from a server or a
//!   file before it is printed.
//! - `paginate`: [`paginate`], a stream following `Link: <…>; rel="next"`.
//! - `nullable`: [`Nullable`], the tri-state field of upserts.
//! - `unknown`: [`UnknownValue`], the catch-all of a string enum.
//! - `de`, `ser`: the one `Deserialize` and `Serialize` path every
//!   generated struct calls.
//! - `testing`: helpers for the crate's own tests (hidden).
//!
//! # Layers
//!
//! A module uses only modules of lower layers (`super::module::…` or
//! `crate::runtime::module::…`, never a re-export of this file), so the
//! runtime is a one-way graph. The `layering` test reads the sources and
//! fails when a reference goes sideways or up, or a module is missing here.
//!
//! 1. `secret`, `sanitize`, `nullable`, `unknown`, `rate_limit`, `tls`, `jwt`, `layering`: leaves.
//! 2. `de`, `ser`, `keys`, `retry`, `http`: over one leaf each.
//! 3. `error`, `testing`: errors (escaped text, rate limits, waits); test helpers.
//! 4. `encode`, `auth`: parameters to text; credentials and tokens.
//! 5. `config`: every setting, from every source, validated.
//! 6. `client`: the client built from the settings, and the request loop.
//! 7. `call`: an operation's call: parameters in, typed response out.
//! 8. `paginate`: calls following `Link` headers.
//! 9. `surface`: the public paths of the items above.

mod auth;
mod call;
mod client;
mod config;
pub mod de;
mod encode;
mod error;
mod http;
pub(crate) mod jwt;
pub(crate) mod keys;
#[cfg(test)]
mod layering;
mod nullable;
mod paginate;
mod rate_limit;
pub(crate) mod retry;
pub mod sanitize;
mod secret;
pub mod ser;
pub mod surface;
pub mod testing;
mod tls;
mod unknown;

// The paths generated code names (`crate::runtime::…`); users reach the
// public ones through the crate root and `surface`'s modules. A crate
// generated from another spec may use items this one does not (a `Style`
// parameter, a paginated operation), hence the allow.
#[allow(unused_imports)]
pub use call::{Call, Method, Operation, Request, Response, decode};
pub use client::Client;
pub use config::ClientBuilder;
#[allow(unused_imports)]
pub use encode::Style;
#[allow(unused_imports)]
pub(crate) use error::human_duration;
pub use error::{Error, Result};
pub use nullable::Nullable;
#[allow(unused_imports)]
pub use paginate::{paginate, paginate_with};
#[allow(unused_imports)]
pub use rate_limit::RateLimit;
pub use unknown::UnknownValue;
