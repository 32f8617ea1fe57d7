//! Drawing the settings form and reading it back.

use serde_json::{Value, json};

use super::labels::path_in_words;
use super::*;

fn declarations() -> Declarations {
    serde_json::from_value(json!({
        "categories": {"type": "array", "items": {"type": "object", "required": ["key"], "properties": {
            "key": {"type": "string"},
            "hours": {"type": "integer", "default": 8},
            "active": {"type": "boolean", "default": true, "title": "Takes new tickets"},
            "owner": {"type": "string", "format": "person"},
            "team": {"type": "object", "required": ["members"], "properties": {
                "members": {"type": "array", "items": {"type": "string", "format": "person"}},
                "strategy": {"type": "string", "enum": ["round_robin", "least_open"]}
            }}
        }}},
        "share": {"type": "number"},
        "hours": {"type": "object", "title": "Business hours", "properties": {
            "zone": {"type": "string", "format": "time-zone", "default": "America/Toronto"},
            "target": {"type": "integer", "format": "duration-minutes", "title": "Resolution",
                       "minimum": 1, "default": 960},
            "monday": {"type": "array", "items": {"type": "object", "title": "Opening",
                "properties": {"end": {"type": "string", "title": "Closes"}}}}
        }}
    }))
    .unwrap()
}

