//! The helpdesk's notifications: a line under each person's bell, linking
//! to the ticket, and the email for those who want its kind by email (see
//! [`kind`]). Each email says what happened and who did it, in the
//! practice's words (the category's label, the priority and status in
//! words, people by name), what the ticket is and where its deadlines
//! stand, and ends with the link to the ticket's page.
//!
//! Subjects carry the folio, `[TKT001] Escalated: Printer jammed`, so a
//! reply by email can find its ticket.

use immcase_sdk::{Ctx, Doc, Notification, Result};
use jiff::Timestamp;

use crate::data::{Names, now};
use crate::rules::settings::Settings;
use crate::rules::sla::{self, Clock, ClockReport, ClockState};
use crate::rules::ticket::{Ticket, email_subject};

/// The kinds of notifications, as `plugin.toml` declares them.
pub mod kind {
    /// A ticket assigned to the person, or taken from them.
    pub const ASSIGNED: &str = "helpdesk.assigned";
    /// A ticket filed by them or for them.
    pub const FILED: &str = "helpdesk.filed";
    /// A reply on a ticket they filed or handle.
    pub const REPLY: &str = "helpdesk.reply";
    /// A ticket of theirs changed status.
    pub const STATUS: &str = "helpdesk.status";
    /// A ticket of theirs moved, re-prioritised or escalated.
    pub const CHANGED: &str = "helpdesk.changed";
    /// A ticket of theirs close to or past an SLA target.
    pub const SLA: &str = "helpdesk.sla";
}

/// A notification about a ticket, with its email: the subject's words and
/// the body, for people of the practice.
pub struct Mail<'a> {
    ctx: &'a Ctx,
    doc: &'a Doc<Ticket>,
    kind: &'static str,
    /// The line under the bell: the headline and the ticket's subject.
    text: String,
    subject: String,
    body: String,
}

impl<'a> Mail<'a> {
    /// A notification of `kind` whose line is the headline's first
    /// sentence with the ticket's subject, and whose email's subject is
    /// `[TKT001] {what}: {subject}` and body starts with `headline`.
    pub fn new(
        ctx: &'a Ctx,
        doc: &'a Doc<Ticket>,
        kind: &'static str,
        what: &str,
        headline: &str,
    ) -> Self {
        let ticket = &doc.data;
        Self {
            ctx,
            doc,
            kind,
            text: line(headline, &ticket.folio, &ticket.subject),
            subject: email_subject(&ticket.folio, &format!("{what}: {}", ticket.subject)),
            body: headline.trim_end().to_owned(),
        }
    }

    /// Adds a paragraph.
    pub fn then(mut self, paragraph: &str) -> Self {
        let paragraph = paragraph.trim();
        if !paragraph.is_empty() {
            self.body.push_str("\n\n");
            self.body.push_str(paragraph);
        }
        self
    }

    /// Adds what the ticket is: folio and subject, category, priority,
    /// assignee, and where each deadline stands.
    pub fn with_facts(self, settings: &Settings, names: &mut Names) -> Self {
        let facts = facts(self.ctx, &self.doc.data, settings, names);
        self.then(&facts)
    }

    /// Sends it to each of `people` once, leaving out the person who made
    /// the change (the caller).
    pub fn to(&self, people: &[Option<&str>]) -> Result<()> {
        let me = self.ctx.caller().user_id.as_deref();
        let mut sent: Vec<&str> = Vec::new();
        for person in people.iter().flatten() {
            if Some(*person) == me || sent.contains(person) {
                continue;
            }
            sent.push(person);
            self.tell(person)?;
        }
        Ok(())
    }

    /// Sends it to each of `people` once, the caller too (an alert is
    /// nobody's doing).
    pub fn to_all(&self, people: &[Option<&str>]) -> Result<()> {
        let mut sent: Vec<&str> = Vec::new();
        for person in people.iter().flatten() {
            if !sent.contains(person) {
                sent.push(person);
                self.tell(person)?;
            }
        }
        Ok(())
    }

    /// Sends it to the people concerned by the ticket (its requester and
    /// assignee) and to `others`, except the caller.
    pub fn to_concerned(&self, others: &[Option<&str>]) -> Result<()> {
        let ticket = &self.doc.data;
        let mut people = vec![
            Some(ticket.requester_id.as_str()),
            ticket.assignee_id.as_deref(),
        ];
        people.extend_from_slice(others);
        self.to(&people)
    }
}

impl Mail<'_> {
    /// Notifies one person (the host skips someone disabled and sends the
    /// email if they want this kind by email); the email ends with the
    /// ticket's link.
    fn tell(&self, person_id: &str) -> Result<()> {
        let page = format!("/m/helpdesk/tickets/{}", self.doc.id);
        let link = self.ctx.caller().link(&page);
        let body = format!("{}\n\nThe ticket: {link}\n", self.body.trim_end());
        let notification = Notification::new(person_id, self.kind, &self.text, &page)
            .with_email(&self.subject, &body);
        self.ctx.notify(&notification)
    }
}

/// The line under the bell: the headline's first sentence (without its
/// colon), the folio first if it does not name it, and the ticket's
/// subject; at most 300 characters.
fn line(headline: &str, folio: &str, subject: &str) -> String {
    let first = headline.lines().next().unwrap_or_default().trim();
    let first = first
        .split_inclusive(". ")
        .next()
        .unwrap_or(first)
        .trim()
        .trim_end_matches([':', '.']);
    let text = if first.contains(folio) {
        format!("{first}: {subject}")
    } else {
        format!("{folio}: {first}: {subject}")
    };
    if text.chars().count() <= 300 {
        return text;
    }
    let mut cut: String = text.chars().take(299).collect();
    cut.push('…');
    cut
}

