//! Personal data: an applicant's data export (everything held about them,
//! as a zip of JSON and files) for administrators, and the practice's
//! retention rule, which moves applicants nothing is open for to the trash
//! once their years are up, recorded in the audit log.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::Read;

use immcase_tests::calendar::close_case;
use immcase_tests::helpdesk::API;
use immcase_tests::on_both_databases;
use immcase_tests::{Api, Backend, TestServer, eventually};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    an_applicants_data_exports_as_a_zip,
    applicants_past_the_retention_go_to_the_trash,
);

/// The zip's entries: name → contents.
fn entries(bytes: Vec<u8>) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut found = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).unwrap();
        found.insert(entry.name().to_string(), contents);
    }
    found
}

fn json_of(entries: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    let bytes = entries
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", entries.keys()));
    serde_json::from_slice(bytes).unwrap()
}

async fn audited(admin: &Api, action: &str) -> Vec<Value> {
    let found = admin
        .get(&format!("/api/v1/audit?action={action}"))
        .await
        .expect_status(200);
    found.body["items"].as_array().unwrap().clone()
}

async fn an_applicants_data_exports_as_a_zip(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let lea = admin.add_applicant("Moreau").await;
    let other = admin.add_applicant("Laval").await;
    let case = admin.open_case(&lea, "study_permit").await;
    let (case_id, folio) = (
        case["id"].as_str().unwrap().to_string(),
        case["folio"].as_str().unwrap().to_string(),
    );
    let scan: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    for contents in [&scan[..], b"second scan"] {
        admin
            .upload(
                &format!("/api/v1/applicants/{lea}/files"),
                &[("scan.pdf", contents)],
                None,
            )
            .await
            .expect_status(201);
    }
    admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("letter.txt", b"Dear Lea")],
            Some("Letters"),
        )
        .await
        .expect_status(201);
    let ticket = |subject: &str, about: Value| {
        let mut body = json!({ "subject": subject, "description": "-", "category": "case_support", "priority": "medium" });
        body.as_object_mut()
            .unwrap()
            .extend(about.as_object().unwrap().clone());
        body
    };
    admin
        .post(
            &format!("{API}/tickets"),
            ticket("Biometrics letter", json!({ "case_id": case_id })),
        )
        .await
        .expect_status(201);
    admin
        .post(
            &format!("{API}/tickets"),
            ticket("Someone else's", json!({ "applicant_id": other })),
        )
        .await
        .expect_status(201);

    // Someone who works on applicants but does not run the practice may not.
    let role = json!({ "name": "Consultant here", "permissions": ["applicants.read", "cases.read", "files.read"] });
    let consultant = server
        .sign_in_with_role(&admin, role, "consultant@example.com")
        .await;
    consultant
        .get(&format!("/api/v1/applicants/{lea}/export"))
        .await
        .expect_status(403);
    let page = consultant
        .get(&format!("/applicants/{lea}"))
        .await
        .expect_status(200);
    assert!(!page.text.contains("id=\"export-data\""));
    let page = admin
        .get(&format!("/applicants/{lea}"))
        .await
        .expect_status(200);
    assert!(
        page.text
            .contains(&format!("href=\"/api/v1/applicants/{lea}/export\"")),
        "the page offers the export"
    );

    let (status, headers, bytes) = admin
        .download(&format!("/api/v1/applicants/{lea}/export"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/zip");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("data export.zip")
    );
    let zip = entries(bytes);
    assert!(zip.contains_key("README.txt"));
    assert_eq!(json_of(&zip, "applicant.json")["family_name"], "Moreau");
    let history = json_of(&zip, "applicant-timeline.json");
    assert_eq!(history[0]["action"], "created", "{history}");
    let case = json_of(&zip, &format!("cases/{folio}.json"));
    assert_eq!(case["case"]["id"], json!(case_id));
    // Every file, under a name of its own, byte for byte.
    assert_eq!(zip["files/applicant/scan.pdf"], scan);
    assert_eq!(zip["files/applicant/scan (2).pdf"], b"second scan");
    assert_eq!(
        zip[&format!("files/cases/{folio}/Letters/letter.txt")],
        b"Dear Lea"
    );
    let files = json_of(&zip, "files.json");
    assert_eq!(files.as_array().unwrap().len(), 3, "{files}");
    // What the helpdesk keeps about them, and nothing about anyone else.
    let tickets = json_of(&zip, "modules/helpdesk.json");
    let text = tickets.to_string();
    assert!(text.contains("Biometrics letter"), "{text}");
    assert!(!text.contains("Someone else's"), "{text}");
    let audit = json_of(&zip, "audit.json");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "applicant.created"),
        "{audit}"
    );
    assert!(
        !zip.keys().any(|k| k.contains("Laval")),
        "nothing of another applicant"
    );
    // The export itself is in the audit log.
    let exported = audited(&admin, "applicant.exported").await;
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["details"]["files"], 3);
    // Another practice's applicant is not found.
    let elsewhere = server
        .admin_of_new_practice("acme", "boss@acme.example", "another long password 7")
        .await;
    elsewhere
        .get(&format!("/api/v1/applicants/{lea}/export"))
        .await
        .expect_status(404);
    server.stop().await;
}

