//! The rules of notes, as plain functions: what a valid note is, who may
//! change one, when a reminder is due and what it says.

use immcase_sdk::{Caller, Error, Result};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::{Note, NoteChange};

/// The permission to change and delete anyone's notes.
pub const MANAGE_ALL: &str = "notes.manage_all";

pub const SUBJECT_MAX: usize = 200;
pub const TEXT_MAX: usize = 5000;

/// Reminders are sent at this hour of the follow-up date, in the author's zone.
pub const REMINDER_HOUR: i8 = 9;

/// What is wrong with a new note's fields, each problem naming its field.
pub fn check_new(subject: &str, text: &str, follow_up_at: Option<i64>) -> Result<()> {
    let problems: Vec<(String, String)> = [
        ("subject", check_length(subject, SUBJECT_MAX)),
        ("text", check_length(text, TEXT_MAX)),
        ("follow_up_at", check_follow_up(follow_up_at)),
    ]
    .into_iter()
    .filter_map(|(field, problem)| problem.map(|p| (field.to_owned(), p)))
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_fields(problems))
    }
}

/// What is wrong with a change to a note.
pub fn check_change(change: &NoteChange) -> Result<()> {
    let problems: Vec<(String, String)> = [
        ("text", check_length(&change.text, TEXT_MAX)),
        ("follow_up_at", check_follow_up(change.follow_up_at)),
        (
            "version",
            change.version.is_none().then(|| "required".to_owned()),
        ),
    ]
    .into_iter()
    .filter_map(|(field, problem)| problem.map(|p| (field.to_owned(), p)))
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid_fields(problems))
    }
}

/// Required (not only spaces) and at most `max` characters.
fn check_length(value: &str, max: usize) -> Option<String> {
    if value.trim().is_empty() {
        Some("required".to_owned())
    } else if value.chars().count() > max {
        Some(format!("at most {max} characters"))
    } else {
        None
    }
}

fn check_follow_up(follow_up_at: Option<i64>) -> Option<String> {
    match follow_up_at {
        Some(at) if Timestamp::from_millisecond(at).is_err() || at < 0 => {
            Some("must be a time after 1970".to_owned())
        }
        _ => None,
    }
}

/// The author may change their note; so may whoever holds [`MANAGE_ALL`].
pub fn may_change(caller: &Caller, note: &Note) -> bool {
    caller.user_id.as_deref() == Some(note.author_id.as_str()) || caller.can(MANAGE_ALL)
}

/// The note with a change applied. A moved follow-up may be reminded again.
pub fn apply_change(note: &Note, change: &NoteChange) -> Note {
    let mut changed = note.clone();
    changed.text = change.text.clone();
    changed.done = change.done;
    if changed.follow_up_at != change.follow_up_at {
        changed.follow_up_at = change.follow_up_at;
        changed.reminded_for = None;
    }
    changed
}

/// When the note needs a reminder: it has a follow-up time, is not done, and
/// that follow-up has not been reminded yet. `None` means no timer.
pub fn reminder_due(note: &Note) -> Option<i64> {
    match note.follow_up_at {
        Some(at) if !note.done && note.reminded_for != Some(at) => Some(at),
        _ => None,
    }
}

/// Whether a timer that was due at `due_at` should send the reminder now:
/// the note still wants one, for that very time (an older timer that was
/// moved, or a redelivered one, does nothing).
pub fn timer_sends_reminder(note: &Note, due_at: i64) -> bool {
    reminder_due(note) == Some(due_at)
}

/// The key of a note's reminder timer.
pub fn timer_key(note_id: &str) -> String {
    format!("note:{note_id}")
}

/// The subject of the reminder email: `"{prefix} {first line}"`, the first
/// line being the first one that is not blank, shortened to 100 characters.
pub fn reminder_subject(prefix: &str, text: &str) -> String {
    let line = first_line(text, 100);
    let prefix = prefix.trim();
    if prefix.is_empty() {
        line
    } else {
        format!("{prefix} {line}")
    }
}

