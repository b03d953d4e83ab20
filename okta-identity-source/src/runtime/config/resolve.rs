//! Every layer and every rule applied at once: the effective
//! [`ClientSettings`] and the parts a client is built from, or every
//! problem in one [`Error::Config`].

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rustls_pki_types::CertificateDer;
use url::Url;

use super::builder::ClientBuilder;
use super::hints::{TRUST_PROJECT_ORG_URL_ENV, setter_hint};
use super::key::{armour, is_bare_base64, read_private_key};
use super::layer::Settings;
use super::validate::{check_token, proxy_of, validate_org_url};
use super::{
    AuthorizationMode, ClientSettings, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BACKOFF,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_RETRY_BASE_DELAY,
};
use crate::runtime::auth::{AuthSpec, PrivateKeyAuth};
use crate::runtime::error::{Error, Result};

impl ClientBuilder {
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
            match crate::runtime::tls::parse_root_certificates(pem) {
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
                    retry_base_delay: self.retry_base_delay.unwrap_or(DEFAULT_RETRY_BASE_DELAY),
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

/// Everything validated, ready to construct a client: the effective
/// settings (the one record of each of them, which the client reads) and
/// the parts that are not settings a user reads back.
pub(crate) struct Resolved {
    pub(crate) settings: ClientSettings,
    pub(crate) base_url: Url,
    pub(crate) auth: AuthSpec,
    pub(crate) proxy: Option<reqwest::Proxy>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) root_certificates: Vec<CertificateDer<'static>>,
    pub(crate) http_client: Option<reqwest::Client>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::config::{ConfigSources, Proxy};

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

    /// The effective settings are the one record of the retry, timeout and
    /// size settings (the request loop reads them there): defaults when
    /// nothing is set, the builder's values when they are.
    #[test]
    fn settings_hold_every_retry_setting_with_its_default() {
        let build =
            |b: ClientBuilder| match b.org_url("https://dev-1.okta.com").api_token("t").build() {
                Ok(client) => client.settings().clone(),
                Err(e) => panic!("{e}"),
            };
        let s = build(ClientBuilder::new());
        assert_eq!(s.max_retries, DEFAULT_MAX_RETRIES);
        assert_eq!(s.max_backoff, DEFAULT_MAX_BACKOFF);
        assert_eq!(s.retry_base_delay, DEFAULT_RETRY_BASE_DELAY);
        assert_eq!(s.request_timeout, Some(DEFAULT_REQUEST_TIMEOUT));
        assert_eq!(s.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(s.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
        assert!(!s.throttle_on_exhausted_rate_limit);
        let s = build(
            ClientBuilder::new()
                .max_retries(7)
                .max_backoff(Duration::from_secs(3))
                .retry_base_delay(Duration::from_millis(20))
                .request_timeout(Duration::ZERO)
                .max_response_bytes(1024)
                .throttle_on_exhausted_rate_limit(true),
        );
        assert_eq!(s.max_retries, 7);
        assert_eq!(s.max_backoff, Duration::from_secs(3));
        assert_eq!(s.retry_base_delay, Duration::from_millis(20));
        assert_eq!(s.request_timeout, None);
        assert_eq!(s.max_response_bytes, 1024);
        assert!(s.throttle_on_exhausted_rate_limit);
    }
}
