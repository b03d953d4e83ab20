//! The `X-Rate-Limit-*` headers of a response.

use reqwest::header::HeaderMap;

/// The `X-Rate-Limit-*` figures of a response. When a header occurs more
/// than once, the smallest value is kept (the tightest bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: the ceiling of the bucket.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in UTC epoch seconds.
    pub reset: Option<i64>,
}

impl RateLimit {
    /// Reads the figures from response headers; absent or unparsable
    /// headers give `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        fn min_of<T: std::str::FromStr + Ord>(headers: &HeaderMap, name: &str) -> Option<T> {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|v| v.trim().parse::<T>().ok())
                .min()
        }
        RateLimit {
            limit: min_of(headers, "x-rate-limit-limit"),
            remaining: min_of(headers, "x-rate-limit-remaining"),
            reset: min_of(headers, "x-rate-limit-reset"),
        }
    }

    /// The reset as a time.
    pub fn reset_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.reset
            .and_then(|s| chrono::DateTime::<chrono::Utc>::from_timestamp(s, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn rate_limit_takes_the_smallest_of_repeated_headers() {
        let mut headers = HeaderMap::new();
        headers.append("x-rate-limit-reset", HeaderValue::from_static("1700000060"));
        headers.append("x-rate-limit-reset", HeaderValue::from_static("1700000030"));
        headers.append("x-rate-limit-remaining", HeaderValue::from_static("7"));
        headers.append("x-rate-limit-limit", HeaderValue::from_static("garbage"));
        let rl = RateLimit::from_headers(&headers);
        assert_eq!(rl.reset, Some(1_700_000_030));
        assert_eq!(rl.remaining, Some(7));
        assert_eq!(rl.limit, None);
        assert_eq!(rl.reset_at().map(|t| t.timestamp()), Some(1_700_000_030));
    }
}
