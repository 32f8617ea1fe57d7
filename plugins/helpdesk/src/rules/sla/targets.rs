//! The SLA targets as the settings hold them, and their validation.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::rules::Problems;
use crate::rules::ticket::Priority;

/// No target may be longer than this many business minutes (a year of
/// 40-hour weeks): deadlines are found by walking the calendar day by day.
pub const TARGET_MAX_MINUTES: i64 = 52 * 40 * 60;

/// Minutes as the settings page writes them: `1h 30m`, `45m`, `16h`.
pub fn minutes_in_words(minutes: i64) -> String {
    let minutes = minutes.max(0);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// The targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    /// From creation to the first reply the requester can read.
    pub first_response_minutes: i64,
    /// From creation to resolved.
    pub resolution_minutes: i64,
}

/// When to warn that a deadline approaches. Read from an object with
/// `fraction`, `minutes_before` or both (as the settings form gives it):
/// `minutes_before` wins when both are there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "WarningFields")]
pub enum Warning {
    /// When this share of the target has been used: `{"fraction": 0.8}`.
    Fraction(f64),
    /// This many business minutes before the deadline:
    /// `{"minutes_before": 30}`.
    MinutesBefore(i64),
}

/// The warning as settings hold it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WarningFields {
    fraction: Option<f64>,
    minutes_before: Option<i64>,
}

impl TryFrom<WarningFields> for Warning {
    type Error = &'static str;

    fn try_from(fields: WarningFields) -> Result<Self, Self::Error> {
        match (fields.minutes_before, fields.fraction) {
            (Some(minutes), _) => Ok(Self::MinutesBefore(minutes)),
            (None, Some(share)) => Ok(Self::Fraction(share)),
            (None, None) => Err("a warning needs fraction or minutes_before"),
        }
    }
}

impl Warning {
    /// The business time after which a clock with `target` warns.
    pub(super) fn threshold(self, target: SignedDuration) -> SignedDuration {
        let threshold = match self {
            Self::Fraction(share) if share.is_nan() => target,
            Self::Fraction(share) => target.mul_f64(share.clamp(0.0, 1.0)),
            Self::MinutesBefore(minutes) => {
                target - SignedDuration::try_from_mins(minutes).unwrap_or(target)
            }
        };
        threshold.clamp(SignedDuration::ZERO, target)
    }
}

/// The targets of every priority, and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SlaTargets {
    pub urgent: SlaTarget,
    pub high: SlaTarget,
    pub medium: SlaTarget,
    pub low: SlaTarget,
    pub warning: Warning,
}

/// With a business day of 8 hours: urgent 1 hour to answer and 8 hours
/// to resolve, high 4 hours and 2 days, medium 8 hours and 5 days, low 2
/// days and 10 days; a warning when 80% of the time is used.
impl Default for SlaTargets {
    fn default() -> Self {
        const HOUR: i64 = 60;
        const DAY: i64 = 8 * HOUR;
        let target = |first_response_minutes, resolution_minutes| SlaTarget {
            first_response_minutes,
            resolution_minutes,
        };
        Self {
            urgent: target(HOUR, 8 * HOUR),
            high: target(4 * HOUR, 2 * DAY),
            medium: target(8 * HOUR, 5 * DAY),
            low: target(2 * DAY, 10 * DAY),
            warning: Warning::Fraction(0.8),
        }
    }
}

impl SlaTargets {
    /// The targets of `priority`.
    pub fn of(&self, priority: Priority) -> SlaTarget {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
    }

