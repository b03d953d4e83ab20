//! Loading settings from environment variables (Python SDK spelling
//! first, then the Go SDK's).

use std::collections::BTreeMap;
use std::time::Duration;

use super::hints::setter_hint;
use super::layer::{Settings, parse_bool, split_scopes, to_port, to_u32};
use crate::runtime::secret::SecretString;

pub(super) fn load_env(env: &BTreeMap<String, String>, problems: &mut Vec<String>) -> Settings {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
