//! Tests of `plugin.toml` parsing and checking.

use super::*;

const NOTES: &str = r#"
id = "notes"
name = "Notes"
version = "0.1.0"
host-api = "^0.1"
description = "Notes"

[capabilities]
store = ["notes"]
events = { emit = ["notes.*"], subscribe = ["case.closed"] }
schedule = true
mail = true
actions = ["helpdesk.create-ticket"]

[indexes]
notes = ["subject"]

[[permissions]]
name = "notes.manage_all"

[[nav]]
label = "Notes"
path = "/"

[settings.days]
type = "integer"
default = 7
min = 1
max = 365

[limits]
memory-mb = 32
"#;

#[test]
fn reads_a_full_manifest() {
    let m = Manifest::parse(NOTES).unwrap();
    assert_eq!(m.id, "notes");
    assert_eq!(m.limits.memory_mb, 32);
    assert_eq!(m.limits.timeout_ms, 2000);
    assert!(m.check_host_api().is_ok());
    assert!(m.may_emit("notes.created"));
    assert!(m.may_call("helpdesk", "create-ticket"));
    assert!(!m.may_call("helpdesk", "reply"));
    assert!(!m.may_call("calendar", "create-ticket"));
    assert!(!m.may_emit("cases.created"));
    assert!(m.subscribes_to("case.closed"));
    assert_eq!(
        m.allowed_interfaces(),
        [
            "types", "log", "settings", "practice", "store", "events", "schedule", "mail",
            "actions"
        ]
    );
    assert_eq!(m.default_settings()["days"], 7);
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (NOTES.replace("id = \"notes\"", "id = \"Notes!\""), "id"),
        (
            NOTES.replace("version = \"0.1.0\"", "version = \"one\""),
            "version",
        ),
        (
            NOTES.replace("host-api = \"^0.1\"", "host-api = \"soon\""),
            "host-api",
        ),
        (
            NOTES.replace("notes = [\"subject\"]", "other = [\"subject\"]"),
            "indexes.other",
        ),
        (
            NOTES.replace(
                "notes = [\"subject\"]",
                "notes = [\"subject\", \"subject\"]",
            ),
            "indexes.notes",
        ),
        (
            NOTES.replace("emit = [\"notes.*\"]", "emit = [\"*\"]"),
            "capabilities.events.emit",
        ),
        (
            NOTES.replace("memory-mb = 32", "memory-mb = 0"),
            "limits.memory-mb",
        ),
        (
            NOTES.replace("[\"helpdesk.create-ticket\"]", "[\"helpdesk\"]"),
            "capabilities.actions",
        ),
        (
            NOTES.replace("memory-mb = 32", "memory-mb = 32\nrequest-mb = 17"),
            "limits.request-mb",
        ),
        (
            NOTES.replace("default = 7", "default = \"seven\""),
            "settings.days.default",
        ),
        (
            NOTES.replace("name = \"notes.manage_all\"", "name = \"other.thing\""),
            "permissions",
        ),
        (format!("{NOTES}\nunknown = 1"), "line"),
    ];
    for (text, field) in cases {
        let err = Manifest::parse(&text).unwrap_err();
        assert!(err.field.starts_with(field), "{field}: {err}");
    }
}

#[test]
fn incompatible_host_api_names_both_versions() {
    let m = Manifest::parse(&NOTES.replace("^0.1", "^0.3")).unwrap();
    let err = m.check_host_api().unwrap_err().to_string();
    assert!(
        err.ends_with("needs host API ^0.3 but this server provides 0.1.2 and 0.2.4"),
        "{err}"
    );
}