    /// Every wrong field: `high.resolution_minutes`, `warning`, …
    pub fn validate(&self) -> Problems {
        let mut problems = Problems::new();
        for priority in Priority::ALL {
            let target = self.of(priority);
            let name = priority.as_str();
            for (field, minutes) in [
                ("first_response_minutes", target.first_response_minutes),
                ("resolution_minutes", target.resolution_minutes),
            ] {
                if !(1..=TARGET_MAX_MINUTES).contains(&minutes) {
                    problems.add(
                        format!("{name}.{field}"),
                        format!("must be 1m to {}", minutes_in_words(TARGET_MAX_MINUTES)),
                    );
                }
            }
            if target.first_response_minutes > target.resolution_minutes {
                problems.add(
                    format!("{name}.first_response_minutes"),
                    "must not be longer than the resolution target",
                );
            }
        }
        let shortest = Priority::ALL
            .into_iter()
            .map(|p| self.of(p).first_response_minutes)
            .min()
            .unwrap_or(1);
        match self.warning {
            Warning::Fraction(share) if !(share > 0.0 && share < 1.0) => {
                problems.add("warning.fraction", "must be between 0 and 1, like 0.8");
            }
            Warning::MinutesBefore(minutes) if minutes < 1 || minutes >= shortest => {
                problems.add(
                    "warning.minutes_before",
                    format!(
                        "must be at least 1m and less than the shortest target ({})",
                        minutes_in_words(shortest)
                    ),
                );
            }
            _ => {}
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_business_minutes() {
        let targets = SlaTargets::default();
        assert!(targets.validate().is_empty());
        assert_eq!(
            targets.of(Priority::High),
            SlaTarget {
                first_response_minutes: 240,
                resolution_minutes: 960
            }
        );
        assert_eq!(targets.of(Priority::Low).resolution_minutes, 4800);
        assert_eq!(minutes_in_words(4800), "80h");
        assert_eq!(minutes_in_words(90), "1h 30m");
        assert_eq!(minutes_in_words(45), "45m");
        assert_eq!(minutes_in_words(-5), "0m");
        let json = serde_json::to_value(targets).expect("json");
        assert_eq!(json["warning"], serde_json::json!({"fraction": 0.8}));
        assert_eq!(json["urgent"]["first_response_minutes"], 60);
    }

    #[test]
    fn validation_names_each_wrong_target() {
        let mut targets = SlaTargets::default();
        targets.urgent.first_response_minutes = 0;
        targets.low.first_response_minutes = 5000;
        targets.medium.resolution_minutes = TARGET_MAX_MINUTES + 1;
        targets.warning = Warning::Fraction(1.0);
        let problems = targets.validate();
        assert_eq!(
            problems.fields().collect::<Vec<_>>(),
            [
                "low.first_response_minutes",
                "medium.resolution_minutes",
                "urgent.first_response_minutes",
                "warning.fraction"
            ]
        );
        assert_eq!(
            problems.get("low.first_response_minutes"),
            Some("must not be longer than the resolution target")
        );
        targets = SlaTargets::default();
        targets.warning = Warning::MinutesBefore(60);
        assert_eq!(
            targets.validate().get("warning.minutes_before"),
            Some("must be at least 1m and less than the shortest target (1h)")
        );
        targets.warning = Warning::MinutesBefore(15);
        assert!(targets.validate().is_empty());
    }

    #[test]
    fn a_warning_reads_either_field_and_minutes_win() {
        let read = |v| serde_json::from_value::<Warning>(v);
        let fraction = read(serde_json::json!({"fraction": 0.5}));
        assert_eq!(fraction.expect("fraction"), Warning::Fraction(0.5));
        let both = read(serde_json::json!({"fraction": 0.5, "minutes_before": 15}));
        assert_eq!(both.expect("both"), Warning::MinutesBefore(15));
        assert!(read(serde_json::json!({})).is_err());
    }

    #[test]
    fn warnings_come_before_the_deadline() {
        let hour = SignedDuration::from_mins(60);
        assert_eq!(
            Warning::Fraction(0.8).threshold(hour),
            SignedDuration::from_mins(48)
        );
        assert_eq!(
            Warning::MinutesBefore(15).threshold(hour),
            SignedDuration::from_mins(45)
        );
        assert_eq!(
            Warning::MinutesBefore(90).threshold(hour),
            SignedDuration::ZERO
        );
        assert_eq!(Warning::Fraction(7.0).threshold(hour), hour);
    }
}
