//! Files on the applicant and case pages, in a browser (Debian's Chromium
//! over WebDriver) on SQLite and PostgreSQL: uploading through the form on a
//! phone (the token travels before the file), the file listed with its
//! folder and size, the case page saying which files came from the
//! applicant, a refusal over the limit said in words, and deleting with a
//! confirmation; a 51 MB file picked with a small one on a laptop and on a
//! phone: the small one kept, the refusal in the error style and in view.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    files_are_uploaded_and_deleted_from_the_pages,
    a_large_file_picked_with_a_small_one_keeps_the_small_one
);

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
        let flash = s
            .wait_for_text(".flash-refused[role=alert]", "Nothing was uploaded.")
            .await;
        assert!(
            flash.contains("interview.mp4: not uploaded, it is larger than 64 KB"),
            "{flash}"
        );
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

/// Whether the element matching `css` is wholly in the window.
async fn in_view(s: &Session, css: &str) -> bool {
    s.wait_for(css).await;
    let seen = s
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return r.top >= 0 && r.bottom <= window.innerHeight;",
            vec![json!(css)],
        )
        .await
        .unwrap();
    seen == json!(true)
}

async fn a_large_file_picked_with_a_small_one_keeps_the_small_one(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    // The server's own per-file limit, 50 MB.
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Haddad").await;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big_bank_statements.pdf");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(51 * 1024 * 1024).unwrap();
    let small = dir.path().join("study_plan.pdf");
    std::fs::write(&small, b"%PDF-1.7 study plan").unwrap();

    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let s = browser.session(width, height).await;
        scenario(&format!("upload-partly-refused-{device}-{db}"), &s, async {
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{}/applicants/{ana}#files", base(&server)))
                .await;
            s.choose_file("#upload-file", &big).await;
            s.choose_file("#upload-file", &small).await;
            s.submit_button("Upload").await;
            let said = s
                .wait_for_text(".flash-refused[role=alert]", "Uploaded 1 of 2 files")
                .await;
            assert!(said.contains("study_plan.pdf: uploaded."), "{said}");
            assert!(
                said.contains(
                    "big_bank_statements.pdf: not uploaded, it is larger than 50 MB, the most a file may be."
                ),
                "{said}"
            );
            assert!(in_view(&s, ".flash-refused").await, "the refusal is in view");
            assert!(!s.has(".flash").await, "not in the success style");
            s.screenshot(&format!("upload-partly-refused-{device}-{db}")).await;
            let listed = s.text("#files").await;
            assert!(listed.contains("study_plan.pdf"), "{listed}");
            assert!(!listed.contains("big_bank_statements.pdf"), "{listed}");
        })
        .await;
    }
    let files = admin
        .get(&format!("/api/v1/applicants/{ana}/files"))
        .await
        .expect_status(200);
    let names: Vec<&str> = files.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["study_plan.pdf", "study_plan.pdf"],
        "one from each device"
    );
    server.stop().await;
}
