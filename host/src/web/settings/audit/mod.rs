//! Settings → Audit log: who did what, to whose data, and when, newest
//! first. Each entry is a sentence with names (times in the reader's time
//! zone), its details one click away. The filters (person, action, an
//! applicant or a case, dates) are a plain GET form, so a filtered view is
//! an address to bookmark and works without script; 50 entries a page.
//!
//! - `words`: an entry as a sentence, and the actions in words.

mod words;

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::access::permissions::FieldAccess;
use crate::access::{Caller, people, roles};
use crate::api::Query;
use crate::audit::{self, AuditRow, Filter, filter_text};
use crate::error::{AppError, FieldErrors, Result};
use crate::records::audited::{self, Record};
use crate::state::AppState;
use crate::web::shell::Page;
use crate::web::{FormState, local_time};
use words::{Names, Part};

const PER_PAGE: i64 = 50;

#[derive(Clone, Default, Deserialize, IntoParams)]
pub struct AuditPageQuery {
    /// Only what this person did (a user id).
    person: Option<String>,
    /// Only this action, e.g. `file.downloaded`.
    action: Option<String>,
    /// Only entries about an applicant (their cases and files too) or a
    /// case (its files too): a case's folio such as `CAS014`, or an
    /// applicant's or a case's id.
    record: Option<String>,
    /// YYYY-MM-DD: from the start of this day, in the reader's time zone.
    from: Option<String>,
    /// YYYY-MM-DD: to the end of this day, in the reader's time zone.
    to: Option<String>,
    /// From the previous page's "Older entries" link.
    cursor: Option<String>,
}

/// The filters as asked, to show in the form and carry to other pages.
#[derive(Default)]
struct Asked {
    person: String,
    action: String,
    record: String,
    from: String,
    to: String,
}

impl Asked {
    fn any(&self) -> bool {
        [
            &self.person,
            &self.action,
            &self.record,
            &self.from,
            &self.to,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    /// This page's address with these filters, and a cursor.
    fn href(&self, cursor: Option<&str>) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("person", self.person.as_str()),
            ("action", &self.action),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
            ("cursor", cursor.unwrap_or_default()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        match serde_html_form::to_string(pairs) {
            Ok(query) if !query.is_empty() => format!("/settings/audit?{query}"),
            _ => "/settings/audit".into(),
        }
    }
}

/// An option of a select.
struct Choice {
    value: String,
    label: String,
}

struct Group {
    label: &'static str,
    choices: Vec<Choice>,
}

/// A detail of an entry, shown when it is opened.
struct Fact {
    label: String,
    value: String,
    href: Option<String>,
}

struct Line {
    /// In the reader's time zone.
    at: String,
    /// RFC 3339, for `<time datetime>`.
    at_utc: String,
    parts: Vec<Part>,
    facts: Vec<Fact>,
}

#[derive(Template)]
#[template(path = "settings/audit.html")]
struct AuditTemplate<'a> {
    lines: Vec<Line>,
    people: Vec<Choice>,
    groups: Vec<Group>,
    asked: &'a Asked,
    form: FormState,
    /// "case CAS014" when the entries are about one record.
    about: Option<String>,
    older: Option<String>,
    /// On a later page: back to the newest entries.
    newest: Option<String>,
    time_zone: &'a str,
}

/// Settings → Audit log.
#[utoipa::path(get, path = "/settings/audit", tag = "pages", params(AuditPageQuery),
    responses((status = 200, description = "The audit log, newest first, 50 a page", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `audit.read` is needed", content_type = "text/html"),
        (status = 422, description = "The page with each filter that cannot be read said beside it, and no entries", content_type = "text/html")))]