/// The first line that is not blank, trimmed, at most `max` characters
/// (ending in `…` when cut).
pub fn first_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The body of the reminder email, naming what the note is about.
pub fn reminder_body(practice_url: &str, note_id: &str, note: &Note, about: &About) -> String {
    let mut body = format!(
        "You asked to follow up on {about}.\n\n{text}\n\nThe note: {practice_url}/m/notes/notes/{note_id}\n",
        about = about.text,
        text = note.text.trim(),
    );
    if let (Some(record), Some(page)) = (subject_record(&note.subject), &about.page) {
        body.push_str(&format!("The {}: {practice_url}{page}\n", record.word()));
    }
    body
}

/// A record a note's subject names: `applicant:{id}` or `case:{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    Applicant(&'a str),
    Case(&'a str),
}

impl Record<'_> {
    /// `applicant` or `case`.
    pub fn word(&self) -> &'static str {
        match self {
            Record::Applicant(_) => "applicant",
            Record::Case(_) => "case",
        }
    }

    /// The subject that names it by id: `applicant:{id}`, `case:{id}`.
    pub fn subject(&self) -> String {
        match self {
            Record::Applicant(id) => format!("applicant:{id}"),
            Record::Case(id) => format!("case:{id}"),
        }
    }

    /// The record's page in the host.
    pub fn page(&self) -> String {
        match self {
            Record::Applicant(id) => format!("/applicants/{id}"),
            Record::Case(id) => format!("/cases/{id}"),
        }
    }
}

/// The applicant or case a subject names, if it names one: `applicant:{id}`,
/// `case:{id or folio}`, or a folio alone (`CAS014`, as typed where the
/// record picker cannot run). Any other subject, such as `ticket:7`, is
/// free text.
pub fn subject_record(subject: &str) -> Option<Record<'_>> {
    let subject = subject.trim();
    if let Some(id) = subject.strip_prefix("applicant:") {
        Some(Record::Applicant(id.trim()))
    } else if let Some(id) = subject.strip_prefix("case:") {
        Some(Record::Case(id.trim()))
    } else {
        let digits = subject
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("CAS"))
            .and_then(|_| subject.get(3..))?;
        (!digits.is_empty() && digits.len() <= 9 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Record::Case(subject))
    }
}

/// What a note is about, as people read it: the record's name with its
/// page, or the subject as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    pub text: String,
    pub page: Option<String>,
}

impl About {
    /// The subject as written, linked to nothing.
    pub fn as_written(subject: &str) -> About {
        About {
            text: subject.to_owned(),
            page: None,
        }
    }
}

/// A case as a note names it: its folio, and its applicant's name when
/// known (`CAS014 (Ana Díaz)`).
pub fn case_title(folio: &str, applicant_name: &str) -> String {
    match applicant_name.trim() {
        "" => folio.to_owned(),
        name => format!("{folio} ({name})"),
    }
}

/// A follow-up date typed in a form (`YYYY-MM-DD`, empty for none) as the
/// time of its reminder: [`REMINDER_HOUR`] o'clock that day in `time_zone`
/// (UTC when the zone is unknown).
pub fn follow_up_from_date(date: &str, time_zone: &str) -> Result<Option<i64>> {
    let date = date.trim();
    if date.is_empty() {
        return Ok(None);
    }
    let date: Date = date
        .parse()
        .map_err(|_| Error::invalid_field("follow_up", "must be a date like 2026-12-31"))?;
    let local = date.at(REMINDER_HOUR, 0, 0, 0);
    let zoned = local
        .in_tz(time_zone)
        .or_else(|_| local.in_tz("UTC"))
        .map_err(|e| Error::invalid_field("follow_up", &e.to_string()))?;
    Ok(Some(zoned.timestamp().as_millisecond()))
}

/// The date `days` after `now` in `time_zone`, as a form shows it (`YYYY-MM-DD`).
pub fn date_after(now: i64, days: i64, time_zone: &str) -> String {
    Timestamp::from_millisecond(now)
        .ok()
        .and_then(|t| t.in_tz(time_zone).or_else(|_| t.in_tz("UTC")).ok())
        .and_then(|zoned| zoned.date().checked_add(days.days()).ok())
        .map(|date| date.to_string())
        .unwrap_or_default()
}

