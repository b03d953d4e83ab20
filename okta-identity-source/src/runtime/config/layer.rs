//! One layer of settings (what one source set) and the parsing of the
//! values the environment and `okta.yaml` give.

use std::fmt;
use std::time::Duration;

use super::hints::setter_hint;
use crate::runtime::secret::SecretString;

/// One layer of settings; `None` means "not set here".
#[derive(Clone, Default)]
pub(super) struct Settings {
    pub(super) org_url: Option<String>,
    pub(super) token: Option<SecretString>,
    pub(super) authorization_mode: Option<String>,
    pub(super) client_id: Option<String>,
    pub(super) scopes: Option<Vec<String>>,
    pub(super) private_key: Option<SecretString>,
    pub(super) private_key_id: Option<String>,
    pub(super) max_retries: Option<u32>,
    pub(super) max_backoff: Option<Duration>,
    pub(super) rate_limit_prevent: Option<bool>,
    pub(super) request_timeout: Option<Duration>,
    pub(super) connection_timeout: Option<Duration>,
    pub(super) proxy_host: Option<String>,
    pub(super) proxy_port: Option<u16>,
    pub(super) proxy_username: Option<String>,
    pub(super) proxy_password: Option<SecretString>,
    pub(super) disable_https_check: Option<bool>,
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
    pub(super) fn overlay(self, higher: Settings) -> Settings {
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

pub(super) fn to_u32(n: u64, name: &str, problems: &mut Vec<String>) -> Option<u32> {
    match u32::try_from(n) {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(format!("{name} is too large{}", setter_hint(name)));
            None
        }
    }
}

pub(super) fn to_port(n: u64, name: &str, problems: &mut Vec<String>) -> Option<u16> {
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

pub(super) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

pub(super) fn split_scopes(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `text` with anything between `://` and the next `@` replaced by `***`.
pub(super) fn redact_userinfo(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &text[..scheme + 3], &text[at..])
        }
        (None, Some(at)) => format!("***{}", &text[at..]),
        _ => text.to_owned(),
    }
}
