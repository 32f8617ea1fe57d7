//! Case programs through the API: the defaults a practice starts with, an
//! administrator adding, renaming and switching off programs, cases taking
//! only active ones and keeping a switched-off one, deleting only unused
//! programs, permissions, stale versions, and each practice having its own
//! list.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_practice_starts_with_the_default_programs,
    an_administrator_keeps_the_list_and_cases_follow_it,
    keeping_the_list_needs_settings_manage,
    each_practice_has_its_own_programs,
);

async fn programs(api: &Api) -> Vec<Value> {
    api.get("/api/v1/case-programs")
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn keys(items: &[Value]) -> Vec<&str> {
    items.iter().map(|p| p["key"].as_str().unwrap()).collect()
}

async fn a_practice_starts_with_the_default_programs(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let items = programs(&admin).await;
    assert_eq!(
        keys(&items),
        [
            "study_permit",
            "work_permit",
            "visitor_visa",
            "express_entry",
            "family_sponsorship",
            "citizenship",
            "other"
        ]
    );
    assert_eq!(items[0]["label"], "Study permit");
    assert!(items.iter().all(|p| p["active"] == true && p["cases"] == 0));
    // The administrator role holds the permission that keeps the list.
    let me = admin.get("/api/v1/me").await.expect_status(200);
    assert!(
        me.body["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("settings.manage")),
        "{}",
        me.text
    );
    server.stop().await;
}

async fn an_administrator_keeps_the_list_and_cases_follow_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let made = admin
        .post(
            "/api/v1/case-programs",
            json!({ "label": "Caregiver (home child care)" }),
        )
        .await
        .expect_status(201);
    assert_eq!(made.body["key"], "caregiver_home_child_care");
    assert_eq!(made.body["active"], true);
    let key = "caregiver_home_child_care";
    assert_eq!(keys(&programs(&admin).await).last(), Some(&key));
    // A key the practice has already, a bad key, or no label: each named.
    let taken = admin
        .post(
            "/api/v1/case-programs",
            json!({ "key": "study_permit", "label": "Studies" }),
        )
        .await
        .expect_status(422);
    assert!(taken.body["error"]["fields"]["key"].is_string());
    let bad = admin
        .post(
            "/api/v1/case-programs",
            json!({ "key": "Bad Key", "label": "" }),
        )
        .await
        .expect_status(422);
    assert!(bad.body["error"]["fields"]["label"].is_string());
    assert!(bad.body["error"]["fields"]["key"].is_string());

    // A case takes the new program, and is found by the program's label.
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, key).await;
    let case_path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let found = |q: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .get(&format!("/api/v1/search?q={q}"))
                .await
                .expect_status(200)
                .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "case")
        }
    };
    assert!(found("caregiver").await);
    assert!(!found("nanny").await);

    // Renamed and switched off, at its version; a stale version is refused.
    let path = format!("/api/v1/case-programs/{key}");
    let off = admin
        .patch(
            &path,
            json!({ "label": "Caregiver", "active": false, "version": 1 }),
        )
        .await
        .expect_status(200);
    assert_eq!(off.body["active"], false);
    assert_eq!(off.body["label"], "Caregiver");
    assert_eq!(off.body["cases"], 1);
    // Renaming it again: its cases are found by the new label at once.
    admin
        .patch(&path, json!({ "label": "Caregiver (nanny)", "version": 2 }))
        .await
        .expect_status(200);
    assert!(found("nanny").await, "searched by the new label");
    admin
        .patch(&path, json!({ "label": "Caregiver", "version": 3 }))
        .await
        .expect_status(200);
    let stale = admin
        .patch(&path, json!({ "active": true, "version": 1 }))
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["current"]["version"], 4);
    admin
        .patch(&path, json!({ "label": " " , "version": 4 }))
        .await
        .expect_status(422);

    // No new case takes it, but the case that has it keeps it and can change.
    let refused = admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": key }),
        )
        .await
        .expect_status(422);
    let message = refused.body["error"]["fields"]["program"].as_str().unwrap();
    assert!(message.contains("switched off"), "{message}");
    let moved = admin
        .patch(&case_path, json!({ "stage": "preparation", "version": 1 }))
        .await
        .expect_status(200);
    assert_eq!(moved.body["program"], key);
    let away = admin
        .patch(
            &case_path,
            json!({ "program": "work_permit", "version": 2 }),
        )
        .await
        .expect_status(200);
    assert_eq!(away.body["program"], "work_permit");
    admin
        .patch(&case_path, json!({ "program": key, "version": 3 }))
        .await
        .expect_status(422);

    // Deleting: only a program no case has (one in the trash counts).
    let other_case = admin.open_case(&ana, "visitor_visa").await;
    admin
        .delete(&format!(
            "/api/v1/cases/{}",
            other_case["id"].as_str().unwrap()
        ))
        .await
        .expect_status(204);
    let in_use = admin
        .delete("/api/v1/case-programs/visitor_visa")
        .await
        .expect_status(409);
    assert!(
        in_use.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("switch it off"),
        "{}",
        in_use.text
    );
    admin.delete(&path).await.expect_status(204);
    admin.delete(&path).await.expect_status(404);
    assert!(!keys(&programs(&admin).await).contains(&key));

    // Every change is in the audit log.
    let audit = admin.get("/api/v1/audit").await.expect_status(200);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .filter(|a| a.starts_with("case_program."))
        .collect();
    assert_eq!(
        actions,
        [
            "case_program.deleted",
            "case_program.updated",
            "case_program.updated",
            "case_program.updated",
            "case_program.created"
        ]
    );
    server.stop().await;
}

