//! Private subscription feeds: each person has, for each calendar they
//! read, an unguessable address that serves the calendar as iCalendar
//! without a session, for Google Calendar, Outlook and Apple Calendar to
//! subscribe to. A new address replaces the old one, which stops working
//! at once; so does losing the right to read the calendar.

use immcase_sdk::{Collection, Ctx, Doc, Error, Request, Response, Result};
use serde::{Deserialize, Serialize};

use crate::data::{self, Reader};
use crate::ics::write::{self, Item, Purpose};
use crate::rules::when::DAY;

/// Where feeds are served, below the module's API mount (a public path:
/// the host lets it through without a session).
pub const PATH: &str = "/feeds/";

/// A feed: its id is the secret token.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Feed {
    pub calendar_id: String,
    pub person_id: String,
}

pub fn feeds() -> Collection<Feed> {
    Collection::new("feeds")
}

/// 256 random bits, as 64 hexadecimal digits.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness for a feed token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The reader's feeds, by calendar.
pub fn of_reader(_ctx: &Ctx, reader: &Reader) -> Result<Vec<Doc<Feed>>> {
    Ok(feeds()
        .query()
        .where_eq("person_id", reader.id.as_str())
        .limit(500)
        .fetch()?
        .items)
}

/// The address of the reader's feed of `calendar`, made when missing.
pub fn url(
    ctx: &Ctx,
    reader: &Reader,
    calendar: &str,
    known: &mut Vec<Doc<Feed>>,
) -> Result<String> {
    let token = match known.iter().find(|f| f.data.calendar_id == calendar) {
        Some(feed) => feed.id.clone(),
        None => {
            let feed = Feed {
                calendar_id: calendar.to_string(),
                person_id: reader.id.clone(),
            };
            let doc = feeds().insert(&new_token()?, &feed)?;
            let token = doc.id.clone();
            known.push(doc);
            token
        }
    };
    Ok(ctx
        .caller()
        .link(&format!("/api/v1/m/calendar{PATH}{token}.ics")))
}

/// Forgets the reader's address for `calendar`: it stops working. A new
/// one is made the next time the calendars are listed.
pub fn revoke(ctx: &Ctx, reader: &Reader, calendar: &str) -> Result<bool> {
    let mut gone = false;
    for feed in of_reader(ctx, reader)? {
        if feed.data.calendar_id == calendar {
            feeds().delete(&feed.id, None)?;
            gone = true;
        }
    }
    Ok(gone)
}

/// `GET /feeds/{token}.ics` (no session): the calendar as iCalendar, from a
/// year back to two years ahead, with every series whole. 404 for a token
/// that is not (or no longer) one, and when its person may no longer read
/// the calendar.
pub fn serve(ctx: &Ctx, request: Request) -> Result<Response> {
    let missing = || Error::NotFound("no such calendar feed".into());
    let token = request.require_param("token")?;
    let token = token.strip_suffix(".ics").unwrap_or(token);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let feed = feeds().get(token)?.ok_or_else(missing)?;
    let person = ctx
        .person(&feed.data.person_id)?
        .filter(|p| p.active)
        .ok_or_else(missing)?;
    let reader = Reader::person(ctx, &person)?;
    let calendar =
        data::readable_calendar(ctx, &reader, &feed.data.calendar_id).map_err(|_| missing())?;
    let now = ctx.now();
    let docs = data::events_between(ctx, &calendar.id, now - 366 * DAY, now + 2 * 366 * DAY)?;
    let items: Vec<Item> = docs
        .iter()
        .map(|d| Item {
            id: &d.id,
            event: &d.data,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
        .collect();
    let body = write::calendar(
        &items,
        Purpose::Publish {
            name: Some(&calendar.data.name),
        },
    );
    Ok(Response::text(body)
        .header("Content-Type", "text/calendar; charset=utf-8")
        .header("Content-Disposition", "inline; filename=\"calendar.ics\"")
        .header("Cache-Control", "private, max-age=300"))
}
