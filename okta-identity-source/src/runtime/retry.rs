//! How long to wait before a retry. Pure functions, unit-tested.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::rate_limit::RateLimit;

/// The wait Okta asks for on a 429 (and, for any response, how long until
/// its rate-limit window resets): `X-Rate-Limit-Reset − Date + 1 s`, using
/// the smallest reset when several are present. Without a usable `Date`
/// the local clock stands in for it (the reset is still the best guide).
/// A reset at or before the reference time gives the minimum of 1 s.
/// `None` when the reset header is missing or unparsable (the caller then
/// backs off exponentially).
pub(crate) fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = RateLimit::from_headers(headers).reset?;
    let date = server_date(headers).unwrap_or_else(SystemTime::now);
    let date_secs =
        i64::try_from(date.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let secs = reset.saturating_sub(date_secs).saturating_add(1).max(1);
    Some(Duration::from_secs(u64::try_from(secs).ok()?))
}

/// The `Date` header.
pub(crate) fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    httpdate::parse_http_date(date).ok()
}

/// `base × 2^retry` for retry number `retry` (0-based), never more than
/// `cap`, without overflow: the deterministic doubling of the import
/// workflow, and the ceiling that [`backoff`] draws its jitter under.
pub(crate) fn exponential(retry: u32, base: Duration, cap: Duration) -> Duration {
    base.saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(cap)
}

/// Exponential backoff with jitter for retry number `retry` (0-based):
/// a uniformly random wait between half and all of `base × 2^retry`,
/// never more than `cap`.
pub(crate) fn backoff(retry: u32, base: Duration, cap: Duration) -> Duration {
    let full = exponential(retry, base, cap);
    let half = full / 2;
    let spread = full.saturating_sub(half).as_millis();
    let extra = u64::try_from(spread).map_or(0, |spread| fastrand::u64(0..=spread));
    half + Duration::from_millis(extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(date: &str, resets: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        if !date.is_empty() {
            h.insert(
                "date",
                HeaderValue::from_str(date).unwrap_or(HeaderValue::from_static("")),
            );
        }
        for r in resets {
            h.append(
                "x-rate-limit-reset",
                HeaderValue::from_str(r).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    // 1757607710 = Thu, 11 Sep 2025 16:21:50 GMT
    const DATE: &str = "Thu, 11 Sep 2025 16:21:50 GMT";

    #[test]
    fn wait_is_reset_minus_date_plus_one() {
        // the recorded 429 of BEHAVIOUR.md: reset 48 s after Date
        assert_eq!(
            rate_limit_wait(&headers(DATE, &["1757607758"])),
            Some(Duration::from_secs(49))
        );
    }

    #[test]
    fn smallest_reset_wins() {
        let h = headers(DATE, &["1757607770", "1757607720", "1757607790"]);
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(11)));
    }

    #[test]
    fn reset_in_the_past_waits_one_second() {
        assert_eq!(
            rate_limit_wait(&headers(DATE, &["1757607700"])),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            rate_limit_wait(&headers(DATE, &["1757607710"])),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn missing_or_bad_headers_give_none() {
        assert_eq!(rate_limit_wait(&headers(DATE, &[])), None);
        assert_eq!(rate_limit_wait(&headers(DATE, &["soon"])), None);
        assert_eq!(
            rate_limit_wait(&headers(DATE, &["-99999999999999999999"])),
            None
        );
        assert_eq!(
            rate_limit_wait(&headers(DATE, &["9223372036854775807"])).map(|d| d.as_secs() > 0),
            Some(true)
        );
    }

    #[test]
    fn without_a_usable_date_the_local_clock_stands_in() {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let reset = (now + 30).to_string();
        for date in ["", "yesterday"] {
            let wait = rate_limit_wait(&headers(date, &[reset.as_str()]));
            assert!(
                wait.is_some_and(|w| w >= Duration::from_secs(29) && w <= Duration::from_secs(32)),
                "{date:?}: {wait:?}"
            );
        }
    }

    #[test]
    fn exponential_doubles_saturates_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(60);
        assert_eq!(exponential(0, base, cap), base);
        assert_eq!(exponential(2, base, cap), base * 4);
        assert_eq!(exponential(30, base, cap), cap);
        assert_eq!(exponential(u32::MAX, Duration::MAX, cap), cap);
        assert_eq!(exponential(3, Duration::MAX, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        for _ in 0..50 {
            let b0 = backoff(0, base, cap);
            assert!(
                b0 >= Duration::from_millis(50) && b0 <= Duration::from_millis(100),
                "{b0:?}"
            );
            let b2 = backoff(2, base, cap);
            assert!(
                b2 >= Duration::from_millis(200) && b2 <= Duration::from_millis(400),
                "{b2:?}"
            );
            let b9 = backoff(9, base, cap);
            assert!(b9 >= Duration::from_millis(500) && b9 <= cap, "{b9:?}");
            assert!(backoff(u32::MAX, base, cap) <= cap);
        }
    }
}
