//! What a `format` adds to a setting: durations people write in hours and
//! minutes, and time zones picked from the tz database. The host's settings
//! page and the check of saved values share these, so the form reads back
//! exactly what the check accepts.

/// `format = "duration-minutes"` on an integer: the value is kept in
/// minutes, and people read and write it in hours and minutes (`8h 30m`).
pub mod duration {
    /// What to write, for a message or a hint.
    pub const EXAMPLE: &str = "hours and minutes, like 8h 30m, 16h or 45m";

    /// Minutes as people write them: `8h 30m`, `16h`, `45m`, `0m`.
    pub fn words(minutes: i64) -> String {
        let sign = if minutes < 0 { "-" } else { "" };
        let minutes = minutes.unsigned_abs();
        match (minutes / 60, minutes % 60) {
            (0, m) => format!("{sign}{m}m"),
            (h, 0) => format!("{sign}{h}h"),
            (h, m) => format!("{sign}{h}h {m}m"),
        }
    }

    /// A duration someone typed, in minutes. Hours and minutes each say
    /// their unit (`8h 30m`, `8h30`, `8 hours 30 minutes`, `45 min`,
    /// `1.5h`), or they are written as a clock (`8:30`). A bare number is
    /// refused: nobody can tell whether `8` means hours or minutes.
    pub fn parse(text: &str) -> Result<i64, String> {
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return Err("required".into());
        }
        if let Some((hours, minutes)) = text.split_once(':') {
            return clock(hours.trim(), minutes.trim()).ok_or_else(wrong);
        }
        if let Ok(number) = text.parse::<f64>() {
            let shown = text.trim_start_matches('+');
            return Err(if number.is_finite() && number >= 0.0 {
                format!("say whether {shown} is hours or minutes: {shown}h or {shown}m")
            } else {
                wrong()
            });
        }
        units(&text).ok_or_else(wrong)
    }

    fn wrong() -> String {
        format!("write {EXAMPLE}")
    }

    /// `8:30`: whole hours, then two digits of minutes.
    fn clock(hours: &str, minutes: &str) -> Option<i64> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(hours) || minutes.len() != 2 || !digits(minutes) {
            return None;
        }
        let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
        (minutes < 60).then(|| hours.checked_mul(60)?.checked_add(minutes))?
    }

    /// Numbers each followed by a unit: hours before minutes, each once. A
    /// number right after the hours without a unit is minutes (`8h30`).
    fn units(text: &str) -> Option<i64> {
        let mut rest = text;
        let mut hours: Option<f64> = None;
        let mut minutes: Option<i64> = None;
        while !rest.trim_start().is_empty() {
            rest = rest.trim_start();
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(end);
            if number.is_empty() {
                return None;
            }
            let after = after.trim_start();
            let unit_end = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_end);
            rest = after.trim_start().trim_start_matches(',');
            match unit {
                "h" | "hr" | "hrs" | "hour" | "hours" if hours.is_none() && minutes.is_none() => {
                    hours = Some(number.parse().ok().filter(|h: &f64| h.is_finite())?);
                }
                "m" | "min" | "mins" | "minute" | "minutes" | "" if minutes.is_none() => {
                    if unit.is_empty() && hours.is_none() {
                        return None;
                    }
                    if !number.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    minutes = Some(number.parse().ok()?);
                }
                _ => return None,
            }
        }
        let from_hours = match hours {
            Some(h) => {
                let m = h * 60.0;
                if m.fract() != 0.0 || m > i64::MAX as f64 / 2.0 {
                    return None;
                }
                m as i64
            }
            None => 0,
        };
        if hours.is_none() && minutes.is_none() {
            return None;
        }
        from_hours.checked_add(minutes.unwrap_or(0))
    }
}

