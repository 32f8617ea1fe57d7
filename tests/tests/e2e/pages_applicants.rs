//! The applicant pages over plain HTTP: the list with paging and search,
//! creating (with the duplicate check and "Create anyway"), field errors,
//! editing at a version, the timeline, deleting, and fields a role hides or
//! makes read-only.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, Resp, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    applicants_are_created_with_the_duplicate_check_and_edited,
    the_applicant_list_pages_and_searches,
    pages_leave_out_hidden_fields_and_show_read_only_ones_as_text,
);

/// The form token of the page at `path`.
pub async fn token(api: &Api, path: &str) -> String {
    api.get(path).await.expect_status(200).form_token()
}

/// Where a 303 leads.
fn location(resp: &Resp) -> String {
    resp.header("location").unwrap()
}

async fn applicants_are_created_with_the_duplicate_check_and_edited(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let empty = admin.get("/applicants").await.expect_status(200);
    assert!(empty.text.contains("No applicants yet"), "{}", empty.text);

    let t = token(&admin, "/applicants/new").await;
    let made = admin
        .post_form(
            "/applicants",
            &[
                ("_csrf", &t),
                ("given_name", "Ana"),
                ("family_name", "García"),
                ("emails", "ana@example.com\r\n\r\nANA.G@Example.com"),
                ("phones", "(416) 555-0100"),
                ("date_of_birth", "1990-04-21"),
                ("passport_number", "AB123456"),
            ],
        )
        .await
        .expect_status(303);
    let path = location(&made);
    assert!(path.starts_with("/applicants/"), "{path}");
    let id = path.trim_start_matches("/applicants/").to_string();
    let page = admin.get(&path).await.expect_status(200);
    for shown in [
        "Ana García is added.",
        "<h1>Ana García</h1>",
        "ana.g@example.com",
        "+14165550100",
        "1990-04-21",
        "created this applicant",
        "<h2 id=\"files-heading\">Files</h2>",
    ] {
        assert!(page.text.contains(shown), "{shown} in {}", page.text);
    }
    // The same person typed again: shown the candidate and why, nothing created.
    let again = admin
        .post_form(
            "/applicants",
            &[
                ("_csrf", &t),
                ("given_name", "Ana"),
                ("family_name", "Garcia"),
                ("emails", "ana@example.com"),
            ],
        )
        .await
        .expect_status(409);
    for shown in [
        "This may be someone already on file",
        &format!("<a href=\"/applicants/{id}\">Ana García</a>"),
        "Same email: ana@example.com",
        "Same name",
        "name=\"confirm_duplicates\" value=\"yes\"",
        "value=\"Garcia\"",
    ] {
        assert!(again.text.contains(shown), "{shown} in {}", again.text);
    }
    let list = admin.get("/api/v1/applicants").await.expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let anyway = admin
        .post_form(
            "/applicants",
            &[
                ("_csrf", &t),
                ("given_name", "Ana"),
                ("family_name", "Garcia"),
                ("emails", "ana@example.com"),
                ("confirm_duplicates", "yes"),
            ],
        )
        .await
        .expect_status(303);
    assert_ne!(location(&anyway), path);

    // Mistakes come back beside their fields, with what was typed.
    let wrong = admin
        .post_form(
            "/applicants",
            &[
                ("_csrf", &t),
                ("given_name", "Bo"),
                ("family_name", " "),
                ("emails", "not an email"),
                ("date_of_birth", "2999-01-01"),
            ],
        )
        .await
        .expect_status(422);
    for shown in [
        "id=\"family_name-error\">required",
        "id=\"emails-error\">not an email address",
        "id=\"date_of_birth-error\">cannot be in the future",
        ">not an email</textarea>",
        "value=\"Bo\"",
    ] {
        assert!(wrong.text.contains(shown), "{shown} in {}", wrong.text);
    }

    // Edited at its version; the change is on the timeline, who and what.
    let t = token(&admin, &path).await;
    admin
        .post_form(
            &path,
            &[
                ("_csrf", &t),
                ("version", "1"),
                ("given_name", "Ana"),
                ("family_name", "García"),
                ("notes", "Prefers email"),
            ],
        )
        .await
        .expect_status(303);
    let page = admin.get(&path).await.expect_status(200);
    assert!(page.text.contains("Ana García is saved."));
    assert!(
        page.text.contains("<strong>Notes</strong> from <q class=\"old\">(empty)</q> to <q class=\"new\">Prefers email</q>"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("<span class=\"who\">Administrator</span>")
    );
    // Fields the form left out are kept as they were.
    let saved = admin
        .get(&format!("/api/v1/applicants/{id}"))
        .await
        .expect_status(200);
    assert_eq!(saved.body["passport_number"], "AB123456");
    assert_eq!(saved.body["version"], 2);

    // A form opened before that save: the newer version beside what was typed.
    let stale = admin
        .post_form(
            &path,
            &[
                ("_csrf", &t),
                ("version", "1"),
                ("family_name", "García"),
                ("notes", "Call after 5"),
            ],
        )
        .await
        .expect_status(409);
    for shown in [
        "Someone else saved this applicant",
        r#"<input type="radio" name="notes" value="Prefers email" required> Keep <strong>Prefers email</strong>"#,
        r#"<input type="radio" name="notes" value="Call after 5" required> Use yours: <strong>Call after 5</strong>"#,
        "name=\"version\" value=\"2\"",
        "<details class=\"edit\" id=\"edit\" open>",
    ] {
        assert!(stale.text.contains(shown), "{shown} in {}", stale.text);
    }

    // Deleted (to the trash) at its version.
    let deleted = admin
        .post_form(
            &format!("{path}/delete"),
            &[("_csrf", &t), ("version", "1")],
        )
        .await
        .expect_status(409);
    assert!(deleted.text.contains("changed by someone else"));
    let deleted = admin
        .post_form(
            &format!("{path}/delete"),
            &[("_csrf", &t), ("version", "2")],
        )
        .await
        .expect_status(303);
    assert_eq!(location(&deleted), "/applicants");
    let list = admin.get("/applicants").await.expect_status(200);
    assert!(list.text.contains("Ana García is in the trash."));
    admin.get(&path).await.expect_status(404);
    server.stop().await;
}

async fn the_applicant_list_pages_and_searches(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.add_applicant("Okafor").await;
    for n in 0..50 {
        admin.add_applicant(&format!("Person{n:02}")).await;
    }
    let first = admin.get("/applicants").await.expect_status(200);
    assert!(first.text.contains("Ana Person49"), "newest first");
    assert!(!first.text.contains("Okafor"));
    let start = first.text.find("/applicants?cursor=").unwrap();
    let next = first.text[start..].split('"').next().unwrap().to_string();
    let second = admin.get(&next).await.expect_status(200);
    assert!(second.text.contains("Ana Okafor"), "{}", second.text);
    assert!(!second.text.contains("?cursor="));

    let found = admin.get("/applicants?q=okafr").await.expect_status(200);
    assert!(found.text.contains("Ana Okafor"), "{}", found.text);
    assert!(!found.text.contains("Person"));
    assert!(found.text.contains("value=\"okafr\""));
    let none = admin.get("/applicants?q=zzzzzz").await.expect_status(200);
    assert!(none.text.contains("No applicant matches"));
    let short = admin.get("/applicants?q=a").await.expect_status(422);
    assert!(short.text.contains("id=\"q-error\""), "{}", short.text);
    server.stop().await;
}

async fn pages_leave_out_hidden_fields_and_show_read_only_ones_as_text(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let made = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "García", "passport_number": "ZX998877",
                    "notes": "Met at the fair" }),
        )
        .await
        .expect_status(201);
    let id = made.body["id"].as_str().unwrap();
    let path = format!("/applicants/{id}");
    admin
        .patch(
            &format!("/api/v1/applicants/{id}"),
            json!({ "passport_number": "ZX998878", "version": 1 }),
        )
        .await
        .expect_status(200);
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read", "applicants.write", "cases.read", "cases.write"],
                    "field_rules": { "applicant.passport_number": "hidden", "applicant.notes": "read_only",
                                     "applicant.family_name": "read_only",
                                     "case.outcome": "hidden" } }),
            "clerk@immcase.test",
        )
        .await;
    let case = admin.open_case(id, "study_permit").await;
    let pages = [
        path.clone(),
        "/applicants".into(),
        "/applicants/new".into(),
        format!("/cases/{}", case["id"].as_str().unwrap()),
        "/cases".into(),
    ];
    for page in &pages {
        let seen = clerk.get(page).await.expect_status(200);
        for absent in ["ZX99887", "Passport number", "passport_number", "Outcome"] {
            assert!(
                !seen.text.contains(absent),
                "{absent} on {page}: {}",
                seen.text
            );
        }
    }
    let seen = clerk.get(&path).await.expect_status(200);
    assert!(seen.text.contains("Met at the fair"), "read-only is shown");
    assert!(seen.text.contains("Read-only for your role."));
    assert!(!seen.text.contains("name=\"notes\""), "but not as an input");
    assert!(seen.text.contains("name=\"given_name\""));
    let new = clerk.get("/applicants/new").await.expect_status(200);
    assert!(!new.text.contains("name=\"notes\""));
    // A required field the role cannot fill is explained, not left unsaid.
    let t = new.form_token();
    let refused = clerk
        .post_form("/applicants", &[("_csrf", &t), ("given_name", "Li")])
        .await
        .expect_status(422);
    assert!(
        refused
            .text
            .contains("Family name: required. Your role cannot change this field"),
        "{}",
        refused.text
    );
    // A post naming them anyway changes neither.
    let t = seen.form_token();
    clerk
        .post_form(
            &path,
            &[
                ("_csrf", &t),
                ("version", "2"),
                ("family_name", "García"),
                ("passport_number", "HACKED1"),
                ("notes", "Changed"),
            ],
        )
        .await
        .expect_status(303);
    let saved = admin
        .get(&format!("/api/v1/applicants/{id}"))
        .await
        .expect_status(200);
    assert_eq!(saved.body["passport_number"], "ZX998878");
    assert_eq!(saved.body["notes"], "Met at the fair");
    // Search on the list does not reach the hidden field.
    let searched = clerk.get("/applicants?q=ZX998878").await.expect_status(200);
    assert!(
        searched.text.contains("No applicant matches"),
        "{}",
        searched.text
    );
    let searched = admin.get("/applicants?q=ZX998878").await.expect_status(200);
    assert!(searched.text.contains("Ana García"));
    server.stop().await;
}