fn posted(pairs: &[(&str, &str)]) -> Posted {
    Posted::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn drawn(values: Value, errors: &FieldErrors) -> String {
    let people = [Person {
        id: "u1".into(),
        display_name: "Ana".into(),
        disabled: false,
    }];
    draw(
        &declarations(),
        values.as_object().unwrap(),
        &FormContext {
            errors,
            people: &people,
        },
    )
}

#[test]
fn rows_are_read_back_without_spare_and_removed_ones() {
    let form = posted(&[
        ("categories[0].key", "visa"),
        ("categories[0].hours", "12"),
        ("categories[0].active", "true"),
        ("categories[0].team.members[0]", "u1"),
        ("categories[0].team.members[1]", ""),
        ("categories[0].team.strategy", ""),
        ("categories[1].key", "old"),
        ("categories[1]._remove", "true"),
        ("categories[2].key", "work"),
        ("categories[2].hours", "eight"),
        ("categories[2].team.members[0]", ""),
        ("categories[2].team.strategy", ""),
        ("categories[3].key", ""),
        ("categories[3].active", "true"),
        ("share", "0.5"),
    ]);
    assert_eq!(
        Value::Object(read(&declarations(), &form)),
        json!({
            "categories": [
                {"key": "visa", "hours": 12, "active": true, "team": {"members": ["u1"]}},
                {"key": "work", "hours": "eight", "active": false}
            ],
            "share": 0.5
        })
    );
}

#[test]
fn durations_are_read_in_hours_and_minutes_and_kept_as_typed_when_wrong() {
    let read_target = |typed: &str| {
        let values = read(
            &declarations(),
            &posted(&[("hours.zone", "Europe/Paris"), ("hours.target", typed)]),
        );
        values["hours"]["target"].clone()
    };
    assert_eq!(read_target("8h 30m"), json!(510));
    assert_eq!(read_target("16h"), json!(960));
    assert_eq!(
        read_target("8"),
        json!("8"),
        "hours or minutes? kept as typed"
    );
    assert_eq!(read_target("soon"), json!("soon"));
    let values = read(&declarations(), &posted(&[("hours.zone", "Europe/Paris")]));
    assert_eq!(
        values["hours"],
        json!({"zone": "Europe/Paris", "monday": []})
    );
}

#[test]
fn the_form_shows_values_rows_and_mistakes() {
    let values = json!({"categories": [{"key": "a<b", "hours": "eight", "active": false}]});
    let errors = FieldErrors::from([(
        "categories[0].hours".to_string(),
        "must be a whole number".to_string(),
    )]);
    let html = drawn(values, &errors);
    assert!(
        html.contains("name=\"categories[0].key\" value=\"a&lt;b\""),
        "{html}"
    );
    assert!(html.contains("name=\"categories[0].hours\" value=\"eight\" inputmode=\"numeric\" placeholder=\"8\" aria-invalid=\"true\""), "{html}");
    assert!(html.contains("must be a whole number"), "{html}");
    // Rows are numbered, and their boxes say which row they remove.
    assert!(html.contains("<legend>Category 1</legend>"), "{html}");
    assert!(
        html.contains(
            "name=\"categories[0]._remove\" value=\"true\"> <span>Remove category 1</span>"
        ),
        "{html}"
    );
    // The spare row to add one, with no "Remove" box.
    assert!(
        html.contains("name=\"categories[1].key\" value=\"\""),
        "{html}"
    );
    assert!(!html.contains("name=\"categories[1]._remove\""), "{html}");
    assert!(html.contains("<option value=\"u1\">Ana</option>"), "{html}");
    assert!(html.contains("New category: fill in to add"), "{html}");
    // A box with its words beside it, in the label that holds both.
    assert!(
        html.contains("<label class=\"check\"><input type=\"checkbox\" id=\"s-categories[0].active\" name=\"categories[0].active\" value=\"true\"> <span>Takes new tickets</span></label>"),
        "{html}"
    );
}

#[test]
fn durations_show_in_hours_and_minutes() {
    let html = drawn(json!({"hours": {"target": 510}}), &FieldErrors::new());
    assert!(
        html.contains(
            "name=\"hours.target\" value=\"8h 30m\" class=\"duration\" placeholder=\"16h\">"
        ),
        "{html}"
    );
    // Said once, for the group that holds the durations.
    assert_eq!(
        html.matches("In hours and minutes, like 8h 30m.").count(),
        1,
        "{html}"
    );
    assert!(
        html.contains(
            "<legend>Business hours</legend><p class=\"hint\">In hours and minutes, like 8h 30m.</p>"
        ),
        "{html}"
    );
    let errors = FieldErrors::from([("hours.target".to_string(), "write …".to_string())]);
    let html = drawn(json!({"hours": {"target": "8 and a bit"}}), &errors);
    assert!(
        html.contains("name=\"hours.target\" value=\"8 and a bit\""),
        "as typed: {html}"
    );
}

#[test]
fn time_zones_are_picked_from_canadas_first_then_every_zone() {
    let select = |zone: &str| {
        let html = drawn(json!({"hours": {"zone": zone}}), &FieldErrors::new());
        let start = html.find("<select id=\"s-hours.zone\"").expect("a select");
        let end = start + html[start..].find("</select>").expect("closed");
        html[start..end].to_string()
    };
    let toronto = select("America/Toronto");
    assert_eq!(toronto.matches(" selected").count(), 1, "chosen once");
    assert!(toronto.contains(
        "<option value=\"America/Toronto\" selected>Eastern: Toronto, Ottawa, Montréal (America/Toronto)</option>"
    ));
    let common = toronto.find("America/Vancouver").unwrap();
    let every = toronto.find("Every time zone").unwrap();
    assert!(common < every, "Canada's zones first");
    assert!(toronto.contains("<option value=\"Europe/Paris\">Europe/Paris</option>"));
    assert!(toronto.contains(
        "<option value=\"America/Argentina/Buenos_Aires\">America/Argentina/Buenos Aires</option>"
    ));
    for alias in ["Canada/Eastern", "America/Montreal", "US/Pacific"] {
        assert!(!toronto.contains(&format!("\"{alias}\"")), "{alias}");
    }
    assert!(
        !toronto.contains("value=\"\""),
        "a default: no empty choice"
    );
    let paris = select("Europe/Paris");
    assert!(paris.contains("<option value=\"Europe/Paris\" selected>"));
    assert_eq!(paris.matches(" selected").count(), 1);
    // A zone saved before that the list does not offer stays chosen.
    let montreal = select("America/Montreal");
    assert!(montreal.contains(
        "<option value=\"America/Montreal\" selected>America/Montreal (as saved)</option>"
    ));
    assert_eq!(montreal.matches(" selected").count(), 1);
}

#[test]
fn mistakes_name_their_fields_by_the_pages_labels() {
    let d = declarations();
    assert_eq!(
        path_in_words(&d, "hours.monday[0].end"),
        "Business hours → Monday → Opening 1 → Closes"
    );
    assert_eq!(
        path_in_words(&d, "categories[2].team.members[0]"),
        "Categories → Category 3 → Team → Members → Member 1"
    );
    assert_eq!(path_in_words(&d, "share"), "Share");
    assert_eq!(
        path_in_words(&d, "categories[1].colour"),
        "Categories → Category 2 → colour"
    );
    assert_eq!(path_in_words(&d, "theme"), "theme");
    let errors = FieldErrors::from([
        ("hours.target".to_string(), "at least 1m".to_string()),
        ("categories[0].hours".to_string(), "at least 1".to_string()),
    ]);
    let html = summary(&d, &errors);
    assert!(
        html.contains(
            "<li><a href=\"#s-hours.target\">Business hours → Resolution: at least 1m</a></li>"
        ),
        "{html}"
    );
    assert!(
        html.contains(
            "<a href=\"#s-categories[0].hours\">Categories → Category 1 → Hours: at least 1</a>"
        ),
        "{html}"
    );
    assert!(html.contains("2 settings need fixing"), "{html}");
    assert_eq!(summary(&d, &FieldErrors::new()), "");
}
