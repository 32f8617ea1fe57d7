//! Nested module settings through the host's API (the helpdesk declares
//! categories with teams, SLA targets and business hours): defaults, a
//! mistake named by its path, unknown names, people of the practice, a
//! round trip read back through the module, and the carry-over of the
//! settings document the helpdesk kept in its own store before 1.0.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{API, SETTINGS, boss, staff};
use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    nested_settings_are_checked_and_filled_in,
    earlier_settings_are_carried_over_once,
);

async fn nested_settings_are_checked_and_filled_in(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, ana) = staff(&server, &admin, "ana@example.com").await;
    let boss = boss(&server, &admin).await;

    // Nothing saved: every default, and the declarations to draw a form.
    let current = boss.get(SETTINGS).await.expect_status(200).body;
    let v0 = current["version"].as_i64().unwrap();
    let values = &current["values"];
    assert_eq!(values["categories"].as_array().unwrap().len(), 4);
    assert_eq!(values["categories"][0]["active"], true);
    assert_eq!(values["sla"]["urgent"]["first_response_minutes"], 60);
    assert_eq!(values["sla"]["warning"], json!({ "fraction": 0.8 }));
    assert_eq!(
        values["business_hours"]["week"]["monday"][0]["end"],
        "17:00"
    );
    let declared = &current["declarations"]["categories"];
    assert_eq!(declared["type"], "array");
    assert_eq!(
        declared["items"]["properties"]["team"]["properties"]["strategy"]["enum"],
        json!(["round_robin", "least_open"])
    );

    // Mistakes are named by their paths; nothing is saved.
    let put = |values: Value, version: i64| {
        let boss = boss.clone();
        async move {
            boss.put(SETTINGS, json!({ "values": values, "version": version }))
                .await
        }
    };
    let wrong = json!({
        "categories": [
            {"key": "visa", "label": "Visas"},
            {"key": "work", "label": "Work", "responsible_id": "nobody-here"},
            {"key": "Study Permits", "label": "Study", "colour": "red",
             "team": {"members": [ana], "strategy": "loudest"}}
        ],
        "sla": {"high": {"resolution_minutes": 0}},
        "business_hours": {"time_zone": "Toronto time"},
        "auto_close_days": 7.5,
        "theme": "dark"
    });
    let refused = put(wrong, v0).await.expect_status(422);
    let fields = &refused.body["error"]["fields"];
    assert_eq!(
        fields["categories[2].key"], "must match ^[a-z0-9_]{1,40}$",
        "{}",
        refused.text
    );
    assert_eq!(fields["categories[2].colour"], "no such setting");
    assert_eq!(
        fields["categories[2].team.strategy"],
        "one of round_robin, least_open"
    );
    // A duration's bound is said in hours and minutes.
    assert_eq!(fields["sla.high.resolution_minutes"], "at least 1m");
    assert_eq!(
        fields["business_hours.time_zone"],
        "\"Toronto time\" is not a time zone: choose one such as America/Toronto"
    );
    assert_eq!(fields["auto_close_days"], "must be a whole number");
    assert_eq!(fields["theme"], "no such setting");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sla.high.resolution_minutes: at least 1")
    );
    // People are looked up once the rest is right.
    let stranger = json!({
        "categories": [{"key": "work", "label": "Work", "responsible_id": "nobody-here"}]
    });
    let refused = put(stranger, v0).await.expect_status(422);
    assert_eq!(
        refused.body["error"]["fields"]["categories[0].responsible_id"],
        "\"nobody-here\" is not a person of this practice"
    );
    assert_eq!(
        boss.get(SETTINGS).await.expect_status(200).body["version"],
        v0
    );

    // A round trip: what is saved comes back with its defaults filled in,
    // through the API and through the module.
    let mine = json!({
        "categories": [
            {"key": "visa", "label": "Visas", "responsible_id": ana},
            {"key": "work", "label": "Work", "active": false,
             "team": {"members": [ana]}}
        ],
        "auto_close_days": 3
    });
    let saved = put(mine, v0).await.expect_status(200).body;
    assert_eq!(saved["version"], v0 + 1);
    let categories = &saved["values"]["categories"];
    assert_eq!(categories[0]["active"], true);
    assert_eq!(categories[1]["team"]["strategy"], "round_robin");
    assert_eq!(saved["values"]["sla"]["low"]["resolution_minutes"], 4800);
    let read = boss
        .get(&format!("{API}/settings"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(read["auto_close_days"], 3);
    assert_eq!(read["categories"][0]["responsible_id"], json!(ana));
    assert_eq!(read["categories"][1]["active"], false);
    assert_eq!(read["categories"][1]["team"]["members"], json!([ana]));
    assert_eq!(read["business_hours"]["time_zone"], "America/Toronto");
    // The module files tickets by them at once.
    let filed = boss
        .post(
            &format!("{API}/tickets"),
            json!({"subject": "Visa question", "description": "Which form?",
                   "category": "visa", "priority": "low"}),
        )
        .await
        .expect_status(201);
    assert_eq!(filed.body["assignee_id"], json!(ana));
    // A stale version is refused; the change is in the audit log.
    put(json!({ "auto_close_days": 4 }), v0)
        .await
        .expect_status(409);
    let audit = admin
        .get("/api/v1/audit?action=module.settings_changed")
        .await
        .expect_status(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);

    // Rules across fields are the helpdesk's: the host asks it before
    // saving (its settings check), and names the field it refuses.
    let both = json!({
        "categories": [{"key": "visa", "label": "Visas", "responsible_id": ana,
                        "team": {"members": [ana]}}]
    });
    let refused = put(both, v0 + 1).await.expect_status(422);
    assert_eq!(
        refused.body["error"]["fields"]["categories[0].team"],
        "a category has a responsible person or a team, not both"
    );
    assert_eq!(
        boss.get(SETTINGS).await.expect_status(200).body["version"],
        v0 + 1,
        "nothing saved"
    );
    server.stop().await;
}

/// The settings document as the helpdesk stored it before its settings
/// moved to the host: its `Settings` written whole, `null` for no one.
fn earlier_document(ana: &str, bo: &str) -> Value {
    let target = |first: i64, resolution: i64| json!({"first_response_minutes": first, "resolution_minutes": resolution});
    json!({
        "categories": [
            {"key": "technical_support", "label": "IT help", "active": true,
             "responsible_id": ana, "team": null, "manager_id": null},
            {"key": "case_support", "label": "Case support", "active": true,
             "responsible_id": null,
             "team": {"members": [ana, bo], "strategy": "least_open"}, "manager_id": bo},
            {"key": "complaints", "label": "Complaints", "active": false,
             "responsible_id": null, "team": null, "manager_id": null}
        ],
        "sla": {"urgent": target(30, 240), "high": target(240, 960),
                "medium": target(480, 2400), "low": target(960, 4800),
                "warning": {"minutes_before": 20}},
        "business_hours": {"time_zone": "America/Vancouver", "week": {
            "monday": [{"start": "08:30", "end": "16:30"}],
            "tuesday": [{"start": "08:30", "end": "16:30"}],
            "wednesday": [{"start": "08:30", "end": "12:00"}],
            "thursday": [{"start": "08:30", "end": "16:30"}],
            "friday": [{"start": "08:30", "end": "16:30"}],
            "saturday": [], "sunday": []},
            "holidays": ["2026-12-25", "2027-01-01"]},
        "auto_close_days": 10
    })
}

async fn earlier_settings_are_carried_over_once(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, ana) = staff(&server, &admin, "ana@example.com").await;
    let (_, bo) = staff(&server, &admin, "bo@example.com").await;
    let earlier = earlier_document(&ana, &bo);

    // Written where and how the earlier helpdesk kept it.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.config.database_url())
        .await
        .unwrap();
    let practice: String = sqlx::query_scalar("SELECT id FROM practices WHERE slug = 'default'")
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO module_documents (practice_id, module_id, collection, id, version, data, created_at, updated_at) \
         VALUES ($1, 'helpdesk', 'config', 'settings', 3, $2, 0, 0)",
    )
    .bind(&practice)
    .bind(earlier.to_string())
    .execute(&db)
    .await
    .unwrap();
    let before = admin.get(SETTINGS).await.expect_status(200).body["version"]
        .as_i64()
        .unwrap();
    let left = "SELECT COUNT(*) FROM module_documents WHERE practice_id = $1 AND module_id = 'helpdesk' AND collection = 'config'";

    // The next start carries it over.
    server.restart().await;
    let admin = server.admin().await;
    let read = admin
        .get(&format!("{API}/settings"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(read, earlier);
    let host = admin.get(SETTINGS).await.expect_status(200).body;
    assert_eq!(host["version"], before + 1);
    assert_eq!(host["values"]["auto_close_days"], 10);
    let count: i64 = sqlx::query_scalar(left)
        .bind(&practice)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(count, 0, "the document left the module's store");
    let audit = admin
        .get("/api/v1/audit?action=module.settings_carried_over")
        .await
        .expect_status(200);
    let items = audit.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", audit.text);
    assert_eq!(items[0]["target"], "module:helpdesk");

    // Once: a later change stays, and another start carries nothing over.
    let mut changed = host["values"].clone();
    changed["auto_close_days"] = json!(5);
    admin
        .put(
            SETTINGS,
            json!({ "values": changed, "version": before + 1 }),
        )
        .await
        .expect_status(200);
    server.restart().await;
    let admin = server.admin().await;
    let read = admin
        .get(&format!("{API}/settings"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(read["auto_close_days"], 5);
    assert_eq!(read["business_hours"]["time_zone"], "America/Vancouver");
    let audit = admin
        .get("/api/v1/audit?action=module.settings_carried_over")
        .await
        .expect_status(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
    db.close().await;
    server.stop().await;
}
