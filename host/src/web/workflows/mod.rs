//! Settings → Workflows (`workflows.manage`): the list with each
//! workflow's last outcome and ready examples to start from; a workflow's
//! tabs (Editor, History, Versions, Try it); the email templates workflows
//! send. Each page calls the same functions as the JSON API
//! (`crate::workflows::routes`), which check the permission themselves.

mod editor;
mod history;
mod templates;
mod try_it;

use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;
use crate::web::local_time;
use crate::workflows::runs::Run;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(editor::list_page, editor::create))
        .routes(routes!(editor::new_page))
        .routes(routes!(editor::edit_page, editor::update))
        .routes(routes!(history::runs_page))
        .routes(routes!(history::run_page))
        .routes(routes!(history::retry))
        .routes(routes!(history::versions_page))
        .routes(routes!(history::restore))
        .routes(routes!(try_it::page, try_it::run))
        .routes(routes!(templates::list_page, templates::create))
        .routes(routes!(templates::new_page))
        .routes(routes!(templates::edit_page, templates::save))
        .routes(routes!(templates::delete))
}

/// The tabs of a workflow's pages.
const TABS: [(&str, &str); 4] = [
    ("Editor", ""),
    ("History", "/runs"),
    ("Versions", "/versions"),
    ("Try it", "/try"),
];

/// A tab: its label, address and whether it is the page shown.
pub(super) struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

/// The tabs of workflow `id`, with `current` (its label) marked.
fn tabs(id: &str, current: &str) -> Vec<Tab> {
    TABS.iter()
        .map(|(label, tail)| Tab {
            label,
            href: format!("/settings/workflows/{id}{tail}"),
            current: *label == current,
        })
        .collect()
}

/// An RFC 3339 time as people read it in `time_zone`.
fn when(rfc3339: &str, time_zone: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| local_time(t.as_millisecond(), time_zone))
        .unwrap_or_default()
}

/// The badge of an outcome: green when it succeeded, red when it failed.
fn badge(outcome: &str) -> &'static str {
    match outcome {
        "succeeded" => "on",
        "failed" => "off",
        _ => "",
    }
}

/// What an outcome is called on the pages.
fn outcome_words(outcome: &str) -> &'static str {
    match outcome {
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        "skipped" => "Skipped",
        "pending" => "Waiting",
        "running" => "Running",
        _ => "Unknown",
    }
}

/// One thing a run did (or, tried, would have done), in words, with a
/// link to the record it changed.
pub(super) struct EffectView {
    text: String,
    href: Option<String>,
}

/// `case:{id}` or `applicant:{id}` as the address of its page.
fn record_href(record: &str) -> Option<String> {
    let (kind, id) = record.split_once(':')?;
    matches!(kind, "case" | "applicant").then(|| format!("/{kind}s/{id}"))
}

fn effect_view(effect: &Value) -> EffectView {
    let text = |key: &str| effect[key].as_str().unwrap_or_default().to_string();
    let record = text("record");
    let href = record_href(&record);
    // The record as words: its page is the link.
    let record = match record.split_once(':') {
        Some(("case", _)) => "the case".to_string(),
        Some(("applicant", _)) => "the applicant".to_string(),
        _ => record,
    };
    let text = match effect["kind"].as_str().unwrap_or_default() {
        "update" => {
            let changes = effect["changes"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| match v {
                            Value::String(s) => format!("{k} = {s}"),
                            other => format!("{k} = {other}"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            format!("Changed {record}: {changes}")
        }
        "create_case" => format!("Opened the case {}", text("folio")),
        "note" => format!("Added a note to {record}: {}", text("text")),
        "email" => {
            let to = match &effect["to"] {
                Value::Array(list) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "Email “{}” to {to} (template {})",
                text("subject"),
                text("template")
            )
        }
        "action" => format!("Called {} of the module {}", text("action"), text("module")),
        _ => effect.to_string(),
    };
    EffectView { text, href }
}

/// A run as the History tab and its detail page show it.
pub(super) struct RunView {
    id: String,
    at: String,
    trigger: String,
    version: i64,
    outcome: &'static str,
    badge: &'static str,
    duration: String,
    /// Why it was skipped, or why it failed with its line and column.
    detail: String,
    effects: Vec<EffectView>,
    logs: Vec<String>,
    can_retry: bool,
    retry_of: Option<String>,
    event_id: Option<String>,
    slot: String,
}

fn run_view(r: &Run, time_zone: &str) -> RunView {
    RunView {
        id: r.id.clone(),
        at: when(&r.created_at, time_zone),
        trigger: r.trigger.clone(),
        version: r.version,
        outcome: outcome_words(&r.status),
        badge: badge(&r.status),
        duration: r
            .duration_ms
            .map(|ms| {
                if ms < 1_000 {
                    format!("{ms} ms")
                } else {
                    format!("{:.1} s", ms as f64 / 1_000.0)
                }
            })
            .unwrap_or_default(),
        detail: r
            .error
            .clone()
            .or_else(|| r.reason.clone())
            .unwrap_or_default(),
        effects: r.effects.iter().map(effect_view).collect(),
        logs: r.logs.clone(),
        can_retry: r.status == "failed",
        retry_of: r.retry_of.clone(),
        event_id: r.event_id.clone(),
        slot: r
            .slot
            .as_deref()
            .map(|s| when(s, time_zone))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn effects_read_as_words_with_a_link_to_their_record() {
        let changed = effect_view(&json!({"kind": "update", "record": "case:c1",
            "fields": ["decision_on"], "changes": {"decision_on": "2027-03-06"}}));
        assert_eq!(changed.text, "Changed the case: decision_on = 2027-03-06");
        assert_eq!(changed.href.as_deref(), Some("/cases/c1"));
        let email = effect_view(
            &json!({"kind": "email", "template": "t", "to": ["a@x.example"],
            "subject": "Hello"}),
        );
        assert_eq!(email.text, "Email “Hello” to a@x.example (template t)");
        assert!(email.href.is_none());
        assert_eq!(record_href("file:f1"), None);
    }
}
