//! Whether two applicants' names look like the same person's, and how.

use serde::{Deserialize, Serialize};

use super::Probe;
use super::names::{SHORTEST_TYPO_TOKEN, field_tokens};

/// How two applicants' names are alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameMatch {
    /// The same given name and the same family name once folded (accents,
    /// case and punctuation aside); other names may differ.
    Same,
    /// Given and family names swapped, a common slip when the order of names
    /// differs between countries.
    Transposed,
    /// Each token of the name with fewer tokens matches its own token of the
    /// other: exactly if either is shorter than four characters, else within
    /// one typo, or two when both have eight characters or more. The name
    /// with fewer tokens has at least two, so one shared given name is not
    /// enough. This also catches a name entered with fewer of its parts
    /// (`José Pérez` and `José Luis Pérez García`).
    Similar,
}

/// How the names of `new` and `existing` are alike, if they are; see
/// [`NameMatch`] for the rules, tried in its order.
pub fn name_match(new: &Probe, existing: &Probe) -> Option<NameMatch> {
    let (new_given, new_family) = (
        field_tokens(&new.given_name),
        field_tokens(&new.family_name),
    );
    let (old_given, old_family) = (
        field_tokens(&existing.given_name),
        field_tokens(&existing.family_name),
    );
    let named = !new_given.is_empty() || !new_family.is_empty();
    if named && new_given == old_given && new_family == old_family {
        return Some(NameMatch::Same);
    }
    let both_parts = !new_given.is_empty() && !new_family.is_empty();
    if both_parts && new_given == old_family && new_family == old_given {
        return Some(NameMatch::Transposed);
    }
    let (a, b) = (new.name_tokens(), existing.name_tokens());
    let (fewer, more) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    (fewer.len() >= 2 && each_token_paired(&fewer, &more)).then_some(NameMatch::Similar)
}

/// How many typos (see [`super::name_keys`]) two tokens may differ by and
/// still be taken as the same name, by the length of the shorter one: none
/// below four characters (`Ana` and `Ama` are different names), one up to
/// seven, two from eight.
fn typos_allowed(a: &str, b: &str) -> usize {
    match a.chars().count().min(b.chars().count()) {
        n if n < SHORTEST_TYPO_TOKEN => 0,
        n if n < 8 => 1,
        _ => 2,
    }
}

fn alike(a: &str, b: &str) -> bool {
    a == b || strsim::osa_distance(a, b) <= typos_allowed(a, b)
}

/// Whether each token in `fewer` can be paired with a different token in
/// `more` that it is alike, so that `Maria Marie` is not taken for
/// `Marie Smith` by pairing both with `marie`. A bipartite matching, grown
/// one token at a time along augmenting paths.
fn each_token_paired(fewer: &[String], more: &[String]) -> bool {
    let options: Vec<Vec<usize>> = fewer
        .iter()
        .map(|f| (0..more.len()).filter(|&m| alike(f, &more[m])).collect())
        .collect();
    let mut paired_with: Vec<Option<usize>> = vec![None; more.len()];
    (0..fewer.len()).all(|token| {
        let mut tried = vec![false; more.len()];
        pair(token, &options, &mut paired_with, &mut tried)
    })
}

fn pair(
    token: usize,
    options: &[Vec<usize>],
    paired_with: &mut [Option<usize>],
    tried: &mut [bool],
) -> bool {
    for &m in &options[token] {
        if tried[m] {
            continue;
        }
        tried[m] = true;
        let free = match paired_with[m] {
            None => true,
            Some(other) => pair(other, options, paired_with, tried),
        };
        if free {
            paired_with[m] = Some(token);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(given: &str, family: &str) -> Probe {
        Probe {
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            ..Probe::default()
        }
    }

    #[test]
    fn accents_and_case_make_the_same_name() {
        let jose = named("José", "Pérez");
        assert_eq!(
            name_match(&jose, &named("jose", "PEREZ")),
            Some(NameMatch::Same)
        );
        assert_eq!(
            name_match(&jose, &named("Jose-", "Pérez")),
            Some(NameMatch::Same)
        );
        assert_eq!(
            name_match(&jose, &named("JOSE", "perez")),
            Some(NameMatch::Same)
        );
    }

    #[test]
    fn swapped_given_and_family_names_are_transposed() {
        let jose = named("José", "Pérez");
        assert_eq!(
            name_match(&jose, &named("Pérez", "José")),
            Some(NameMatch::Transposed)
        );
    }

    #[test]
    fn one_typo_or_one_swap_of_letters_is_similar() {
        let jose = named("José", "Pérez");
        assert_eq!(
            name_match(&jose, &named("Jose", "Peres")),
            Some(NameMatch::Similar)
        );
        assert_eq!(
            name_match(&jose, &named("Joes", "Perez")),
            Some(NameMatch::Similar)
        );
        assert_eq!(
            name_match(&jose, &named("Perez", "Joes")),
            Some(NameMatch::Similar)
        );
    }

    #[test]
    fn a_name_with_fewer_parts_is_similar() {
        let mut full = named("José Luis", "Pérez García");
        full.other_names = vec!["Pepe".to_owned()];
        assert_eq!(
            name_match(&named("Jose", "Perez"), &full),
            Some(NameMatch::Similar)
        );
    }

    #[test]
    fn long_tokens_allow_two_typos_short_ones_one() {
        let alexandra = named("Alexandra", "Kowalczyk");
        assert_eq!(
            name_match(&alexandra, &named("Alexsandro", "Kowalczyk")),
            Some(NameMatch::Similar)
        );
        let jose = named("José", "Pérez");
        assert_eq!(name_match(&jose, &named("Jose", "Pirex")), None);
        assert_eq!(name_match(&jose, &named("Jsoe", "Prees")), None);
        assert_eq!(name_match(&named("Ana", "Li"), &named("Ama", "Li")), None);
    }

    #[test]
    fn each_token_needs_its_own_partner() {
        let a = named("Maria Marie", "");
        let b = named("Marie", "Smith");
        assert_eq!(name_match(&a, &b), None);
        let c = named("Maria", "Marie");
        assert_eq!(
            name_match(&c, &named("Marie", "Maria")),
            Some(NameMatch::Transposed)
        );
        assert_eq!(
            name_match(&c, &named("Mario", "Marie")),
            Some(NameMatch::Similar)
        );
    }
}
