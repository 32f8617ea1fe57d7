//! The case pages and Settings → Case programs over plain HTTP: opening a
//! case from its applicant, the list, editing, closing (refused without a
//! date and an outcome), a stale form, the timeline, deleting; and an
//! administrator keeping the list of programs that the case forms offer.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    a_case_is_opened_edited_closed_and_deleted,
    the_case_programs_page_keeps_the_list_the_forms_offer,
);

async fn token(api: &Api, path: &str) -> String {
    api.get(path).await.expect_status(200).form_token()
}

async fn a_case_is_opened_edited_closed_and_deleted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let me = admin.get("/api/v1/me").await.expect_status(200);
    let my_id = me.body["user"]["id"].as_str().unwrap().to_string();
    let applicant_page = format!("/applicants/{ana}");
    let page = admin.get(&applicant_page).await.expect_status(200);
    assert!(page.text.contains("No cases yet"));
    assert!(
        page.text
            .contains("<option value=\"study_permit\">Study permit</option>")
    );
    let t = page.form_token();
    let open = format!("/applicants/{ana}/cases");
    let refused = admin
        .post_form(
            &open,
            &[("_csrf", &t), ("program", ""), ("opened_on", "2026-11-02")],
        )
        .await
        .expect_status(422);
    assert!(
        refused.text.contains("id=\"program-error\">required"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("value=\"2026-11-02\""),
        "what was typed is kept"
    );
    let opened = admin
        .post_form(
            &open,
            &[
                ("_csrf", &t),
                ("program", "study_permit"),
                ("responsible_user_id", &my_id),
                ("opened_on", "2026-11-02"),
            ],
        )
        .await
        .expect_status(303);
    let path = opened.header("location").unwrap();
    let page = admin.get(&path).await.expect_status(200);
    for shown in [
        "CAS001 is open for Ana García.",
        "<h1>CAS001",
        "Study permit",
        "Intake",
        "Administrator",
        "2026-11-02",
        "created this case",
        "<h2 id=\"files-heading\">Files</h2>",
    ] {
        assert!(page.text.contains(shown), "{shown} in {}", page.text);
    }
    let list = admin.get("/cases").await.expect_status(200);
    for shown in [
        ">CAS001</a>",
        ">Ana García</a>",
        r#"<td data-label="Program">Study permit</td>"#,
        r#"<td data-label="Stage">Intake</td>"#,
        r#"<td data-label="Responsible">Administrator</td>"#,
    ] {
        assert!(list.text.contains(shown), "{shown} in {}", list.text);
    }
    let on_applicant = admin.get(&applicant_page).await.expect_status(200);
    assert!(on_applicant.text.contains(">CAS001</a>"));
    let found = admin.get("/cases?q=CAS001").await.expect_status(200);
    assert!(found.text.contains(">CAS001</a>"), "{}", found.text);

    // Closing needs a closing date and an outcome, each named beside its field.
    let t = token(&admin, &path).await;
    let fields =
        |version: &'static str, stage: &'static str, date: &'static str, outcome: &'static str| {
            vec![
                ("_csrf", t.clone()),
                ("version", version.to_string()),
                ("program", "study_permit".to_string()),
                ("stage", stage.to_string()),
                ("responsible_user_id", my_id.clone()),
                ("opened_on", "2026-11-02".to_string()),
                ("submitted_on", "2026-11-10".to_string()),
                ("decision_on", String::new()),
                ("closing_date", date.to_string()),
                ("outcome", outcome.to_string()),
            ]
        };
    let post = |fields: Vec<(&'static str, String)>| {
        let (admin, path) = (admin.clone(), path.clone());
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post_form(&path, &pairs).await
        }
    };
    let refused = post(fields("1", "closed", "", "")).await.expect_status(422);
    assert!(
        refused
            .text
            .contains("id=\"closing_date-error\">required to close a case"),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("id=\"outcome-error\">required to close a case")
    );
    assert!(
        refused.text.contains("<option value=\"closed\" selected>"),
        "the stage typed is kept"
    );
    post(fields("1", "closed", "2026-11-20", "approved"))
        .await
        .expect_status(303);
    let page = admin.get(&path).await.expect_status(200);
    for shown in [
        "CAS001 is saved.",
        "<dd>Closed</dd>",
        "<dd>Approved</dd>",
        "<dd>2026-11-20</dd>",
        "<strong>Stage</strong> from <q class=\"old\">Intake</q> to <q class=\"new\">Closed</q>",
    ] {
        assert!(page.text.contains(shown), "{shown} in {}", page.text);
    }
    // A form opened before that, without the values it was opened with:
    // every field it holds counts as changed, so it is asked about each
    // one the saved case has otherwise (edit_conflicts has the rest).
    let stale = post(fields("1", "preparation", "", ""))
        .await
        .expect_status(409);
    assert!(
        stale.text.contains("Someone else saved this case"),
        "{}",
        stale.text
    );
    assert!(
        stale
            .text
            .contains(r#"<input type="radio" name="stage" value="preparation" required> Use yours: <strong>Preparation</strong>"#),
        "{}",
        stale.text
    );
    assert!(stale.text.contains("name=\"version\" value=\"2\""));

    // Deleted at its version: back to the applicant, without the case.
    let deleted = admin
        .post_form(
            &format!("{path}/delete"),
            &[("_csrf", &t), ("version", "2")],
        )
        .await
        .expect_status(303);
    assert_eq!(deleted.header("location").unwrap(), applicant_page);
    let page = admin.get(&applicant_page).await.expect_status(200);
    assert!(page.text.contains("CAS001 is in the trash."));
    assert!(page.text.contains("No cases yet"));
    admin.get(&path).await.expect_status(404);
    server.stop().await;
}

