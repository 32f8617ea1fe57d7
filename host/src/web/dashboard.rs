//! The dashboard: the first page after signing in. Modules fill its panels
//! (`[[panels]]` in their manifests: the helpdesk's "My tickets"), asked
//! for in parallel, each within `Config::fragment_time_limit`; one that
//! fails or is slow is a one-line notice naming the module. Until a module
//! that promises a panel is enabled, its place says how to get it.

use askama::Template;
use axum::extract::State;

use super::nav::nav_items;
use super::shell::Page;
use crate::access::Caller;
use crate::error::Result;
use crate::modules::fragments::{self, Placement, Shown};
use crate::state::AppState;

/// A module's panel as the dashboard shows it.
struct Panel {
    heading: String,
    module: String,
    shown: Shown,
}

/// A panel that fills in once its module is enabled.
struct Promised {
    heading: &'static str,
    module: &'static str,
}

/// The panels the user guide promises, by the module that fills each.
const PROMISED: [Promised; 2] = [
    Promised {
        heading: "Upcoming critical deadlines",
        module: "calendar",
    },
    Promised {
        heading: "My tickets",
        module: "helpdesk",
    },
];

struct ModuleLink {
    label: String,
    path: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardTemplate<'a> {
    name: &'a str,
    panels: Vec<Panel>,
    promised: Vec<&'a Promised>,
    modules: Vec<ModuleLink>,
    can_manage_modules: bool,
}

/// The dashboard.
#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The dashboard", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn dashboard(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let items = nav_items(&state, &caller).await?;
    let open = fragments::open_to(&state, &caller).await?;
    let limit = state.config.fragment_time_limit;
    let (state_ref, caller_ref) = (&state, &caller);
    let asked = open
        .iter()
        .flat_map(|module| {
            module
                .manifest
                .panels
                .iter()
                .map(move |panel| (module, panel))
        })
        .map(|(module, panel)| async move {
            let id = &module.manifest.id;
            let shown = fragments::render(
                state_ref,
                caller_ref,
                id,
                &panel.path,
                Placement::Panel,
                limit,
            )
            .await;
            Panel {
                heading: panel.title.clone(),
                module: id.clone(),
                shown,
            }
        });
    let panels = futures_util::future::join_all(asked).await;
    // A module enabled but not open to this person promises nothing.
    let enabled = state
        .enabled_modules
        .get(state.db.pool(), &caller.practice)
        .await?;
    let promised = PROMISED
        .iter()
        .filter(|p| !enabled.iter().any(|id| id == p.module))
        .collect();
    let modules = items
        .iter()
        .filter(|i| i.section == "modules")
        .map(|i| ModuleLink {
            label: i.label.clone(),
            path: i.path.clone(),
        })
        .collect();
    let page = DashboardTemplate {
        name: &caller.display_name,
        panels,
        promised,
        modules,
        can_manage_modules: caller.can("modules.manage"),
    };
    Page::new("Dashboard", &page)
}