pub(super) async fn audit_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditPageQuery>,
) -> Result<Page> {
    caller.require("audit.read")?;
    let pool = state.db.pool();
    let people = people::all(pool, &caller.practice).await?;
    let asked = Asked {
        person: q.person.clone().unwrap_or_default(),
        action: q.action.clone().unwrap_or_default(),
        record: q.record.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
    };
    let mut errors = FieldErrors::new();
    let (filter, about) = filter(&state, &caller, &people, q, &mut errors).await?;
    let (lines, older) = if errors.is_empty() {
        let page = audit::list(&state, &caller, &filter).await?;
        let names = names(&state, &caller, &people, &page.items).await?;
        let lines = page
            .items
            .iter()
            .map(|row| line(row, &names, &caller))
            .collect();
        (lines, page.next_cursor.map(|c| asked.href(Some(&c))))
    } else {
        (Vec::new(), None)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let template = AuditTemplate {
        lines,
        people: people
            .iter()
            .map(|p| Choice {
                value: p.id.clone(),
                label: if p.disabled {
                    format!("{} (disabled)", p.display_name)
                } else {
                    p.display_name.clone()
                },
            })
            .collect(),
        groups: groups(&asked.action),
        asked: &asked,
        form: FormState {
            errors,
            ..FormState::default()
        },
        about,
        older,
        newest: filter.before.map(|_| asked.href(None)),
        time_zone: &caller.time_zone,
    };
    Ok(Page::new("Audit log", &template)?.status(status))
}

/// The filter the page's query asks for, and the record it is about in
/// words; what cannot be read goes to `errors`, beside its field.
async fn filter(
    state: &AppState,
    caller: &Caller,
    people: &[people::Person],
    q: AuditPageQuery,
    errors: &mut FieldErrors,
) -> Result<(Filter, Option<String>)> {
    let mut filter = Filter {
        limit: PER_PAGE,
        ..Filter::default()
    };
    let mut take = |field: &str, value: Option<String>| match filter_text(field, value) {
        Ok(v) => v,
        Err(e) => {
            errors.insert(field.into(), message(&e, field));
            None
        }
    };
    let person = take("person", q.person);
    let action = take("action", q.action);
    let record = take("record", q.record);
    let (from, to) = (take("from", q.from), take("to", q.to));
    let cursor = take("cursor", q.cursor);
    if let Some(id) = person {
        if people.iter().any(|p| p.id == id) {
            filter.actor_user_id = Some(id);
        } else {
            errors.insert("person".into(), "not a person of this practice".into());
        }
    }
    filter.action = action;
    let mut about = None;
    if let Some(text) = record {
        match audited::find(state.db.pool(), &caller.practice, &text).await? {
            Some(Record::Applicant { id, label }) => {
                let label = or_id(label, &id);
                about = Some(format!("applicant {label}, their cases and their files"));
                filter.applicant_id = Some(id);
            }
            Some(Record::Case { id, folio }) => {
                about = Some(format!("case {} and its files", or_id(folio, &id)));
                filter.case_id = Some(id);
            }
            None => {
                let said = format!("no applicant or case {text} in this practice");
                errors.insert("record".into(), said);
            }
        }
    }
    let tz = jiff::tz::TimeZone::get(&caller.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut day = |field: &str, text: Option<String>, next: bool| {
        let text = text?;
        let start = text
            .parse::<jiff::civil::Date>()
            .ok()
            .filter(|d| (1900..=9000).contains(&d.year()))
            .and_then(|d| if next { d.tomorrow().ok() } else { Some(d) })
            .and_then(|d| d.to_zoned_datetime(tz.clone()).ok());
        match start {
            Some(start) => Some(start.timestamp().as_millisecond()),
            None => {
                errors.insert(field.into(), "a date such as 2026-03-01".into());
                None
            }
        }
    };
    filter.from = day("from", from, false);
    filter.to = day("to", to, true);
    if filter.check_range().is_err() {
        errors.insert("to".into(), "on or after the first day".into());
    }
    if let Some(cursor) = cursor {
        match cursor.parse() {
            Ok(before) => filter.before = Some(before),
            Err(_) => {
                errors.insert("cursor".into(), "not a cursor from this list".into());
            }
        }
    }
    Ok((filter, about))
}

fn or_id(label: String, id: &str) -> String {
    if label.is_empty() {
        id.to_string()
    } else {
        label
    }
}

/// The message an error has for `field`.
fn message(e: &AppError, field: &str) -> String {
    match e {
        AppError::Invalid { fields, message } => fields
            .get(field)
            .cloned()
            .unwrap_or_else(|| message.clone()),
        other => other.to_string(),
    }
}

/// The action select's groups; an action the log holds but the list does
/// not name (a module's) is offered as itself when asked for.
fn groups(asked: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = words::ACTIONS
        .iter()
        .map(|(label, actions)| Group {
            label,
            choices: actions
                .iter()
                .map(|(value, label)| Choice {
                    value: (*value).into(),
                    label: (*label).into(),
                })
                .collect(),
        })
        .collect();
    if !asked.is_empty() && words::action_words(asked).is_none() {
        groups.push(Group {
            label: "Other",
            choices: vec![Choice {
                value: asked.into(),
                label: asked.into(),
            }],
        });
    }
    groups
}

/// The names a page of entries mentions, looked up at once: the practice's
/// people, roles and modules, and the applicants and cases of the entries.
async fn names(
    state: &AppState,
    caller: &Caller,
    people: &[people::Person],
    rows: &[AuditRow],
) -> Result<Names> {
    let pool = state.db.pool();
    let practice = &caller.practice;
    let mut names = Names::default();
    for p in people {
        names.people.insert(p.id.clone(), p.display_name.clone());
    }
    for r in roles::list_all(pool, practice).await? {
        names.roles.insert(r.id, r.name);
    }
    for (id, module) in &state.modules.now().modules {
        names
            .modules
            .insert(id.clone(), module.manifest.name.clone());
    }
    let applicants: BTreeSet<String> = rows.iter().filter_map(|r| r.applicant_id.clone()).collect();
    let cases: BTreeSet<String> = rows.iter().filter_map(|r| r.case_id.clone()).collect();
    let (applicants, cases): (Vec<String>, Vec<String>) = (
        applicants.into_iter().collect(),
        cases.into_iter().collect(),
    );
    let mut conn = pool.acquire().await?;
    names.records = audited::names(&mut conn, practice, &applicants, &cases).await?;
    if names_hidden(caller) {
        for named in names.records.applicants.values_mut() {
            named.label = HIDDEN.into();
        }
    }
    Ok(names)
}

const HIDDEN: &str = "(name hidden from your role)";

/// Whether the reader's role hides applicants' names.
fn names_hidden(caller: &Caller) -> bool {
    ["applicant.given_name", "applicant.family_name"]
        .iter()
        .any(|f| caller.field_rules.get(*f) == Some(&FieldAccess::Hidden))
}

/// An entry as the page shows it.
fn line(row: &AuditRow, names: &Names, caller: &Caller) -> Line {
    let mut row = row.clone();
    if names_hidden(caller) && row.details.get("applicant").is_some() {
        row.details["applicant"] = Value::from(HIDDEN);
    }
    Line {
        at: local_time(row.at_ms, &caller.time_zone),
        at_utc: row.at.clone(),
        parts: words::sentence(&row, names),
        facts: facts(&row),
    }
}

/// An entry's details, as recorded.
fn facts(row: &AuditRow) -> Vec<Fact> {
    let fact = |label: &str, value: String| Fact {
        label: label.into(),
        value,
        href: None,
    };
    let mut facts = vec![fact("Time (UTC)", row.at.clone())];
    facts.push(fact("Action", row.action.clone()));
    if let Some(email) = &row.actor_email {
        facts.push(fact("By", email.clone()));
    }
    if let Some(target) = &row.target {
        facts.push(fact("On", target.clone()));
    }
    if let Some(addr) = row.client_addr.as_deref().filter(|a| !a.is_empty()) {
        facts.push(fact("From address", addr.to_string()));
    }
    let about = |record: &str, id: &Option<String>| {
        id.as_ref().map(|id| Fact {
            label: "Entries about".into(),
            value: format!("this {record}"),
            href: Some(
                Asked::default().href(None)
                    + "?record="
                    + crate::web::shell::urlencode(id).as_str(),
            ),
        })
    };
    facts.extend(about("case", &row.case_id));
    facts.extend(about("applicant", &row.applicant_id));
    if let Value::Object(details) = &row.details {
        for (key, value) in details {
            let shown = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut label = key.replace('_', " ");
            if let Some(first) = label.get(..1) {
                label = first.to_uppercase() + &label[1..];
            }
            facts.push(fact(&label, shown));
        }
    }
    facts
}
