#![cfg(feature = "fake")]
//! Every answer of the fake conforms to `spec/okta-identity-source.yaml`.
//!
//! The spec is read here with `serde_yaml`, so this test follows it: for
//! every operation it declares, the test drives the fake to the success
//! answer and to every error status the operation declares (400, 403, 404,
//! 429) plus 401, which every Okta endpoint can send. Each answer is checked
//!
//! - against the status codes the operation declares (plus 401, plus the
//!   short list [`UNDECLARED`] of statuses the service is documented to send
//!   although the spec does not declare them);
//! - against the declared response schema, walked from the spec: every
//!   property of the body is declared, required ones are present, types,
//!   enums, `nullable`, `maxLength` and `date-time` hold;
//! - by decoding it into the generated model type of that response, with
//!   no field left in an `additional_properties` map;
//! - for `Content-Type: application/json` exactly when there is a body, and
//!   for `X-Okta-Request-Id` and the `X-Rate-Limit-*` headers.
//!
//! Request bodies are the spec's own examples.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use okta_identity_source::fake::{
    FakeConfig, FakeGroup, FakeOkta, FakeUser, GroupProfileShape, SCOPE_MANAGE, SCOPE_READ,
    UserStatus,
};
use okta_identity_source::models;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const SPEC: &str = include_str!("../../spec/okta-identity-source.yaml");

/// Statuses the fake sends that the spec does not declare for the
/// operation, each documented (operationId, status, why). The test fails if
/// the fake sends any other undeclared status.
const UNDECLARED: [(&str, u16, &str); 9] = [
    (
        "createIdentitySourceSession",
        400,
        "BEHAVIOUR.md 3.3: a second loading session or the cool-down gives 400 E0000001",
    ),
    (
        "deleteIdentitySourceSession",
        400,
        "BEHAVIOUR.md 3.3: cancel of a session not CREATED/IN_PROGRESS gives 400 (recorded)",
    ),
    (
        "startImportFromIdentitySource",
        400,
        "BEHAVIOUR.md 3.3: start-import of a session not IN_PROGRESS gives 400",
    ),
    (
        "createIdentitySourceUser",
        400,
        "the spec's own schema requires profile.email and profile.userName",
    ),
    (
        "replaceExistingIdentitySourceUser",
        400,
        "the spec's own schema requires profile.email and profile.userName",
    ),
    (
        "updateIdentitySourceUsers",
        400,
        "the spec's own schema requires profile.email and profile.userName",
    ),
    (
        "createIdentitySourceGroups",
        400,
        "an invalid body (displayName is minLength 1) cannot succeed",
    ),
    (
        "updateIdentitySourceGroups",
        400,
        "an invalid body (displayName is minLength 1) cannot succeed",
    ),
    (
        "getIdentitySourceGroupMemberships",
        400,
        "a limit that is not a positive integer",
    ),
];

// ----- the spec -----

struct Spec {
    doc: Value,
    ops: BTreeMap<String, SpecOp>,
}

#[derive(Debug)]
struct SpecOp {
    method: Method,
    path: String,
    scopes: Vec<String>,
    has_body: bool,
    request_example: Option<Value>,
    /// Declared status → schema of its JSON content (`None`: no content).
    responses: BTreeMap<u16, Option<Value>>,
}

impl Spec {
    fn load() -> Spec {
        let doc: Value = serde_yaml::from_str(SPEC).expect("spec parses as YAML");
        let mut ops = BTreeMap::new();
        let paths = doc["paths"].as_object().expect("paths");
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                let method = match method.as_str() {
                    "get" => Method::GET,
                    "post" => Method::POST,
                    "put" => Method::PUT,
                    "patch" => Method::PATCH,
                    "delete" => Method::DELETE,
                    _ => continue,
                };
                let id = op["operationId"].as_str().expect("operationId").to_owned();
                let scopes = op["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s["oauth2"].as_array())
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                let body = &op["requestBody"]["content"]["application/json"];
                let request_example = body["examples"]
                    .as_object()
                    .and_then(|e| e.values().next())
                    .map(|e| resolve(&doc, e)["value"].clone());
                let mut responses = BTreeMap::new();
                for (status, response) in op["responses"].as_object().expect("responses") {
                    let response = resolve(&doc, response);
                    let schema = response["content"]["application/json"]["schema"].clone();
                    responses.insert(
                        status.parse::<u16>().expect("numeric status"),
                        (!schema.is_null()).then_some(schema),
                    );
                }
                ops.insert(
                    id,
                    SpecOp {
                        method,
                        path: path.clone(),
                        scopes,
                        has_body: !body.is_null(),
                        request_example,
                        responses,
                    },
                );
            }
        }
        Spec { doc, ops }
    }
}

