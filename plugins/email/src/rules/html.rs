//! A message's HTML made safe to show in the practice's pages.
//!
//! `ammonia` keeps an allow-list of tags and attributes: scripts, styles
//! (both `<style>` and `style=`), event handlers (`onerror=`), iframes,
//! objects, forms and `javascript:` URLs go. On top of its defaults:
//!
//! - links open in a new tab (`target="_blank"`) with
//!   `rel="noopener noreferrer nofollow"`;
//! - remote images (`http:`, `https:` and `//host/…`) lose their `src`
//!   unless the reader chose to show them, and are counted, so a page can
//!   say "3 images blocked". A 1×1 tracking pixel is such an image: nothing
//!   is fetched from the sender's server until someone asks;
//! - `cid:` images (the message's own attachments, RFC 2392) are pointed
//!   at the module's attachment URL; one the module does not know loses
//!   its `src` (so does one written with character references, such as
//!   `cid:logo&#64;x`, which no mail client writes);
//! - `data:` URLs stay only on images of a raster `image/*` type
//!   (`image/svg+xml` is refused: an SVG is a document, not a picture);
//! - relative URLs, meaningless in a message, are dropped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// HTML that is safe to put in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitisedHtml {
    pub html: String,
    /// Remote images whose `src` was removed (0 when they are shown).
    pub blocked_images: usize,
}

/// Tags removed with everything inside them (by default ammonia keeps the
/// text of a tag it removes).
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "title", "iframe", "object", "template", "select", "textarea",
];

/// `html` (a message's HTML part) made safe to show.
///
/// `show_remote_images` is the reader's choice for this message or sender;
/// `cid_url` gives the URL of the attachment with a Content-ID (without
/// `<>`), or `None` when the message has none by that id.
pub fn sanitise(
    html: &str,
    show_remote_images: bool,
    cid_url: impl Fn(&str) -> Option<String>,
) -> SanitisedHtml {
    // The attribute filter must be `'static`, so the `cid:` URLs are
    // looked up before cleaning, for every `cid:` the HTML mentions.
    let cids: HashMap<String, String> = cid_references(html)
        .into_iter()
        .filter_map(|cid| {
            let url = cid_url(&percent_decode(&cid))?;
            Some((cid, url))
        })
        .collect();
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&blocked);
    let html = ammonia::Builder::default()
        .add_url_schemes(&["cid", "data"])
        .add_clean_content_tags(REMOVED_WITH_CONTENT)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            filter(
                element,
                attribute,
                value,
                show_remote_images,
                &cids,
                &counter,
            )
        })
        .clean(html)
        .to_string();
    SanitisedHtml {
        html,
        blocked_images: blocked.load(Ordering::Relaxed),
    }
}

/// What an attribute that ammonia allowed becomes: `None` drops it.
fn filter<'a>(
    element: &str,
    attribute: &str,
    value: &'a str,
    show_remote_images: bool,
    cids: &HashMap<String, String>,
    blocked: &AtomicUsize,
) -> Option<Cow<'a, str>> {
    if !is_url(attribute) {
        return Some(value.into());
    }
    let url = value.trim();
    let scheme = scheme(url);
    if element == "img" && attribute == "src" {
        let remote = matches!(scheme.as_deref(), Some("http" | "https"))
            || (scheme.is_none() && url.starts_with("//"));
        return match scheme.as_deref() {
            _ if remote && !show_remote_images => {
                blocked.fetch_add(1, Ordering::Relaxed);
                None
            }
            _ if remote && url.starts_with("//") => Some(format!("https:{url}").into()),
            _ if remote => Some(url.into()),
            Some("cid") => cids.get(&url[4..]).map(|to| to.clone().into()),
            Some("data") if is_raster_image(&url[5..]) => Some(url.into()),
            _ => None,
        };
    }
    match scheme.as_deref() {
        // A link to `data:` or `cid:` is not a place to go; a relative one
        // has no base to go from.
        Some("data" | "cid") | None => None,
        Some(_) => Some(value.into()),
    }
}

fn is_url(attribute: &str) -> bool {
    matches!(attribute, "href" | "src" | "cite" | "xlink:href")
}

/// The URL's scheme, lowercased; `None` for a relative URL.
fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Whether a `data:` URL's body (after `data:`) is a raster image.
fn is_raster_image(data: &str) -> bool {
    let media_type = data
        .split([';', ','])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type.starts_with("image/") && media_type != "image/svg+xml"
}

/// Every `cid:` reference in `html`, as written after `cid:` up to a quote,
/// a space or `>`.
fn cid_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found: Vec<String> = Vec::new();
    for (at, _) in lower.match_indices("cid:") {
        let rest = &html[at + 4..];
        let end = rest
            .find(|c: char| c == '"' || c == '\'' || c == '>' || c.is_whitespace())
            .unwrap_or(rest.len());
        let cid = &rest[..end];
        if !cid.is_empty() && !found.iter().any(|seen| seen == cid) {
            found.push(cid.to_owned());
        }
    }
    found
}

