//! What modules show inside the host's own pages: the panels they declare
//! for the dashboard (`[[panels]]`) and the tab they declare for an
//! applicant's or a case's page (`[[tabs]]`).
//!
//! Either is one of the module's pages, asked for as the person reading
//! (`GET`, a page request, with `X-Immcase-Placement: panel` or `tab` so the
//! module can leave out its own heading). An answer `200` with HTML is
//! placed in the page with the session's form token in its post forms, as
//! the shell does for a module's own page. Anything else — another status,
//! a redirect, a failed call, or no answer within the time limit — becomes
//! a one-line notice naming the module, and the rest of the page works.

use std::sync::Arc;
use std::time::Duration;

use super::LoadedModule;
use super::bindings::{self, HttpRequest};
use super::call;
use crate::access::Caller;
use crate::error::Result;
use crate::state::AppState;

/// The modules enabled for the caller's practice that the caller may use
/// (`module:{id}`), in the order of their ids.
pub async fn open_to(state: &AppState, caller: &Caller) -> Result<Vec<Arc<LoadedModule>>> {
    let enabled = state
        .enabled_modules
        .get(state.db.pool(), &caller.practice)
        .await?;
    Ok(enabled
        .iter()
        .filter(|id| caller.can(&format!("module:{id}")))
        .filter_map(|id| state.modules.get(id))
        .collect())
}

/// The header that says where the page goes (the SDK's
/// `Request::placement` reads it).
pub const PLACEMENT_HEADER: &str = "x-immcase-placement";

/// The most HTML a panel or a tab may place in a page.
const MAX_FRAGMENT_BYTES: usize = 256 * 1024;

/// Where a fragment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Panel,
    Tab,
}

impl Placement {
    /// `panel` or `tab`: the header's value, and the word notices use.
    fn as_str(self) -> &'static str {
        match self {
            Placement::Panel => "panel",
            Placement::Tab => "tab",
        }
    }
}

/// What a module gave for a place in a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Its HTML, with the form token in its post forms.
    Html(String),
    /// Why it shows nothing, in a line a person can read.
    Notice(String),
}

impl Shown {
    /// The HTML to place, if the module gave it.
    pub fn html(&self) -> Option<&str> {
        match self {
            Shown::Html(html) => Some(html),
            Shown::Notice(_) => None,
        }
    }

    /// The notice shown instead, if it did not.
    pub fn notice(&self) -> Option<&str> {
        match self {
            Shown::Notice(notice) => Some(notice),
            Shown::Html(_) => None,
        }
    }
}

/// Asks module `id` for its page at `target` (a path below `/m/{id}`, with
/// its query) to place in a host page, as `caller`, waiting at most
/// `limit`. Never fails: what goes wrong is a [`Shown::Notice`].
pub async fn render(
    state: &AppState,
    caller: &Caller,
    id: &str,
    target: &str,
    placement: Placement,
    limit: Duration,
) -> Shown {
    let Some(module) = state.modules.get(id) else {
        return Shown::Notice(format!("The {id} module is not installed."));
    };
    let name = module.manifest.name.clone();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = HttpRequest {
        method: "GET".into(),
        path: path.to_string(),
        query: query.to_string(),
        headers: vec![
            ("accept".into(), "text/html".into()),
            (PLACEMENT_HEADER.into(), placement.as_str().into()),
        ],
        body: Vec::new(),
        page: true,
    };
    let record = call::caller_record(state, &caller.practice, Some(caller));
    let call = {
        let (state, caller, module) = (state.clone(), caller.clone(), module.clone());
        // Its own task: a module that computes without pause holds a
        // thread, not the page that waits for the other panels.
        tokio::spawn(crate::db::scope::carry(async move {
            call::run(
                &state,
                &module,
                &caller.practice,
                Some(&caller),
                None,
                |r: &bindings::HttpResponse| r.status < 500,
                move |m, store| {
                    Box::pin(async move { m.call_handle_http(store, &record, &request).await })
                },
            )
            .await
        }))
    };
    let what = placement.as_str();
    let answer = match tokio::time::timeout(limit, call).await {
        Err(_) => {
            tracing::warn!(
                module = id,
                target,
                "a module's {what} did not answer in time"
            );
            return Shown::Notice(format!(
                "{name} did not answer in time; its {what} is left out."
            ));
        }
        Ok(Err(joined)) => {
            tracing::error!(module = id, target, error = %joined, "a module's {what} failed");
            return Shown::Notice(format!("{name} failed; its {what} is left out."));
        }
        Ok(Ok(Err(e))) => {
            tracing::warn!(module = id, target, error = %e, "a module's {what} failed");
            return Shown::Notice(format!("{name} failed; its {what} is left out."));
        }
        Ok(Ok(Ok(answer))) => answer,
    };
    let is_html = answer.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type") && v.to_ascii_lowercase().starts_with("text/html")
    });
    if answer.status != 200 || !is_html {
        tracing::warn!(
            module = id,
            target,
            status = answer.status,
            "a module's {what} answered no page"
        );
        return Shown::Notice(format!(
            "{name} could not show its {what} (it answered {}).",
            answer.status
        ));
    }
    if answer.body.len() > MAX_FRAGMENT_BYTES {
        return Shown::Notice(format!("{name}'s {what} is too large to show here."));
    }
    match String::from_utf8(answer.body) {
        Ok(html) => Shown::Html(crate::web::shell::add_form_tokens(
            &html,
            &caller.form_token,
        )),
        Err(_) => Shown::Notice(format!("{name}'s {what} is not text.")),
    }
}