#[test]
fn every_served_contract_is_accepted() {
    for wanted in [
        "^0.1",
        "^0.1.2",
        "^0.2",
        "^0.2.1",
        "=0.2.4",
        "^0.2.3",
        ">=0.1, <0.3",
    ] {
        let m = Manifest::parse(&NOTES.replace("\"^0.1\"", &format!("{wanted:?}"))).unwrap();
        assert!(m.check_host_api().is_ok(), "{wanted}");
    }
    assert_eq!(SERVED_HOST_APIS.last(), Some(&HOST_API));
    assert_eq!(
        serving_contract(&semver::Version::new(0, 1, 2)),
        Some(&SERVED_HOST_APIS[0])
    );
    assert_eq!(
        serving_contract(&semver::Version::new(0, 1, 3)),
        None,
        "newer than served"
    );
    assert_eq!(serving_contract(&semver::Version::new(1, 0, 0)), None);
}

#[test]
fn settings_are_checked_against_their_declaration() {
    let m = Manifest::parse(NOTES).unwrap();
    let days = m.settings.get("days").unwrap();
    assert!(check_setting(days, &serde_json::json!(30)).is_ok());
    assert_eq!(
        check_setting(days, &serde_json::json!(0))
            .unwrap_err()
            .to_string(),
        "at least 1"
    );
    assert_eq!(
        check_setting(days, &serde_json::json!(2.5))
            .unwrap_err()
            .to_string(),
        "must be a whole number"
    );
}

#[test]
fn event_patterns() {
    assert!(event_matches("notes.*", "notes.created"));
    assert!(!event_matches("notes.*", "notesx.created"));
    assert!(event_matches("case.closed", "case.closed"));
}

#[test]
fn record_tabs_name_their_record_and_hold_the_id() {
    let with = |tab: &str| format!("{NOTES}\n[[tabs]]\n{tab}\n");
    let m = Manifest::parse(&with(
        "record = \"case\"\nlabel = \"Notes\"\npath = \"/?subject=case:{id}\"",
    ))
    .unwrap();
    assert_eq!(m.tabs[0].path_for("c1"), "/?subject=case:c1");
    for wrong in [
        "record = \"ticket\"\nlabel = \"Notes\"\npath = \"/{id}\"",
        "record = \"case\"\nlabel = \"\"\npath = \"/{id}\"",
        "record = \"case\"\nlabel = \"Notes\"\npath = \"/notes\"",
        "record = \"case\"\nlabel = \"Notes\"\npath = \"/../{id}\"",
    ] {
        let err = Manifest::parse(&with(wrong)).unwrap_err();
        assert_eq!(err.field, "tabs", "{wrong}: {err}");
    }
}

#[test]
fn a_module_shows_one_tab_per_kind_of_record() {
    let tab = |record: &str| {
        format!("[[tabs]]\nrecord = \"{record}\"\nlabel = \"Notes\"\npath = \"/?s={{id}}\"\n")
    };
    let both = format!("{NOTES}\n{}{}", tab("case"), tab("applicant"));
    assert_eq!(Manifest::parse(&both).unwrap().tabs.len(), 2);
    let twice = format!("{NOTES}\n{}{}", tab("case"), tab("case"));
    let err = Manifest::parse(&twice).unwrap_err();
    assert_eq!(err.field, "tabs");
    assert!(err.reason.contains("one tab on a case's page"), "{err}");
}

#[test]
fn dashboard_panels_have_a_title_and_a_path() {
    let with = |panels: &str| format!("{NOTES}\n{panels}");
    let panel =
        |title: &str, path: &str| format!("[[panels]]\ntitle = \"{title}\"\npath = \"{path}\"\n");
    let m = Manifest::parse(&with(&panel("My notes", "/panel"))).unwrap();
    assert_eq!(m.panels[0].title, "My notes");
    assert_eq!(m.panels[0].path, "/panel");
    for wrong in [
        panel("", "/panel"),
        panel(&"x".repeat(61), "/panel"),
        panel("Mine", "panel"),
        panel("Mine", "/../admin"),
        panel("Mine", "/a b"),
        [
            panel("1", "/1"),
            panel("2", "/2"),
            panel("3", "/3"),
            panel("4", "/4"),
            panel("5", "/5"),
        ]
        .concat(),
    ] {
        let err = Manifest::parse(&with(&wrong)).unwrap_err();
        assert_eq!(err.field, "panels", "{wrong}: {err}");
    }
}

