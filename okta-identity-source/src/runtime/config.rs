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
//! The files are read with the `okta-yaml` feature. Without it, a file found
//! at one of those places is not silently skipped: loading reports it as a
//! problem naming the feature (sources without a home or working directory,
//! such as `ConfigSources::empty().envs(std::env::vars())`, look for none).
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

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rustls_pki_types::CertificateDer;
use url::Url;

use super::auth::{AuthSpec, PrivateKeyAuth};
use super::client::Client;
use super::error::{Error, Result};
use super::secret::SecretString;

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
/// YAML files larger than this are refused (as the Python SDK does).
const MAX_YAML_BYTES: u64 = 1024 * 1024;
/// Nesting levels an `okta.yaml` may have (the layout needs four).
#[cfg(feature = "okta-yaml")]
const MAX_YAML_DEPTH: usize = 32;
/// Default of [`ClientBuilder::max_response_bytes`].
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// The environment variable of [`ClientBuilder::trust_project_org_url`].
const TRUST_PROJECT_ORG_URL_ENV: &str = "OKTA_CLIENT_TRUSTPROJECTORGURL";

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
    fn parse(s: &str) -> Option<Self> {
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

/// One layer of settings; `None` means "not set here".
#[derive(Clone, Default)]
struct Settings {
    org_url: Option<String>,
    token: Option<SecretString>,
    authorization_mode: Option<String>,
    client_id: Option<String>,
    scopes: Option<Vec<String>>,
    private_key: Option<SecretString>,
    private_key_id: Option<String>,
    max_retries: Option<u32>,
    max_backoff: Option<Duration>,
    rate_limit_prevent: Option<bool>,
    request_timeout: Option<Duration>,
    connection_timeout: Option<Duration>,
    proxy_host: Option<String>,
    proxy_port: Option<u16>,
    proxy_username: Option<String>,
    proxy_password: Option<SecretString>,
    disable_https_check: Option<bool>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("org_url", &self.org_url)
            .field("token", &self.token)
            .field("authorization_mode", &self.authorization_mode)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("private_key", &self.private_key)
            .field("private_key_id", &self.private_key_id)
            .field("max_retries", &self.max_retries)
            .field("max_backoff", &self.max_backoff)
            .field("rate_limit_prevent", &self.rate_limit_prevent)
            .field("request_timeout", &self.request_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .field(
                "proxy_host",
                &self.proxy_host.as_deref().map(redact_userinfo),
            )
            .field("proxy_port", &self.proxy_port)
            .field("proxy_username", &self.proxy_username)
            .field("proxy_password", &self.proxy_password)
            .field("disable_https_check", &self.disable_https_check)
            .finish()
    }
}

impl Settings {
    /// `self` overridden, key by key, by the values `higher` sets.
    fn overlay(self, higher: Settings) -> Settings {
        Settings {
            org_url: higher.org_url.or(self.org_url),
            token: higher.token.or(self.token),
            authorization_mode: higher.authorization_mode.or(self.authorization_mode),
            client_id: higher.client_id.or(self.client_id),
            scopes: higher.scopes.or(self.scopes),
            private_key: higher.private_key.or(self.private_key),
            private_key_id: higher.private_key_id.or(self.private_key_id),
            max_retries: higher.max_retries.or(self.max_retries),
            max_backoff: higher.max_backoff.or(self.max_backoff),
            rate_limit_prevent: higher.rate_limit_prevent.or(self.rate_limit_prevent),
            request_timeout: higher.request_timeout.or(self.request_timeout),
            connection_timeout: higher.connection_timeout.or(self.connection_timeout),
            proxy_host: higher.proxy_host.or(self.proxy_host),
            proxy_port: higher.proxy_port.or(self.proxy_port),
            proxy_username: higher.proxy_username.or(self.proxy_username),
            proxy_password: higher.proxy_password.or(self.proxy_password),
            disable_https_check: higher.disable_https_check.or(self.disable_https_check),
        }
    }
}

/// Where configuration is loaded from: an environment, a home directory
/// and a working directory. [`ConfigSources::from_process`] reads the real
/// ones; tests build their own so they never mutate the process.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    env: BTreeMap<String, String>,
    home: Option<PathBuf>,
    cwd: Option<PathBuf>,
}

impl ConfigSources {
    /// No environment, no home, no working directory.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The process environment, `$HOME` (`%USERPROFILE%` on Windows) and the
    /// current directory.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .or_else(|| env.get("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let cwd = std::env::current_dir().ok();
        ConfigSources { env, home, cwd }
    }

    /// Sets one environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Replaces the whole environment.
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Sets the home directory (`~/.okta/okta.yaml` is read from it).
    pub fn home(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home = Some(dir.into());
        self
    }

    /// Sets the working directory (`./.okta/okta.yaml` or `./okta.yaml`).
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }
}

/// Builds a [`Client`]. Start from [`Client::builder`] (nothing loaded) or
/// [`ClientBuilder::from_env`] / [`ClientBuilder::from_sources`] (files and
/// environment loaded); values set on the builder win over loaded ones.
/// [`ClientBuilder::build`] validates everything and reports every problem
/// in one [`Error::Config`].
///
/// # TLS
///
/// The client speaks TLS 1.3 and 1.2 through rustls and verifies the
/// server with the platform's verifier and roots (plus any
/// [`add_root_certificates_pem`](Self::add_root_certificates_pem)); it
/// offers HTTP/2 (with the `http2` feature) and HTTP/1.1 by ALPN. The cryptography is the *ring*
/// provider, unless the application installed a process-default rustls
/// `CryptoProvider` (`CryptoProvider::install_default`) before
/// [`build`](Self::build): that one is then used. The client never
/// installs a process default itself, so the application remains free to
/// install its own later. (It cannot panic for want of a provider either,
/// as a bare `reqwest::Client` built with `rustls-no-provider` does.)
///
/// In PrivateKey mode the client assertion is signed with `jsonwebtoken`.
/// Its cryptography is process-wide too, and cannot be passed per call: the
/// first token request installs this crate's *ring*-backed `jsonwebtoken`
/// `CryptoProvider` (RS256 and ES256 only) if no provider is installed by
/// then. If your application uses `jsonwebtoken` itself, install its
/// provider at startup, before the first token request; this client then
/// signs with yours.
#[derive(Debug, Clone, Default)]
pub struct ClientBuilder {
    loaded: Settings,
    load_problems: Vec<String>,
    cwd: Option<PathBuf>,
    explicit: Settings,
    http_client: Option<reqwest::Client>,
    root_certificates: RootCertificatePems,
    default_headers: Vec<(String, String)>,
    user_agent_extra: Option<String>,
    retry_base_delay: Option<Duration>,
    token_refresh_margin: Option<Duration>,
    max_response_bytes: Option<usize>,
    project: ProjectFile,
    trust_project_org_url: bool,
}

/// What the project file (`./.okta/okta.yaml` or `./okta.yaml`) supplied
/// of the loaded settings: it lives in the working directory, so it may
/// come with an untrusted checkout.
#[derive(Debug, Clone, Default)]
struct ProjectFile {
    path: Option<PathBuf>,
    org_url: bool,
    token: bool,
    private_key: bool,
}

/// PEM texts given to [`ClientBuilder::add_root_certificates_pem`], parsed
/// at build time (so that a bad one is reported with the other problems).
#[derive(Clone, Default)]
struct RootCertificatePems(Vec<Vec<u8>>);

impl fmt::Debug for RootCertificatePems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} PEM text(s)", self.0.len())
    }
}

impl ClientBuilder {
    /// An empty builder: nothing loaded from files or the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder preloaded from `~/.okta/okta.yaml`, the project file and the
    /// process environment (the files with the `okta-yaml` feature; without
    /// it, a file that exists is reported by [`build`](Self::build)).
    pub fn from_env() -> Self {
        Self::from_sources(&ConfigSources::from_process())
    }

