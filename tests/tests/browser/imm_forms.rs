//! The IMM forms pages in a browser (Debian's Chromium over WebDriver) on
//! SQLite and PostgreSQL: an administrator uploads a blank on a laptop,
//! names it and makes it active; on a phone, a case's Forms tab fills it,
//! the question its map asks is answered, and the report says what to do
//! next, with a normal download of the PDF, without sideways scrolling; a
//! letter template is added from a starter and checked, and a letter the
//! record cannot fill is refused in view.
//! Leaves screenshots under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_pdf_forms::fixtures;
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(a_blank_is_added_and_a_form_filled_for_a_case);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn a_blank_is_added_and_a_form_filled_for_a_case(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let applicant = admin.add_applicant("Okafor").await;
    let case = admin.open_case(&applicant, "visitor_visa").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let folder = tempfile::tempdir().unwrap();
    let blank = folder.path().join("imm5257e.pdf");
    std::fs::write(&blank, fixtures::imm5257().build()).unwrap();

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("imm-forms-catalog-laptop-{db}"), &laptop, async {
        laptop
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert!(
            laptop.has("#sidebar a[href='/m/imm-forms/']").await,
            "in the menu"
        );
        laptop
            .goto(&format!("{}/m/imm-forms/", base(&server)))
            .await;
        laptop.wait_for_text("main h1", "IMM forms").await;
        laptop.choose_file("input[name='blank']", &blank).await;
        laptop.submit_button("Upload").await;
        laptop.wait_for_text("main", "Which form is this?").await;
        laptop.fill("input[name='form_code']", "IMM 5257").await;
        laptop
            .fill("input[name='title']", "Application for Visitor Visa")
            .await;
        laptop.fill("input[name='label']", "(10-2023) E").await;
        laptop.submit_button("Add to the catalog").await;
        laptop
            .wait_for_text("main h1", "IMM 5257 (10-2023) E")
            .await;
        laptop.submit_button("Make this the active edition").await;
        laptop.accept_confirmation().await;
        laptop
            .wait_for_text("main", "active: filled for new cases")
            .await;
        laptop.click("main a[href$='/map']").await;
        laptop.wait_for_text("main", "Edit the map").await;
        laptop
            .screenshot(&format!("imm-forms-map-laptop-{db}"))
            .await;
    })
    .await;

    // A letter template from a starter, checked in the editor.
    scenario(&format!("imm-forms-template-laptop-{db}"), &laptop, async {
        laptop
            .goto(&format!("{}/m/imm-forms/templates", base(&server)))
            .await;
        laptop.wait_for_text("main h1", "Letter templates").await;
        laptop.fill("input[name='title']", "Cover letter").await;
        laptop
            .select_by_value("select[name='starter']", "cover_letter")
            .await;
        laptop.submit_button("Add template").await;
        laptop
            .wait_for_text("main", "Template “Cover letter” added.")
            .await;
        laptop.submit_button("Check").await;
        laptop.wait_for_text("main", "No mistakes").await;
        assert!(
            laptop.has("main a[download][href$='/preview']").await,
            "a preview to download"
        );
        laptop
            .screenshot(&format!("imm-forms-template-laptop-{db}"))
            .await;
    })
    .await;

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("imm-forms-fill-phone-{db}"), &phone, async {
        phone
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        phone
            .goto(&format!(
                "{}/cases/{case_id}?tab=imm-forms#tab",
                base(&server)
            ))
            .await;
        phone.wait_for_text("main", "Nothing generated yet.").await;
        phone.submit_button("Fill for this case").await;
        phone
            .wait_for_text("main h1", "Fill IMM 5257 (10-2023) E for")
            .await;
        phone
            .fill(
                "input[name='answer:Sex (Female, Male, Unknown or Unspecified)']",
                "Female",
            )
            .await;
        assert!(
            !phone.scrolls_sideways().await,
            "the fill page fits a phone's width"
        );
        phone.submit_button("Fill for this case").await;
        let report = phone.wait_for_text("main", "Press Validate").await;
        assert!(report.contains("Not filled"), "{report}");
        // No date of birth on the record: named in the report.
        assert!(
            report.contains("no applicant's date of birth on the record"),
            "{report}"
        );
        assert!(
            phone.has("main a[download][href^='/api/v1/files/']").await,
            "a normal download"
        );
        assert!(
            !phone.scrolls_sideways().await,
            "the report fits a phone's width"
        );
        phone
            .screenshot(&format!("imm-forms-report-phone-{db}"))
            .await;
        // A letter the record cannot fill is refused in view, naming what is missing.
        phone
            .goto(&format!(
                "{}/cases/{case_id}?tab=imm-forms#tab",
                base(&server)
            ))
            .await;
        phone.submit_button("Generate letter").await;
        let refused = phone
            .wait_for_text("main .form-error", "needs what the record does not say")
            .await;
        assert!(refused.contains("{{"), "{refused}");
        assert!(
            !phone.scrolls_sideways().await,
            "the refusal fits a phone's width"
        );
    })
    .await;
    server.stop().await;
}
