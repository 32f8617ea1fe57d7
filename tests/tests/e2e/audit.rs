//! The audit log: what people do to applicants' data (records, files, the
//! trash) and to the practice's settings is recorded, in the transaction of
//! the change, with names kept for when the record is gone; it is read back
//! filtered by person, action, record and time, on the API and the page.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::clock::Clock;
use immcase_tests::helpdesk::configure;
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    changes_to_personal_data_are_recorded,
    purged_records_stay_readable_in_the_log,
    the_log_is_filtered_by_person_action_and_time,
    the_page_says_each_entry_in_words,
);

/// The entries `GET /api/v1/audit?{query}` lists (one page of 200).
async fn rows(api: &Api, query: &str) -> Vec<Value> {
    let page = api
        .get(&format!("/api/v1/audit?limit=200&{query}"))
        .await
        .expect_status(200);
    page.body["items"].as_array().unwrap().clone()
}

fn actions(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["action"].as_str().unwrap()).collect()
}

fn one<'a>(rows: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = rows.iter().filter(|r| r["action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action} in {rows:#?}");
    found[0]
}

/// A person with the Consultant role, signed in.
async fn consultant(server: &TestServer, admin: &Api, email: &str, name: &str) -> (Api, String) {
    let role = admin.role_id("Consultant").await;
    let password = "a consultant's long passphrase";
    let made = admin
        .post(
            "/api/v1/users",
            json!({ "email": email, "display_name": name, "password": password, "roles": [role] }),
        )
        .await
        .expect_status(201);
    let api = server.api();
    api.sign_in(email, password).await.expect_status(200);
    (api, made.body["id"].as_str().unwrap().to_string())
}

/// Ana García with a case of hers; returns their ids and the case's folio.
async fn ana_with_a_case(api: &Api) -> (String, String, String) {
    let made = api
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "García", "passport_number": "X1234567",
                    "confirm_duplicates": true }),
        )
        .await
        .expect_status(201);
    let ana = made.body["id"].as_str().unwrap().to_string();
    let case = api.open_case(&ana, "work_permit").await;
    let id = case["id"].as_str().unwrap().to_string();
    let folio = case["folio"].as_str().unwrap().to_string();
    (ana, id, folio)
}

async fn upload(api: &Api, path: &str, name: &str) -> String {
    let up = api
        .upload(path, &[(name, b"%PDF-1.7 a scan")], None)
        .await
        .expect_status(201);
    up.body["items"][0]["id"].as_str().unwrap().to_string()
}

