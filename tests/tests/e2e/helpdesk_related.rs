//! The applicant and case a helpdesk ticket is about, as people name them
//! on the new-ticket form (a case folio, an applicant's email address) and
//! as the ticket's page shows them (name and folio, linked), within what the
//! reader may read; against the real host on both databases.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{API, person, ticket};
use immcase_tests::{Api, Backend, Resp, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(tickets_name_their_case_by_folio_and_applicant_by_email);
on_both_databases!(a_case_and_an_applicant_list_their_tickets);

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

/// The page a record's Tickets tab leads to, as `api` sees it.
async fn tab(api: &Api, query: &str) -> String {
    api.get(&format!("/m/helpdesk/?{query}"))
        .await
        .expect_status(200)
        .text
}

async fn a_case_and_an_applicant_list_their_tickets(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let lea = admin.add_applicant("Moreau").await;
    let max = admin.add_applicant("Moreau-Blanc").await;
    let case = admin.open_case(&lea, "study_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let folio = case["folio"].as_str().unwrap().to_string();
    let file = |subject: &str, about: Value| {
        let mut body = json!({
            "subject": subject, "description": "-", "category": "case_support", "priority": "medium",
        });
        body.as_object_mut()
            .unwrap()
            .extend(about.as_object().unwrap().clone());
        body
    };
    // Through the API a case alone names its applicant too.
    let on_case = admin
        .post(
            &format!("{API}/tickets"),
            file("Biometrics letter", json!({ "case_id": case_id })),
        )
        .await
        .expect_status(201)
        .body;
    assert_eq!(on_case["applicant_id"], lea);
    admin
        .post(
            &format!("{API}/tickets"),
            file("Address change", json!({ "applicant_id": lea })),
        )
        .await
        .expect_status(201);
    admin
        .post(
            &format!("{API}/tickets"),
            file("Other person", json!({ "applicant_id": max })),
        )
        .await
        .expect_status(201);

    // The case's page and the applicant's have a Tickets tab.
    let page = admin
        .get(&format!("/cases/{case_id}"))
        .await
        .expect_status(200)
        .text;
    assert!(
        page.contains(&format!(r#"href="/cases/{case_id}?tab=helpdesk#tab""#)),
        "{page}"
    );
    let inside = admin
        .get(&format!("/cases/{case_id}?tab=helpdesk"))
        .await
        .expect_status(200)
        .text;
    assert!(inside.contains("Biometrics letter"), "{inside}");
    assert!(!inside.contains("Other person"), "{inside}");
    assert!(
        inside.contains(&format!(
            r#"href="/m/helpdesk/?case={case_id}">Open in its module"#
        )),
        "{inside}"
    );
    let page = admin
        .get(&format!("/applicants/{lea}"))
        .await
        .expect_status(200)
        .text;
    assert!(
        page.contains(&format!(r#"href="/applicants/{lea}?tab=helpdesk#tab""#)),
        "{page}"
    );

    let check = |case_tab: &str, lea_tab: &str| {
        // The case: its ticket only, naming it, and a new ticket about it.
        assert!(case_tab.contains("Biometrics letter"), "{case_tab}");
        assert!(!case_tab.contains("Address change"), "{case_tab}");
        assert!(!case_tab.contains("Other person"), "{case_tab}");
        assert!(
            case_tab.contains(&format!(r#"<a href="/cases/{case_id}">{folio}</a>"#)),
            "{case_tab}"
        );
        assert!(
            case_tab.contains(&format!("/m/helpdesk/new?case_id=case:{case_id}")),
            "{case_tab}"
        );
        // The applicant: theirs and their case's, nobody else's.
        assert!(lea_tab.contains("Biometrics letter"), "{lea_tab}");
        assert!(lea_tab.contains("Address change"), "{lea_tab}");
        assert!(!lea_tab.contains("Other person"), "{lea_tab}");
        assert!(lea_tab.contains("Tickets about"), "{lea_tab}");
    };
    check(
        &tab(&admin, &format!("case={case_id}")).await,
        &tab(&admin, &format!("applicant={lea}")).await,
    );
    // The JSON list filters the same way.
    let listed = admin
        .get(&format!("{API}/tickets?case={case_id}"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // The new-ticket form starts about the case.
    let form = admin
        .get(&format!("/m/helpdesk/new?case_id=case:{case_id}"))
        .await
        .expect_status(200)
        .text;
    assert!(
        form.contains(&format!(r#"value="case:{case_id}""#)),
        "{form}"
    );

    // Tickets stored before the helpdesk indexed `case_id` and
    // `applicant_id` (as a practice upgrading has them): the server
    // rebuilds the copies when it starts, and the tabs find them.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&server.config.database_url())
        .await
        .unwrap();
    for statement in [
        "DELETE FROM module_document_fields WHERE module_id = 'helpdesk' AND field IN ('case_id', 'applicant_id')",
        "UPDATE module_indexes SET fields = 'folio,status' WHERE module_id = 'helpdesk' AND collection = 'tickets'",
    ] {
        let done = sqlx::query(statement).execute(&db).await.unwrap();
        assert!(done.rows_affected() > 0, "{statement}");
    }
    assert!(
        !tab(&admin, &format!("case={case_id}"))
            .await
            .contains("Biometrics letter")
    );
    db.close().await;
    server.restart().await;
    let admin = server.admin().await;
    check(
        &tab(&admin, &format!("case={case_id}")).await,
        &tab(&admin, &format!("applicant={lea}")).await,
    );
    server.stop().await;
}