async fn keeping_the_list_needs_settings_manage(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let consultant = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Cons", "permissions": ["cases.read", "cases.write", "applicants.read", "applicants.write"] }),
            "cons@immcase.test",
        )
        .await;
    // Someone who works on cases reads the list (to pick from it) ...
    assert_eq!(programs(&consultant).await.len(), 7);
    // ... but cannot change it.
    let refused = consultant
        .post("/api/v1/case-programs", json!({ "label": "Asylum" }))
        .await
        .expect_status(403);
    assert_eq!(refused.body["error"]["permission"], "settings.manage");
    consultant
        .patch(
            "/api/v1/case-programs/other",
            json!({ "active": false, "version": 1 }),
        )
        .await
        .expect_status(403);
    consultant
        .delete("/api/v1/case-programs/other")
        .await
        .expect_status(403);
    // Someone with neither cases.read nor settings.manage cannot read it.
    let outsider = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Outsider", "permissions": ["audit.read"] }),
            "out@immcase.test",
        )
        .await;
    outsider
        .get("/api/v1/case-programs")
        .await
        .expect_status(403);
    assert_eq!(programs(&admin).await.len(), 7, "nothing changed");
    server.stop().await;
}

async fn each_practice_has_its_own_programs(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let admin = server.admin().await;
    admin
        .post("/api/v1/case-programs", json!({ "label": "Asylum" }))
        .await
        .expect_status(201);
    admin
        .patch(
            "/api/v1/case-programs/other",
            json!({ "active": false, "version": 1 }),
        )
        .await
        .expect_status(200);

    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    let theirs = programs(&acme).await;
    assert!(!keys(&theirs).contains(&"asylum"), "{theirs:?}");
    assert!(theirs.iter().all(|p| p["active"] == true));
    // Acme cannot touch ours, nor open a case with it.
    acme.patch(
        "/api/v1/case-programs/asylum",
        json!({ "active": false, "version": 1 }),
    )
    .await
    .expect_status(404);
    let own = acme.add_applicant("Tremblay").await;
    acme.post(
        "/api/v1/cases",
        json!({ "applicant_id": own, "program": "asylum" }),
    )
    .await
    .expect_status(422);
    // Its "other" is still active; its own new program stays its own.
    acme.open_case(&own, "other").await;
    acme.post("/api/v1/case-programs", json!({ "label": "Acme special" }))
        .await
        .expect_status(201);
    assert!(!keys(&programs(&admin).await).contains(&"acme_special"));
    let ours = admin.get("/api/v1/case-programs").await.expect_status(200);
    let other = ours.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "other")
        .unwrap()
        .clone();
    assert_eq!(other["cases"], 0, "acme's case is not counted here");
    server.stop().await;
}