async fn changes_to_personal_data_are_recorded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (lee, lee_id) = consultant(&server, &admin, "lee@example.com", "Lee Park").await;
    let (ana, case_id, folio) = ana_with_a_case(&lee).await;
    lee.patch(
        &format!("/api/v1/applicants/{ana}"),
        json!({ "address": "1 Main Street", "version": 1 }),
    )
    .await
    .expect_status(200);
    lee.patch(
        &format!("/api/v1/cases/{case_id}"),
        json!({ "stage": "preparation", "version": 1 }),
    )
    .await
    .expect_status(200);
    let file = upload(
        &lee,
        &format!("/api/v1/cases/{case_id}/files"),
        "passport.pdf",
    )
    .await;
    let (status, _, bytes) = lee.download(&format!("/api/v1/files/{file}")).await;
    assert_eq!((status.as_u16(), bytes.len()), (200, 15));
    lee.download(&format!("/api/v1/files/{file}?inline=true"))
        .await;
    lee.delete(&format!("/api/v1/files/{file}"))
        .await
        .expect_status(204);
    admin
        .post(&format!("/api/v1/trash/file/{file}/restore"), json!({}))
        .await
        .expect_status(204);
    lee.delete(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(204);
    admin
        .post(&format!("/api/v1/trash/case/{case_id}/restore"), json!({}))
        .await
        .expect_status(204);
    lee.delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(204);
    configure(&admin, |s| s["auto_close_days"] = json!(9)).await;

    // Everything done to her data, newest first: her record, her case and
    // its file.
    let about_ana = rows(&admin, &format!("applicant_id={ana}")).await;
    assert_eq!(
        actions(&about_ana),
        [
            "applicant.restored",
            "applicant.deleted",
            "case.restored",
            "case.deleted",
            "file.restored",
            "file.deleted",
            "file.downloaded",
            "file.downloaded",
            "file.uploaded",
            "case.updated",
            "applicant.updated",
            "case.created",
            "applicant.created",
        ]
    );
    // The case's: the case and its file, not the applicant's own entries.
    let about_case = rows(&admin, &format!("case_id={case_id}")).await;
    assert_eq!(about_case.len(), 9, "{about_case:#?}");
    assert!(about_case.iter().all(|r| r["case_id"] == case_id.as_str()));
    assert!(about_case.iter().all(|r| r["applicant_id"] == ana.as_str()));

    // Who did it and from where; the record named as it was; the fields
    // changed, never their values.
    let changed = one(&about_ana, "applicant.updated");
    assert_eq!(changed["actor_user_id"], lee_id.as_str());
    assert_eq!(changed["actor_email"], "lee@example.com");
    assert_eq!(changed["target"], format!("applicant:{ana}"));
    assert_eq!(changed["client_addr"], "127.0.0.1");
    assert_eq!(
        changed["details"],
        json!({ "applicant": "Ana García", "fields": ["address"] })
    );
    let everything = serde_json::to_string(&about_ana).unwrap();
    assert!(!everything.contains("Main Street"), "{everything}");
    assert!(!everything.contains("X1234567"), "{everything}");
    let stage = one(&about_ana, "case.updated");
    assert_eq!(
        stage["details"],
        json!({ "case": folio, "fields": ["stage"] })
    );
    let downloads: Vec<&Value> = about_ana
        .iter()
        .filter(|r| r["action"] == "file.downloaded")
        .collect();
    assert_eq!(downloads[1]["target"], format!("file:{file}"));
    assert_eq!(
        downloads[1]["details"],
        json!({ "file": "passport.pdf", "case": folio, "inline": false })
    );
    assert_eq!(downloads[0]["details"]["inline"], true);
    let uploaded = one(&about_ana, "file.uploaded");
    assert_eq!(uploaded["details"]["file"], "passport.pdf");
    assert_eq!(uploaded["details"]["case"], folio.as_str());
    assert_eq!(uploaded["actor_user_id"], lee_id.as_str());
    let deleted = one(&about_ana, "applicant.deleted");
    assert_eq!(
        deleted["details"],
        json!({ "applicant": "Ana García", "cases": [folio], "files": 1 })
    );
    let restored = one(&about_ana, "applicant.restored");
    assert_eq!(restored["details"]["with"], 2, "her case and its file");
    assert_eq!(
        restored["actor_user_id"],
        one(&about_ana, "case.restored")["actor_user_id"]
    );

    // Module settings changes are found by their action.
    let settings = rows(&admin, "action=module.settings_changed").await;
    assert_eq!(settings.len(), 1, "{settings:#?}");
    assert_eq!(settings[0]["target"], "module:helpdesk");
    assert_eq!(settings[0]["details"]["auto_close_days"], 9);
    assert_eq!(rows(&admin, "action=module.enabled").await.len(), 1);
    server.stop().await;
}

async fn purged_records_stay_readable_in_the_log(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (ana, case_id, folio) = ana_with_a_case(&admin).await;
    let scan = upload(
        &admin,
        &format!("/api/v1/cases/{case_id}/files"),
        "visa.pdf",
    )
    .await;
    admin
        .delete(&format!("/api/v1/files/{scan}"))
        .await
        .expect_status(204);
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    server.clock.advance(SignedDuration::from_hours(24 * 31));
    let admin = server.admin().await;
    let purged = eventually("both deletions purged", || {
        let (admin, query) = (admin.clone(), format!("applicant_id={ana}"));
        async move {
            let purged = rows(&admin, &query)
                .await
                .into_iter()
                .filter(|r| r["action"].as_str().unwrap().ends_with(".purged"))
                .collect::<Vec<_>>();
            (purged.len() == 2).then_some(purged)
        }
    })
    .await;
    admin
        .get(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(404);
    // By no one, naming what was purged as it was.
    let file = one(&purged, "file.purged");
    assert_eq!(file["actor_user_id"], Value::Null);
    assert_eq!(file["case_id"], case_id.as_str());
    assert_eq!(file["details"]["file"], "visa.pdf");
    assert_eq!(file["details"]["case"], folio.as_str());
    let applicant = one(&purged, "applicant.purged");
    assert_eq!(applicant["details"]["applicant"], "Ana García");
    assert!(applicant["details"]["deleted_at"].is_string());

    // The page still names them, found by the purged applicant's id.
    let page = admin
        .get(&format!("/settings/audit?record={ana}"))
        .await
        .expect_status(200);
    let said = words_of(&page.text);
    assert!(
        said.contains("Entries about applicant Ana García"),
        "{said}"
    );
    assert!(
        said.contains("Applicant Ana García was deleted for good after its time in the trash"),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "visa.pdf of case {folio} was deleted for good after its time in the trash"
        )),
        "{said}"
    );
    server.stop().await;
}

