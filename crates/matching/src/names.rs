//! Names: folding them so that the ways one name gets typed compare equal,
//! splitting them into tokens, and the blocking keys that let a lookup table
//! find names within one typo of each other.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Keys are cut to this many characters: ten characters are at most 40 bytes
/// of UTF-8 in any script, and ten letters still tell names well apart.
const KEY_CHARS: usize = 10;

/// Tokens this long or longer are matched allowing a typo, so their keys
/// include their deletion neighbourhood; shorter ones are matched exactly.
pub(super) const SHORTEST_TYPO_TOKEN: usize = 4;

/// Folds text so that the ways one name gets typed compare equal: lowercase,
/// accents removed, punctuation and hyphens turned into spaces, runs of
/// whitespace collapsed to one space, no space at either end.
///
/// `"José-María  O'Neil"` folds to `"jose maria o neil"`.
///
/// How: the text is decomposed (NFKD, which also turns full-width letters
/// from East Asian keyboards and ligatures such as `ﬁ` into plain ones), the
/// accents are dropped, and what is left is recomposed (NFC) so that Korean
/// syllables and Japanese kana stay whole. Letters that decomposition leaves
/// alone are spelled the way they are usually written without the mark:
/// `ß`→`ss`, `æ`→`ae`, `œ`→`oe`, `þ`→`th`, `ø`→`o`, `ł`→`l`, `đ`/`ð`→`d`,
/// `ħ`→`h`, `ı`→`i`, `ŧ`→`t`, and Greek final `ς`→`σ`.
///
/// Only accents are dropped, not every combining mark: in Devanagari and
/// other Indic scripts the marks are vowels, and removing them would make
/// different names equal. Arabic vowel marks are dropped, since names are
/// mostly written without them.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkd().filter(|&c| !is_accent(c)) {
        for c in c.to_lowercase() {
            match c {
                'ß' => folded.push_str("ss"),
                'æ' => folded.push_str("ae"),
                'œ' => folded.push_str("oe"),
                'þ' => folded.push_str("th"),
                'ø' => folded.push('o'),
                'ł' => folded.push('l'),
                'đ' | 'ð' => folded.push('d'),
                'ħ' => folded.push('h'),
                'ı' => folded.push('i'),
                'ŧ' => folded.push('t'),
                'ς' => folded.push('σ'),
                c if c.is_alphanumeric() || is_combining_mark(c) => folded.push(c),
                _ => folded.push(' '),
            }
        }
    }
    let recomposed: String = folded.nfc().collect();
    recomposed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Marks that decorate a letter rather than being one: the combining
/// diacritical blocks used by Latin, Greek and Cyrillic, and Arabic vowel
/// marks.
fn is_accent(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}')
}

/// The folded tokens of a name field, sorted and without repeats; tokens of
/// one character (initials such as the `M` of `José M.`) are dropped, since
/// they say little and are often left out.
pub(super) fn field_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = fold(text)
        .split(' ')
        .filter(|token| token.chars().count() > 1)
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

