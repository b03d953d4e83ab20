//! Authentication: SSWS API tokens, bearer access tokens with scopes, and
//! the OAuth 2.0 client-credentials token endpoint with `private_key_jwt`
//! client assertions (`BEHAVIOUR.md` section 7).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use super::model::{self, ApiError};

/// Scope that lets a bearer token read sessions.
pub const SCOPE_READ: &str = "okta.identitySources.read";
/// Scope that lets a bearer token create, upload to, trigger and cancel sessions.
pub const SCOPE_MANAGE: &str = "okta.identitySources.manage";

/// `client_assertion_type` of `private_key_jwt`.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An OAuth 2.0 service app the token endpoint knows.
///
/// With a public key, client assertions must be signed with the matching
/// private key (RS256/384/512, PS256/384/512, ES256/384 or EdDSA, by key
/// type). Without one, any well-formed assertion whose claims are right is
/// accepted.
#[derive(Clone)]
pub struct OAuthClient {
    pub(crate) client_id: String,
    pub(crate) public_key_pem: Option<String>,
    pub(crate) scopes: Vec<String>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("public_key", &self.public_key_pem.is_some())
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl OAuthClient {
    /// A client granted both identity-source scopes, without signature checks.
    pub fn new(client_id: impl Into<String>) -> Self {
        OAuthClient {
            client_id: client_id.into(),
            public_key_pem: None,
            scopes: vec![SCOPE_READ.to_owned(), SCOPE_MANAGE.to_owned()],
        }
    }

    /// Verifies assertion signatures against this PEM public key
    /// (`-----BEGIN PUBLIC KEY-----` or `-----BEGIN RSA PUBLIC KEY-----`):
    /// RSA for RS256 assertions, P-256 EC for ES256 ones.
    pub fn public_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.public_key_pem = Some(pem.into());
        self
    }

    /// The scopes the client was granted (the only ones it may request).
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }
}

/// A bearer token the fake accepts.
#[derive(Clone)]
struct Bearer {
    scopes: HashSet<String>,
    expires_at: Option<SystemTime>,
}

/// Why an API request is not authorised, as the fake answers it.
#[derive(Debug)]
pub(crate) enum Denied {
    /// An Okta error body (401 E0000011, 403 E0000005).
    Api(ApiError),
    /// 401 with an empty body and `WWW-Authenticate: … error="invalid_token"`.
    InvalidBearer { scope: &'static str },
    /// 403 with an empty body and `WWW-Authenticate: … error="insufficient_scope"`.
    InsufficientScope { scope: &'static str },
}

/// An OAuth error answer of the token endpoint (400 or 401).
#[derive(Debug, Serialize)]
pub(crate) struct OAuthError {
    #[serde(skip)]
    pub status: u16,
    pub error: &'static str,
    pub error_description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            error_description: description.into(),
        }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError::new(401, "invalid_client", description)
    }
}

/// A successful token-endpoint answer.
#[derive(Debug, Serialize)]
pub(crate) struct TokenResponse {
    pub token_type: &'static str,
    pub expires_in: u64,
    pub access_token: String,
    pub scope: String,
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<u64>,
    jti: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn any(&self, f: impl Fn(&str) -> bool) -> bool {
        match self {
            Audience::One(a) => f(a),
            Audience::Many(all) => all.iter().any(|a| f(a)),
        }
    }
}

/// Holds secrets: its `Debug` shows counts, never tokens.
pub(crate) struct Auth {
    api_tokens: HashSet<String>,
    bearers: HashMap<String, Bearer>,
    clients: HashMap<String, OAuthClient>,
    used_jtis: HashSet<String>,
    manage_grants_read: bool,
    token_lifetime: Duration,
    token_requests: usize,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("api_tokens", &self.api_tokens.len())
            .field("bearers", &self.bearers.len())
            .field("clients", &self.clients.values().collect::<Vec<_>>())
            .field("manage_grants_read", &self.manage_grants_read)
            .field("token_lifetime", &self.token_lifetime)
            .field("token_requests", &self.token_requests)
            .finish_non_exhaustive()
    }
}

impl Auth {
    pub fn new(manage_grants_read: bool, token_lifetime: Duration) -> Self {
        Auth {
            api_tokens: HashSet::new(),
            bearers: HashMap::new(),
            clients: HashMap::new(),
            used_jtis: HashSet::new(),
            manage_grants_read,
            token_lifetime,
            token_requests: 0,
        }
    }

