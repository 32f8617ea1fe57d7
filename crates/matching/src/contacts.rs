//! Contacts and documents in one canonical form each, so that two records of
//! the same phone, email or passport compare equal however they were typed.

use phonenumber::Mode;
use phonenumber::country::Id as Region;

/// An example shown to people who typed a number without its country code.
const INTERNATIONAL_EXAMPLE: &str = "+44 20 7946 0958";

/// Why a phone number is refused. Its text is a short message for the person
/// who typed the number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneRefused {
    /// The default region is not a two-letter country code the numbering
    /// plans know (a mistake of the caller, not of the person typing).
    #[error("unknown country for phone numbers: \"{region}\"")]
    UnknownRegion { region: String },
    /// As many digits as a phone number has, but not a number of the default
    /// region: most likely a foreign number typed without its country code.
    #[error(
        "not a number in {region}: \"{typed}\"; if it is from another \
         country, add the country code, e.g. {INTERNATIONAL_EXAMPLE}"
    )]
    NotInRegion { region: String, typed: String },
    #[error("not a phone number: \"{typed}\"")]
    NotAPhoneNumber { typed: String },
}

/// A phone number in E.164 form (`+14165550100`), as the `phonenumber` crate
/// (Google's libphonenumber rules and metadata) reads it.
///
/// A number without a country code is read as a number of `default_region`,
/// a two-letter country code such as `"CA"`; one written with `+` or with the
/// international prefix `00` is read as international wherever it is from,
/// and a bracketed trunk prefix in it (`+44 (0)20 …`) is left out.
/// An extension (`ext. 12`) is not part of E.164 and is left out. The number
/// must be one the region's numbering plan allows, which catches most typos.
///
/// The error says what is wrong, in a short message for the person who
/// typed the number: `not a phone number: "…"`, or, when there are as many
/// digits as a phone number has but they are not a number in the default
/// region, `not a number in CA: "…"; if it is from another country, add the
/// country code, e.g. +44 20 7946 0958`.
pub fn normalize_phone(input: &str, default_region: &str) -> Result<String, PhoneRefused> {
    let typed = input.trim();
    let region_code = default_region.trim().to_ascii_uppercase();
    let region: Region = region_code
        .parse()
        .map_err(|_| PhoneRefused::UnknownRegion {
            region: default_region.to_owned(),
        })?;
    let international = typed.starts_with('+') || typed.starts_with("00");
    let mut readable = match typed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => typed.to_owned(),
    };
    if international {
        // `+44 (0)20 …`: the trunk prefix dialled at home, written in
        // brackets on many European cards; it is never dialled from abroad.
        readable = readable.replace("(0)", "");
    }
    if let Ok(number) = phonenumber::parse(Some(region), &readable)
        && phonenumber::is_valid(&number)
    {
        return Ok(number.format().mode(Mode::E164).to_string());
    }
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    if !international && (8..=15).contains(&digits) {
        Err(PhoneRefused::NotInRegion {
            region: region_code,
            typed: typed.to_owned(),
        })
    } else {
        Err(PhoneRefused::NotAPhoneNumber {
            typed: typed.to_owned(),
        })
    }
}

/// A passport number as it is compared: the ASCII letters and digits only,
/// in upper case, so `"ab 123-456"` and `"AB123456"` are the same passport.
/// Passport numbers are printed in the machine-readable zone with only these
/// characters, so nothing that tells two passports apart is lost.
pub fn normalize_passport(input: &str) -> String {
    input
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// An email address as it is compared: trimmed and in lower case. Mail
/// servers could in principle treat the part before `@` as case-sensitive,
/// but none that people use do, and people type it in any case.
pub fn normalize_email(input: &str) -> String {
    input.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canadian(input: &str) -> Result<String, PhoneRefused> {
        normalize_phone(input, "CA")
    }

    #[test]
    fn phones_typed_in_different_ways_normalise_equal() {
        for typed in [
            "(416) 555-0100",
            "+1 416-555-0100",
            "416.555.0100",
            "4165550100",
            "1-416-555-0100",
            " +1 (416) 555 0100 ",
            "011 1 416 555 0100",
            "416-555-0100 ext. 12",
        ] {
            assert_eq!(canadian(typed), Ok("+14165550100".to_owned()), "{typed}");
        }
    }

    #[test]
    fn international_numbers_keep_their_country() {
        let london = Ok("+442079460958".to_owned());
        assert_eq!(canadian("+44 20 7946 0958"), london);
        assert_eq!(canadian("0044 20 7946 0958"), london);
        assert_eq!(canadian("+44 (0)20 7946 0958"), london);
        assert_eq!(normalize_phone("020 7946 0958", "GB"), london);
        assert_eq!(normalize_phone("020 7946 0958", "gb"), london);
        assert_eq!(
            normalize_phone("+1 416 555 0100", "GB"),
            Ok("+14165550100".to_owned())
        );
    }

    #[test]
    fn what_is_not_a_phone_number_is_refused() {
        for typed in ["", "hello", "555", "+1 416", "+999 1234 5678", "416-555"] {
            let refused = canadian(typed).expect_err(typed);
            assert_eq!(
                refused,
                PhoneRefused::NotAPhoneNumber {
                    typed: typed.trim().to_owned()
                }
            );
            assert_eq!(
                refused.to_string(),
                format!("not a phone number: \"{typed}\"")
            );
        }
    }

    #[test]
    fn a_number_not_of_the_default_region_asks_for_the_country_code() {
        for typed in ["020 7946 0958", "416-555-01"] {
            let refused = canadian(typed).expect_err(typed);
            assert_eq!(
                refused,
                PhoneRefused::NotInRegion {
                    region: "CA".to_owned(),
                    typed: typed.to_owned()
                }
            );
            assert_eq!(
                refused.to_string(),
                format!(
                    "not a number in CA: \"{typed}\"; if it is from another \
                     country, add the country code, e.g. +44 20 7946 0958"
                )
            );
        }
    }

    #[test]
    fn an_unknown_default_region_is_an_error() {
        let refused = normalize_phone("416 555 0100", "XX").expect_err("no such region");
        assert_eq!(
            refused,
            PhoneRefused::UnknownRegion {
                region: "XX".to_owned()
            }
        );
        assert_eq!(
            refused.to_string(),
            "unknown country for phone numbers: \"XX\""
        );
    }

    #[test]
    fn passports_keep_only_letters_and_digits_in_upper_case() {
        assert_eq!(normalize_passport("ab 123-456"), "AB123456");
        assert_eq!(normalize_passport("AB123456"), "AB123456");
        assert_eq!(normalize_passport(" x9.8/7 "), "X987");
        assert_eq!(normalize_passport(" -- "), "");
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Jose.Perez@Example.COM \n"),
            "jose.perez@example.com"
        );
        assert_eq!(normalize_email("   "), "");
    }
}