    /// A builder preloaded from the given sources.
    pub fn from_sources(sources: &ConfigSources) -> Self {
        let mut problems = Vec::new();
        let mut settings = Settings::default();
        if let Some(home) = &sources.home {
            let path = home.join(".okta").join("okta.yaml");
            settings = settings.overlay(load_yaml_file(&path, &mut problems));
        }
        let mut project_settings = Settings::default();
        let mut project_path = None;
        if let Some(cwd) = &sources.cwd {
            let dotted = cwd.join(".okta").join("okta.yaml");
            let path = if dotted.is_file() {
                dotted
            } else {
                cwd.join("okta.yaml")
            };
            project_settings = load_yaml_file(&path, &mut problems);
            project_path = Some(path);
        }
        settings = settings.overlay(project_settings.clone());
        let env = load_env(&sources.env, &mut problems);
        let project = ProjectFile {
            path: project_path,
            org_url: project_settings.org_url.is_some() && env.org_url.is_none(),
            token: project_settings.token.is_some() && env.token.is_none(),
            private_key: project_settings.private_key.is_some() && env.private_key.is_none(),
        };
        let trust = match sources.env.get(TRUST_PROJECT_ORG_URL_ENV).map(|v| v.trim()) {
            None | Some("") => false,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                problems.push(format!(
                    "{TRUST_PROJECT_ORG_URL_ENV}={v:?} is not true or false{}",
                    setter_hint(TRUST_PROJECT_ORG_URL_ENV)
                ));
                false
            }),
        };
        settings = settings.overlay(env);
        ClientBuilder {
            loaded: settings,
            load_problems: problems,
            cwd: sources.cwd.clone(),
            project,
            trust_project_org_url: trust,
            ..Self::default()
        }
    }

    /// Allows sending credentials that came from a trusted place (the
    /// builder, the environment, `~/.okta/okta.yaml`) to an org URL that
    /// came from the project file in the working directory. Off by
    /// default, because running in an untrusted checkout whose `okta.yaml`
    /// names another host would send your token there. The environment
    /// variable `OKTA_CLIENT_TRUSTPROJECTORGURL=true` does the same.
    pub fn trust_project_org_url(mut self, trust: bool) -> Self {
        self.trust_project_org_url = trust;
        self
    }

    /// The largest response body the client reads, decompressed (default
    /// 16 MiB; Okta's bodies are kilobytes). A larger one is refused with
    /// [`Error::BodyTooLarge`] without being held in memory.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// The org URL, for example `https://dev-123456.okta.com`. A path or
    /// trailing slash is dropped.
    pub fn org_url(mut self, url: impl Into<String>) -> Self {
        self.explicit.org_url = Some(url.into());
        self
    }

    /// An SSWS API token (sets the mode to [`AuthorizationMode::Ssws`]).
    pub fn api_token(mut self, token: impl Into<SecretString>) -> Self {
        self.explicit.token = Some(token.into());
        self.explicit.authorization_mode = Some("SSWS".into());
        self
    }

    /// A static OAuth access token (sets the mode to [`AuthorizationMode::Bearer`]).
    pub fn bearer_token(mut self, token: impl Into<SecretString>) -> Self {
        self.explicit.token = Some(token.into());
        self.explicit.authorization_mode = Some("Bearer".into());
        self
    }

    /// The token used by the SSWS and Bearer modes, without changing the mode.
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.explicit.token = Some(token.into());
        self
    }

    /// The authorization mode.
    pub fn authorization_mode(mut self, mode: AuthorizationMode) -> Self {
        self.explicit.authorization_mode = Some(
            match mode {
                AuthorizationMode::Ssws => "SSWS",
                AuthorizationMode::Bearer => "Bearer",
                AuthorizationMode::PrivateKey => "PrivateKey",
            }
            .into(),
        );
        self
    }

    /// OAuth 2.0 client credentials with a `private_key_jwt` assertion:
    /// the service app's client id, the scopes to request and the private
    /// key (PEM text, RSA or P-256 EC). Sets the mode to
    /// [`AuthorizationMode::PrivateKey`].
    pub fn private_key_auth(
        mut self,
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        private_key_pem: impl Into<SecretString>,
    ) -> Self {
        self.explicit.client_id = Some(client_id.into());
        self.explicit.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self.explicit.private_key = Some(private_key_pem.into());
        self.explicit.authorization_mode = Some("PrivateKey".into());
        self
    }

    /// The OAuth client id (PrivateKey mode).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.explicit.client_id = Some(client_id.into());
        self
    }

    /// The scopes requested with the access token (PrivateKey mode).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.explicit.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The private key, as PEM text or the path of a PEM file (PrivateKey mode).
    pub fn private_key(mut self, pem_or_path: impl Into<SecretString>) -> Self {
        self.explicit.private_key = Some(pem_or_path.into());
        self
    }

    /// The key id (`kid`) put in the client assertion's header.
    pub fn private_key_id(mut self, kid: impl Into<String>) -> Self {
        self.explicit.private_key_id = Some(kid.into());
        self
    }

    /// Retries after the first attempt (default 2; 0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.explicit.max_retries = Some(retries);
        self
    }

    /// The longest single wait between attempts (default 60 s). A 429
    /// asking for longer waits this long.
    pub fn max_backoff(mut self, cap: Duration) -> Self {
        self.explicit.max_backoff = Some(cap);
        self
    }

    /// Before sending, wait for the rate-limit window to reset when the
    /// last response for the same path template said `X-Rate-Limit-Remaining: 0`.
    pub fn throttle_on_exhausted_rate_limit(mut self, enable: bool) -> Self {
        self.explicit.rate_limit_prevent = Some(enable);
        self
    }

    /// Total deadline of a call, retries and waits included (default 120 s).
    /// `Duration::ZERO` disables it. Overridable per call with [`Call::timeout`](super::Call::timeout).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.request_timeout = Some(timeout);
        self
    }

    /// TCP/TLS connect timeout (default 30 s). Not applied to a
    /// caller-supplied [`reqwest::Client`], which keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.connection_timeout = Some(timeout);
        self
    }

    /// An HTTP proxy for all requests.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.explicit.proxy_host = Some(proxy.host);
        self.explicit.proxy_port = proxy.port;
        self.explicit.proxy_username = proxy.username;
        self.explicit.proxy_password = proxy.password;
        self
    }

    /// Allows an `http://` org URL. Only for tests against a loopback server
    /// (the Okta SDKs' `testing.disableHttpsCheck`).
    pub fn disable_https_check(mut self, disable: bool) -> Self {
        self.explicit.disable_https_check = Some(disable);
        self
    }

    /// Appended to the `User-Agent` after a space.
    pub fn user_agent_extra(mut self, extra: impl Into<String>) -> Self {
        self.user_agent_extra = Some(extra.into());
        self
    }

    /// A header sent with every request (validated at build; `Authorization`
    /// and `User-Agent` are refused, use the auth and user-agent settings).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Uses the caller's `reqwest::Client` (connection pool, TLS roots,
    /// middleware-free settings). The connect timeout, proxy and root
    /// certificate settings cannot be applied to it; setting a proxy or a
    /// root certificate with it is a configuration error.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Also trusts the CA certificates in `pem` (one or more
    /// `-----BEGIN CERTIFICATE-----` blocks), in addition to the platform's
    /// roots: for an org reached through a TLS-inspecting proxy or a
    /// private CA. May be called several times. A text without a
    /// certificate, or with a malformed one, is a configuration error at
    /// [`build`](Self::build).
    ///
    /// On Linux the platform's roots are the system store, which also
    /// honours the `SSL_CERT_FILE` and `SSL_CERT_DIR` environment variables.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.0.push(pem.as_ref().to_vec());
        self
    }

    /// Base of the exponential backoff (default 500 ms): retry `n` waits a
    /// random time between half and all of `base × 2^n`, capped by `max_backoff`.
    pub fn retry_base_delay(mut self, base: Duration) -> Self {
        self.retry_base_delay = Some(base);
        self
    }

    /// PrivateKey mode: an access token is renewed this long before it
    /// expires (default 60 s, at most half of its lifetime).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = Some(margin);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let resolved = self.resolve()?;
        Client::from_resolved(resolved)
    }

    pub(crate) fn resolve(self) -> Result<Resolved> {
        let mut problems = self.load_problems.clone();
        let s = self.loaded.clone().overlay(self.explicit.clone());
        let disable_https = s.disable_https_check.unwrap_or(false);

        let base_url = match &s.org_url {
            None => {
                problems.push("orgUrl is missing (set it with ClientBuilder::org_url, OKTA_CLIENT_ORGURL or okta.client.orgUrl)".into());
                None
            }
            Some(u) => match validate_org_url(u, disable_https) {
                Ok(url) => Some(url),
                Err(mut p) => {
                    problems.append(&mut p);
                    None
                }
            },
        };

        let mode = match s.authorization_mode.as_deref() {
            None => Some(AuthorizationMode::Ssws),
            Some(m) => match AuthorizationMode::parse(m) {
                Some(mode) => Some(mode),
                None => {
                    problems.push(format!(
                        "authorizationMode {m:?} must be one of: SSWS, Bearer, PrivateKey{}",
                        setter_hint("OKTA_CLIENT_AUTHORIZATIONMODE")
                    ));
                    None
                }
            },
        };

        let auth = match mode {
            Some(AuthorizationMode::Ssws) => {
                check_token(s.token.as_ref(), "API token", "api_token", &mut problems)
                    .map(AuthSpec::Ssws)
            }
            Some(AuthorizationMode::Bearer) => check_token(
                s.token.as_ref(),
                "access token",
                "bearer_token",
                &mut problems,
            )
            .map(AuthSpec::Bearer),
            Some(AuthorizationMode::PrivateKey) => {
                self.private_key_auth_spec(&s, base_url.as_ref(), &mut problems)
            }
            None => None,
        };

        if !self.trust_project_org_url && self.project.org_url && self.explicit.org_url.is_none() {
            let credential_from_project = match mode {
                Some(AuthorizationMode::PrivateKey) => {
                    self.project.private_key && self.explicit.private_key.is_none()
                }
                _ => self.project.token && self.explicit.token.is_none(),
            };
            if !credential_from_project {
                let file = self.project.path.as_deref().map_or_else(
                    || "the project okta.yaml".to_owned(),
                    |p| p.display().to_string(),
                );
                problems.push(format!(
                    "orgUrl comes from {file} in the working directory, but the credentials come from elsewhere (the environment or ~/.okta/okta.yaml); they are not sent to an org URL set by a project file. Set orgUrl where the credentials are (for example with ClientBuilder::org_url), or allow it with ClientBuilder::trust_project_org_url(true) or {TRUST_PROJECT_ORG_URL_ENV}=true"
                ));
            }
        }

        let mut default_headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                (Ok(n), Ok(v)) => {
                    if n == reqwest::header::AUTHORIZATION || n == reqwest::header::USER_AGENT {
                        problems.push(format!("default header {name:?} (ClientBuilder::default_header) is set by the client; use the auth settings (ClientBuilder::api_token, bearer_token or private_key_auth) or ClientBuilder::user_agent_extra"));
                    } else {
                        default_headers.append(n, v);
                    }
                }
                (Err(_), _) => problems.push(format!("default header name {name:?} (ClientBuilder::default_header) is not a valid header name")),
                (_, Err(_)) => problems.push(format!("default header {name:?} (ClientBuilder::default_header) has an invalid value (control characters such as CR or LF?)")),
            }
        }

        let mut user_agent = format!(
            "{} rust/{} {}/{}",
            super::SDK_PRODUCT,
            option_env!("OKTA_SDK_RUSTC_VERSION").unwrap_or("unknown"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        if let Some(extra) = self
            .user_agent_extra
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            user_agent.push(' ');
            user_agent.push_str(extra);
        }
        let user_agent = match HeaderValue::from_str(&user_agent) {
            Ok(v) => Some(v),
            Err(_) => {
                problems.push("the user-agent extra (ClientBuilder::user_agent_extra) contains characters not allowed in a header".into());
                None
            }
        };

        let (proxy, proxy_url) = match proxy_of(&s, &mut problems) {
            Some((p, u)) => (Some(p), Some(u)),
            None => (None, None),
        };
        if proxy.is_some() && self.http_client.is_some() {
            problems.push("proxy settings (ClientBuilder::proxy, OKTA_CLIENT_PROXY_* or okta.client.proxy) cannot be applied to a caller-supplied reqwest::Client (ClientBuilder::http_client); configure the proxy on that client".into());
        }
        let mut root_certificates: Vec<CertificateDer<'static>> = Vec::new();
        for pem in &self.root_certificates.0 {
            match super::tls::parse_root_certificates(pem) {
                Ok(mut certs) => root_certificates.append(&mut certs),
                Err(p) => problems.push(p),
            }
        }
        if !self.root_certificates.0.is_empty() && self.http_client.is_some() {
            problems.push("root certificates cannot be added to a caller-supplied reqwest::Client (ClientBuilder::http_client); add them to that client instead of using ClientBuilder::add_root_certificates_pem".into());
        }

        let request_timeout = s.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let connect_timeout = s.connection_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        if connect_timeout.is_zero() {
            problems.push("connectionTimeout must be greater than zero (ClientBuilder::connect_timeout, OKTA_CLIENT_CONNECTIONTIMEOUT or okta.client.connectionTimeout)".into());
        }

        match (problems.is_empty(), base_url, auth, user_agent) {
            (true, Some(base_url), Some(auth), Some(user_agent)) => Ok(Resolved {
                settings: ClientSettings {
                    org_url: base_url.as_str().trim_end_matches('/').to_owned(),
                    authorization_mode: mode.unwrap_or(AuthorizationMode::Ssws),
                    client_id: s
                        .client_id
                        .clone()
                        .filter(|_| mode == Some(AuthorizationMode::PrivateKey)),
                    scopes: if mode == Some(AuthorizationMode::PrivateKey) {
                        s.scopes.clone().unwrap_or_default()
                    } else {
                        Vec::new()
                    },
                    private_key_id: s
                        .private_key_id
                        .clone()
                        .filter(|_| mode == Some(AuthorizationMode::PrivateKey)),
                    max_retries: s.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
                    max_backoff: s.max_backoff.unwrap_or(DEFAULT_MAX_BACKOFF),
                    request_timeout: (!request_timeout.is_zero()).then_some(request_timeout),
                    connect_timeout,
                    throttle_on_exhausted_rate_limit: s.rate_limit_prevent.unwrap_or(false),
                    proxy: proxy_url,
                    max_response_bytes: self
                        .max_response_bytes
                        .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                    extra_root_certificates: root_certificates.len(),
                    https_check_disabled: disable_https,
                    user_agent: user_agent.to_str().unwrap_or_default().to_owned(),
                },
                base_url,
                auth,
                max_retries: s.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
                max_backoff: s.max_backoff.unwrap_or(DEFAULT_MAX_BACKOFF),
                retry_base_delay: self.retry_base_delay.unwrap_or(DEFAULT_RETRY_BASE_DELAY),
                rate_limit_prevent: s.rate_limit_prevent.unwrap_or(false),
                request_timeout: (!request_timeout.is_zero()).then_some(request_timeout),
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                connect_timeout,
                proxy,
                user_agent,
                default_headers,
                root_certificates,
                http_client: self.http_client,
            }),
            _ => {
                if problems.is_empty() {
                    problems.push("configuration incomplete".into());
                }
                Err(Error::Config { problems })
            }
        }
    }

    fn private_key_auth_spec(
        &self,
        s: &Settings,
        base_url: Option<&Url>,
        problems: &mut Vec<String>,
    ) -> Option<AuthSpec> {
        let client_id = match s.client_id.as_deref().map(str::trim) {
            None | Some("") => {
                problems.push("clientId is required for the PrivateKey authorization mode (ClientBuilder::private_key_auth or ClientBuilder::client_id, OKTA_CLIENT_CLIENTID or okta.client.clientId)".into());
                None
            }
            Some(id) if id.to_ascii_lowercase().contains("{clientid}") => {
                problems
                    .push("replace {clientId} with the client id of your Okta service app".into());
                None
            }
            Some(id) if id.contains(['\r', '\n']) => {
                problems.push("clientId must not contain CR or LF".into());
                None
            }
            Some(id) => Some(id.to_owned()),
        };
        let scopes: Vec<String> = s
            .scopes
            .iter()
            .flatten()
            .map(|x| x.trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect();
        if scopes.is_empty() {
            problems.push("scopes are required for the PrivateKey authorization mode, for example okta.identitySources.manage (ClientBuilder::private_key_auth or ClientBuilder::scopes, OKTA_CLIENT_SCOPES or okta.client.scopes)".into());
        }
        let key = match &s.private_key {
            None => {
                problems
                    .push("privateKey is required for the PrivateKey authorization mode (ClientBuilder::private_key_auth or ClientBuilder::private_key, OKTA_CLIENT_PRIVATEKEY or okta.client.privateKey)".into());
                None
            }
            Some(k) if k.is_blank() => {
                problems.push("privateKey is empty".into());
                None
            }
            // Bare base64 (PEM armour stripped): PKCS#8 first, then PKCS#1.
            Some(k) if is_bare_base64(k.expose().trim()) => {
                let b64 = k.expose().trim();
                match PrivateKeyAuth::parse_key(&armour(b64, "PRIVATE KEY"))
                    .or_else(|_| PrivateKeyAuth::parse_key(&armour(b64, "RSA PRIVATE KEY")))
                {
                    Ok(key) => Some(key),
                    Err(_) => {
                        problems.push("privateKey looks like base64 key material, but it is neither a PKCS#8 nor a PKCS#1 (RSA) private key; the value is not shown".into());
                        None
                    }
                }
            }
            Some(k) => match read_private_key(k, self.cwd.as_deref()) {
                Ok(pem) => match PrivateKeyAuth::parse_key(&pem) {
                    Ok(key) => Some(key),
                    Err(p) => {
                        problems.push(p);
                        None
                    }
                },
                Err(p) => {
                    problems.push(p);
                    None
                }
            },
        };
        let kid = s.private_key_id.clone().filter(|k| !k.trim().is_empty());
        let (client_id, key, base_url) = (client_id?, key?, base_url?);
        if scopes.is_empty() {
            return None;
        }
        Some(AuthSpec::PrivateKey(Box::new(PrivateKeyAuth::new(
            client_id,
            scopes,
            key,
            kid,
            base_url,
            self.token_refresh_margin.unwrap_or(Duration::from_secs(60)),
        ))))
    }
}

