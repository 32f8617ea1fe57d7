//! Invitations to people outside the practice: an email in their own time
//! zone with the event as an `.ics` attachment (`METHOD:REQUEST`), again
//! with a higher `SEQUENCE` when the event's time, title or repetition
//! changes, and a cancellation (`METHOD:CANCEL`) when it is deleted or they
//! are taken off it. Their mail programs put it in their calendars and
//! keep it up to date. The practice's people are reminded in the app
//! instead.

use immcase_sdk::{Ctx, Message, Result};

use crate::ics::write::{self, Item, Purpose};
use crate::rules::event::{Event, Participant};
use crate::rules::when;

/// Someone outside the practice: an address and no account.
fn outside(p: &Participant) -> Option<&str> {
    p.person_id
        .is_none()
        .then_some(p.email.as_deref())
        .flatten()
}

/// What changed for invitations between two versions of an event.
pub enum Change<'a> {
    Created(&'a Event),
    Updated { before: &'a Event, after: &'a Event },
    Deleted(&'a Event),
}

/// Whether invitations must go out again: the time, title or repetition
/// changed.
pub fn revised(before: &Event, after: &Event) -> bool {
    before.start != after.start
        || before.end != after.end
        || before.title != after.title
        || before.rrule != after.rrule
        || before.except != after.except
        || before.video_url != after.video_url
}

/// Sends what `change` calls for, from the person making it.
pub fn send(ctx: &Ctx, id: &str, change: Change) -> Result<()> {
    let caller = ctx.caller();
    if caller.email.is_empty() {
        return Ok(());
    }
    let organizer = (caller.email.as_str(), caller.display_name.as_str());
    match change {
        Change::Created(event) => {
            for p in event.participants.iter().filter(|p| outside(p).is_some()) {
                request(ctx, id, event, p, organizer, false)?;
            }
        }
        Change::Updated { before, after } => {
            let kept: Vec<&str> = after.participants.iter().filter_map(outside).collect();
            for p in before
                .participants
                .iter()
                .filter(|p| outside(p).is_some_and(|e| !kept.contains(&e)))
            {
                cancel(ctx, id, after, p, organizer)?;
            }
            let had: Vec<&str> = before.participants.iter().filter_map(outside).collect();
            for p in after.participants.iter().filter(|p| outside(p).is_some()) {
                let new = outside(p).is_some_and(|e| !had.contains(&e));
                if new || revised(before, after) {
                    request(ctx, id, after, p, organizer, !new)?;
                }
            }
        }
        Change::Deleted(event) => {
            let mut gone = event.clone();
            gone.sequence += 1;
            for p in event.participants.iter().filter(|p| outside(p).is_some()) {
                cancel(ctx, id, &gone, p, organizer)?;
            }
        }
    }
    Ok(())
}

/// When the event is, in the participant's zone (their own, or the
/// event's when they gave none), for the email's words.
fn when_for(event: &Event, p: &Participant) -> String {
    let zone = when::zone_or_utc(p.time_zone.as_deref().unwrap_or(&event.time_zone));
    if event.all_day {
        return when::day_label(when::date_of(
            event.start,
            &when::zone_or_utc(&event.time_zone),
        ));
    }
    let mut text = when::moment(event.start, &zone);
    if event.end > event.start {
        text = format!("{text}, until {}", when::clock(event.end, &zone));
    }
    text
}

fn ics(id: &str, event: &Event, purpose: Purpose) -> Vec<u8> {
    let item = Item {
        id,
        event,
        created_at: 0,
        updated_at: 0,
    };
    write::calendar(&[item], purpose).into_bytes()
}

fn greeting(p: &Participant) -> String {
    if p.name.is_empty() {
        "Hello,".to_string()
    } else {
        format!("Hello {},", p.name)
    }
}

fn request(
    ctx: &Ctx,
    id: &str,
    event: &Event,
    p: &Participant,
    organizer: (&str, &str),
    update: bool,
) -> Result<()> {
    let Some(email) = outside(p) else {
        return Ok(());
    };
    let at = when_for(event, p);
    let subject = if update {
        format!("Updated invitation: {} ({at})", event.title)
    } else {
        format!("Invitation: {} ({at})", event.title)
    };
    let news = if update {
        format!("The invitation to {} has changed.", event.title)
    } else {
        format!("{} invites you to {}.", organizer.1, event.title)
    };
    let mut body = format!("{}\n\n{news}\n\nWhen: {at}\n", greeting(p));
    if event.rrule.is_some() {
        body.push_str("It repeats: the attached invitation has every date.\n");
    }
    if let Some(url) = &event.video_url {
        body.push_str(&format!("\nJoin the video call: {url}\n"));
    }
    body.push_str(&format!(
        "\nThe attached invitation (invite.ics) adds it to your calendar. Questions: reply to {}.\n",
        organizer.0
    ));
    let content = ics(id, event, Purpose::Request { organizer });
    let message = Message::new(&subject.chars().take(250).collect::<String>(), &body)
        .to(email)
        .reply_to(organizer.0)
        .attach(
            "invite.ics",
            "text/calendar; method=REQUEST; charset=UTF-8",
            content,
        );
    ctx.send_message(&message)
}

fn cancel(
    ctx: &Ctx,
    id: &str,
    event: &Event,
    p: &Participant,
    organizer: (&str, &str),
) -> Result<()> {
    let Some(email) = outside(p) else {
        return Ok(());
    };
    let at = when_for(event, p);
    let subject = format!("Cancelled: {} ({at})", event.title);
    let body = format!(
        "{}\n\n{} was cancelled, or you no longer take part: {at}.\n\nThe attached cancellation (cancel.ics) takes it off your calendar.\n",
        greeting(p),
        event.title
    );
    let content = ics(id, event, Purpose::Cancel { organizer });
    let message = Message::new(&subject.chars().take(250).collect::<String>(), &body)
        .to(email)
        .reply_to(organizer.0)
        .attach(
            "cancel.ics",
            "text/calendar; method=CANCEL; charset=UTF-8",
            content,
        );
    ctx.send_message(&message)
}
