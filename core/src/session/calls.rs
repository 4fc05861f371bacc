//! What keeps the page's API calls from multiplying the provider's work: at most
//! [`MAX_IN_FLIGHT`] calls at once, and a back-off for an API that refuses even a renewed
//! token. Refreshes themselves are one at a time (the keeper's writing right), and calls that
//! need the same API's token share the one in flight: a caller that waited finds the token the
//! one before it fetched.
//!
//! Providers rate-limit their token endpoint and some lock a client out (RFC 6749 §10.6 leaves
//! it to them); a page that calls an API in a loop must not turn each call into a refresh grant,
//! a sealed write and a keyring update.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::lock;
use crate::secret::Secret;

/// How many of the page's calls may be under way at once; the rest wait their turn, so that
/// answers of up to 4 MiB each cannot pile up in memory.
pub const MAX_IN_FLIGHT: usize = 8;

/// The first back-off after an API refused a renewed token, in seconds.
pub(crate) const FIRST_BACK_OFF: i64 = 30;
/// The longest back-off, in seconds.
pub(crate) const LONGEST_BACK_OFF: i64 = 300;

/// An API's back-off: until when it gets no new token, and how long the last window was.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BackOff {
    until: i64,
    window: i64,
    /// The renewed token the API refused: calls that saw it refused together start one window.
    refused: Secret,
}

/// The page's calls in flight, and each API's back-off.
pub(super) struct Calls {
    in_flight: Semaphore,
    /// By the API's resource.
    back_offs: Mutex<HashMap<String, BackOff>>,
}

impl Calls {
    pub(super) fn new() -> Self {
        Self {
            in_flight: Semaphore::new(MAX_IN_FLIGHT),
            back_offs: Mutex::default(),
        }
    }

    /// A place among the calls in flight, held until the call's answer has been read.
    pub(super) async fn turn(&self) -> SemaphorePermit<'_> {
        self.in_flight
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    /// Whether `resource`'s API gets no new token now.
    pub(super) fn backing_off(&self, resource: &str, now: i64) -> bool {
        lock(&self.back_offs)
            .get(resource)
            .is_some_and(|back_off| now < back_off.until)
    }

    /// The API refused `refused`, a token renewed for it: no new token for it for a window of
    /// [`FIRST_BACK_OFF`] seconds, twice the last one if it had one (at most
    /// [`LONGEST_BACK_OFF`]). Calls that saw the same token refused start one window, not one
    /// each.
    pub(super) fn back_off(&self, resource: &str, refused: &Secret, now: i64) {
        let mut back_offs = lock(&self.back_offs);
        let last = back_offs.get(resource);
        if last.is_some_and(|last| &last.refused == refused) {
            return;
        }
        let window = last.map_or(FIRST_BACK_OFF, |last| {
            (last.window * 2).min(LONGEST_BACK_OFF)
        });
        tracing::warn!(
            seconds = window,
            "the API refused a renewed token; it gets no new one for a while"
        );
        back_offs.insert(
            resource.to_owned(),
            BackOff {
                until: now.saturating_add(window),
                window,
                refused: refused.clone(),
            },
        );
    }

    /// The API took a token: its back-off, if any, is over.
    pub(super) fn accepted(&self, resource: &str) {
        lock(&self.back_offs).remove(resource);
    }

    /// A new sign-in: every back-off is over.
    pub(super) fn signed_in(&self) {
        lock(&self.back_offs).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn token(value: &str) -> Secret {
        Secret::new(value.into())
    }

    #[test]
    fn an_api_that_refuses_a_renewed_token_backs_off_for_30_seconds_then_twice_as_long() {
        let calls = Calls::new();
        assert!(!calls.backing_off("orders", NOW));
        calls.back_off("orders", &token("t1"), NOW);
        assert!(calls.backing_off("orders", NOW + 29));
        assert!(!calls.backing_off("orders", NOW + 30));
        assert!(
            !calls.backing_off("profile", NOW),
            "another API's is its own"
        );
        // The next renewed token refused too: twice as long, up to five minutes.
        let mut start = NOW + 30;
        for (n, window) in [60, 120, 240, 300, 300].into_iter().enumerate() {
            calls.back_off("orders", &token(&format!("t{}", n + 2)), start);
            assert!(calls.backing_off("orders", start + window - 1), "{window}");
            assert!(!calls.backing_off("orders", start + window), "{window}");
            start += window;
        }
    }

    #[test]
    fn calls_that_saw_one_renewed_token_refused_start_one_window() {
        let calls = Calls::new();
        for _ in 0..30 {
            calls.back_off("orders", &token("t1"), NOW);
        }
        assert!(
            !calls.backing_off("orders", NOW + 30),
            "not doubled 29 times"
        );
    }

    #[test]
    fn a_call_the_api_takes_or_a_sign_in_ends_the_back_off() {
        let calls = Calls::new();
        calls.back_off("orders", &token("t1"), NOW);
        calls.accepted("orders");
        assert!(!calls.backing_off("orders", NOW));
        calls.back_off("orders", &token("t2"), NOW);
        assert!(calls.backing_off("orders", NOW + 29));
        assert!(
            !calls.backing_off("orders", NOW + 30),
            "a fresh start: 30 seconds again"
        );
        calls.back_off("orders", &token("t3"), NOW);
        calls.back_off("profile", &token("t4"), NOW);
        calls.signed_in();
        assert!(!calls.backing_off("orders", NOW) && !calls.backing_off("profile", NOW));
    }

    #[tokio::test]
    async fn at_most_eight_calls_are_in_flight_and_the_rest_wait_their_turn() {
        let calls = Calls::new();
        let mut turns = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            turns.push(calls.turn().await);
        }
        let ninth = tokio::time::timeout(std::time::Duration::from_millis(50), calls.turn());
        assert!(ninth.await.is_err(), "the ninth waits");
        turns.pop();
        let ninth = tokio::time::timeout(std::time::Duration::from_millis(50), calls.turn());
        assert!(ninth.await.is_ok(), "and goes when one ends");
    }
}
