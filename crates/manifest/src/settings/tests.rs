//! Tests of nested setting declarations and of checking values against them.

use serde_json::json;

use super::*;
use crate::Manifest;

const DESK: &str = r#"
id = "desk"
name = "Desk"
version = "0.1.0"
host-api = "^0.1"
settings-permission = "desk.manage"

[[permissions]]
name = "desk.manage"

[earlier-settings]
collection = "config"
id = "settings"

[settings.welcome]
type = "string"
default = "Hello"
max-length = 20

[settings.categories]
type = "array"
title = "Categories"
min-items = 1
max-items = 10
default = [{ key = "general", label = "General" }]

[settings.categories.items]
type = "object"
required = ["key", "label"]

[settings.categories.items.properties.key]
type = "string"
pattern = "^[a-z_]{1,20}$"

[settings.categories.items.properties.label]
type = "string"
min-length = 1

[settings.categories.items.properties.sla_hours]
type = "integer"
minimum = 1
maximum = 1000
default = 8

[settings.categories.items.properties.active]
type = "boolean"
default = true

[settings.categories.items.properties.owner]
type = "string"
format = "person"

[settings.categories.items.properties.team]
type = "object"
required = ["members"]

[settings.categories.items.properties.team.properties.members]
type = "array"
items = { type = "string", format = "person" }

[settings.categories.items.properties.team.properties.strategy]
type = "string"
enum = ["round_robin", "least_open"]
default = "round_robin"

[settings.hours]
type = "object"

[settings.hours.properties.zone]
type = "string"
default = "America/Toronto"

[settings.hours.properties.share]
type = "number"
minimum = 0
maximum = 1
default = 0.8
"#;

fn desk() -> Manifest {
    Manifest::parse(DESK).unwrap()
}

fn values(v: serde_json::Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn nested_declarations_keep_their_order_and_defaults() {
    let m = desk();
    let names: Vec<&str> = m.settings.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["welcome", "categories", "hours"]);
    let item = m
        .settings
        .get("categories")
        .unwrap()
        .items
        .as_ref()
        .unwrap();
    let members: Vec<&str> = item.properties.iter().map(|(n, _)| n).collect();
    assert_eq!(
        members,
        ["key", "label", "sla_hours", "active", "owner", "team"]
    );
    assert_eq!(m.settings_permission.as_deref(), Some("desk.manage"));
    assert_eq!(m.earlier_settings.as_ref().unwrap().collection, "config");
    // An object without a default is made of its members' defaults.
    assert_eq!(
        Value::Object(m.default_settings()),
        json!({
            "welcome": "Hello",
            "categories": [{"key": "general", "label": "General"}],
            "hours": {"zone": "America/Toronto", "share": 0.8}
        })
    );
}

#[test]
fn defaults_are_filled_in_at_every_depth() {
    let m = desk();
    let checked = check(&m.settings, &Map::new()).unwrap();
    assert_eq!(
        checked.values["categories"],
        json!([{"key": "general", "label": "General", "sla_hours": 8, "active": true}])
    );
    let checked = check(
        &m.settings,
        &values(json!({
            "categories": [{"key": "visa", "label": "Visas", "owner": null,
                            "team": {"members": ["u1", "u2"]}}],
            "hours": {"zone": "Europe/Paris"}
        })),
    )
    .unwrap();
    assert_eq!(
        checked.values["categories"][0],
        json!({"key": "visa", "label": "Visas", "sla_hours": 8, "active": true,
               "team": {"members": ["u1", "u2"], "strategy": "round_robin"}})
    );
    assert_eq!(
        checked.values["hours"],
        json!({"zone": "Europe/Paris", "share": 0.8})
    );
    assert_eq!(checked.values["welcome"], "Hello");
}

#[test]
fn mistakes_are_named_by_their_path() {
    let m = desk();
    let mistakes = check(
        &m.settings,
        &values(json!({
            "welcome": 3,
            "categories": [
                {"key": "a", "label": "A"},
                {"key": "b", "label": "B"},
                {"key": "Not A Key", "label": "", "sla_hours": 0, "colour": "red",
                 "team": {"strategy": "loudest"}},
                {"label": "D", "sla_hours": 2.5, "active": "yes"}
            ],
            "hours": {"share": 1.5},
            "unknown": true
        })),
    )
    .unwrap_err();
    let said: Vec<String> = mistakes.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "welcome: must be a string",
            "categories[2].key: must match ^[a-z_]{1,20}$",
            "categories[2].label: required",
            "categories[2].sla_hours: at least 1",
            "categories[2].team.members: required",
            "categories[2].team.strategy: one of round_robin, least_open",
            "categories[2].colour: no such setting",
            "categories[3].key: required",
            "categories[3].sla_hours: must be a whole number",
            "categories[3].active: must be true or false",
            "hours.share: at most 1",
            "unknown: no such setting",
        ]
    );
}

