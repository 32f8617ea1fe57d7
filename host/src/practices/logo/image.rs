//! What a logo may be: a PNG, JPEG or SVG image of at most 512 KiB, told by
//! its bytes (never by the type it was sent as). An SVG is text that a
//! browser runs as a document, so it must also hold nothing active: no
//! `<script>`, no `on…=` event attributes, no link or reference outside
//! itself, no document type (whose entities could expand without bound).

use crate::error::{AppError, Result};

/// The largest logo, in bytes.
pub const MAX_BYTES: usize = 512 * 1024;

/// The types a logo may have, by the name of the format.
pub const PNG: &str = "image/png";
pub const JPEG: &str = "image/jpeg";
pub const SVG: &str = "image/svg+xml";

/// The content type of `content` when it is an image a logo may be; the
/// refusal, in words a person can act on, when it is not.
pub fn checked_type(content: &[u8]) -> Result<&'static str> {
    if content.is_empty() {
        return Err(AppError::invalid("The logo is empty: choose an image file"));
    }
    if content.len() > MAX_BYTES {
        return Err(AppError::invalid(format!(
            "The logo is {} KiB; a logo may be at most 512 KiB",
            content.len().div_ceil(1024)
        )));
    }
    if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(PNG);
    }
    if content.starts_with(b"\xFF\xD8\xFF") {
        return Ok(JPEG);
    }
    if let Some(svg) = svg_text(content) {
        check_svg(svg)?;
        return Ok(SVG);
    }
    let what = match content {
        [b'G', b'I', b'F', b'8', ..] => "a GIF image",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "a WebP image",
        [b'B', b'M', ..] => "a BMP image",
        [b'%', b'P', b'D', b'F', ..] => "a PDF document",
        _ => "not an image this server knows",
    };
    Err(AppError::invalid(format!(
        "The logo must be a PNG, JPEG or SVG image; this file is {what}"
    )))
}

/// The text of an SVG document: UTF-8 that starts (after a byte order
/// mark and white space) with `<svg`, or with an XML declaration and then
/// `<svg`.
fn svg_text(content: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(content).ok()?;
    let rest = text.trim_start_matches('\u{feff}').trim_start();
    let rest = match rest.strip_prefix("<?xml") {
        Some(declared) => declared.split_once("?>")?.1.trim_start(),
        None => rest,
    };
    let opens_svg = rest
        .get(..4)
        .is_some_and(|start| start.eq_ignore_ascii_case("<svg"))
        && rest[4..].starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/');
    opens_svg.then_some(text)
}

/// Refuses an SVG that holds anything active or reaches outside itself.
fn check_svg(svg: &str) -> Result<()> {
    let lower = svg.to_ascii_lowercase();
    let refuse = |why: &str| {
        Err(AppError::invalid(format!(
            "The SVG logo {why}; a logo may only draw"
        )))
    };
    if lower.contains("<script") {
        return refuse("holds a script (<script>)");
    }
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        return refuse("declares a document type or entities (<!DOCTYPE>)");
    }
    if lower.contains("<foreignobject") {
        return refuse("embeds other content (<foreignObject>)");
    }
    if let Some(name) = event_attribute(&lower) {
        return refuse(&format!(
            "has an event attribute ({name}=), which runs a script"
        ));
    }
    if lower.contains("javascript:") {
        return refuse("holds a javascript: address");
    }
    if let Some(target) = external_reference(&lower) {
        return refuse(&format!(
            "refers to something outside itself ({target}); it may only refer to its own parts (#id)"
        ));
    }
    Ok(())
}

/// The first `on…=` attribute: `on` and letters, after white space inside
/// a tag, followed by `=`.
fn event_attribute(lower: &str) -> Option<&str> {
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("on").map(|i| i + from) {
        from = at + 2;
        let after_space = at > 0 && bytes[at - 1].is_ascii_whitespace();
        if !after_space {
            continue;
        }
        let end = at
            + 2
            + lower[at + 2..]
                .bytes()
                .take_while(u8::is_ascii_alphabetic)
                .count();
        if end == at + 2 {
            continue;
        }
        let rest = lower[end..].trim_start();
        if rest.starts_with('=') {
            return Some(&lower[at..end]);
        }
    }
    None
}

