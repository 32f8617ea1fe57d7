//! Reading the settings page's form back into the module's settings: every
//! field it cannot read is named, before the settings' own checks run.

use crate::rules::Problems;
use crate::rules::hours::OpenHours;
use crate::rules::settings::{Category, Settings, Strategy, Team};
use crate::rules::sla::Warning;
use crate::rules::ticket::Priority;

pub(super) const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The posted fields, in order.
pub(super) struct Form(pub(super) Vec<(String, String)>);

impl Form {
    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// The settings the form describes, over `current` (what the form does
/// not show is kept), and what could not even be read.
pub(super) fn read(form: &Form, current: &Settings) -> (Settings, Problems) {
    let mut settings = current.clone();
    let mut problems = Problems::new();
    let optional = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    let count: usize = form.get("categories").parse().unwrap_or(0);
    settings.categories = (0..=count)
        .filter_map(|i| {
            let field = |name: &str| format!("c{i}.{name}");
            let key = form.get(&field("key")).to_owned();
            if i == count && key.is_empty() {
                return None; // the empty row for a new category
            }
            let members = form.all(&field("members"));
            let team = (!members.is_empty()).then(|| Team {
                members,
                strategy: if form.get(&field("strategy")) == "least_open" {
                    Strategy::LeastOpen
                } else {
                    Strategy::RoundRobin
                },
            });
            Some(Category {
                label: form.get(&field("label")).to_owned(),
                active: !form.get(&field("active")).is_empty(),
                responsible_id: optional(form.get(&field("responsible"))),
                team,
                manager_id: optional(form.get(&field("manager"))),
                key,
            })
        })
        .collect();
    for priority in Priority::ALL {
        let name = priority.as_str();
        let target = match priority {
            Priority::Urgent => &mut settings.sla.urgent,
            Priority::High => &mut settings.sla.high,
            Priority::Medium => &mut settings.sla.medium,
            Priority::Low => &mut settings.sla.low,
        };
        for (field, value) in [
            ("first_response_minutes", &mut target.first_response_minutes),
            ("resolution_minutes", &mut target.resolution_minutes),
        ] {
            let path = format!("sla.{name}.{field}");
            match form.get(&path).parse() {
                Ok(minutes) => *value = minutes,
                Err(_) => problems.add(path, "must be a whole number of minutes"),
            }
        }
    }
    match read_warning(form.get("sla.warning.kind"), form.get("sla.warning.value")) {
        Ok(warning) => settings.sla.warning = warning,
        Err((field, message)) => problems.add(field, message),
    }
    settings.business_hours.time_zone = form.get("time_zone").to_owned();
    for day in DAYS {
        let path = format!("business_hours.week.{day}");
        match windows(form.get(&path)) {
            Some(windows) => *day_mut(&mut settings, day) = windows,
            None => problems.add(path, "like 09:00-12:00, 13:00-17:00, or empty when closed"),
        }
    }
    let holidays: std::result::Result<Vec<jiff::civil::Date>, _> = form
        .get("business_hours.holidays")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::parse)
        .collect();
    match holidays {
        Ok(holidays) => settings.business_hours.holidays = holidays,
        Err(_) => problems.add(
            "business_hours.holidays",
            "dates like 2026-12-25, separated by commas",
        ),
    }
    match form.get("auto_close_days").parse() {
        Ok(days) => settings.auto_close_days = days,
        Err(_) => problems.add("auto_close_days", "must be a whole number of days"),
    }
    (settings, problems)
}

/// The warning threshold as the form shows it: a kind, and a percentage of
/// the target or a number of business minutes; on failure, the field
/// (named as the settings' own check names it) and why.
fn read_warning(kind: &str, value: &str) -> Result<Warning, (&'static str, &'static str)> {
    match kind {
        "fraction" => value
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite())
            .map(|percent| Warning::Fraction(percent / 100.0))
            .ok_or(("sla.warning.fraction", "must be a percentage, like 80")),
        "minutes_before" => value.parse().map(Warning::MinutesBefore).map_err(|_| {
            (
                "sla.warning.minutes_before",
                "must be a whole number of minutes",
            )
        }),
        _ => Err((
            "sla.warning.kind",
            "choose a share of the target or minutes before the deadline",
        )),
    }
}

/// The warning threshold as the form shows it: its kind and its number.
pub(super) fn warning_fields(warning: Warning) -> (&'static str, String) {
    match warning {
        Warning::Fraction(share) => ("fraction", format!("{}", (share * 100.0).round())),
        Warning::MinutesBefore(minutes) => ("minutes_before", minutes.to_string()),
    }
}

