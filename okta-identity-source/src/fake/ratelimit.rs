//! Rate limiting by bucket, as in `BEHAVIOUR.md` section 6: the four session
//! operations share one bucket; each upload kind and start-import has its
//! own. The group, membership and single-user endpoints are not in Okta's
//! bucket list: the fake gives the single-user operations one bucket and the
//! group and membership operations another. Windows start at the first
//! request after the previous window ended (not aligned to wall-clock
//! minutes). Buckets are org-wide.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::model::epoch_secs_ceil;

/// A rate-limit bucket of the fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateLimitBucket {
    /// `/api/v1/identity-sources/{id}/sessions`: create, list, get and delete.
    Sessions,
    /// `bulk-upsert`.
    BulkUpsert,
    /// `bulk-delete`.
    BulkDelete,
    /// `start-import`.
    StartImport,
    /// `bulk-groups-upsert` (not in Okta's bucket list; its own bucket,
    /// like the user uploads).
    BulkGroupsUpsert,
    /// `bulk-groups-delete` (likewise unconfirmed).
    BulkGroupsDelete,
    /// `bulk-group-memberships-upsert` (likewise unconfirmed).
    BulkGroupMembershipsUpsert,
    /// `bulk-group-memberships-delete` (likewise unconfirmed).
    BulkGroupMembershipsDelete,
    /// `/api/v1/identity-sources/{id}/users…`: the single-user operations
    /// (unconfirmed: one shared bucket, like the sessions).
    Users,
    /// `/api/v1/identity-sources/{id}/groups…`: groups and their
    /// memberships (unconfirmed: one shared bucket).
    Groups,
    /// `POST /oauth2/v1/token`.
    Token,
    /// Any other path (unknown routes).
    Other,
}

/// What the `X-Rate-Limit-*` headers of one response say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// UTC epoch seconds.
    pub reset: u64,
}

#[derive(Debug)]
struct Window {
    started: SystemTime,
    used: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    default_limit: u32,
    window: Duration,
    overrides: HashMap<RateLimitBucket, u32>,
    windows: HashMap<RateLimitBucket, Window>,
}

impl RateLimiter {
    pub fn new(
        default_limit: u32,
        window: Duration,
        overrides: HashMap<RateLimitBucket, u32>,
    ) -> Self {
        RateLimiter {
            default_limit,
            window,
            overrides,
            windows: HashMap::new(),
        }
    }

    fn limit(&self, bucket: RateLimitBucket) -> u32 {
        self.overrides
            .get(&bucket)
            .copied()
            .unwrap_or(self.default_limit)
    }

    fn window_mut(&mut self, bucket: RateLimitBucket, now: SystemTime) -> &mut Window {
        let length = self.window;
        let w = self.windows.entry(bucket).or_insert(Window {
            started: now,
            used: 0,
        });
        if now >= w.started + length {
            w.started = now;
            w.used = 0;
        }
        w
    }

    /// Counts one request against `bucket`. `Err` carries the headers of
    /// the 429 when the bucket is exhausted.
    pub fn consume(
        &mut self,
        bucket: RateLimitBucket,
        now: SystemTime,
    ) -> Result<RateInfo, RateInfo> {
        let limit = self.limit(bucket);
        let length = self.window;
        let w = self.window_mut(bucket, now);
        let reset = epoch_secs_ceil(w.started + length);
        if w.used >= limit {
            return Err(RateInfo {
                limit,
                remaining: 0,
                reset,
            });
        }
        w.used += 1;
        Ok(RateInfo {
            limit,
            remaining: limit - w.used,
            reset,
        })
    }

    /// The headers of `bucket` without counting a request.
    pub fn peek(&mut self, bucket: RateLimitBucket, now: SystemTime) -> RateInfo {
        let limit = self.limit(bucket);
        let length = self.window;
        let w = self.window_mut(bucket, now);
        RateInfo {
            limit,
            remaining: limit.saturating_sub(w.used),
            reset: epoch_secs_ceil(w.started + length),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_down_and_resets() {
        let mut rl = RateLimiter::new(2, Duration::from_secs(60), HashMap::new());
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let a = rl.consume(RateLimitBucket::Sessions, t0).unwrap();
        assert_eq!((a.limit, a.remaining, a.reset), (2, 1, 1060));
        let b = rl
            .consume(RateLimitBucket::Sessions, t0 + Duration::from_secs(1))
            .unwrap();
        assert_eq!(b.remaining, 0);
        let c = rl
            .consume(RateLimitBucket::Sessions, t0 + Duration::from_secs(2))
            .unwrap_err();
        assert_eq!((c.remaining, c.reset), (0, 1060));
        // Other buckets are independent.
        assert!(rl.consume(RateLimitBucket::BulkUpsert, t0).is_ok());
        // A new window opens at the first request after the old one ended.
        let d = rl
            .consume(RateLimitBucket::Sessions, t0 + Duration::from_secs(75))
            .unwrap();
        assert_eq!((d.remaining, d.reset), (1, 1135));
    }
}
