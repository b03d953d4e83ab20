//! Settings of an import job.

use std::time::Duration;

/// What to do with a loading session (`CREATED` or `IN_PROGRESS`) that is
/// already open for the identity source when the job wants to create one.
///
/// Okta allows one loading session per identity source, so a session left
/// behind by an interrupted run blocks every new one until it is used,
/// cancelled, or expires (24 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeftoverPolicy {
    /// Upload into it, as Okta's guide suggests. Whatever it already holds
    /// is imported together with this job's data when the job triggers it.
    /// Because Okta does not say how much a session already holds, an
    /// upload it refuses with a 400 makes the job trigger it as it is and
    /// carry the refused upload over to a fresh session.
    #[default]
    Reuse,
    /// Cancel it (its data is discarded) and create a new one.
    Cancel,
    /// Stop with [`ImportErrorKind::LeftoverSession`](super::ImportErrorKind::LeftoverSession).
    Fail,
}

/// Limits, waits and policies of an [`ImportJob`](super::ImportJob).
///
/// The defaults are Okta's documented limits and conservative waits for a
/// real org. Against a local fake, shorten the waits:
///
/// ```
/// use std::time::Duration;
/// use okta_identity_source::import::ImportOptions;
///
/// let options = ImportOptions {
///     expected_cooldown: Duration::from_millis(100),
///     poll_interval: Duration::from_millis(20),
///     ..ImportOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Entities (profiles or externalIds) per upload. Default 200.
    pub max_entities_per_upload: usize,
    /// Serialized JSON body bytes per upload. Default 200,000 (200 KB,
    /// read as decimal kilobytes so it also holds if Okta means 204,800).
    pub max_upload_bytes: usize,
    /// Uploads per session. Default 50.
    pub max_uploads_per_session: usize,
    /// Entities (upserts plus deactivations) per session. Default 10,000.
    pub max_users_per_session: usize,
    /// Characters in an `externalId`. Default 512.
    pub max_external_id_chars: usize,
    /// Whether a user whose profile has no attribute at all is rejected
    /// client-side (Okta refuses empty profiles since 2023.04). Default `true`.
    pub reject_empty_profiles: bool,
    /// What to do with a leftover loading session. Default [`LeftoverPolicy::Reuse`].
    pub leftover: LeftoverPolicy,
    /// How long after a trigger the job waits before it even tries to
    /// create the next session. Default 60 s (observed; the docs say 5 min,
    /// which [`max_cooldown_wait`](Self::max_cooldown_wait) covers).
    pub expected_cooldown: Duration,
    /// First wait after a create refused during the cool-down; doubles on
    /// each refusal up to 60 s. Default 5 s.
    pub cooldown_retry_interval: Duration,
    /// Longest the job keeps retrying a create refused during the
    /// cool-down before it gives up. Default 6 min.
    pub max_cooldown_wait: Duration,
    /// First wait between two polls of a triggered session; grows by half
    /// on each poll up to [`max_poll_interval`](Self::max_poll_interval).
    /// Default 2 s. When the rate-limit bucket is exhausted the job waits
    /// for its reset instead.
    pub poll_interval: Duration,
    /// Longest wait between two polls. Default 30 s.
    pub max_poll_interval: Duration,
    /// Longest the job polls one session before it reports the outcome of
    /// its entities as unknown and moves on. Default 2 h.
    pub max_poll_duration: Duration,
    /// Longest the job keeps polling a session whose status this version
    /// does not know (a status Okta added later) before it reports the
    /// outcome of its entities as unknown. Default 2 min.
    pub max_unknown_status_wait: Duration,
    /// Longest the job waits for a rate limit to reset (after a 429, or
    /// before a poll when the bucket is empty). A 429 whose reset is
    /// further away stops the job with an error that says when the limit
    /// resets. Default 5 min.
    pub max_rate_limit_wait: Duration,
    /// Attempts of one request by the workflow when the runtime returns a
    /// retryable error (429, 503, 504, transport) after its own retries.
    /// All attempts of one step share one deadline, the client's request
    /// timeout (waits for a rate-limit reset aside), so a stalled server
    /// costs one timeout, not one per attempt. Default 4.
    pub max_attempts: u32,
    /// First wait between such attempts (doubling); a 429 waits for the
    /// rate-limit reset instead. Default 1 s.
    pub retry_interval: Duration,
}

/// The longest of the workflow's doubling waits: between attempts of a
/// request ([`ImportOptions::retry_interval`]) and between creates refused
/// during the cool-down ([`ImportOptions::cooldown_retry_interval`]).
pub(crate) const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(60);

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            max_entities_per_upload: 200,
            max_upload_bytes: 200_000,
            max_uploads_per_session: 50,
            max_users_per_session: 10_000,
            max_external_id_chars: 512,
            reject_empty_profiles: true,
            leftover: LeftoverPolicy::Reuse,
            expected_cooldown: Duration::from_secs(60),
            cooldown_retry_interval: Duration::from_secs(5),
            max_cooldown_wait: Duration::from_secs(360),
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
            max_poll_duration: Duration::from_secs(2 * 60 * 60),
            max_unknown_status_wait: Duration::from_secs(120),
            max_rate_limit_wait: Duration::from_secs(300),
            max_attempts: 4,
            retry_interval: Duration::from_secs(1),
        }
    }
}
