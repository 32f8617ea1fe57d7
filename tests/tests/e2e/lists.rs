//! The Cases list narrowed and ordered (open or closed, stage, program,
//! responsible person; newest, oldest, recently changed), on the page and
//! in the JSON API; the choice kept for each person; filters on fields a
//! role hides refused; and New case finding the applicant.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    cases_are_filtered_sorted_and_the_choice_kept,
    new_case_finds_the_applicant,
    applicants_are_filtered_by_their_cases_and_sorted
);

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["family_name"].as_str().unwrap().to_owned())
        .collect()
}

fn folios(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["folio"].as_str().unwrap().to_owned())
        .collect()
}

async fn my_id(api: &Api) -> String {
    api.get("/api/v1/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn cases_are_filtered_sorted_and_the_choice_kept(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let me = my_id(&admin).await;
    let ana = admin.add_applicant("García").await;
    // CAS001 study, mine; CAS002 work, nobody's; CAS003 study, closed.
    admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": "study_permit", "responsible_user_id": me }),
        )
        .await
        .expect_status(201);
    let second = admin.open_case(&ana, "work_permit").await;
    admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": "study_permit", "stage": "closed",
                    "closing_date": "2026-11-20", "outcome": "approved" }),
        )
        .await
        .expect_status(201);
    // CAS002 changed last.
    admin
        .patch(
            &format!("/api/v1/cases/{}", second["id"].as_str().unwrap()),
            json!({ "version": 1, "stage": "preparation" }),
        )
        .await
        .expect_status(200);

    let list = |q: &'static str| {
        let admin = admin.clone();
        async move {
            folios(
                &admin
                    .get(&format!("/api/v1/cases?{q}"))
                    .await
                    .expect_status(200)
                    .body,
            )
        }
    };
    assert_eq!(list("").await, ["CAS003", "CAS002", "CAS001"]);
    assert_eq!(list("status=open").await, ["CAS002", "CAS001"]);
    assert_eq!(list("status=closed").await, ["CAS003"]);
    assert_eq!(list("stage=preparation").await, ["CAS002"]);
    assert_eq!(list("program=study_permit&status=open").await, ["CAS001"]);
    assert_eq!(list("responsible=me").await, ["CAS001"]);
    assert_eq!(list("responsible=none").await, ["CAS003", "CAS002"]);
    assert_eq!(list("sort=oldest").await, ["CAS001", "CAS002", "CAS003"]);
    assert_eq!(list("sort=updated").await, ["CAS002", "CAS003", "CAS001"]);
    // Paged in that order.
    let first = admin.get("/api/v1/cases?sort=updated&limit=2").await.body;
    assert_eq!(folios(&first), ["CAS002", "CAS003"]);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = admin
        .get(&format!(
            "/api/v1/cases?sort=updated&limit=2&cursor={cursor}"
        ))
        .await
        .body;
    assert_eq!(folios(&rest), ["CAS001"]);
    let wrong = admin
        .get("/api/v1/cases?stage=done&sort=sideways")
        .await
        .expect_status(422);
    assert!(
        wrong.body["error"]["fields"]["stage"].is_string(),
        "{}",
        wrong.text
    );
    assert!(
        wrong.body["error"]["fields"]["sort"].is_string(),
        "{}",
        wrong.text
    );

    // The page: open cases of study permits, kept for next time.
    let page = admin
        .get("/cases?status=open&program=study_permit&stage=&responsible=&sort=newest")
        .await
        .expect_status(200);
    assert!(page.text.contains(">CAS001</a>"), "{}", page.text);
    assert!(!page.text.contains(">CAS003</a>"));
    assert!(
        page.text
            .contains(r#"<option value="open" selected>Open</option>"#)
    );
    assert!(
        page.text
            .contains(r#"<a class="button primary" href="/cases/new">New case</a>"#)
    );
    assert!(
        page.text.contains(r#"data-label="Stage""#),
        "cards on a phone"
    );
    let again = admin.get("/cases").await.expect_status(200);
    assert!(
        again.text.contains(">CAS001</a>") && !again.text.contains(">CAS003</a>"),
        "kept"
    );
    assert!(again.text.contains("Clear filters"));
    // Another person's list is their own.
    let lee = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Reader", "permissions": ["applicants.read", "cases.read"] }),
            "lee@immcase.test",
        )
        .await;
    let theirs = lee.get("/cases").await.expect_status(200);
    assert!(theirs.text.contains(">CAS003</a>"), "{}", theirs.text);
    assert!(
        !theirs.text.contains("New case"),
        "only for who opens cases"
    );
    // Cleared.
    let all = admin.get("/cases?view=all").await.expect_status(200);
    assert!(all.text.contains(">CAS003</a>"));
    let after = admin.get("/cases").await.expect_status(200);
    assert!(after.text.contains(">CAS003</a>"), "forgotten");

    // A field the role hides cannot be filtered on, nor is it offered.
    let hidden = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "No stages", "permissions": ["applicants.read", "cases.read"],
                    "field_rules": { "case.stage": "hidden" } }),
            "sam@immcase.test",
        )
        .await;
    let refused = hidden
        .get("/api/v1/cases?status=closed")
        .await
        .expect_status(422);
    assert_eq!(
        refused.body["error"]["fields"]["status"],
        "your role does not show this field"
    );
    let page = hidden.get("/cases").await.expect_status(200);
    assert!(!page.text.contains(r#"name="status""#), "{}", page.text);
    server.stop().await;
}

async fn new_case_finds_the_applicant(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Lindqvist").await;
    let page = admin.get("/cases/new").await.expect_status(200);
    assert!(page.text.contains("<h1>New case</h1>"));
    let found = admin.get("/cases/new?q=lindqvist").await.expect_status(200);
    assert!(
        found.text.contains(&format!(
            r##"<a class="button" href="/applicants/{ana}#open-case">Open a case for Ana Lindqvist</a>"##
        )),
        "{}",
        found.text
    );
    let none = admin
        .get("/cases/new?q=nobodyhere")
        .await
        .expect_status(200);
    assert!(none.text.contains("No applicant matches"), "{}", none.text);
    let applicant = admin
        .get(&format!("/applicants/{ana}"))
        .await
        .expect_status(200);
    assert!(applicant.text.contains(r#"id="open-case""#));
    server.stop().await;
}

async fn applicants_are_filtered_by_their_cases_and_sorted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let open = admin.add_applicant("Abara").await;
    admin.open_case(&open, "study_permit").await;
    let closed = admin.add_applicant("Bianchi").await;
    admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": closed, "program": "study_permit", "stage": "closed",
                    "closing_date": "2026-11-20", "outcome": "approved" }),
        )
        .await
        .expect_status(201);
    admin.add_applicant("Chen").await;
    admin
        .patch(
            &format!("/api/v1/applicants/{open}"),
            json!({ "version": 1, "notes": "Call after 5" }),
        )
        .await
        .expect_status(200);
    let list = |q: &'static str| {
        let admin = admin.clone();
        async move {
            names(
                &admin
                    .get(&format!("/api/v1/applicants?{q}"))
                    .await
                    .expect_status(200)
                    .body,
            )
        }
    };
    assert_eq!(list("").await, ["Chen", "Bianchi", "Abara"]);
    assert_eq!(list("cases=open").await, ["Abara"]);
    assert_eq!(list("cases=none").await, ["Chen"]);
    assert_eq!(list("sort=oldest").await, ["Abara", "Bianchi", "Chen"]);
    assert_eq!(list("sort=updated").await, ["Abara", "Chen", "Bianchi"]);
    let wrong = admin
        .get("/api/v1/applicants?cases=some")
        .await
        .expect_status(422);
    assert!(
        wrong.body["error"]["fields"]["cases"].is_string(),
        "{}",
        wrong.text
    );

    // The page, kept for the person.
    let page = admin
        .get("/applicants?cases=open&sort=newest")
        .await
        .expect_status(200);
    assert!(
        page.text.contains("Ana Abara") && !page.text.contains("Ana Chen"),
        "{}",
        page.text
    );
    let again = admin.get("/applicants").await.expect_status(200);
    assert!(
        again.text.contains("Ana Abara") && !again.text.contains("Ana Chen"),
        "kept"
    );
    let all = admin.get("/applicants?view=all").await.expect_status(200);
    assert!(all.text.contains("Ana Chen"));

    // Without cases.read, no filter by cases.
    let reader = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Applicants only", "permissions": ["applicants.read"] }),
            "ada@immcase.test",
        )
        .await;
    reader
        .get("/api/v1/applicants?cases=open")
        .await
        .expect_status(422);
    let page = reader.get("/applicants").await.expect_status(200);
    assert!(!page.text.contains(r#"name="cases""#), "{}", page.text);
    server.stop().await;
}
