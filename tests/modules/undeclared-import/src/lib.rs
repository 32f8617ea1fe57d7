//! Test module that calls the mail import from a route while its
//! `plugin.toml` declares no `mail` capability. The route keeps the import
//! reachable from `handle-http`, so it stays in the component, and the host
//! must refuse the module at load.

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct UndeclaredImport;

impl Plugin for UndeclaredImport {
    fn router() -> Router {
        Router::new().post("/mail", mail)
    }
}

export_plugin!(UndeclaredImport);

fn mail(ctx: &Ctx, request: Request) -> Result<Response> {
    let to = request
        .query_param("to")
        .unwrap_or_else(|| ctx.caller().email.clone());
    ctx.send_mail(&to, "Undeclared", "This module may not send mail.")?;
    Ok(Response::json(&json!({ "sent": true })))
}
