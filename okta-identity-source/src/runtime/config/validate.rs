//! Checks of the org URL, the tokens and the proxy settings.

use reqwest::header::HeaderValue;
use url::Url;

use super::layer::{Settings, redact_userinfo};
use crate::runtime::secret::SecretString;

pub(super) const ADMIN_SUFFIXES: &[&str] = &[
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
pub(super) fn check_token(
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

pub(super) fn proxy_of(
    s: &Settings,
    problems: &mut Vec<String>,
) -> Option<(reqwest::Proxy, String)> {
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
}
