//! Calendars drawn from random bytes: time zones defined in the file
//! (with odd offsets) or named (IANA, Windows, unknown), events with
//! dates, times in UTC, in zones and floating, ends given or as durations,
//! recurrence rules of every part with edge values, removed dates, changed
//! occurrences, folded lines and escaped text.

use arbitrary::{Result, Unstructured};

const ZONES: &[&str] = &[
    "America/Toronto",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Eastern Standard Time",
    "(UTC-05:00) Eastern Time (US & Canada)",
    "Drawn/Zone",
    "Nowhere/Zone",
    "",
];
const YEARS: &[u32] = &[0, 1, 1582, 1900, 1970, 2025, 2026, 2038, 2100, 9999];
const FREQS: &[&str] = &[
    "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "NEVER",
];
const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU", "XX"];
const TEXTS: &[&str] = &[
    "Biometrics appointment",
    "",
    "Interview\\, room 2\\nbring passport",
    "Échéance IRCC — 漢字",
    "\\",
    "a;b:c,d",
    "CAS014 hearing",
];
const KINDS: &[&str] = &["deadline", "appointment", "internal_meeting", "other"];

/// A whole calendar, as text.
pub fn calendar(bytes: &[u8]) -> Vec<u8> {
    let mut u = Unstructured::new(bytes);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//ImmCase fuzzing//EN".into(),
    ];
    let _ = draw(&mut u, &mut lines);
    lines.push("END:VCALENDAR".into());
    let crlf = !u.ratio(1, 8).unwrap_or(false);
    let mut out = String::new();
    for line in lines {
        let line = if u.ratio(1, 6).unwrap_or(false) {
            folded(&mut u, &line)
        } else {
            line
        };
        out.push_str(&line);
        out.push_str(if crlf { "\r\n" } else { "\n" });
    }
    out.into_bytes()
}

fn draw(u: &mut Unstructured, lines: &mut Vec<String>) -> Result<()> {
    for _ in 0..u.int_in_range(0..=2)? {
        zone(u, lines)?;
    }
    let uids = ["a@drawn", "b@drawn", "c@drawn"];
    for _ in 0..u.int_in_range(1..=5)? {
        lines.push("BEGIN:VEVENT".into());
        if !u.ratio(1, 12)? {
            lines.push(format!("UID:{}", u.choose(&uids)?));
        }
        if !u.ratio(1, 12)? {
            lines.push(format!("DTSTART{}", moment(u)?));
        }
        match u.int_in_range(0..=3)? {
            0 => lines.push(format!("DTEND{}", moment(u)?)),
            1 => lines.push(format!("DURATION:{}", duration(u)?)),
            _ => {}
        }
        if u.ratio(1, 2)? {
            lines.push(format!("RRULE:{}", rule(u)?));
        }
        for _ in 0..u.int_in_range(0..=2)? {
            let first = moment(u)?;
            let more = if u.ratio(1, 3)? {
                format!(",{}", stamp(u)?)
            } else {
                String::new()
            };
            lines.push(format!("EXDATE{first}{more}"));
        }
        if u.ratio(1, 5)? {
            lines.push(format!("RECURRENCE-ID{}", moment(u)?));
        }
        lines.push(format!("SUMMARY:{}", u.choose(TEXTS)?));
        if u.ratio(1, 3)? {
            lines.push(format!("DESCRIPTION:{}", u.choose(TEXTS)?));
        }
        if u.ratio(1, 4)? {
            lines.push(format!("SEQUENCE:{}", u.arbitrary::<i64>()?));
        }
        if u.ratio(1, 4)? {
            lines.push(format!("X-IMMCASE-TYPE:{}", u.choose(KINDS)?));
        }
        lines.push("END:VEVENT".into());
    }
    Ok(())
}

/// A `VTIMEZONE` with one or two observances at odd offsets.
fn zone(u: &mut Unstructured, lines: &mut Vec<String>) -> Result<()> {
    lines.push("BEGIN:VTIMEZONE".into());
    lines.push(format!("TZID:{}", u.choose(ZONES)?));
    for part in ["STANDARD", "DAYLIGHT"] {
        if u.ratio(1, 4)? {
            continue;
        }
        lines.push(format!("BEGIN:{part}"));
        lines.push(format!("DTSTART:{}", stamp(u)?));
        lines.push(format!("TZOFFSETFROM:{}", offset(u)?));
        lines.push(format!("TZOFFSETTO:{}", offset(u)?));
        if u.ratio(1, 2)? {
            lines.push(format!("RRULE:{}", rule(u)?));
        }
        lines.push(format!("END:{part}"));
    }
    lines.push("END:VTIMEZONE".into());
    Ok(())
}

