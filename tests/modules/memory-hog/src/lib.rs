//! Test module: `GET /hog` allocates and fills 1 MiB chunks until memory runs
//! out (a trap the host must contain), `GET /ok` answers `{"ok":true}`.

use std::hint::black_box;

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct MemoryHog;

impl Plugin for MemoryHog {
    fn router() -> Router {
        Router::new().get("/hog", hog).get("/ok", ok)
    }
}

export_plugin!(MemoryHog);

const CHUNK: usize = 1 << 20;

fn hog(_ctx: &Ctx, _request: Request) -> Result<Response> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        // `vec![value; n]` writes every byte, so the pages are really used.
        chunks.push(vec![0xA5; CHUNK]);
        black_box(&mut chunks);
    }
}

fn ok(_ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(&json!({ "ok": true })))
}