/// The first `href` (or `xlink:href`) or `url(…)` whose target is not a
/// part of the document itself (`#id`).
fn external_reference(lower: &str) -> Option<String> {
    for (marker, closers) in [("href", &['"', '\''][..]), ("url(", &[')'][..])] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker).map(|i| i + from) {
            from = at + marker.len();
            let mut rest = lower[from..].trim_start();
            if marker == "href" {
                let Some(value) = rest.strip_prefix('=') else {
                    continue;
                };
                rest = value.trim_start();
            }
            let value = rest.trim_start_matches(['"', '\'']).trim_start();
            let target: String = value
                .chars()
                .take_while(|c| !closers.contains(c) && !c.is_whitespace())
                .take(80)
                .collect();
            if !target.starts_with('#') {
                return Some(format!(
                    "{marker}{}{target}",
                    if marker == "href" { "=" } else { "" }
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(content: &[u8]) -> String {
        checked_type(content).unwrap_err().to_string()
    }

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(checked_type(b"\x89PNG\r\n\x1a\n rest").unwrap(), PNG);
        assert_eq!(checked_type(b"\xFF\xD8\xFF\xE0 rest").unwrap(), JPEG);
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10"/><use href="#g"/></svg>"##;
        assert_eq!(checked_type(svg).unwrap(), SVG);
        let declared =
            b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"1\"></svg>";
        assert_eq!(checked_type(declared).unwrap(), SVG);
        assert!(refusal(b"GIF89a...").contains("this file is a GIF image"));
        assert!(refusal(b"<html><svg></svg></html>").contains("PNG, JPEG or SVG"));
        assert!(refusal(b"<svgx></svgx>").contains("PNG, JPEG or SVG"));
        assert!(refusal(b"").contains("empty"));
    }

    #[test]
    fn a_logo_is_at_most_512_kib() {
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_BYTES, 0);
        assert!(checked_type(&big).is_ok());
        big.resize(600 * 1024, 0);
        assert_eq!(
            refusal(&big),
            "The logo is 600 KiB; a logo may be at most 512 KiB"
        );
    }

    #[test]
    fn an_svg_that_could_run_or_reach_out_is_refused() {
        let cases = [
            ("<svg><script>alert(1)</script></svg>", "<script>"),
            ("<svg><SCRIPT href=\"x.js\"/></svg>", "<script>"),
            ("<svg onload=\"alert(1)\"></svg>", "onload="),
            ("<svg><rect\n  onClick = 'x()'/></svg>", "onclick="),
            (
                "<svg><image href=\"https://evil.example/p.png\"/></svg>",
                "href=https://evil.example/p.png",
            ),
            (
                "<svg><use xlink:href='other.svg#a'/></svg>",
                "href=other.svg#a",
            ),
            (
                "<svg><rect style=\"fill: url(http://x.example/f)\"/></svg>",
                "url(http://x.example/f",
            ),
            (
                "<svg><a href=\"javascript:alert(1)\">x</a></svg>",
                "javascript:",
            ),
            (
                "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"b\">]><svg/>",
                "PNG, JPEG or SVG",
            ),
            ("<svg><!DOCTYPE x></svg>", "<!DOCTYPE>"),
            (
                "<svg><foreignObject><p>hi</p></foreignObject></svg>",
                "<foreignObject>",
            ),
        ];
        for (svg, named) in cases {
            let refused = refusal(svg.as_bytes());
            assert!(refused.contains(named), "{svg}: {refused}");
        }
        // Words that merely contain "on" are not event attributes.
        let calm =
            "<svg><text font-family=\"Montserrat\" stroke-linejoin=\"round\">London</text></svg>";
        assert_eq!(checked_type(calm.as_bytes()).unwrap(), SVG);
    }
}
