//! What an administrator configures: categories and who handles them, SLA
//! targets, business hours, and when resolved tickets close by themselves.
//!
//! The settings are one JSON document:
//!
//! ```json
//! {
//!   "categories": [
//!     {"key": "technical_support", "label": "Technical support", "active": true,
//!      "responsible_id": "u-ana", "team": null, "manager_id": "u-lee"},
//!     {"key": "case_support", "label": "Case support", "active": true,
//!      "responsible_id": null,
//!      "team": {"members": ["u-bo", "u-cy"], "strategy": "least_open"}}
//!   ],
//!   "sla": {"urgent": {"first_response_minutes": 60, "resolution_minutes": 480}, "...": "...",
//!           "warning": {"fraction": 0.8}},
//!   "business_hours": {"time_zone": "America/Toronto",
//!                      "week": {"monday": [{"start": "09:00", "end": "17:00"}], "...": "..."},
//!                      "holidays": ["2026-12-25"]},
//!   "auto_close_days": 7
//! }
//! ```
//!
//! A missing member takes its default. A category's `key` is what tickets
//! store: a category that is no longer wanted is made inactive (no new
//! tickets, the old ones keep it), not removed.

use serde::{Deserialize, Serialize};

use super::Problems;
use super::hours::BusinessHours;
use super::sla::SlaTargets;

pub const CATEGORY_KEY_MAX: usize = 40;
pub const CATEGORY_LABEL_MAX: usize = 80;
pub const AUTO_CLOSE_DAYS_MAX: u32 = 365;

/// The helpdesk's settings for a practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub categories: Vec<Category>,
    pub sla: SlaTargets,
    pub business_hours: BusinessHours,
    /// Days after which a resolved ticket closes if nobody objects.
    pub auto_close_days: u32,
}

/// What tickets are about, and who handles them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// What tickets store: lowercase letters, digits and `_`.
    pub key: String,
    pub label: String,
    /// Only active categories take new tickets.
    #[serde(default = "yes")]
    pub active: bool,
    /// The one person new tickets go to; or else
    #[serde(default)]
    pub responsible_id: Option<String>,
    /// a team that shares them. Neither: tickets wait to be assigned by hand.
    #[serde(default)]
    pub team: Option<Team>,
    /// Who oversees the category: sees and may handle all its tickets.
    #[serde(default)]
    pub manager_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// People who share a category's tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// User ids, in the order round robin follows.
    pub members: Vec<String>,
    pub strategy: Strategy,
}

/// How a team shares new tickets; see [`super::assignment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Each member in turn.
    RoundRobin,
    /// The member with the fewest active tickets.
    LeastOpen,
}

impl Category {
    /// An active category nobody is responsible for yet.
    pub fn new(key: &str, label: &str) -> Self {
        Self {
            key: key.to_owned(),
            label: label.to_owned(),
            active: true,
            responsible_id: None,
            team: None,
            manager_id: None,
        }
    }

    /// Whether `user_id` handles this category's tickets: its responsible
    /// person or a member of its team.
    pub fn is_agent(&self, user_id: &str) -> bool {
        self.responsible_id.as_deref() == Some(user_id)
            || self
                .team
                .as_ref()
                .is_some_and(|team| team.members.iter().any(|m| m == user_id))
    }

    /// Whether `user_id` is this category's manager.
    pub fn is_manager(&self, user_id: &str) -> bool {
        self.manager_id.as_deref() == Some(user_id)
    }

    fn validate(&self) -> Problems {
        let mut problems = Problems::new();
        let key_chars = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
        if self.key.is_empty() {
            problems.add("key", "required");
        } else if self.key.len() > CATEGORY_KEY_MAX || !self.key.chars().all(key_chars) {
            problems.add(
                "key",
                format!("1 to {CATEGORY_KEY_MAX} lowercase letters, digits and _"),
            );
        }
        let label = self.label.trim();
        if label.is_empty() {
            problems.add("label", "required");
        } else if label.chars().count() > CATEGORY_LABEL_MAX {
            problems.add("label", format!("at most {CATEGORY_LABEL_MAX} characters"));
        }
        let blank = |id: &Option<String>| id.as_deref().is_some_and(|id| id.trim().is_empty());
        if blank(&self.responsible_id) {
            problems.add("responsible_id", "must be a user id, or null");
        }
        if blank(&self.manager_id) {
            problems.add("manager_id", "must be a user id, or null");
        }
        if let Some(team) = &self.team {
            if self.responsible_id.is_some() {
                problems.add(
                    "team",
                    "a category has a responsible person or a team, not both",
                );
            } else if team.members.is_empty() {
                problems.add("team", "has no members");
            } else if team.members.iter().any(|m| m.trim().is_empty()) {
                problems.add("team.members", "must be user ids");
            } else if let Some(twice) = team
                .members
                .iter()
                .enumerate()
                .find_map(|(i, m)| team.members[..i].contains(m).then_some(m))
            {
                problems.add("team.members", format!("lists {twice} twice"));
            }
        }
        problems
    }
}