/// Follows a local `$ref` (once per level).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local $ref");
            resolve(doc, doc.pointer(pointer).expect("$ref resolves"))
        }
        None => v,
    }
}

/// The name of a response schema: `Name` for a `$ref`, `[Name]` for an
/// array of them.
fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if schema["type"] == "array" {
        return format!("[{}]", schema_name(&schema["items"]));
    }
    "<inline>".to_owned()
}

/// Properties, required names and `nullable` of an object schema, through
/// `$ref` and `allOf`.
fn object_parts(doc: &Value, schema: &Value) -> (BTreeMap<String, Value>, BTreeSet<String>) {
    let schema = resolve(doc, schema);
    let mut props = BTreeMap::new();
    let mut required = BTreeSet::new();
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            let (p, r) = object_parts(doc, part);
            props.extend(p);
            required.extend(r);
        }
    }
    if let Some(p) = schema["properties"].as_object() {
        props.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(r) = schema["required"].as_array() {
        required.extend(r.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    (props, required)
}

/// Checks `value` against `schema`, adding one line per problem.
fn check_schema(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if value.is_null() {
        if schema["nullable"] != true {
            problems.push(format!("{at}: null but not nullable"));
        }
        return;
    }
    let ty = schema["type"].as_str().unwrap_or(
        if schema.get("properties").is_some() || schema.get("allOf").is_some() {
            "object"
        } else {
            ""
        },
    );
    match ty {
        "object" => {
            let Some(object) = value.as_object() else {
                problems.push(format!("{at}: expected an object, got {value}"));
                return;
            };
            let (props, required) = object_parts(doc, schema);
            for name in &required {
                if !object.contains_key(name) {
                    problems.push(format!("{at}.{name}: required but absent"));
                }
            }
            for (name, v) in object {
                match props.get(name) {
                    Some(s) => check_schema(doc, s, v, &format!("{at}.{name}"), problems),
                    None => problems.push(format!("{at}.{name}: not declared by the spec")),
                }
            }
        }
        "array" => {
            let Some(items) = value.as_array() else {
                problems.push(format!("{at}: expected an array, got {value}"));
                return;
            };
            if let Some(max) = schema["maxItems"].as_u64()
                && items.len() as u64 > max
            {
                problems.push(format!("{at}: more than {max} items"));
            }
            for (i, item) in items.iter().enumerate() {
                check_schema(doc, &schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
        "string" => {
            let Some(s) = value.as_str() else {
                problems.push(format!("{at}: expected a string, got {value}"));
                return;
            };
            if let Some(max) = schema["maxLength"].as_u64()
                && s.chars().count() as u64 > max
            {
                problems.push(format!("{at}: longer than {max}"));
            }
            if let Some(values) = schema["enum"].as_array()
                && !values.iter().any(|v| v == s)
            {
                problems.push(format!("{at}: {s:?} is not one of {values:?}"));
            }
            if schema["format"] == "date-time" && chrono::DateTime::parse_from_rfc3339(s).is_err() {
                problems.push(format!("{at}: {s:?} is not a date-time"));
            }
        }
        "integer" if !value.is_i64() => problems.push(format!("{at}: expected an integer")),
        _ => {}
    }
}

// ----- the generated types, strictly -----

/// Fields that landed in an `additional_properties` map, i.e. that the spec
/// does not declare.
trait Extras {
    fn extras(&self, at: &str, out: &mut Vec<String>);
}

fn keys_of(map: &BTreeMap<String, Value>, at: &str, out: &mut Vec<String>) {
    out.extend(
        map.keys()
            .map(|k| format!("{at}.{k} (additional_properties)")),
    );
}

impl<T: Extras> Extras for Vec<T> {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        for (i, item) in self.iter().enumerate() {
            item.extras(&format!("{at}[{i}]"), out);
        }
    }
}

impl<T: Extras> Extras for Option<T> {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        if let Some(v) = self {
            v.extras(at, out);
        }
    }
}

impl Extras for models::IdentitySourceSession {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
    }
}

impl Extras for models::ErrorModel {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
        self.error_causes.extras(&format!("{at}.errorCauses"), out);
    }
}

impl Extras for models::ErrorCause {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
    }
}

