//! A reminder's timer is due: the people concerned are told, under their
//! bell and by email (unless they turned that off), in their own zone; a
//! series' next reminder is set.

use std::collections::BTreeSet;

use immcase_sdk::{Ctx, Notification, Result, Timer};

use crate::data;
use crate::rules::event::Event;
use crate::rules::reminders::{self, LATE_AFTER, Reminder};
use crate::rules::when;

pub const KIND: &str = "calendar.reminder";

pub fn fire(ctx: &Ctx, timer: &Timer) -> Result<()> {
    let Some((id, lead)) = reminders::parse_key(&timer.key) else {
        ctx.log_warn(&format!("unknown timer {}", timer.key));
        return Ok(());
    };
    let Some(doc) = data::events(ctx).get(id)? else {
        // Deleted since: its timers were cancelled; nothing to say.
        return Ok(());
    };
    let reminder: Reminder = timer.payload_as()?;
    if reminder.lead != lead || !reminders::still_holds(&doc.data, &reminder) {
        ctx.log_info(&format!(
            "reminder {} no longer matches its event; not sent",
            timer.key
        ));
        return Ok(());
    }
    let now = ctx.now();
    for person in concerned(ctx, &doc.data)? {
        let Some(person) = ctx.person(&person)? else {
            continue;
        };
        if !person.active {
            continue;
        }
        let zone = when::zone_or_utc(&person.time_zone);
        let message = words(&doc.data, &reminder, timer.due_at, now, &zone);
        let link = format!("/m/calendar/events/{}", doc.id);
        let body = format!(
            "{}\n\n{}\n\nOpen it: {}\n",
            message.text,
            message.details,
            ctx.caller().link(&link)
        );
        ctx.notify(
            &Notification::new(&person.id, KIND, &message.text, &link)
                .with_email(&message.subject, &body),
        )?;
    }
    // A series: the next occurrence's reminder.
    if doc.data.rrule.is_some()
        && let Some(next) = reminders::next(&doc.data, lead, now, Some(reminder.occurrence))
    {
        ctx.schedule_at(next.due(), &timer.key, &next)?;
    }
    Ok(())
}

/// Who a reminder goes to: the practice's people taking part, the owner of
/// the personal calendar it is in and the responsible person of its case;
/// its author when that names nobody.
fn concerned(ctx: &Ctx, event: &Event) -> Result<Vec<String>> {
    let mut people: BTreeSet<String> = event.people().map(str::to_string).collect();
    if let Some(calendar) = data::calendars(ctx).get(&event.calendar_id)?
        && let Some(owner) = calendar.data.owner()
    {
        people.insert(owner.to_string());
    }
    if let Some(case_id) = &event.case_id
        && let Ok(case) = ctx.case(case_id)
        && let Some(responsible) = case.responsible_user_id
    {
        people.insert(responsible);
    }
    if people.is_empty()
        && let Some(author) = &event.created_by
    {
        people.insert(author.clone());
    }
    Ok(people.into_iter().collect())
}

pub struct Words {
    pub subject: String,
    pub text: String,
    pub details: String,
}

/// The reminder in the practice's words, in the reader's zone; a late one
/// says so and when it was due.
pub fn words(
    event: &Event,
    reminder: &Reminder,
    due: i64,
    now: i64,
    zone: &jiff::tz::TimeZone,
) -> Words {
    let what = if event.critical {
        "Critical deadline"
    } else {
        event.kind.label()
    };
    let when_text = if event.all_day {
        when::day_label(when::date_of(
            reminder.occurrence,
            &when::zone_or_utc(&event.time_zone),
        ))
    } else {
        when::moment(reminder.occurrence, zone)
    };
    let lead = reminders::lead_words(reminder.lead);
    let mut text = format!("{what}: {} {lead} ({when_text})", event.title);
    let mut subject = format!("Reminder: {} {lead}", event.title);
    let mut details = format!("{what}: {}\nWhen: {when_text}", event.title);
    if now - due > LATE_AFTER {
        text = format!("Late reminder. {text}");
        subject = format!("Late reminder: {} {lead}", event.title);
        details.push_str(&format!(
            "\n\nThis reminder is late: it was due {}, while ImmCase was not running.",
            when::moment(due, zone)
        ));
    }
    if let Some(url) = &event.video_url {
        details.push_str(&format!("\nVideo call: {url}"));
    }
    let text: String = text.chars().take(300).collect();
    let subject: String = subject.chars().take(200).collect();
    Words {
        subject,
        text,
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kinds::Kind;
    use crate::rules::when::{DAY, MINUTE};

    #[test]
    fn a_late_reminder_says_it_is_late_and_when_it_was_due() {
        let zone = when::zone_or_utc("America/Toronto");
        let start = when::parse_instant("2026-03-20T17:00", &zone).expect("time");
        let event = Event {
            title: "CAS118 submission".into(),
            kind: Kind::Deadline,
            critical: true,
            start,
            end: start,
            time_zone: "America/Toronto".into(),
            ..Event::default()
        };
        let reminder = Reminder {
            occurrence: start,
            lead: 1440,
        };
        let on_time = words(&event, &reminder, start - DAY, start - DAY, &zone);
        assert_eq!(
            on_time.text,
            "Critical deadline: CAS118 submission in 1 day (Fri 20 Mar 2026, 17:00 (America/Toronto))"
        );
        let late = words(
            &event,
            &reminder,
            start - DAY,
            start - DAY + 30 * MINUTE,
            &zone,
        );
        assert!(late.text.starts_with("Late reminder."));
        assert!(
            late.details
                .contains("it was due Thu 19 Mar 2026, 17:00 (America/Toronto)")
        );
    }
}