    pub fn add_api_token(&mut self, token: String) {
        self.api_tokens.insert(token);
    }

    pub fn revoke(&mut self, token: &str) {
        self.api_tokens.remove(token);
        self.bearers.remove(token);
    }

    pub fn add_bearer(&mut self, token: String, scopes: &[&str], expires_at: Option<SystemTime>) {
        self.bearers.insert(
            token,
            Bearer {
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                expires_at,
            },
        );
    }

    pub fn add_client(&mut self, client: OAuthClient) {
        self.clients.insert(client.client_id.clone(), client);
    }

    pub fn token_requests(&self) -> usize {
        self.token_requests
    }

    /// The `Authorization` header with the credential replaced by what it
    /// is (`<api token>`, `<access token>`, `<unknown credential>`), for the
    /// request log.
    pub fn redact(&self, header: &str) -> String {
        // Only well-known scheme names are copied: anything else could be a
        // credential sent without a scheme.
        const SCHEMES: [&str; 4] = ["SSWS", "Bearer", "DPoP", "Basic"];
        let Some(scheme) = SCHEMES.iter().copied().find(|s| {
            header
                .get(..s.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(s))
        }) else {
            return "<unknown credential>".to_owned();
        };
        let scheme = &header[..scheme.len()];
        let rest = &header[scheme.len()..];
        let credential = rest.trim_start();
        let separator = &rest[..rest.len() - credential.len()];
        let what = if separator != " " {
            "<unknown credential>"
        } else if scheme == "SSWS" && self.api_tokens.contains(credential) {
            "<api token>"
        } else if scheme == "Bearer" && self.bearers.contains_key(credential) {
            "<access token>"
        } else {
            "<unknown credential>"
        };
        format!("{scheme}{separator}{what}")
    }

