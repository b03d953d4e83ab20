//! Client configuration: the builder, loading from the environment and
//! `okta.yaml` files, and validation.
//!
//! # Sources and precedence
//!
//! From lowest to highest priority (a higher source overrides a lower one
//! key by key):
//!
//! 1. defaults;
//! 2. `~/.okta/okta.yaml` (the home file);
//! 3. `./.okta/okta.yaml`, or `./okta.yaml` when the former does not exist
//!    (the project file, relative to the working directory);
//! 4. environment variables;
//! 5. values set on the [`ClientBuilder`].
//!
//! This is the order the Okta SDKs document (the Python SDK implements env
//! and YAML the other way round; this crate follows the documentation).
//!
//! The files are read with the `okta-yaml` feature (on by default). Without
//! it, a file found at one of those places is not silently skipped: loading
//! reports it as a problem naming the feature (sources without a home or
//! working directory, such as `ConfigSources::empty().envs(std::env::vars())`,
//! look for none).
//!
//! YAML files use the Okta SDKs' layout:
//!
//! ```yaml
//! okta:
//!   client:
//!     orgUrl: https://dev-123456.okta.com
//!     authorizationMode: PrivateKey   # SSWS (default) | Bearer | PrivateKey
//!     token: 00abc…                   # SSWS or Bearer
//!     clientId: 0oa…
//!     scopes: [okta.identitySources.manage, okta.identitySources.read]
//!     privateKey: /path/to/key.pem    # or the PEM text
//!     privateKeyId: kid-1
//!     requestTimeout: 120             # seconds, total per call; 0 = none
//!     connectionTimeout: 30           # seconds
//!     rateLimit: { maxRetries: 2, maxBackoff: 60, enable: false }
//!     proxy: { host: proxy.local, port: 3128, username: u, password: p }
//!   testing:
//!     testingDisableHttpsCheck: false
//! ```
//!
//! Environment variables, Python SDK spelling first, then the Go SDK's
//! where it differs (when both are set, the first wins; empty values count
//! as unset): `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`,
//! `OKTA_CLIENT_AUTHORIZATIONMODE`, `OKTA_CLIENT_CLIENTID`,
//! `OKTA_CLIENT_SCOPES` (comma or space separated),
//! `OKTA_CLIENT_PRIVATEKEY` (PEM text or a file path),
//! `OKTA_CLIENT_PRIVATEKEYID`,
//! `OKTA_CLIENT_RATELIMIT_MAXRETRIES` / `OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES`,
//! `OKTA_CLIENT_RATELIMIT_MAXBACKOFF` / `OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF`,
//! `OKTA_CLIENT_RATELIMIT_ENABLE` / `OKTA_CLIENT_RATE_LIMIT_ENABLE`,
//! `OKTA_CLIENT_REQUESTTIMEOUT` / `OKTA_CLIENT_REQUEST_TIMEOUT`,
//! `OKTA_CLIENT_CONNECTIONTIMEOUT` / `OKTA_CLIENT_CONNECTION_TIMEOUT`,
//! `OKTA_CLIENT_PROXY_HOST`, `…_PORT`, `…_USERNAME`, `…_PASSWORD`,
//! `OKTA_TESTING_TESTINGDISABLEHTTPSCHECK` / `OKTA_TESTING_DISABLE_HTTPS_CHECK`.
//! Numbers are parsed (a non-number is reported, never a crash).

//!
//! # Layout
//!
//! - `builder`: [`ClientBuilder`] and its setters (the values set in code);
//! - `sources`: [`ConfigSources`] and the order files and environment are
//!   loaded in ([`ClientBuilder::from_sources`]);
//! - `env`: the environment variables; `yaml`: the `okta.yaml` files;
//! - `layer`: one layer of settings (what one source set) and the parsing
//!   of its values;
//! - `hints`: which builder method fixes a setting an error names;
//! - `validate`: the org URL, tokens and proxy; `key`: the private key's
//!   sources (PEM text, bare base64, a file);
//! - `resolve`: every layer and rule applied at once, giving the
//!   [`ClientSettings`] and the parts a client is built from ([`Resolved`]).
//!
//! Inside the folder the uses go one way too: `hints` and `key` use no
//! sibling; `layer` uses `hints`; `env`, `yaml` and `validate` use `layer`
//! and `hints`; `builder` uses `layer` and this file's types; `sources`
//! and `resolve` come last. (The `layering` test of the runtime sees the
//! folder as one module and does not check this order; tests of `hints`
//! use the whole folder.)

