//! Configuration of the fake. Every point where the sources in
//! `BEHAVIOUR.md` disagree or are silent is a setting here; the defaults are
//! what was observed in recorded traffic (or, where nothing was observed,
//! the documented behaviour).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::ratelimit::RateLimitBucket;

/// Status code `createIdentitySourceSession` answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateStatus {
    /// `201 Created`, as observed (default).
    Created,
    /// `200 OK`, as the upstream spec and the guide say.
    Ok,
}

/// Error code for a missing or invalid `entityType` in an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityTypeError {
    /// 400 `E0000003` "The request body was not well-formed." (old reference, default).
    MalformedBody,
    /// 400 `E0000001` "Api validation failed: entityType" (Terraform fixture).
    ValidationFailed,
}

/// Where a group answer puts the group's attributes. Upstream's schema
/// nests them one level down (`profile.profile.displayName`); its own
/// `GroupsResponse` example, and every Okta group object, has them directly
/// in `profile`, which is what `spec/` declares after correction C4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupProfileShape {
    /// `{"profile": {"displayName": …}}`, as `spec/` (corrected) declares
    /// (default).
    Flat,
    /// `{"profile": {"profile": {"displayName": …}}}`, as upstream's
    /// uncorrected schema declares.
    NestedAsUpstream,
}

/// How a triggered import ends once its processing delay has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// `COMPLETED`: upserts and deactivations are applied to the users.
    Complete,
    /// `ERROR`: nothing is applied.
    Error,
}

/// The per-request and per-session limits of bulk loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Entities (profiles or externalIds) per upload. Default 200.
    pub max_entities_per_upload: usize,
    /// Request body bytes per upload. Default 204800 (200 KB).
    pub max_upload_bytes: usize,
    /// Accepted uploads per session. Default 50.
    pub max_uploads_per_session: usize,
    /// Entities (upserted or deleted, duplicates counted) per session. Default 10,000.
    pub max_users_per_session: usize,
    /// Characters in an `externalId`. Default 512.
    pub max_external_id_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entities_per_upload: 200,
            max_upload_bytes: 204_800,
            max_uploads_per_session: 50,
            max_users_per_session: 10_000,
            max_external_id_chars: 512,
        }
    }
}

/// How long a triggered import takes with [`FakeConfig::for_tests`] (and
/// by default in the `fake` command of the CLI), in milliseconds.
pub(crate) const TEST_PROCESSING_DELAY_MS: u64 = 50;
/// The cool-down after a trigger with [`FakeConfig::for_tests`] (and by
/// default in the `fake` command of the CLI), in milliseconds.
pub(crate) const TEST_COOLDOWN_MS: u64 = 100;
/// Requests per 60 s window of every bucket with [`FakeConfig::for_tests`]:
/// high enough that no test is throttled unless it asks to be.
pub(crate) const TEST_RATE_LIMIT: u32 = 1_000_000;

/// Configuration of a [`FakeOkta`](super::FakeOkta).
///
/// [`FakeConfig::default`] has the timings of the real service (5 s of
/// processing, a 60 s cool-down); [`FakeConfig::for_tests`] has test-speed
/// ones. Either is refined with the chaining setters:
///
/// ```
/// # use okta_identity_source::fake::FakeConfig;
/// # use std::time::Duration;
/// let quick = FakeConfig::for_tests().cooldown(Duration::ZERO);
/// let config = FakeConfig::default()
///     .processing_delay(Duration::from_millis(50))
///     .cooldown(Duration::from_millis(100))
///     .rate_limit(15, Duration::from_secs(60));
/// ```
#[derive(Clone)]
pub struct FakeConfig {
    pub(crate) create_status: CreateStatus,
    pub(crate) list_includes_terminal: bool,
    pub(crate) processing_delay: Duration,
    pub(crate) import_outcome: ImportOutcome,
    pub(crate) cooldown: Duration,
    pub(crate) inactivity_expiry: Duration,
    pub(crate) reads_count_as_activity: bool,
    pub(crate) entity_type_error: EntityTypeError,
    pub(crate) require_entity_type: bool,
    pub(crate) reject_empty_profile: bool,
    pub(crate) manage_scope_grants_read: bool,
    pub(crate) limits: Limits,
    pub(crate) rate_limit: u32,
    pub(crate) rate_window: Duration,
    pub(crate) bucket_limits: HashMap<RateLimitBucket, u32>,
    pub(crate) access_token_lifetime: Duration,
    pub(crate) api_token: Option<String>,
    pub(crate) identity_source_id: Option<String>,
    pub(crate) record_bodies: bool,
    pub(crate) request_log_capacity: usize,
    pub(crate) keep_profiles: bool,
    pub(crate) group_profile_shape: GroupProfileShape,
    pub(crate) create_user_returns_user: bool,
    pub(crate) membership_page_size: u32,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            create_status: CreateStatus::Created,
            list_includes_terminal: false,
            processing_delay: Duration::from_secs(5),
            import_outcome: ImportOutcome::Complete,
            cooldown: Duration::from_secs(60),
            inactivity_expiry: Duration::from_secs(24 * 60 * 60),
            reads_count_as_activity: true,
            entity_type_error: EntityTypeError::MalformedBody,
            require_entity_type: true,
            reject_empty_profile: true,
            manage_scope_grants_read: true,
            limits: Limits::default(),
            rate_limit: 600,
            rate_window: Duration::from_secs(60),
            bucket_limits: HashMap::new(),
            access_token_lifetime: Duration::from_secs(3600),
            api_token: None,
            identity_source_id: None,
            record_bodies: true,
            request_log_capacity: 100_000,
            keep_profiles: true,
            group_profile_shape: GroupProfileShape::Flat,
            create_user_returns_user: false,
            membership_page_size: 1000,
        }
    }
}