async fn the_case_programs_page_keeps_the_list_the_forms_offer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let applicant_page = format!("/applicants/{ana}");
    let list = "/settings/case-programs";
    let page = admin.get(list).await.expect_status(200);
    assert!(page.text.contains("<h1>Case programs</h1>"));
    assert!(page.text.contains("value=\"Study permit\""));
    let t = page.form_token();
    let empty = admin
        .post_form(list, &[("_csrf", &t), ("label", " "), ("key", "")])
        .await
        .expect_status(422);
    assert!(
        empty.text.contains("id=\"label-error\">required"),
        "{}",
        empty.text
    );
    let bad_key = admin
        .post_form(
            list,
            &[("_csrf", &t), ("label", "Caregiver"), ("key", "Care Giver")],
        )
        .await
        .expect_status(422);
    assert!(
        bad_key.text.contains("id=\"key-error\""),
        "{}",
        bad_key.text
    );
    assert!(bad_key.text.contains("value=\"Care Giver\""));
    admin
        .post_form(list, &[("_csrf", &t), ("label", "Caregiver"), ("key", "")])
        .await
        .expect_status(303);
    let page = admin.get(list).await.expect_status(200);
    assert!(
        page.text
            .contains("Caregiver is added and offered for new cases.")
    );
    let offered = admin.get(&applicant_page).await.expect_status(200);
    assert!(
        offered
            .text
            .contains("<option value=\"caregiver\">Caregiver</option>")
    );

    // Switched off (no "active" field): no longer offered; renamed too.
    let row = "/settings/case-programs/caregiver";
    admin
        .post_form(
            row,
            &[
                ("_csrf", &t),
                ("label", "Caregiver program"),
                ("version", "1"),
            ],
        )
        .await
        .expect_status(303);
    let page = admin.get(list).await.expect_status(200);
    assert!(
        page.text
            .contains("Caregiver program is saved, switched off"),
        "{}",
        page.text
    );
    let offered = admin.get(&applicant_page).await.expect_status(200);
    assert!(!offered.text.contains("value=\"caregiver\""));
    // A stale row and an empty label are refused on the list.
    let stale = admin
        .post_form(
            row,
            &[
                ("_csrf", &t),
                ("label", "Carers"),
                ("active", "on"),
                ("version", "1"),
            ],
        )
        .await
        .expect_status(409);
    assert!(
        stale.text.contains("changed by someone else"),
        "{}",
        stale.text
    );
    let empty = admin
        .post_form(
            row,
            &[
                ("_csrf", &t),
                ("label", ""),
                ("active", "on"),
                ("version", "2"),
            ],
        )
        .await
        .expect_status(422);
    assert!(
        empty.text.contains("id=\"label-caregiver-error\">required"),
        "{}",
        empty.text
    );

    // A program cases have cannot be deleted; an unused one can.
    admin.open_case(&ana, "other").await;
    let in_use = admin
        .post_form("/settings/case-programs/other/delete", &[("_csrf", &t)])
        .await
        .expect_status(409);
    assert!(
        in_use.text.contains("switch it off instead"),
        "{}",
        in_use.text
    );
    let page = admin.get(list).await.expect_status(200);
    assert!(
        !page
            .text
            .contains("action=\"/settings/case-programs/other/delete\"")
    );
    admin
        .post_form(&format!("{row}/delete"), &[("_csrf", &t)])
        .await
        .expect_status(303);
    let page = admin.get(list).await.expect_status(200);
    assert!(page.text.contains("Caregiver program is deleted."));

    // Someone without settings.manage is refused the page.
    let consultant = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Cons", "permissions": ["cases.read", "cases.write", "applicants.read"] }),
            "cons@immcase.test",
        )
        .await;
    let refused = consultant.get(list).await.expect_status(403);
    assert!(refused.text.contains("settings.manage"));
    server.stop().await;
}
