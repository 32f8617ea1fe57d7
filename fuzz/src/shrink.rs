//! Making a panicking input smaller: chunks are cut, halves first and
//! then ever smaller pieces down to single bytes, as long as the input
//! still panics at the same place. Bounded in runs and in time, so a
//! large input comes back smaller if not smallest.

use std::time::{Duration, Instant};

/// The most runs, and the longest time, spent making one input smaller.
const RUNS: usize = 4000;
const TIME: Duration = Duration::from_secs(20);

/// `input` made smaller while `still_fails` holds for it.
pub fn smaller(input: &[u8], mut still_fails: impl FnMut(&[u8]) -> bool) -> Vec<u8> {
    let deadline = Instant::now() + TIME;
    let mut best = input.to_vec();
    let mut runs = 0;
    let mut chunk = best.len() / 2;
    while chunk > 0 {
        let mut at = 0;
        while at < best.len() {
            if runs >= RUNS || Instant::now() >= deadline {
                return best;
            }
            runs += 1;
            let mut candidate = best.clone();
            candidate.drain(at..(at + chunk).min(best.len()));
            if still_fails(&candidate) {
                best = candidate;
            } else {
                at += chunk;
            }
        }
        chunk /= 2;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_shrinks_to_what_makes_it_fail() {
        let input = b"id = \"notes\"\nname = [[[[[[[[ BOOM ]]]]]]]]\n";
        let small = smaller(input, |candidate| {
            candidate.windows(4).any(|w| w == b"BOOM")
        });
        assert_eq!(small, b"BOOM");
    }
}