impl Extras for models::GroupsResponseSchema {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
        self.profile.extras(&format!("{at}.profile"), out);
    }
}

impl Extras for models::IdentitySourceGroupProfileForUpsert {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
    }
}

impl Extras for models::GroupMembershipsResponseSchema {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
    }
}

impl Extras for models::UserResponseSchema {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
        self.profile.extras(&format!("{at}.profile"), out);
    }
}

impl Extras for models::IdentitySourceUserProfileForUpsert {
    fn extras(&self, at: &str, out: &mut Vec<String>) {
        keys_of(&self.additional_properties, at, out);
    }
}

fn strict<T: DeserializeOwned + Extras>(body: &[u8], out: &mut Vec<String>) {
    match serde_json::from_slice::<T>(body) {
        Ok(v) => v.extras("$", out),
        Err(e) => out.push(format!(
            "does not decode as {}: {e}",
            std::any::type_name::<T>()
        )),
    }
}

/// Decodes `body` into the generated type of the spec schema `name`.
fn decode_generated(name: &str, body: &[u8], out: &mut Vec<String>) {
    match name {
        "IdentitySourceSession" => strict::<models::IdentitySourceSession>(body, out),
        "[IdentitySourceSession]" => strict::<Vec<models::IdentitySourceSession>>(body, out),
        "Error" => strict::<models::ErrorModel>(body, out),
        "GroupsResponseSchema" => strict::<models::GroupsResponseSchema>(body, out),
        "GroupMembershipsResponseSchema" => {
            strict::<models::GroupMembershipsResponseSchema>(body, out)
        }
        "UserResponseSchema" => strict::<models::UserResponseSchema>(body, out),
        other => out.push(format!("no generated type is mapped for schema {other}")),
    }
}

// ----- driving the fake -----

struct Ctx {
    spec: Spec,
    fake: FakeOkta,
    http: reqwest::Client,
    ssws: String,
    /// A bearer token per scope, each with that scope only.
    bearer: BTreeMap<&'static str, String>,
    /// (operationId, status) seen.
    seen: BTreeSet<(String, u16)>,
    problems: Vec<String>,
}

/// Path parameter values of one request.
#[derive(Clone)]
struct Params {
    isid: String,
    sid: String,
    external_id: String,
    group: String,
    member: String,
}

const USER: &str = "EXT987654321Z9Y7X";
const GROUP: &str = "GROUPEXT123456784C2IF";
const MEMBER: &str = "USEREXT123456784C2IFA";

fn config() -> FakeConfig {
    FakeConfig::default()
        .processing_delay(Duration::from_millis(20))
        .cooldown(Duration::ZERO)
        .manage_scope_grants_read(false)
}

impl Ctx {
    fn start(config: FakeConfig) -> Ctx {
        let fake = FakeOkta::start(config).expect("fake starts");
        let ssws = format!("SSWS {}", fake.api_token());
        let bearer = [SCOPE_READ, SCOPE_MANAGE]
            .into_iter()
            .map(|s| (s, fake.issue_bearer_token(&[s])))
            .collect();
        Ctx {
            spec: Spec::load(),
            fake,
            http: okta_identity_source::__private::testing::reqwest_client_builder()
                .build()
                .expect("reqwest client"),
            ssws,
            bearer,
            seen: BTreeSet::new(),
            problems: Vec::new(),
        }
    }

