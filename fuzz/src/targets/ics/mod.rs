//! iCalendar import: a file someone imports (or a CalDAV client `PUT`s),
//! read by the calendar module's own reader, `calendar::ics::read::events`,
//! with the reader's zone America/Toronto. Each event it finds is then
//! given, as the calendar's API fields, to the rules that decide what is
//! kept (`rules::event::apply`: times, length, the recurrence rule's
//! check, the series' last end), with its removed dates; a kept event's
//! occurrences over two months and its next one are read as a calendar
//! page reads them.
//!
//! The calendar crate builds natively as an rlib (its `crate-type` lists
//! `rlib` beside `cdylib`, and its rules are tested natively), so the
//! module's reader is called directly, with the calcard options it uses.

use std::collections::BTreeSet;

use calendar::ics::read::events;
use calendar::rules::event::{self, Event};
use calendar::rules::recurrence;
use calendar::rules::when::{self, DAY};
use serde_json::{Value, json};

mod drawn;

use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

/// The zone of the person importing.
pub const READER_ZONE: &str = "America/Toronto";

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"BEGIN:VCALENDAR\r\n",
        b"END:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\n",
        b"END:VEVENT\r\n",
        b"BEGIN:VTIMEZONE\r\n",
        b"END:VTIMEZONE\r\n",
        b"BEGIN:STANDARD\r\n",
        b"BEGIN:DAYLIGHT\r\n",
        b"TZOFFSETFROM:+0530\r\n",
        b"TZOFFSETTO:-2400\r\n",
        b"DTSTART;TZID=",
        b"DTSTART;VALUE=DATE:",
        b"DTEND:",
        b"DURATION:P9999W\r\n",
        b"DURATION:-PT1H\r\n",
        b"RRULE:FREQ=",
        b";BYDAY=-53MO",
        b";BYSETPOS=-366",
        b";BYMONTHDAY=31",
        b";BYWEEKNO=53",
        b";BYYEARDAY=-366",
        b";COUNT=4294967295",
        b";UNTIL=99991231T235959Z",
        b";INTERVAL=0",
        b"EXDATE:",
        b"RECURRENCE-ID:",
        b"SEQUENCE:-1\r\n",
        b"X-IMMCASE-TYPE:deadline\r\n",
        b"T000000Z",
        b"00010101",
        b"99991231",
        b"\r\n ",
        b"\\,",
        b"\\n",
        b";",
        b":",
        b"\"",
    ],
    max_len: 256 * 1024,
};

/// The calendar module's reader and what an import does with each event.
pub struct IcsTarget {
    seeds: Vec<Vec<u8>>,
}

impl IcsTarget {
    pub fn new() -> IcsTarget {
        IcsTarget {
            seeds: corpus::files(&corpus::seeds_dir("ics"), "ics"),
        }
    }
}

impl Target for IcsTarget {
    fn name(&self) -> &'static str {
        "ics"
    }

    fn extension(&self) -> &'static str {
        "ics"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 3, 3, |bytes| {
            drawn::calendar(bytes)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let Ok(found) = events(&text, READER_ZONE) else {
            return Outcome::Refused;
        };
        let mut kept = 0;
        for incoming in &found {
            let zone = when::zone_or_utc(&incoming.time_zone);
            let at = |ms: i64| {
                if incoming.all_day {
                    when::date_of(ms, &zone).to_string()
                } else {
                    when::rfc3339(ms, &zone)
                }
            };
            // The event as the calendar's API takes it.
            let fields = json!({
                "title": incoming.title,
                "notes": incoming.notes,
                "all_day": incoming.all_day,
                "time_zone": incoming.time_zone,
                "start": at(incoming.start),
                "end": at(incoming.end),
                "rrule": incoming.rrule.clone().unwrap_or_default(),
                "reminders": [],
            });
            let Value::Object(fields) = fields else {
                continue;
            };
            let blank = Event {
                calendar_id: "calendar".into(),
                time_zone: READER_ZONE.into(),
                except: incoming.exdates.clone(),
                ..Event::default()
            };
            let Ok(event) = event::apply(blank, &fields, true) else {
                continue;
            };
            kept += 1;
            let _ = event.occurs_at(event.start);
            let except: BTreeSet<i64> = event.except.iter().copied().collect();
            let zone = when::zone_or_utc(&event.time_zone);
            if let Some(series) = event.series(&zone, &except) {
                let _ =
                    recurrence::between(&series, event.start, event.start.saturating_add(60 * DAY));
                let _ = recurrence::next_after(&series, event.start);
            }
        }
        if kept > 0 {
            Outcome::Accepted
        } else {
            Outcome::Refused
        }
    }
}
