//! The module's pages: HTML fragments the host puts in its app shell.
//!
//! - [`catalog`]: the forms, their editions and the upload of a blank;
//! - [`edition`]: one edition, named or to be named, and its activation;
//! - [`map`]: an edition's map, its viewer and editor, and its versions;
//! - [`case`]: a case's Forms tab, "Fill for this case" and the report;
//! - [`family`]: an applicant's Family tab;
//! - [`templates`]: the letter templates and their editor.

pub mod case;
pub mod catalog;
pub mod edition;
pub mod family;
pub mod map;
pub mod templates;

use immcase_sdk::Error;
use immcase_sdk::html::{Element, Html, el};

/// The message of a problem for one field of a form, if any.
pub fn field_problem(problem: Option<&Error>, field: &str) -> Option<String> {
    problem
        .map(Error::to_json)
        .and_then(|json| json["error"]["fields"][field].as_str().map(str::to_owned))
}

/// A labelled input with its problem under it.
pub fn field(text: &str, input: Element, problem: Option<&Error>, name: &str) -> Element {
    let mut label = el("label").text(text).child(input);
    if let Some(said) = field_problem(problem, name) {
        label = label.child(el("span").class("field-error").text(&said));
    }
    label
}

pub fn input(name: &str, value: &str) -> Element {
    el("input").attr("name", name).attr("value", value)
}

pub fn hidden(name: &str, value: &str) -> Element {
    el("input")
        .attr("type", "hidden")
        .attr("name", name)
        .attr("value", value)
}

/// A form's refusal, in view at its top.
pub fn refusal(problem: Option<&Error>) -> Html {
    match problem {
        Some(problem) => el("p")
            .class("form-error")
            .attr("role", "alert")
            .text(problem.message())
            .into(),
        None => Html::new(),
    }
}

/// A table of `rows` under `headers`, in the shell's list style.
pub fn table(headers: &[&str], rows: Vec<Vec<Html>>) -> Element {
    let head = el("tr").children(
        headers
            .iter()
            .map(|h| el("th").attr("scope", "col").text(h)),
    );
    let body = el("tbody").children(
        rows.into_iter()
            .map(|cells| el("tr").children(cells.into_iter().map(|c| el("td").child(c)))),
    );
    el("div").class("table-wrap").child(
        el("table")
            .class("list")
            .child(el("thead").child(head))
            .child(body),
    )
}

/// A time as the reader reads it: `2026-12-06 14:05` in their zone.
pub fn local_time(at: i64, time_zone: &str) -> String {
    jiff::Timestamp::from_millisecond(at)
        .ok()
        .and_then(|t| t.in_tz(time_zone).or_else(|_| t.in_tz("UTC")).ok())
        .map(|zoned| zoned.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A textarea with a numbered gutter (the shell's code field), rows marked
/// where `bad` lines are.
pub fn code_field(name: &str, text: &str, bad: &[usize], label: &str) -> Element {
    let lines = text.lines().count().max(1) + 2;
    let gutter = el("ol")
        .class("gutter")
        .attr("aria-hidden", "true")
        .children((1..=lines).map(|n| {
            let item = el("li").text(&n.to_string());
            if bad.contains(&n) {
                item.class("bad")
            } else {
                item
            }
        }));
    let mut area = el("textarea")
        .attr("name", name)
        .attr("id", name)
        .class("code")
        .attr("rows", lines.to_string())
        .attr("wrap", "off")
        .attr("spellcheck", "false")
        .attr("autocomplete", "off")
        .attr("aria-label", label)
        // A textarea drops its first line break: keep the text's own.
        .text(&format!("\n{text}"));
    if !bad.is_empty() {
        area = area.attr("aria-invalid", "true");
    }
    el("div").class("code-field").child(gutter).child(area)
}
