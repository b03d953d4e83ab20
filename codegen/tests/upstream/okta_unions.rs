//! Okta's untagged unions (`oneOf`/`anyOf` without a discriminator) decoded
//! by the rule the generator documents (`runtime::de::explains`): the spec's
//! own examples and hand-written values of every variant, each checked for
//! the variant it lands in and for a lossless round trip. A value that the
//! spec leaves ambiguous (two variants explain it equally: `{}` for
//! failover, `passCode` alone for the factor requests, `name` and
//! `description` for group profiles) or that matches no variant (an
//! `authScheme` of `OAUTH`, a new `use` or `type`) must stay `Unknown`.
//!
//! Compiled against the crate generated from the whole upstream spec: CI
//! copies this file into `target/upstream-crate/tests/` and runs it
//! (`cargo test --test okta_unions`).

use upstream_crate::models::*;
use upstream_crate::__private::testing::assert_example_round_trips;

#[track_caller]
fn check<T>(source: &str, json: &str, variant: &str)
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let typed: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{source}: {e}"));
    let debug = format!("{typed:?}");
    assert!(
        debug.starts_with(&format!("{variant}(")),
        "{} {source}: {json}\n  expected variant `{variant}`, decoded as {}",
        std::any::type_name::<T>(),
        debug.chars().take(300).collect::<String>()
    );
    assert_example_round_trips::<T>(source, json);
}

#[test]
fn activate_oauth2_client_json_web_key_response() {
    check::<ActivateOAuth2ClientJsonWebKeyResponse>(
        "spec example #/components/examples/oAuthClientJsonWebKey",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "ACTIVE", "created": "2023-04-06T21:32:33.000Z", "lastUpdated": "2023-04-06T21:32:33.000Z", "_links": {"deactivate": {"href": "https://{yourOktaDomain}/api/v1/apps/0oa1nkheCuDn82XVI0g4/credentials/jwks/pks2f50kZB0cITmYU0g4/lifecycle/deactivate", "hints": {"allow": ["POST"]}}}}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<ActivateOAuth2ClientJsonWebKeyResponse>(
        "hand-written",
        r#"{"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJnc", "status": "ACTIVE", "id": "pks1"}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<ActivateOAuth2ClientJsonWebKeyResponse>(
        "hand-written",
        r#"{"kid": "k2", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJnc", "status": "INACTIVE", "id": "pks2"}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<ActivateOAuth2ClientJsonWebKeyResponse>(
        "hand-written",
        r#"{"kid": "k3", "kty": "oct", "use": "enc", "k": "GawgguFyGrWKav7AX4VKUg"}"#,
        "Unknown",
    );
}

#[test]
fn add_jwk_request() {
    check::<AddJwkRequest>(
        "spec example #/components/examples/oAuthClientJsonWebKeyRequest",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "ACTIVE"}"#,
        "OAuth2ClientJsonSigningKeyRequest",
    );
    check::<AddJwkRequest>(
        "spec example #/components/examples/oAuthClientJsonInactiveEncryptionKeyRequest",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "INACTIVE"}"#,
        "OAuth2ClientJsonEncryptionKeyRequest",
    );
    check::<AddJwkRequest>(
        "spec example #/components/examples/oAuthClientJsonActiveEncryptionKeyRequest",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "ACTIVE"}"#,
        "OAuth2ClientJsonEncryptionKeyRequest",
    );
    check::<AddJwkRequest>(
        "hand-written",
        r#"{"use": "sig", "alg": "RS256"}"#,
        "OAuth2ClientJsonSigningKeyRequest",
    );
    check::<AddJwkRequest>(
        "hand-written",
        r#"{"kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJnc", "status": "ACTIVE"}"#,
        "OAuth2ClientJsonEncryptionKeyRequest",
    );
    check::<AddJwkRequest>(
        "hand-written",
        r#"{"use": "none"}"#,
        "Unknown",
    );
}

#[test]
fn add_jwk_response() {
    check::<AddJwkResponse>(
        "spec example #/components/examples/oAuthClientJsonWebKey",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "ACTIVE", "created": "2023-04-06T21:32:33.000Z", "lastUpdated": "2023-04-06T21:32:33.000Z", "_links": {"deactivate": {"href": "https://{yourOktaDomain}/api/v1/apps/0oa1nkheCuDn82XVI0g4/credentials/jwks/pks2f50kZB0cITmYU0g4/lifecycle/deactivate", "hints": {"allow": ["POST"]}}}}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<AddJwkResponse>(
        "spec example #/components/examples/oAuthClientJsonInactiveEncryptionKey",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "INACTIVE", "created": "2023-04-06T21:32:33.000Z", "lastUpdated": "2023-04-06T21:32:33.000Z", "_links": {"activate": {"href": "https://{yourOktaDomain}/api/v1/apps/0oa1nkheCuDn82XVI0g4/credentials/jwks/pks2f50kZB0cITmYU0g4/lifecycle/activate", "hints": {"allow": ["POST"]}}, "delete": {"href": "https://{yourOktaDomain}/api/v1/apps/0oa1nkheCuDn82XVI0g4/credentials/jwks/pks2f50kZB0cITmYU0g4", "hints": {"allow": ["DELETE"]}}}}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<AddJwkResponse>(
        "spec example #/components/examples/oAuthClientJsonActiveEncryptionKey",
        r#"{"id": "pks2f50kZB0cITmYU0g4", "kid": "ASHJHGasa782333-Sla3x3POBiIxDreBCdZuFs5B", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJncrzOrouIUCSMlRL0HU.....Kuine49_CEVR4GPn=", "status": "ACTIVE", "created": "2023-04-06T21:32:33.000Z", "lastUpdated": "2023-04-06T21:32:33.000Z"}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<AddJwkResponse>(
        "hand-written",
        r#"{"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJnc", "status": "ACTIVE", "id": "pks1"}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<AddJwkResponse>(
        "hand-written",
        r#"{"kid": "k2", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJnc", "status": "INACTIVE", "id": "pks2"}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<AddJwkResponse>(
        "hand-written",
        r#"{"kid": "k3", "kty": "oct", "use": "enc", "k": "GawgguFyGrWKav7AX4VKUg"}"#,
        "Unknown",
    );
}

