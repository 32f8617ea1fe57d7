//! Settings: the declarations a `plugin.toml` makes (`[settings.NAME]`,
//! nested lists and objects, bounds, patterns, formats) and the values an
//! administrator saves, checked by `immcase_manifest::settings::check` as
//! the host checks them before saving.
//!
//! An input is the `plugin.toml` text, then a line `%%values%%`, then the
//! values as JSON. Inputs are the modules' own settings with their
//! defaults, their mutants, and declarations and values drawn afresh
//! (`declarations`).

use immcase_manifest::{Manifest, settings};
use serde_json::{Map, Value};

mod drawn;

use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

/// The line between the manifest and the values.
pub const VALUES: &str = "\n%%values%%\n";

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"type = \"string\"\n",
        b"type = \"integer\"\n",
        b"type = \"array\"\n",
        b"type = \"object\"\n",
        b"format = \"duration-minutes\"\n",
        b"format = \"time-zone\"\n",
        b"format = \"person\"\n",
        b"pattern = \"(a+)+$\"\n",
        b"maximum = 1e308\n",
        b"minimum = -1e308\n",
        b"max-length = 18446744073709551615\n",
        b"required = [\"key\"]\n",
        b"[settings.x.items]\n",
        b"[settings.x.properties.y]\n",
        b"\"8h 30m\"",
        b"\"America/Toronto\"",
        b"null",
        b"[[[[[[[[",
        b"{\"a\":",
        b"1e999",
        b"-0",
        b"\\ud800",
    ],
    max_len: 64 * 1024,
};

/// The settings check.
pub struct SettingsTarget {
    seeds: Vec<Vec<u8>>,
}

impl SettingsTarget {
    pub fn new() -> SettingsTarget {
        let mut seeds = Vec::new();
        for toml in corpus::plugin_tomls() {
            let text = String::from_utf8_lossy(&toml).into_owned();
            let Ok(manifest) = Manifest::parse(&text) else {
                continue;
            };
            if manifest.settings.is_empty() {
                continue;
            }
            let defaults = Value::Object(manifest.default_settings());
            seeds.push(format!("{text}{VALUES}{defaults}").into_bytes());
            seeds.push(format!("{text}{VALUES}{{}}").into_bytes());
        }
        SettingsTarget { seeds }
    }
}

impl Target for SettingsTarget {
    fn name(&self) -> &'static str {
        "settings"
    }

    fn extension(&self) -> &'static str {
        "txt"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 2, 4, |bytes| {
            drawn::settings(bytes)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let (toml, json) = text.split_once(VALUES).unwrap_or((&text, "{}"));
        let Ok(manifest) = Manifest::parse(toml) else {
            return Outcome::Refused;
        };
        let _ = settings::check_access(
            &manifest.id,
            &manifest.permissions,
            manifest.settings_permission.as_deref(),
            manifest.earlier_settings.as_ref(),
        );
        let values: Map<String, Value> = match serde_json::from_str(json) {
            Ok(Value::Object(values)) => values,
            _ => return Outcome::Refused,
        };
        for (name, declaration) in manifest.settings.iter() {
            if let Some(value) = values.get(name) {
                let _ = immcase_manifest::check_setting(declaration, value);
            }
        }
        match settings::check(&manifest.settings, &values) {
            Ok(checked) => {
                // Settings the check accepted, as they are saved (defaults
                // filled in), pass it again.
                if let Err(mistakes) = settings::check(&manifest.settings, &checked.values) {
                    panic!("accepted settings fail the check once saved: {mistakes:?}");
                }
                Outcome::Accepted
            }
            Err(_) => Outcome::Refused,
        }
    }
}
