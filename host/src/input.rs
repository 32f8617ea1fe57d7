//! What people send, checked: text fields, page sizes, and the version an
//! update is based on. Plain functions that name the field they refuse.

use axum::http::{HeaderMap, header};

use crate::error::{AppError, FieldErrors, Result};

/// An email address alone (`ana@example.com`), as the mail library reads
/// it, which lists of them can hold joined by commas.
pub fn is_plain_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
        && !text.contains(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '<' | '>' | ';'))
}

/// Rows per page: 50 unless asked, 1 to 200.
pub fn page_limit(asked: Option<i64>) -> Result<i64> {
    match asked {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field("limit", "use a number from 1 to 200")),
    }
}

/// The version an update is based on: `"version"` in the body, or the
/// `If-Match` header. Updates without one are refused, so that nothing is
/// overwritten without the writer having seen it.
pub fn expected_version(headers: &HeaderMap, in_body: Option<i64>) -> Result<i64> {
    if let Some(v) = in_body {
        return Ok(v);
    }
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .parse()
                .ok()
        })
        .ok_or_else(|| {
            AppError::field(
                "version",
                "send the version you are changing (in the body or If-Match)",
            )
        })
}

/// Trims a text field and checks its length in characters.
pub fn text_field(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    required: bool,
    max_chars: usize,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.insert(field.into(), "required".into());
    } else if value.chars().count() > max_chars {
        errors.insert(field.into(), format!("at most {max_chars} characters"));
    }
    value.to_string()
}

/// The first character of `text` that changes how the text around it is
/// shown without being seen itself: bidirectional embeddings, overrides,
/// isolates and marks (which can show `exe.png` as `png.exe`), zero-width
/// spaces, word joiners, byte-order marks and soft hyphens. The zero-width
/// joiner and non-joiner are let through between two letters, where names
/// in Persian and Indic scripts need them.
pub fn hidden_character(text: &str) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let hidden = match c {
            '\u{200C}' | '\u{200D}' => {
                let letter = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphabetic())
                };
                !(letter(i.checked_sub(1)) && letter(Some(i + 1)))
            }
            '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}' => true,
            _ => false,
        };
        hidden.then_some(c)
    })
}

/// Why a name is refused, if it is: a line break or other control
/// character, or a hidden one ([`hidden_character`]).
pub fn name_problem(name: &str) -> Option<String> {
    if name.chars().any(char::is_control) {
        return Some("must be one line, without control characters".into());
    }
    hidden_character(name).map(|c| {
        format!(
            "cannot contain the invisible character U+{:04X}, which changes how text is shown",
            u32::from(c)
        )
    })
}

/// A person's or a thing's name: a text field ([`text_field`]) on one line,
/// without hidden characters.
pub fn name_field(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    required: bool,
    max_chars: usize,
) -> String {
    let value = text_field(errors, field, value, required, max_chars);
    if !errors.contains_key(field)
        && let Some(problem) = name_problem(&value)
    {
        errors.insert(field.into(), problem);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_what_would_hide_or_break_them() {
        assert_eq!(hidden_character("Ana García"), None);
        // Right-to-left override: shows "invoice\u{202E}gnp.exe" as "invoiceexe.png".
        assert_eq!(hidden_character("invoice\u{202E}gnp.exe"), Some('\u{202E}'));
        assert_eq!(hidden_character("A\u{200B}na"), Some('\u{200B}'));
        assert_eq!(hidden_character("\u{FEFF}Ana"), Some('\u{FEFF}'));
        assert_eq!(hidden_character("a\u{2067}b"), Some('\u{2067}'));
        // A non-joiner inside a Persian name is part of it; at an edge it is not.
        assert_eq!(hidden_character("می\u{200C}خواهم"), None);
        assert_eq!(hidden_character("Ana\u{200C}"), Some('\u{200C}'));
        assert_eq!(hidden_character("\u{200D} x"), Some('\u{200D}'));
        assert!(name_problem("Ana\nBcc: x@example.com").is_some());
        assert!(name_problem("Ana\u{202E}").is_some());
        assert_eq!(name_problem("Ana-María O'Neil"), None);
        let mut errors = FieldErrors::new();
        assert_eq!(
            name_field(&mut errors, "display_name", "  Ana ", true, 100),
            "Ana"
        );
        assert!(errors.is_empty());
        name_field(&mut errors, "display_name", "Ana\r\nEvil", true, 100);
        assert!(errors["display_name"].contains("one line"), "{errors:?}");
    }
    use axum::http::HeaderValue;

    #[test]
    fn version_comes_from_body_or_if_match() {
        let mut headers = HeaderMap::new();
        assert!(expected_version(&headers, None).is_err());
        assert_eq!(expected_version(&headers, Some(3)).unwrap(), 3);
        headers.insert(header::IF_MATCH, HeaderValue::from_static("\"7\""));
        assert_eq!(expected_version(&headers, None).unwrap(), 7);
    }

    #[test]
    fn page_limits_are_bounded() {
        assert_eq!(page_limit(None).unwrap(), 50);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(201)).is_err());
    }
}
