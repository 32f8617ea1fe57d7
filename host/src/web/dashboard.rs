//! The dashboard: the first page after signing in. Later modules fill its
//! panels (upcoming critical deadlines from the calendar, my tickets from the
//! helpdesk); until a module is enabled its panel says how to get it.

use askama::Template;
use axum::extract::State;

use super::nav::nav_items;
use super::shell::Page;
use crate::access::Caller;
use crate::error::Result;
use crate::state::AppState;

struct Panel {
    heading: &'static str,
    /// The module whose content the panel will show.
    module: &'static str,
    enabled: bool,
}

struct ModuleLink {
    label: String,
    path: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardTemplate<'a> {
    name: &'a str,
    panels: Vec<Panel>,
    modules: Vec<ModuleLink>,
    can_manage_modules: bool,
}

/// The dashboard.
#[utoipa::path(get, path = "/", tag = "pages",
    responses((status = 200, description = "The dashboard", content_type = "text/html"),
        (status = 303, description = "Not signed in: to the sign-in page")))]
pub(super) async fn dashboard(State(state): State<AppState>, caller: Caller) -> Result<Page> {
    let items = nav_items(&state, &caller).await?;
    let reachable = |module: &str| items.iter().any(|i| i.module.as_deref() == Some(module));
    let panels = vec![
        Panel {
            heading: "Upcoming critical deadlines",
            module: "calendar",
            enabled: reachable("calendar"),
        },
        Panel {
            heading: "My tickets",
            module: "helpdesk",
            enabled: reachable("helpdesk"),
        },
    ];
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
        modules,
        can_manage_modules: caller.can("modules.manage"),
    };
    Page::new("Dashboard", &page)
}