impl fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeConfig")
            .field("create_status", &self.create_status)
            .field("list_includes_terminal", &self.list_includes_terminal)
            .field("processing_delay", &self.processing_delay)
            .field("import_outcome", &self.import_outcome)
            .field("cooldown", &self.cooldown)
            .field("inactivity_expiry", &self.inactivity_expiry)
            .field("reads_count_as_activity", &self.reads_count_as_activity)
            .field("entity_type_error", &self.entity_type_error)
            .field("require_entity_type", &self.require_entity_type)
            .field("reject_empty_profile", &self.reject_empty_profile)
            .field("manage_scope_grants_read", &self.manage_scope_grants_read)
            .field("limits", &self.limits)
            .field("rate_limit", &self.rate_limit)
            .field("rate_window", &self.rate_window)
            .field("bucket_limits", &self.bucket_limits)
            .field("access_token_lifetime", &self.access_token_lifetime)
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .field("identity_source_id", &self.identity_source_id)
            .field("record_bodies", &self.record_bodies)
            .field("request_log_capacity", &self.request_log_capacity)
            .field("keep_profiles", &self.keep_profiles)
            .field("group_profile_shape", &self.group_profile_shape)
            .field("create_user_returns_user", &self.create_user_returns_user)
            .field("membership_page_size", &self.membership_page_size)
            .finish()
    }
}

impl FakeConfig {
    /// The defaults with test-speed timings: a triggered import completes
    /// after 50 ms, the cool-down after a trigger lasts 100 ms, and the
    /// rate limit (a million requests a minute per bucket) never throttles.
    /// Everything else is as in [`FakeConfig::default`]. What
    /// [`FakeOkta::start_for_tests`](super::FakeOkta::start_for_tests) uses.
    ///
    /// A client that runs an import against it waits with
    /// `FakeOkta::import_options` (feature `import`).
    pub fn for_tests() -> Self {
        FakeConfig::default()
            .processing_delay(Duration::from_millis(TEST_PROCESSING_DELAY_MS))
            .cooldown(Duration::from_millis(TEST_COOLDOWN_MS))
            .rate_limit(TEST_RATE_LIMIT, Duration::from_secs(60))
    }

    /// Status of a successful create: 201 (default, observed) or 200 (spec).
    pub fn create_status(mut self, status: CreateStatus) -> Self {
        self.create_status = status;
        self
    }

    /// Whether `GET /sessions` also lists terminal sessions (COMPLETED,
    /// ERROR, CLOSED, EXPIRED), as the spec example does. Default `false`:
    /// active sessions only, as documented.
    pub fn list_includes_terminal(mut self, yes: bool) -> Self {
        self.list_includes_terminal = yes;
        self
    }

    /// How long a session stays TRIGGERED before it completes. Triggered
    /// sessions of one identity source are processed one after another, so
    /// each waits for the one before it. Default 5 s (observed: still
    /// TRIGGERED 3 s after the trigger).
    pub fn processing_delay(mut self, delay: Duration) -> Self {
        self.processing_delay = delay;
        self
    }

