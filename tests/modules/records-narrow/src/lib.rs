//! Test module whose manifest declares `records = ["applicants:read"]` only.
//!
//! - `GET /applicant?id=` → the applicant, read as the caller (the SDK's
//!   `Applicant` as JSON).
//! - `GET /case?id=` → asks for a case, which its manifest does not allow:
//!   the host answers `forbidden`, passed on as 403 with the host's message.

use immcase_sdk::{Ctx, Error, Plugin, Request, Response, Result, Router, export_plugin};

struct RecordsNarrow;

impl Plugin for RecordsNarrow {
    fn router() -> Router {
        Router::new()
            .get("/applicant", applicant)
            .get("/case", case)
    }
}

export_plugin!(RecordsNarrow);

fn id(request: &Request) -> Result<String> {
    request
        .query_param("id")
        .ok_or_else(|| Error::invalid_field("id", "required"))
}

fn applicant(ctx: &Ctx, request: Request) -> Result<Response> {
    Ok(Response::json(&ctx.applicant(&id(&request)?)?))
}

fn case(ctx: &Ctx, request: Request) -> Result<Response> {
    Ok(Response::json(&ctx.case(&id(&request)?)?))
}
