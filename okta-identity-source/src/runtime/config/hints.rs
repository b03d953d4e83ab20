//! Which builder method sets a setting that an error message names by its
//! environment variable or `okta.yaml` key.

/// The environment variable of `ClientBuilder::trust_project_org_url`.
pub(super) const TRUST_PROJECT_ORG_URL_ENV: &str = "OKTA_CLIENT_TRUSTPROJECTORGURL";

/// Each setting the environment or `okta.yaml` can give, with the builder
/// method that sets it in code: environment variables, `okta.yaml` keys
/// (paths), method.
pub(super) const SETTERS: &[(&[&str], &[&str], &str)] = &[
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
pub(super) fn setter_hint(setting: &str) -> String {
    SETTERS
        .iter()
        .find(|(env, yaml, _)| {
            env.contains(&setting) || yaml.iter().any(|key| setting.ends_with(key))
        })
        .map(|(_, _, method)| format!(" (in code: {method})"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[cfg(feature = "okta-yaml")]
    use super::super::yaml::parse_yaml;
    use super::super::{AuthorizationMode, ClientBuilder, ConfigSources, Proxy};
    use crate::runtime::error::Error;

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