/// The effective, non-secret settings of a client, after every source was
/// applied (see [`Client::settings`]). Secrets (tokens, the private key, the
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

/// Everything validated, ready to construct a client.
pub(crate) struct Resolved {
    pub(crate) settings: ClientSettings,
    pub(crate) base_url: Url,
    pub(crate) auth: AuthSpec,
    pub(crate) max_retries: u32,
    pub(crate) max_backoff: Duration,
    pub(crate) retry_base_delay: Duration,
    pub(crate) rate_limit_prevent: bool,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) proxy: Option<reqwest::Proxy>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) root_certificates: Vec<CertificateDer<'static>>,
    pub(crate) http_client: Option<reqwest::Client>,
}

const ADMIN_SUFFIXES: &[&str] = &[
    "-admin.okta.com",
    "-admin.oktapreview.com",
    "-admin.okta-emea.com",
    "-admin.okta-gov.com",
    "-admin.okta.mil",
    "-admin.okta-miltest.com",
    "-admin.trex-govcloud.com",
];

/// Checks an org URL and reduces it to `scheme://host[:port]`.
pub(crate) fn validate_org_url(
    raw: &str,
    disable_https_check: bool,
) -> std::result::Result<Url, Vec<String>> {
    let mut problems = Vec::new();
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(vec!["orgUrl is empty".into()]);
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.contains("{youroktadomain}") {
        problems.push("replace {yourOktaDomain} in orgUrl with your Okta domain, for example https://dev-123456.okta.com".into());
        return Err(problems);
    }
    let url = match Url::parse(trimmed) {
        Ok(u) => u,
        Err(e) => {
            problems.push(format!("orgUrl {trimmed:?} is not a valid URL ({e}); expected for example https://dev-123456.okta.com"));
            return Err(problems);
        }
    };
    match url.scheme() {
        "https" => {}
        "http" if disable_https_check => {}
        "http" => problems.push(format!(
            "orgUrl must start with https:// (got {trimmed:?}); http is only allowed for tests against a local server, with ClientBuilder::disable_https_check(true), OKTA_TESTING_DISABLE_HTTPS_CHECK=true or okta.testing.testingDisableHttpsCheck: true"
        )),
        other => problems.push(format!("orgUrl must start with https:// (got scheme {other:?})")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        problems.push("orgUrl must not contain a user name or password".into());
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host.is_empty() {
        problems.push("orgUrl has no host".into());
    }
    if let Some(suffix) = ADMIN_SUFFIXES.iter().find(|s| host.ends_with(*s)) {
        problems.push(format!(
            "orgUrl host {host:?} is an Okta admin domain (…{suffix}); use the org domain without -admin"
        ));
    }
    if host.ends_with(".com.com") {
        problems.push(format!(
            "orgUrl host {host:?} ends with .com.com; remove the duplicated .com"
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut origin = url;
    origin.set_path("");
    origin.set_query(None);
    origin.set_fragment(None);
    Ok(origin)
}

/// Checks the token of the SSWS or Bearer mode; `setter` is the builder
/// method that sets it (for messages).
fn check_token(
    token: Option<&SecretString>,
    what: &str,
    setter: &str,
    problems: &mut Vec<String>,
) -> Option<SecretString> {
    let Some(token) = token else {
        problems.push(format!(
            "the {what} is missing (set it with ClientBuilder::{setter}, OKTA_CLIENT_TOKEN or okta.client.token)"
        ));
        return None;
    };
    let t = token.expose();
    if t.trim().is_empty() {
        problems.push(format!("the {what} is empty"));
        return None;
    }
    if t.to_ascii_lowercase().contains("{apitoken}") {
        problems.push(format!("replace {{apiToken}} with your Okta {what}"));
        return None;
    }
    if t.contains(['\r', '\n']) {
        problems.push(format!("the {what} must not contain CR or LF"));
        return None;
    }
    if HeaderValue::from_str(t.trim()).is_err() {
        problems.push(format!(
            "the {what} contains characters not allowed in a header"
        ));
        return None;
    }
    Some(SecretString::new(t.trim()))
}

fn proxy_of(s: &Settings, problems: &mut Vec<String>) -> Option<(reqwest::Proxy, String)> {
    let any = s.proxy_host.is_some()
        || s.proxy_port.is_some()
        || s.proxy_username.is_some()
        || s.proxy_password.is_some();
    if !any {
        return None;
    }
    let Some(host) = s
        .proxy_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        problems.push("proxy host is required when other proxy settings are given (Proxy::host in ClientBuilder::proxy, OKTA_CLIENT_PROXY_HOST or okta.client.proxy.host)".into());
        return None;
    };
    if s.proxy_port == Some(0) {
        problems.push(
            "proxy port (Proxy::port in ClientBuilder::proxy) must be between 1 and 65535".into(),
        );
        return None;
    }
    let raw = if host.contains("://") {
        host.to_owned()
    } else {
        format!("http://{host}")
    };
    // Credentials inside the URL (`http://user:pass@proxy:3128`) are taken
    // out: they become proxy authentication and never appear in messages
    // or in `ClientSettings::proxy`.
    let mut parsed = match Url::parse(&raw) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => u,
        Ok(_) | Err(_) => {
            problems.push(format!(
                "proxy {:?} is not a valid proxy URL (expected for example http://proxy.local:3128)",
                redact_userinfo(&raw)
            ));
            return None;
        }
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let url_user = (!parsed.username().is_empty()).then(|| decode(parsed.username()));
    let url_password = parsed.password().map(decode);
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if let Some(port) = s.proxy_port {
        let _ = parsed.set_port(Some(port));
    }
    let url = parsed.as_str().trim_end_matches('/').to_owned();
    let mut proxy = match reqwest::Proxy::all(&url) {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("proxy {url:?} is not a valid proxy URL ({e})"));
            return None;
        }
    };
    let (user, password) = match (url_user, url_password) {
        (None, None) => (
            s.proxy_username.clone(),
            s.proxy_password.as_ref().map(|p| p.expose().to_owned()),
        ),
        (u, p) if s.proxy_username.is_some() || s.proxy_password.is_some() => {
            let _ = (u, p);
            problems.push("proxy credentials are given both inside the proxy URL and as username/password; give them once".into());
            return None;
        }
        (u, p) => (Some(u.unwrap_or_default()), Some(p.unwrap_or_default())),
    };
    match (user, password) {
        (Some(u), Some(p)) => proxy = proxy.basic_auth(&u, &p),
        (None, None) => {}
        _ => {
            problems.push("proxy username and password must be given together".into());
            return None;
        }
    }
    Some((proxy, url))
}

/// `text` with anything between `://` and the next `@` replaced by `***`.
fn redact_userinfo(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &text[..scheme + 3], &text[at..])
        }
        (None, Some(at)) => format!("***{}", &text[at..]),
        _ => text.to_owned(),
    }
}

