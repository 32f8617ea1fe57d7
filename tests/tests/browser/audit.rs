//! The audit log in a browser (Debian's Chromium over WebDriver) on SQLite
//! and PostgreSQL: a person saves the helpdesk's settings on the page and
//! works on a case's file; an administrator filters the log by that person,
//! then by the case, and reads a deletion, a restore, an upload, a download
//! and the settings change in words, at laptop width; the filtered address
//! opens as it is on a phone, readable without scrolling sideways.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use serde_json::json;

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(the_audit_log_is_read_by_person_and_record);

const PASSWORD: &str = "lee's long passphrase";

/// The entries listed, one line of text each (their details folded).
async fn entries(s: &Session) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in s
        .client
        .find_all(fantoccini::Locator::Css(".audit-entry .audit-sentence"))
        .await
        .unwrap()
    {
        lines.push(entry.text().await.unwrap());
    }
    lines
}

async fn the_audit_log_is_read_by_person_and_record(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let role = admin
        .post(
            "/api/v1/roles",
            json!({ "name": "Case worker", "permissions": [
                "applicants.read", "applicants.write", "cases.read", "cases.write",
                "files.read", "files.write", "trash.manage",
                "module:helpdesk", "helpdesk.manage"] }),
        )
        .await
        .expect_status(201);
    let lee_id = admin
        .post(
            "/api/v1/users",
            json!({ "email": "lee@example.com", "display_name": "Lee Park",
                    "password": PASSWORD, "roles": [role.body["id"]] }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lee = server.api();
    lee.sign_in("lee@example.com", PASSWORD)
        .await
        .expect_status(200);
    let ana = lee
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "García" }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = lee.open_case(&ana, "work_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let folio = case["folio"].as_str().unwrap().to_string();
    let base = format!("http://localhost:{}", server.addr.port());

    // Lee saves the helpdesk's settings on the host's page.
    let lee_page = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("audit-settings-{db}"), &lee_page, async {
        lee_page.sign_in(&base, "lee@example.com", PASSWORD).await;
        lee_page
            .goto(&format!("{base}/settings/modules/helpdesk/settings"))
            .await;
        lee_page.fill("input[name='auto_close_days']", "9").await;
        lee_page.submit_button("Save settings").await;
        lee_page
            .wait_for_text("main", "Helpdesk settings saved.")
            .await;
    })
    .await;
    drop(lee_page);
    // And works on the case's file: upload, download, the case to the
    // trash and back.
    let up = lee
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("passport.pdf", b"%PDF-1.7 passport")],
            None,
        )
        .await
        .expect_status(201);
    let file = up.body["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _, _) = lee.download(&format!("/api/v1/files/{file}")).await;
    assert_eq!(status.as_u16(), 200);
    lee.delete(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(204);
    lee.post(&format!("/api/v1/trash/case/{case_id}/restore"), json!({}))
        .await
        .expect_status(204);

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    let mut filtered = String::new();
    scenario(&format!("audit-laptop-{db}"), &laptop, async {
        laptop.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        laptop.goto(&format!("{base}/settings/audit")).await;
        laptop.wait_for("main h1").await;
        // By person: everything Lee did, in words.
        laptop.select_by_value("#person", &lee_id).await;
        laptop.submit_button("Filter").await;
        laptop
            .wait_for_text(".audit-entries", "changed the Helpdesk settings")
            .await;
        let by_lee = entries(&laptop).await;
        for said in [
            "Lee Park changed the Helpdesk settings".to_string(),
            format!("Lee Park restored case {folio} from the trash"),
            format!("Lee Park moved case {folio} to the trash"),
            format!("Lee Park downloaded passport.pdf of case {folio}"),
            format!("Lee Park uploaded passport.pdf to case {folio}"),
            format!("Lee Park opened case {folio} for applicant Ana García"),
            "Lee Park added applicant Ana García".to_string(),
            "Lee Park signed in".to_string(),
        ] {
            assert!(by_lee.contains(&said), "{said:?} in {by_lee:#?}");
        }
        assert!(
            by_lee.iter().all(|l| l.starts_with("Lee Park")),
            "{by_lee:#?}"
        );
        laptop
            .screenshot(&format!("audit-by-person-laptop-{db}"))
            .await;

        // And by the case: its own entries, the settings change left out.
        laptop.fill("#record", &folio).await;
        laptop.submit_button("Filter").await;
        laptop
            .wait_for_text("main", &format!("Entries about case {folio}"))
            .await;
        let on_case = entries(&laptop).await;
        assert_eq!(
            on_case,
            [
                format!("Lee Park restored case {folio} from the trash"),
                format!("Lee Park moved case {folio} to the trash"),
                format!("Lee Park downloaded passport.pdf of case {folio}"),
                format!("Lee Park uploaded passport.pdf to case {folio}"),
                format!("Lee Park opened case {folio} for applicant Ana García"),
            ]
        );
        // The filters are in the address, to bookmark.
        let url = laptop.client.current_url().await.unwrap();
        let query = url.query().unwrap_or_default().to_string();
        assert!(query.contains(&format!("person={lee_id}")), "{query}");
        assert!(query.contains(&format!("record={folio}")), "{query}");
        filtered = url.to_string();
        // The details are one click away.
        let first = ".audit-entry:nth-child(3) .audit-details";
        assert!(!laptop.text(first).await.contains("file.downloaded"));
        laptop.click(&format!("{first} summary")).await;
        laptop.wait_for_text(first, "file.downloaded").await;
        let details = laptop.text(first).await;
        assert!(details.contains(&format!("file:{file}")), "{details}");
        assert!(details.contains("127.0.0.1"), "{details}");
        laptop
            .screenshot(&format!("audit-by-record-laptop-{db}"))
            .await;
    })
    .await;
    drop(laptop);

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("audit-phone-{db}"), &phone, async {
        phone.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        phone.goto(&filtered).await;
        phone
            .wait_for_text(".audit-entries", "downloaded passport.pdf")
            .await;
        let on_case = entries(&phone).await;
        assert_eq!(on_case.len(), 5, "{on_case:#?}");
        assert!(
            on_case.contains(&format!("Lee Park moved case {folio} to the trash")),
            "{on_case:#?}"
        );
        let wide = phone
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(wide, json!(false), "the log is wider than a phone");
        phone.screenshot(&format!("audit-phone-{db}")).await;
    })
    .await;
    server.stop().await;
}
