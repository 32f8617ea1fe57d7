//! The random source of a run: small, fast and the same on every machine,
//! so a run's inputs are the same wherever it runs with the same seed.
//!
//! Each input is made from dice of its own, drawn from the run's seed and
//! the input's number, so any input of a run can be made again from its
//! number alone (which is how a worker that died is traced to its input).

/// SplitMix64: a 64-bit generator with good mixing, enough for choosing
/// mutations (nothing here needs cryptographic randomness).
#[derive(Debug, Clone)]
pub struct Dice {
    state: u64,
}

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice { state: seed }
    }

    /// The dice of input number `index` of the run with `seed`.
    pub fn for_input(seed: u64, index: u64) -> Dice {
        let mut mixer = Dice::new(seed ^ SALT);
        let base = mixer.next_u64();
        let mut dice = Dice::new(base ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Spread neighbouring indexes apart.
        dice.next_u64();
        dice
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high.saturating_sub(low).saturating_add(1))
    }

    /// True once in `n` throws on average.
    pub fn one_in(&mut self, n: u32) -> bool {
        n <= 1 || self.next_u64().is_multiple_of(u64::from(n))
    }

    /// A length up to `max`, small ones far more often than large ones
    /// (most useful mutations touch a few bytes; a few touch many).
    pub fn small(&mut self, max: usize) -> usize {
        let bits = self.below(usize::BITS as usize - max.leading_zeros() as usize + 1);
        let ceiling = (1usize << bits).min(max.max(1));
        self.between(1, ceiling).min(max)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// Keeps a run's dice apart from a plain SplitMix64 stream of the same seed.
const SALT: u64 = 0x1dc5_a5e0_f022_9e11;