/// The categories from the user guide, nobody responsible yet; the SLA
/// targets of [`SlaTargets::default`]; Monday to Friday 09:00–17:00 in
/// Toronto; resolved tickets close after 7 days.
impl Default for Settings {
    fn default() -> Self {
        Self {
            categories: vec![
                Category::new("technical_support", "Technical support"),
                Category::new("case_support", "Case support"),
                Category::new("improvement_suggestion", "Improvement suggestion"),
                Category::new("other", "Other"),
            ],
            sla: SlaTargets::default(),
            business_hours: BusinessHours::default(),
            auto_close_days: 7,
        }
    }
}

impl Settings {
    /// The category with `key`, active or not.
    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    /// What people call the category `key`: its label (the key itself for
    /// a category no longer in the settings).
    pub fn category_label(&self, key: &str) -> String {
        self.category(key)
            .map_or_else(|| key.to_owned(), |c| c.label.clone())
    }

    /// A field's path (`categories[0].team`,
    /// `business_hours.week.monday[1]`) in the words of the settings page:
    /// "Category “Visas” → Team", "Business hours → Opening hours → Monday
    /// → Opening 2".
    pub fn field_in_words(&self, path: &str) -> String {
        let mut words: Vec<String> = Vec::new();
        let mut last = "";
        for step in path.split('.') {
            let (name, indexes) = match step.split_once('[') {
                Some((name, rest)) => (name, Some(rest)),
                None => (step, None),
            };
            if !name.is_empty() {
                words.push(label_of(name).to_owned());
                last = name;
            }
            let Some(indexes) = indexes else { continue };
            for index in indexes.split('[') {
                let Ok(i) = index.trim_end_matches(']').parse::<usize>() else {
                    continue;
                };
                let row = match last {
                    "categories" => match self.categories.get(i) {
                        Some(category) => format!("Category “{}”", category.label),
                        None => format!("Category {}", i + 1),
                    },
                    "members" => format!("Member {}", i + 1),
                    "holidays" => format!("Holiday {}", i + 1),
                    _ => format!("Opening {}", i + 1),
                };
                // A row is named for itself: "Category “Visas”", not
                // "Categories → Category “Visas”".
                if last == "categories" {
                    words.pop();
                }
                words.push(row);
            }
        }
        words.join(" → ")
    }

    /// Every wrong field, named by its path: `categories[1].team`,
    /// `sla.high.resolution_minutes`, `business_hours.week.monday[0]`,
    /// `auto_close_days`.
    pub fn validate(&self) -> Problems {
        let mut problems = Problems::new();
        for (i, category) in self.categories.iter().enumerate() {
            let mut found = category.validate();
            if self.categories[..i].iter().any(|c| c.key == category.key) {
                found.add("key", "another category has this key");
            }
            problems.nest(&format!("categories[{i}]"), found);
        }
        if !self.categories.iter().any(|c| c.active) {
            problems.add("categories", "at least one category must be active");
        }
        problems.nest("sla", self.sla.validate());
        problems.nest("business_hours", self.business_hours.validate());
        if !(1..=AUTO_CLOSE_DAYS_MAX).contains(&self.auto_close_days) {
            problems.add(
                "auto_close_days",
                format!("must be 1 to {AUTO_CLOSE_DAYS_MAX}"),
            );
        }
        problems
    }
}

