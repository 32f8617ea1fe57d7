//! The host's notion of now. Everything that compares with the current time
//! (sessions, reset links, throttling, timers) asks the clock in `AppState`,
//! so tests move time forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    /// Milliseconds since the Unix epoch: how times are stored.
    fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }
}

/// The wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that is the wall clock plus an offset that only moves forward when
/// told to. Used by tests to make idle timeouts and expiries happen at once.
#[derive(Debug, Default, Clone)]
pub struct ManualClock {
    offset_ms: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn advance(&self, by: SignedDuration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_millis(self.offset_ms.load(Ordering::SeqCst));
        Timestamp::now()
            .saturating_add(offset)
            .unwrap_or(Timestamp::MAX)
    }
}

/// Formats stored milliseconds as RFC 3339 for API responses.
pub fn rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Wait before retry number `attempts` (from 1): `first_ms`, then doubling
/// each time, at most `max_ms`. Jobs and the mail outbox retry this way.
pub fn backoff_ms(attempts: i64, first_ms: i64, max_ms: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 62) - 1).unwrap_or(0);
    first_ms.saturating_mul(1_i64 << doublings).min(max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_without_overflowing() {
        assert_eq!(backoff_ms(1, 1000, i64::MAX), 1000);
        assert_eq!(backoff_ms(3, 1000, i64::MAX), 4000);
        assert_eq!(backoff_ms(i64::MAX, 1000, i64::MAX), i64::MAX);
    }

    #[test]
    fn manual_clock_moves_forward_only_when_told() {
        let clock = ManualClock::new();
        let before = clock.now_ms();
        clock.advance(SignedDuration::from_mins(31));
        let after = clock.now_ms();
        assert!(after - before >= 31 * 60 * 1000);
        assert!(after - before < 32 * 60 * 1000);
    }

    #[test]
    fn formats_stored_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
