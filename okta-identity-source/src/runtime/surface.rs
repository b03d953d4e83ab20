//! The public paths of the runtime's items: the crate root re-exports
//! these modules (`pub use runtime::surface::{config, error, __private}`),
//! in this crate and in every standalone crate generated with `--out`.

/// Building a [`Client`](crate::Client): the companions of
/// [`ClientBuilder`](crate::ClientBuilder).
pub mod config {
    pub use super::super::config::{
        AuthorizationMode, ClientBuilder, ClientSettings, ConfigSources, Proxy,
    };
    pub use super::super::secret::SecretString;
}

/// Errors: [`Error`](crate::Error) and what its variants carry.
pub mod error {
    pub use super::super::error::{
        ApiError, AuthChallenge, AuthError, Error, OktaErrorBody, OktaErrorCause, Result,
    };
    pub use super::super::rate_limit::RateLimit;
}

/// Not a public API: the runtime's plumbing, reachable for this crate's
/// own integration tests (which describe operations by hand) and nothing
/// else. It changes in any release.
#[doc(hidden)]
pub mod __private {
    pub use super::super::call::{
        Binary, Call, Decode, Empty, Json, Method, Operation, Request, Text, decode,
    };
    pub use super::super::encode::Style;
    pub use super::super::paginate::{paginate, paginate_with};
    pub use super::super::{de, sanitize, ser, testing};

    /// The request builders of [`Call`], for calls described by hand with
    /// `Client::__call` (generated operations set their parameters on the
    /// call's `Request` directly).
    pub trait RawCall: Sized {
        /// See `Request::path_param`.
        fn path_param(self, name: &'static str, value: &str) -> Self;
        /// See `Request::path_param_value`.
        fn path_param_value<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            value: &V,
        ) -> Self;
        /// See `Request::path_param_with`.
        fn path_param_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            style: Style,
            explode: bool,
            value: &V,
        ) -> Self;
        /// See `Request::query`.
        fn query<V: serde::Serialize + ?Sized>(self, name: &'static str, value: &V) -> Self;
        /// See `Request::query_with`.
        fn query_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            style: Style,
            explode: bool,
            allow_reserved: bool,
            value: &V,
        ) -> Self;
        /// See `Request::header_param`.
        fn header_param<V: serde::Serialize + ?Sized>(self, name: &'static str, value: &V) -> Self;
        /// See `Request::header_param_with`.
        fn header_param_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            explode: bool,
            value: &V,
        ) -> Self;
        /// See `Request::json_body`.
        fn json_body<B: serde::Serialize + ?Sized>(self, body: &B) -> Self;
        /// See `Request::json_body_opt`.
        fn json_body_opt<B: serde::Serialize + ?Sized>(self, body: Option<&B>) -> Self;
        /// See `Request::form_body`.
        fn form_body<B: serde::Serialize + ?Sized>(self, body: &B) -> Self;
        /// See `Request::form_body_opt`.
        fn form_body_opt<B: serde::Serialize + ?Sized>(self, body: Option<&B>) -> Self;
        /// See `Request::bytes_body`.
        fn bytes_body(self, content_type: &str, body: bytes::Bytes) -> Self;
    }

    macro_rules! delegate {
        ($self:ident, $method:ident($($arg:expr),*)) => {{
            let mut call = $self;
            call.request = call.request.$method($($arg),*);
            call
        }};
    }

    impl<T, O> RawCall for Call<T, O> {
        fn path_param(self, name: &'static str, value: &str) -> Self {
            delegate!(self, path_param(name, value))
        }
        fn path_param_value<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            value: &V,
        ) -> Self {
            delegate!(self, path_param_value(name, value))
        }
        fn path_param_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            style: Style,
            explode: bool,
            value: &V,
        ) -> Self {
            delegate!(self, path_param_with(name, style, explode, value))
        }
        fn query<V: serde::Serialize + ?Sized>(self, name: &'static str, value: &V) -> Self {
            delegate!(self, query(name, value))
        }
        fn query_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            style: Style,
            explode: bool,
            allow_reserved: bool,
            value: &V,
        ) -> Self {
            delegate!(
                self,
                query_with(name, style, explode, allow_reserved, value)
            )
        }
        fn header_param<V: serde::Serialize + ?Sized>(self, name: &'static str, value: &V) -> Self {
            delegate!(self, header_param(name, value))
        }
        fn header_param_with<V: serde::Serialize + ?Sized>(
            self,
            name: &'static str,
            explode: bool,
            value: &V,
        ) -> Self {
            delegate!(self, header_param_with(name, explode, value))
        }
        fn json_body<B: serde::Serialize + ?Sized>(self, body: &B) -> Self {
            delegate!(self, json_body(body))
        }
        fn json_body_opt<B: serde::Serialize + ?Sized>(self, body: Option<&B>) -> Self {
            delegate!(self, json_body_opt(body))
        }
        fn form_body<B: serde::Serialize + ?Sized>(self, body: &B) -> Self {
            delegate!(self, form_body(body))
        }
        fn form_body_opt<B: serde::Serialize + ?Sized>(self, body: Option<&B>) -> Self {
            delegate!(self, form_body_opt(body))
        }
        fn bytes_body(self, content_type: &str, body: bytes::Bytes) -> Self {
            delegate!(self, bytes_body(content_type, body))
        }
    }
}