async fn applicants_past_the_retention_go_to_the_trash(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let version = admin.get("/api/v1/practice").await.expect_status(200).body["version"].clone();
    let refused = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "retention_years": 0 }),
        )
        .await
        .expect_status(422);
    assert!(
        refused.body["error"]["fields"]["retention_years"]
            .as_str()
            .unwrap()
            .contains("from 1 to 100")
    );
    let saved = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "retention_years": 6 }),
        )
        .await
        .expect_status(200);
    assert_eq!(saved.body["retention_years"], 6);

    let open = admin.add_applicant("Open").await;
    admin.open_case(&open, "study_permit").await;
    let closed = admin.add_applicant("Closed").await;
    let case = admin.open_case(&closed, "study_permit").await;
    close_case(
        &admin,
        case["id"].as_str().unwrap(),
        json!({ "closing_date": "2026-03-05" }),
    )
    .await;
    let alone = admin.add_applicant("Alone").await;

    // Five years on, everyone is kept: the pass that trims the audit log
    // (past its two years) comes after the retention rule's.
    server
        .clock
        .advance(SignedDuration::from_hours(24 * 366 * 5));
    let admin = server.admin().await;
    eventually("a housekeeping pass five years on", || {
        let admin = admin.clone();
        async move { (!audited(&admin, "audit.trimmed").await.is_empty()).then_some(()) }
    })
    .await;
    for id in [&open, &closed, &alone] {
        admin
            .get(&format!("/api/v1/applicants/{id}"))
            .await
            .expect_status(200);
    }
    // Past six years, those with nothing open go to the trash.
    server.clock.advance(SignedDuration::from_hours(24 * 366));
    let admin = server.admin().await;
    let gone = eventually("the retention applied", || {
        let admin = admin.clone();
        async move {
            let rows = audited(&admin, "applicant.deleted").await;
            (rows.len() == 2).then_some(rows)
        }
    })
    .await;
    for row in &gone {
        assert_eq!(row["details"]["reason"], "retention", "{row}");
        assert_eq!(row["details"]["retention_years"], 6);
        assert_eq!(row["actor_email"], "retention rule", "{row}");
    }
    for id in [&closed, &alone] {
        admin
            .get(&format!("/api/v1/applicants/{id}"))
            .await
            .expect_status(404);
    }
    admin
        .get(&format!("/api/v1/applicants/{open}"))
        .await
        .expect_status(200);
    let trash = admin.get("/api/v1/trash").await.expect_status(200);
    assert_eq!(
        trash.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        trash.text
    );
    server.stop().await;
}
