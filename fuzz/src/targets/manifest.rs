//! `plugin.toml`: a module's manifest as a package brings it, read by
//! `Manifest::parse`; a manifest it accepts is then asked what the host
//! asks of one it loads (its contract, interfaces, what it asks for in
//! words, defaults, public paths, events, actions, its JSON).

use immcase_manifest::Manifest;

use super::{Outcome, Target, seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"[",
        b"]",
        b"[[",
        b"]]",
        b"[settings.",
        b"[capabilities]\n",
        b"[[permissions]]\n",
        b"[[nav]]\n",
        b"[limits]\n",
        b"[dependencies]\n",
        b" = ",
        b"\"",
        b"\"\"\"",
        b"'''",
        b"\\u0000",
        b"\\U0010FFFF",
        b"{ ",
        b" }",
        b", ",
        b"true",
        b"inf",
        b"nan",
        b"-0.0",
        b"1979-05-27T07:32:00Z",
        b"0x7fffffffffffffff",
        b"1_000",
        b"host-api = \"*\"\n",
        b"version = \"1.0.0-alpha+x\"\n",
        b"type = \"object\"\n",
        b"memory-mb = ",
        b"timeout-ms = ",
        b"public = [\"/feeds/\"]\n",
        b"dav = [\"calendars\"]\n",
        b"\n",
        b"#",
    ],
    max_len: 64 * 1024,
};

/// The manifest reader.
pub struct ManifestTarget {
    seeds: Vec<Vec<u8>>,
}

impl ManifestTarget {
    pub fn new() -> ManifestTarget {
        ManifestTarget {
            seeds: corpus::plugin_tomls(),
        }
    }
}

impl Target for ManifestTarget {
    fn name(&self) -> &'static str {
        "manifest"
    }

    fn extension(&self) -> &'static str {
        "toml"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        if index >= self.seeds.len() as u64 && dice.one_in(4) {
            let mixed = recombined(&self.seeds, dice);
            return MUTATOR.mutate(&mixed, &self.seeds, dice);
        }
        seed_or_mutant(&self.seeds, &MUTATOR, index, dice)
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        match Manifest::parse(&text) {
            Ok(manifest) => {
                asked_by_the_host(&manifest);
                Outcome::Accepted
            }
            Err(_) => Outcome::Refused,
        }
    }
}

/// What the host reads off a manifest it loaded.
fn asked_by_the_host(manifest: &Manifest) {
    let _ = manifest.check_host_api();
    let _ = manifest.allowed_interfaces();
    let _ = manifest.asks_for();
    let defaults = manifest.default_settings();
    let _ = immcase_manifest::settings::check(&manifest.settings, &defaults);
    for (name, declaration) in manifest.settings.iter() {
        let _ = declaration.label(name);
    }
    let _ = manifest.is_public("/feeds/abc/calendar.ics");
    let _ = manifest.serves_dav("calendars");
    let _ = manifest.may_emit("case.closed");
    let _ = manifest.subscribes_to("applicant.created");
    let _ = manifest.may_call("video-calls", "create-room");
    let _ = serde_json::to_vec(manifest);
}

/// The top of one seed (before its first table) and a few tables of
/// others: manifests that are well-formed TOML with unusual mixes.
fn recombined(seeds: &[Vec<u8>], dice: &mut Dice) -> Vec<u8> {
    let Some(top) = dice.pick(seeds) else {
        return Vec::new();
    };
    let mut out = tables(top).0.to_vec();
    for _ in 0..dice.small(8) {
        if let Some(seed) = dice.pick(seeds) {
            let (_, parts) = tables(seed);
            if let Some(part) = dice.pick(&parts) {
                out.extend_from_slice(part);
            }
        }
    }
    out
}

/// A manifest's top and its tables (each from a line starting with `[`).
fn tables(text: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let mut starts: Vec<usize> = (0..text.len())
        .filter(|&i| text[i] == b'[' && (i == 0 || text[i - 1] == b'\n'))
        .collect();
    let top_end = starts.first().copied().unwrap_or(text.len());
    starts.push(text.len());
    let parts = starts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    (&text[..top_end], parts)
}
