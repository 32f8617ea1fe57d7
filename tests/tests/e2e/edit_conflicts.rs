//! Two people editing the same case or applicant: a form writes only the
//! fields its person changed, a save over someone else's keeps both when
//! they changed different fields, and asks only about fields both changed;
//! the JSON API's 409 says field by field what changed since. And a person
//! who may work on the cases they are responsible for edits those only.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, Resp, TestServer, on_both_databases};
use serde_json::{Map, Value, json};

on_both_databases!(
    two_people_editing_a_case_keep_both_changes,
    two_people_editing_an_applicant_keep_both_changes,
    the_api_conflict_says_what_changed_field_by_field,
    the_responsible_person_works_on_their_case_only
);

/// Lee, a consultant who edits applicants and cases.
async fn lee(server: &TestServer, admin: &Api) -> Api {
    server
        .sign_in_with_role(
            admin,
            json!({ "name": "Case consultant", "permissions": ["applicants.read", "applicants.write", "cases.read", "cases.write"] }),
            "lee@immcase.test",
        )
        .await
}

/// What a browser posts from the edit form of `page`: every field as the
/// form holds it (its `base`), with `changes` typed over it.
fn form_of(page: &Resp, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let base: Map<String, Value> = serde_json::from_str(&page.hidden("base")).unwrap();
    let mut fields: Vec<(String, String)> = vec![
        ("_csrf".into(), page.form_token()),
        ("version".into(), page.hidden("version")),
        ("base".into(), page.hidden("base")),
    ];
    for (field, value) in &base {
        let text = match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        };
        fields.push((field.clone(), text));
    }
    for (field, value) in changes {
        match fields.iter_mut().find(|(f, _)| f == field) {
            Some(slot) => slot.1 = (*value).to_owned(),
            None => fields.push(((*field).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

async fn post(api: &Api, path: &str, fields: &[(String, String)]) -> Resp {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    api.post_form(path, &pairs).await
}

async fn two_people_editing_a_case_keep_both_changes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let lee = lee(&server, &admin).await;
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let (id, path) = (
        case["id"].as_str().unwrap().to_owned(),
        format!("/cases/{}", case["id"].as_str().unwrap()),
    );
    // Both open the case's form.
    let mine = admin.get(&path).await.expect_status(200);
    let theirs = lee.get(&path).await.expect_status(200);

    // Lee submits it.
    let lee_saves = form_of(
        &theirs,
        &[("stage", "submitted"), ("submitted_on", "2026-12-01")],
    );
    post(&lee, &path, &lee_saves).await.expect_status(303);

    // The administrator, on the form opened before, changes another field:
    // saved over Lee's save, both kept.
    let other_field = form_of(&mine, &[("opened_on", "2026-11-30")]);
    let saved = post(&admin, &path, &other_field).await.expect_status(303);
    assert_eq!(saved.header("location").unwrap(), path);
    let page = admin.get(&path).await.expect_status(200);
    assert!(
        page.text
            .contains("CAS001 is saved, with the changes someone else made meanwhile."),
        "{}",
        page.text
    );
    let now = admin.get(&format!("/api/v1/cases/{id}")).await.body;
    assert_eq!(now["stage"], "submitted", "{now}");
    assert_eq!(now["submitted_on"], "2026-12-01");
    assert_eq!(now["opened_on"], "2026-11-30");

    // On the same old form, the stage too: asked about the stage only,
    // the decision date typed kept.
    let both = form_of(
        &mine,
        &[("stage", "preparation"), ("decision_on", "2026-12-03")],
    );
    let asked = post(&admin, &path, &both).await.expect_status(409);
    for shown in [
        "Someone else saved this case while you were editing, and changed stage too.",
        "Your other change is kept in the form.",
        r#"<legend>Stage <span class="muted">— you both changed it</span></legend>"#,
        r#"<input type="radio" name="stage" value="submitted" required> Keep <strong>Submitted</strong> <small class="muted">(lee@immcase.test, "#,
        r#"<input type="radio" name="stage" value="preparation" required> Use yours: <strong>Preparation</strong>"#,
        r#"name="decision_on" type="date" value="2026-12-03""#,
        r#"name="opened_on" type="date" value="2026-11-30""#,
        r#"<details class="edit" id="edit" open>"#,
    ] {
        assert!(asked.text.contains(shown), "{shown} in {}", asked.text);
    }
    assert_eq!(asked.hidden("asked"), "stage");
    assert_eq!(asked.hidden("version"), now["version"].to_string());
    // Nothing was saved yet.
    let unchanged = admin.get(&format!("/api/v1/cases/{id}")).await.body;
    assert_eq!(unchanged["version"], now["version"]);

    // Not answering is refused, naming the field.
    let mut unanswered = form_of(&asked, &[]);
    unanswered.retain(|(f, _)| f != "stage");
    unanswered.push(("asked".into(), "stage".into()));
    let refused = post(&admin, &path, &unanswered).await.expect_status(422);
    assert!(
        refused.text.contains("choose which stage to keep"),
        "{}",
        refused.text
    );

    // Choosing their stage keeps it, and saves the decision date.
    let mut answered = form_of(
        &asked,
        &[("stage", "submitted"), ("decision_on", "2026-12-03")],
    );
    answered.push(("asked".into(), "stage".into()));
    post(&admin, &path, &answered).await.expect_status(303);
    let last = admin.get(&format!("/api/v1/cases/{id}")).await.body;
    assert_eq!(last["stage"], "submitted", "{last}");
    assert_eq!(last["decision_on"], "2026-12-03");
    assert_eq!(last["submitted_on"], "2026-12-01");
    assert_eq!(last["opened_on"], "2026-11-30");
    server.stop().await;
}

async fn two_people_editing_an_applicant_keep_both_changes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let lee = lee(&server, &admin).await;
    let ana = admin.add_applicant("García").await;
    let (path, api) = (
        format!("/applicants/{ana}"),
        format!("/api/v1/applicants/{ana}"),
    );
    let mine = admin.get(&path).await.expect_status(200);
    let theirs = lee.get(&path).await.expect_status(200);
    let lee_saves = form_of(
        &theirs,
        &[("passport_number", "AB123456"), ("notes", "Prefers email")],
    );
    post(&lee, &path, &lee_saves).await.expect_status(303);

    // A form that leaves the passport alone does not write it back.
    let other = form_of(&mine, &[("emails", "ana@maple.example")]);
    post(&admin, &path, &other).await.expect_status(303);
    let now = admin.get(&api).await.body;
    assert_eq!(now["passport_number"], "AB123456", "{now}");
    assert_eq!(now["notes"], "Prefers email");
    assert_eq!(now["emails"], json!(["ana@maple.example"]));

    // Both changed the notes: asked, with both values.
    let both = form_of(
        &mine,
        &[("notes", "Call after 5"), ("citizenship", "Mexico")],
    );
    let asked = post(&admin, &path, &both).await.expect_status(409);
    for shown in [
        "Someone else saved this applicant while you were editing, and changed notes too.",
        r#"<input type="radio" name="notes" value="Prefers email" required> Keep <strong>Prefers email</strong>"#,
        r#"<input type="radio" name="notes" value="Call after 5" required> Use yours: <strong>Call after 5</strong>"#,
        r#"name="citizenship" value="Mexico""#,
    ] {
        assert!(asked.text.contains(shown), "{shown} in {}", asked.text);
    }
    let mut answered = form_of(
        &asked,
        &[("notes", "Call after 5"), ("citizenship", "Mexico")],
    );
    answered.push(("asked".into(), "notes".into()));
    post(&admin, &path, &answered).await.expect_status(303);
    let last = admin.get(&api).await.body;
    assert_eq!(last["notes"], "Call after 5", "{last}");
    assert_eq!(last["citizenship"], "Mexico");
    assert_eq!(last["passport_number"], "AB123456");
    server.stop().await;
}

async fn the_api_conflict_says_what_changed_field_by_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let lee = lee(&server, &admin).await;
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let api = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let v1 = case["version"].as_i64().unwrap();
    lee.patch(
        &api,
        json!({ "version": v1, "stage": "submitted", "submitted_on": "2026-12-01" }),
    )
    .await
    .expect_status(200);
    let refused = admin
        .patch(
            &api,
            json!({ "version": v1, "stage": "preparation", "opened_on": "2026-11-30" }),
        )
        .await
        .expect_status(409);
    let error = &refused.body["error"];
    assert_eq!(error["code"], "conflict");
    assert_eq!(error["current"]["stage"], "submitted");
    let changes = error["changes"].as_array().unwrap();
    let stage = changes.iter().find(|c| c["field"] == "stage").unwrap();
    assert_eq!(stage["from"], "intake");
    assert_eq!(stage["to"], "submitted");
    assert_eq!(stage["by_name"], "lee@immcase.test");
    assert_eq!(stage["collides"], true);
    assert!(stage["at"].as_str().unwrap().ends_with('Z'), "{stage}");
    let submitted = changes
        .iter()
        .find(|c| c["field"] == "submitted_on")
        .unwrap();
    assert_eq!(submitted["collides"], false, "not in the refused write");
    assert!(
        changes.iter().all(|c| c["field"] != "opened_on"),
        "only what others changed: {changes:?}"
    );
    server.stop().await;
}

async fn the_responsible_person_works_on_their_case_only(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sam = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Front desk", "permissions": ["applicants.read", "cases.read", "cases.write_responsible"] }),
            "sam@immcase.test",
        )
        .await;
    let users = admin.get("/api/v1/users").await.body;
    let sam_id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sam@immcase.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ana = admin.add_applicant("García").await;
    let theirs = admin
        .post(
            "/api/v1/cases",
            json!({ "applicant_id": ana, "program": "study_permit", "responsible_user_id": sam_id }),
        )
        .await
        .expect_status(201)
        .body;
    let other = admin.open_case(&ana, "work_permit").await;
    let (their_api, other_api) = (
        format!("/api/v1/cases/{}", theirs["id"].as_str().unwrap()),
        format!("/api/v1/cases/{}", other["id"].as_str().unwrap()),
    );

    // Their own case: its fields, but not who is responsible.
    let changed = sam
        .patch(&their_api, json!({ "version": 1, "stage": "preparation" }))
        .await
        .expect_status(200);
    assert_eq!(changed.body["stage"], "preparation");
    let handed_off = sam
        .patch(
            &their_api,
            json!({ "version": 2, "responsible_user_id": null }),
        )
        .await
        .expect_status(403);
    assert_eq!(handed_off.body["error"]["permission"], "cases.write");
    // Another case: refused, naming the permission.
    let refused = sam
        .patch(&other_api, json!({ "version": 1, "stage": "preparation" }))
        .await
        .expect_status(403);
    assert_eq!(refused.body["error"]["permission"], "cases.write");

    // On the pages: the edit form on their case only, without the responsible person.
    let their_page = format!("/cases/{}", theirs["id"].as_str().unwrap());
    let page = sam.get(&their_page).await.expect_status(200);
    assert!(
        page.text.contains("<summary>Edit case</summary>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains(r#"<select id="responsible_user_id""#));
    let saved = post(
        &sam,
        &their_page,
        &form_of(&page, &[("opened_on", "2026-11-30")]),
    )
    .await
    .expect_status(303);
    assert_eq!(saved.header("location").unwrap(), their_page);
    let now = admin.get(&their_api).await.body;
    assert_eq!(now["opened_on"], "2026-11-30");
    assert_eq!(now["responsible_user_id"], sam_id.as_str());
    let other_page = sam
        .get(&format!("/cases/{}", other["id"].as_str().unwrap()))
        .await
        .expect_status(200);
    assert!(!other_page.text.contains("<summary>Edit case</summary>"));
    server.stop().await;
}
