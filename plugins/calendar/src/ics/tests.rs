use super::read::events;
use super::write::{Item, Purpose, calendar};
use crate::rules::event::{Event, apply};
use serde_json::{Map, Value, json};

fn map(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn event(input: Value) -> Event {
    let base = Event {
        calendar_id: "personal-u1".into(),
        time_zone: "America/Toronto".into(),
        uid: "ev1@immcase".into(),
        ..Event::default()
    };
    apply(base, &map(input), true).expect("valid")
}

#[test]
fn a_weekly_series_with_a_moved_occurrence_reads_back_the_same() {
    let mut series = event(
        json!({"title": "Team meeting, weekly", "start": "2026-03-02T09:00", "duration_minutes": 60,
                                  "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260401T000000Z", "notes": "Agenda: files; forms"}),
    );
    let moved_from = series.start + 7 * crate::rules::when::DAY - crate::rules::when::HOUR;
    let gone = series.start + 2 * crate::rules::when::DAY;
    series.except = vec![moved_from, gone];
    series.index();
    let moved = Event {
        start: moved_from + 5 * crate::rules::when::HOUR,
        end: moved_from + 6 * crate::rules::when::HOUR,
        rrule: None,
        except: vec![],
        recurrence_of: Some("s1".into()),
        recurrence_id: Some(moved_from),
        ..series.clone()
    };
    let items = [
        Item {
            id: "s1",
            event: &series,
            created_at: 1_770_000_000_000,
            updated_at: 1_770_000_000_000,
        },
        Item {
            id: "s1.x",
            event: &moved,
            created_at: 1_770_000_000_000,
            updated_at: 1_770_000_000_000,
        },
    ];
    let text = calendar(
        &items,
        Purpose::Publish {
            name: Some("My calendar"),
        },
    );
    assert!(text.contains("BEGIN:VTIMEZONE"), "{text}");
    assert!(text.contains("TZID:America/Toronto"), "{text}");
    assert!(
        text.contains("DTSTART;TZID=America/Toronto:20260302T090000"),
        "{text}"
    );
    let back = events(&text, "UTC").expect("parses");
    assert_eq!(back.len(), 2);
    let s = back
        .iter()
        .find(|e| e.recurrence_id.is_none())
        .expect("series");
    assert_eq!((s.start, s.end), (series.start, series.end));
    assert_eq!(s.time_zone, "America/Toronto");
    assert_eq!(s.title, "Team meeting, weekly");
    assert_eq!(s.notes, "Agenda: files; forms");
    assert_eq!(s.exdates, vec![gone]);
    let rule = s.rrule.clone().expect("rule");
    assert!(
        rule.contains("FREQ=WEEKLY")
            && rule.contains("BYDAY=MO,WE")
            && rule.contains("UNTIL=20260401T000000Z"),
        "{rule}"
    );
    let m = back
        .iter()
        .find(|e| e.recurrence_id.is_some())
        .expect("moved");
    assert_eq!(m.uid, s.uid);
    assert_eq!((m.recurrence_id, m.start), (Some(moved_from), moved.start));
}

#[test]
fn all_day_events_are_dates_and_invitations_name_their_people() {
    let mut deadline = event(
        json!({"title": "Passport expires", "type": "deadline", "all_day": true, "start": "2026-05-15",
                                    "participants": [{"email": "ana@example.com", "name": "Ana Díaz", "time_zone": "America/Montreal"}]}),
    );
    deadline.sequence = 2;
    let items = [Item {
        id: "d1",
        event: &deadline,
        created_at: 0,
        updated_at: 0,
    }];
    let text = calendar(
        &items,
        Purpose::Request {
            organizer: ("lee@practice.example", "Lee Chan"),
        },
    );
    assert!(text.contains("METHOD:REQUEST"), "{text}");
    assert!(text.contains("DTSTART;VALUE=DATE:20260515"), "{text}");
    assert!(text.contains("SEQUENCE:2"), "{text}");
    assert!(text.contains("mailto:ana@example.com"), "{text}");
    assert!(!text.contains("BEGIN:VTIMEZONE"), "{text}");
    let back = events(&text, "America/Vancouver").expect("parses");
    assert!(back[0].all_day);
    assert_eq!(
        crate::rules::when::date_of(
            back[0].start,
            &crate::rules::when::zone_or_utc("America/Vancouver")
        )
        .to_string(),
        "2026-05-15"
    );
    let cancel = calendar(
        &items,
        Purpose::Cancel {
            organizer: ("lee@practice.example", "Lee Chan"),
        },
    );
    assert!(
        cancel.contains("METHOD:CANCEL") && cancel.contains("STATUS:CANCELLED"),
        "{cancel}"
    );
}

#[test]
fn other_calendars_zones_and_utc_times_are_read() {
    let outlook = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n\
BEGIN:VEVENT\r\nUID:abc-123\r\nSUMMARY:Hearing\r\nDTSTART;TZID=Eastern Standard Time:20260310T140000\r\n\
DTEND;TZID=Eastern Standard Time:20260310T150000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:def-456\r\nSUMMARY:Call\r\nDTSTART:20260311T150000Z\r\nDURATION:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let back = events(outlook, "America/Vancouver").expect("parses");
    let zone = crate::rules::when::zone_or_utc("America/Toronto");
    assert_eq!(
        crate::rules::when::rfc3339(back[0].start, &zone),
        "2026-03-10T14:00:00-04:00"
    );
    assert_eq!(back[0].end - back[0].start, crate::rules::when::HOUR);
    assert_eq!(back[1].time_zone, "America/Vancouver");
    assert_eq!(back[1].end - back[1].start, 30 * crate::rules::when::MINUTE);
    assert!(events("not a calendar", "UTC").is_err());
}
