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
///
/// ```
/// use immcase_sdk::html::escape;
///
/// assert_eq!(escape("Tom & 'Jerry' <b>"), "Tom &amp; &#39;Jerry&#39; &lt;b&gt;");
/// assert_eq!(escape("say \"hi\""), "say &quot;hi&quot;");
/// ```
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
///
/// Made by [`text`], [`Element::render`] or [`Html::trusted`]; pieces join
/// with [`Html::push`] or by collecting them.
///
/// ```
/// use immcase_sdk::html::{Html, el, text};
///
/// let html: Html = [text("a < b"), el("br").render()].into_iter().collect();
/// assert_eq!(html.to_string(), "a &lt; b<br>");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Nothing.
    ///
    /// ```
    /// use immcase_sdk::html::Html;
    ///
    /// assert_eq!(Html::new().as_str(), "");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Markup taken as it is, unescaped. Only for markup the module wrote
    /// itself or that was sanitised: never for anything a person typed.
    ///
    /// ```
    /// use immcase_sdk::html::{Html, el};
    ///
    /// let rule = Html::trusted("<hr class=\"divider\">");
    /// let section = el("section").child(rule).render();
    /// assert_eq!(section.as_str(), "<section><hr class=\"divider\"></section>");
    /// ```
    pub fn trusted(markup: impl Into<String>) -> Self {
        Self(markup.into())
    }

    /// Appends another piece.
    ///
    /// ```
    /// use immcase_sdk::html::{Html, el, text};
    ///
    /// let mut html = Html::new();
    /// html.push(text("Status: "));
    /// html.push(el("em").text("open"));
    /// assert_eq!(html.as_str(), "Status: <em>open</em>");
    /// ```
    pub fn push(&mut self, part: impl Into<Html>) {
        self.0.push_str(&part.into().0);
    }

    /// The markup.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// assert_eq!(el("b").text("5 > 3").render().as_str(), "<b>5 &gt; 3</b>");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The markup, for [`crate::Response::html`].
    ///
    /// ```
    /// use immcase_sdk::Response;
    /// use immcase_sdk::html::el;
    ///
    /// let markup = el("p").text("Saved").render().into_string();
    /// assert_eq!(markup, "<p>Saved</p>");
    /// assert_eq!(Response::html(markup).body(), b"<p>Saved</p>");
    /// ```
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
///
/// ```
/// use immcase_sdk::html::{el, text};
///
/// assert_eq!(text("Ana & Jo").as_str(), "Ana &amp; Jo");
/// let item = el("li").child(text("<none>")).render();
/// assert_eq!(item.as_str(), "<li>&lt;none&gt;</li>");
/// ```
pub fn text(text: &str) -> Html {
    Html(escape(text))
}

/// An element to build: `el("li").class("note").text(&note.text)`.
///
/// ```
/// use immcase_sdk::html::el;
///
/// let item = el("li").class("note").text("Call the consulate").render();
/// assert_eq!(item.as_str(), "<li class=\"note\">Call the consulate</li>");
/// ```
pub fn el(tag: &'static str) -> Element {
    Element {
        tag,
        attributes: Vec::new(),
        content: Html::new(),
    }
}

/// An element being built; [`Element::render`] (or `.into()`) makes it [`Html`].
///
/// ```
/// use immcase_sdk::html::{Element, Html, el};
///
/// let link: Element = el("a").attr("href", "/m/notes/").text("Notes");
/// let html: Html = link.into();
/// assert_eq!(html.as_str(), "<a href=\"/m/notes/\">Notes</a>");
/// ```
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
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "cite",
    "data",
];
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

impl Element {
    /// An attribute; its value is escaped. A URL attribute (`href`, `src`,
    /// `action`, ...) with a scheme other than http, https, mailto or tel
    /// (such as `javascript:`) is replaced by `#`.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// let cell = el("td").attr("title", "\"quoted\"").render();
    /// assert_eq!(cell.as_str(), "<td title=\"&quot;quoted&quot;\"></td>");
    /// let link = el("a").attr("href", "javascript:alert(1)").render();
    /// assert_eq!(link.as_str(), "<a href=\"#\"></a>");
    /// ```
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
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// let input = el("input")
    ///     .attr("name", "email")
    ///     .flag("required", true)
    ///     .flag("disabled", false);
    /// assert_eq!(input.render().as_str(), "<input name=\"email\" required>");
    /// ```
    pub fn flag(mut self, name: &'static str, on: bool) -> Self {
        if on {
            self.attributes.push((name, None));
        }
        self
    }

    /// The `class` attribute.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// let error = el("p").class("field-error").text("Required").render();
    /// assert_eq!(error.as_str(), "<p class=\"field-error\">Required</p>");
    /// ```
    pub fn class(self, value: impl AsRef<str>) -> Self {
        self.attr("class", value)
    }

    /// Appends text, escaped.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// let heading = el("h2").text("Case ").text("#42 <draft>").render();
    /// assert_eq!(heading.as_str(), "<h2>Case #42 &lt;draft&gt;</h2>");
    /// ```
    pub fn text(mut self, value: &str) -> Self {
        self.content.push(text(value));
        self
    }

    /// Appends an element or a piece of [`Html`].
    ///
    /// ```
    /// use immcase_sdk::html::{el, text};
    ///
    /// let p = el("p").child(el("strong").text("Due")).child(text(": today"));
    /// assert_eq!(p.render().as_str(), "<p><strong>Due</strong>: today</p>");
    /// ```
    pub fn child(mut self, child: impl Into<Html>) -> Self {
        self.content.push(child);
        self
    }

    /// Appends several elements or pieces.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// let names = ["Ana", "Jo"];
    /// let list = el("ul").children(names.iter().map(|n| el("li").text(n)));
    /// assert_eq!(list.render().as_str(), "<ul><li>Ana</li><li>Jo</li></ul>");
    /// ```
    pub fn children<T: Into<Html>>(mut self, children: impl IntoIterator<Item = T>) -> Self {
        for child in children {
            self.content.push(child);
        }
        self
    }

    /// The finished markup. Void elements (`br`, `img`, `input`, ...) have
    /// no content and no closing tag.
    ///
    /// ```
    /// use immcase_sdk::html::el;
    ///
    /// assert_eq!(el("div").render().as_str(), "<div></div>");
    /// assert_eq!(el("br").text("ignored").render().as_str(), "<br>");
    /// ```
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
    fn an_objects_data_is_a_url_too() {
        let object = el("object").attr("data", "javascript:alert(1)").render();
        assert_eq!(object.as_str(), "<object data=\"#\"></object>");
        let fine = el("object").attr("data", "/m/notes/chart.svg").render();
        assert_eq!(
            fine.as_str(),
            "<object data=\"/m/notes/chart.svg\"></object>"
        );
    }

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
