#![cfg(feature = "fake")]
//! The fake's groups, memberships and single users: the group uploads in
//! the session lifecycle, their limits, the memberships pages and their
//! `Link` headers, rate-limit buckets and fault injection by operationId.

use std::time::Duration;

use okta_identity_source::fake::{
    FakeConfig, FakeGroup, FakeOkta, Fault, FaultKind, RateLimitBucket, causes,
};
use reqwest::{Method, Response};
use serde_json::{Value, json};

struct Api {
    fake: FakeOkta,
    http: reqwest::Client,
    auth: String,
}

impl Api {
    fn start(config: FakeConfig) -> Api {
        let fake = FakeOkta::start(
            config
                .processing_delay(Duration::from_secs(1))
                .cooldown(Duration::ZERO),
        )
        .expect("fake starts");
        let auth = format!("SSWS {}", fake.api_token());
        Api {
            fake,
            http: okta_identity_source::__private::testing::reqwest_client_builder()
                .build()
                .expect("reqwest client"),
            auth,
        }
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/api/v1/identity-sources/{}/{tail}",
            self.fake.base_url(),
            self.fake.identity_source_id()
        )
    }

    async fn send(&self, method: Method, tail: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, self.url(tail))
            .header("Authorization", &self.auth);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("the fake answers")
    }

    async fn session(&self) -> String {
        let resp = self.send(Method::POST, "sessions", None).await;
        assert_eq!(resp.status(), 201);
        let body: Value = resp.json().await.expect("session");
        body["id"].as_str().expect("id").to_owned()
    }

    async fn status(&self, sid: &str) -> String {
        let body: Value = self
            .send(Method::GET, &format!("sessions/{sid}"), None)
            .await
            .json()
            .await
            .expect("session");
        body["status"].as_str().unwrap_or_default().to_owned()
    }
}

async fn error(resp: Response, status: u16) -> (String, Vec<String>) {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.expect("error body");
    let causes = body["errorCauses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["errorSummary"].as_str().map(str::to_owned))
        .collect();
    (
        body["errorCode"].as_str().unwrap_or_default().to_owned(),
        causes,
    )
}

fn group_profiles(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"externalId": format!("g{i}"), "profile": {"displayName": format!("G{i}")}}))
            .collect(),
    )
}

#[tokio::test]
async fn group_uploads_follow_the_session_lifecycle() {
    let api = Api::start(FakeConfig::default());
    let sid = api.session().await;
    // A groups delete naming no known group is accepted but ineffective.
    let resp = api
        .send(
            Method::POST,
            &format!("sessions/{sid}/bulk-groups-delete"),
            Some(json!({"externalIds": ["nobody"]})),
        )
        .await;
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.content_length(), Some(0));
    assert_eq!(api.status(&sid).await, "CREATED");
    let (code, _) = error(
        api.send(Method::POST, &format!("sessions/{sid}/start-import"), None)
            .await,
        400,
    )
    .await;
    assert_eq!(code, "E0000001");
    // A groups upsert makes it IN_PROGRESS; a later delete of that group is
    // effective too.
    let resp = api
        .send(
            Method::POST,
            &format!("sessions/{sid}/bulk-groups-upsert"),
            Some(json!({"profiles": group_profiles(2)})),
        )
        .await;
    assert_eq!(resp.status(), 202);
    assert_eq!(api.status(&sid).await, "IN_PROGRESS");
    let resp = api
        .send(Method::POST, &format!("sessions/{sid}/start-import"), None)
        .await;
    assert_eq!(resp.status(), 200);
    // After the trigger, group uploads are refused like user uploads.
    for action in [
        "bulk-groups-upsert",
        "bulk-groups-delete",
        "bulk-group-memberships-upsert",
        "bulk-group-memberships-delete",
    ] {
        let body = match action {
            "bulk-groups-upsert" => json!({"profiles": group_profiles(1)}),
            "bulk-groups-delete" => json!({"externalIds": ["g0"]}),
            _ => json!({"memberships": [{"groupExternalId": "g0", "memberExternalIds": ["u"]}]}),
        };
        let (code, causes_sent) = error(
            api.send(
                Method::POST,
                &format!("sessions/{sid}/{action}"),
                Some(body),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(code, "E0000001", "{action}");
        assert_eq!(causes_sent, [causes::UPLOAD_NOT_ALLOWED], "{action}");
    }
    // Nothing is applied until processing; then the groups exist.
    assert!(api.fake.groups(api.fake.identity_source_id()).is_empty());
    api.fake.advance_clock(Duration::from_secs(2));
    let groups = api.fake.groups(api.fake.identity_source_id());
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].profile["displayName"], "G0");
    assert!(groups[0].id.starts_with("00g"));
}