/// Who made the change a mail tells of: the caller's name, or the
/// helpdesk's when no person did (a timer, a workflow).
pub fn who(ctx: &Ctx) -> String {
    let caller = ctx.caller();
    match caller.user_id.as_deref() {
        Some(_) if !caller.display_name.is_empty() => caller.display_name.clone(),
        Some(id) => Names::default().of(ctx, id),
        None => "The helpdesk".to_owned(),
    }
}

/// `TKT001 Printer jammed`, its category, priority and assignee, and its
/// deadlines, one a line.
fn facts(ctx: &Ctx, ticket: &Ticket, settings: &Settings, names: &mut Names) -> String {
    let assignee = match &ticket.assignee_id {
        Some(id) => format!("assigned to {}", names.of(ctx, id)),
        None => "not assigned yet".to_owned(),
    };
    let report = sla::evaluate(now(ctx), ticket, &settings.sla, &settings.business_hours);
    let zone = &settings.business_hours.time_zone;
    let mut lines = vec![
        format!("{} {}", ticket.folio, ticket.subject),
        format!(
            "{}, {} priority, {}, {}.",
            settings.category_label(&ticket.category),
            ticket.priority.words(),
            ticket.status.words(),
            assignee
        ),
    ];
    lines.extend(
        [&report.first_response, &report.resolution]
            .into_iter()
            .map(|clock| deadline(clock, zone)),
    );
    lines.join("\n")
}

/// What a clock's target is called: `first response`, `resolution`.
pub fn clock_name(clock: Clock) -> &'static str {
    match clock {
        Clock::FirstResponse => "first response",
        Clock::Resolution => "resolution",
    }
}

/// Where one deadline stands, in a sentence: "First response due by
/// Monday 2026-12-07 09:48 (America/Toronto)."
pub fn deadline(clock: &ClockReport, zone: &str) -> String {
    let mut name = clock_name(clock.clock).to_owned();
    name[..1].make_ascii_uppercase();
    let due = clock.due_at.map(|at| moment(at, zone));
    match (clock.state, due) {
        (ClockState::Met, _) => format!("{name}: target met."),
        (ClockState::Breached, Some(due)) => format!("{name}: target missed, it was due by {due}."),
        (ClockState::Breached, None) => format!("{name}: target missed."),
        (ClockState::Paused, _) => format!(
            "{name}: paused while waiting on the requester, {} of business time left.",
            hours_and_minutes(clock.minutes_left)
        ),
        (ClockState::Running, Some(due)) => format!("{name} due by {due}."),
        (ClockState::Running, None) => format!("{name}: running."),
    }
}

/// A moment as mails say it, in the practice's time zone: `Monday
/// 2026-12-07 09:48 (America/Toronto)`.
pub fn moment(at: Timestamp, zone: &str) -> String {
    match at.in_tz(zone) {
        Ok(local) => format!("{} ({zone})", local.strftime("%A %Y-%m-%d %H:%M")),
        Err(_) => format!("{} (UTC)", at.strftime("%A %Y-%m-%d %H:%M")),
    }
}

pub use crate::rules::sla::minutes_in_words as hours_and_minutes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_is_one_line_naming_the_ticket() {
        assert_eq!(
            line("Ana replied on TKT001:", "TKT001", "Printer jammed"),
            "Ana replied on TKT001: Printer jammed"
        );
        assert_eq!(
            line(
                "Bo filed a ticket, and it is assigned to you.",
                "TKT002",
                "Visa"
            ),
            "TKT002: Bo filed a ticket, and it is assigned to you: Visa"
        );
        assert_eq!(
            line(
                "Your ticket TKT003 was received. Ana will handle it.",
                "TKT003",
                "Visa"
            ),
            "Your ticket TKT003 was received: Visa"
        );
        let long = line("TKT004 moved.", "TKT004", &"x".repeat(400));
        assert_eq!(long.chars().count(), 300);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn moments_and_durations_read_as_people_say_them() {
        let at: Timestamp = "2026-12-07T14:48:00Z".parse().expect("time");
        assert_eq!(
            moment(at, "America/Toronto"),
            "Monday 2026-12-07 09:48 (America/Toronto)"
        );
        assert_eq!(moment(at, "Nowhere/Else"), "Monday 2026-12-07 14:48 (UTC)");
    }

    #[test]
    fn deadlines_say_where_each_clock_stands() {
        let at: Timestamp = "2026-12-07T14:48:00Z".parse().expect("time");
        let clock = |state, due_at| ClockReport {
            clock: Clock::FirstResponse,
            state,
            target_minutes: 60,
            elapsed_minutes: 30,
            minutes_left: 30,
            due_at,
            warn_at: None,
            alert: sla::Alert::Nothing,
            wake_at: None,
        };
        let zone = "America/Toronto";
        assert_eq!(
            deadline(&clock(ClockState::Running, Some(at)), zone),
            "First response due by Monday 2026-12-07 09:48 (America/Toronto)."
        );
        assert_eq!(
            deadline(&clock(ClockState::Breached, Some(at)), zone),
            "First response: target missed, it was due by Monday 2026-12-07 09:48 (America/Toronto)."
        );
        assert_eq!(
            deadline(&clock(ClockState::Paused, Some(at)), zone),
            "First response: paused while waiting on the requester, 30m of business time left."
        );
        assert_eq!(
            deadline(&clock(ClockState::Met, None), zone),
            "First response: target met."
        );
    }
}
