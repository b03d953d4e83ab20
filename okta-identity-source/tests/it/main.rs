//! The crate's integration tests, one binary: each module was a test binary
//! of its own, and every one of them linked reqwest, rustls, axum and hyper
//! again. The support modules below are shared by the test modules.
//!
//! Run one module with `cargo test -p okta-identity-source --all-features
//! --test it MODULE::`. A test that changes process-wide state (a default
//! crypto provider, the global tracing subscriber) runs in a process of its
//! own (`own_process`).

mod keygen;
mod own_process;

#[cfg(feature = "fake")]
mod fake_support;
mod hostile;
#[cfg(all(feature = "fake", feature = "import"))]
mod import_support;
mod runtime_common;
#[path = "runtime_common/tls_server.rs"]
mod tls_server;

mod cli_hostile;
mod cli_import;
mod client_operations;
mod fake_auth;
mod fake_conformance;
mod fake_directory;
mod fake_duplicates;
mod fake_faults;
mod fake_lifecycle;
mod fake_limits;
mod fake_ratelimit;
mod hostile_config;
mod hostile_runtime;
mod import_hostile;
mod import_sessions;
mod import_workflow;
mod runtime_auth;
mod runtime_config;
mod runtime_http;
mod runtime_jwt_provider;
mod runtime_keys;
mod runtime_paginate;
mod runtime_param_styles;
mod runtime_redaction;
mod runtime_retry;
mod runtime_tls;
mod runtime_tls_default_provider;
mod sync_cli;
mod sync_kill;
mod sync_push;
