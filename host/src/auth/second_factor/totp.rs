//! One-time codes from an authenticator app (RFC 6238: HMAC-SHA1, six
//! digits, a new code every 30 seconds), the address the app scans to learn
//! the secret (`otpauth://totp/…`) and its QR code. A code is accepted for
//! the step before and after the present one (a phone's clock drifts), and
//! each step's code works once: the caller keeps the last step used.

use qrcode::QrCode;
use qrcode::render::svg;
use ring::rand::{SecureRandom, SystemRandom};
use totp_rs::{Algorithm, TOTP};

/// Seconds per code.
pub const STEP_SECONDS: u64 = 30;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    // The system's generator does not fail where the server runs.
    SystemRandom::new()
        .fill(&mut secret)
        .expect("the system's random number generator");
    secret
}

/// The secret as authenticator apps take it typed in (base32, in groups of
/// four).
pub fn secret_in_groups(secret: &[u8]) -> String {
    let text = generator(secret, "-", "-").get_secret_base32();
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn generator(secret: &[u8], issuer: &str, account: &str) -> TOTP {
    // Neither may hold a colon in the address; the secret is 20 bytes.
    let clean = |s: &str| s.replace(':', " ");
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret.to_vec(),
        Some(clean(issuer)),
        clean(account),
    )
}

/// The `otpauth://` address of `secret` for `account` at `issuer`.
pub fn address(secret: &[u8], issuer: &str, account: &str) -> String {
    generator(secret, issuer, account).get_url()
}

/// The QR code of `text` as an SVG element, drawn with attributes only (the
/// pages' content security policy allows no inline styles).
pub fn qr_svg(text: &str) -> String {
    let Ok(code) = QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let drawn = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // An element for a page, without the XML declaration of a file.
    match drawn.find("<svg") {
        Some(at) => drawn[at..].replacen(
            "<svg ",
            "<svg role=\"img\" aria-label=\"QR code for your authenticator app\" ",
            1,
        ),
        None => String::new(),
    }
}

/// The step a code at `unix_seconds` belongs to.
pub fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The step `code` is the code of, among the present one and its two
/// neighbours, if any.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = generator(secret, "-", "-");
    let now = step_at(unix_seconds);
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .find(|&step| same(&totp.generate(step * STEP_SECONDS), &code))
}

/// Compared without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The code of `secret` at `unix_seconds` (for tests, and for people
/// checking their app).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    generator(secret, "-", "-").generate(unix_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238, appendix B: the SHA-1 secret and the first times, with
        // the last six of their eight digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 1_234_567_890), "005924");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = new_secret();
        assert_eq!(secret.len(), SECRET_BYTES);
        let at = 1_800_000_000;
        let code = code_at(&secret, at);
        assert_eq!(matching_step(&secret, &code, at), Some(step_at(at)));
        assert_eq!(matching_step(&secret, &code, at + 30), Some(step_at(at)));
        assert_eq!(matching_step(&secret, &code, at - 30), Some(step_at(at)));
        assert_eq!(matching_step(&secret, &code, at + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, at), Some(step_at(at)));
        assert_eq!(matching_step(&secret, "12345", at), None);
        assert_eq!(matching_step(&secret, "abcdef", at), None);
    }

    #[test]
    fn the_address_and_its_qr_code_name_the_practice_and_person() {
        let secret = new_secret();
        let address = address(&secret, "Acme: Immigration", "ana@example.com");
        assert!(address.starts_with("otpauth://totp/"), "{address}");
        assert!(
            address.contains("issuer=Acme%20%20Immigration"),
            "{address}"
        );
        assert!(address.contains(&format!(
            "secret={}",
            generator(&secret, "-", "-").get_secret_base32()
        )));
        let svg = qr_svg(&address);
        assert!(svg.starts_with("<svg ") && !svg.contains("style="), "{svg}");
        assert_eq!(secret_in_groups(&secret).split(' ').count(), 8);
    }
}
