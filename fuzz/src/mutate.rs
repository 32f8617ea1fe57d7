//! Byte-level mutations of a seed: bits flipped, bytes set to edge values,
//! ranges deleted, repeated, duplicated and swapped, the tail cut, another
//! seed spliced in, whole lines moved, numbers replaced by edge numbers and
//! the format's own tokens inserted. A few rounds are stacked on one seed.

use crate::dice::Dice;

/// How one target's seeds are mutated.
#[derive(Debug, Clone, Copy)]
pub struct Mutator {
    /// The format's tokens (keywords, delimiters, escapes), inserted whole.
    pub dictionary: &'static [&'static [u8]],
    /// Inputs are cut to this many bytes.
    pub max_len: usize,
}

/// Bytes that often mean something to a parser.
const EDGE_BYTES: &[u8] = b"\0\x01\x7f\x80\xff\n\r\t \"'\\/=:;,.-+[]{}()<>#%&@?*$";

/// Numbers at the edges of the integer and float types, written as text.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "-0",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999",
    "1e308",
    "1e999",
    "0.000001",
    "-2.5",
];

impl Mutator {
    /// `seed` after one to eight stacked mutations; `donors` are the other
    /// seeds, for splices.
    pub fn mutate(&self, seed: &[u8], donors: &[Vec<u8>], dice: &mut Dice) -> Vec<u8> {
        let mut data = seed.to_vec();
        for _ in 0..dice.small(8) {
            self.once(&mut data, donors, dice);
            data.truncate(self.max_len);
        }
        data
    }

    fn once(&self, data: &mut Vec<u8>, donors: &[Vec<u8>], dice: &mut Dice) {
        let len = data.len();
        match dice.below(13) {
            0 if len > 0 => {
                let at = dice.below(len);
                data[at] ^= 1 << dice.below(8);
            }
            1 if len > 0 => {
                let at = dice.below(len);
                data[at] = *dice.pick(EDGE_BYTES).unwrap_or(&0);
            }
            2 if len > 0 => {
                let (at, n) = range(len, dice);
                data.drain(at..at + n);
            }
            3 => {
                let at = dice.below(len + 1);
                let n = dice.small(32);
                let bytes = dice.bytes(n);
                data.splice(at..at, bytes);
            }
            4 => {
                let at = dice.below(len + 1);
                let token = dice.pick(self.dictionary).copied().unwrap_or(b"");
                data.splice(at..at, token.iter().copied());
            }
            5 if len > 0 => {
                let (from, n) = range(len, dice);
                let chunk = data[from..from + n].to_vec();
                let at = dice.below(len + 1);
                data.splice(at..at, chunk);
            }
            6 if len > 0 => repeat(data, self.max_len, dice),
            7 if len > 0 => data.truncate(dice.below(len)),
            8 => splice(data, donors, dice),
            9 => edge_number(data, dice),
            10 if len > 1 => {
                let (a, n) = range(len, dice);
                let b = dice.below(len - n + 1);
                let chunk = data[a..a + n].to_vec();
                data[b..b + n].copy_from_slice(&chunk);
            }
            11 => lines(data, dice),
            _ => {
                let at = dice.below(len + 1);
                let token = dice.pick(self.dictionary).copied().unwrap_or(b"");
                let count = dice.small(4);
                for _ in 0..count {
                    data.splice(at..at, token.iter().copied());
                }
            }
        }
    }
}

/// A range of `data` of a small length: its start and length.
fn range(len: usize, dice: &mut Dice) -> (usize, usize) {
    let n = dice.small(len.min(256)).min(len);
    (dice.below(len - n + 1), n)
}

/// A short chunk repeated many times in place: the way to deep nesting
/// (`[[[[`, `<<<<`, nested multiparts) and to long runs.
fn repeat(data: &mut Vec<u8>, max_len: usize, dice: &mut Dice) {
    let (from, n) = range(data.len(), dice);
    let n = n.min(16);
    let room = max_len.saturating_sub(data.len()) / n.max(1);
    let most = if dice.one_in(8) { 20_000 } else { 64 };
    let times = dice.small(most).min(room);
    let chunk = data[from..from + n].to_vec();
    let repeated: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
    data.splice(from..from, repeated);
}

/// The head of `data` followed by the tail of another seed.
fn splice(data: &mut Vec<u8>, donors: &[Vec<u8>], dice: &mut Dice) {
    let Some(donor) = dice.pick(donors) else {
        return;
    };
    let cut = dice.below(data.len() + 1);
    let from = dice.below(donor.len() + 1);
    data.truncate(cut);
    data.extend_from_slice(&donor[from..]);
}

/// A run of digits replaced by a number at a type's edge.
fn edge_number(data: &mut Vec<u8>, dice: &mut Dice) {
    let starts: Vec<usize> = (0..data.len())
        .filter(|&i| data[i].is_ascii_digit() && (i == 0 || !data[i - 1].is_ascii_digit()))
        .collect();
    let Some(&at) = dice.pick(&starts) else {
        return;
    };
    let end = (at..data.len())
        .find(|&i| !data[i].is_ascii_digit())
        .unwrap_or(data.len());
    let number = dice.pick(EDGE_NUMBERS).copied().unwrap_or("0");
    data.splice(at..end, number.bytes());
}

/// A whole line deleted, doubled or moved (headers, properties, keys).
fn lines(data: &mut Vec<u8>, dice: &mut Dice) {
    let mut bounds = vec![0];
    bounds.extend((0..data.len()).filter(|&i| data[i] == b'\n').map(|i| i + 1));
    if bounds.len() < 2 {
        return;
    }
    let i = dice.below(bounds.len() - 1);
    let (start, end) = (bounds[i], bounds[i + 1]);
    let line = data[start..end].to_vec();
    match dice.below(3) {
        0 => {
            data.drain(start..end);
        }
        1 => {
            data.splice(start..start, line);
        }
        _ => {
            data.drain(start..end);
            let to = bounds[dice.below(bounds.len())].min(data.len());
            data.splice(to..to, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_dice_give_the_same_mutant_and_its_length_stays_bounded() {
        let mutator = Mutator {
            dictionary: &[b"BEGIN:VEVENT\r\n", b"[["],
            max_len: 300,
        };
        let seed = b"BEGIN:VCALENDAR\r\nDTSTART:20260309T090000Z\r\nEND:VCALENDAR\r\n".to_vec();
        let donors = vec![seed.clone(), b"id = \"notes\"\n".to_vec()];
        for index in 0..2000 {
            let a = mutator.mutate(&seed, &donors, &mut Dice::for_input(7, index));
            let b = mutator.mutate(&seed, &donors, &mut Dice::for_input(7, index));
            assert_eq!(a, b);
            assert!(a.len() <= 300);
        }
        let different = (0..50)
            .map(|i| mutator.mutate(&seed, &donors, &mut Dice::for_input(7, i)))
            .filter(|m| *m != seed)
            .count();
        assert!(different > 40, "only {different} of 50 mutants differ");
    }
}