fn offset(u: &mut Unstructured) -> Result<String> {
    let sign = if u.ratio(1, 2)? { '-' } else { '+' };
    let hours = u.int_in_range(0..=26u32)?;
    let minutes = *u.choose(&[0u32, 30, 45, 59, 60, 99])?;
    Ok(format!("{sign}{hours:02}{minutes:02}"))
}

/// A date (`20260309`) or date and time, in UTC or local (`T090000Z`).
fn stamp(u: &mut Unstructured) -> Result<String> {
    let year = *u.choose(YEARS)?;
    let month = u.int_in_range(0..=13u32)?;
    let day = u.int_in_range(0..=32u32)?;
    let mut out = format!("{year:04}{month:02}{day:02}");
    if u.ratio(3, 4)? {
        let hour = u.int_in_range(0..=25u32)?;
        let minute = u.int_in_range(0..=61u32)?;
        let second = u.int_in_range(0..=61u32)?;
        out.push_str(&format!("T{hour:02}{minute:02}{second:02}"));
        if u.ratio(1, 2)? {
            out.push('Z');
        }
    }
    Ok(out)
}

/// A property's parameters and value: `;TZID=...:20260309T090000`.
fn moment(u: &mut Unstructured) -> Result<String> {
    let mut params = String::new();
    if u.ratio(1, 2)? {
        params.push_str(&format!(";TZID={}", u.choose(ZONES)?));
    }
    if u.ratio(1, 5)? {
        params.push_str(";VALUE=DATE");
    }
    Ok(format!("{params}:{}", stamp(u)?))
}

fn duration(u: &mut Unstructured) -> Result<String> {
    let sign = if u.ratio(1, 5)? { "-" } else { "" };
    let n = *u.choose(&[
        0u64,
        1,
        15,
        90,
        9999,
        4_294_967_295,
        18_446_744_073_709_551_615,
    ])?;
    let unit = *u.choose(&["W", "D", "TH", "TM", "TS", "DT1H"])?;
    Ok(format!("{sign}P{n}{unit}"))
}

/// A recurrence rule with a few of its parts, values at their edges.
fn rule(u: &mut Unstructured) -> Result<String> {
    let mut parts = vec![format!("FREQ={}", u.choose(FREQS)?)];
    let numbers: &[i64] = &[-366, -53, -31, -1, 0, 1, 2, 7, 31, 53, 60, 366, 65_535];
    for name in [
        "INTERVAL",
        "COUNT",
        "BYMONTHDAY",
        "BYMONTH",
        "BYSETPOS",
        "BYWEEKNO",
        "BYYEARDAY",
        "BYHOUR",
        "BYMINUTE",
        "BYSECOND",
    ] {
        if u.ratio(1, 5)? {
            parts.push(format!("{name}={}", u.choose(numbers)?));
        }
    }
    if u.ratio(1, 3)? {
        let mut days = Vec::new();
        for _ in 0..u.int_in_range(1..=3)? {
            let n = if u.ratio(1, 3)? {
                u.choose(&[-53i64, -5, -1, 1, 2, 5, 53, 0])?.to_string()
            } else {
                String::new()
            };
            days.push(format!("{n}{}", u.choose(DAYS)?));
        }
        parts.push(format!("BYDAY={}", days.join(",")));
    }
    if u.ratio(1, 4)? {
        parts.push(format!("UNTIL={}", stamp(u)?));
    }
    if u.ratio(1, 8)? {
        parts.push(format!("WKST={}", u.choose(DAYS)?));
    }
    if u.ratio(1, 2)? {
        let i = u.int_in_range(0..=parts.len() - 1)?;
        parts.swap(0, i);
    }
    Ok(parts.join(";"))
}

/// A line folded as RFC 5545 says (CRLF and a space), at places drawn,
/// some inside a multi-byte character.
fn folded(u: &mut Unstructured, line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while from < bytes.len() {
        let step = u.int_in_range(1..=20usize).unwrap_or(bytes.len());
        let to = (from + step).min(bytes.len());
        out.extend_from_slice(&bytes[from..to]);
        if to < bytes.len() {
            out.extend_from_slice(b"\r\n ");
        }
        from = to;
    }
    String::from_utf8_lossy(&out).into_owned()
}
