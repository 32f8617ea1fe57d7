//! Test module: `GET /spin` loops forever (the host must stop it at its
//! timeout and keep serving), `GET /ok` answers `{"ok":true}`.

use std::hint::black_box;

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct Looping;

impl Plugin for Looping {
    fn router() -> Router {
        Router::new().get("/spin", spin).get("/ok", ok)
    }
}

export_plugin!(Looping);

fn spin(_ctx: &Ctx, _request: Request) -> Result<Response> {
    let mut turns: u64 = 0;
    // `black_box` hides the condition from the optimiser, so the loop stays.
    while black_box(true) {
        turns = black_box(turns.wrapping_add(1));
    }
    Ok(Response::json(&json!({ "turns": turns })))
}

fn ok(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "ok": true })))
}
