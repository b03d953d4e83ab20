//! Fault injection: rules a test programs at run time with
//! [`FakeOkta::inject`](super::FakeOkta::inject).
//!
//! Every request is matched against the rules in the order they were
//! injected. Matching [`FaultKind::Delay`] rules add up; the first matching
//! rule of any other kind decides the answer. Faults are applied when the
//! request arrives, before authentication and before any state change,
//! except [`FaultKind::DropConnectionAfterProcessing`], which lets the
//! request change the state and then closes the connection without
//! answering.

use std::time::Duration;

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Waits this long before handling the request (combines with the others).
    Delay(Duration),
    /// Answers 500 `E0000009` without touching the state.
    InternalServerError,
    /// Answers 503 `E0000010` without touching the state.
    ServiceUnavailable,
    /// Answers 429 `E0000047` with `X-Rate-Limit-Remaining: 0` and
    /// `X-Rate-Limit-Reset` this far ahead (rounded up to whole seconds),
    /// without touching the state or the bucket.
    TooManyRequests {
        /// How far ahead the reset lies.
        reset_after: Duration,
    },
    /// Closes the connection without answering, before any state change.
    DropConnection,
    /// Handles the request (the state changes) and then closes the
    /// connection without answering: the client cannot know it succeeded.
    DropConnectionAfterProcessing,
}

impl FaultKind {
    /// A 429 whose reset lies one second ahead.
    pub fn too_many_requests() -> Self {
        FaultKind::TooManyRequests {
            reset_after: Duration::from_secs(1),
        }
    }
}

/// One fault-injection rule: which requests it hits, what it does, and how
/// many times.
///
/// ```
/// # use okta_identity_source::fake::{Fault, FaultKind};
/// # use std::time::Duration;
/// // The next 3 requests, whatever they are, get a 429.
/// let storm = Fault::next_requests(3, FaultKind::too_many_requests());
/// // The second bulk-upsert (and only it) is dropped after it was applied.
/// let drop = Fault::on_operation(
///     "uploadIdentitySourceDataForUpsert",
///     FaultKind::DropConnectionAfterProcessing,
/// )
/// .after(1);
/// // Every start-import waits 200 ms.
/// let slow = Fault::on_operation(
///     "startImportFromIdentitySource",
///     FaultKind::Delay(Duration::from_millis(200)),
/// )
/// .always();
/// # let _ = (storm, drop, slow);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub(crate) operation: Option<String>,
    pub(crate) kind: FaultKind,
    /// `None`: every matching request.
    pub(crate) remaining: Option<u32>,
    pub(crate) skip: u32,
}

impl Fault {
    /// The next `n` requests, of any operation (token requests included).
    pub fn next_requests(n: u32, kind: FaultKind) -> Self {
        Fault {
            operation: None,
            kind,
            remaining: Some(n),
            skip: 0,
        }
    }

    /// The next request of the operation with this `operationId` (e.g.
    /// `uploadIdentitySourceDataForUpsert`; `oauthToken` for
    /// `POST /oauth2/v1/token`). Once, unless [`times`](Self::times) or
    /// [`always`](Self::always) says otherwise.
    pub fn on_operation(operation_id: impl Into<String>, kind: FaultKind) -> Self {
        Fault {
            operation: Some(operation_id.into()),
            kind,
            remaining: Some(1),
            skip: 0,
        }
    }

    /// Hits `n` matching requests in a row.
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Hits every matching request until [`FakeOkta::clear_faults`](super::FakeOkta::clear_faults).
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// Lets the first `n` matching requests through before it starts.
    pub fn after(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    fn matches(&self, operation: &str) -> bool {
        self.operation.as_deref().is_none_or(|op| op == operation)
    }
}

/// What the armed rules decided for one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub delay: Duration,
    pub action: Option<FaultKind>,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<Fault>,
}

impl Faults {
    pub fn push(&mut self, fault: Fault) {
        if fault.remaining != Some(0) {
            self.rules.push(fault);
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn pending(&self) -> usize {
        self.rules.len()
    }

    /// Matches one request of `operation` against the rules and consumes
    /// the ones that fire.
    pub fn decide(&mut self, operation: &str) -> Decision {
        let mut decision = Decision::default();
        for rule in self.rules.iter_mut().filter(|r| r.matches(operation)) {
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            let fires = match &rule.kind {
                FaultKind::Delay(d) => {
                    decision.delay += *d;
                    true
                }
                other if decision.action.is_none() => {
                    decision.action = Some(other.clone());
                    true
                }
                _ => false,
            };
            if fires && let Some(n) = rule.remaining.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fire_in_order_and_are_consumed() {
        let mut f = Faults::default();
        f.push(Fault::next_requests(2, FaultKind::ServiceUnavailable));
        f.push(Fault::on_operation("op", FaultKind::DropConnection).after(1));
        f.push(Fault::on_operation("op", FaultKind::Delay(Duration::from_millis(5))).always());
        // First "op": 503 fires, the drop skips its first match, delay adds.
        let d = f.decide("op");
        assert_eq!(d.action, Some(FaultKind::ServiceUnavailable));
        assert_eq!(d.delay, Duration::from_millis(5));
        // Second "op": 503 fires again; the drop is armed but loses to it.
        assert_eq!(f.decide("op").action, Some(FaultKind::ServiceUnavailable));
        // Third: the 503 rule is used up, the drop fires.
        assert_eq!(f.decide("op").action, Some(FaultKind::DropConnection));
        assert_eq!(f.decide("op").action, None);
        assert_eq!(f.decide("other"), Decision::default());
        assert_eq!(f.pending(), 1);
    }
}