#[tokio::test]
async fn group_upload_limits() {
    let api = Api::start(FakeConfig::default());
    let sid = api.session().await;
    let upload = |action: &'static str, body: Value| {
        let sid = sid.clone();
        let api = &api;
        async move {
            api.send(
                Method::POST,
                &format!("sessions/{sid}/{action}"),
                Some(body),
            )
            .await
        }
    };
    let (code, causes_sent) = error(
        upload(
            "bulk-groups-upsert",
            json!({"profiles": group_profiles(201)}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(code, "E0000001");
    assert_eq!(
        causes_sent,
        ["profiles: A bulk-load request may contain at most 200 entities; this one has 201."]
    );
    assert_eq!(
        upload(
            "bulk-groups-upsert",
            json!({"profiles": group_profiles(200)})
        )
        .await
        .status(),
        202
    );
    let long = "x".repeat(256);
    let (_, causes_sent) = error(
        upload("bulk-groups-delete", json!({"externalIds": [long]})).await,
        400,
    )
    .await;
    assert_eq!(
        causes_sent,
        ["externalIds[0]: The field may be at most 255 characters long; it has 256."]
    );
    let (_, causes_sent) = error(
        upload(
            "bulk-groups-upsert",
            json!({"profiles": [{"externalId": "g", "profile": {"displayName": "G", "size": 3}}]}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(
        causes_sent,
        ["profiles[0].profile.size: Profile attributes can only be of the string type."]
    );
    let (_, causes_sent) = error(
        upload(
            "bulk-group-memberships-upsert",
            json!({"memberships": [{"groupExternalId": "g"}]}),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(
        causes_sent,
        ["memberships[0].memberExternalIds: The memberExternalIds array is missing or empty."]
    );
    let (code, _) = error(
        upload("bulk-group-memberships-delete", json!({"memberships": {}})).await,
        400,
    )
    .await;
    assert_eq!(code, "E0000003");
}

#[tokio::test]
async fn memberships_pages_carry_self_and_next_links() {
    let api = Api::start(FakeConfig::default().membership_page_size(2));
    let isid = api.fake.identity_source_id().to_owned();
    api.fake.insert_group(
        &isid,
        FakeGroup::new("g/1")
            .display_name("G")
            .members(["m1", "m2", "m3"]),
    );
    let base = format!(
        "{}/api/v1/identity-sources/{isid}/groups/g%2F1/membership",
        api.fake.base_url()
    );
    let resp = api.send(Method::GET, "groups/g%2F1/membership", None).await;
    assert_eq!(resp.status(), 200);
    let links: Vec<String> = resp
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        links,
        [
            format!("<{base}>; rel=\"self\""),
            format!("<{base}?after=m2&limit=2>; rel=\"next\""),
        ]
    );
    let body: Value = resp.json().await.expect("page");
    assert_eq!(body, json!({"memberExternalIds": ["m1", "m2"]}));

    let resp = api
        .send(
            Method::GET,
            "groups/g%2F1/membership?after=m2&limit=2",
            None,
        )
        .await;
    let links: Vec<String> = resp
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(links, [format!("<{base}?after=m2&limit=2>; rel=\"self\"")]);
    let body: Value = resp.json().await.expect("page");
    assert_eq!(body, json!({"memberExternalIds": ["m3"]}));

    // Above the maximum is lowered to 1000; not a positive integer is a 400.
    let resp = api
        .send(Method::GET, "groups/g%2F1/membership?limit=5000", None)
        .await;
    let body: Value = resp.json().await.expect("page");
    assert_eq!(body["memberExternalIds"].as_array().map(Vec::len), Some(3));
    for bad in ["0", "-1", "abc"] {
        let (code, _) = error(
            api.send(
                Method::GET,
                &format!("groups/g%2F1/membership?limit={bad}"),
                None,
            )
            .await,
            400,
        )
        .await;
        assert_eq!(code, "E0000001", "limit={bad}");
    }
    // An empty group answers an empty list.
    api.fake.insert_group(&isid, FakeGroup::new("empty"));
    let body: Value = api
        .send(Method::GET, "groups/empty/membership", None)
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(body, json!({"memberExternalIds": []}));
}

#[tokio::test]
async fn users_and_groups_have_their_own_buckets_and_faults() {
    let api = Api::start(
        FakeConfig::default()
            .bucket_limit(RateLimitBucket::Groups, 1)
            .bucket_limit(RateLimitBucket::Users, 5),
    );
    let isid = api.fake.identity_source_id().to_owned();
    api.fake
        .insert_group(&isid, FakeGroup::new("g").display_name("G"));
    let first = api.send(Method::GET, "groups/g", None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-rate-limit-limit"], "1");
    let (code, _) = error(
        api.send(Method::GET, "groups/g/membership", None).await,
        429,
    )
    .await;
    assert_eq!(code, "E0000047");
    // Users and sessions are other buckets.
    let resp = api.send(Method::GET, "users/nobody", None).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["x-rate-limit-limit"], "5");
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "4");
    assert_eq!(api.send(Method::GET, "sessions", None).await.status(), 200);

    // Faults target the new operations by operationId.
    api.fake.inject(Fault::on_operation(
        "getIdentitySourceUser",
        FaultKind::ServiceUnavailable,
    ));
    let (code, _) = error(api.send(Method::GET, "users/nobody", None).await, 503).await;
    assert_eq!(code, "E0000010");
    let log = api.fake.requests();
    let last = log.last().expect("logged");
    assert_eq!(last.operation_id, Some("getIdentitySourceUser"));
    assert_eq!(last.fault, Some(FaultKind::ServiceUnavailable));
}

#[tokio::test]
async fn method_not_allowed_lists_the_spec_methods() {
    let api = Api::start(FakeConfig::default());
    for (method, tail, allow) in [
        (Method::PUT, "groups/g", "GET, POST, DELETE"),
        (Method::GET, "users", "POST"),
        (Method::POST, "users/u", "GET, PUT, PATCH, DELETE"),
        (Method::DELETE, "groups/g/membership", "GET, POST"),
    ] {
        let resp = api.send(method.clone(), tail, None).await;
        assert_eq!(resp.status(), 405, "{method} {tail}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {tail}");
    }
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships() {
    let api = Api::start(FakeConfig::default());
    let isid = api.fake.identity_source_id().to_owned();
    let resp = api
        .send(
            Method::POST,
            "users",
            Some(json!({"externalId": "u1", "profile": {"email": "u1@example.com", "userName": "u1"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let (code, causes_sent) = error(
        api.send(
            Method::POST,
            "users",
            Some(json!({"externalId": "u1", "profile": {"email": "u1@example.com", "userName": "u1"}})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(code, "E0000001");
    assert_eq!(
        causes_sent,
        ["externalId: A user with externalId u1 already exists in the identity source."]
    );
    api.fake
        .insert_group(&isid, FakeGroup::new("g").members(["u1", "u2"]));
    assert_eq!(
        api.send(Method::DELETE, "users/u1", None).await.status(),
        204
    );
    assert_eq!(api.fake.members(&isid, "g"), ["u2"]);
    assert_eq!(
        api.send(Method::DELETE, "users/u1", None).await.status(),
        404
    );
}
