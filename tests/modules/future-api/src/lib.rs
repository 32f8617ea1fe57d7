//! Test module whose `plugin.toml` asks for `host-api = "^0.2"`: a host that
//! serves 0.1 must refuse it. Its code is an ordinary module.

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct FutureApi;

impl Plugin for FutureApi {
    fn router() -> Router {
        Router::new().get("/ok", ok)
    }
}

export_plugin!(FutureApi);

fn ok(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "ok": true })))
}
