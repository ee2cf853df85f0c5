//! Duplicate deliveries: a sender that retries (GitHub, Stripe) sends the same
//! delivery id again, and the agent must not run the prompt twice.
//!
//! A delivery id is *claimed* before the rate limit and the commit, and *released*
//! if either refuses it, so a retry after a 429 or a failed write is not mistaken for
//! a duplicate and dropped. Memory is bounded: ids expire after the window, and past
//! `capacity` the oldest is forgotten early (a very old duplicate then runs twice,
//! which is the lesser failure than refusing new deliveries). Long ids are kept as
//! a digest so a sender cannot make each entry large.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a delivery id is remembered.
pub(crate) const WINDOW: Duration = Duration::from_secs(3600);
/// Ids remembered at most, over all routes (about 200 bytes each).
pub(crate) const CAPACITY: usize = 200_000;
/// Ids longer than this are remembered by their SHA-256.
const KEPT_AS_IS: usize = 128;

#[derive(Debug)]
pub(crate) struct DeliveryWindow {
    window: Duration,
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    seen: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl Default for DeliveryWindow {
    fn default() -> Self {
        Self::new(WINDOW, CAPACITY)
    }
}

impl DeliveryWindow {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        Self { window, capacity, state: Mutex::default() }
    }

    /// Claims `id` on `route`: false when it was seen within the window.
    pub(crate) fn claim(&self, route: &str, id: &str, now: Instant) -> bool {
        let key = key(route, id);
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        state.expire(now, self.window, self.capacity);
        if state.seen.contains_key(&key) {
            return false;
        }
        state.seen.insert(key.clone(), now);
        state.order.push_back((now, key));
        true
    }

    /// Forgets a claim whose delivery was not accepted after all.
    pub(crate) fn release(&self, route: &str, id: &str) {
        if let Ok(mut state) = self.state.lock() {
            state.seen.remove(&key(route, id));
        }
    }

    /// Remembers a delivery accepted before a restart (read back from the queue).
    pub(crate) fn remember(&self, route: &str, id: &str, at: Instant) {
        if let Ok(mut state) = self.state.lock() {
            let key = key(route, id);
            state.seen.insert(key.clone(), at);
            state.order.push_back((at, key));
        }
    }
}

impl State {
    fn expire(&mut self, now: Instant, window: Duration, capacity: usize) {
        while let Some((at, key)) = self.order.front() {
            let expired = now.saturating_duration_since(*at) >= window;
            if !expired && self.order.len() < capacity {
                break;
            }
            // A released and re-claimed id has a newer time in `seen`: keep it.
            if self.seen.get(key) == Some(at) {
                self.seen.remove(key);
            }
            self.order.pop_front();
        }
    }
}

fn key(route: &str, id: &str) -> String {
    if id.len() <= KEPT_AS_IS {
        return format!("{route}\0{id}");
    }
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{route}\0sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_within_the_window_is_a_duplicate() {
        let window = DeliveryWindow::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        assert!(window.claim("github", "d-1", t0));
        assert!(!window.claim("github", "d-1", t0 + Duration::from_secs(59)));
        assert!(window.claim("stripe", "d-1", t0), "ids are per route");
        assert!(window.claim("github", "d-1", t0 + Duration::from_secs(61)), "expired");
    }

    #[test]
    fn a_released_claim_can_be_claimed_again() {
        let window = DeliveryWindow::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        assert!(window.claim("github", "d-1", t0));
        window.release("github", "d-1");
        assert!(window.claim("github", "d-1", t0 + Duration::from_secs(1)));
        assert!(!window.claim("github", "d-1", t0 + Duration::from_secs(2)));
    }

    #[test]
    fn memory_stays_within_capacity() {
        let window = DeliveryWindow::new(Duration::from_secs(3600), 100);
        let t0 = Instant::now();
        for n in 0..10_000 {
            window.claim("r", &format!("{n}{}", "x".repeat(500)), t0);
        }
        let state = window.state.lock().map(|s| (s.seen.len(), s.order.len())).unwrap_or_default();
        assert!(state.0 <= 100 && state.1 <= 100, "{state:?}");
    }
}