async fn the_log_is_filtered_by_person_action_and_time(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (lee, lee_id) = consultant(&server, &admin, "lee@example.com", "Lee Park").await;
    let theirs = admin.add_applicant("Okafor").await;
    let mine = lee.add_applicant("Tremblay").await;
    server.clock.advance(SignedDuration::from_hours(48));
    let later = jiff::Timestamp::from_millisecond(server.clock.now_ms() - 3_600_000).unwrap();
    // Sessions end after a day idle: sign in again after the jump.
    let admin = server.admin().await;
    let lee = server.api();
    lee.sign_in("lee@example.com", "a consultant's long passphrase")
        .await
        .expect_status(200);
    lee.patch(
        &format!("/api/v1/applicants/{mine}"),
        json!({ "notes": "Prefers mornings", "version": 1 }),
    )
    .await
    .expect_status(200);
    lee.patch(
        &format!("/api/v1/applicants/{theirs}"),
        json!({ "notes": "Call back", "version": 1 }),
    )
    .await
    .expect_status(200);

    // By person.
    let by_lee = rows(&admin, &format!("actor_user_id={lee_id}")).await;
    assert!(by_lee.iter().all(|r| r["actor_user_id"] == lee_id.as_str()));
    assert_eq!(
        actions(&by_lee),
        [
            "applicant.updated",
            "applicant.updated",
            "auth.sign_in",
            "applicant.created",
            "auth.sign_in"
        ]
    );
    // By person and record together.
    let lee_on_theirs = rows(
        &admin,
        &format!("actor_user_id={lee_id}&applicant_id={theirs}"),
    )
    .await;
    assert_eq!(actions(&lee_on_theirs), ["applicant.updated"]);
    // By time: before and after the jump, `to` exclusive.
    let at = |t: jiff::Timestamp| t.to_string().replace('+', "%2B");
    let created_before = rows(
        &admin,
        &format!("action=applicant.created&to={}", at(later)),
    )
    .await;
    assert_eq!(created_before.len(), 2);
    let changed_after = rows(
        &admin,
        &format!("action=applicant.updated&from={}", at(later)),
    )
    .await;
    assert_eq!(changed_after.len(), 2);
    let offset = later.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)));
    let same_instant = offset.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let changed_after_offset = rows(
        &admin,
        &format!(
            "action=applicant.updated&from={}",
            same_instant.replace('+', "%2B")
        ),
    )
    .await;
    assert_eq!(changed_after_offset.len(), 2, "{same_instant}");
    assert!(
        rows(
            &admin,
            &format!("action=applicant.created&from={}", at(later))
        )
        .await
        .is_empty()
    );

    // Paged with the filters kept.
    let first = admin
        .get("/api/v1/audit?action=applicant.created&limit=1")
        .await
        .expect_status(200);
    assert_eq!(first.body["items"][0]["applicant_id"], mine.as_str());
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let second = admin
        .get(&format!(
            "/api/v1/audit?action=applicant.created&limit=1&cursor={cursor}"
        ))
        .await
        .expect_status(200);
    assert_eq!(second.body["items"][0]["applicant_id"], theirs.as_str());
    assert_eq!(second.body["next_cursor"], Value::Null);

    // What cannot be read is refused, naming the parameter.
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
        ("cursor=abc", "cursor"),
        ("limit=0", "limit"),
    ] {
        let refused = admin
            .get(&format!("/api/v1/audit?{query}"))
            .await
            .expect_status(422);
        assert!(
            refused.body["error"]["fields"][field].is_string(),
            "{query}: {}",
            refused.text
        );
    }
    let long = "a".repeat(101);
    admin
        .get(&format!("/api/v1/audit?actor_user_id={long}"))
        .await
        .expect_status(422);

    // Only holders of audit.read, and only their own practice.
    lee.get("/api/v1/audit").await.expect_status(403);
    lee.get("/settings/audit").await.expect_status(403);
    server
        .add_practice("acme", "boss@acme.test", "acme's long passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme's long passphrase")
        .await
        .expect_status(200);
    assert!(
        rows(&acme, &format!("applicant_id={theirs}"))
            .await
            .is_empty()
    );
    assert!(
        rows(&acme, &format!("actor_user_id={lee_id}"))
            .await
            .is_empty()
    );
    server.stop().await;
}