/// NOTES with top-level `lines` (before its tables).
fn notes_with(lines: &str) -> String {
    NOTES.replacen(
        "description = \"Notes\"",
        &format!("description = \"Notes\"\n{lines}"),
        1,
    )
}

#[test]
fn public_prefixes_are_folders_below_the_mount() {
    let m = Manifest::parse(&notes_with(r#"public = ["/feeds/", "/shared/ics/"]"#)).unwrap();
    assert_eq!(m.public, ["/feeds/", "/shared/ics/"]);
    assert!(m.is_public("/shared/ics/abc.ics"));
    assert!(!m.is_public("/shared/other"));
    assert!(!m.is_public("/feeds/./x"));
    assert!(Manifest::parse(NOTES).unwrap().public.is_empty());
    let eleven: Vec<String> = (0..11).map(|i| format!("\"/f{i}/\"")).collect();
    for wrong in [
        r#"public = ["/feeds"]"#.to_string(),
        r#"public = ["feeds/"]"#.to_string(),
        r#"public = ["/"]"#.to_string(),
        r#"public = ["/a//b/"]"#.to_string(),
        r#"public = ["/../admin/"]"#.to_string(),
        r#"public = ["/a b/"]"#.to_string(),
        r#"public = ["/feeds/?x/"]"#.to_string(),
        format!("public = [{}]", eleven.join(", ")),
    ] {
        let err = Manifest::parse(&notes_with(&wrong)).unwrap_err();
        assert_eq!(err.field, "public", "{wrong}: {err}");
    }
}

#[test]
fn dav_mounts_are_simple_names_apart_from_the_files_tree() {
    let m = Manifest::parse(&notes_with(r#"dav = ["calendars", "address-books"]"#)).unwrap();
    assert!(m.serves_dav("calendars"));
    assert!(!m.serves_dav("Calendars"));
    assert!(!m.serves_dav("files"));
    for (wrong, says) in [
        (r#"dav = ["Calendars"]"#, "not a mount name"),
        (r#"dav = ["cal/dav"]"#, "not a mount name"),
        (r#"dav = [""]"#, "not a mount name"),
        (r#"dav = ["cases"]"#, "files' WebDAV tree"),
        (r#"dav = ["applicants"]"#, "files' WebDAV tree"),
        (r#"dav = ["calendars", "calendars"]"#, "listed twice"),
        (r#"dav = ["a", "b", "c", "d", "e"]"#, "at most 4"),
    ] {
        let err = Manifest::parse(&notes_with(wrong)).unwrap_err();
        assert_eq!(err.field, "dav", "{wrong}: {err}");
        assert!(err.reason.contains(says), "{wrong}: {err}");
    }
}

#[test]
fn dependencies_on_other_modules_are_read_and_checked() {
    let with = |deps: &str| Manifest::parse(&format!("{NOTES}\n[dependencies]\n{deps}\n"));
    let m = with("helpdesk = \"^1.2\"").unwrap();
    assert_eq!(m.dependencies["helpdesk"].to_string(), "^1.2");
    assert!(Manifest::parse(NOTES).unwrap().dependencies.is_empty());
    let e = with("helpdesk = \"one\"").unwrap_err();
    assert_eq!(e.field, "dependencies.helpdesk");
    assert!(e.reason.contains("not a semver requirement"), "{e}");
    let e = with("notes = \"^1\"").unwrap_err();
    assert_eq!(
        e.to_string(),
        "plugin.toml: dependencies.notes: a module does not depend on itself"
    );
    let e = with("Help_Desk = \"^1\"").unwrap_err();
    assert_eq!(e.field, "dependencies.Help_Desk");
}

#[test]
fn what_a_module_asks_for_is_said_in_words() {
    let m = Manifest::parse(NOTES).unwrap();
    assert_eq!(
        m.asks_for(),
        [
            "Keeps its own data (notes)",
            "Announces events (notes.*)",
            "Reacts to events (case.closed)",
            "Sets timers and reminders",
            "Sends email",
            "Calls actions of other modules (helpdesk.create-ticket)",
        ]
    );
}