/// `09:00-12:00, 13:00-17:00` as opening hours; `None` when unreadable.
fn windows(text: &str) -> Option<Vec<OpenHours>> {
    text.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (start, end) = w.split_once('-')?;
            Some(OpenHours {
                start: start.trim().parse().ok()?,
                end: end.trim().parse().ok()?,
            })
        })
        .collect()
}

fn day_mut<'a>(settings: &'a mut Settings, day: &str) -> &'a mut Vec<OpenHours> {
    let week = &mut settings.business_hours.week;
    match day {
        "monday" => &mut week.monday,
        "tuesday" => &mut week.tuesday,
        "wednesday" => &mut week.wednesday,
        "thursday" => &mut week.thursday,
        "friday" => &mut week.friday,
        "saturday" => &mut week.saturday,
        _ => &mut week.sunday,
    }
}

pub(super) fn day_text(settings: &Settings, day: &str) -> String {
    let week = &settings.business_hours.week;
    let hours = match day {
        "monday" => &week.monday,
        "tuesday" => &week.tuesday,
        "wednesday" => &week.wednesday,
        "thursday" => &week.thursday,
        "friday" => &week.friday,
        "saturday" => &week.saturday,
        _ => &week.sunday,
    };
    hours
        .iter()
        .map(|w| format!("{}-{}", w.start, w.end))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_form_reads_back_into_settings() {
        let current = Settings::default();
        let mut fields = vec![
            ("version", "3"),
            ("categories", "1"),
            ("c0.key", "technical_support"),
            ("c0.label", "IT"),
            ("c0.active", "1"),
            ("c0.members", "u1"),
            ("c0.members", "u2"),
            ("c0.strategy", "least_open"),
            ("c1.key", ""),
            ("time_zone", "America/Vancouver"),
            ("business_hours.week.monday", "09:00-12:00, 13:00-17:00"),
            ("business_hours.holidays", "2026-12-25, 2026-12-26"),
            ("auto_close_days", "5"),
            ("sla.warning.kind", "minutes_before"),
            ("sla.warning.value", "20"),
        ];
        let minutes = Priority::ALL.map(|p| {
            (
                format!("sla.{}.first_response_minutes", p.as_str()),
                format!("sla.{}.resolution_minutes", p.as_str()),
            )
        });
        for (first, resolution) in &minutes {
            fields.push((first, "30"));
            fields.push((resolution, "600"));
        }
        let (settings, problems) = read(&form(&fields), &current);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.categories.len(), 1);
        let it = &settings.categories[0];
        assert_eq!(it.label, "IT");
        assert!(it.is_agent("u2"));
        assert_eq!(
            it.team.as_ref().map(|t| t.strategy),
            Some(Strategy::LeastOpen)
        );
        assert_eq!(settings.business_hours.time_zone, "America/Vancouver");
        assert_eq!(settings.business_hours.week.monday.len(), 2);
        assert!(settings.business_hours.week.tuesday.is_empty());
        assert_eq!(settings.business_hours.holidays.len(), 2);
        assert_eq!(settings.sla.low.first_response_minutes, 30);
        assert_eq!(settings.auto_close_days, 5);
        assert_eq!(settings.sla.warning, Warning::MinutesBefore(20));
    }

    #[test]
    fn the_warning_is_a_percentage_or_minutes_on_the_form() {
        let fraction = form(&[
            ("sla.warning.kind", "fraction"),
            ("sla.warning.value", "75"),
        ]);
        let (settings, _) = read(&fraction, &Settings::default());
        assert_eq!(settings.sla.warning, Warning::Fraction(0.75));
        assert_eq!(
            warning_fields(settings.sla.warning),
            ("fraction", "75".to_owned())
        );
        let (_, problems) = read(
            &form(&[
                ("sla.warning.kind", "fraction"),
                ("sla.warning.value", "most"),
            ]),
            &Settings::default(),
        );
        assert!(problems.get("sla.warning.fraction").is_some());
        let (_, problems) = read(
            &form(&[
                ("sla.warning.kind", "minutes_before"),
                ("sla.warning.value", "1.5"),
            ]),
            &Settings::default(),
        );
        assert!(problems.get("sla.warning.minutes_before").is_some());
    }

    #[test]
    fn unreadable_fields_are_named() {
        let (_, problems) = read(
            &form(&[
                ("business_hours.week.friday", "nine to five"),
                ("auto_close_days", "soon"),
            ]),
            &Settings::default(),
        );
        assert!(problems.get("business_hours.week.friday").is_some());
        assert!(problems.get("auto_close_days").is_some());
        assert_eq!(
            problems.get("sla.urgent.first_response_minutes"),
            Some("must be a whole number of minutes")
        );
    }
}