/// `%XX` decoded (a `cid:` URL is the Content-ID percent-encoded); a `%`
/// not followed by two hex digits is kept.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> SanitisedHtml {
        sanitise(html, false, |cid| {
            (cid == "logo@01DA").then(|| "/m/email/attachments/42/logo.png".to_owned())
        })
    }

    #[test]
    fn scripts_handlers_styles_and_forms_are_removed() {
        let out = clean(
            r#"<html><head><title>Hi</title><style>p{color:red}</style></head><body>
<p style="color:red" onclick="steal()">Hello <script>alert(1)</script>Ana</p>
<img src="x" onerror="alert(2)">
<iframe src="https://evil.example/">fallback</iframe>
<form action="https://evil.example/login"><input name="password"><button>Sign in</button></form>
</body></html>"#,
        );
        let html = out.html;
        for gone in [
            "script", "alert", "onclick", "onerror", "style", "color", "iframe", "evil", "form",
            "input", "password", "title", "Hi<",
        ] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
        assert!(html.contains("<p>Hello Ana</p>"), "{html}");
        assert!(html.contains("Sign in"), "{html}");
        // A relative `src` is no image to fetch, and not a remote one either.
        assert_eq!(out.blocked_images, 0);
    }

    #[test]
    fn links_open_apart_and_javascript_links_lose_their_href() {
        let html = clean(
            r#"<a href="https://ircc.example/status">Status</a> <a href="javascript:alert(1)">Click</a> <a href="data:text/html,<script>x</script>">Data</a> <a href="/relative" target="_self" rel="opener">Rel</a>"#,
        )
        .html;
        assert!(
            html.contains(r#"<a href="https://ircc.example/status" target="_blank" rel="noopener noreferrer nofollow">Status</a>"#),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(!html.contains("/relative"), "{html}");
        assert!(
            !html.contains("_self") && !html.contains("\"opener\""),
            "{html}"
        );
        assert_eq!(html.matches(r#"target="_blank""#).count(), 4, "{html}");
    }

    #[test]
    fn remote_images_and_tracking_pixels_are_blocked_and_counted() {
        let html = r#"<p>Hi</p><img src="https://track.example/open.gif?u=81" width="1" height="1"><img alt="Banner" src="http://cdn.example/banner.png"><img src="//cdn.example/x.png">"#;
        let blocked = clean(html);
        assert_eq!(blocked.blocked_images, 3);
        assert!(!blocked.html.contains("example"), "{}", blocked.html);
        assert!(blocked.html.contains(r#"alt="Banner""#), "{}", blocked.html);

        let shown = sanitise(html, true, |_| None);
        assert_eq!(shown.blocked_images, 0);
        assert!(
            shown
                .html
                .contains(r#"src="https://track.example/open.gif?u=81""#)
        );
        assert!(
            shown.html.contains(r#"src="https://cdn.example/x.png""#),
            "{}",
            shown.html
        );
    }

    #[test]
    fn cid_images_point_at_the_modules_attachments() {
        let out = clean(
            r#"<img src="cid:logo@01DA" alt="logo"><img src="CID:logo%4001DA"><img src="cid:unknown@x">"#,
        );
        assert_eq!(
            out.html
                .matches(r#"src="/m/email/attachments/42/logo.png""#)
                .count(),
            2,
            "{}",
            out.html
        );
        assert!(!out.html.contains("unknown"), "{}", out.html);
        assert_eq!(out.blocked_images, 0);
    }

    #[test]
    fn data_urls_only_for_raster_images() {
        let png = "data:image/png;base64,iVBORw0KGgo=";
        let out = clean(&format!(
            r#"<img src="{png}"><img src="data:image/svg+xml;base64,PHN2Zz4="><img src="data:text/html;base64,PGI+"#
        ));
        assert!(out.html.contains(png), "{}", out.html);
        assert!(
            !out.html.contains("svg") && !out.html.contains("text/html"),
            "{}",
            out.html
        );
    }

    #[test]
    fn an_outlook_message_shows_its_inline_logo() {
        use crate::rules::parse::{Limits, parse};
        use crate::rules::samples::{OUTLOOK, eml};

        let message = parse(&eml(OUTLOOK), Limits::default()).expect("message");
        let html = message.html.as_deref().expect("html");
        let out = sanitise(html, false, |cid| {
            let at = message
                .attachments
                .iter()
                .position(|a| a.content_id.as_deref() == Some(cid))?;
            Some(format!("/m/email/messages/7/attachments/{at}"))
        });
        assert_eq!(
            out.html.trim_end(),
            r#"<p>Bonjour,</p><p>Voici les pièces.</p><img src="/m/email/messages/7/attachments/0" alt="logo">"#
        );
        assert_eq!(out.blocked_images, 0);
    }

    #[test]
    fn cid_references_and_percent_decoding() {
        assert_eq!(
            cid_references(r#"<img src="cid:a@b"><img src='CID:c%40d'> cid: cid:a@b"#),
            ["a@b", "c%40d"]
        );
        assert_eq!(percent_decode("c%40d%zz%4"), "c@d%zz%4");
    }
}
