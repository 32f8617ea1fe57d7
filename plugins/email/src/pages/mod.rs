//! The module's pages, HTML fragments the host frames in its shell. They
//! run no script and carry no inline style (the shell's Content Security
//! Policy forbids both): every choice is a link or a form, and the look is
//! `email.css`, served by the module at `/m/email/email.css`.
//!
//! - `inbox`: the mailboxes with their unread counts and threads, "Fetch
//!   now", and what a person has seen;
//! - `thread`: a conversation, its messages, attachments and links;
//! - `compose`: writing, replying, forwarding; templates and files;
//! - `drafts`, `templates`: the lists and forms of those;
//! - `records`: the Emails tab of applicants and cases.

use std::collections::HashMap;

use immcase_sdk::html::{Element, Html, el, text};
use immcase_sdk::{Ctx, Request, Response, Result};

use crate::linking;

pub mod compose;
pub mod drafts;
pub mod inbox;
pub mod records;
pub mod templates;
pub mod thread;

pub const BASE: &str = "/m/email";
const STYLE: &str = include_str!("email.css");

/// `GET /email.css`.
pub fn stylesheet(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::text(STYLE)
        .header("Content-Type", "text/css; charset=utf-8")
        .header("Cache-Control", "private, max-age=3600"))
}

pub fn stylesheet_link() -> Element {
    // Versioned by the module's version, so a new stylesheet is fetched.
    el("link").attr("rel", "stylesheet").attr(
        "href",
        format!("{BASE}/email.css?v={}", env!("CARGO_PKG_VERSION")),
    )
}

/// Where a page is in the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Inbox,
    Compose,
    Drafts,
    Templates,
    None,
}

/// A page: the stylesheet, the module's menu, the title and `body`.
pub fn frame(section: Section, title: &str, body: impl Into<Html>) -> Response {
    let entries = [
        (Section::Inbox, "/", "Inbox"),
        (Section::Compose, "/compose", "New message"),
        (Section::Drafts, "/drafts", "Drafts"),
        (Section::Templates, "/templates", "Templates"),
    ];
    let menu = el("nav")
        .class("em-menu")
        .attr("aria-label", "Email")
        .children(entries.iter().map(|(s, path, label)| {
            let link = el("a").attr("href", format!("{BASE}{path}")).text(label);
            if *s == section {
                link.attr("aria-current", "page")
            } else {
                link
            }
        }));
    let page = Html::from_iter([
        stylesheet_link().render(),
        el("div")
            .class("em")
            .child(menu)
            .child(el("h1").text(title))
            .child(body.into())
            .render(),
    ]);
    Response::html(page).page_title(title)
}

/// A form's fields, repeated ones included.
pub fn form_pairs(request: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(request.body())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of `name` in `pairs`, or "".
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The names of records as the reader may see them, looked up once a page.
#[derive(Default)]
pub struct Labels {
    known: HashMap<String, String>,
}

impl Labels {
    /// `record`'s name: the applicant's name, the case's folio, the ticket's
    /// folio; a record the reader may not read is named by its kind only.
    pub fn of(&mut self, ctx: &Ctx, record: &str) -> String {
        if let Some(label) = self.known.get(record) {
            return label.clone();
        }
        let label = match linking::parse_record(record) {
            Some(("applicant", id)) => ctx
                .applicant(id)
                .map(|a| a.display_name())
                .unwrap_or_else(|_| "An applicant".into()),
            Some(("case", id)) => ctx
                .case(id)
                .map(|c| format!("Case {}", c.folio))
                .unwrap_or_else(|_| "A case".into()),
            Some(("ticket", folio)) => format!("Ticket {folio}"),
            _ => record.to_owned(),
        };
        self.known.insert(record.to_owned(), label.clone());
        label
    }
}

/// Where a record's page is in the app.
pub fn record_href(record: &str) -> Option<String> {
    match linking::parse_record(record)? {
        ("applicant", id) => Some(format!("/applicants/{id}")),
        ("case", id) => Some(format!("/cases/{id}")),
        _ => None,
    }
}

/// A linked record as a chip.
pub fn chip(ctx: &Ctx, labels: &mut Labels, record: &str) -> Element {
    let kind = record.split(':').next().unwrap_or("record");
    let label = labels.of(ctx, record);
    let inner = match record_href(record) {
        Some(href) => el("a").attr("href", href).text(&label),
        None => el("span").text(&label),
    };
    el("span").class(format!("em-chip em-{kind}")).child(inner)
}

/// A labelled input.
pub fn input(name: &'static str, label: &str, value: &str) -> Element {
    el("div")
        .class("em-field")
        .child(el("label").attr("for", name).text(label))
        .child(
            el("input")
                .attr("id", name)
                .attr("name", name)
                .attr("value", value),
        )
}

/// A labelled text area.
pub fn textarea(name: &'static str, label: &str, value: &str, rows: u32) -> Element {
    el("div")
        .class("em-field")
        .child(el("label").attr("for", name).text(label))
        .child(
            el("textarea")
                .attr("id", name)
                .attr("name", name)
                .attr("rows", rows.to_string())
                .text(value),
        )
}

/// A loud message on a page (an error, a mailbox's problem).
pub fn alert(message: &str) -> Element {
    el("p")
        .class("em-alert form-error")
        .attr("role", "alert")
        .text(message)
}

/// A form that posts to `action` with one button.
pub fn button_form(action: &str, label: &str) -> Element {
    el("form")
        .attr("method", "post")
        .attr("action", action)
        .class("em-inline")
        .child(el("button").attr("type", "submit").text(label))
}

/// A form with one button whose label is short on the page ("Unlink")
/// and says what it acts on to a screen reader ("Unlink Case CAS014").
pub fn named_button_form(action: &str, label: &str, name: &str) -> Element {
    el("form")
        .attr("method", "post")
        .attr("action", action)
        .class("em-inline")
        .child(
            el("button")
                .attr("type", "submit")
                .attr("aria-label", name)
                .text(label),
        )
}

/// `size` bytes in words: `12 KB`.
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b / 1024),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Plain text as paragraphs of lines.
pub fn text_body(body: &str) -> Element {
    el("pre").class("em-text").child(text(body))
}
