//! A meeting's input, and the times its links follow.
//!
//! Times are milliseconds since the epoch, as the calendar and the JSON API
//! give them; Jitsi's tokens count seconds.

use serde::Deserialize;

use super::Problems;

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// The longest title kept.
pub const MAX_TITLE: usize = 200;

/// A call without an end is taken to last this long after its start.
pub const DEFAULT_LENGTH: i64 = HOUR;

/// A call with no time at all (an ad-hoc call) is current this long after
/// it was made.
pub const AD_HOC_LENGTH: i64 = DAY;

/// Tokens are valid from a little before they are made, for clocks that
/// are a little behind.
pub const CLOCK_SKEW: i64 = 5 * MINUTE;

/// What `create-meeting` and the JSON API take.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MeetingInput {
    pub title: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub event_id: Option<String>,
}

/// Checks a new meeting: a title of one line, times in order, an event id
/// the store could hold. Gives it back tidied (the title trimmed, an empty
/// event id left out), or every wrong field.
pub fn check(input: MeetingInput) -> Result<MeetingInput, Problems> {
    let mut problems = Problems::new();
    let title = input.title.trim().to_owned();
    if title.is_empty() {
        problems.push(("title".into(), "required".into()));
    } else if title.chars().count() > MAX_TITLE {
        problems.push(("title".into(), format!("at most {MAX_TITLE} characters")));
    } else if title.contains(['\n', '\r']) {
        problems.push(("title".into(), "one line".into()));
    }
    // Between 1970 and 9999: what the calendar and people's clocks show.
    let plausible = |at: i64| (0..253_402_300_800_000).contains(&at);
    for (field, at) in [("starts_at", input.starts_at), ("ends_at", input.ends_at)] {
        if at.is_some_and(|at| !plausible(at)) {
            problems.push((field.into(), "not a time (milliseconds since 1970)".into()));
        }
    }
    if let (Some(start), Some(end)) = (input.starts_at, input.ends_at)
        && end < start
    {
        problems.push(("ends_at".into(), "before the start".into()));
    }
    let event_id = input
        .event_id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty());
    if let Some(id) = &event_id
        && (id.len() > 200
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c)))
    {
        problems.push(("event_id".into(), "not an event id".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(MeetingInput {
        title,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        event_id,
    })
}

/// When the call ends, or is taken to: its end, an hour after its start,
/// or a day after it was made.
pub fn end_of(starts_at: Option<i64>, ends_at: Option<i64>, created_at: i64) -> i64 {
    ends_at
        .or(starts_at.map(|start| start + DEFAULT_LENGTH))
        .unwrap_or(created_at + AD_HOC_LENGTH)
}

/// Where the call sorts: its start, or when it was made.
pub fn sort_at(starts_at: Option<i64>, created_at: i64) -> i64 {
    starts_at.unwrap_or(created_at)
}

/// Whether the call is still to come or going on at `now` (else it is
/// past): it has not ended.
pub fn is_current(starts_at: Option<i64>, ends_at: Option<i64>, created_at: i64, now: i64) -> bool {
    end_of(starts_at, ends_at, created_at) > now
}

/// When a guest link's token is valid, in seconds (`nbf`, `exp`): from a
/// little before the call was made until `lifetime` after its end. Fixed
/// by the call's times, so the guest link stays the same until the call
/// moves or the settings change.
pub fn guest_window(
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    created_at: i64,
    lifetime: i64,
) -> (i64, i64) {
    let from = created_at - CLOCK_SKEW;
    let until = end_of(starts_at, ends_at, created_at) + lifetime;
    (from / 1000, until / 1000)
}

/// When a moderator's token, made for a visit of the call page at `now`,
/// is valid, in seconds: for `lifetime` from now.
pub fn moderator_window(now: i64, lifetime: i64) -> (i64, i64) {
    ((now - CLOCK_SKEW) / 1000, (now + lifetime) / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_796_419_800_000; // 2026-12-04 21:30 UTC

    fn input(title: &str) -> MeetingInput {
        MeetingInput {
            title: title.into(),
            ..MeetingInput::default()
        }
    }

    #[test]
    fn a_title_is_needed_and_tidied() {
        assert_eq!(
            check(input("  Interview  ")).map(|m| m.title),
            Ok("Interview".into())
        );
        let fields = |i| check(i).expect_err("refused");
        assert_eq!(
            fields(input(" ")),
            vec![("title".into(), "required".into())]
        );
        assert_eq!(fields(input("a\nb"))[0].1, "one line");
        assert_eq!(
            fields(input(&"é".repeat(201)))[0].1,
            "at most 200 characters"
        );
        assert!(check(input(&"é".repeat(200))).is_ok());
    }

    #[test]
    fn times_must_be_in_order_and_plausible() {
        let timed = |starts_at, ends_at| MeetingInput {
            starts_at,
            ends_at,
            ..input("Call")
        };
        assert!(check(timed(Some(T), Some(T + HOUR))).is_ok());
        assert!(check(timed(Some(T), Some(T))).is_ok());
        assert!(check(timed(None, Some(T))).is_ok());
        assert_eq!(
            check(timed(Some(T), Some(T - 1))),
            Err(vec![("ends_at".into(), "before the start".into())])
        );
        let wrong = check(timed(Some(-5), Some(i64::MAX))).expect_err("refused");
        let fields: Vec<&str> = wrong.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["starts_at", "ends_at"]);
    }

    #[test]
    fn event_ids_are_kept_when_they_could_be_ids() {
        let with_event = |id: &str| MeetingInput {
            event_id: Some(id.into()),
            ..input("Call")
        };
        assert_eq!(
            check(with_event(" ev-1 ")).expect("ok").event_id.as_deref(),
            Some("ev-1")
        );
        assert_eq!(check(with_event("")).expect("ok").event_id, None);
        assert_eq!(
            check(with_event("a b")).expect_err("refused")[0].0,
            "event_id"
        );
        assert!(check(with_event(&"x".repeat(201))).is_err());
    }

    #[test]
    fn a_call_ends_at_its_end_or_is_given_one() {
        assert_eq!(end_of(Some(T), Some(T + 2 * HOUR), 0), T + 2 * HOUR);
        assert_eq!(end_of(Some(T), None, 0), T + HOUR);
        assert_eq!(end_of(None, None, T), T + DAY);
        assert!(is_current(Some(T), None, 0, T + HOUR - 1));
        assert!(!is_current(Some(T), None, 0, T + HOUR));
        assert_eq!(sort_at(Some(T), 5), T);
        assert_eq!(sort_at(None, 5), 5);
    }

    #[test]
    fn guest_tokens_last_until_after_the_end() {
        let made = T - DAY;
        let (nbf, exp) = guest_window(Some(T), Some(T + HOUR), made, 4 * HOUR);
        assert_eq!(nbf, (made - CLOCK_SKEW) / 1000);
        assert_eq!(exp, (T + 5 * HOUR) / 1000);
        // The same call gives the same window: the link does not change.
        assert_eq!(
            guest_window(Some(T), Some(T + HOUR), made, 4 * HOUR),
            (nbf, exp)
        );
        let (_, ad_hoc) = guest_window(None, None, T, HOUR);
        assert_eq!(ad_hoc, (T + DAY + HOUR) / 1000);
    }

    #[test]
    fn moderator_tokens_are_short_lived_from_the_visit() {
        assert_eq!(
            moderator_window(T, HOUR),
            ((T - CLOCK_SKEW) / 1000, (T + HOUR) / 1000)
        );
    }
}