use std::fmt;
use std::time::Duration;

use super::secret::SecretString;

mod builder;
mod env;
mod hints;
mod key;
mod layer;
mod resolve;
mod sources;
mod validate;
mod yaml;

pub use builder::ClientBuilder;
pub(crate) use resolve::Resolved;
pub use sources::ConfigSources;
#[allow(unused_imports)]
pub(crate) use validate::validate_org_url;

use layer::redact_userinfo;

/// The `User-Agent` product token: `<crate name>-rust/<crate version>`.
pub const SDK_PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default cap of a single wait between attempts.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Default total deadline of a call, retries included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default TCP/TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default base of exponential backoff (503/504, connection failures, 429
/// without rate-limit headers).
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default of [`ClientBuilder::max_response_bytes`].
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationMode {
    /// `Authorization: SSWS <API token>` (the default).
    Ssws,
    /// `Authorization: Bearer <access token>` with a token you obtained.
    Bearer,
    /// OAuth 2.0 client credentials with a `private_key_jwt` assertion
    /// (Okta service apps); access tokens are fetched and renewed.
    PrivateKey,
}

impl AuthorizationMode {
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ssws" => Some(Self::Ssws),
            "bearer" => Some(Self::Bearer),
            "privatekey" => Some(Self::PrivateKey),
            _ => None,
        }
    }
}

/// An HTTP proxy. Credentials may also be given inside `host`
/// (`http://user:password@proxy.local:3128`); `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxy {
    /// Host name, or a URL such as `http://proxy.local:3128`.
    pub host: String,
    /// Port (when `host` has none).
    pub port: Option<u16>,
    /// User name for proxy authentication.
    pub username: Option<String>,
    /// Password for proxy authentication.
    pub password: Option<SecretString>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &redact_userinfo(&self.host))
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// The effective, non-secret settings of a client, after every source was
/// applied (see [`Client::settings`](crate::runtime::Client::settings)). Secrets (tokens, the private key, the
/// proxy password) are deliberately absent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientSettings {
    /// The normalised org URL.
    pub org_url: String,
    /// How the client authenticates.
    pub authorization_mode: AuthorizationMode,
    /// OAuth client id (PrivateKey mode).
    pub client_id: Option<String>,
    /// OAuth scopes requested (PrivateKey mode).
    pub scopes: Vec<String>,
    /// `kid` of the client assertion (PrivateKey mode).
    pub private_key_id: Option<String>,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Cap of a single wait between attempts.
    pub max_backoff: Duration,
    /// Base of the exponential backoff after 503, 504, a connection
    /// failure or a 429 without rate-limit headers
    /// ([`ClientBuilder::retry_base_delay`]).
    pub retry_base_delay: Duration,
    /// Total deadline per call (`None`: no deadline).
    pub request_timeout: Option<Duration>,
    /// Connect timeout (not applied to a caller-supplied `reqwest::Client`).
    pub connect_timeout: Duration,
    /// Whether requests wait when the rate limit is exhausted.
    pub throttle_on_exhausted_rate_limit: bool,
    /// The proxy URL, without credentials.
    pub proxy: Option<String>,
    /// The largest response body read ([`ClientBuilder::max_response_bytes`]).
    pub max_response_bytes: usize,
    /// How many CA certificates are trusted in addition to the platform's
    /// roots ([`ClientBuilder::add_root_certificates_pem`]).
    pub extra_root_certificates: usize,
    /// Whether `http://` org URLs are allowed (testing switch).
    pub https_check_disabled: bool,
    /// The `User-Agent` header.
    pub user_agent: String,
}