    /// Checks the `Authorization` header of an API request that needs
    /// `scope` when authorised by a bearer token.
    pub fn authorize(
        &self,
        header: Option<&str>,
        scope: &'static str,
        now: SystemTime,
    ) -> Result<(), Denied> {
        let Some(header) = header else {
            return Err(Denied::Api(ApiError::invalid_session()));
        };
        let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header, ""));
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("SSWS") {
            return if self.api_tokens.contains(credentials) {
                Ok(())
            } else {
                Err(Denied::Api(ApiError::invalid_token()))
            };
        }
        if scheme.eq_ignore_ascii_case("Bearer") {
            let Some(bearer) = self
                .bearers
                .get(credentials)
                .filter(|b| b.expires_at.is_none_or(|t| now < t))
            else {
                return Err(Denied::InvalidBearer { scope });
            };
            let granted = bearer.scopes.contains(scope)
                || (scope == SCOPE_READ
                    && self.manage_grants_read
                    && bearer.scopes.contains(SCOPE_MANAGE));
            return if granted {
                Ok(())
            } else {
                Err(Denied::InsufficientScope { scope })
            };
        }
        Err(Denied::Api(ApiError::invalid_token()))
    }

    /// `POST /oauth2/v1/token` with a form body.
    pub fn issue_token(
        &mut self,
        form: &[u8],
        now: SystemTime,
    ) -> Result<TokenResponse, OAuthError> {
        self.token_requests += 1;
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(form).into_owned().collect();
        let param = |name: &str| params.get(name).map(String::as_str);
        match param("grant_type") {
            Some("client_credentials") => {}
            Some(other) => {
                return Err(OAuthError::new(
                    400,
                    "unsupported_grant_type",
                    format!("The authorization grant type is not supported: {other}"),
                ));
            }
            None => {
                return Err(OAuthError::new(
                    400,
                    "invalid_request",
                    "The token request must specify a 'grant_type'.",
                ));
            }
        }
        if param("client_assertion_type") != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_client(format!(
                "The client_assertion_type must be '{JWT_BEARER}'."
            )));
        }
        let Some(assertion) = param("client_assertion") else {
            return Err(OAuthError::invalid_client(
                "The client_assertion must be provided.",
            ));
        };
        let client = self.verify_assertion(assertion, param("client_id"), now)?;
        let requested: Vec<&str> = param("scope")
            .map(|s| s.split_whitespace().collect())
            .unwrap_or_default();
        if requested.is_empty() {
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
            ));
        }
        let refused: Vec<&str> = requested
            .iter()
            .copied()
            .filter(|s| !client.scopes.iter().any(|g| g == s))
            .collect();
        if !refused.is_empty() {
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                format!(
                    "The following scopes are not allowed: {}",
                    refused.join(" ")
                ),
            ));
        }
        let token = model::secret("fake-at.");
        self.add_bearer(token.clone(), &requested, Some(now + self.token_lifetime));
        Ok(TokenResponse {
            token_type: "Bearer",
            expires_in: self.token_lifetime.as_secs(),
            access_token: token,
            scope: requested.join(" "),
        })
    }

    fn verify_assertion(
        &mut self,
        assertion: &str,
        client_id: Option<&str>,
        now: SystemTime,
    ) -> Result<OAuthClient, OAuthError> {
        let malformed = |e: jsonwebtoken::errors::Error| {
            OAuthError::invalid_client(format!("The client_assertion is not a valid JWT: {e}"))
        };
        let unverified = jsonwebtoken::dangerous::insecure_decode::<AssertionClaims>(assertion)
            .map_err(malformed)?;
        let claims = unverified.claims;
        let (Some(iss), Some(sub)) = (claims.iss.as_deref(), claims.sub.as_deref()) else {
            return Err(OAuthError::invalid_client(
                "The client_assertion token must contain 'iss' and 'sub' claims.",
            ));
        };
        if iss != sub {
            return Err(OAuthError::invalid_client(
                "The 'iss' and 'sub' claims of the client_assertion must both be the client id.",
            ));
        }
        if client_id.is_some_and(|c| c != iss) {
            return Err(OAuthError::invalid_client(
                "The client_id does not match the 'iss' claim of the client_assertion.",
            ));
        }
        let Some(client) = self.clients.get(iss).cloned() else {
            return Err(OAuthError::invalid_client(
                "The client_assertion 'iss' claim names an unknown client.",
            ));
        };
        if !claims
            .aud
            .as_ref()
            .is_some_and(|a| a.any(|a| a.ends_with("/oauth2/v1/token")))
        {
            return Err(OAuthError::invalid_client(
                "The audience of the client_assertion must be the token endpoint.",
            ));
        }
        let now_secs = model::epoch_secs_ceil(now);
        match claims.exp {
            Some(exp) if exp + 60 >= now_secs => {}
            Some(_) => {
                return Err(OAuthError::invalid_client(
                    "The client_assertion token is expired.",
                ));
            }
            None => {
                return Err(OAuthError::invalid_client(
                    "The client_assertion token must contain an 'exp' claim.",
                ));
            }
        }
        let Some(jti) = claims.jti else {
            return Err(OAuthError::invalid_client(
                "The client_assertion token must contain a 'jti' claim.",
            ));
        };
        if let Some(pem) = &client.public_key_pem {
            verify_signature(assertion, unverified.header.alg, pem)?;
        }
        if !self.used_jtis.insert(jti) {
            return Err(OAuthError::invalid_client(
                "The client_assertion token has already been used.",
            ));
        }
        Ok(client)
    }
}

fn verify_signature(assertion: &str, alg: Algorithm, pem: &str) -> Result<(), OAuthError> {
    if alg.family() == jsonwebtoken::AlgorithmFamily::Hmac {
        return Err(OAuthError::invalid_client(
            "The client_assertion must be signed with the client's private key.",
        ));
    }
    let (key, key_alg) =
        crate::runtime::keys::public_key_from_pem(pem.as_bytes()).map_err(|e| {
            OAuthError::invalid_client(format!(
                "The client's registered public key is unusable: {e}"
            ))
        })?;
    if key_alg != alg {
        return Err(OAuthError::invalid_client(
            "The client_assertion signature is invalid.",
        ));
    }
    let mut validation = Validation::new(alg);
    // Claims were checked against the fake clock already.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    crate::runtime::jwt::ensure_provider();
    jsonwebtoken::decode::<serde_json::Value>(assertion, &key, &validation)
        .map(|_| ())
        .map_err(|_| OAuthError::invalid_client("The client_assertion signature is invalid."))
}