/// `format = "time-zone"` on a string: an IANA name of the tz database
/// (`America/Toronto`).
pub mod time_zone {
    /// Zones offered first on a settings page: Canada's, then UTC; each
    /// with the words shown for it.
    pub const COMMON: [(&str, &str); 9] = [
        ("America/St_Johns", "Newfoundland: St. John's"),
        ("America/Halifax", "Atlantic: Halifax"),
        ("America/Toronto", "Eastern: Toronto, Ottawa, Montréal"),
        ("America/Winnipeg", "Central: Winnipeg"),
        ("America/Regina", "Saskatchewan: Regina"),
        ("America/Edmonton", "Mountain: Edmonton, Calgary"),
        ("America/Vancouver", "Pacific: Vancouver"),
        ("America/Whitehorse", "Yukon: Whitehorse"),
        ("UTC", "Coordinated Universal Time (UTC)"),
    ];

    const LISTED: &str = include_str!("time_zones.txt");

    /// Whether the tz database knows `name` (an alias such as
    /// `America/Montreal` too, so a value saved before keeps working).
    pub fn is_known(name: &str) -> bool {
        !name.trim().is_empty() && jiff::tz::db().get(name).is_ok()
    }

    /// Every zone a page offers, sorted: the canonical names of the tz
    /// database's `zone.tab` (none of the deprecated aliases such as
    /// `Canada/Eastern`), those the tz database knows. Looked up once.
    pub fn all() -> impl Iterator<Item = &'static str> {
        static KNOWN: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        KNOWN
            .get_or_init(|| {
                LISTED
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty() && !line.starts_with('#'))
                    .filter(|name| is_known(name))
                    .collect()
            })
            .iter()
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::duration::{parse, words};
    use super::time_zone;

    #[test]
    fn durations_read_in_hours_and_minutes() {
        for (typed, minutes) in [
            ("8h 30m", 510),
            ("8h30m", 510),
            ("8h30", 510),
            ("8 H 30 MIN", 510),
            ("8 hours 30 minutes", 510),
            ("8 hours, 30 minutes", 510),
            ("16h", 960),
            ("1 hour", 60),
            ("45m", 45),
            ("45 min", 45),
            ("90m", 90),
            ("1.5h", 90),
            ("0m", 0),
            ("8:30", 510),
            ("0:45", 45),
            (" 2080h ", 124_800),
        ] {
            assert_eq!(parse(typed), Ok(minutes), "{typed:?}");
        }
        for typed in [
            "eight hours",
            "8x",
            "30m 8h",
            "8h 8h",
            "1.25m",
            "1.01h",
            "h",
            "8:3",
            "8:75",
            "2d",
        ] {
            assert_eq!(
                parse(typed),
                Err("write hours and minutes, like 8h 30m, 16h or 45m".into()),
                "{typed:?}"
            );
        }
        assert_eq!(
            parse("8"),
            Err("say whether 8 is hours or minutes: 8h or 8m".into())
        );
        assert_eq!(parse("  "), Err("required".into()));
    }

    #[test]
    fn durations_are_written_as_they_are_read() {
        for (minutes, shown) in [(510, "8h 30m"), (960, "16h"), (45, "45m"), (0, "0m")] {
            assert_eq!(words(minutes), shown);
            assert_eq!(parse(shown), Ok(minutes));
        }
        assert_eq!(words(-90), "-1h 30m");
    }

    #[test]
    fn time_zones_are_canonical_and_known() {
        let all: Vec<&str> = time_zone::all().collect();
        assert!(all.len() > 300, "{}", all.len());
        for name in ["America/Toronto", "America/St_Johns", "Europe/Paris"] {
            assert!(all.contains(&name), "{name}");
        }
        for alias in [
            "Canada/Eastern",
            "America/Montreal",
            "US/Pacific",
            "EST5EDT",
        ] {
            assert!(!all.contains(&alias), "{alias} is offered");
            assert!(time_zone::is_known(alias), "{alias} still reads");
        }
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(all, sorted);
        for (name, _) in time_zone::COMMON {
            assert!(time_zone::is_known(name), "{name}");
        }
        assert!(!time_zone::is_known("Mars/Olympus"));
        assert!(!time_zone::is_known(""));
    }
}
