//! Test module: `POST /hold?id=X&ms=N` writes the document `X`, then keeps
//! computing for `N` milliseconds before it
//! answers; `POST /compute?ms=N` computes without writing; `GET /held/X`
//! answers whether `X` exists.

use std::hint::black_box;
use std::time::{Duration, Instant};

use immcase_sdk::{Ctx, Error, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::{Value, json};

struct LockHolder;

impl Plugin for LockHolder {
    fn router() -> Router {
        Router::new()
            .post("/hold", hold)
            .post("/compute", compute)
            .get("/held/:id", held)
    }
}

export_plugin!(LockHolder);

fn param(request: &Request, name: &str) -> Result<String> {
    request
        .query_param(name)
        .ok_or_else(|| Error::Invalid(format!("{name} is required")))
}

/// Spins until `ms` milliseconds have passed.
fn spin(ms: u64) -> u64 {
    let start = Instant::now();
    let mut turns: u64 = 0;
    while start.elapsed() < Duration::from_millis(ms) {
        turns = black_box(turns.wrapping_add(1));
    }
    turns
}

fn millis(request: &Request) -> Result<u64> {
    param(request, "ms")?
        .parse()
        .map_err(|_| Error::Invalid("ms is a number".into()))
}

fn hold(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = param(&request, "id")?;
    let ms = millis(&request)?;
    ctx.collection::<Value>("held")
        .insert(&id, &json!({ "held": true }))?;
    let turns = spin(ms);
    Ok(Response::json(&json!({ "id": id, "turns": turns })))
}

fn compute(_ctx: &Ctx, request: Request) -> Result<Response> {
    let turns = spin(millis(&request)?);
    Ok(Response::json(&json!({ "turns": turns })))
}

fn held(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.param("id").unwrap_or_default().to_string();
    let found = ctx.collection::<Value>("held").get(&id)?.is_some();
    Ok(Response::json(&json!({ "id": id, "held": found })))
}