#[test]
fn app_user_update_request() {
    check::<AppUserUpdateRequest>(
        "hand-written",
        r#"{"credentials": {"userName": "ann@example.com"}}"#,
        "AppUserCredentialsRequestPayload",
    );
    check::<AppUserUpdateRequest>(
        "hand-written",
        r#"{"profile": {"title": "Engineer"}}"#,
        "AppUserProfileRequestPayload",
    );
    check::<AppUserUpdateRequest>(
        "hand-written",
        r#"{}"#,
        "Unknown",
    );
}

#[test]
fn custom_telephony_provider_settings_call() {
    check::<CustomTelephonyProviderSettingsCall>(
        "hand-written",
        r#"{"twilioVerifySid": "VA123"}"#,
        "CustomTelephonyProviderSettingsTwilioVerify",
    );
    check::<CustomTelephonyProviderSettingsCall>(
        "hand-written",
        r#"{"twilioPhoneNumber": "+15555550100"}"#,
        "CustomTelephonyProviderSettingsTwilioPhoneNumber",
    );
    check::<CustomTelephonyProviderSettingsCall>(
        "hand-written",
        r#"{"twilioCallerId": "+15555550100"}"#,
        "CustomTelephonyProviderSettingsTwilioCallerId",
    );
    check::<CustomTelephonyProviderSettingsCall>(
        "hand-written",
        r#"{"telesignService": "telesignVoiceService"}"#,
        "CustomTelephonyProviderSettingsTelesignServiceCall",
    );
    check::<CustomTelephonyProviderSettingsCall>(
        "hand-written",
        r#"{"telesignService": "telesignMessagingService"}"#,
        "Unknown",
    );
}

#[test]
fn custom_telephony_provider_settings_sms() {
    check::<CustomTelephonyProviderSettingsSms>(
        "hand-written",
        r#"{"twilioVerifySid": "VA123"}"#,
        "CustomTelephonyProviderSettingsTwilioVerify",
    );
    check::<CustomTelephonyProviderSettingsSms>(
        "hand-written",
        r#"{"twilioPhoneNumber": "+15555550100"}"#,
        "CustomTelephonyProviderSettingsTwilioPhoneNumber",
    );
    check::<CustomTelephonyProviderSettingsSms>(
        "hand-written",
        r#"{"twilioMessageSid": "MG123"}"#,
        "CustomTelephonyProviderSettingsTwilioMessagingService",
    );
    check::<CustomTelephonyProviderSettingsSms>(
        "hand-written",
        r#"{"telesignService": "telesignMessagingService"}"#,
        "CustomTelephonyProviderSettingsTelesignServiceSms",
    );
}

#[test]
fn device_integrations_metadata() {
    check::<DeviceIntegrationsMetadata>(
        "hand-written",
        r#"{"type": "CHROME", "serviceAccountName": "svc", "serviceAccountEmail": "svc@example.com"}"#,
        "Variant0",
    );
    check::<DeviceIntegrationsMetadata>(
        "hand-written",
        r#"{"type": "WORKSPACE_ONE", "provider": "VMware", "enrollmentUrl": "https://ws1.example.com", "idpId": "0oa1"}"#,
        "Variant1",
    );
    check::<DeviceIntegrationsMetadata>(
        "hand-written",
        r#"{"type": "DEVICE_IDP", "idpId": "0oa1"}"#,
        "Variant2",
    );
    check::<DeviceIntegrationsMetadata>(
        "hand-written",
        r#"{"type": "INTUNE", "idpId": "0oa1"}"#,
        "Unknown",
    );
}