    fn url(&self, op: &SpecOp, p: &Params) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let path = op
            .path
            .replace("{identitySourceId}", &enc(&p.isid))
            .replace("{sessionId}", &enc(&p.sid))
            .replace("{externalId}", &enc(&p.external_id))
            .replace("{groupOrExternalId}", &enc(&p.group))
            .replace("{memberExternalId}", &enc(&p.member));
        format!("{}{path}", self.fake.base_url())
    }

    /// A new identity source holding one user and one group with two
    /// members (unless `op_id` creates them from the spec's example, which
    /// uses the same `externalId`s), and (when `session`) a CREATED session.
    async fn fresh_for(&self, op_id: &str, session: bool) -> Params {
        let isid = self.fake.register_identity_source();
        let seed = op_id != "createIdentitySourceUser" && op_id != "createIdentitySourceGroups";
        if seed {
            self.seed(&isid);
        }
        let sid = if session {
            self.create_session(&isid).await
        } else {
            "apsNOSESSION00000000".to_owned()
        };
        Params {
            isid,
            sid,
            external_id: USER.to_owned(),
            group: GROUP.to_owned(),
            member: MEMBER.to_owned(),
        }
    }

    async fn fresh(&self, session: bool) -> Params {
        self.fresh_for("", session).await
    }

    async fn create_session(&self, isid: &str) -> String {
        let resp = self
            .http
            .post(format!(
                "{}/api/v1/identity-sources/{isid}/sessions",
                self.fake.base_url()
            ))
            .header("Authorization", &self.ssws)
            .send()
            .await
            .expect("create answers");
        let body: Value = resp.json().await.expect("session");
        body["id"].as_str().expect("session id").to_owned()
    }

    fn seed(&self, isid: &str) {
        self.fake.insert_user(
            isid,
            FakeUser {
                external_id: USER.to_owned(),
                status: UserStatus::Active,
                profile: [("email", "a@example.com"), ("userName", "a@example.com")]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
        );
        self.fake.insert_group(
            isid,
            FakeGroup::new(GROUP)
                .display_name("West Coast users")
                .members([MEMBER, "USEREXT123456784C3IFB"]),
        );
    }

    /// Sends one request of `op_id` and checks the answer against the spec;
    /// returns its status.
    async fn call(
        &mut self,
        op_id: &str,
        p: &Params,
        auth: Option<&str>,
        query: Option<&str>,
        body: Option<&Value>,
    ) -> u16 {
        let op = &self.spec.ops[op_id];
        let mut url = self.url(op, p);
        if let Some(q) = query {
            url = format!("{url}?{q}");
        }
        let mut req = self.http.request(op.method.clone(), &url);
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        if let Some(body) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let resp = req.send().await.expect("the fake answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let here = format!("{op_id} {status}");
        let op = &self.spec.ops[op_id];

        let declared = op.responses.contains_key(&status)
            || status == 401
            || UNDECLARED
                .iter()
                .any(|(o, s, _)| *o == op_id && *s == status);
        if !declared {
            self.problems
                .push(format!("{here}: status not declared by the spec"));
        }
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let has_body = !bytes.is_empty();
        if has_body != (content_type.as_deref() == Some("application/json")) {
            self.problems.push(format!(
                "{here}: body of {} bytes with Content-Type {content_type:?}",
                bytes.len()
            ));
        }
        if has_body && content_type.is_some() && content_type.as_deref() != Some("application/json")
        {
            self.problems
                .push(format!("{here}: Content-Type {content_type:?}"));
        }
        for name in [
            "x-okta-request-id",
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
            "date",
        ] {
            if headers.get(name).is_none() {
                self.problems.push(format!("{here}: no {name} header"));
            }
        }
        // The schema: the declared one, or `Error` for an error status the
        // spec leaves out (401 and the documented ones).
        let schema = match op.responses.get(&status) {
            Some(s) => s.clone(),
            None if status >= 400 => Some(json!({"$ref": "#/components/schemas/Error"})),
            None => None,
        };
        match (schema, has_body) {
            (Some(schema), true) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => {
                    let mut found = Vec::new();
                    check_schema(&self.spec.doc, &schema, &value, "$", &mut found);
                    decode_generated(&schema_name(&schema), &bytes, &mut found);
                    self.problems
                        .extend(found.into_iter().map(|f| format!("{here}: {f}")));
                }
                Err(e) => self.problems.push(format!("{here}: not JSON: {e}")),
            },
            (Some(_), false) => {
                // Only a bearer-token refusal answers without the declared
                // body: Okta puts the reason in WWW-Authenticate (BEHAVIOUR.md 7).
                let challenge = headers
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !(matches!(status, 401 | 403) && challenge.starts_with("Bearer ")) {
                    self.problems
                        .push(format!("{here}: the spec declares a body, none was sent"));
                }
            }
            (None, true) => self.problems.push(format!(
                "{here}: the spec declares no body, got {:?}",
                String::from_utf8_lossy(&bytes)
            )),
            (None, false) => {}
        }
        self.seen.insert((op_id.to_owned(), status));
        status
    }
}

