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

#[cfg(test)]
mod tests {
    use super::*;
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