/// A page's text without its tags, its spaces run together.
fn words_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn the_page_says_each_entry_in_words(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (lee, lee_id) = consultant(&server, &admin, "lee@example.com", "Lee Park").await;
    let (ana, case_id, folio) = ana_with_a_case(&admin).await;
    let file = upload(
        &admin,
        &format!("/api/v1/cases/{case_id}/files"),
        "passport.pdf",
    )
    .await;
    lee.download(&format!("/api/v1/files/{file}")).await;
    lee.delete(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(204);

    let page = admin
        .get(&format!("/settings/audit?person={lee_id}&record={folio}"))
        .await
        .expect_status(200);
    let said = words_of(&page.text);
    assert!(
        said.contains(&format!("Entries about case {folio} and its files")),
        "{said}"
    );
    assert!(
        said.contains(&format!("Lee Park moved case {folio} to the trash")),
        "{said}"
    );
    assert!(
        said.contains(&format!("Lee Park downloaded passport.pdf of case {folio}")),
        "{said}"
    );
    assert!(
        !said.contains("Administrator uploaded"),
        "only Lee's: {said}"
    );
    // No raw JSON in the sentences; the details are folded beside each.
    assert!(page.text.contains("<details class=\"audit-details\">"));
    assert!(page.text.contains(&format!("file:{file}")));
    // The filters stay in the form, as asked.
    assert!(
        page.text.contains(&format!(
            "<option value=\"{lee_id}\" selected>Lee Park</option>"
        )),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("value=\"{folio}\"")));

    // An applicant's entries include her cases' and files'.
    let hers = words_of(
        &admin
            .get(&format!(
                "/settings/audit?record={ana}&action=file.uploaded"
            ))
            .await
            .expect_status(200)
            .text,
    );
    assert!(
        hers.contains(&format!(
            "Administrator uploaded passport.pdf to case {folio}"
        )),
        "{hers}"
    );

    // Filters that cannot be read are said beside their field, and nothing
    // is listed.
    let wrong = admin
        .get("/settings/audit?from=2026-02-30&record=CAS999")
        .await
        .expect_status(422);
    let said = words_of(&wrong.text);
    assert!(said.contains("a date such as 2026-03-01"), "{said}");
    assert!(
        said.contains("no applicant or case CAS999 in this practice"),
        "{said}"
    );
    assert!(!said.contains("moved case"), "{said}");
    let backwards = admin
        .get("/settings/audit?from=2026-03-02&to=2026-03-01")
        .await
        .expect_status(422);
    assert!(words_of(&backwards.text).contains("on or after the first day"));
    // Days are the reader's: today, in their time zone, holds it all.
    let tz = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let now = jiff::Timestamp::from_millisecond(server.clock.now_ms()).unwrap();
    let today = now.to_zoned_datetime(tz).date();
    let on = |from: jiff::civil::Date, to: jiff::civil::Date| {
        let admin = admin.clone();
        async move {
            let path = format!("/settings/audit?action=case.deleted&from={from}&to={to}");
            words_of(&admin.get(&path).await.expect_status(200).text)
        }
    };
    let said = on(today, today).await;
    assert!(
        said.contains(&format!("Lee Park moved case {folio}")),
        "{said}"
    );
    let tomorrow = today.tomorrow().unwrap();
    let said = on(tomorrow, tomorrow).await;
    assert!(
        said.contains("Nothing recorded that matches these filters"),
        "{said}"
    );
    server.stop().await;
}