#[test]
fn lists_are_counted() {
    let m = desk();
    let none = check(&m.settings, &values(json!({"categories": []}))).unwrap_err();
    assert_eq!(none[0].to_string(), "categories: at least 1 entries");
    let many: Vec<Value> = (0..11).map(|_| json!({"key": "k", "label": "L"})).collect();
    let too_many = check(&m.settings, &values(json!({ "categories": many }))).unwrap_err();
    assert_eq!(too_many[0].to_string(), "categories: at most 10 entries");
    let not_a_list = check(&m.settings, &values(json!({"categories": {"key": "k"}}))).unwrap_err();
    assert_eq!(not_a_list[0].to_string(), "categories: must be a list");
}

#[test]
fn people_named_come_back_with_their_paths() {
    let m = desk();
    let checked = check(
        &m.settings,
        &values(json!({
            "categories": [
                {"key": "a", "label": "A", "owner": "u-ana"},
                {"key": "b", "label": "B", "team": {"members": ["u-bo", "u-cy"]}}
            ]
        })),
    )
    .unwrap();
    let people: Vec<(&str, &str)> = checked
        .people
        .iter()
        .map(|p| (p.path.as_str(), p.id.as_str()))
        .collect();
    assert_eq!(
        people,
        [
            ("categories[0].owner", "u-ana"),
            ("categories[1].team.members[0]", "u-bo"),
            ("categories[1].team.members[1]", "u-cy"),
        ]
    );
}

#[test]
fn flat_settings_keep_working() {
    let m = Manifest::parse(
        r#"
id = "flat"
name = "Flat"
version = "0.1.0"
host-api = "^0.1"

[settings.days]
type = "integer"
default = 7
min = 1
max = 365

[settings.colour]
type = "string"
default = "blue"
choices = ["blue", "green"]
"#,
    )
    .unwrap();
    assert_eq!(
        Value::Object(m.default_settings()),
        json!({"days": 7, "colour": "blue"})
    );
    let wrong = check(&m.settings, &values(json!({"days": 0, "colour": "red"}))).unwrap_err();
    let said: Vec<String> = wrong.iter().map(ToString::to_string).collect();
    assert_eq!(said, ["days: at least 1", "colour: one of blue, green"]);
    let saved = check(&m.settings, &values(json!({"days": 30}))).unwrap();
    assert_eq!(
        Value::Object(saved.values),
        json!({"days": 30, "colour": "blue"})
    );
}

