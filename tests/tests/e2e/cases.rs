//! Cases through the API: folios without gaps or repeats under concurrent
//! creation, closing rules, stale updates, field rules, events delivered to
//! a module (`case.updated` naming the changed fields), search by folio, and isolation between practices.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeSet;

use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use serde_json::json;

on_both_databases!(
    concurrent_cases_get_every_folio_once,
    closing_needs_a_date_and_an_outcome_and_is_announced,
    cases_follow_field_rules_and_stay_in_their_practice,
);

async fn concurrent_cases_get_every_folio_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (api, ana) = (admin.clone(), ana.clone());
            tokio::spawn(async move {
                api.open_case(&ana, "study_permit").await["folio"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    let mut folios = BTreeSet::new();
    for task in tasks {
        assert!(
            folios.insert(task.await.unwrap()),
            "a folio was given twice"
        );
    }
    let expected: BTreeSet<String> = (1..=20).map(|n| format!("CAS{n:03}")).collect();
    assert_eq!(folios, expected, "no gaps, no repeats");

    // A refused case uses no number; the next one is CAS021.
    let refused = admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": "asylum" }),
        )
        .await
        .expect_status(422);
    assert!(refused.body["error"]["fields"]["program"].is_string());
    let missing = admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": "no-such-applicant", "program": "other" }),
        )
        .await
        .expect_status(422);
    assert_eq!(
        missing.body["error"]["fields"]["applicant_id"],
        "no such applicant"
    );
    assert_eq!(
        admin.open_case(&ana, "study_permit").await["folio"],
        "CAS021"
    );

    // An applicant may have several open cases; they are listed per applicant.
    let other = admin.add_applicant("Okafor").await;
    admin.open_case(&other, "study_permit").await;
    let theirs = admin
        .get(&format!("/api/v1/cases?applicant_id={other}"))
        .await
        .expect_status(200);
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
    let all = admin
        .get("/api/v1/cases?limit=200")
        .await
        .expect_status(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 22);
    server.stop().await;
}

async fn closing_needs_a_date_and_an_outcome_and_is_announced(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = server.admin().await;
    admin.set_module("recorder", true).await;
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, "study_permit").await;
    assert_eq!(case["stage"], "intake");
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());

    let bad = admin
        .patch(&path, json!({ "version": 1, "stage": "closed" }))
        .await
        .expect_status(422);
    assert_eq!(
        bad.body["error"]["fields"]["closing_date"],
        "required to close a case"
    );
    assert_eq!(
        bad.body["error"]["fields"]["outcome"],
        "required to close a case"
    );
    admin
        .patch(
            &path,
            json!({ "version": 1, "stage": "submitted", "submitted_on": "2026-11-02" }),
        )
        .await
        .expect_status(200);
    let stale = admin
        .patch(&path, json!({ "version": 1, "stage": "closed" }))
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["current"]["stage"], "submitted");
    let closed = admin
        .patch(
            &path,
            json!({ "version": 2, "stage": "closed", "closing_date": "2026-11-20", "outcome": "approved" }),
        )
        .await
        .expect_status(200);
    assert_eq!(closed.body["outcome"], "approved");
    let timeline = admin
        .get(&format!("{path}/timeline"))
        .await
        .expect_status(200);
    assert!(
        timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "stage"
                && c["old_value"] == "submitted"
                && c["new_value"] == "closed")
    );

    // Modules subscribed to cases hear of each change.
    let received = eventually("case events delivered to the module", || {
        let admin = admin.clone();
        async move {
            let got = admin.get("/api/v1/m/recorder/received").await;
            let items = got.body["items"].as_array()?.clone();
            let updates = items.iter().filter(|i| i["name"] == "case.updated").count();
            let closed = items.iter().any(|i| i["name"] == "case.closed");
            (updates == 2 && closed).then_some(items)
        }
    })
    .await;
    let names: Vec<String> = received
        .iter()
        .filter_map(|i| i["name"].as_str().map(str::to_string))
        .collect();
    for name in [
        "case.created",
        "case.stage_changed",
        "case.closed",
        "applicant.created",
    ] {
        assert!(names.contains(&name.to_string()), "{name} in {names:?}");
    }
    // `case.updated` names the fields each change made, at its version.
    let mut updates: Vec<serde_json::Value> = received
        .iter()
        .filter(|i| i["name"] == "case.updated")
        .map(|i| i["payload"].clone())
        .collect();
    updates.sort_by_key(|p| p["version"].as_i64());
    let fields = |p: &serde_json::Value| -> BTreeSet<String> {
        p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(updates[0]["id"], case["id"]);
    assert_eq!(updates[0]["version"], 2);
    assert_eq!(
        fields(&updates[0]),
        BTreeSet::from(["stage".to_string(), "submitted_on".to_string()])
    );
    assert_eq!(updates[1]["version"], 3);
    assert_eq!(
        fields(&updates[1]),
        BTreeSet::from([
            "stage".to_string(),
            "closing_date".to_string(),
            "outcome".to_string()
        ])
    );

    // The folio and the applicant's name find the case.
    let found = admin
        .get("/api/v1/search?q=CAS001")
        .await
        .expect_status(200);
    assert_eq!(found.body["items"][0]["id"], case["id"]);
    assert_eq!(found.body["items"][0]["kind"], "case");
    admin
        .patch(
            &format!("/api/v1/applicants/{ana}"),
            json!({ "version": 1, "family_name": "Okafor" }),
        )
        .await
        .expect_status(200);
    let by_name = admin
        .get("/api/v1/search?q=okafor")
        .await
        .expect_status(200);
    let kinds: Vec<&str> = by_name.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"case") && kinds.contains(&"applicant"),
        "{kinds:?}"
    );
    server.stop().await;
}

async fn cases_follow_field_rules_and_stay_in_their_practice(backend: Backend) {
    let server = TestServer::start(backend).await;
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let rev = server
        .sign_in_with_role(&admin, json!({ "name": "Reviewer", "permissions": ["cases.read", "cases.write"],
                    "field_rules": { "case.outcome": "read_only", "case.responsible_user_id": "hidden" } }), "rev@immcase.test")
        .await;
    let seen = rev.get(&path).await.expect_status(200);
    assert!(seen.body.get("responsible_user_id").is_none());
    assert!(seen.body.get("outcome").is_some());
    let refused = rev
        .patch(
            &path,
            json!({ "version": 1, "stage": "closed", "closing_date": "2026-11-20", "outcome": "refused" }),
        )
        .await
        .expect_status(403);
    assert!(refused.body["error"]["fields"]["case.outcome"].is_string());
    rev.patch(&path, json!({ "version": 1, "stage": "preparation" }))
        .await
        .expect_status(200);

    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    acme.get(&path).await.expect_status(404);
    let theirs = acme.get("/api/v1/cases").await.expect_status(200);
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
    // Another practice cannot open a case on our applicant; its folios start at 1.
    let foreign = acme
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": "other" }),
        )
        .await
        .expect_status(422);
    assert_eq!(
        foreign.body["error"]["fields"]["applicant_id"],
        "no such applicant"
    );
    let own = acme.add_applicant("Tremblay").await;
    assert_eq!(
        acme.open_case(&own, "study_permit").await["folio"],
        "CAS001"
    );
    server.stop().await;
}
