//! A stateful fake of Okta's Identity Source API, for tests (yours and
//! ours). Compiled with the cargo feature `fake`.
//!
//! [`FakeOkta::start`] serves the 23 operations of
//! `spec/okta-identity-source.yaml` over real HTTP on `127.0.0.1` (a random
//! port) and behaves as `BEHAVIOUR.md` describes the real service:
//!
//! - **Lifecycle.** CREATED → IN_PROGRESS on the first effective upload →
//!   TRIGGERED on start-import → COMPLETED (or ERROR) after a processing
//!   delay; DELETE of a CREATED or IN_PROGRESS session → CLOSED (still
//!   readable); at most one loading session per identity source; a cool-down
//!   after each trigger; EXPIRED after inactivity. Every other transition
//!   answers 400 `E0000001` with an `errorCauses` entry saying why (texts in
//!   [`causes`]). Processing and expiry are computed lazily from a clock
//!   that tests may move forward ([`FakeOkta::advance_clock`]).
//! - **Limits.** 200 entities and 200 KB per upload, 50 uploads and 10,000
//!   users per session, `externalId` ≤ 512 characters, string-only profile
//!   attributes, `entityType` `USERS` ([`Limits`]).
//! - **Authentication.** `SSWS` API tokens (401 `E0000011` when wrong, 403
//!   `E0000005` when the header is missing), bearer tokens with scopes (403
//!   with `WWW-Authenticate: … error="insufficient_scope"`), and
//!   `POST /oauth2/v1/token` for client credentials with a `private_key_jwt`
//!   assertion ([`OAuthClient`]).
//! - **Rate limits.** Okta's buckets with `X-Rate-Limit-*`, `Date` and
//!   `X-Okta-Request-Id` on every response; 429 `E0000047` when a bucket is
//!   exhausted ([`RateLimitBucket`]).
//! - **Faults** a test programs at run time: delays, 500, 503, 429 storms and
//!   dropped connections, for one operation or the next N requests
//!   ([`Fault`]).
//! - **Users, groups and memberships** outside sessions: the single-user
//!   operations (`/users`, `/users/{externalId}`: create, get, PUT replace,
//!   PATCH update, delete), groups (`/groups`, `/groups/{groupOrExternalId}`:
//!   create, get, update by POST, delete) and memberships (list with
//!   `after`/`limit` pages and `Link: <…>; rel="next"`, add, remove), and
//!   the four group uploads of a session (`bulk-groups-upsert`,
//!   `bulk-groups-delete`, `bulk-group-memberships-upsert`,
//!   `bulk-group-memberships-delete`: 202, applied when the import is
//!   processed, in upload order). Where the spec is silent or contradicts
//!   itself the choice is a setting ([`GroupProfileShape`],
//!   [`FakeConfig::create_user_returns_user`]).
//! - **Inspection** of the users and groups each identity source holds
//!   after its imports were processed, of the sessions, and of every request
//!   received ([`FakeOkta::users`], [`FakeOkta::groups`],
//!   [`FakeOkta::members`], [`FakeOkta::sessions`], [`FakeOkta::requests`]).
//!
//! It speaks HTTP/1.1 (what `reqwest` uses for `http://` URLs), holds its
//! state in memory behind one lock, and runs on the tokio runtime that
//! started it: in a current-thread runtime, do not block the thread while
//! waiting for an answer from the fake.
//!
//! # Testing your code against the fake
//!
//! [`FakeOkta::start_for_tests`] starts a fake with test-speed timings
//! (imports complete after 50 ms, a 100 ms cool-down, no throttling;
//! [`FakeConfig::for_tests`] to change more), [`FakeOkta::client`] gives a
//! [`Client`] ready for it, and `FakeOkta::import_options` (feature
//! `import`) the `ImportJob` waits that suit it. Then assert what the fake
//! holds:
//!
//! ```
//! use okta_identity_source::fake::{FakeOkta, SessionStatus, UserStatus};
//! use okta_identity_source::models::{
//!     BulkUpsertRequestBody, BulkUpsertRequestBodyProfilesItem, IdentitySourceSessionStatus,
//!     IdentitySourceUserProfileForUpsert,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeOkta::start_for_tests()?;
//! let client = fake.client();
//! let source = fake.identity_source_id();
//!
//! // The session operations, through the typed client.
//! let sid = client.create_identity_source_session(source).await?.id;
//! let profile = IdentitySourceUserProfileForUpsert::new().user_name("ann@example.com");
//! let body = BulkUpsertRequestBody::new(vec![BulkUpsertRequestBodyProfilesItem::new("emp-1", profile)]);
//! client.upload_identity_source_data_for_upsert(source, &sid, &body).await?;
//! let triggered = client.start_import_from_identity_source(source, &sid).await?;
//! assert_eq!(triggered.status, IdentitySourceSessionStatus::Triggered);
//!
//! // Processing takes the fake's processing delay (50 ms here).
//! while fake.session(source, &sid).map(|s| s.status) == Some(SessionStatus::Triggered) {
//!     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//! }
//! assert_eq!(fake.session(source, &sid).map(|s| s.status), Some(SessionStatus::Completed));
//! assert_eq!(fake.user(source, "emp-1").map(|u| u.profile["userName"].clone()),
//!            Some("ann@example.com".to_owned()));
//! # #[cfg(feature = "import")] {
//!
//! // The import workflow (feature `import`): a second session, after the
//! // cool-down, that updates emp-1 and deactivates nobody.
//! use okta_identity_source::import::{ImportJob, UserUpsert};
//!
//! let users = [UserUpsert::new("emp-1").attribute("userName", "ann.new@example.com"),
//!              UserUpsert::new("emp-2").attribute("userName", "bob@example.com")];
//! let report = ImportJob::new(fake.client(), source)
//!     .options(fake.import_options())
//!     .run_iter(users, [])
//!     .await?;
//! assert_eq!(report.counts.upserted, 2);
//! let held = fake.users(source);
//! assert_eq!(held.len(), 2);
//! assert!(held.iter().all(|u| u.status == UserStatus::Active));
//! assert_eq!(held[0].profile["userName"], "ann.new@example.com");
//! # }
//! # Ok(())
//! # }
//! ```
//!
//! The fake's own HTTP surface is plain JSON: any HTTP client can talk to
//! it with `Authorization: SSWS` and [`FakeOkta::api_token`].

