//! Files on the applicant and case pages, in a browser (Debian's Chromium
//! over WebDriver) on SQLite and PostgreSQL: uploading through the form on a
//! phone (the token travels before the file), the file listed with its
//! folder and size, the case page saying which files came from the
//! applicant, a refusal over the limit said in words, and deleting with a
//! confirmation.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(files_are_uploaded_and_deleted_from_the_pages);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn files_are_uploaded_and_deleted_from_the_pages(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start_with(backend, |c| c.files.max_file_bytes = 64 * 1024).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Oyelaran").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let passport = dir.path().join("passport scan.pdf");
    std::fs::write(&passport, b"%PDF-1.7 passport").unwrap();
    let video = dir.path().join("interview.mp4");
    std::fs::write(&video, vec![0u8; 100 * 1024]).unwrap();

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("files-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/applicants/{ana}", base(&server))).await;
        s.wait_for_text("#files", "No files yet").await;
        s.choose_file("#upload-file", &passport).await;
        s.fill("#upload-folder", "Identity").await;
        s.submit_button("Upload").await;
        s.wait_for_text(".flash", "Uploaded passport scan.pdf")
            .await;
        let listed = s.text("#files .file-list").await;
        assert!(listed.contains("passport scan.pdf"), "{listed}");
        assert!(listed.contains("Identity · 17 bytes"), "{listed}");
        let timeline = s.text("#timeline").await;
        assert!(
            timeline.contains("uploaded passport scan.pdf"),
            "{timeline}"
        );

        // Over the limit: the page says why, and nothing is listed.
        s.choose_file("#upload-file", &video).await;
        s.submit_button("Upload").await;
        let flash = s.wait_for_text(".flash", "Not uploaded").await;
        assert!(flash.contains("64 KB"), "{flash}");
        assert!(!s.text("#files").await.contains("interview.mp4"));

        // The case's page lists the applicant's file, marked so.
        s.goto(&format!("{}/cases/{case_id}", base(&server))).await;
        let on_case = s.wait_for_text("#files", "passport scan.pdf").await;
        assert!(on_case.contains("from the applicant"), "{on_case}");
        s.screenshot(&format!("case-files-phone-{db}")).await;

        // Deleting asks first, then the file is gone (to the trash).
        s.goto(&format!("{}/applicants/{ana}", base(&server))).await;
        s.wait_for("#files .file-list").await;
        s.click("#files .file-list button.danger").await;
        s.accept_confirmation().await;
        s.wait_for_text(".flash", "passport scan.pdf moved to the trash")
            .await;
        s.wait_for_text("#files", "No files yet").await;
    })
    .await;
    let trash = admin.get("/api/v1/trash").await.expect_status(200);
    assert_eq!(trash.body["items"][0]["label"], "passport scan.pdf");
}