#[test]
fn execute_inline_hook_request() {
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/PasswordImportPayloadExample",
        r#"{"eventId": "3o9jBzq1SmOGmmsDsqyyeQ", "eventTime": "2020-01-17T21:23:56.000Z", "eventType": "com.okta.user.credential.password.import", "eventTypeVersion": "1.0", "contentType": "application/json", "cloudEventVersion": "0.1", "source": "https://${yourOktaDomain}/api/v1/inlineHooks/cbl2ad6phv9fsPLcF0g7", "data": {"context": {"request": {"id": "XiIl6wn7005Rr@fjYqeC7CCDBxw", "method": "POST", "url": {"value": "/idp/idx/challenge/answer"}, "ipAddress": "66.124.153.138"}, "credential": {"username": "isaac.brock@example.com", "password": "Okta"}}, "action": {"credential": "UNVERIFIED"}}}"#,
        "PasswordImportRequestExecute",
    );
    // The example gives `phoneNumber` and `otpCode` as numbers where the schema says strings, so it is no TelephonyRequestExecute; PasswordImportRequestExecute and TokenRequest explain the rest equally.
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/TelephonyPayloadExample",
        r#"{"eventId": "uS5871kJThSsU8qlA1LTcg", "eventTime": "2020-01-17T21:23:56.000Z", "eventType": "com.okta.telephony.provider", "eventTypeVersion": "1.0", "contentType": "application/json", "cloudEventVersion": "0.1", "source": "https://${yourOktaDomain}/api/v1/inlineHooks/cbl2ad6phv9fsPLcF0g7", "data": {"context": {"request": {"id": "reqRgSk8IBBRhuo0YdlEDTmUw", "method": "POST", "url": {"value": "/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview"}, "ipAddress": "127.0.0.1"}}, "userProfile": {"firstName": "test", "lastName": "user", "login": "test.user@okta.com", "userId": "00uyxxSknGtK8022w0g3"}, "messageProfile": {"msgTemplate": "(HOOK)Your code is 11111", "phoneNumber": 9876543210, "otpExpires": "2022-01-28T21:48:34.321Z", "deliveryChannel": "SMS", "otpCode": 11111, "locale": "EN-US"}}}"#,
        "Unknown",
    );
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/ProfileEnrollmentRequest",
        r#"{"eventId": "04Dmt8BcT_aEgM", "eventTime": "2022-04-25T17:35:27.000Z", "eventType": "com.okta.user.pre-registration", "eventTypeVersion": 1, "contentType": "application/json", "cloudEventVersion": 0.1, "source": "regt4qeBKU29vSoPz0g3", "requestType": "self.service.registration", "data": {"context": {"request": {"method": "POST", "ipAddress": "127.0.0.1", "id": "123testId456", "url": {"value": "/idp/idx/enroll/new"}}}, "userProfile": {"firstName": "Rosario", "lastName": "Jones", "login": "rosario.jones@example.com", "email": "rosario.jones@example.com"}, "action": "ALLOW"}}"#,
        "RegistrationInlineHookRequest",
    );
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/TokenPayLoadExample",
        r#"{"source": "https://{yourOktaDomain}/oauth2/default/v1/authorize", "eventId": "3OWo4oo-QQ-rBWfRyTmQYw", "eventTime": "2019-01-15T23:20:47.000Z", "eventTypeVersion": "1.0", "cloudEventVersion": "0.1", "contentType": "application/json", "eventType": "com.okta.oauth2.tokens.transform", "data": {"context": {"request": {"id": "reqv66CbCaCStGEFc8AdfS0ng", "method": "GET", "url": {"value": "https://{yourOktaDomain}/oauth2/default/v1/authorize?scope=openid+profile+email&response_type=token+id_token&redirect_uri=https%3A%2F%2Fhttpbin.org%2Fget&state=state&nonce=asf&client_id=customClientIdNative"}, "ipAddress": "127.0.0.1"}, "protocol": {"type": "OAUTH2.0", "request": {"scope": "openid profile email", "state": "state", "redirect_uri": "https://httpbin.org/get", "response_mode": "fragment", "response_type": "token id_token", "client_id": "customClientIdNative"}, "issuer": {"uri": "https://{yourOktaDomain}/oauth2/default"}, "client": {"id": "customClientIdNative", "name": "Native client", "type": "PUBLIC"}}, "session": {"id": "102Qoe7t5PcRnSxr8j3I8I6pA", "userId": "00uq8tMo3zV0OfJON0g3", "login": "administrator1@clouditude.net", "createdAt": "2019-01-15T23:17:09.000Z", "expiresAt": "2019-01-16T01:20:46.000Z", "status": "ACTIVE", "lastPasswordVerification": "2019-01-15T23:17:09.000Z", "amr": ["PASSWORD"], "idp": {"id": "00oq6kcVwvrDY2YsS0g3", "type": "OKTA"}, "mfaActive": false}, "user": {"id": "00uq8tMo3zV0OfJON0g3", "passwordChanged": "2018-09-11T23:19:12.000Z", "profile": {"login": "administrator1@clouditude.net", "firstName": "Add-Min", "lastName": "O'Cloudy Tud", "locale": "en", "timeZone": "America/Los_Angeles"}, "_links": {"groups": {"href": "https://{yourOktaDomain}/00uq8tMo3zV0OfJON0g3/groups"}, "factors": {"href": "https://{yourOktaDomain}/api/v1/users/00uq8tMo3zV0OfJON0g3/factors"}}}, "policy": {"id": "00pq8lGaLlI8APuqY0g3", "rule": {"id": "0prq8mLKuKAmavOvq0g3"}}}, "identity": {"claims": {"sub": "00uq8tMo3zV0OfJON0g3", "name": "Add-Min O'Cloudy Tud", "email": "administrator1@clouditude.net", "ver": 1, "iss": "https://{yourOktaDomain}/oauth2/default", "aud": "customClientIdNative", "jti": "ID.YxF2whJfB3Eu4ktG_7aClqtCgjDq6ab_hgpiV7-ZZn0", "amr": ["pwd"], "idp": "00oq6kcVwvrDY2YsS0g3", "nonce": "asf", "preferred_username": "administrator1@clouditude.net", "auth_time": 1547594229}, "token": {"lifetime": {"expiration": 3600}}}, "access": {"claims": {"ver": 1, "jti": "AT.W-rrB-z-kkZQmHW0e6VS3Or...QfEN_YvoWJa46A7HAA", "iss": "https://{yourOktaDomain}/oauth2/default", "aud": "api://default", "cid": "customClientIdNative", "uid": "00uq8tMo3zV0OfJON0g3", "sub": "administrator1@clouditude.net", "firstName": "Add-Min", "preferred_username": "administrator1@clouditude.net"}, "token": {"lifetime": {"expiration": 3600}}, "scopes": {"openid": {"id": "scpq7bW1cp6dcvrz80g3", "action": "GRANT"}, "profile": {"id": "scpq7cWJ81CIP5Qkr0g3", "action": "GRANT"}, "email": {"id": "scpq7dxsoz6LQlRj00g3", "action": "GRANT"}}}, "refresh_token": {"jti": "oarob4a0tckCkGcyo1d6"}}}"#,
        "TokenRequest",
    );
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/SAMLPayLoadExample",
        r#"{"source": "https://${yourOktaDomain}/app/saml20app_1/exkth8lMzFm0HZOTU0g3/sso/saml", "eventId": "XMFoHCM1S4Wi_SGWzL8T9A", "eventTime": "2019-03-28T19:15:23.000Z", "data": {"context": {"request": {"id": "reqqXypjzYJRSu2j1G1imUovA", "method": "GET", "url": {"value": "https://${yourOktaDomain}/app/saml20app_1/exkth8lMzFm0HZOTU0g3/sso/saml"}, "ipAddress": "127.0.0.1"}, "protocol": {"type": "SAML2.0", "issuer": {"id": "0oath92zlO60urQOP0g3", "name": "SAML 2.0 App", "uri": "http://www.okta.com/exkth8lMzFm0HZOTU0g3"}}, "session": {"id": "102LN9Bnuc4S_ewfc9BYwageA", "userId": "00uq8tMo3zV0OfJON0g3", "login": "user@example.com", "createdAt": "2019-03-28T16:45:55.000Z", "expiresAt": "2019-03-28T21:15:23.000Z", "status": "ACTIVE", "lastPasswordVerification": "2019-03-28T16:45:55.000Z", "amr": ["PASSWORD"], "idp": {"id": "00oq6kcVwvrDY2YsS0g3", "type": "OKTA"}, "mfaActive": false}, "user": {"id": "00uq8tMo3zV0OfJON0g3", "passwordChanged": "2018-09-11T23:19:12.000Z", "profile": {"login": "user@example.com", "firstName": "Admin", "lastName": "Last", "locale": "en", "timeZone": "America/Los_Angeles"}, "_links": {"groups": {"href": "https://${yourOktaDomain}/00uq8tMo3zV0OfJON0g3/groups"}, "factors": {"href": "https://${yourOktaDomain}/api/v1/users/00uq8tMo3zV0OfJON0g3/factors"}}}}, "assertion": {"subject": {"nameId": "user@example.com", "nameFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "confirmation": {"method": "urn:oasis:names:tc:SAML:2.0:cm:bearer", "data": {"recipient": "http://www.example.com:7070/saml/sso"}}}, "authentication": {"sessionIndex": "id1553800523546.312669168", "authnContext": {"authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}}, "conditions": {"audienceRestriction": ["urn:example:sp"]}, "claims": {"extPatientId": {"attributes": {"NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}, "attributeValues": [{"attributes": {"xsi:type": "xs:integer"}, "value": "4321"}]}, "array": {"attributes": {"NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}, "attributeValues": [{"attributes": {"xsi:type": "xs:string"}, "value": "Array 1"}, {"attributes": {"xsi:type": "xs:string"}, "value": "Array2"}, {"attributes": {"xsi:type": "xs:string"}, "value": "Array3"}]}, "middle": {"attributes": {"NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}, "attributeValues": [{"attributes": {"xsi:type": "xs:string"}, "value": "admin"}]}, "firstAndLast": {"attributes": {"NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"}, "attributeValues": [{"attributes": {"xsi:type": "xs:string"}, "value": "7d6a50c8-4d7e-4058-9c5b-2cc98cecd294"}]}}, "lifetime": {"expiration": 300}}}, "eventTypeVersion": "1.0", "cloudEventVersion": "0.1", "eventType": "com.okta.saml.tokens.transform", "contentType": "application/json"}"#,
        "SamlPayloadExecute",
    );
    // The example holds nulls and an array in `data.appUser.profile`, whose schema allows only strings, so it is no UserImportRequestExecute; the other variants that declare `data` explain none of its properties, which leaves RegistrationInlineHookRequest (`eventType`, `source`). Lossless: the rest is kept.
    check::<ExecuteInlineHookRequest>(
        "spec example #/components/examples/UserImportPayloadExample",
        r#"{"source": "cal7eyxOsnb20oWbZ0g4", "eventId": "JUGOUiYZTaKPmH6db0nDag", "eventTime": "2019-02-27T20:59:04.000Z", "eventTypeVersion": "1.0", "cloudEventVersion": "0.1", "eventType": "com.okta.import.transform", "contentType": "application/json", "data": {"context": {"conflicts": ["login"], "application": {"name": "test_app", "id": "0oa7ey7aLRuBvcYUD0g4", "label": "Test App", "status": "ACTIVE"}, "job": {"id": "ij17ez2AWtMZRfCZ60g4", "type": "import:users"}, "matches": [], "policy": ["EMAIL", "FIRST_AND_LAST_NAME"]}, "action": {"result": "CREATE_USER"}, "appUser": {"profile": {"firstName": "Sally2", "lastName": "Admin2", "mobilePhone": null, "accountType": "PRO", "secondEmail": null, "failProvisioning": null, "failDeprovisioning": null, "externalId": "user221", "groups": ["everyone@examplee.net", "tech@example.net"], "userName": "administrator2", "email": "sally.admin@example.net"}}, "user": {"profile": {"lastName": "Admin2", "zipCode": null, "city": null, "secondEmail": null, "postAddress": null, "login": "sally.admin@example.net", "firstName": "Sally2", "primaryPhone": null, "mobilePhone": null, "streetAddress": null, "countryCode": null, "typeId": null, "state": null, "email": "sally.admin@example.net"}}}}"#,
        "RegistrationInlineHookRequest",
    );
    // The example gives `phoneNumber` and `otpCode` as numbers where the schema says strings, so it is no TelephonyRequestExecute; PasswordImportRequestExecute and TokenRequest explain the rest equally.
    check::<ExecuteInlineHookRequest>(
        "hand-written: the spec example TelephonyPayloadExample with its numbers as the strings its schema declares",
        r#"{"eventId": "uS5871kJThSsU8qlA1LTcg", "eventTime": "2020-01-17T21:23:56.000Z", "eventType": "com.okta.telephony.provider", "eventTypeVersion": "1.0", "contentType": "application/json", "cloudEventVersion": "0.1", "source": "https://${yourOktaDomain}/api/v1/inlineHooks/cbl2ad6phv9fsPLcF0g7", "data": {"context": {"request": {"id": "reqRgSk8IBBRhuo0YdlEDTmUw", "method": "POST", "url": {"value": "/api/internal/v1/inlineHooks/com.okta.telephony.provider/generatePreview"}, "ipAddress": "127.0.0.1"}}, "userProfile": {"firstName": "test", "lastName": "user", "login": "test.user@okta.com", "userId": "00uyxxSknGtK8022w0g3"}, "messageProfile": {"msgTemplate": "(HOOK)Your code is 11111", "phoneNumber": "9876543210", "otpExpires": "2022-01-28T21:48:34.321Z", "deliveryChannel": "SMS", "otpCode": "11111", "locale": "EN-US"}}}"#,
        "TelephonyRequestExecute",
    );
    check::<ExecuteInlineHookRequest>(
        "hand-written",
        r#"{"eventType": "com.okta.import.transform", "eventId": "JUGOUiYZTaKPmH6db0nDag", "eventTime": "2019-02-27T20:59:04.000Z", "cloudEventVersion": "0.1", "contentType": "application/json", "source": "cal7eyxOsnb20oWbZ0g4", "data": {"action": {"result": "CREATE_USER"}, "appUser": {"profile": {"email": "sally@example.net"}}}}"#,
        "UserImportRequestExecute",
    );
}

