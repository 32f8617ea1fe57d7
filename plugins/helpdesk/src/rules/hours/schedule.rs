//! The weekly schedule as the settings hold it, and its validation.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::rules::Problems;

/// A time of day on a schedule, `HH:MM`, from `00:00` to `24:00` (which
/// only ends a day's last interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(u16);

impl ClockTime {
    /// `24:00`: the end of the day.
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    /// `hour:minute`, or `None` past 24:00.
    pub fn new(hour: u16, minute: u16) -> Option<Self> {
        let minutes = hour.checked_mul(60)?.checked_add(minute)?;
        (minute < 60 && minutes <= 24 * 60).then_some(Self(minutes))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl FromStr for ClockTime {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let two_digits = |part: &str| {
            let digits = part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse::<u16>().ok()).flatten()
        };
        text.split_once(':')
            .and_then(|(hour, minute)| Self::new(two_digits(hour)?, two_digits(minute)?))
            .ok_or_else(|| format!("`{text}` is not a time from 00:00 to 24:00 like 09:00"))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One open interval of a day: `{"start": "09:00", "end": "17:00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenHours {
    pub start: ClockTime,
    pub end: ClockTime,
}

/// The open hours of each day of the week; a missing day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeeklyHours {
    pub monday: Vec<OpenHours>,
    pub tuesday: Vec<OpenHours>,
    pub wednesday: Vec<OpenHours>,
    pub thursday: Vec<OpenHours>,
    pub friday: Vec<OpenHours>,
    pub saturday: Vec<OpenHours>,
    pub sunday: Vec<OpenHours>,
}

impl WeeklyHours {
    /// The open hours of `weekday`.
    pub fn day(&self, weekday: Weekday) -> &[OpenHours] {
        match weekday {
            Weekday::Monday => &self.monday,
            Weekday::Tuesday => &self.tuesday,
            Weekday::Wednesday => &self.wednesday,
            Weekday::Thursday => &self.thursday,
            Weekday::Friday => &self.friday,
            Weekday::Saturday => &self.saturday,
            Weekday::Sunday => &self.sunday,
        }
    }

    fn days(&self) -> [(&'static str, &[OpenHours]); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

/// When the practice is open: the weekly hours in `time_zone`, except on
/// `holidays` (local dates, `2026-12-25`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BusinessHours {
    /// An IANA time zone name, e.g. `America/Toronto`.
    pub time_zone: String,
    pub week: WeeklyHours,
    pub holidays: Vec<Date>,
}

/// Monday to Friday, 09:00 to 17:00, in Toronto, no holidays.
impl Default for BusinessHours {
    fn default() -> Self {
        let day = vec![OpenHours {
            start: ClockTime(9 * 60),
            end: ClockTime(17 * 60),
        }];
        let week = WeeklyHours {
            monday: day.clone(),
            tuesday: day.clone(),
            wednesday: day.clone(),
            thursday: day.clone(),
            friday: day,
            ..WeeklyHours::default()
        };
        Self {
            time_zone: "America/Toronto".into(),
            week,
            holidays: Vec::new(),
        }
    }
}

impl BusinessHours {
    /// Every wrong field: `time_zone`, `week.monday[1]` (an interval that
    /// ends before it starts, is empty or overlaps another), and `week` when
    /// the practice is never open.
    pub fn validate(&self) -> Problems {
        let mut problems = Problems::new();
        if self.time_zone.trim().is_empty() {
            problems.add("time_zone", "required");
        } else if TimeZone::get(&self.time_zone).is_err() {
            problems.add(
                "time_zone",
                "unknown time zone: use an IANA name like America/Toronto",
            );
        }
        for (name, intervals) in self.week.days() {
            for (i, open) in intervals.iter().enumerate() {
                let field = format!("week.{name}[{i}]");
                if open.end < open.start {
                    let (start, end) = (open.start, open.end);
                    problems.add(
                        field,
                        format!(
                            "{start}–{end} crosses midnight: \
                             split it into {start}–24:00 and 00:00–{end} on the next day"
                        ),
                    );
                } else if open.end == open.start {
                    problems.add(field, "must end after it starts");
                } else if let Some(other) = intervals[..i]
                    .iter()
                    .find(|o| o.start < open.end && open.start < o.end)
                {
                    problems.add(field, format!("overlaps {}–{}", other.start, other.end));
                }
            }
        }
        if !self.has_open_hours() {
            problems.add("week", "the practice must be open at some time of the week");
        }
        problems
    }

    /// Whether some day has an interval that is not empty. A schedule
    /// without any counts every minute as business time (so that deadlines
    /// still come); [`BusinessHours::validate`] refuses it.
    pub(super) fn has_open_hours(&self) -> bool {
        self.week
            .days()
            .iter()
            .any(|(_, day)| day.iter().any(|open| open.start < open.end))
    }

    /// The time zone; UTC if the name is unknown (which validation refuses).
    pub(super) fn zone(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }

    /// The open instants of a local date, in order, merged where they touch.
    pub(super) fn windows(&self, zone: &TimeZone, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let instant = |at: ClockTime| {
            let (day, minutes) = match at.0 {
                1440 => (date.tomorrow().ok()?, 0),
                minutes => (date, minutes),
            };
            let local = day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
            zone.to_timestamp(local).ok()
        };
        let mut windows: Vec<(Timestamp, Timestamp)> = self
            .week
            .day(date.weekday())
            .iter()
            .filter_map(|open| Some((instant(open.start)?, instant(open.end)?)))
            .filter(|(start, end)| start < end)
            .collect();
        windows.sort();
        windows.dedup_by(|next, kept| {
            let touches = next.0 <= kept.1;
            if touches {
                kept.1 = kept.1.max(next.1);
            }
            touches
        });
        windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(start: &str, end: &str) -> OpenHours {
        OpenHours {
            start: start.parse().expect("time"),
            end: end.parse().expect("time"),
        }
    }

    #[test]
    fn validation_names_every_wrong_interval() {
        assert!(BusinessHours::default().validate().is_empty());
        let mut hours = BusinessHours {
            time_zone: "Mars/Olympus".into(),
            ..BusinessHours::default()
        };
        hours.week.monday = vec![open("09:00", "17:00"), open("12:00", "13:00")];
        hours.week.friday = vec![open("22:00", "02:00")];
        hours.week.saturday = vec![open("10:00", "10:00")];
        let problems = hours.validate();
        assert_eq!(
            problems.fields().collect::<Vec<_>>(),
            [
                "time_zone",
                "week.monday[1]",
                "week.friday[0]",
                "week.saturday[0]"
            ]
        );
        assert_eq!(problems.get("week.monday[1]"), Some("overlaps 09:00–17:00"));
        assert_eq!(
            problems.get("week.friday[0]"),
            Some(
                "22:00–02:00 crosses midnight: split it into 22:00–24:00 and 00:00–02:00 on the next day"
            )
        );
        hours.time_zone = " ".into();
        assert_eq!(hours.validate().get("time_zone"), Some("required"));
    }
    #[test]
    fn clock_times_are_hh_mm_up_to_24_00() {
        assert_eq!(
            "09:05".parse::<ClockTime>().map(ClockTime::minutes),
            Ok(545)
        );
        assert_eq!("24:00".parse(), Ok(ClockTime::END_OF_DAY));
        for wrong in [
            "9:00", "+9:00", "24:01", "12:60", "noon", "12:3a", "", "09:00:00",
        ] {
            assert!(wrong.parse::<ClockTime>().is_err(), "{wrong}");
        }
        let json = serde_json::to_value(BusinessHours::default()).expect("json");
        assert_eq!(
            json["week"]["monday"][0],
            serde_json::json!({"start": "09:00", "end": "17:00"})
        );
        assert_eq!(json["week"]["sunday"], serde_json::json!([]));
        let back: BusinessHours = serde_json::from_value(json).expect("read back");
        assert_eq!(back, BusinessHours::default());
        let wrong = serde_json::from_value::<OpenHours>(
            serde_json::json!({"start": "9am", "end": "17:00"}),
        );
        assert!(
            wrong
                .expect_err("bad")
                .to_string()
                .contains("`9am` is not a time")
        );
    }
}
