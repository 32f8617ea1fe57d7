//! Test module: `GET /trap` panics (a trap in WebAssembly), `GET /ok`
//! answers `{"ok":true}`; `GET /panel` and `GET /tab` answer the HTML of
//! its dashboard panel and its tab on a case's page (its other panel and
//! its applicant tab are `/trap`).

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct Trapping;

impl Plugin for Trapping {
    fn router() -> Router {
        Router::new()
            .get("/trap", trap)
            .get("/ok", ok)
            .get("/panel", panel)
            .get("/tab", tab)
    }
}

export_plugin!(Trapping);

fn trap(_ctx: &Ctx, _request: Request) -> Result<Response> {
    panic!("deliberate trap");
}

fn ok(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "ok": true })))
}

fn panel(ctx: &Ctx, request: Request) -> Result<Response> {
    let html = el("div")
        .child(el("p").class("trapping-panel").text(&format!(
            "Panel for {} as a {:?}",
            ctx.caller().display_name,
            request.placement()
        )))
        .child(
            el("form")
                .attr("method", "post")
                .attr("action", "/m/trapping/ok")
                .child(el("button").attr("type", "submit").text("Go")),
        );
    Ok(Response::html(html.render()))
}

fn tab(_ctx: &Ctx, request: Request) -> Result<Response> {
    let case = request.query_param("case").unwrap_or_default();
    let html = el("p").class("trapping-tab").text(&format!(
        "Tab about case {case} as a {:?}",
        request.placement()
    ));
    Ok(Response::html(html.render()))
}