/// Whether `v` looks like a key's DER in bare base64 (PEM armour removed,
/// as some secret stores keep keys): long, and only base64 characters.
fn is_bare_base64(v: &str) -> bool {
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 64
        && compact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        && !compact.trim_end_matches('=').contains('=')
}

/// Wraps bare base64 in PEM armour with `label`.
fn armour(base64: &str, label: &str) -> SecretString {
    let compact: String = base64.chars().filter(|c| !c.is_whitespace()).collect();
    let mut body = String::new();
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 64 == 0 {
            body.push('\n');
        }
        body.push(c);
    }
    SecretString::new(format!(
        "-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
    ))
}

fn read_private_key(
    value: &SecretString,
    cwd: Option<&Path>,
) -> std::result::Result<SecretString, String> {
    let v = value.expose().trim();
    if v.contains("-----BEGIN") {
        return Ok(SecretString::new(v));
    }
    if v.starts_with('{') {
        return Err(
            "privateKey: JWK private keys are not supported; give a PEM (PKCS#1 or PKCS#8) key"
                .into(),
        );
    }

    let mut path = PathBuf::from(v);
    if path.is_relative()
        && let Some(cwd) = cwd
    {
        path = cwd.join(path);
    }
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains("-----BEGIN") => Ok(SecretString::new(text)),
        Ok(_) => Err(format!(
            "privateKey file {} does not contain a PEM key",
            path.display()
        )),
        // The value is not shown: it may be key material rather than a path.
        Err(e) => Err(format!(
            "privateKey is neither PEM text, nor base64 key material, nor the path of a readable file ({}); the value is not shown",
            e.kind()
        )),
    }
}

// ---------------------------------------------------------------- loading

