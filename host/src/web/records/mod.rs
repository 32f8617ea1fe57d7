//! The pages of applicants and cases, on the functions of the JSON API
//! (`records::applicants`, `records::cases`, `records::trash`), so field
//! rules, permissions, versions, the timeline and audit are the same.
//!
//! - `applicants`: the list (with a search box), a new applicant (with the
//!   duplicate check), one applicant (details, edit, cases, timeline,
//!   delete) and opening a case for them;
//! - `applicant_form`: the applicant's fields on a form;
//! - `applicant_page`: one applicant's page and its forms;
//! - `case_form`: a case's fields, choices and list rows on a page;
//! - `cases`: the list and one case (edit, closing, timeline, delete);
//! - `files`: the Files section of both (listing, download, delete, upload);
//! - `merge`: a form saved over someone else's save: only what was changed
//!   is written, and only fields both changed are asked about;
//! - `timeline`: a record's timeline in words, in the reader's time zone.
//!
//! A field the reader's role hides is never put on a page; one it makes
//! read-only is shown as text, never as an input.

mod applicant_form;
mod applicant_page;
mod applicants;
mod case_form;
mod cases;
mod files;
pub(super) mod merge;
mod merging;
mod timeline;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::access::permissions::FieldAccess;
use crate::error::{AppError, Result};
use crate::modules::fragments::{self, Placement, Shown};
use crate::records::applicant::Applicant;
use crate::records::programs::CaseProgram;
use crate::state::AppState;
use immcase_search_index::{FIELD_KEYS, MIN_QUERY_CHARS, SearchError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applicants::list_page, applicants::create))
        .routes(routes!(applicants::new_page))
        .routes(routes!(applicants::duplicates_page))
        .routes(routes!(merging::merge_page, merging::merge))
        .routes(routes!(applicant_page::detail_page, applicant_page::update))
        .routes(routes!(applicant_page::delete))
        .routes(routes!(applicant_page::open_case))
        .routes(routes!(cases::list_page))
        .routes(routes!(cases::new_page))
        .routes(routes!(cases::detail_page, cases::update))
        .routes(routes!(cases::delete))
        .routes(routes!(files::upload_page_applicant))
        .routes(routes!(files::upload_page_case))
        .routes(routes!(files::delete_page))
}

/// A list's filters and order as the query string a person's view is kept
/// and linked by: the pairs that hold a value.
pub fn view_query(pairs: &[(&str, &Option<String>)]) -> String {
    let given: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(name, value)| Some((*name, value.as_deref().filter(|v| !v.is_empty())?)))
        .collect();
    serde_urlencoded::to_string(given).unwrap_or_default()
}

/// The query string of a list's next page: its view, then the cursor.
pub fn next_page(view: String, cursor: &str) -> String {
    let mut next = view;
    if !next.is_empty() {
        next.push('&');
    }
    next.push_str(&serde_urlencoded::to_string([("cursor", cursor)]).unwrap_or_default());
    next
}

/// Why a list's filters were refused, in one line: `field: why; ...`.
pub fn refused_filters(fields: &crate::error::FieldErrors) -> String {
    let said: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
    said.join("; ")
}

/// The tabs of an applicant's or a case's page: its own details first,
/// then one per module that declares a tab for the record (`[[tabs]]`), of
/// the modules enabled in the practice that the caller may reach.
pub struct RecordTabs {
    pub links: Vec<TabLink>,
    /// The module tab being read, rendered inside the page.
    pub active: Option<ActiveTab>,
}

pub struct TabLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A module's tab as the record's page shows it.
pub struct ActiveTab {
    pub label: String,
    pub module: String,
    pub shown: Shown,
    /// The same page framed as the module's own.
    pub full_page: String,
}

/// `?tab=`: the module whose tab of a record's page is open.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TabQuery {
    /// A module's id; without it, the record's details.
    pub tab: Option<String>,
}

