//! Loading settings from `okta.yaml` files (the Okta SDKs' layout),
//! bounded in size and depth.

use std::path::Path;
#[cfg(feature = "okta-yaml")]
use std::time::Duration;

#[cfg(feature = "okta-yaml")]
use super::hints::setter_hint;
use super::layer::Settings;
#[cfg(feature = "okta-yaml")]
use super::layer::{parse_bool, split_scopes, to_port, to_u32};
#[cfg(feature = "okta-yaml")]
use crate::runtime::secret::SecretString;

/// YAML files larger than this are refused (as the Python SDK does).
pub(super) const MAX_YAML_BYTES: u64 = 1024 * 1024;
#[cfg(feature = "okta-yaml")]
/// Nesting levels an `okta.yaml` may have (the layout needs four).
pub(super) const MAX_YAML_DEPTH: usize = 32;

pub(super) fn load_yaml_file(path: &Path, problems: &mut Vec<String>) -> Settings {
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

#[cfg(feature = "okta-yaml")]
/// The nesting depth of a YAML text, over-estimated cheaply and in linear
/// time: indentation levels plus flow brackets plus `- ` sequence starts.
/// The YAML parser's time grows with the square of a deep document's
/// size, so a deep one is refused before it is parsed.
pub(super) fn yaml_depth(text: &str) -> usize {
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
pub(super) fn parse_yaml(_text: &str, origin: &str, problems: &mut Vec<String>) -> Settings {
    problems.push(format!(
        "{origin}: not read: okta.yaml files are read with the `okta-yaml` feature of okta-identity-source, which this build does not enable; enable it, or give these settings in the environment or with ClientBuilder (ConfigSources::empty().envs(std::env::vars()) with ClientBuilder::from_sources reads no file)"
    ));
    Settings::default()
}

#[cfg(feature = "okta-yaml")]
pub(super) fn parse_yaml(text: &str, origin: &str, problems: &mut Vec<String>) -> Settings {
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
pub(super) struct YamlReader<'a> {
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

    #[cfg(not(feature = "okta-yaml"))]
    #[test]
    fn an_okta_yaml_file_without_the_feature_is_a_problem_naming_it() {
        use super::super::{ClientBuilder, ConfigSources};
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
}