#[test]
fn execute_inline_hook_response() {
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/PasswordImportVerifiedResponse",
        r#"{"commands": [{"type": "com.okta.action.update", "value": {"credential": "VERIFIED"}}]}"#,
        "PasswordImportResponse",
    );
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/TelephonySuccessResponse",
        r#"{"commands": [{"type": "com.okta.telephony.action", "value": [{"status": "SUCCESSFUL", "provider": "VONAGE", "transactionId": "SM49a8ece2822d44e4adaccd7ed268f954", "transactionMetadata": "Duration=300ms"}]}]}"#,
        "TelephonyResponse",
    );
    // PasswordImportResponse declares `value.credential` and explains none of `value`; RegistrationInlineHookResponse takes any `commands`.
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/ProfileEnrollmentResponse",
        r#"{"commands": [{"type": "com.action.update", "value": {"registration": "ALLOW"}}]}"#,
        "RegistrationInlineHookResponse",
    );
    // TokenHookResponse and SamlHookResponse declare the same `commands` (`type`, `value` of `op`, `path`, `value`): a tie.
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/TokenHookResponse",
        r#"{"commands": [{"type": "com.okta.identity.patch", "value": [{"op": "add", "path": "/claims/extPatientId", "value": "1234"}]}, {"type": "com.okta.access.patch", "value": [{"op": "add", "path": "/claims/external_guid", "value": "F0384685-F87D-474B-848D-2058AC5655A7"}]}]}"#,
        "Unknown",
    );
    // TokenHookResponse and SamlHookResponse declare the same `commands` (`type`, `value` of `op`, `path`, `value`): a tie.
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/SAMLHookResponseExample",
        r#"{"commands": [{"type": "com.okta.assertion.patch", "value": [{"op": "replace", "path": "/claims/array/attributeValues/1/value", "value": "replacementValue"}, {"op": "replace", "path": "/authentication/authnContext", "value": {"authnContextClassRef": "replacementValue"}}, {"op": "add", "path": "/claims/extPatientId", "value": {"attributes": {"NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"}, "attributeValues": [{"attributes": {"xsi:type": "xs:string"}, "value": "4321"}]}}, {"op": "add", "path": "/authentication/sessionLifetime", "value": 300}]}, {"type": "com.okta.assertion.patch", "value": [{"op": "replace", "path": "/authentication/sessionIndex", "value": "exampleSession"}]}]}"#,
        "Unknown",
    );
    check::<ExecuteInlineHookResponse>(
        "spec example #/components/examples/UserImportChangeAppUserProfileExample",
        r#"{"commands": [{"type": "com.okta.appUser.profile.update", "value": {"firstName": "Stan"}}]}"#,
        "UserImportResponse",
    );
    check::<ExecuteInlineHookResponse>(
        "hand-written",
        r#"{"commands": [{"type": "com.okta.action.update", "value": {"credential": "UNVERIFIED"}}]}"#,
        "PasswordImportResponse",
    );
}