fn load_env(env: &BTreeMap<String, String>, problems: &mut Vec<String>) -> Settings {
    let get = |names: &[&str]| -> Option<(String, String)> {
        names.iter().find_map(|n| {
            env.get(*n)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| ((*n).to_owned(), v.to_owned()))
        })
    };
    let string = |names: &[&str]| get(names).map(|(_, v)| v);
    let mut number = |names: &[&str]| -> Option<u64> {
        let (name, v) = get(names)?;
        match v.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(format!(
                    "{name}={v:?} is not a whole non-negative number{}",
                    setter_hint(&name)
                ));
                None
            }
        }
    };
    let max_retries = number(&[
        "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
        "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES",
    ]);
    let max_backoff = number(&[
        "OKTA_CLIENT_RATELIMIT_MAXBACKOFF",
        "OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF",
    ]);
    let request_timeout = number(&["OKTA_CLIENT_REQUESTTIMEOUT", "OKTA_CLIENT_REQUEST_TIMEOUT"]);
    let connection_timeout = number(&[
        "OKTA_CLIENT_CONNECTIONTIMEOUT",
        "OKTA_CLIENT_CONNECTION_TIMEOUT",
    ]);
    let proxy_port = number(&["OKTA_CLIENT_PROXY_PORT"]);
    let mut boolean = |names: &[&str]| -> Option<bool> {
        let (name, v) = get(names)?;
        match parse_bool(&v) {
            Some(b) => Some(b),
            None => {
                problems.push(format!(
                    "{name}={v:?} is not true or false{}",
                    setter_hint(&name)
                ));
                None
            }
        }
    };
    let disable_https_check = boolean(&[
        "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK",
        "OKTA_TESTING_DISABLE_HTTPS_CHECK",
    ]);
    let rate_limit_prevent = boolean(&[
        "OKTA_CLIENT_RATELIMIT_ENABLE",
        "OKTA_CLIENT_RATE_LIMIT_ENABLE",
    ]);
    Settings {
        org_url: string(&["OKTA_CLIENT_ORGURL"]),
        token: string(&["OKTA_CLIENT_TOKEN"]).map(SecretString::new),
        authorization_mode: string(&["OKTA_CLIENT_AUTHORIZATIONMODE"]),
        client_id: string(&["OKTA_CLIENT_CLIENTID"]),
        scopes: string(&["OKTA_CLIENT_SCOPES"]).map(|s| split_scopes(&s)),
        private_key: string(&["OKTA_CLIENT_PRIVATEKEY"]).map(SecretString::new),
        private_key_id: string(&["OKTA_CLIENT_PRIVATEKEYID"]),
        max_retries: max_retries
            .and_then(|n| to_u32(n, "OKTA_CLIENT_RATELIMIT_MAXRETRIES", problems)),
        max_backoff: max_backoff.map(Duration::from_secs),
        rate_limit_prevent,
        request_timeout: request_timeout.map(Duration::from_secs),
        connection_timeout: connection_timeout.map(Duration::from_secs),
        proxy_host: string(&["OKTA_CLIENT_PROXY_HOST"]),
        proxy_port: proxy_port.and_then(|p| to_port(p, "OKTA_CLIENT_PROXY_PORT", problems)),
        proxy_username: string(&["OKTA_CLIENT_PROXY_USERNAME"]),
        proxy_password: string(&["OKTA_CLIENT_PROXY_PASSWORD"]).map(SecretString::new),
        disable_https_check,
    }
}

/// Each setting the environment or `okta.yaml` can give, with the builder
/// method that sets it in code: environment variables, `okta.yaml` keys
/// (paths), method.
const SETTERS: &[(&[&str], &[&str], &str)] = &[
    (
        &["OKTA_CLIENT_ORGURL"],
        &["okta.client.orgUrl"],
        "ClientBuilder::org_url",
    ),
    (
        &["OKTA_CLIENT_TOKEN"],
        &["okta.client.token"],
        "ClientBuilder::api_token or ClientBuilder::bearer_token",
    ),
    (
        &["OKTA_CLIENT_AUTHORIZATIONMODE"],
        &["okta.client.authorizationMode"],
        "ClientBuilder::authorization_mode",
    ),
    (
        &["OKTA_CLIENT_CLIENTID"],
        &["okta.client.clientId"],
        "ClientBuilder::client_id",
    ),
    (
        &["OKTA_CLIENT_SCOPES"],
        &["okta.client.scopes"],
        "ClientBuilder::scopes",
    ),
    (
        &["OKTA_CLIENT_PRIVATEKEY"],
        &["okta.client.privateKey"],
        "ClientBuilder::private_key",
    ),
    (
        &["OKTA_CLIENT_PRIVATEKEYID"],
        &["okta.client.privateKeyId", "okta.client.kid"],
        "ClientBuilder::private_key_id",
    ),
    (
        &[
            "OKTA_CLIENT_RATELIMIT_MAXRETRIES",
            "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES",
        ],
        &["okta.client.rateLimit.maxRetries"],
        "ClientBuilder::max_retries",
    ),
    (
        &[
            "OKTA_CLIENT_RATELIMIT_MAXBACKOFF",
            "OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF",
        ],
        &["okta.client.rateLimit.maxBackoff"],
        "ClientBuilder::max_backoff",
    ),
    (
        &[
            "OKTA_CLIENT_RATELIMIT_ENABLE",
            "OKTA_CLIENT_RATE_LIMIT_ENABLE",
        ],
        &["okta.client.rateLimit.enable"],
        "ClientBuilder::throttle_on_exhausted_rate_limit",
    ),
    (
        &["OKTA_CLIENT_REQUESTTIMEOUT", "OKTA_CLIENT_REQUEST_TIMEOUT"],
        &["okta.client.requestTimeout"],
        "ClientBuilder::request_timeout",
    ),
    (
        &[
            "OKTA_CLIENT_CONNECTIONTIMEOUT",
            "OKTA_CLIENT_CONNECTION_TIMEOUT",
        ],
        &["okta.client.connectionTimeout"],
        "ClientBuilder::connect_timeout",
    ),
    (
        &[
            "OKTA_CLIENT_PROXY_HOST",
            "OKTA_CLIENT_PROXY_PORT",
            "OKTA_CLIENT_PROXY_USERNAME",
            "OKTA_CLIENT_PROXY_PASSWORD",
        ],
        &[
            "okta.client.proxy.host",
            "okta.client.proxy.port",
            "okta.client.proxy.username",
            "okta.client.proxy.password",
        ],
        "ClientBuilder::proxy",
    ),
    (
        &[
            "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK",
            "OKTA_TESTING_DISABLE_HTTPS_CHECK",
        ],
        &[
            "okta.testing.testingDisableHttpsCheck",
            "okta.testing.disableHttpsCheck",
        ],
        "ClientBuilder::disable_https_check",
    ),
    (
        &[TRUST_PROJECT_ORG_URL_ENV],
        &[],
        "ClientBuilder::trust_project_org_url",
    ),
];

/// ` (in code: ClientBuilder::…)` for a message about an environment
/// variable or an `okta.yaml` key (`okta.client.requestTimeout`, possibly
/// after the file's name), or nothing when no builder method sets it.
fn setter_hint(setting: &str) -> String {
    SETTERS
        .iter()
        .find(|(env, yaml, _)| {
            env.contains(&setting) || yaml.iter().any(|key| setting.ends_with(key))
        })
        .map(|(_, _, method)| format!(" (in code: {method})"))
        .unwrap_or_default()
}

fn to_u32(n: u64, name: &str, problems: &mut Vec<String>) -> Option<u32> {
    match u32::try_from(n) {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(format!("{name} is too large{}", setter_hint(name)));
            None
        }
    }
}