/// All the folded tokens of a person's names (given, family and any other
/// names such as middle names, maiden names or aliases), sorted and without
/// repeats, initials dropped. See [`fold`].
pub fn name_tokens(given: &str, family: &str, other: &[String]) -> Vec<String> {
    let mut tokens: Vec<String> = [given, family]
        .into_iter()
        .chain(other.iter().map(String::as_str))
        .flat_map(field_tokens)
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Blocking keys for a name, to store in a lookup table: two names that have
/// a token within one typo of each other (one letter substituted, inserted,
/// deleted, or two adjacent letters swapped) share at least one key, so one
/// indexed query on the keys finds them. Pass the tokens from
/// [`name_tokens`]. The keys are sorted and without repeats.
///
/// For a token of four or more characters the keys are the token itself and
/// each variant with one character deleted (its deletion neighbourhood); a
/// shorter token is matched exactly, so its only key is itself. Two tokens
/// within one typo always share a key:
///
/// - a substitution: deleting the changed position from both leaves the
///   same string (`perez`, `peres` → `pere`);
/// - an insertion or deletion: deleting the extra letter from the longer
///   token leaves the shorter one, which is a key of its own (`perez`,
///   `perezz` → `perez`);
/// - a swap of adjacent letters: both tokens drop the same one of the two
///   swapped letters, and what is left is the same, since the swap only
///   changed where that letter stood relative to the other (`jose` and `joes`
///   both give `joe` when their `s` is dropped).
///
/// Tokens are cut to their first ten characters before the keys are made,
/// the same way for every name, so a key is at most 40 bytes. A typo past the
/// tenth character then leaves the cut tokens equal, and one before it is
/// caught as above; long tokens share keys a little more often, which the
/// comparison that follows ([`super::reasons()`]) sorts out.
pub fn name_keys(tokens: &[String]) -> Vec<String> {
    let mut keys = Vec::new();
    for token in tokens {
        let kept: Vec<char> = token.chars().take(KEY_CHARS).collect();
        keys.push(kept.iter().collect::<String>());
        if kept.len() >= SHORTEST_TYPO_TOKEN {
            for skipped in 0..kept.len() {
                let variant: String = kept
                    .iter()
                    .enumerate()
                    .filter(|&(at, _)| at != skipped)
                    .map(|(_, &c)| c)
                    .collect();
                keys.push(variant);
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn share_a_key(a: &str, b: &str) -> bool {
        let b_keys = name_keys(&tokens(&[b]));
        name_keys(&tokens(&[a])).iter().any(|k| b_keys.contains(k))
    }

    #[test]
    fn fold_removes_accents_case_and_punctuation() {
        assert_eq!(fold("José-María  O'Neil"), "jose maria o neil");
        assert_eq!(fold("José Pérez"), fold("jose perez"));
        assert_eq!(fold("  NGUYỄN   Văn\tAn. "), "nguyen van an");
        assert_eq!(fold("Zoë (Brontë), Jr."), "zoe bronte jr");
        assert_eq!(fold(" - ' . "), "");
    }

    #[test]
    fn fold_spells_out_letters_decomposition_leaves_alone() {
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Søren Ærøskøbing"), "soren aeroskobing");
        assert_eq!(fold("Łukasz Đorđević"), "lukasz dordevic");
        assert_eq!(fold("Þórður Œuvre"), "thordur oeuvre");
        assert_eq!(fold("Yıldız İnce"), "yildiz ince");
    }

    #[test]
    fn fold_handles_other_scripts_and_full_width_letters() {
        assert_eq!(fold("Ｊｏｓé"), "jose");
        assert_eq!(fold("ΟΔΥΣΣΕΑΣ"), fold("Οδυσσέας"));
        assert_eq!(fold("Иванов-Петров"), "иванов петров");
        // Hangul syllables stay whole rather than falling apart into jamo.
        assert_eq!(fold("김민준"), "김민준");
        // Devanagari vowel signs are letters: राम (Rām) is not रम.
        assert_eq!(fold("राम"), "राम");
        assert_ne!(fold("राम"), fold("रम"));
        // Arabic vowel marks are optional in writing.
        assert_eq!(fold("مُحَمَّد"), fold("محمد"));
    }

    #[test]
    fn name_tokens_come_from_every_name_sorted_without_initials() {
        let other = vec!["Pérez García".to_owned(), "J".to_owned()];
        assert_eq!(
            name_tokens("José M.", "Pérez", &other),
            tokens(&["garcia", "jose", "perez"])
        );
        assert!(name_tokens("", "", &[]).is_empty());
    }

    #[test]
    fn keys_of_a_short_token_are_only_itself() {
        assert_eq!(name_keys(&tokens(&["li"])), tokens(&["li"]));
        assert_eq!(name_keys(&tokens(&["ana"])), tokens(&["ana"]));
        assert!(!share_a_key("ana", "ama"));
    }

    #[test]
    fn keys_are_the_deletion_neighbourhood_of_longer_tokens() {
        assert_eq!(
            name_keys(&tokens(&["jose"])),
            tokens(&["joe", "jos", "jose", "jse", "ose"])
        );
    }

    #[test]
    fn names_one_typo_apart_share_a_key() {
        assert!(share_a_key("perez", "peres"));
        assert!(share_a_key("jose", "joes"));
        assert!(share_a_key("perez", "perz"));
        assert!(share_a_key("perez", "pereza"));
    }

    #[test]
    fn different_names_share_no_key() {
        assert!(!share_a_key("perez", "smith"));
        assert!(!share_a_key("perez", "pirex"));
        let a = name_keys(&tokens(&["jose", "perez"]));
        let b = name_keys(&tokens(&["maria", "smith"]));
        assert!(a.iter().all(|k| !b.contains(k)));
    }

    /// Every single typo of a name, at every position, shares a key with it.
    #[test]
    fn every_single_typo_shares_a_key() {
        for name in ["gonzalez", "wojciechowski", "jose"] {
            let letters: Vec<char> = name.chars().collect();
            let mut typos = Vec::new();
            for at in 0..letters.len() {
                let mut changed = letters.clone();
                changed[at] = 'q';
                typos.push(changed);
                let mut shorter = letters.clone();
                shorter.remove(at);
                typos.push(shorter);
                let mut longer = letters.clone();
                longer.insert(at, 'q');
                typos.push(longer);
                if at + 1 < letters.len() {
                    let mut swapped = letters.clone();
                    swapped.swap(at, at + 1);
                    typos.push(swapped);
                }
            }
            for typo in typos {
                let typo: String = typo.into_iter().collect();
                assert!(share_a_key(name, &typo), "{name} and {typo}");
            }
        }
    }

    #[test]
    fn long_tokens_are_cut_the_same_way_and_keys_stay_short() {
        let long = "constantinopoulos";
        assert!(share_a_key(long, "constantinopoulou"));
        assert!(share_a_key(long, "konstantinopoulos"));
        assert_eq!(name_keys(&tokens(&[long])).len(), 11);
        for token in [long, "абвгдежзийклмнопрстуф", "𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇𠀈𠀉𠀊𠀋"]
        {
            for key in name_keys(&tokens(&[token])) {
                assert!(key.len() <= 40, "{key} is {} bytes", key.len());
            }
        }
    }
}
