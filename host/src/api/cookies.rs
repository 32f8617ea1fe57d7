//! The server's cookies: reading one from a request's `Cookie` headers, and
//! the `Set-Cookie` value that sets or clears one. All are `Path=/` and
//! `HttpOnly`, and `Secure` when the server is reached over HTTPS.

use axum::http::{HeaderMap, HeaderValue, header};

/// The value of the cookie `name` the request carries, if any.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_string())
}

/// `Set-Cookie` for `name=value` with `same_site` (`Lax` or `Strict`) and,
/// when given, a lifetime in seconds (0 clears it).
pub fn set(
    name: &str,
    value: &str,
    same_site: &str,
    max_age_secs: Option<u64>,
    secure: bool,
) -> HeaderValue {
    let max_age = max_age_secs
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let secure = if secure { "; Secure" } else { "" };
    // Values are URL-safe tokens: always a valid header value.
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}{max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_set_with_its_attributes() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(header::COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(read(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read(&headers, "c").as_deref(), Some("3"));
        assert_eq!(read(&headers, "d"), None);
        assert_eq!(
            set("x", "v", "Strict", Some(0), true),
            "x=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
        assert_eq!(
            set("x", "v", "Lax", None, false),
            "x=v; Path=/; HttpOnly; SameSite=Lax"
        );
    }
}