/// The tabs of the page at `page` (`/cases/{id}`) about the applicant or
/// case `id`; `active` names the module whose tab is open (`?tab=`), which
/// is asked for its page and rendered. A module not among the tabs opens
/// the details.
pub async fn module_tabs(
    state: &AppState,
    caller: &Caller,
    record: &str,
    id: &str,
    page: &str,
    active: Option<&str>,
) -> Result<RecordTabs> {
    let mut declared = Vec::new();
    for module in fragments::open_to(state, caller).await? {
        if let Some(tab) = module.manifest.tabs.iter().find(|t| t.record == record) {
            let path = tab.path_for(&urlencoding_id(id));
            declared.push((module.manifest.id.clone(), tab.label.clone(), path));
        }
    }
    if declared.is_empty() {
        return Ok(RecordTabs {
            links: Vec::new(),
            active: None,
        });
    }
    let active = active.filter(|a| declared.iter().any(|(m, _, _)| m == a));
    let mut links = vec![TabLink {
        label: "Details".into(),
        href: page.to_string(),
        current: active.is_none(),
    }];
    let mut open = None;
    for (module, label, path) in declared {
        let current = active == Some(module.as_str());
        links.push(TabLink {
            label: label.clone(),
            href: format!("{page}?tab={module}#tab"),
            current,
        });
        if current {
            let limit = state.config.fragment_time_limit;
            let shown =
                fragments::render(state, caller, &module, &path, Placement::Tab, limit).await;
            open = Some(ActiveTab {
                full_page: format!("/m/{module}{path}"),
                label,
                module,
                shown,
            });
        }
    }
    Ok(RecordTabs {
        links,
        active: open,
    })
}

/// A record id as it goes into a link (ids are letters, digits and dashes;
/// anything else is escaped).
fn urlencoding_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32 & 0xff)
            }
        })
        .collect()
}

/// How the reader's role lets them see `record.field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Hidden,
    ReadOnly,
    Writable,
}

pub fn access(caller: &Caller, record: &str, field: &str) -> Access {
    match caller.field_rules.get(&format!("{record}.{field}")) {
        Some(FieldAccess::Hidden) => Access::Hidden,
        Some(FieldAccess::ReadOnly) => Access::ReadOnly,
        None => Access::Writable,
    }
}

pub fn shows(caller: &Caller, record: &str, field: &str) -> bool {
    access(caller, record, field) != Access::Hidden
}

/// An applicant's name as the reader may see it; "Applicant" when their
/// role hides both names.
pub fn applicant_name(a: &Applicant, caller: &Caller) -> String {
    let mut parts = Vec::new();
    if shows(caller, "applicant", "given_name") {
        parts.push(a.given_name.trim());
    }
    if shows(caller, "applicant", "family_name") {
        parts.push(a.family_name.trim());
    }
    let name = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        "Applicant".into()
    } else {
        name
    }
}

/// A program's label (its key if the practice no longer has it).
pub fn program_label(programs: &[CaseProgram], key: &str) -> String {
    programs
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.label.clone())
        .unwrap_or_else(|| key.replace('_', " "))
}

/// A stage or outcome as people read it: `in_progress` → `In progress`.
pub fn words(value: &str) -> String {
    let spaced = value.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The ids of the records of `kind` that global search finds for `q`,
/// best first, searching only the fields the reader may see (the same
/// scope as `GET /api/v1/search`). A query too short is a field error on
/// `q`.
pub async fn search_ids(
    state: &AppState,
    caller: &Caller,
    q: &str,
    kind: &'static str,
) -> Result<Vec<String>> {
    if q.trim().chars().count() < MIN_QUERY_CHARS || q.len() > 200 {
        return Err(AppError::field(
            "q",
            format!("type at least {MIN_QUERY_CHARS} characters (and at most 200)"),
        ));
    }
    crate::search::feed::catch_up_for(state, caller.practice.id()).await?;
    let keys: Vec<&'static str> = FIELD_KEYS
        .iter()
        .copied()
        .filter(|k| caller.field_rules.get(*k) != Some(&FieldAccess::Hidden))
        .collect();
    let search = state.search.clone();
    let practice_id = caller.practice.id().to_string();
    let query = q.to_string();
    let hits = tokio::task::spawn_blocking(move || {
        search
            .index
            .search(&practice_id, &query, &keys, Some(&[kind]), 100)
    })
    .await
    .map_err(|e| anyhow::anyhow!("search task: {e}"))?;
    match hits {
        Ok(hits) => Ok(hits.into_iter().map(|h| h.id).collect()),
        Err(SearchError::QueryTooShort) => Err(AppError::field(
            "q",
            format!("type at least {MIN_QUERY_CHARS} letters or digits"),
        )),
        Err(e @ SearchError::QueryTooLong) => Err(AppError::field("q", e.to_string())),
        Err(e) => Err(anyhow::anyhow!("search: {e}").into()),
    }
}

/// Today in the reader's time zone, as YYYY-MM-DD (a default for dates).
pub fn today(state: &AppState, caller: &Caller) -> String {
    let tz = jiff::tz::TimeZone::get(&caller.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(state.now_ms())
        .map(|t| t.to_zoned_datetime(tz).strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_words() {
        assert_eq!(words("in_progress"), "In progress");
        assert_eq!(words("closed"), "Closed");
        assert_eq!(words(""), "");
    }
}