mod auth;
mod config;
mod faults;
mod http;
mod log;
mod model;
mod ratelimit;
mod route;
mod state;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{OAuthClient, SCOPE_MANAGE, SCOPE_READ};
pub use config::{
    CreateStatus, EntityTypeError, FakeConfig, GroupProfileShape, ImportOutcome, Limits,
};
#[cfg(feature = "cli")]
pub(crate) use config::{TEST_COOLDOWN_MS, TEST_PROCESSING_DELAY_MS};
pub use faults::{Fault, FaultKind};
pub use log::RecordedRequest;
pub use model::SessionStatus;
pub use ratelimit::RateLimitBucket;
pub use state::{FakeGroup, FakeSession, FakeUser, UserStatus, causes};

use self::http::{Inner, Shared};
use crate::{Client, ClientBuilder};

/// A running fake Okta org. Stops serving when dropped or on
/// [`shutdown`](Self::shutdown).
///
/// It is `Send + Sync`: share it with `Arc` if several tasks need it.
pub struct FakeOkta {
    shared: Arc<Shared>,
    addr: SocketAddr,
    api_token: String,
    identity_source_id: String,
    processing_delay: Duration,
    cooldown: Duration,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeOkta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOkta")
            .field("base_url", &self.shared.base_url)
            .field("identity_source_id", &self.identity_source_id)
            .field("api_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl FakeOkta {
    /// The `operationId`s the fake serves: every operation of the Identity
    /// Source API (the spec's `IdentitySource` tag). Requests for any other
    /// path are answered 404, as Okta answers an unknown route.
    pub fn operation_ids() -> &'static [&'static str] {
        &route::OPERATION_IDS
    }

    /// Binds `127.0.0.1:0` and serves on the current tokio runtime.
    ///
    /// Fails if called outside a tokio runtime or if the socket cannot be
    /// bound.
    pub fn start(config: FakeConfig) -> io::Result<FakeOkta> {
        Self::start_on(config, 0)
    }

    /// Starts a fake with [`FakeConfig::for_tests`]: test-speed timings
    /// (imports complete after 50 ms, a 100 ms cool-down, no throttling).
    pub fn start_for_tests() -> io::Result<FakeOkta> {
        Self::start(FakeConfig::for_tests())
    }