    /// How imports end unless overridden with
    /// [`FakeOkta::fail_next_imports`](super::FakeOkta::fail_next_imports).
    /// Default [`ImportOutcome::Complete`].
    pub fn import_outcome(mut self, outcome: ImportOutcome) -> Self {
        self.import_outcome = outcome;
        self
    }

    /// How long after a trigger a new session cannot be created for the same
    /// identity source. Default 60 s (observed; the docs say 300 s).
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Inactivity after which a CREATED or IN_PROGRESS session becomes
    /// EXPIRED. Default 24 h.
    pub fn inactivity_expiry(mut self, expiry: Duration) -> Self {
        self.inactivity_expiry = expiry;
        self
    }

    /// Whether a `GET` of a session resets its inactivity clock (unconfirmed;
    /// default `true`: any request on the session counts).
    pub fn reads_count_as_activity(mut self, yes: bool) -> Self {
        self.reads_count_as_activity = yes;
        self
    }

    /// Error code for a bad `entityType`. Default
    /// [`EntityTypeError::MalformedBody`] (E0000003, old reference).
    pub fn entity_type_error(mut self, error: EntityTypeError) -> Self {
        self.entity_type_error = error;
        self
    }

    /// Whether an upload without `entityType` is rejected like a bad one.
    /// Default `true` (every Okta SDK sends it).
    pub fn require_entity_type(mut self, yes: bool) -> Self {
        self.require_entity_type = yes;
        self
    }

    /// Whether an upsert entry with an empty or missing `profile` is rejected
    /// (400 E0000001). Default `true` (2023.04 fix OKTA-533011); `false`
    /// creates an empty user as the help page says.
    pub fn reject_empty_profile(mut self, yes: bool) -> Self {
        self.reject_empty_profile = yes;
        self
    }

    /// Whether a bearer token with `okta.identitySources.manage` may also
    /// read. Default `true`.
    pub fn manage_scope_grants_read(mut self, yes: bool) -> Self {
        self.manage_scope_grants_read = yes;
        self
    }

    /// The bulk-loading limits. Default [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Requests per window for every rate-limit bucket, and the window
    /// length. Default 600 per 60 s (generous, so tests are not throttled).
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.rate_limit = limit;
        self.rate_window = window;
        self
    }

    /// Overrides the limit of one bucket (e.g. 15 for
    /// [`RateLimitBucket::Sessions`], as observed on a preview org).
    pub fn bucket_limit(mut self, bucket: RateLimitBucket, limit: u32) -> Self {
        self.bucket_limits.insert(bucket, limit);
        self
    }

    /// `expires_in` of access tokens issued by `POST /oauth2/v1/token`.
    /// Default 3600 s.
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Uses this SSWS API token instead of a random one.
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.api_token = Some(token.into());
        self
    }

    /// Uses this id for the pre-registered identity source instead of a
    /// random `0oa…` one.
    pub fn identity_source_id(mut self, id: impl Into<String>) -> Self {
        self.identity_source_id = Some(id.into());
        self
    }

    /// Whether the request log keeps request bodies. Default `true`; turn it
    /// off for large imports to keep memory flat.
    pub fn record_bodies(mut self, yes: bool) -> Self {
        self.record_bodies = yes;
        self
    }

    /// How many requests the log keeps (oldest dropped first). Default 100,000.
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }

    /// Whether imported users keep their profile attributes. Default
    /// `true`; with `false` users keep only their `externalId` and status,
    /// which keeps an in-process fake small in large-import benchmarks
    /// (about 1 KB per user less).
    pub fn keep_profiles(mut self, yes: bool) -> Self {
        self.keep_profiles = yes;
        self
    }

    /// Where group responses put the group's attributes. Default
    /// [`GroupProfileShape::Flat`] (as `spec/` declares).
    pub fn group_profile_shape(mut self, shape: GroupProfileShape) -> Self {
        self.group_profile_shape = shape;
        self
    }

    /// Whether `createIdentitySourceUser` answers 200 with the created user
    /// (`UserResponseSchema`) instead of an empty 200. Default `false`: the
    /// spec declares its 200 without content.
    pub fn create_user_returns_user(mut self, yes: bool) -> Self {
        self.create_user_returns_user = yes;
        self
    }

    /// Members per page of `getIdentitySourceGroupMemberships` when the
    /// request has no `limit` (clamped to 1..=1000). Default 1000, the
    /// maximum (Okta's default is undocumented).
    pub fn membership_page_size(mut self, size: u32) -> Self {
        self.membership_page_size = size;
        self
    }
}
