//! What signed-out clients can make the audit log record (`audit::record_signed_out`): at most
//! [`PER_WINDOW`] rows per client address and practice in each
//! [`WINDOW_MS`]. Refusals past that are still refused, and counted in the
//! server's log, but not written: someone without an account cannot grow a
//! practice's audit log at will. Held in memory per host process (each host
//! of several keeps its own count, which only multiplies the bound).

use std::collections::HashMap;
use std::sync::Mutex;

/// Rows a signed-out address may add per window.
pub const PER_WINDOW: u32 = 30;
/// Ten minutes.
pub const WINDOW_MS: i64 = 10 * 60 * 1000;
/// Addresses tracked at once; past this, windows that have ended are
/// forgotten, and if none has, the oldest.
const MAX_TRACKED: usize = 10_000;

#[derive(Default)]
pub struct SignedOutBudget {
    windows: Mutex<HashMap<(String, String), Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started_ms: i64,
    used: u32,
}

impl SignedOutBudget {
    /// Whether one more row for `client_addr` in `practice_id` may be
    /// written now (and counts it if so).
    pub fn take(&self, practice_id: &str, client_addr: &str, now_ms: i64) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let key = (practice_id.to_owned(), client_addr.to_owned());
        if !windows.contains_key(&key) && windows.len() >= MAX_TRACKED {
            windows.retain(|_, w| now_ms - w.started_ms < WINDOW_MS);
            if windows.len() >= MAX_TRACKED
                && let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started_ms)
                    .map(|(k, _)| k.clone())
            {
                windows.remove(&oldest);
            }
        }
        let window = windows.entry(key).or_insert(Window {
            started_ms: now_ms,
            used: 0,
        });
        if now_ms - window.started_ms >= WINDOW_MS {
            *window = Window {
                started_ms: now_ms,
                used: 0,
            };
        }
        if window.used >= PER_WINDOW {
            return false;
        }
        window.used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_rows_per_window_then_none_until_the_next() {
        let budget = SignedOutBudget::default();
        let taken = (0..100)
            .filter(|_| budget.take("p1", "10.0.0.1", 1_000))
            .count();
        assert_eq!(taken, PER_WINDOW as usize);
        // Another address, and the same address at another practice, have their own.
        assert!(budget.take("p1", "10.0.0.2", 1_000));
        assert!(budget.take("p2", "10.0.0.1", 1_000));
        assert!(!budget.take("p1", "10.0.0.1", 1_000 + WINDOW_MS - 1));
        assert!(budget.take("p1", "10.0.0.1", 1_000 + WINDOW_MS));
    }

    #[test]
    fn the_addresses_tracked_are_bounded() {
        let budget = SignedOutBudget::default();
        for i in 0..MAX_TRACKED + 50 {
            assert!(budget.take("p1", &format!("addr-{i}"), i as i64));
        }
        assert!(budget.windows.lock().unwrap().len() <= MAX_TRACKED);
    }
}