#[test]
fn get_ssf_streams_response() {
    check::<GetSsfStreamsResponse>(
        "spec example #/components/examples/listStreamConfigurationExample",
        r#"[{"aud": "https://example.com", "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "https://example.com"}, "events_delivered": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "events_requested": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "events_supported": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "format": "iss_sub", "iss": "https://{yourOktaDomain}", "min_verification_interval": 0, "stream_id": "esc1k235GIIztAuGK0g5"}]"#,
        "Array",
    );
    check::<GetSsfStreamsResponse>(
        "spec example #/components/examples/streamConfigurationExample",
        r#"{"aud": "https://example.com", "delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "https://example.com"}, "events_delivered": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "events_requested": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "events_supported": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked", "https://schemas.openid.net/secevent/caep/event-type/credential-change"], "format": "iss_sub", "iss": "https://{yourOktaDomain}", "min_verification_interval": 0, "stream_id": "esc1k235GIIztAuGK0g5"}"#,
        "StreamConfiguration",
    );
    check::<GetSsfStreamsResponse>(
        "hand-written",
        r#"[]"#,
        "Array",
    );
    check::<GetSsfStreamsResponse>(
        "hand-written",
        r#"{"delivery": {"method": "urn:ietf:rfc:8935", "endpoint_url": "https://receiver.example.com"}, "events_requested": ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"]}"#,
        "StreamConfiguration",
    );
}

