//! Merging two applicants in a browser, on SQLite and PostgreSQL: from Find
//! duplicates to the merge page (both side by side, what moves) on a phone
//! without sideways scrolling, then on a laptop the merge itself and its
//! undoing from Settings → Trash.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(two_applicants_are_merged_and_unmerged_from_their_pages);

async fn two_applicants_are_merged_and_unmerged_from_their_pages(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let base = format!("http://localhost:{}", server.addr.port());
    let add = async |family: &str, email: &str| {
        let made = api
            .post(
                "/api/v1/applicants",
                json!({ "given_name": "Ana", "family_name": family, "emails": [email],
                        "confirm_duplicates": true }),
            )
            .await
            .expect_status(201);
        made.body["id"].as_str().unwrap().to_string()
    };
    let kept = add("Díaz", "ana@example.com").await;
    let other = add("Diaz", "ana@example.com").await;
    let case = api.open_case(&other, "work_permit").await;
    let folio = case["folio"].as_str().unwrap().to_string();

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("merge-phone-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{base}/applicants/duplicates")).await;
        s.click(".merge-link a").await;
        s.wait_for_text("main h1", "Merge two applicants").await;
        let effects = s.text("ul.merge-effects").await;
        assert!(effects.contains(&folio), "{effects}");
        assert!(
            !s.scrolls_sideways().await,
            "the merge page scrolls sideways on a phone"
        );
        s.screenshot(&format!("merge-phone-{db}")).await;
    })
    .await;

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("merge-laptop-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{base}/applicants/{kept}/merge?other={other}"))
            .await;
        let intro = s.wait_for_text("main", "Keep Ana Diaz instead").await;
        assert!(
            intro.contains("Keep Ana Díaz and merge Ana Diaz into them."),
            "{intro}"
        );
        let compared = s.text("table.merge-compare tbody").await;
        assert!(
            compared.contains("Díaz") && compared.contains("Diaz"),
            "{compared}"
        );
        s.screenshot(&format!("merge-laptop-{db}")).await;
        s.submit_button("Merge Ana Diaz into Ana Díaz").await;
        s.wait_for_text(
            ".flash",
            "Ana Diaz is merged into this applicant: 1 case and 0 files moved here.",
        )
        .await;
        s.wait_for_text("main", &folio).await;
        s.goto(&format!("{base}/settings/trash")).await;
        s.wait_for_text("main table", "Merged into Ana Díaz.").await;
        s.click(&format!("#trash-applicant-{other} button")).await;
        s.wait_for_text(
            ".flash",
            "Ana Diaz is restored and the merge into Ana Díaz is undone.",
        )
        .await;
    })
    .await;
    let case = api
        .get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()))
        .await
        .expect_status(200);
    assert_eq!(case.body["applicant_id"], other.as_str());
    server.stop().await;
}