#[test]
fn wrong_declarations_refuse_the_module_naming_the_setting() {
    let cases = [
        (
            DESK.replace("pattern = \"^[a-z_]{1,20}$\"", "pattern = \"([a-z\""),
            "settings.categories.items.properties.key.pattern",
        ),
        (
            DESK.replace("max-items = 10", "max-items = 0"),
            "settings.categories",
        ),
        (
            DESK.replace("default = 8", "default = 0"),
            "settings.categories.items.properties.sla_hours.default",
        ),
        (
            DESK.replace(
                "default = [{ key = \"general\", label = \"General\" }]",
                "default = [{ key = \"general\" }]",
            ),
            "settings.categories.default",
        ),
        (
            DESK.replace("required = [\"members\"]", "required = [\"people\"]"),
            "settings.categories.items.properties.team.required",
        ),
        (
            DESK.replace("items = { type = \"string\", format = \"person\" }", ""),
            "settings.categories.items.properties.team.properties.members",
        ),
        (
            DESK.replace(
                "type = \"number\"\nminimum = 0",
                "type = \"string\"\nminimum = 0",
            ),
            "settings.hours.properties.share.minimum",
        ),
        (
            DESK.replace(
                "settings-permission = \"desk.manage\"",
                "settings-permission = \"desk.other\"",
            ),
            "settings-permission",
        ),
        (
            DESK.replace("id = \"settings\"", "id = \"a b\""),
            "earlier-settings.id",
        ),
        (
            DESK.replace("settings.hours", "settings.Hours"),
            "settings.Hours",
        ),
    ];
    for (text, field) in cases {
        let err = Manifest::parse(&text).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
    let said = Manifest::parse(&DESK.replace("default = 8", "default = 0"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        said,
        "plugin.toml: settings.categories.items.properties.sla_hours.default: at least 1"
    );
}

#[test]
fn declarations_read_back_as_json() {
    let m = desk();
    let json = serde_json::to_value(&m.settings).unwrap();
    assert_eq!(json["categories"]["type"], "array");
    assert_eq!(json["categories"]["min-items"], 1);
    assert_eq!(
        json["categories"]["items"]["properties"]["team"]["properties"]["strategy"]["enum"],
        json!(["round_robin", "least_open"])
    );
    assert!(json["welcome"].get("minimum").is_none());
}

/// The bundled helpdesk declares the largest settings of any module: they
/// parse, and a document its earlier version saved follows them.
#[test]
fn the_helpdesks_settings_take_its_earlier_document() {
    let m = Manifest::parse(include_str!("../../../../plugins/helpdesk/plugin.toml")).unwrap();
    let defaults = check(&m.settings, &Map::new()).unwrap().values;
    assert_eq!(defaults["categories"].as_array().unwrap().len(), 4);
    assert_eq!(defaults["sla"]["high"]["resolution_minutes"], 960);
    assert_eq!(
        defaults["business_hours"]["week"]["monday"][0]["start"],
        "09:00"
    );
    let earlier = values(json!({
        "categories": [
            {"key": "technical_support", "label": "Tech", "active": true,
             "responsible_id": "u-ana", "team": null, "manager_id": null},
            {"key": "case_support", "label": "Cases", "active": false, "responsible_id": null,
             "team": {"members": ["u-bo"], "strategy": "least_open"}, "manager_id": "u-lee"}
        ],
        "sla": {
            "urgent": {"first_response_minutes": 30, "resolution_minutes": 240},
            "high": {"first_response_minutes": 240, "resolution_minutes": 960},
            "medium": {"first_response_minutes": 480, "resolution_minutes": 2400},
            "low": {"first_response_minutes": 960, "resolution_minutes": 4800},
            "warning": {"minutes_before": 15}
        },
        "business_hours": {"time_zone": "Europe/Paris", "week": {
            "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
            "tuesday": [], "wednesday": [], "thursday": [], "friday": [], "saturday": [], "sunday": []},
            "holidays": ["2026-12-25"]},
        "auto_close_days": 3
    }));
    let checked = check(&m.settings, &earlier).unwrap();
    assert_eq!(
        checked.values["sla"]["warning"],
        json!({"minutes_before": 15})
    );
    assert_eq!(checked.people.len(), 3);
}

const FORMATS: &str = r#"
id = "clock"
name = "Clock"
version = "0.1.0"
host-api = "^0.1"

[settings.zone]
type = "string"
format = "time-zone"
default = "America/Toronto"

[settings.target]
type = "integer"
format = "duration-minutes"
minimum = 1
maximum = 124800
default = 480
"#;

#[test]
fn time_zones_and_durations_are_checked_in_their_own_words() {
    let m = Manifest::parse(FORMATS).unwrap();
    let zone = m.settings.get("zone").unwrap();
    assert!(zone.is_time_zone() && !zone.is_duration());
    assert!(m.settings.get("target").unwrap().is_duration());
    // Aliases a practice saved before still read.
    for ok in ["Europe/Paris", "UTC", "America/Montreal", "Canada/Eastern"] {
        let checked = check(&m.settings, &values(json!({ "zone": ok, "target": 90 })));
        assert_eq!(checked.unwrap().values["zone"], ok);
    }
    let wrong = check(
        &m.settings,
        &values(json!({ "zone": "Toronto time", "target": 0 })),
    )
    .unwrap_err();
    let said: Vec<String> = wrong.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "zone: \"Toronto time\" is not a time zone: choose one such as America/Toronto",
            "target: at least 1m",
        ]
    );
    let said = |target: Value| {
        check(&m.settings, &values(json!({ "target": target })))
            .unwrap_err()
            .remove(0)
            .to_string()
    };
    assert_eq!(said(json!(124_801)), "target: at most 2080h");
    assert_eq!(
        said(json!("eight")),
        "target: write hours and minutes, like 8h 30m, 16h or 45m"
    );
    assert_eq!(
        said(json!("8")),
        "target: say whether 8 is hours or minutes: 8h or 8m"
    );
    assert_eq!(
        said(json!("8h")),
        "target: must be a whole number of minutes"
    );
    assert_eq!(
        serde_json::to_value(&m.settings).unwrap()["target"]["format"],
        "duration-minutes"
    );
}

#[test]
fn formats_belong_to_their_types() {
    let cases = [
        (
            FORMATS.replace("type = \"string\"\nformat", "type = \"integer\"\nformat"),
            "settings.zone.format",
        ),
        (
            FORMATS.replace(
                "type = \"integer\"\nformat = \"duration-minutes\"",
                "type = \"number\"\nformat = \"duration-minutes\"",
            ),
            "settings.target.format",
        ),
        (
            FORMATS.replace("default = \"America/Toronto\"", "default = \"Toronto\""),
            "settings.zone.default",
        ),
    ];
    for (text, field) in cases {
        let err = Manifest::parse(&text).unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
    assert!(Manifest::parse(&FORMATS.replace("time-zone", "timezone")).is_err());
}