#[test]
fn get_subscriptions_notification_type_role_role_ref() {
    check::<GetSubscriptionsNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""SUPER_ADMIN""#,
        "RoleType",
    );
    check::<GetSubscriptionsNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""cr0Yq6IJxGIr0ouum0g3""#,
        "RoleId",
    );
}

#[test]
fn grace_period_expiry() {
    check::<GracePeriodExpiry>(
        "spec example #/components/examples/DeviceAssuranceAndroidWithGracePeriodRequest (its gracePeriod.expiry)",
        r#""2024-12-01T00:00:00.00Z""#,
        "DateTime",
    );
    check::<GracePeriodExpiry>(
        "spec example #/components/examples/DeviceAssuranceChromeOSWithGracePeriodRequest (its gracePeriod.expiry)",
        r#""P7D""#,
        "TimeDuration",
    );
    check::<GracePeriodExpiry>(
        "spec example #/components/examples/DeviceAssuranceIosWithGracePeriodRequest (its gracePeriod.expiry)",
        r#""P30D""#,
        "TimeDuration",
    );
    check::<GracePeriodExpiry>(
        "spec example #/components/examples/list-mfa-enroll-policy-with-grace-period-response (its gracePeriod.expiry)",
        r#""2025-01-01T18:30:45.000Z""#,
        "DateTime",
    );
    check::<GracePeriodExpiry>(
        "hand-written",
        r#""2025-06-30T12:00:00Z""#,
        "DateTime",
    );
    check::<GracePeriodExpiry>(
        "hand-written",
        r#""PT12H""#,
        "TimeDuration",
    );
}

#[test]
fn group_profile() {
    // Both profiles declare `name` and `description`.
    check::<GroupProfile>(
        "hand-written",
        r#"{"name": "Engineering", "description": "All engineers"}"#,
        "Unknown",
    );
    check::<GroupProfile>(
        "hand-written",
        r#"{"name": "Engineering", "dn": "CN=Eng,DC=corp", "samAccountName": "eng", "windowsDomainQualifiedName": "CORP\\eng", "externalId": "abc=="}"#,
        "OktaActiveDirectoryGroupProfile",
    );
}

#[test]
fn group_schema_attribute_enum_item() {
    check::<GroupSchemaAttributeEnumItem>(
        "hand-written",
        r#""S""#,
        "String",
    );
    check::<GroupSchemaAttributeEnumItem>(
        "hand-written",
        r#"5"#,
        "Integer",
    );
    check::<GroupSchemaAttributeEnumItem>(
        "hand-written",
        r#"1.5"#,
        "Unknown",
    );
}

#[test]
fn list_jwk_response_item() {
    check::<ListJwkResponseItem>(
        "hand-written",
        r#"{"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJnc", "status": "ACTIVE", "id": "pks1"}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<ListJwkResponseItem>(
        "hand-written",
        r#"{"kid": "k2", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJnc", "status": "INACTIVE", "id": "pks2"}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<ListJwkResponseItem>(
        "hand-written",
        r#"{"kid": "k3", "kty": "oct", "use": "enc", "k": "GawgguFyGrWKav7AX4VKUg"}"#,
        "Unknown",
    );
}

#[test]
fn list_subscriptions_role_role_ref() {
    check::<ListSubscriptionsRoleRoleRef>(
        "hand-written",
        r#""SUPER_ADMIN""#,
        "RoleType",
    );
    check::<ListSubscriptionsRoleRoleRef>(
        "hand-written",
        r#""cr0Yq6IJxGIr0ouum0g3""#,
        "RoleId",
    );
}