fn to_port(n: u64, name: &str, problems: &mut Vec<String>) -> Option<u16> {
    match u16::try_from(n) {
        Ok(v) if v > 0 => Some(v),
        _ => {
            problems.push(format!(
                "{name} must be between 1 and 65535{}",
                setter_hint(name)
            ));
            None
        }
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn load_yaml_file(path: &Path, problems: &mut Vec<String>) -> Settings {
    let meta = match std::fs::metadata(path) {
        Ok(m) if m.is_file() => m,
        _ => return Settings::default(),
    };
    if meta.len() > MAX_YAML_BYTES {
        problems.push(format!("{}: larger than 1 MiB, not read", path.display()));
        return Settings::default();
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{}: cannot be read ({e})", path.display()));
            return Settings::default();
        }
    };
    parse_yaml(&text, &path.display().to_string(), problems)
}

/// The nesting depth of a YAML text, over-estimated cheaply and in linear
/// time: indentation levels plus flow brackets plus `- ` sequence starts.
/// The YAML parser's time grows with the square of a deep document's
/// size, so a deep one is refused before it is parsed.
#[cfg(feature = "okta-yaml")]
fn yaml_depth(text: &str) -> usize {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut deepest = 0usize;
    for line in text.lines() {
        let content = line.trim_start_matches([' ', '\t']);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        while indents.last().is_some_and(|top| *top >= indent) {
            indents.pop();
        }
        indents.push(indent);
        let dashes = content.split(' ').take_while(|t| *t == "-").count();
        let mut line_flow = flow;
        let mut line_max = flow;
        for b in content.bytes() {
            match b {
                b'[' | b'{' => {
                    line_flow += 1;
                    line_max = line_max.max(line_flow);
                }
                b']' | b'}' => line_flow = line_flow.saturating_sub(1),
                _ => {}
            }
        }
        flow = line_flow;
        deepest = deepest.max(indents.len() + dashes + line_max);
    }
    deepest
}

/// Without the `okta-yaml` feature a file that is there is a problem, so
/// that settings the user wrote in it are never silently missing.
#[cfg(not(feature = "okta-yaml"))]
fn parse_yaml(_text: &str, origin: &str, problems: &mut Vec<String>) -> Settings {
    problems.push(format!(
        "{origin}: not read: okta.yaml files are read with the `okta-yaml` feature of okta-identity-source, which this build does not enable; enable it, or give these settings in the environment or with ClientBuilder (ConfigSources::empty().envs(std::env::vars()) with ClientBuilder::from_sources reads no file)"
    ));
    Settings::default()
}

#[cfg(feature = "okta-yaml")]
fn parse_yaml(text: &str, origin: &str, problems: &mut Vec<String>) -> Settings {
    use serde_yaml::Value;
    let depth = yaml_depth(text);
    if depth > MAX_YAML_DEPTH {
        problems.push(format!(
            "{origin}: nested about {depth} levels deep; an okta.yaml has four (at most {MAX_YAML_DEPTH} are read), not read"
        ));
        return Settings::default();
    }
    let root: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{origin}: not valid YAML ({e})"));
            return Settings::default();
        }
    };
    if root.is_null() {
        return Settings::default();
    }
    let okta = root.get("okta");
    let client = okta.and_then(|o| o.get("client"));
    let testing = okta.and_then(|o| o.get("testing"));
    let mut y = YamlReader { origin, problems };
    let Some(client) = client else {
        if okta.is_none() {
            y.problems
                .push(format!("{origin}: no `okta.client` section"));
        }
        return Settings {
            disable_https_check: testing.and_then(|t| {
                y.boolean(
                    t,
                    &["testingDisableHttpsCheck", "disableHttpsCheck"],
                    "okta.testing",
                )
            }),
            ..Settings::default()
        };
    };
    let rate_limit = client.get("rateLimit");
    let proxy = client.get("proxy");
    let c = "okta.client";
    Settings {
        org_url: y.string(client, &["orgUrl"], c),
        token: y.string(client, &["token"], c).map(SecretString::new),
        authorization_mode: y.string(client, &["authorizationMode"], c),
        client_id: y.string(client, &["clientId"], c),
        scopes: y.list(client, "scopes", c),
        private_key: y.string(client, &["privateKey"], c).map(SecretString::new),
        private_key_id: y.string(client, &["privateKeyId", "kid"], c),
        max_retries: rate_limit
            .and_then(|r| y.number(r, &["maxRetries"], "okta.client.rateLimit"))
            .and_then(|n| {
                to_u32(
                    n,
                    &format!("{origin}: okta.client.rateLimit.maxRetries"),
                    y.problems,
                )
            }),
        max_backoff: rate_limit
            .and_then(|r| y.number(r, &["maxBackoff"], "okta.client.rateLimit"))
            .map(Duration::from_secs),
        rate_limit_prevent: rate_limit
            .and_then(|r| y.boolean(r, &["enable"], "okta.client.rateLimit")),
        request_timeout: y
            .number(client, &["requestTimeout"], c)
            .map(Duration::from_secs),
        connection_timeout: y
            .number(client, &["connectionTimeout"], c)
            .map(Duration::from_secs),
        proxy_host: proxy.and_then(|p| y.string(p, &["host"], "okta.client.proxy")),
        proxy_port: proxy
            .and_then(|p| y.number(p, &["port"], "okta.client.proxy"))
            .and_then(|n| to_port(n, &format!("{origin}: okta.client.proxy.port"), y.problems)),
        proxy_username: proxy.and_then(|p| y.string(p, &["username"], "okta.client.proxy")),
        proxy_password: proxy
            .and_then(|p| y.string(p, &["password"], "okta.client.proxy"))
            .map(SecretString::new),
        disable_https_check: testing.and_then(|t| {
            y.boolean(
                t,
                &["testingDisableHttpsCheck", "disableHttpsCheck"],
                "okta.testing",
            )
        }),
    }
}

#[cfg(feature = "okta-yaml")]
struct YamlReader<'a> {
    origin: &'a str,
    problems: &'a mut Vec<String>,
}