/// A time as people read it in `time_zone`: `2026-12-31 09:00`.
pub fn local_time(at: i64, time_zone: &str) -> String {
    Timestamp::from_millisecond(at)
        .ok()
        .and_then(|t| t.in_tz(time_zone).or_else(|_| t.in_tz("UTC")).ok())
        .map(|zoned| zoned.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note() -> Note {
        Note {
            subject: "applicant:42".into(),
            text: "Call about the passport\nBring the forms".into(),
            author_id: "u1".into(),
            author_name: "Ana".into(),
            author_email: "ana@example.com".into(),
            follow_up_at: Some(1_000),
            done: false,
            reminded_for: None,
            moved_by_merge: None,
        }
    }

    fn change(text: &str, follow_up_at: Option<i64>, done: bool) -> NoteChange {
        NoteChange {
            text: text.into(),
            follow_up_at,
            done,
            version: Some(1),
        }
    }

    #[test]
    fn new_notes_need_subject_and_text_within_limits() {
        assert_eq!(check_new("applicant:1", "hello", None), Ok(()));
        let missing = check_new("", "  \n ", None).expect_err("both missing");
        assert_eq!(
            missing.to_json()["error"],
            serde_json::json!({
                "code": "invalid",
                "message": "subject: required; text: required",
                "fields": {"subject": "required", "text": "required"}
            })
        );
        let long = check_new(&"s".repeat(201), &"é".repeat(5000), None).expect_err("subject long");
        assert_eq!(long.message(), "subject: at most 200 characters");
        assert!(check_new(&"s".repeat(200), &"t".repeat(5001), None).is_err());
        assert!(check_new("s", "t", Some(-1)).is_err());
    }

    #[test]
    fn changes_need_text_and_version() {
        assert_eq!(check_change(&change("ok", Some(5), true)), Ok(()));
        let mut no_version = change("", None, false);
        no_version.version = None;
        let error = check_change(&no_version).expect_err("invalid");
        assert_eq!(error.message(), "text: required; version: required");
    }

    #[test]
    fn authors_and_managers_may_change() {
        let mut caller = Caller {
            user_id: Some("u1".into()),
            ..Caller::default()
        };
        assert!(may_change(&caller, &note()));
        caller.user_id = Some("u2".into());
        assert!(!may_change(&caller, &note()));
        caller.permissions = vec!["notes.*".into()];
        assert!(may_change(&caller, &note()));
        let host = Caller::default();
        assert!(!may_change(&host, &note()));
    }

    #[test]
    fn a_timer_is_needed_only_for_an_open_unreminded_follow_up() {
        let mut note = note();
        assert_eq!(reminder_due(&note), Some(1_000));
        note.reminded_for = Some(1_000);
        assert_eq!(reminder_due(&note), None);
        note.follow_up_at = Some(2_000);
        assert_eq!(reminder_due(&note), Some(2_000));
        note.done = true;
        assert_eq!(reminder_due(&note), None);
        note.done = false;
        note.follow_up_at = None;
        assert_eq!(reminder_due(&note), None);
    }

    #[test]
    fn moving_the_follow_up_allows_a_new_reminder() {
        let mut reminded = note();
        reminded.reminded_for = Some(1_000);
        let same = apply_change(&reminded, &change("new text", Some(1_000), false));
        assert_eq!(
            (same.text.as_str(), reminder_due(&same)),
            ("new text", None)
        );
        let moved = apply_change(&reminded, &change("x", Some(9_000), false));
        assert_eq!(reminder_due(&moved), Some(9_000));
        assert_eq!(moved.subject, "applicant:42");
        assert_eq!(moved.author_id, "u1");
    }

    #[test]
    fn only_the_current_timer_sends() {
        let mut note = note();
        assert!(timer_sends_reminder(&note, 1_000));
        assert!(!timer_sends_reminder(&note, 500), "moved timer");
        note.reminded_for = Some(1_000);
        assert!(!timer_sends_reminder(&note, 1_000), "redelivered timer");
    }

    #[test]
    fn reminder_subject_is_prefix_and_first_line() {
        assert_eq!(
            reminder_subject("Follow up:", "\n  Call about the passport  \nmore"),
            "Follow up: Call about the passport"
        );
        assert_eq!(reminder_subject("  ", "Only line"), "Only line");
        let long = reminder_subject("Follow up:", &"x".repeat(300));
        assert_eq!(long.chars().count(), "Follow up: ".len() + 100);
        assert!(long.ends_with('…'));
        assert_eq!(timer_key("abc"), "note:abc");
    }

    #[test]
    fn a_folio_alone_names_its_case() {
        assert_eq!(subject_record(" CAS014 "), Some(Record::Case("CAS014")));
        assert_eq!(subject_record("cas7"), Some(Record::Case("cas7")));
        for free in ["CAS", "CASE 14", "CAS14a", "Call Ana"] {
            assert_eq!(subject_record(free), None, "{free}");
        }
    }

    #[test]
    fn subjects_name_applicants_and_cases_by_id() {
        assert_eq!(
            subject_record(" applicant:a1 "),
            Some(Record::Applicant("a1"))
        );
        assert_eq!(subject_record("case:c1"), Some(Record::Case("c1")));
        assert_eq!(subject_record("ticket:7"), None);
        assert_eq!(subject_record("Case:c1"), None);
        assert_eq!(Record::Case("c1").page(), "/cases/c1");
        assert_eq!(case_title("CAS014", "Ana Díaz"), "CAS014 (Ana Díaz)");
        assert_eq!(case_title("CAS014", " "), "CAS014");
    }

    #[test]
    fn the_reminder_names_the_subject_and_its_page() {
        let mut note = note();
        note.subject = "case:c1".into();
        let about = About {
            text: "CAS014 (Ana Díaz)".into(),
            page: Some("/cases/c1".into()),
        };
        assert_eq!(
            reminder_body("https://acme.example", "n1", &note, &about),
            "You asked to follow up on CAS014 (Ana Díaz).\n\nCall about the passport\nBring the forms\n\n\
             The note: https://acme.example/m/notes/notes/n1\nThe case: https://acme.example/cases/c1\n"
        );
        note.subject = "ticket:7".into();
        let body = reminder_body("", "n1", &note, &About::as_written("ticket:7"));
        assert!(
            body.starts_with("You asked to follow up on ticket:7.\n"),
            "{body}"
        );
        assert!(body.ends_with("The note: /m/notes/notes/n1\n"), "{body}");
    }

    #[test]
    fn follow_up_dates_are_nine_oclock_in_the_callers_zone() {
        // 2026-12-01 09:00 in Toronto (UTC-5) is 14:00 UTC.
        let toronto = follow_up_from_date("2026-12-01", "America/Toronto").expect("valid");
        assert_eq!(toronto, Some(1_796_133_600_000));
        let utc = follow_up_from_date("2026-12-01", "Not/AZone").expect("falls back");
        assert_eq!(utc, Some(1_796_115_600_000));
        assert_eq!(follow_up_from_date(" ", "UTC"), Ok(None));
        let bad = follow_up_from_date("12/01/2026", "UTC").expect_err("not ISO");
        assert_eq!(
            bad.to_json()["error"]["fields"]["follow_up"],
            "must be a date like 2026-12-31"
        );
    }

    #[test]
    fn dates_and_times_in_the_callers_zone() {
        // 2026-11-30 03:00 UTC is still the 29th in Toronto.
        let now = 1_796_007_600_000;
        assert_eq!(date_after(now, 7, "America/Toronto"), "2026-12-06");
        assert_eq!(date_after(now, 7, "UTC"), "2026-12-07");
        assert_eq!(
            local_time(1_796_133_600_000, "America/Toronto"),
            "2026-12-01 09:00"
        );
    }
}
