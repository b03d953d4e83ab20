//! Authentication: SSWS API tokens, static bearer tokens, and OAuth 2.0
//! client credentials with a `private_key_jwt` client assertion.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use tracing::Instrument;
use url::Url;

use super::error::{AuthChallenge, AuthError, Error, Result, excerpt, request_id_of};
use super::secret::SecretString;

/// Lifetime of a client assertion (Okta accepts at most one hour).
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The validated authentication settings of a client.
pub(crate) enum AuthSpec {
    Ssws(SecretString),
    Bearer(SecretString),
    PrivateKey(Box<PrivateKeyAuth>),
}

impl fmt::Debug for AuthSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthSpec::Ssws(_) => f.write_str("Ssws(<redacted>)"),
            AuthSpec::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            AuthSpec::PrivateKey(p) => fmt::Debug::fmt(p, f),
        }
    }
}

/// A header value marked sensitive, so HTTP-level logging never shows it.
fn sensitive_header(value: &str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input("the access token contains characters not allowed in a header")
    })?;
    header.set_sensitive(true);
    Ok(header)
}

impl AuthSpec {
    /// The `Authorization` header for the next request (fetching an access
    /// token first in PrivateKey mode). Marked sensitive so HTTP-level
    /// logging never shows it.
    pub(crate) async fn authorization(&self, http: &reqwest::Client) -> Result<HeaderValue> {
        let value = match self {
            AuthSpec::Ssws(t) => format!("SSWS {}", t.expose()),
            AuthSpec::Bearer(t) => format!("Bearer {}", t.expose()),
            AuthSpec::PrivateKey(p) => format!("Bearer {}", p.access_token(http).await?.expose()),
        };
        sensitive_header(&value)
    }

    /// The `Authorization` header when it never changes (SSWS, static
    /// bearer), so the client builds it once instead of on every request.
    pub(crate) fn fixed_authorization(&self) -> Option<Result<HeaderValue>> {
        match self {
            AuthSpec::Ssws(t) => Some(sensitive_header(&format!("SSWS {}", t.expose()))),
            AuthSpec::Bearer(t) => Some(sensitive_header(&format!("Bearer {}", t.expose()))),
            AuthSpec::PrivateKey(_) => None,
        }
    }

    /// Whether a 401 can be cured by fetching a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, AuthSpec::PrivateKey(_))
    }

    /// Forgets the cached access token if it is the one `used` carried.
    pub(crate) async fn invalidate(&self, used: &HeaderValue) {
        if let AuthSpec::PrivateKey(p) = self {
            p.invalidate(used).await;
        }
    }
}

/// A parsed private key and the algorithm it signs with.
pub(crate) struct SigningKey {
    key: EncodingKey,
    algorithm: Algorithm,
}

struct CachedToken {
    token: SecretString,
    refresh_at: Instant,
}