/// The settings page's label of a setting's name (`plugin.toml`'s titles).
fn label_of(name: &str) -> &str {
    match name {
        "categories" => "Categories",
        "key" => "Key",
        "label" => "Label",
        "active" => "Takes new tickets",
        "responsible_id" => "Responsible person",
        "team" => "Team",
        "members" => "Members",
        "strategy" => "Shared by",
        "manager_id" => "Manager",
        "sla" => "SLA targets",
        "urgent" => "Urgent",
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        "first_response_minutes" => "First response",
        "resolution_minutes" => "Resolution",
        "warning" => "Warning",
        "fraction" => "Share of the target used (0 to 1)",
        "minutes_before" => "Time before the deadline",
        "business_hours" => "Business hours",
        "time_zone" => "Time zone",
        "week" => "Opening hours",
        "monday" => "Monday",
        "tuesday" => "Tuesday",
        "wednesday" => "Wednesday",
        "thursday" => "Thursday",
        "friday" => "Friday",
        "saturday" => "Saturday",
        "sunday" => "Sunday",
        "holidays" => "Holidays",
        "auto_close_days" => "Close resolved tickets after (days)",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_in_the_settings_pages_words() {
        let mut settings = Settings::default();
        settings.categories[0].label = "IT help".into();
        for (path, words) in [
            ("categories[0].team", "Category “IT help” → Team"),
            (
                "categories[2].team.members",
                "Category “Improvement suggestion” → Team → Members",
            ),
            ("categories[9].key", "Category 10 → Key"),
            ("categories", "Categories"),
            (
                "sla.high.first_response_minutes",
                "SLA targets → High → First response",
            ),
            (
                "sla.warning.minutes_before",
                "SLA targets → Warning → Time before the deadline",
            ),
            (
                "business_hours.week.monday[1]",
                "Business hours → Opening hours → Monday → Opening 2",
            ),
            ("business_hours.time_zone", "Business hours → Time zone"),
            ("auto_close_days", "Close resolved tickets after (days)"),
        ] {
            assert_eq!(settings.field_in_words(path), words, "{path}");
        }
    }

    /// Every label is the title `plugin.toml` gives the setting.
    #[test]
    fn the_words_are_the_declarations_titles() {
        let manifest = include_str!("../../plugin.toml");
        for name in [
            "categories",
            "active",
            "responsible_id",
            "team",
            "strategy",
            "manager_id",
            "urgent",
            "high",
            "medium",
            "low",
            "first_response_minutes",
            "resolution_minutes",
            "warning",
            "fraction",
            "minutes_before",
            "business_hours",
            "time_zone",
            "week",
            "monday",
            "sunday",
            "holidays",
            "auto_close_days",
        ] {
            let title = format!("title = \"{}\"", label_of(name));
            assert!(manifest.contains(&title), "{name}: {title}");
        }
    }

    fn team(members: &[&str]) -> Option<Team> {
        Some(Team {
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            strategy: Strategy::RoundRobin,
        })
    }

    #[test]
    fn defaults_follow_the_user_guide_and_are_valid() {
        let settings = Settings::default();
        assert!(settings.validate().is_empty(), "{:?}", settings.validate());
        let keys: Vec<&str> = settings.categories.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "technical_support",
                "case_support",
                "improvement_suggestion",
                "other"
            ]
        );
        assert_eq!(settings.auto_close_days, 7);
        assert_eq!(settings.business_hours.time_zone, "America/Toronto");
    }

    #[test]
    fn missing_members_take_their_defaults() {
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "categories": [{"key": "billing", "label": "Billing",
                            "team": {"members": ["u1", "u2"], "strategy": "least_open"}}],
            "auto_close_days": 3
        }))
        .expect("settings");
        let billing = settings.category("billing").expect("billing");
        assert!(billing.active);
        assert!(billing.is_agent("u2"));
        assert!(!billing.is_agent("u3"));
        assert_eq!(settings.sla, SlaTargets::default());
        assert_eq!(settings.auto_close_days, 3);
        let json = serde_json::to_value(&settings).expect("json");
        let back: Settings = serde_json::from_value(json).expect("read back");
        assert_eq!(back, settings);
    }

    #[test]
    fn validation_names_every_wrong_field() {
        let mut settings = Settings::default();
        settings.categories[0].key = "Tech Support".into();
        settings.categories[0].responsible_id = Some("u1".into());
        settings.categories[0].team = team(&["u2"]);
        settings.categories[1].team = team(&[]);
        settings.categories[2].team = team(&["u1", "u2", "u1"]);
        settings.categories[2].manager_id = Some(" ".into());
        settings.categories[3].key = "case_support".into();
        settings.categories[3].label = String::new();
        settings.sla.urgent.resolution_minutes = 0;
        settings.business_hours.week.friday[0].end = "08:00".parse().expect("time");
        settings.auto_close_days = 0;
        let problems = settings.validate();
        assert_eq!(
            problems.fields().collect::<Vec<_>>(),
            [
                "categories[0].key",
                "categories[0].team",
                "categories[1].team",
                "categories[2].manager_id",
                "categories[2].team.members",
                "categories[3].label",
                "categories[3].key",
                "sla.urgent.resolution_minutes",
                "sla.urgent.first_response_minutes",
                "business_hours.week.friday[0]",
                "auto_close_days",
            ]
        );
        assert_eq!(
            problems.get("categories[0].team"),
            Some("a category has a responsible person or a team, not both")
        );
        assert_eq!(problems.get("categories[1].team"), Some("has no members"));
        assert_eq!(
            problems.get("categories[2].team.members"),
            Some("lists u1 twice")
        );
        assert_eq!(
            problems.get("categories[3].key"),
            Some("another category has this key")
        );
    }

    #[test]
    fn some_category_must_take_tickets() {
        let mut settings = Settings::default();
        for category in &mut settings.categories {
            category.active = false;
        }
        assert_eq!(
            settings.validate().get("categories"),
            Some("at least one category must be active")
        );
    }
}
