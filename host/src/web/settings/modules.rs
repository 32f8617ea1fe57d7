//! Settings → Modules: every installed module with its version, what it is
//! for and the capabilities it asks for, switched on or off per practice.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::{ClientAddr, Path};
use crate::error::Result;
use crate::modules::manifest::Capabilities;
use crate::modules::routes::{ModuleInfo, list, set_enabled};
use crate::state::AppState;
use crate::web::form::Form;
use crate::web::shell::{Page, saved};

/// A module's capabilities in words an administrator can weigh.
fn capabilities_in_words(c: &Capabilities) -> Vec<String> {
    let mut words = Vec::new();
    if !c.store.is_empty() {
        words.push(format!("Keeps its own data ({})", c.store.join(", ")));
    }
    for r in &c.records {
        let what = match r.as_str() {
            "applicants:read" => "Reads applicants".to_string(),
            "cases:read" => "Reads cases".to_string(),
            other => format!("Records: {other}"),
        };
        words.push(what);
    }
    if c.files {
        words.push("Attaches and reads files".into());
    }
    if c.search {
        words.push("Adds its records to search".into());
    }
    if !c.events.emit.is_empty() {
        words.push(format!("Announces events ({})", c.events.emit.join(", ")));
    }
    if !c.events.subscribe.is_empty() {
        words.push(format!(
            "Reacts to events ({})",
            c.events.subscribe.join(", ")
        ));
    }
    if c.schedule {
        words.push("Sets timers and reminders".into());
    }
    if c.mail {
        words.push("Sends email".into());
    }
    words
}

struct Card {
    module: ModuleInfo,
    asks_for: Vec<String>,
}

#[derive(Template)]
#[template(path = "settings/modules.html")]
struct ListTemplate<'a> {
    cards: Vec<Card>,
    csrf: &'a str,
}

/// Settings → Modules.
#[utoipa::path(get, path = "/settings/modules", tag = "pages",
    responses((status = 200, description = "Installed modules and their state in the practice", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page"),
        (status = 403, description = "A page saying `modules.manage` is needed", content_type = "text/html")))]
pub(super) async fn list_page(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let cards = list(&state, &caller)
        .await?
        .into_iter()
        .map(|module| Card {
            asks_for: capabilities_in_words(&module.capabilities),
            module,
        })
        .collect();
    Page::new(
        "Modules",
        &ListTemplate {
            cards,
            csrf: &caller.form_token,
        },
    )
}

#[derive(Deserialize, ToSchema)]
pub struct SwitchForm {
    /// `true` to enable, `false` to disable.
    enabled: bool,
    #[serde(rename = "_csrf")]
    #[allow(dead_code)]
    csrf: Option<String>,
}

/// Enables or disables a module for the practice.
#[utoipa::path(post, path = "/settings/modules/{id}", tag = "pages", params(("id" = String, Path)),
    request_body(content = SwitchForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Done: back to the list, with a message"),
        (status = 403, description = "A page saying `modules.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 404, description = "No such module", content_type = "text/html"),
        (status = 409, description = "A page saying why the module cannot be enabled", content_type = "text/html")))]
pub(super) async fn switch(
    State(state): State<AppState>,
    caller: Caller,
    client: ClientAddr,
    Path(id): Path<String>,
    Form(input): Form<SwitchForm>,
) -> Result<Response> {
    let module = set_enabled(&state, &caller, &client, &id, input.enabled).await?;
    let done = if module.enabled {
        "enabled: it is in the sidebar of everyone whose role reaches it"
    } else {
        "disabled"
    };
    Ok(saved(
        "/settings/modules",
        format!("{} is {done}.", module.name),
    ))
}