    /// Like [`start`](Self::start), on `127.0.0.1:port` (0 picks a free
    /// port; [`addr`](Self::addr) tells which).
    pub fn start_on(config: FakeConfig, port: u16) -> io::Result<FakeOkta> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| io::Error::other(format!("FakeOkta::start needs a tokio runtime: {e}")))?;
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let base_url = format!("http://{addr}");

        let api_token = config
            .api_token
            .clone()
            .unwrap_or_else(|| model::secret("00"));
        let identity_source_id = config
            .identity_source_id
            .clone()
            .unwrap_or_else(model::identity_source_id);
        let mut auth = auth::Auth::new(
            config.manage_scope_grants_read,
            config.access_token_lifetime,
        );
        auth.add_api_token(api_token.clone());
        let mut state = state::State::new(&config);
        state.add_source(identity_source_id.clone());
        let inner = Inner {
            clock_offset: Duration::ZERO,
            state,
            auth,
            rate: ratelimit::RateLimiter::new(
                config.rate_limit,
                config.rate_window,
                config.bucket_limits.clone(),
            ),
            faults: faults::Faults::default(),
            log: log::RequestLog::new(config.request_log_capacity),
            record_bodies: config.record_bodies,
            max_upload_bytes: config.limits.max_upload_bytes,
        };
        let shared = Arc::new(Shared::new(inner, base_url));
        let (stop, stopped) = oneshot::channel();
        let task = runtime.spawn(http::serve(listener, Arc::clone(&shared), stopped));
        Ok(FakeOkta {
            shared,
            addr,
            api_token,
            identity_source_id,
            processing_delay: config.processing_delay,
            cooldown: config.cooldown,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The socket address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A valid SSWS API token (send it as `Authorization: SSWS <token>`).
    pub fn api_token(&self) -> &str {
        &self.api_token
    }

    /// The identity source registered at start (`0oa…`, 20 characters).
    pub fn identity_source_id(&self) -> &str {
        &self.identity_source_id
    }

    /// A [`ClientBuilder`] set up for this fake: its base URL, its API
    /// token, [`disable_https_check(true)`](ClientBuilder::disable_https_check)
    /// (the fake speaks plain HTTP on 127.0.0.1) and test-speed retries
    /// (backoff from 10 ms, no single wait longer than 200 ms, so a 429 or
    /// 503 the fake is told to answer costs milliseconds). Refine it before
    /// [`build`](ClientBuilder::build), for example with
    /// `.max_retries(0)`. Nothing is read from the environment or
    /// `okta.yaml`.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .org_url(self.base_url())
            .api_token(self.api_token())
            .disable_https_check(true)
            .retry_base_delay(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(200))
    }

    /// A [`Client`] for this fake, as [`client_builder`](Self::client_builder)
    /// configures it.
    ///
    /// # Panics
    ///
    /// If the client cannot be built, which happens only when TLS cannot be
    /// set up at all (no platform root certificates): this is a helper for
    /// tests, where that is a failed setup. Use
    /// [`client_builder`](Self::client_builder)`.build()` to get the error
    /// instead.
    #[track_caller]
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(e) => panic!(
                "building a client for the fake Okta at {}: {e}",
                self.base_url()
            ),
        }
    }

    /// [`ImportOptions`](crate::import::ImportOptions) whose waits suit this
    /// fake: the cool-down it was started with, polls every 10 ms or so
    /// (growing towards a quarter of its processing delay, at most 1 s),
    /// and retries 20 ms apart. Okta's limits stay the defaults.
    #[cfg(feature = "import")]
    #[cfg_attr(docsrs, doc(cfg(feature = "import")))]
    pub fn import_options(&self) -> crate::import::ImportOptions {
        let ms = Duration::from_millis;
        let poll = (self.processing_delay / 10).clamp(ms(10), ms(500));
        crate::import::ImportOptions {
            expected_cooldown: self.cooldown,
            cooldown_retry_interval: ms(20),
            max_cooldown_wait: self
                .cooldown
                .saturating_mul(2)
                .saturating_add(Duration::from_secs(20)),
            poll_interval: poll,
            max_poll_interval: (self.processing_delay / 4).clamp(poll, Duration::from_secs(1)),
            max_poll_duration: self
                .processing_delay
                .saturating_mul(4)
                .saturating_add(Duration::from_secs(60)),
            retry_interval: ms(20),
            ..crate::import::ImportOptions::default()
        }
    }

    /// Registers another identity source with a random id and returns it.
    pub fn register_identity_source(&self) -> String {
        let mut inner = self.shared.lock();
        loop {
            let id = model::identity_source_id();
            if inner.state.add_source(id.clone()) {
                return id;
            }
        }
    }

    /// Registers an identity source with a given id; `false` if it exists.
    pub fn register_identity_source_with_id(&self, id: impl Into<String>) -> bool {
        self.shared.lock().state.add_source(id.into())
    }

    /// Accepts another SSWS API token.
    pub fn register_api_token(&self, token: impl Into<String>) {
        self.shared.lock().auth.add_api_token(token.into());
    }

    /// Stops accepting an API or bearer token (e.g. to test a revoked token).
    pub fn revoke_token(&self, token: &str) {
        self.shared.lock().auth.revoke(token);
    }

    /// Accepts `Authorization: Bearer <token>` with these scopes (e.g.
    /// [`SCOPE_READ`], [`SCOPE_MANAGE`]); it never expires.
    pub fn register_bearer_token(&self, token: impl Into<String>, scopes: &[&str]) {
        self.shared
            .lock()
            .auth
            .add_bearer(token.into(), scopes, None);
    }

    /// Creates a random bearer token with these scopes and returns it.
    pub fn issue_bearer_token(&self, scopes: &[&str]) -> String {
        let token = model::secret("fake-at.");
        self.register_bearer_token(token.clone(), scopes);
        token
    }

    /// Registers an OAuth 2.0 service app for `POST /oauth2/v1/token`.
    pub fn register_oauth_client(&self, client: OAuthClient) {
        self.shared.lock().auth.add_client(client);
    }

    /// How many requests `POST /oauth2/v1/token` received (successful or not).
    pub fn token_requests(&self) -> usize {
        self.shared.lock().auth.token_requests()
    }

    /// Programs a fault; rules apply in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Removes every fault rule that has not run out yet.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// How many fault rules are still armed.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.pending()
    }

    /// Makes the next `n` triggered imports end in `ERROR` (nothing applied).
    pub fn fail_next_imports(&self, n: u32) {
        self.shared.lock().state.fail_next_imports(n);
    }

    /// Changes how imports end from now on (unless [`fail_next_imports`](Self::fail_next_imports) applies).
    pub fn set_import_outcome(&self, outcome: ImportOutcome) {
        self.shared.lock().state.set_default_outcome(outcome);
    }

    /// Moves the fake's clock forward: cool-downs, processing delays,
    /// expiry, rate-limit windows, token lifetimes and the `Date` header all
    /// follow it.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.lock().clock_offset += by;
    }

    /// The fake's current time.
    pub fn now(&self) -> SystemTime {
        self.shared.lock().now()
    }

    /// The users an identity source holds after its processed imports,
    /// ordered by `externalId` (empty for an unknown source).
    pub fn users(&self, identity_source_id: &str) -> Vec<FakeUser> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.users(identity_source_id)
    }

    /// One user of an identity source, if it holds it.
    pub fn user(&self, identity_source_id: &str, external_id: &str) -> Option<FakeUser> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.user(identity_source_id, external_id)
    }

    /// Puts a user into an identity source directly, as if imported before
    /// (to test deactivation); `false` for an unknown source.
    pub fn insert_user(&self, identity_source_id: &str, user: FakeUser) -> bool {
        self.shared.lock().state.put_user(identity_source_id, user)
    }

    /// The groups an identity source holds (created directly or by
    /// processed imports), ordered by `externalId`, with their members.
    pub fn groups(&self, identity_source_id: &str) -> Vec<FakeGroup> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.groups(identity_source_id)
    }

    /// One group, by Okta id (`00g…`) or `externalId`.
    pub fn group(&self, identity_source_id: &str, group_or_external_id: &str) -> Option<FakeGroup> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.group(identity_source_id, group_or_external_id)
    }

    /// The members (`externalId`s, in order) of a group, by Okta id or
    /// `externalId`; empty for an unknown group.
    pub fn members(&self, identity_source_id: &str, group_or_external_id: &str) -> Vec<String> {
        self.group(identity_source_id, group_or_external_id)
            .map(|g| g.members.into_iter().collect())
            .unwrap_or_default()
    }

    /// Puts a group (with its members) into an identity source directly,
    /// replacing one with the same `externalId`; `false` for an unknown
    /// source.
    pub fn insert_group(&self, identity_source_id: &str, group: FakeGroup) -> bool {
        self.shared
            .lock()
            .state
            .put_group(identity_source_id, group)
    }

    /// Entities uploaded more than once into the same session (Okta warns
    /// that this "can result in data inaccuracy issues"), as
    /// `(session id, entity)` with the entity written `user:ID`,
    /// `group:ID` or `membership:GROUP/MEMBER`, in upload order.
    pub fn duplicates(&self, identity_source_id: &str) -> Vec<(String, String)> {
        self.shared.lock().state.duplicates(identity_source_id)
    }

    /// Membership additions that processed imports ignored because their
    /// group did not exist when they were applied (uploaded before the
    /// group's upsert, or for a group never created), as `GROUP/MEMBER`:
    /// a client that sends groups before memberships leaves this empty.
    pub fn ignored_memberships(&self, identity_source_id: &str) -> Vec<String> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.ignored_memberships(identity_source_id)
    }

    /// All sessions of an identity source in creation order, whatever their
    /// status.
    pub fn sessions(&self, identity_source_id: &str) -> Vec<FakeSession> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.state.advance(now);
        inner.state.sessions(identity_source_id)
    }

    /// One session of an identity source.
    pub fn session(&self, identity_source_id: &str, session_id: &str) -> Option<FakeSession> {
        self.sessions(identity_source_id)
            .into_iter()
            .find(|s| s.id == session_id)
    }

    /// The requests received so far (up to the configured log capacity),
    /// in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.all()
    }

    /// How many requests arrived in all, including those evicted from the log.
    pub fn request_count(&self) -> u64 {
        self.shared.lock().log.total()
    }

    /// Empties the request log (the total count keeps running).
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Stops serving, closes open connections and waits until the listener
    /// is released.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeOkta {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
