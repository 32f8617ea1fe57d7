//! Folios: `TKT001`, `TKT002`, … `TKT999`, `TKT1000`, and finding one in
//! the subject of an email.
//!
//! The module keeps the last number given in a counter document and
//! increments it with the store's versioned write, so two tickets filed at
//! once never share a folio.

pub const FOLIO_PREFIX: &str = "TKT";

/// The folio of the `number`th ticket: `TKT001`, …, `TKT999`, `TKT1000`.
pub fn format_folio(number: u64) -> String {
    format!("{FOLIO_PREFIX}{number:03}")
}

/// The number in a folio as [`format_folio`] writes it (`TKT012` → 12);
/// `tkt012` is accepted, `TKT12`, `TKT0012` and `TKT000` are not folios.
pub fn parse_folio(text: &str) -> Option<u64> {
    let digits = text
        .get(..FOLIO_PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(FOLIO_PREFIX))
        .and_then(|_| text.get(FOLIO_PREFIX.len()..))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u64 = digits.parse().ok()?;
    (number > 0 && format_folio(number)[FOLIO_PREFIX.len()..] == *digits).then_some(number)
}

/// The folio quoted in an email's subject, `Re: [TKT012] Printer` → 12:
/// the first `[...]` holding a folio, wherever "Re:" or "Fwd:" put it.
pub fn folio_in_subject(subject: &str) -> Option<u64> {
    subject
        .split('[')
        .skip(1)
        .filter_map(|part| part.split_once(']'))
        .find_map(|(inside, _)| parse_folio(inside))
}

/// The subject of an email about a ticket: `[TKT012] Printer`.
pub fn email_subject(folio: &str, subject: &str) -> String {
    format!("[{folio}] {}", subject.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folios_count_up_from_tkt001() {
        assert_eq!(format_folio(1), "TKT001");
        assert_eq!(format_folio(999), "TKT999");
        assert_eq!(format_folio(1000), "TKT1000");
        for number in [1, 12, 999, 1000, 123_456] {
            assert_eq!(parse_folio(&format_folio(number)), Some(number));
        }
        assert_eq!(parse_folio("tkt012"), Some(12));
        for wrong in [
            "TKT12", "TKT0012", "TKT000", "TKT", "CAS012", "TKT01a", "TKT-12", "TK",
        ] {
            assert_eq!(parse_folio(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn replies_by_email_find_their_folio() {
        assert_eq!(folio_in_subject("Re: [TKT012] Printer"), Some(12));
        assert_eq!(
            folio_in_subject("RE: Fwd: [tkt1000] Printer [TKT5]"),
            Some(1000)
        );
        assert_eq!(folio_in_subject("[urgent] Re: [TKT007] Visa"), Some(7));
        assert_eq!(folio_in_subject("Re: TKT012 Printer"), None);
        assert_eq!(folio_in_subject("Re: [TKT012 Printer"), None);
        assert_eq!(folio_in_subject(""), None);
        assert_eq!(email_subject("TKT012", " Printer "), "[TKT012] Printer");
        assert_eq!(
            folio_in_subject(&format!("Re: {}", email_subject("TKT012", "x"))),
            Some(12)
        );
    }
}
