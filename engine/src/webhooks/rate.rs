//! Per-route rate limits (`rateLimitPerMinute`), with `governor`'s GCRA: a burst of
//! up to the limit, then one delivery per `60 s / limit`, and the exact wait to
//! report as `Retry-After`.
//!
//! Limiters outlive config generations: a reload that leaves a route's limit
//! unchanged keeps its budget, so editing an unrelated file does not refill it.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};

#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    limiters: Mutex<HashMap<String, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

impl RateLimits {
    /// Takes one delivery from `route`'s budget, or says how long until there is one.
    pub(crate) fn check(&self, route: &str, per_minute: u32) -> Result<(), Duration> {
        let limiter = self.limiter(route, per_minute);
        limiter.check().map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn limiter(&self, route: &str, per_minute: u32) -> Arc<DefaultDirectRateLimiter> {
        let fresh = || Arc::new(DefaultDirectRateLimiter::direct(Quota::per_minute(nonzero(per_minute))));
        let Ok(mut limiters) = self.limiters.lock() else {
            return fresh();
        };
        match limiters.get(route) {
            Some((limit, limiter)) if *limit == per_minute => Arc::clone(limiter),
            _ => {
                let limiter = fresh();
                limiters.insert(route.to_owned(), (per_minute, Arc::clone(&limiter)));
                limiter
            }
        }
    }
}

fn nonzero(per_minute: u32) -> NonZeroU32 {
    NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN)
}

/// `Retry-After` in whole seconds, rounded up and never 0 (0 invites a hot retry loop).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_per_route_and_refuses_past_the_limit() {
        let limits = RateLimits::default();
        for _ in 0..3 {
            assert!(limits.check("a", 3).is_ok());
        }
        let wait = limits.check("a", 3).err();
        assert!(wait.is_some_and(|w| w > Duration::from_secs(15) && w <= Duration::from_secs(20)), "{wait:?}");
        assert!(limits.check("b", 3).is_ok(), "another route has its own budget");
        assert!(limits.check("a", 4).is_ok(), "a new limit is a new budget");
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(19_001)), 20);
        assert_eq!(retry_after_seconds(Duration::from_secs(20)), 20);
    }
}