#[cfg(feature = "okta-yaml")]
impl YamlReader<'_> {
    fn find<'v>(
        &self,
        map: &'v serde_yaml::Value,
        keys: &[&str],
    ) -> Option<(String, &'v serde_yaml::Value)> {
        keys.iter().find_map(|k| {
            map.get(*k)
                .filter(|v| !v.is_null())
                .map(|v| ((*k).to_owned(), v))
        })
    }

    fn string(&mut self, map: &serde_yaml::Value, keys: &[&str], at: &str) -> Option<String> {
        use serde_yaml::Value;
        let (key, v) = self.find(map, keys)?;
        match v {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.problems.push(format!(
                    "{}: {at}.{key} must be a string{}",
                    self.origin,
                    setter_hint(&format!("{at}.{key}"))
                ));
                None
            }
        }
    }

    fn number(&mut self, map: &serde_yaml::Value, keys: &[&str], at: &str) -> Option<u64> {
        use serde_yaml::Value;
        let (key, v) = self.find(map, keys)?;
        let parsed = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.problems.push(format!(
                "{}: {at}.{key} must be a whole non-negative number{}",
                self.origin,
                setter_hint(&format!("{at}.{key}"))
            ));
        }
        parsed
    }

    fn boolean(&mut self, map: &serde_yaml::Value, keys: &[&str], at: &str) -> Option<bool> {
        use serde_yaml::Value;
        let (key, v) = self.find(map, keys)?;
        let parsed = match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) => parse_bool(s),
            _ => None,
        };
        if parsed.is_none() {
            self.problems.push(format!(
                "{}: {at}.{key} must be true or false{}",
                self.origin,
                setter_hint(&format!("{at}.{key}"))
            ));
        }
        parsed
    }

    fn list(&mut self, map: &serde_yaml::Value, key: &str, at: &str) -> Option<Vec<String>> {
        use serde_yaml::Value;
        let (key, v) = self.find(map, &[key])?;
        match v {
            Value::String(s) => Some(split_scopes(s)),
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.trim().to_owned()),
                        _ => {
                            self.problems.push(format!(
                                "{}: {at}.{key} entries must be strings{}",
                                self.origin,
                                setter_hint(&format!("{at}.{key}"))
                            ));
                            return None;
                        }
                    }
                }
                Some(out)
            }
            _ => {
                self.problems.push(format!(
                    "{}: {at}.{key} must be a list or a comma-separated string{}",
                    self.origin,
                    setter_hint(&format!("{at}.{key}"))
                ));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_url_table() {
        let ok = [
            ("https://dev-1.okta.com", false, "https://dev-1.okta.com/"),
            ("https://dev-1.okta.com/", false, "https://dev-1.okta.com/"),
            (
                "  https://dev-1.okta.com/some/path?x=1#f ",
                false,
                "https://dev-1.okta.com/",
            ),
            (
                "https://dev-1.okta.com:8443/",
                false,
                "https://dev-1.okta.com:8443/",
            ),
            ("http://127.0.0.1:8080/", true, "http://127.0.0.1:8080/"),
            (
                "https://my-admin-portal.example.com",
                false,
                "https://my-admin-portal.example.com/",
            ),
            ("https://id.example.com", false, "https://id.example.com/"),
        ];
        for (input, disable, want) in ok {
            let got = validate_org_url(input, disable).map(|u| u.to_string());
            assert_eq!(got.as_deref().ok(), Some(want), "{input}");
        }
        let bad = [
            ("http://dev-1.okta.com", false, "https://"),
            ("ftp://dev-1.okta.com", true, "https://"),
            ("https://{yourOktaDomain}", false, "{yourOktaDomain}"),
            (
                "https://{YOUROKTADOMAIN}.okta.com",
                false,
                "{yourOktaDomain}",
            ),
            ("https://dev-1-admin.okta.com", false, "admin"),
            ("https://dev-1-admin.oktapreview.com/", false, "admin"),
            ("https://dev-1-admin.okta-emea.com", false, "admin"),
            ("https://DEV-1-ADMIN.OKTA.COM", false, "admin"),
            ("https://dev-1.okta.com.com", false, ".com.com"),
            ("https://user:pw@dev-1.okta.com", false, "user name"),
            ("dev-1.okta.com", false, "not a valid URL"),
            ("", false, "empty"),
        ];
        for (input, disable, needle) in bad {
            match validate_org_url(input, disable) {
                Ok(u) => panic!("{input:?} accepted as {u}"),
                Err(p) => assert!(p.join(" ").contains(needle), "{input:?}: {p:?}"),
            }
        }
        // several problems at once
        let p = validate_org_url("http://x-admin.okta.com", false)
            .err()
            .unwrap_or_default();
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn token_table() {
        let cases: [(&str, Option<&str>); 7] = [
            ("00abc", None),
            ("  00abc  ", None),
            ("", Some("empty")),
            ("   ", Some("empty")),
            ("{apiToken}", Some("{apiToken}")),
            ("abc\r\nX-Evil: 1", Some("CR or LF")),
            ("abc\u{7}", Some("not allowed")),
        ];
        for (token, want) in cases {
            let mut problems = Vec::new();
            let got = check_token(
                Some(&SecretString::new(token)),
                "API token",
                "api_token",
                &mut problems,
            );
            match want {
                None => {
                    assert!(problems.is_empty(), "{token:?}: {problems:?}");
                    assert_eq!(got.map(|t| t.expose().to_owned()).as_deref(), Some("00abc"));
                }
                Some(needle) => {
                    assert!(got.is_none());
                    assert!(
                        problems.join(" ").contains(needle),
                        "{token:?}: {problems:?}"
                    );
                }
            }
        }
        let mut problems = Vec::new();
        assert!(check_token(None, "API token", "api_token", &mut problems).is_none());
        assert!(problems[0].contains("missing"));
    }

    #[test]
    fn env_numbers_are_parsed_not_crashed_on() {
        let env = BTreeMap::from([
            (
                "OKTA_CLIENT_RATELIMIT_MAXRETRIES".to_owned(),
                "3".to_owned(),
            ),
            ("OKTA_CLIENT_REQUEST_TIMEOUT".to_owned(), "5".to_owned()),
            (
                "OKTA_CLIENT_CONNECTIONTIMEOUT".to_owned(),
                "soon".to_owned(),
            ),
            (
                "OKTA_CLIENT_SCOPES".to_owned(),
                "a.read, b.manage c".to_owned(),
            ),
            (
                "OKTA_TESTING_DISABLE_HTTPS_CHECK".to_owned(),
                "true".to_owned(),
            ),
        ]);
        let mut problems = Vec::new();
        let s = load_env(&env, &mut problems);
        assert_eq!(s.max_retries, Some(3));
        assert_eq!(s.request_timeout, Some(Duration::from_secs(5)));
        assert_eq!(s.connection_timeout, None);
        assert_eq!(
            s.scopes,
            Some(vec!["a.read".into(), "b.manage".into(), "c".into()])
        );
        assert_eq!(s.disable_https_check, Some(true));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("OKTA_CLIENT_CONNECTIONTIMEOUT"));
    }

    #[test]
    fn python_spelling_wins_over_go_spelling() {
        let env = BTreeMap::from([
            (
                "OKTA_CLIENT_RATELIMIT_MAXRETRIES".to_owned(),
                "4".to_owned(),
            ),
            (
                "OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES".to_owned(),
                "9".to_owned(),
            ),
            ("OKTA_CLIENT_CONNECTION_TIMEOUT".to_owned(), "7".to_owned()),
        ]);
        let s = load_env(&env, &mut Vec::new());
        assert_eq!(s.max_retries, Some(4));
        assert_eq!(s.connection_timeout, Some(Duration::from_secs(7)));
    }

    #[cfg(not(feature = "okta-yaml"))]
    #[test]
    fn an_okta_yaml_file_without_the_feature_is_a_problem_naming_it() {
        // std only: the runtime's unit tests also run in standalone copies.
        let home = std::env::temp_dir().join(format!("okta-yaml-off-{}", std::process::id()));
        std::fs::create_dir_all(home.join(".okta")).expect("mkdir");
        std::fs::write(
            home.join(".okta").join("okta.yaml"),
            "okta:\n  client:\n    requestTimeout: 5\n",
        )
        .expect("write");
        let env = ConfigSources::empty()
            .env("OKTA_CLIENT_ORGURL", "https://dev-1.okta.com")
            .env(
                "OKTA_CLIENT_TOKEN",
                "00abcdefghijklmnopqrstuvwxyz0123456789AB",
            );
        let err = ClientBuilder::from_sources(&env.clone().home(&home))
            .build()
            .expect_err("a file that cannot be read is not skipped");
        let _ = std::fs::remove_dir_all(&home);
        let text = err.to_string();
        assert!(
            text.contains("okta.yaml: not read") && text.contains("`okta-yaml` feature"),
            "{text}"
        );
        // Sources without a home or working directory look for no file.
        ClientBuilder::from_sources(&env)
            .build()
            .expect("environment alone");
    }

    #[cfg(feature = "okta-yaml")]
    #[test]
    fn yaml_layout() {
        let text = r#"
okta:
  client:
    orgUrl: https://y.okta.com
    authorizationMode: PrivateKey
    clientId: 0oa1
    scopes: [okta.identitySources.read, okta.identitySources.manage]
    privateKeyId: kid-1
    requestTimeout: "15"
    connectionTimeout: 4
    rateLimit:
      maxRetries: 5
      maxBackoff: 9
      enable: true
    proxy:
      host: proxy.local
      port: 3128
  testing:
    testingDisableHttpsCheck: true
"#;
        let mut problems = Vec::new();
        let s = parse_yaml(text, "t.yaml", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.org_url.as_deref(), Some("https://y.okta.com"));
        assert_eq!(s.authorization_mode.as_deref(), Some("PrivateKey"));
        assert_eq!(s.scopes.as_ref().map(Vec::len), Some(2));
        assert_eq!(s.private_key_id.as_deref(), Some("kid-1"));
        assert_eq!(s.request_timeout, Some(Duration::from_secs(15)));
        assert_eq!(s.connection_timeout, Some(Duration::from_secs(4)));
        assert_eq!(s.max_retries, Some(5));
        assert_eq!(s.max_backoff, Some(Duration::from_secs(9)));
        assert_eq!(s.rate_limit_prevent, Some(true));
        assert_eq!(s.proxy_host.as_deref(), Some("proxy.local"));
        assert_eq!(s.proxy_port, Some(3128));
        assert_eq!(s.disable_https_check, Some(true));
    }

    #[cfg(feature = "okta-yaml")]
    #[test]
    fn yaml_problems_are_reported() {
        let mut problems = Vec::new();
        parse_yaml("okta: [", "bad.yaml", &mut problems);
        assert!(
            problems[0].starts_with("bad.yaml: not valid YAML"),
            "{problems:?}"
        );
        let mut problems = Vec::new();
        let s = parse_yaml(
            "okta:\n  client:\n    requestTimeout: soon\n    orgUrl: [1]\n",
            "x.yaml",
            &mut problems,
        );
        assert_eq!(s.request_timeout, None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let mut problems = Vec::new();
        parse_yaml("other: 1\n", "x.yaml", &mut problems);
        assert!(problems[0].contains("okta.client"));
    }

    #[test]
    fn config_error_lists_every_problem() {
        let err = ClientBuilder::new()
            .org_url("http://dev-1-admin.okta.com.com")
            .api_token("{apiToken}")
            .default_header("X-Bad", "a\nb")
            .proxy(Proxy {
                host: String::new(),
                port: Some(8080),
                ..Proxy::default()
            })
            .build();
        let Err(Error::Config { problems }) = err else {
            panic!("expected a config error")
        };
        let all = problems.join("\n");
        for needle in [
            "https://",
            "admin",
            ".com.com",
            "{apiToken}",
            "X-Bad",
            "proxy host",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in {all}");
        }
    }

    #[test]
    fn modes_and_private_key_requirements() {
        let Err(Error::Config { problems }) = ClientBuilder::new()
            .org_url("https://dev-1.okta.com")
            .authorization_mode(AuthorizationMode::PrivateKey)
            .build()
        else {
            panic!("expected a config error")
        };
        let all = problems.join("\n");
        for needle in ["clientId", "scopes", "privateKey"] {
            assert!(all.contains(needle), "missing {needle:?} in {all}");
        }
        let mut sources = ConfigSources::empty()
            .env("OKTA_CLIENT_ORGURL", "https://dev-1.okta.com")
            .env("OKTA_CLIENT_AUTHORIZATIONMODE", "Basic");
        let Err(Error::Config { problems }) = ClientBuilder::from_sources(&sources).build() else {
            panic!("expected a config error")
        };
        assert!(
            problems.join(" ").contains("must be one of"),
            "{problems:?}"
        );
        sources = sources
            .env("OKTA_CLIENT_AUTHORIZATIONMODE", "bearer")
            .env("OKTA_CLIENT_TOKEN", "tok");
        assert!(ClientBuilder::from_sources(&sources).build().is_ok());
    }

    /// Every configuration error that a builder method fixes names the
    /// method next to the environment variable and the `okta.yaml` key.
    #[test]
    fn messages_name_the_builder_method_that_fixes_them() {
        fn problems_of(builder: ClientBuilder) -> String {
            match builder.build() {
                Err(Error::Config { problems }) => problems.join("\n"),
                Err(other) => panic!("expected a config error, got {other}"),
                Ok(_) => panic!("expected a config error, the client built"),
            }
        }
        fn from_env(vars: &[(&str, &str)]) -> ClientBuilder {
            let mut sources = ConfigSources::empty();
            for (k, v) in vars {
                sources = sources.env(*k, *v);
            }
            ClientBuilder::from_sources(&sources)
        }
        let https = "https://dev-1.okta.com";
        let http_client = || {
            crate::runtime::testing::reqwest_client_builder()
                .build()
                .unwrap_or_else(|e| panic!("reqwest client: {e}"))
        };
        let cases: Vec<(&str, ClientBuilder, &[&str])> = vec![
            (
                "http org URL",
                ClientBuilder::new()
                    .org_url("http://127.0.0.1:8080")
                    .api_token("t"),
                &[
                    "ClientBuilder::disable_https_check(true)",
                    "OKTA_TESTING_DISABLE_HTTPS_CHECK=true",
                    "okta.testing.testingDisableHttpsCheck",
                ],
            ),
            (
                "no org URL",
                ClientBuilder::new().api_token("t"),
                &[
                    "ClientBuilder::org_url",
                    "OKTA_CLIENT_ORGURL",
                    "okta.client.orgUrl",
                ],
            ),
            (
                "no API token",
                ClientBuilder::new().org_url(https),
                &[
                    "ClientBuilder::api_token",
                    "OKTA_CLIENT_TOKEN",
                    "okta.client.token",
                ],
            ),
            (
                "no access token",
                ClientBuilder::new()
                    .org_url(https)
                    .authorization_mode(AuthorizationMode::Bearer),
                &["ClientBuilder::bearer_token", "OKTA_CLIENT_TOKEN"],
            ),
            (
                "unknown authorization mode",
                from_env(&[
                    ("OKTA_CLIENT_ORGURL", https),
                    ("OKTA_CLIENT_AUTHORIZATIONMODE", "Basic"),
                ]),
                &["must be one of", "ClientBuilder::authorization_mode"],
            ),
            (
                "PrivateKey without anything",
                ClientBuilder::new()
                    .org_url(https)
                    .authorization_mode(AuthorizationMode::PrivateKey),
                &[
                    "ClientBuilder::private_key_auth",
                    "ClientBuilder::client_id",
                    "OKTA_CLIENT_CLIENTID",
                    "okta.client.clientId",
                    "ClientBuilder::scopes",
                    "OKTA_CLIENT_SCOPES",
                    "ClientBuilder::private_key",
                    "OKTA_CLIENT_PRIVATEKEY",
                    "okta.client.privateKey",
                ],
            ),
            (
                "default headers",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .default_header("Authorization", "x")
                    .default_header("bad name", "x")
                    .default_header("X-Ok", "a\u{7}b"),
                &[
                    "\"Authorization\" (ClientBuilder::default_header) is set by the client",
                    "ClientBuilder::user_agent_extra",
                    "\"bad name\" (ClientBuilder::default_header) is not a valid",
                    "\"X-Ok\" (ClientBuilder::default_header) has an invalid value",
                ],
            ),
            (
                "user-agent extra",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .user_agent_extra("a\u{7}b"),
                &["the user-agent extra (ClientBuilder::user_agent_extra) contains characters"],
            ),
            (
                "proxy and root certificates with a caller's reqwest client",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .http_client(http_client())
                    .proxy(Proxy {
                        host: "proxy.local".into(),
                        port: Some(3128),
                        ..Proxy::default()
                    })
                    .add_root_certificates_pem("no certificate here"),
                &[
                    "proxy settings (ClientBuilder::proxy, OKTA_CLIENT_PROXY_* or okta.client.proxy) cannot be applied to a caller-supplied reqwest::Client (ClientBuilder::http_client)",
                    "root certificates cannot be added to a caller-supplied reqwest::Client (ClientBuilder::http_client); add them to that client instead of using ClientBuilder::add_root_certificates_pem",
                ],
            ),
            (
                "zero connect timeout",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .connect_timeout(Duration::ZERO),
                &[
                    "ClientBuilder::connect_timeout",
                    "OKTA_CLIENT_CONNECTIONTIMEOUT",
                    "okta.client.connectionTimeout",
                ],
            ),
            (
                "proxy without a host",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .proxy(Proxy {
                        port: Some(3128),
                        ..Proxy::default()
                    }),
                &[
                    "Proxy::host in ClientBuilder::proxy",
                    "OKTA_CLIENT_PROXY_HOST",
                    "okta.client.proxy.host",
                ],
            ),
            (
                "proxy port 0",
                ClientBuilder::new()
                    .org_url(https)
                    .api_token("t")
                    .proxy(Proxy {
                        host: "proxy.local".into(),
                        port: Some(0),
                        ..Proxy::default()
                    }),
                &["proxy port (Proxy::port in ClientBuilder::proxy) must be between 1 and 65535"],
            ),
            (
                "environment values that do not parse",
                from_env(&[
                    ("OKTA_CLIENT_ORGURL", https),
                    ("OKTA_CLIENT_TOKEN", "t"),
                    ("OKTA_CLIENT_REQUESTTIMEOUT", "soon"),
                    ("OKTA_CLIENT_CONNECTION_TIMEOUT", "-1"),
                    ("OKTA_CLIENT_RATELIMIT_MAXBACKOFF", "x"),
                    ("OKTA_CLIENT_RATELIMIT_MAXRETRIES", "99999999999"),
                    ("OKTA_CLIENT_PROXY_PORT", "70000"),
                    ("OKTA_TESTING_DISABLE_HTTPS_CHECK", "maybe"),
                    ("OKTA_CLIENT_RATELIMIT_ENABLE", "sometimes"),
                    ("OKTA_CLIENT_TRUSTPROJECTORGURL", "perhaps"),
                ]),
                &[
                    "OKTA_CLIENT_REQUESTTIMEOUT=\"soon\" is not a whole non-negative number (in code: ClientBuilder::request_timeout)",
                    "OKTA_CLIENT_CONNECTION_TIMEOUT=\"-1\" is not a whole non-negative number (in code: ClientBuilder::connect_timeout)",
                    "OKTA_CLIENT_RATELIMIT_MAXBACKOFF=\"x\" is not a whole non-negative number (in code: ClientBuilder::max_backoff)",
                    "OKTA_CLIENT_RATELIMIT_MAXRETRIES is too large (in code: ClientBuilder::max_retries)",
                    "OKTA_CLIENT_PROXY_PORT must be between 1 and 65535 (in code: ClientBuilder::proxy)",
                    "OKTA_TESTING_DISABLE_HTTPS_CHECK=\"maybe\" is not true or false (in code: ClientBuilder::disable_https_check)",
                    "OKTA_CLIENT_RATELIMIT_ENABLE=\"sometimes\" is not true or false (in code: ClientBuilder::throttle_on_exhausted_rate_limit)",
                    "OKTA_CLIENT_TRUSTPROJECTORGURL=\"perhaps\" is not true or false (in code: ClientBuilder::trust_project_org_url)",
                ],
            ),
        ];
        for (what, builder, needles) in cases {
            let text = problems_of(builder);
            for needle in needles {
                assert!(
                    text.contains(needle),
                    "{what}: missing {needle:?} in:\n{text}"
                );
            }
        }
    }

    #[cfg(feature = "okta-yaml")]
    #[test]
    fn okta_yaml_messages_name_the_builder_method_that_fixes_them() {
        // okta.yaml values of the wrong type.
        let mut problems = Vec::new();
        let _ = parse_yaml(
            "okta:\n  client:\n    orgUrl: [1]\n    token: {a: 1}\n    requestTimeout: soon\n    scopes: [1]\n    privateKeyId: [kid]\n    rateLimit: {maxRetries: 99999999999, enable: maybe}\n    proxy: {port: 70000}\n  testing:\n    testingDisableHttpsCheck: maybe\n",
            "okta.yaml",
            &mut problems,
        );
        let text = problems.join("\n");
        for needle in [
            "okta.yaml: okta.client.orgUrl must be a string (in code: ClientBuilder::org_url)",
            "okta.yaml: okta.client.token must be a string (in code: ClientBuilder::api_token or ClientBuilder::bearer_token)",
            "okta.yaml: okta.client.requestTimeout must be a whole non-negative number (in code: ClientBuilder::request_timeout)",
            "okta.yaml: okta.client.scopes entries must be strings (in code: ClientBuilder::scopes)",
            "okta.yaml: okta.client.privateKeyId must be a string (in code: ClientBuilder::private_key_id)",
            "okta.yaml: okta.client.rateLimit.maxRetries is too large (in code: ClientBuilder::max_retries)",
            "okta.yaml: okta.client.rateLimit.enable must be true or false (in code: ClientBuilder::throttle_on_exhausted_rate_limit)",
            "okta.yaml: okta.client.proxy.port must be between 1 and 65535 (in code: ClientBuilder::proxy)",
            "okta.yaml: okta.testing.testingDisableHttpsCheck must be true or false (in code: ClientBuilder::disable_https_check)",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        let mut problems = Vec::new();
        let _ = parse_yaml("okta:\n  client:\n    scopes: {a: 1}\n", "f", &mut problems);
        assert_eq!(
            problems,
            [
                "f: okta.client.scopes must be a list or a comma-separated string (in code: ClientBuilder::scopes)"
            ]
        );
    }
}
