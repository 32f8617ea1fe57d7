//! Settings → Trash and Settings → Practice in a browser, on SQLite and
//! PostgreSQL: an administrator restores one deletion and deletes another
//! for good after ticking the confirmation; the practice's details are
//! corrected and saved at laptop and phone widths, neither page scrolling
//! sideways on a phone.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    the_trash_page_restores_and_deletes_for_good,
    the_practice_page_saves_at_both_widths,
);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn scrolls_sideways(s: &Session) -> bool {
    s.client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap()
        == json!(true)
}

async fn the_trash_page_restores_and_deletes_for_good(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let ana = api.add_applicant("Okonkwo").await;
    api.open_case(&ana, "work_permit").await;
    api.upload(
        &format!("/api/v1/applicants/{ana}/files"),
        &[("passport.pdf", b"%PDF passport")],
        None,
    )
    .await
    .expect_status(201);
    let bo = api.add_applicant("Tremblay").await;
    for id in [&ana, &bo] {
        api.delete(&format!("/api/v1/applicants/{id}"))
            .await
            .expect_status(204);
    }

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("trash-phone-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/settings/trash", base(&server))).await;
        s.wait_for_text("main table", "Ana Okonkwo").await;
        assert!(
            !scrolls_sideways(&s).await,
            "the trash scrolls sideways on a phone"
        );
        s.screenshot(&format!("trash-phone-{db}")).await;
    })
    .await;

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("trash-laptop-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        // The sidebar leads there.
        s.click("nav a[href='/settings/trash']").await;
        let listed = s.wait_for_text("main table", "Ana Okonkwo").await;
        assert!(listed.contains("1 case and 1 file"), "{listed}");
        assert!(listed.contains("30 days left"), "{listed}");
        s.click(&format!("#trash-applicant-{bo} button")).await;
        s.wait_for_text(".flash", "Ana Tremblay is restored.").await;
        assert!(!s.has(&format!("#trash-applicant-{bo}")).await);

        s.click(&format!("#trash-applicant-{ana} a.button")).await;
        s.wait_for_text("main h1", "Delete Ana Okonkwo for good?")
            .await;
        // The box must be ticked first: the browser keeps the form until it is.
        s.submit_button("Delete Ana Okonkwo for good").await;
        assert!(
            s.current_path().await.ends_with("/delete"),
            "not sent unticked"
        );
        s.check("input[name='confirm']", true).await;
        s.submit_button("Delete Ana Okonkwo for good").await;
        s.wait_for_text(".flash", "Ana Okonkwo is deleted for good.")
            .await;
        s.wait_for_text("main", "The trash is empty").await;
        s.screenshot(&format!("trash-laptop-{db}")).await;
    })
    .await;
    let trash = api.get("/api/v1/trash").await.expect_status(200);
    assert!(trash.body["items"].as_array().unwrap().is_empty());
    api.get(&format!("/api/v1/applicants/{bo}"))
        .await
        .expect_status(200);
    api.get(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(404);
    server.stop().await;
}

async fn the_practice_page_saves_at_both_widths(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    for ((width, height), device, limit) in [(LAPTOP, "laptop", "20"), (PHONE, "phone", "10")] {
        let s = browser.session(width, height).await;
        scenario(&format!("practice-{device}-{db}"), &s, async {
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{}/settings/practice", base(&server)))
                .await;
            s.wait_for("meter#storage-used").await;
            s.wait_for_text("#storage-words", "of 10 GB used").await;
            // A mistake is shown beside its field, named by its label.
            s.fill("#phone", "call the office").await;
            s.submit_button("Save").await;
            s.wait_for_text("#phone-error", "Phone: use at least 7 digits")
                .await;
            assert!(
                !scrolls_sideways(&s).await,
                "a mistake makes the page scroll sideways on a {device}"
            );
            s.fill("#phone", "+1 416 555 0100").await;
            s.fill("#name", "Maple Immigration").await;
            s.select_by_value("#time_zone", "America/Vancouver").await;
            s.fill("#max_file_mb", limit).await;
            s.submit_button("Save").await;
            s.wait_for_text(".flash", "The practice's details are saved.")
                .await;
            assert!(
                !scrolls_sideways(&s).await,
                "the practice page scrolls sideways on a {device}"
            );
            s.screenshot(&format!("practice-{device}-{db}")).await;
        })
        .await;
        let saved = api.get("/api/v1/practice").await.expect_status(200);
        assert_eq!(saved.body["phone"], "+1 416 555 0100");
        assert_eq!(saved.body["time_zone"], "America/Vancouver");
        assert_eq!(saved.body["max_file_mb"], limit.parse::<i64>().unwrap());
    }
    server.stop().await;
}