#[test]
fn open_id_connect_application_settings_client_keys_keys_item() {
    check::<OpenIdConnectApplicationSettingsClientKeysKeysItem>(
        "hand-written",
        r#"{"kid": "k1", "kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "n": "AJnc", "status": "ACTIVE", "id": "pks1"}"#,
        "OAuth2ClientJsonSigningKeyResponse",
    );
    check::<OpenIdConnectApplicationSettingsClientKeysKeysItem>(
        "hand-written",
        r#"{"kid": "k2", "kty": "RSA", "use": "enc", "e": "AQAB", "n": "AJnc", "status": "INACTIVE", "id": "pks2"}"#,
        "OAuth2ClientJsonEncryptionKeyResponse",
    );
    check::<OpenIdConnectApplicationSettingsClientKeysKeysItem>(
        "hand-written",
        r#"{"kid": "k3", "kty": "oct", "use": "enc", "k": "GawgguFyGrWKav7AX4VKUg"}"#,
        "Unknown",
    );
}

#[test]
fn saml_hook_response_commands_item_value_item_value() {
    check::<SamlHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#""1234""#,
        "String",
    );
    check::<SamlHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#"42"#,
        "Integer",
    );
    check::<SamlHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#"{"attributes": {"a": 1}}"#,
        "Map",
    );
}

#[test]
fn start_org_failback_request() {
    check::<StartOrgFailbackRequest>(
        "spec example #/paths/~1api~1v1~1dr~1failback/post/requestBody/content/application~1json/examples/example1",
        r#"{"domains": ["yourOktaDomain.okta.com"]}"#,
        "FailbackRequestSchema",
    );
    // `{}` fits FailbackRequestSchema (nothing required) and EmptyRequestSchema equally.
    check::<StartOrgFailbackRequest>(
        "spec example #/paths/~1api~1v1~1dr~1failback/post/requestBody/content/application~1json/examples/example2",
        r#"{}"#,
        "Unknown",
    );
    check::<StartOrgFailbackRequest>(
        "hand-written",
        r#"{"domains": ["a.okta.com"]}"#,
        "FailbackRequestSchema",
    );
}

#[test]
fn start_org_failover_request() {
    check::<StartOrgFailoverRequest>(
        "spec example #/paths/~1api~1v1~1dr~1failover/post/requestBody/content/application~1json/examples/example1",
        r#"{"domains": ["yourOktaDomain.okta.com"]}"#,
        "FailoverRequestSchema",
    );
    // `{}` fits FailoverRequestSchema (nothing required) and EmptyRequestSchema equally.
    check::<StartOrgFailoverRequest>(
        "spec example #/paths/~1api~1v1~1dr~1failover/post/requestBody/content/application~1json/examples/example2",
        r#"{}"#,
        "Unknown",
    );
    check::<StartOrgFailoverRequest>(
        "hand-written",
        r#"{"domains": ["a.okta.com"]}"#,
        "FailoverRequestSchema",
    );
}

#[test]
fn stream_configuration_aud() {
    check::<StreamConfigurationAud>(
        "hand-written",
        r#""https://receiver.example.com""#,
        "String",
    );
    check::<StreamConfigurationAud>(
        "hand-written",
        r#"["https://a.example.com", "https://b.example.com"]"#,
        "Array",
    );
}

#[test]
fn subscribe_by_notification_type_role_role_ref() {
    check::<SubscribeByNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""SUPER_ADMIN""#,
        "RoleType",
    );
    check::<SubscribeByNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""cr0Yq6IJxGIr0ouum0g3""#,
        "RoleId",
    );
}

#[test]
fn token_hook_response_commands_item_value_item_value() {
    check::<TokenHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#""1234""#,
        "String",
    );
    check::<TokenHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#"42"#,
        "Integer",
    );
    check::<TokenHookResponseCommandsItemValueItemValue>(
        "hand-written",
        r#"{"attributes": {"a": 1}}"#,
        "Map",
    );
}

#[test]
fn unsubscribe_by_notification_type_role_role_ref() {
    check::<UnsubscribeByNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""SUPER_ADMIN""#,
        "RoleType",
    );
    check::<UnsubscribeByNotificationTypeRoleRoleRef>(
        "hand-written",
        r#""cr0Yq6IJxGIr0ouum0g3""#,
        "RoleId",
    );
}

#[test]
fn update_default_provisioning_connection_for_application_request() {
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "spec example #/components/examples/ProvisioningConnectionTokenRequestEx",
        r#"{"baseUrl": "https://scim.zscalerbeta.net/1234567/890/scim", "profile": {"authScheme": "TOKEN", "token": "00NgAPZqUVy8cX9ehNzzahEE5b-On9sImTcInvWp-x"}}"#,
        "ProvisioningConnectionTokenRequest",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "spec example #/components/examples/ProvisioningConnectionTokenOrg2OrgRequestEx",
        r#"{"profile": {"authScheme": "TOKEN", "clientId": "0oa2h6su6bVFyJzIf1d7"}}"#,
        "ProvisioningConnectionTokenRequest",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "spec example #/components/examples/ProvisioningConnectionOAuthOrg2OrgWithRotationRequestEx",
        r#"{"profile": {"authScheme": "OAUTH", "clientId": "0oa2h6su6bVFyJzIf1d7", "signing": {"rotationMode": "AUTO"}}}"#,
        "Unknown",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "spec example #/components/examples/ProvisioningConnectionOauthO365RequestEx",
        r#"{"profile": {"authScheme": "OAUTH2", "settings": {"adminUsername": "office_admin-username", "adminPassword": "office_admin-password"}}}"#,
        "ProvisioningConnectionOauthRequest",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "hand-written",
        r#"{"profile": {"authScheme": "TOKEN", "token": "00abc"}}"#,
        "ProvisioningConnectionTokenRequest",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "hand-written",
        r#"{"profile": {"authScheme": "OAUTH2", "clientId": "0oa1"}}"#,
        "ProvisioningConnectionOauthRequest",
    );
    check::<UpdateDefaultProvisioningConnectionForApplicationRequest>(
        "hand-written",
        r#"{"profile": {"authScheme": "BASIC"}}"#,
        "Unknown",
    );
}

