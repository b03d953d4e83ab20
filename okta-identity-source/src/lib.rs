//! Rust client for Okta's Identity Source API ("Anything-as-a-Source").
//!
//! The models ([`models`]) and the operations (methods on [`Client`]) are
//! generated from `spec/okta-identity-source.yaml` by `cargo xtask codegen`;
//! everything else in this crate is the hand-written runtime they call.

pub mod import;
pub mod runtime;

// Generated code: owned by `cargo xtask codegen`, formatted by prettyplease.
#[rustfmt::skip]
mod generated;

pub use generated::models;
pub use runtime::{Client, ClientBuilder, Error, Result};

#[cfg(feature = "fake")]
pub mod fake;

/// The command-line tool (feature `cli`); not a stable API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
