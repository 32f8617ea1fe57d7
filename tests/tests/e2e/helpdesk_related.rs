//! The applicant and case a helpdesk ticket is about, as people name them
//! on the new-ticket form (a case folio, an applicant's email address) and
//! as the ticket's page shows them (name and folio, linked), within what the
//! reader may read; against the real host on both databases.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{API, person, ticket};
use immcase_tests::{Api, Backend, Resp, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(tickets_name_their_case_by_folio_and_applicant_by_email);

/// Files a ticket through the page's form with these `case` and
/// `applicant` texts.
async fn file_from_form(api: &Api, case: &str, applicant: &str) -> Resp {
    let token = api
        .get("/m/helpdesk/new")
        .await
        .expect_status(200)
        .form_token();
    api.post_form(
        "/m/helpdesk/tickets",
        &[
            ("_csrf", &token),
            ("subject", "Biometrics letter"),
            ("description", "Which office?"),
            ("category", "case_support"),
            ("priority", "medium"),
            ("case_id", case),
            ("applicant_id", applicant),
        ],
    )
    .await
}

/// The ticket a form post led to.
async fn filed(api: &Api, answer: &Resp) -> Value {
    let location = answer.header("location").unwrap();
    let id = location.rsplit('/').next().unwrap().to_string();
    ticket(api, &Value::String(id)).await
}

async fn tickets_name_their_case_by_folio_and_applicant_by_email(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let made = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Okafor", "emails": ["Ana.Okafor@example.com"] }),
        )
        .await
        .expect_status(201);
    let ana = made.body["id"].as_str().unwrap().to_string();
    let case = admin.open_case(&ana, "study_permit").await;
    let case_id = case["id"].as_str().unwrap();
    let folio = case["folio"].as_str().unwrap();
    let reader = ["module:helpdesk", "applicants.read", "cases.read"];
    let (clerk, _) = person(&server, &admin, "clerk@example.com", &reader).await;

    // A folio, typed any way: the case, and its applicant with it.
    let answer = file_from_form(&clerk, &folio.to_lowercase(), "")
        .await
        .expect_status(303);
    let first = filed(&clerk, &answer).await;
    assert_eq!(first["case_id"], case_id);
    assert_eq!(first["applicant_id"], ana);
    let page = clerk
        .get(&answer.header("location").unwrap())
        .await
        .expect_status(200);
    assert!(
        page.text
            .contains(&format!(r#"<a href="/cases/{case_id}">{folio}</a>"#)),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(&format!(r#"<a href="/applicants/{ana}">Ana Okafor</a>"#)),
        "{}",
        page.text
    );

    // An email address, in any case: the applicant.
    let answer = file_from_form(&clerk, "", "ana.okafor@EXAMPLE.com")
        .await
        .expect_status(303);
    let second = filed(&clerk, &answer).await;
    assert_eq!(second["applicant_id"], ana);
    assert_eq!(second["case_id"], Value::Null);

    // What names nothing is said beside its field, and nothing is filed.
    let wrong = file_from_form(&clerk, "CAS999", "")
        .await
        .expect_status(422);
    assert!(
        wrong.text.contains("there is no case CAS999 here"),
        "{}",
        wrong.text
    );
    let wrong = file_from_form(&clerk, "", "nobody@example.com")
        .await
        .expect_status(422);
    assert!(
        wrong.text.contains("no applicant has this email address"),
        "{}",
        wrong.text
    );

    // Someone who may not read cases cannot name one, and sees no names.
    let (helper, _) = person(&server, &admin, "helper@example.com", &["module:helpdesk"]).await;
    let refused = file_from_form(&helper, folio, "").await.expect_status(422);
    assert!(refused.text.contains("cases.read"), "{}", refused.text);
    let manage = ["module:helpdesk", "helpdesk.manage"];
    let (manager, _) = person(&server, &admin, "lead@example.com", &manage).await;
    let id = first["id"].as_str().unwrap();
    let page = manager
        .get(&format!("/m/helpdesk/tickets/{id}"))
        .await
        .expect_status(200);
    assert!(!page.text.contains("Okafor"), "{}", page.text);
    assert!(page.text.contains(case_id), "{}", page.text);
    let list = manager
        .get(&format!("{API}/tickets"))
        .await
        .expect_status(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
    server.stop().await;
}