/// A body the operation must refuse with 400 (`None`: none is provokable
/// through the body).
fn bad_body(op_id: &str) -> Option<Value> {
    Some(match op_id {
        "uploadIdentitySourceDataForUpsert" | "uploadIdentitySourceDataForDelete" => {
            json!({"entityType": "USERS", "profiles": []})
        }
        "uploadIdentitySourceGroupsForUpsert" => json!({"profiles": []}),
        "uploadIdentitySourceGroupsDataForDelete" => json!({"externalIds": []}),
        "uploadIdentitySourceGroupMembershipsForUpsert"
        | "uploadIdentitySourceGroupMembershipsForDelete" => json!({"memberships": []}),
        "createIdentitySourceGroupsMemberships" => json!({}),
        "createIdentitySourceUser" => {
            json!({"externalId": "x", "profile": {"userName": "x@example.com"}})
        }
        "replaceExistingIdentitySourceUser" | "updateIdentitySourceUsers" => {
            json!({"profile": {"userName": "x@example.com"}})
        }
        "createIdentitySourceGroups" => json!({"externalId": "g-new", "profile": {}}),
        "updateIdentitySourceGroups" => json!({"profile": {"displayName": ""}}),
        _ => return None,
    })
}

/// Provokes a 400 of an operation whose 400 comes from the session's state.
async fn lifecycle_400(ctx: &mut Ctx, op_id: &str) -> Option<u16> {
    let auth = ctx.ssws.clone();
    match op_id {
        "createIdentitySourceSession" => {
            let p = ctx.fresh(true).await; // a loading session exists
            Some(ctx.call(op_id, &p, Some(&auth), None, None).await)
        }
        "deleteIdentitySourceSession" => {
            let p = ctx.fresh(true).await;
            ctx.call(op_id, &p, Some(&auth), None, None).await; // 204, CLOSED
            Some(ctx.call(op_id, &p, Some(&auth), None, None).await)
        }
        "startImportFromIdentitySource" => {
            let p = ctx.fresh(true).await; // CREATED: nothing uploaded
            Some(ctx.call(op_id, &p, Some(&auth), None, None).await)
        }
        "getIdentitySourceGroupMemberships" => {
            let p = ctx.fresh(false).await;
            Some(
                ctx.call(op_id, &p, Some(&auth), Some("limit=0"), None)
                    .await,
            )
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_answer_of_every_operation_conforms_to_the_spec() {
    let mut ctx = Ctx::start(config());
    // The operations the fake serves, whatever else spec/ holds.
    let ids: Vec<String> = FakeOkta::operation_ids()
        .iter()
        .map(|id| (*id).to_owned())
        .collect();
    for id in &ids {
        assert!(
            ctx.spec.ops.contains_key(id),
            "the fake serves {id}, which spec/ does not declare"
        );
    }
    let wrong = "SSWS not-a-token".to_owned();

    for op_id in &ids {
        let (scope, needs_session, example, has_body) = {
            let op = &ctx.spec.ops[op_id];
            assert_eq!(op.scopes.len(), 1, "{op_id}: one OAuth scope");
            let scope = if op.scopes[0] == SCOPE_READ {
                SCOPE_READ
            } else {
                SCOPE_MANAGE
            };
            (
                scope,
                op.path.contains("{sessionId}"),
                op.request_example.clone(),
                op.has_body,
            )
        };
        assert_eq!(has_body, example.is_some(), "{op_id}: an example body");

        // Success, with a bearer token that has exactly the declared scope.
        let p = ctx.fresh_for(op_id, needs_session).await;
        if op_id == "startImportFromIdentitySource" {
            let resp = ctx
                .http
                .post(format!(
                    "{}/bulk-upsert",
                    ctx.url(&ctx.spec.ops["getIdentitySourceSession"], &p)
                ))
                .header("Authorization", &ctx.ssws)
                .json(&json!({"entityType": "USERS", "profiles": [
                    {"externalId": "u1", "profile": {"userName": "u1@example.com"}}]}))
                .send()
                .await
                .expect("upload answers");
            assert_eq!(resp.status(), 202);
        }
        let token = format!("Bearer {}", ctx.bearer[scope]);
        let status = ctx
            .call(op_id, &p, Some(&token), None, example.as_ref())
            .await;
        assert!(
            (200..300).contains(&status),
            "{op_id}: success, got {status}"
        );

        // 401: a wrong API token.
        let p = ctx.fresh(needs_session).await;
        assert_eq!(
            ctx.call(op_id, &p, Some(&wrong), None, example.as_ref())
                .await,
            401
        );
        // 403: no Authorization header (JSON E0000005), and a bearer token
        // with the other scope only (empty body, WWW-Authenticate).
        assert_eq!(ctx.call(op_id, &p, None, None, example.as_ref()).await, 403);
        let other = if scope == SCOPE_READ {
            SCOPE_MANAGE
        } else {
            SCOPE_READ
        };
        let token = format!("Bearer {}", ctx.bearer[other]);
        assert_eq!(
            ctx.call(op_id, &p, Some(&token), None, example.as_ref())
                .await,
            403
        );
        // 404: an unknown identity source, and each unknown sub-resource.
        let ssws = ctx.ssws.clone();
        let mut unknown = p.clone();
        unknown.isid = "0oaUNKNOWN0000000000".to_owned();
        assert_eq!(
            ctx.call(op_id, &unknown, Some(&ssws), None, example.as_ref())
                .await,
            404
        );
        let path = ctx.spec.ops[op_id].path.clone();
        for (param, change) in [
            ("{sessionId}", 0),
            ("{externalId}", 1),
            ("{groupOrExternalId}", 2),
            ("{memberExternalId}", 3),
        ] {
            if !path.contains(param) {
                continue;
            }
            let mut unknown = ctx.fresh(needs_session).await;
            match change {
                0 => unknown.sid = "apsUNKNOWN0000000000".to_owned(),
                1 => unknown.external_id = "nobody".to_owned(),
                2 => unknown.group = "nogroup".to_owned(),
                _ => unknown.member = "nomember".to_owned(),
            }
            assert_eq!(
                ctx.call(op_id, &unknown, Some(&ssws), None, example.as_ref())
                    .await,
                404,
                "{op_id} with an unknown {param}"
            );
        }
        // 400: a body the operation must refuse, or a state it must refuse.
        if let Some(bad) = bad_body(op_id) {
            let p = ctx.fresh_for(op_id, needs_session).await;
            assert_eq!(
                ctx.call(op_id, &p, Some(&ssws), None, Some(&bad)).await,
                400
            );
        }
        if let Some(status) = lifecycle_400(&mut ctx, op_id).await {
            assert_eq!(status, 400, "{op_id}");
        }
    }

    // 429: an exhausted bucket, for every operation.
    let mut limited = Ctx::start(config().rate_limit(0, Duration::from_secs(60)));
    for op_id in &ids {
        let (needs_session, example) = {
            let op = &limited.spec.ops[op_id];
            (op.path.contains("{sessionId}"), op.request_example.clone())
        };
        let p = Params {
            isid: limited.fake.identity_source_id().to_owned(),
            sid: if needs_session { "apsANY" } else { "" }.to_owned(),
            external_id: USER.to_owned(),
            group: GROUP.to_owned(),
            member: MEMBER.to_owned(),
        };
        let ssws = limited.ssws.clone();
        assert_eq!(
            limited
                .call(op_id, &p, Some(&ssws), None, example.as_ref())
                .await,
            429
        );
    }
    ctx.problems.append(&mut limited.problems);
    ctx.seen.append(&mut limited.seen);

    // Every declared status of every operation the fake serves was provoked and checked.
    for (id, op) in ctx.spec.ops.iter().filter(|(id, _)| ids.contains(id)) {
        for status in op.responses.keys() {
            if !ctx.seen.contains(&(id.clone(), *status)) {
                ctx.problems
                    .push(format!("{id} {status}: declared but never provoked"));
            }
        }
    }
    assert!(
        ctx.problems.is_empty(),
        "the fake departs from the spec:\n{}",
        ctx.problems.join("\n")
    );
    // The documented exceptions are all still needed, so the list cannot rot.
    for (id, status, why) in UNDECLARED {
        assert!(
            ctx.seen.contains(&(id.to_owned(), status)),
            "{id} {status} ({why}) is listed as sent but was not"
        );
    }
}

/// The fake is a fake of the whole Identity Source API: it serves every
/// operation spec/ tags `IdentitySource` (the 23 operations of upstream's
/// tag), and only operations spec/ declares.
#[test]
fn the_fake_serves_every_operation_of_the_identity_source_tag() {
    let spec = Spec::load();
    let served = FakeOkta::operation_ids();
    let tagged: Vec<&str> = spec.doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter(|op| {
            op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "IdentitySource"))
        })
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    assert!(!tagged.is_empty(), "spec/ holds the IdentitySource tag");
    let missing: Vec<&&str> = tagged.iter().filter(|id| !served.contains(id)).collect();
    assert!(missing.is_empty(), "the fake does not serve {missing:?}");
    assert_eq!(tagged.len(), served.len(), "served: {served:?}");
}

/// The checks are not vacuous: answers that depart from the spec in the
/// ways the spec itself invites are caught.
#[tokio::test]
async fn the_checks_catch_answers_that_depart_from_the_spec() {
    // Group attributes nested where upstream's uncorrected schema puts
    // them, not where spec/ (correction C4) does.
    let mut ctx = Ctx::start(config().group_profile_shape(GroupProfileShape::NestedAsUpstream));
    let p = ctx.fresh(false).await;
    let ssws = ctx.ssws.clone();
    assert_eq!(
        ctx.call("getIdentitySourceGroup", &p, Some(&ssws), None, None)
            .await,
        200
    );
    let joined = ctx.problems.join("\n");
    assert!(
        joined.contains("$.profile.profile: not declared by the spec"),
        "{joined}"
    );
    assert!(
        joined.contains("$.profile.profile (additional_properties)"),
        "{joined}"
    );

    // A body on create-user, whose 200 the spec declares without content.
    let mut ctx = Ctx::start(config().create_user_returns_user(true));
    let p = ctx.fresh_for("createIdentitySourceUser", false).await;
    let ssws = ctx.ssws.clone();
    let example = ctx.spec.ops["createIdentitySourceUser"]
        .request_example
        .clone();
    assert_eq!(
        ctx.call(
            "createIdentitySourceUser",
            &p,
            Some(&ssws),
            None,
            example.as_ref()
        )
        .await,
        200
    );
    let joined = ctx.problems.join("\n");
    assert!(
        joined.contains("createIdentitySourceUser 200: the spec declares no body"),
        "{joined}"
    );
}

/// Custom profile attributes are the one place where undeclared properties
/// are the contract (the schema's description says so, and
/// `additionalProperties` defaults to true): they come back in the user's
/// profile and land in `additional_properties`.
#[tokio::test]
async fn custom_user_attributes_come_back_as_additional_properties() {
    let ctx = Ctx::start(config());
    let p = ctx.fresh(false).await;
    let op = &ctx.spec.ops["createIdentitySourceUser"];
    let resp = ctx
        .http
        .post(ctx.url(op, &p))
        .header("Authorization", &ctx.ssws)
        .json(&json!({"externalId": "emp-1", "profile": {
            "email": "e@example.com", "userName": "e@example.com", "department": "R&D"}}))
        .send()
        .await
        .expect("create answers");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.content_length(), Some(0));
    let mut p = p;
    p.external_id = "emp-1".to_owned();
    let resp = ctx
        .http
        .get(ctx.url(&ctx.spec.ops["getIdentitySourceUser"], &p))
        .header("Authorization", &ctx.ssws)
        .send()
        .await
        .expect("get answers");
    let user: models::UserResponseSchema = resp.json().await.expect("user");
    let profile = user.profile.expect("profile");
    assert_eq!(profile.additional_properties["department"], "R&D");
    assert_eq!(profile.email.as_deref(), Some("e@example.com"));
    assert!(
        profile.mobile_phone.is_null(),
        "unset nullable attributes are null"
    );
    assert!(
        user.id
            .is_some_and(|id| id.starts_with("00u") && id.len() == 20)
    );
}