#[test]
fn update_feature_for_application_request() {
    check::<UpdateFeatureForApplicationRequest>(
        "spec example #/components/examples/UpdateAppFeatureRequestEx",
        r#"{"create": {"lifecycleCreate": {"status": "ENABLED"}}, "update": {"lifecycleDeactivate": {"status": "ENABLED"}, "profile": {"status": "ENABLED"}, "password": {"status": "ENABLED", "seed": "RANDOM", "change": "CHANGE"}}}"#,
        "CapabilitiesObject",
    );
    // The example spells the required `usernameFormat` as `userNameFormat`, so it is no CapabilitiesInboundProvisioningObject, and CapabilitiesObject explains none of it.
    check::<UpdateFeatureForApplicationRequest>(
        "spec example #/components/examples/UpdateInboundProvisioningFeatureRequestEx",
        r#"{"importSettings": {"username": {"userNameFormat": "EMAIL"}, "schedule": {"status": "DISABLED", "fullImport": null, "incrementalImport": null}}, "importRules": {"userCreateAndMatch": {"exactMatchCriteria": "EMAIL", "allowPartialMatch": false, "autoConfirmPartialMatch": false, "autoConfirmExactMatch": false, "autoConfirmNewUsers": false, "autoActivateNewUsers": false}}}"#,
        "Unknown",
    );
    check::<UpdateFeatureForApplicationRequest>(
        "hand-written",
        r#"{"create": {"lifecycleCreate": {"status": "ENABLED"}}}"#,
        "CapabilitiesObject",
    );
}

#[test]
fn user_factor_activate_request() {
    check::<UserFactorActivateRequest>(
        "hand-written",
        r#"{"useNumberMatchingChallenge": true}"#,
        "Variant2",
    );
    // call, email, sms and totp all declare only `passCode`.
    check::<UserFactorActivateRequest>(
        "hand-written",
        r#"{"passCode": "123456"}"#,
        "Unknown",
    );
    check::<UserFactorActivateRequest>(
        "hand-written",
        r#"{"clientData": "eyJ", "registrationData": "BQQ"}"#,
        "Variant5",
    );
    check::<UserFactorActivateRequest>(
        "hand-written",
        r#"{"attestation": "o2N", "clientData": "eyJ"}"#,
        "Variant6",
    );
}

#[test]
fn user_factor_token_verify() {
    check::<UserFactorTokenVerify>(
        "hand-written",
        r#"{"passCode": "123456", "nextPassCode": 654321}"#,
        "Symantec",
    );
    // Both declare `passCode`.
    check::<UserFactorTokenVerify>(
        "hand-written",
        r#"{"passCode": "123456"}"#,
        "Unknown",
    );
}

#[test]
fn user_factor_verify_request() {
    check::<UserFactorVerifyRequest>(
        "hand-written",
        r#"{"useNumberMatchingChallenge": true}"#,
        "Variant2",
    );
    // call, sms, email and the token factors all declare only `passCode`.
    check::<UserFactorVerifyRequest>(
        "hand-written",
        r#"{"passCode": "123456"}"#,
        "Unknown",
    );
    check::<UserFactorVerifyRequest>(
        "hand-written",
        r#"{"answer": "a cat named Bob"}"#,
        "Variant4",
    );
    // webauthn declares `clientData` and `signatureData` too: u2f and webauthn tie.
    check::<UserFactorVerifyRequest>(
        "hand-written",
        r#"{"clientData": "eyJ", "signatureData": "AQID"}"#,
        "Unknown",
    );
    // webauthn declares `clientData` and `signatureData` too: u2f and webauthn tie.
    check::<UserFactorVerifyRequest>(
        "hand-written",
        r#"{"authenticatorData": "SZY", "clientData": "eyJ", "signatureData": "AQID"}"#,
        "Variant10",
    );
}

#[test]
fn user_schema_attribute_default() {
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#""default""#,
        "String",
    );
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#"true"#,
        "Bool",
    );
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#"7"#,
        "Integer",
    );
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#"2.5"#,
        "Number",
    );
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#"["a"]"#,
        "Array",
    );
    check::<UserSchemaAttributeDefault>(
        "hand-written",
        r#"{"k": "v"}"#,
        "Map",
    );
}

#[test]
fn user_schema_attribute_enum_item() {
    check::<UserSchemaAttributeEnumItem>(
        "hand-written",
        r#""S""#,
        "String",
    );
    check::<UserSchemaAttributeEnumItem>(
        "hand-written",
        r#"5"#,
        "Integer",
    );
    check::<UserSchemaAttributeEnumItem>(
        "hand-written",
        r#"1.5"#,
        "Unknown",
    );
}
