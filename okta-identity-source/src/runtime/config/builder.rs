//! [`ClientBuilder`]: the values set in code, which win over every loaded
//! source.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::layer::Settings;
use super::{AuthorizationMode, Proxy};
use crate::runtime::secret::SecretString;

/// Builds a [`Client`](crate::runtime::Client). Start from
/// [`Client::builder`](crate::runtime::Client::builder) (nothing loaded) or
/// [`ClientBuilder::from_env`] / [`ClientBuilder::from_sources`] (files and
/// environment loaded); values set on the builder win over loaded ones.
/// [`ClientBuilder::build`] validates everything and reports every problem
/// in one [`Error::Config`](crate::runtime::Error::Config).
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
    pub(super) loaded: Settings,
    pub(super) load_problems: Vec<String>,
    pub(super) cwd: Option<PathBuf>,
    pub(super) explicit: Settings,
    pub(super) http_client: Option<reqwest::Client>,
    pub(super) root_certificates: RootCertificatePems,
    pub(super) default_headers: Vec<(String, String)>,
    pub(super) user_agent_extra: Option<String>,
    pub(super) retry_base_delay: Option<Duration>,
    pub(super) token_refresh_margin: Option<Duration>,
    pub(super) max_response_bytes: Option<usize>,
    pub(super) project: ProjectFile,
    pub(super) trust_project_org_url: bool,
}

/// What the project file (`./.okta/okta.yaml` or `./okta.yaml`) supplied
/// of the loaded settings: it lives in the working directory, so it may
/// come with an untrusted checkout.
#[derive(Debug, Clone, Default)]
pub(super) struct ProjectFile {
    pub(super) path: Option<PathBuf>,
    pub(super) org_url: bool,
    pub(super) token: bool,
    pub(super) private_key: bool,
}

/// PEM texts given to [`ClientBuilder::add_root_certificates_pem`], parsed
/// at build time (so that a bad one is reported with the other problems).
#[derive(Clone, Default)]
pub(super) struct RootCertificatePems(pub(super) Vec<Vec<u8>>);

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
    /// [`Error::BodyTooLarge`](crate::runtime::Error::BodyTooLarge) without being held in memory.
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
    /// `Duration::ZERO` disables it. Overridable per call with [`Call::timeout`](crate::runtime::Call::timeout).
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
}