/// OAuth 2.0 client credentials with `private_key_jwt` (RFC 7523).
pub(crate) struct PrivateKeyAuth {
    client_id: String,
    scopes: Vec<String>,
    key: SigningKey,
    kid: Option<String>,
    token_url: Url,
    refresh_margin: Duration,
    /// Held while a token is fetched: concurrent callers wait for that one
    /// fetch instead of starting their own (single flight).
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

impl fmt::Debug for PrivateKeyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("algorithm", &self.key.algorithm)
            .field("kid", &self.kid)
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl PrivateKeyAuth {
    pub(crate) fn new(
        client_id: String,
        scopes: Vec<String>,
        key: SigningKey,
        kid: Option<String>,
        org: &Url,
        refresh_margin: Duration,
    ) -> Self {
        let mut token_url = org.clone();
        token_url.set_path("/oauth2/v1/token");
        PrivateKeyAuth {
            client_id,
            scopes,
            key,
            kid,
            token_url,
            refresh_margin,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// Parses a PEM private key: RSA (PKCS#1 or PKCS#8) signs with RS256,
    /// P-256 EC (PKCS#8) with ES256. The key is tried by signing a probe, so
    /// a key that parses but cannot sign is reported now, not on first use.
    pub(crate) fn parse_key(pem: &SecretString) -> std::result::Result<SigningKey, String> {
        let (key, algorithm) = super::keys::private_key_from_pem(pem.expose().as_bytes())?;
        Ok(SigningKey { key, algorithm })
    }

    /// A signed client assertion: `iss` = `sub` = client id, `aud` = the
    /// token endpoint, a fresh `jti`, five minutes of validity.
    pub(crate) fn client_assertion(&self) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: self.token_url.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(self.key.algorithm);
        header.kid = self.kid.clone();
        // jsonwebtoken signs with its process-wide provider (see runtime/jwt.rs).
        super::jwt::ensure_provider();
        jsonwebtoken::encode(&header, &claims, &self.key.key).map_err(|e| Error::Config {
            problems: vec![format!("could not sign the client assertion: {e}")],
        })
    }

    async fn access_token(&self, http: &reqwest::Client) -> Result<SecretString> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let span = tracing::debug_span!("okta.token", client_id = %self.client_id);
        let fetched = self.fetch(http).instrument(span).await?;
        let token = fetched.token.clone();
        *cache = Some(fetched);
        Ok(token)
    }

    async fn invalidate(&self, used: &HeaderValue) {
        let mut cache = self.cache.lock().await;
        let matches = cache.as_ref().is_some_and(|c| {
            used.as_bytes().strip_prefix(b"Bearer ") == Some(c.token.expose().as_bytes())
        });
        if matches {
            tracing::debug!("access token refused with 401; fetching a new one");
            *cache = None;
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<CachedToken> {
        let assertion = self.client_assertion()?;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &self.scopes.join(" "))
            .append_pair(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .append_pair("client_assertion", &assertion)
            .finish();
        let started = Instant::now();
        tracing::debug!(token_url = %self.token_url, "requesting an access token");
        let response = http
            .post(self.token_url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(form)
            .send()
            .await
            .map_err(|e| {
                Error::transport(
                    format!(
                        "token request failed: {}",
                        super::http::transport_message(&e)
                    ),
                    e,
                )
            })?;
        let status = response.status();
        let headers = response.headers().clone();
        // A token response is a few hundred bytes; 1 MiB is generous.
        const MAX_TOKEN_RESPONSE: usize = 1 << 20;
        let body = match super::http::read_body(response, MAX_TOKEN_RESPONSE).await {
            Ok(body) => body,
            Err(super::http::BodyError::Transport(e)) => {
                return Err(Error::transport(
                    format!(
                        "token response could not be read: {}",
                        super::http::error_chain(&e)
                    ),
                    e,
                ));
            }
            Err(super::http::BodyError::TooLarge) => {
                return Err(Error::BodyTooLarge {
                    status,
                    limit: MAX_TOKEN_RESPONSE,
                    request_id: request_id_of(&headers),
                });
            }
        };
        tracing::debug!(status = status.as_u16(), "token endpoint answered");
        if !status.is_success() {
            let parsed: OAuthErrorBody = serde_json::from_slice(&body).unwrap_or_default();
            let challenge = AuthChallenge {
                error: parsed.error,
                error_description: parsed.error_description.or_else(|| {
                    let e = excerpt(&body);
                    (!e.is_empty()).then_some(e)
                }),
                ..AuthChallenge::default()
            };
            return Err(Error::Auth(Box::new(AuthError {
                status: Some(status),
                challenge,
                request_id: request_id_of(&headers),
                source: "token endpoint",
            })));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| Error::Decode {
            status,
            message: format!("token response: {e}"),
            excerpt: "<token response withheld>".into(),
            request_id: request_id_of(&headers),
        })?;
        if let Some(kind) = parsed.token_type.as_deref()
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(Error::Auth(Box::new(AuthError {
                status: Some(status),
                challenge: AuthChallenge {
                    error: Some("unsupported_token_type".into()),
                    error_description: Some(format!(
                        "the token endpoint issued a {kind:?} token; only Bearer tokens are supported (disable DPoP for the service app)"
                    )),
                    ..AuthChallenge::default()
                },
                request_id: request_id_of(&headers),
                source: "token endpoint",
            })));
        }
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        let margin = self.refresh_margin.min(lifetime / 2);
        Ok(CachedToken {
            token: SecretString::new(parsed.access_token),
            refresh_at: started + lifetime.saturating_sub(margin),
        })
    }
}
