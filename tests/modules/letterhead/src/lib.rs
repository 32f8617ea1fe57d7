//! Test module for the `practice` import (contract 0.2.4).
//!
//! - `GET /letterhead` → the practice's letterhead as JSON: `name`,
//!   `address`, `phone`, `email`, `website`, and `logo` as
//!   `{"content_type", "size", "starts_with"}` (the first bytes, in
//!   hexadecimal) or `null`.

use immcase_sdk::{Ctx, Plugin, Request, Response, Result, Router, export_plugin};
use serde_json::json;

struct Letterhead;

impl Plugin for Letterhead {
    fn router() -> Router {
        Router::new().get("/letterhead", letterhead)
    }
}

export_plugin!(Letterhead);

fn letterhead(ctx: &Ctx, _request: Request) -> Result<Response> {
    let head = ctx.letterhead()?;
    let logo = head.logo.as_ref().map(|logo| {
        let start: String = logo
            .content
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        json!({
            "content_type": logo.content_type,
            "size": logo.content.len(),
            "starts_with": start,
        })
    });
    Ok(Response::json(&json!({
        "name": head.name,
        "address": head.address,
        "phone": head.phone,
        "email": head.email,
        "website": head.website,
        "logo": logo,
    })))
}
