//! Test module: `GET /trap` panics (a trap in WebAssembly), `GET /ok`
//! answers `{"ok":true}`.

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct Trapping;

impl Plugin for Trapping {
    fn router() -> Router {
        Router::new().get("/trap", trap).get("/ok", ok)
    }
}

export_plugin!(Trapping);

fn trap(_ctx: &Ctx, _request: Request) -> Result<Response> {
    panic!("deliberate trap");
}

fn ok(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "ok": true })))
}
