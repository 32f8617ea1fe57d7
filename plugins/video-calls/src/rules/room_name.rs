//! Room names.
//!
//! Anyone who knows a Jitsi room's name can join it (on a server without
//! tokens), so the name must be unguessable: 128 random bits from the
//! platform's generator, written in lowercase base32. Jitsi lowercases room
//! names (its token check compares the room claim with the lowercase name),
//! so the whole name is lowercase; and it is URL-safe as it is: letters,
//! digits and hyphens. A slug of the title goes first, for people who read
//! the link: `visa-interview-ana-diaz-k3x…`.

/// How many random bytes a room name carries: 128 bits.
pub const RANDOM_BYTES: usize = 16;

/// The longest slug of a title kept in front of the random part.
pub const SLUG_MAX: usize = 32;

/// A new room name for a call titled `title`, from the platform's random
/// source (WASI's `random` inside the component).
pub fn new_room_name(title: &str) -> Result<String, getrandom::Error> {
    let mut random = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut random)?;
    Ok(room_name(title, &random))
}

/// The room name for `title` with these random bytes: the title's slug, a
/// hyphen and the bytes in base32; only the bytes when the title has no
/// letters or digits.
pub fn room_name(title: &str, random: &[u8; RANDOM_BYTES]) -> String {
    let slug = slug(title);
    let random = base32(random);
    if slug.is_empty() {
        random
    } else {
        format!("{slug}-{random}")
    }
}

/// Whether `name` could be a room name made here: lowercase letters, digits
/// and single hyphens, ending in at least 26 characters of base32 (128
/// bits).
pub fn is_room_name(name: &str) -> bool {
    let random = name.rsplit('-').next().unwrap_or_default();
    name.len() <= SLUG_MAX + 1 + 26
        && random.len() >= 26
        && random
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.contains("--")
}

/// The title in lowercase ASCII letters and digits, words joined by
/// hyphens, accents dropped (`Réunion: Ana Díaz` → `reunion-ana-diaz`),
/// at most [`SLUG_MAX`] characters, cut between words when it can be.
pub fn slug(title: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let plain = unaccented(c);
        if plain.is_empty() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push_str(plain);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut slug = String::new();
    for word in words {
        let extra = if slug.is_empty() { 0 } else { 1 };
        if slug.len() + extra + word.len() > SLUG_MAX {
            if slug.is_empty() {
                slug = word.chars().take(SLUG_MAX).collect();
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug
}

/// A lowercase letter or digit as plain ASCII (`é` → `e`, `ß` → `ss`);
/// empty for anything else (spaces, punctuation, other scripts).
fn unaccented(c: char) -> &'static str {
    const FOLDS: &[(&str, &str)] = &[
        ("àáâãäåāăą", "a"),
        ("çćč", "c"),
        ("ďđ", "d"),
        ("èéêëēėęě", "e"),
        ("ğ", "g"),
        ("ìíîïīį", "i"),
        ("ł", "l"),
        ("ñńň", "n"),
        ("òóôõöøō", "o"),
        ("řŕ", "r"),
        ("śšş", "s"),
        ("ťţ", "t"),
        ("ùúûüūů", "u"),
        ("ýÿ", "y"),
        ("źżž", "z"),
        ("ß", "ss"),
        ("æ", "ae"),
        ("œ", "oe"),
    ];
    const ASCII: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        let at = ASCII.find(c).unwrap_or_default();
        return &ASCII[at..at + 1];
    }
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or("", |(_, to)| to)
}

/// Bytes in lowercase base32 (RFC 4648's alphabet), without padding: five
/// bits a character.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_follows_rfc_4648_in_lowercase() {
        // The RFC's test vectors, without padding.
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(b"fo"), "mzxq");
        assert_eq!(base32(b"foo"), "mzxw6");
        assert_eq!(base32(b"foob"), "mzxw6yq");
        assert_eq!(base32(b"fooba"), "mzxw6ytb");
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(&[0xff; 16]).len(), 26, "128 bits in 26 characters");
    }

    #[test]
    fn slugs_read_like_the_title() {
        assert_eq!(slug("Visa interview: Ana Díaz"), "visa-interview-ana-diaz");
        assert_eq!(
            slug("  Réunion — Œuvre  Straße 12 "),
            "reunion-oeuvre-strasse-12"
        );
        assert_eq!(slug("!!!"), "");
        assert_eq!(slug("日本語"), "");
        // Cut between words, never past the limit.
        let long = slug("Consultation about the permanent residence application");
        assert_eq!(long, "consultation-about-the-permanent");
        assert!(long.len() <= SLUG_MAX);
        let one_word = slug(&"a".repeat(50));
        assert_eq!(one_word.len(), SLUG_MAX);
    }

    #[test]
    fn room_names_carry_the_random_part_whole() {
        let random = [7u8; RANDOM_BYTES];
        let name = room_name("Visa interview", &random);
        assert_eq!(name, format!("visa-interview-{}", base32(&random)));
        assert!(is_room_name(&name), "{name}");
        assert_eq!(room_name("???", &random), base32(&random));
        assert!(is_room_name(&room_name("???", &random)));
        // Different bytes, different rooms.
        assert_ne!(room_name("x", &[1; 16]), room_name("x", &[2; 16]));
    }

    #[test]
    fn new_room_names_are_random_and_url_safe() {
        let a = new_room_name("Interview").expect("random");
        let b = new_room_name("Interview").expect("random");
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(name.starts_with("interview-"), "{name}");
            assert!(is_room_name(name), "{name}");
            assert_eq!(name.len(), "interview-".len() + 26);
        }
    }

    #[test]
    fn what_is_not_a_room_name() {
        for wrong in [
            "",
            "short",
            "Visa-AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "visa--aaaaaaaaaaaaaaaaaaaaaaaaaa",
            "-aaaaaaaaaaaaaaaaaaaaaaaaaa",
            "visa-aaaaaaaaaaaaaaaaaaaaaaaaa1",
            "visa/aaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(!is_room_name(wrong), "{wrong}");
        }
    }
}
