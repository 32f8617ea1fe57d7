//! HTML fragments for pages, safe by construction.
//!
//! Every text and attribute value goes through [`escape`]; tag and attribute
//! names are `&'static str` written in the module's code. Markup that did not
//! come from this builder enters only through [`Html::trusted`], whose name
//! says what the author promises. Pages are fragments (no `<html>` or
//! `<head>`): the host wraps them in its app shell.
//!
//! ```
//! use immcase_sdk::html::{el, text};
//!
//! let name = "<Ana & Jo>";
//! let fragment = el("p")
//!     .class("greeting")
//!     .text("Hello, ")
//!     .child(el("strong").text(name))
//!     .render();
//! assert_eq!(
//!     fragment.as_str(),
//!     "<p class=\"greeting\">Hello, <strong>&lt;Ana &amp; Jo&gt;</strong></p>"
//! );
//! assert_eq!(text("1 < 2").as_str(), "1 &lt; 2");
//! ```

use std::fmt;

/// Escapes `&`, `<`, `>`, `"` and `'` so that `text` is shown as it is, both
/// between tags and inside a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A piece of HTML that is safe to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Markup taken as it is, unescaped. Only for markup the module wrote
    /// itself or that was sanitised: never for anything a person typed.
    pub fn trusted(markup: impl Into<String>) -> Self {
        Self(markup.into())
    }

    /// Appends another piece.
    pub fn push(&mut self, part: impl Into<Html>) {
        self.0.push_str(&part.into().0);
    }

    /// The markup.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, for [`crate::Response::html`].
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Html> for String {
    fn from(html: Html) -> Self {
        html.0
    }
}

impl From<Element> for Html {
    fn from(element: Element) -> Self {
        element.render()
    }
}

impl<T: Into<Html>> FromIterator<T> for Html {
    fn from_iter<I: IntoIterator<Item = T>>(parts: I) -> Self {
        let mut html = Html::new();
        for part in parts {
            html.push(part);
        }
        html
    }
}

/// Text, escaped.
pub fn text(text: &str) -> Html {
    Html(escape(text))
}

/// An element to build: `el("li").class("note").text(&note.text)`.
pub fn el(tag: &'static str) -> Element {
    Element {
        tag,
        attributes: Vec::new(),
        content: Html::new(),
    }
}

/// An element being built; [`Element::render`] (or `.into()`) makes it [`Html`].
#[derive(Debug, Clone)]
pub struct Element {
    tag: &'static str,
    attributes: Vec<(&'static str, Option<String>)>,
    content: Html,
}

/// Elements that have no content and no closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Attributes holding a URL: a value with a scheme other than these becomes `#`.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "formaction", "poster", "cite"];
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

impl Element {
    /// An attribute; its value is escaped. A URL attribute (`href`, `src`,
    /// `action`, ...) with a scheme other than http, https, mailto or tel
    /// (such as `javascript:`) is replaced by `#`.
    pub fn attr(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        let value = value.as_ref();
        let value = if URL_ATTRIBUTES.contains(&name) && !is_safe_url(value) {
            "#"
        } else {
            value
        };
        self.attributes.push((name, Some(escape(value))));
        self
    }

    /// A boolean attribute (`required`, `checked`, `selected`, ...) when `on`.
    pub fn flag(mut self, name: &'static str, on: bool) -> Self {
        if on {
            self.attributes.push((name, None));
        }
        self
    }

    /// The `class` attribute.
    pub fn class(self, value: impl AsRef<str>) -> Self {
        self.attr("class", value)
    }

    /// Appends text, escaped.
    pub fn text(mut self, value: &str) -> Self {
        self.content.push(text(value));
        self
    }

    /// Appends an element or a piece of [`Html`].
    pub fn child(mut self, child: impl Into<Html>) -> Self {
        self.content.push(child);
        self
    }

    /// Appends several elements or pieces.
    pub fn children<T: Into<Html>>(mut self, children: impl IntoIterator<Item = T>) -> Self {
        for child in children {
            self.content.push(child);
        }
        self
    }

    /// The finished markup.
    pub fn render(self) -> Html {
        let mut out = String::with_capacity(self.content.0.len() + 16);
        out.push('<');
        out.push_str(self.tag);
        for (name, value) in &self.attributes {
            out.push(' ');
            out.push_str(name);
            if let Some(value) = value {
                out.push_str("=\"");
                out.push_str(value);
                out.push('"');
            }
        }
        out.push('>');
        if !VOID.contains(&self.tag) {
            out.push_str(&self.content.0);
            out.push_str("</");
            out.push_str(self.tag);
            out.push('>');
        }
        Html(out)
    }
}

fn is_safe_url(url: &str) -> bool {
    let url = url.trim_start();
    let scheme_end = url.find([':', '/', '?', '#']);
    match scheme_end {
        Some(end) if url[end..].starts_with(':') => {
            let scheme = url[..end].to_ascii_lowercase();
            SAFE_SCHEMES.contains(&scheme.as_str())
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain café"), "plain café");
    }

    #[test]
    fn builder_escapes_text_and_attribute_values() {
        let html = el("a")
            .attr("title", "\"><script>")
            .attr("href", "/notes/1?x=1&y=2")
            .text("<b>")
            .render();
        assert_eq!(
            html.as_str(),
            "<a title=\"&quot;&gt;&lt;script&gt;\" href=\"/notes/1?x=1&amp;y=2\">&lt;b&gt;</a>"
        );
    }

    #[test]
    fn script_urls_are_replaced() {
        for url in ["javascript:alert(1)", " JavaScript:x", "data:text/html,hi"] {
            let html = el("a").attr("href", url).render();
            assert_eq!(html.as_str(), "<a href=\"#\"></a>", "{url}");
        }
        for url in [
            "https://ircc.example/x",
            "/m/notes/",
            "mailto:a@b.c",
            "?page=2",
            "./x:y",
        ] {
            let html = el("a").attr("href", url).render();
            assert_ne!(html.as_str(), "<a href=\"#\"></a>", "{url}");
        }
    }

    #[test]
    fn void_elements_and_flags() {
        let input = el("input")
            .attr("name", "subject")
            .flag("required", true)
            .flag("disabled", false)
            .render();
        assert_eq!(input.as_str(), "<input name=\"subject\" required>");
    }

    #[test]
    fn pieces_join_and_trusted_stays_raw() {
        let list = el("ul")
            .children(["a", "<b>"].iter().map(|t| el("li").text(t)))
            .render();
        assert_eq!(list.as_str(), "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
        let joined: Html = [text("1<"), Html::trusted("<hr>")].into_iter().collect();
        assert_eq!(String::from(joined), "1&lt;<hr>");
    }
}
