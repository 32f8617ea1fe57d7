//! CalDAV (RFC 4791) at `/dav/calendars/`, for Apple Calendar, Thunderbird
//! and DAVx5: the host passes each request here with the person its app
//! password signs in, and the whole path.
//!
//! - `/dav/calendars/` and `/dav/calendars/{person}/`: discovery; the
//!   second is both the person's principal and their calendar home;
//! - `/dav/calendars/{person}/{calendar}/`: each calendar they read;
//! - `/dav/calendars/{person}/{calendar}/{name}.ics`: an event, a series
//!   with its changed occurrences in one resource.
//!
//! `PROPFIND` (depth 0 and 1), `REPORT` (`calendar-query` with a time
//! range, `calendar-multiget`), `GET`, `PUT` and `DELETE` with ETags
//! (`If-Match`, `If-None-Match: *`). A person reaches only their own home.

mod resources;
pub mod xml;

use immcase_sdk::{Ctx, Error, Request, Response, Result};

use crate::data::Reader;

pub const ROOT: &str = "/dav/calendars";

/// The methods a calendar's resources answer.
const ALLOW: &str = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT";

/// Every request below `/dav/calendars`.
pub fn handle(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let place = match resources::place(request.path(), &reader) {
        Ok(place) => place,
        Err(status) => return Ok(plain(status, "Only your own calendars are here.")),
    };
    let answer = match request.method() {
        "OPTIONS" => Ok(Response::no_content()
            .header("DAV", "1, 3, calendar-access")
            .header("Allow", ALLOW)),
        "PROPFIND" => resources::propfind(ctx, &reader, &place, &request),
        "REPORT" => resources::report(ctx, &reader, &place, &request),
        "GET" | "HEAD" => resources::get(ctx, &reader, &place),
        "PUT" => resources::put(ctx, &reader, &place, &request),
        "DELETE" => resources::delete(ctx, &reader, &place, &request),
        _ => Ok(plain(405, "This method is not offered here.").header("Allow", ALLOW)),
    };
    match answer {
        Ok(response) => Ok(response),
        // DAV clients read statuses, not JSON: the domain's refusals as
        // plain text with their status.
        Err(
            e @ (Error::NotFound(_) | Error::Forbidden(_) | Error::Invalid(_) | Error::Conflict(_)),
        ) => Ok(plain(e.status(), e.message())),
        Err(Error::Detailed(inner, fields)) => {
            let detail = fields
                .get("fields")
                .map(|f| f.to_string())
                .unwrap_or_default();
            Ok(plain(
                inner.status(),
                &format!("{} {detail}", inner.message()),
            ))
        }
        Err(e) => Err(e),
    }
}

fn plain(status: u16, text: &str) -> Response {
    Response::text(text.to_string()).status(status)
}
