//! Merging duplicate applicants: the kept one takes the other's cases,
//! files, contacts, tickets and notes (the modules hear `applicant.merged`
//! and move theirs), the other goes to the trash, both timelines say so,
//! and restoring the other from the trash undoes it all. From the JSON API
//! and from Find duplicates; against the real host and compiled modules on
//! both databases.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::API;
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_merge_moves_everything_and_restoring_from_the_trash_undoes_it,
    merging_from_find_duplicates_and_undoing_from_the_trash_page,
    merging_takes_its_own_permission_and_refuses_what_it_cannot_do,
);

/// Two applicants who are the same person: Ana Díaz (kept) and Ana Diaz.
async fn two_anas(admin: &Api) -> (String, String) {
    let kept = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Díaz", "emails": ["ana@example.com"],
                    "phones": ["416 555 0100"] }),
        )
        .await
        .expect_status(201);
    let other = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Diaz", "emails": ["ANA@example.com", "ana.d@example.org"],
                    "phones": ["416 555 0199"], "confirm_duplicates": true }),
        )
        .await
        .expect_status(201);
    (id(&kept.body), id(&other.body))
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn body(api: &Api, path: &str) -> Value {
    api.get(path).await.expect_status(200).body
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap().clone()
}

fn actions(timeline: &Value) -> Vec<String> {
    items(timeline)
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect()
}

/// Ids of the helpdesk's tickets about an applicant.
async fn tickets_of(api: &Api, applicant: &str) -> Vec<String> {
    let list = body(api, &format!("{API}/tickets?applicant={applicant}")).await;
    let mut ids: Vec<String> = items(&list).iter().map(id).collect();
    ids.sort();
    ids
}

async fn notes_about(api: &Api, applicant: &str) -> Vec<String> {
    let list = body(
        api,
        &format!("/api/v1/m/notes/notes?subject=applicant:{applicant}"),
    )
    .await;
    items(&list).iter().map(id).collect()
}

async fn a_merge_moves_everything_and_restoring_from_the_trash_undoes_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    admin.set_module("notes", true).await;
    let (kept, other) = two_anas(&admin).await;
    let kept_case = id(&admin.open_case(&kept, "study_permit").await);
    let first = admin.open_case(&other, "work_permit").await;
    let second = admin.open_case(&other, "visitor_visa").await;
    let upload = admin
        .upload(
            &format!("/api/v1/applicants/{other}/files"),
            &[("passport.pdf", b"%PDF-1.4 passport")],
            Some("Identity"),
        )
        .await
        .expect_status(201);
    let file = upload.body["items"][0]["id"]
        .as_str()
        .or(upload.body[0]["id"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", upload.text));
    let ticket = |about: Value| {
        let mut t = json!({ "subject": "Biometrics", "description": "Which office?",
                            "category": "case_support", "priority": "medium" });
        t.as_object_mut()
            .unwrap()
            .extend(about.as_object().unwrap().clone());
        t
    };
    let own = admin
        .post(
            &format!("{API}/tickets"),
            ticket(json!({ "applicant_id": other })),
        )
        .await
        .expect_status(201);
    let by_case = admin
        .post(
            &format!("{API}/tickets"),
            ticket(json!({ "case_id": id(&first) })),
        )
        .await
        .expect_status(201);
    let kept_ticket = admin
        .post(
            &format!("{API}/tickets"),
            ticket(json!({ "applicant_id": kept })),
        )
        .await
        .expect_status(201);
    let note = admin
        .post(
            "/api/v1/m/notes/notes",
            json!({ "subject": format!("applicant:{other}"), "text": "Prefers Spanish" }),
        )
        .await
        .expect_status(201);
    let mut moved_tickets = vec![id(&own.body), id(&by_case.body)];
    moved_tickets.sort();
    assert_eq!(tickets_of(&admin, &other).await, moved_tickets);

    // Merge: Ana Díaz takes Ana Diaz's cases, file, contacts.
    let kept_version = body(&admin, &format!("/api/v1/applicants/{kept}")).await["version"].clone();
    let merged = admin
        .post(
            &format!("/api/v1/applicants/{kept}/merge"),
            json!({ "other_id": other, "version": kept_version }),
        )
        .await
        .expect_status(200);
    assert_eq!(merged.body["merged_id"], other.as_str());
    assert_eq!(
        merged.body["cases"],
        json!([first["folio"], second["folio"]])
    );
    assert_eq!(merged.body["files"], 1);
    assert_eq!(merged.body["added"]["emails"], json!(["ana.d@example.org"]));
    assert_eq!(merged.body["added"]["phones"], json!(["+14165550199"]));
    assert_eq!(merged.body["added"]["other_names"], json!(["Ana Diaz"]));
    let now = body(&admin, &format!("/api/v1/applicants/{kept}")).await;
    assert_eq!(
        now["emails"],
        json!(["ana@example.com", "ana.d@example.org"])
    );
    assert_eq!(now["phones"], json!(["+14165550100", "+14165550199"]));
    assert_eq!(now["other_names"], json!(["Ana Diaz"]));
    admin
        .get(&format!("/api/v1/applicants/{other}"))
        .await
        .expect_status(404);
    for case in [&first, &second] {
        let case = body(&admin, &format!("/api/v1/cases/{}", id(case))).await;
        assert_eq!(case["applicant_id"], kept.as_str());
    }
    let files = body(&admin, &format!("/api/v1/applicants/{kept}/files")).await;
    let listed = files.to_string();
    assert!(
        listed.contains(&file) && listed.contains("Identity"),
        "{listed}"
    );

    // The modules heard it: the tickets and the note are the kept one's.
    let mut with_kept = moved_tickets.clone();
    with_kept.push(id(&kept_ticket.body));
    with_kept.sort();
    eventually("the helpdesk to move the tickets", || async {
        (tickets_of(&admin, &kept).await == with_kept).then_some(())
    })
    .await;
    assert!(tickets_of(&admin, &other).await.is_empty());
    let story = body(&admin, &format!("{API}/tickets/{}", id(&own.body))).await;
    assert!(
        story.to_string().contains("\"change\":\"applicant\""),
        "{story}"
    );
    eventually("notes to move the note", || async {
        (notes_about(&admin, &kept).await == vec![id(&note.body)]).then_some(())
    })
    .await;

    // Timelines and the audit log name the merge; the trash says what
    // restoring does.
    let timeline = body(&admin, &format!("/api/v1/applicants/{kept}/timeline")).await;
    assert!(
        actions(&timeline).contains(&"merged_in".to_string()),
        "{timeline}"
    );
    let case_line = body(&admin, &format!("/api/v1/cases/{}/timeline", id(&first))).await;
    assert!(
        actions(&case_line).contains(&"applicant_merged".to_string()),
        "{case_line}"
    );
    let audit = body(&admin, "/api/v1/audit?action=applicant.merged").await;
    assert_eq!(items(&audit).len(), 1, "{audit}");
    let trash = body(&admin, "/api/v1/trash").await;
    let item = items(&trash)
        .into_iter()
        .find(|i| i["id"] == other.as_str())
        .unwrap();
    assert_eq!(item["merged_into"]["id"], kept.as_str());
    assert_eq!(
        (&item["merged_into"]["cases"], &item["merged_into"]["files"]),
        (&json!(2), &json!(1))
    );

    // Restoring Ana Diaz undoes the merge; what the kept one had stays.
    admin
        .post(
            &format!("/api/v1/trash/applicant/{other}/restore"),
            json!({}),
        )
        .await
        .expect_status(204);
    let back = body(&admin, &format!("/api/v1/applicants/{other}")).await;
    assert_eq!(
        back["emails"],
        json!(["ana@example.com", "ana.d@example.org"])
    );
    let kept_now = body(&admin, &format!("/api/v1/applicants/{kept}")).await;
    assert_eq!(kept_now["emails"], json!(["ana@example.com"]));
    assert_eq!(kept_now["phones"], json!(["+14165550100"]));
    assert_eq!(kept_now["other_names"], json!([]));
    for case in [&first, &second] {
        let case = body(&admin, &format!("/api/v1/cases/{}", id(case))).await;
        assert_eq!(case["applicant_id"], other.as_str());
    }
    let kept_case_now = body(&admin, &format!("/api/v1/cases/{kept_case}")).await;
    assert_eq!(kept_case_now["applicant_id"], kept.as_str());
    let files = body(&admin, &format!("/api/v1/applicants/{other}/files")).await;
    assert!(files.to_string().contains(&file), "{files}");
    eventually("the helpdesk to move the tickets back", || async {
        (tickets_of(&admin, &other).await == moved_tickets).then_some(())
    })
    .await;
    assert_eq!(tickets_of(&admin, &kept).await, vec![id(&kept_ticket.body)]);
    eventually("notes to move the note back", || async {
        (notes_about(&admin, &other).await == vec![id(&note.body)]).then_some(())
    })
    .await;
    let kept_line = body(&admin, &format!("/api/v1/applicants/{kept}/timeline")).await;
    assert!(
        actions(&kept_line).contains(&"unmerged".to_string()),
        "{kept_line}"
    );
    let other_line = body(&admin, &format!("/api/v1/applicants/{other}/timeline")).await;
    for action in ["merged_into", "restored", "unmerged_from"] {
        assert!(
            actions(&other_line).contains(&action.to_string()),
            "{action}: {other_line}"
        );
    }
    let undone = body(&admin, "/api/v1/audit?action=applicant.unmerged").await;
    assert_eq!(items(&undone).len(), 1, "{undone}");
}

async fn merging_from_find_duplicates_and_undoing_from_the_trash_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (kept, other) = two_anas(&admin).await;
    let case = admin.open_case(&other, "work_permit").await;

    // Find duplicates offers the merge; its page shows both and what moves.
    let pairs = admin.get("/applicants/duplicates").await.expect_status(200);
    assert!(pairs.text.contains("Merge…"), "{}", pairs.text);
    let page = admin
        .get(&format!("/applicants/{kept}/merge?other={other}"))
        .await
        .expect_status(200);
    for expected in [
        "Ana Díaz (kept)",
        "Ana Diaz (merged in)",
        "Keep Ana Diaz instead",
        case["folio"].as_str().unwrap(),
        "Added to Ana Díaz: Emails: ana.d@example.org",
        "restore Ana Diaz from Settings → Trash",
    ] {
        assert!(page.text.contains(expected), "{expected} in {}", page.text);
    }
    let token = page.form_token();
    let version = |v: &Value| v["version"].to_string();
    let kept_now = body(&admin, &format!("/api/v1/applicants/{kept}")).await;

    // A version changed since the page was shown: refused, in view.
    let stale = admin
        .post_form(
            &format!("/applicants/{kept}/merge"),
            &[("_csrf", &token), ("other_id", &other), ("version", "99")],
        )
        .await
        .expect_status(303);
    let again = admin
        .get(&stale.header("location").unwrap())
        .await
        .expect_status(200);
    assert!(
        again.text.contains("The applicants were not merged."),
        "{}",
        again.text
    );
    assert!(
        again.text.contains("changed by someone else"),
        "{}",
        again.text
    );

    let done = admin
        .post_form(
            &format!("/applicants/{kept}/merge"),
            &[
                ("_csrf", &token),
                ("other_id", &other),
                ("version", &version(&kept_now)),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(
        done.header("location").unwrap(),
        format!("/applicants/{kept}")
    );
    let shown = admin
        .get(&format!("/applicants/{kept}"))
        .await
        .expect_status(200);
    for expected in [
        "Ana Diaz is merged into this applicant: 1 case and 0 files moved here.",
        "merged Ana Diaz into this applicant (1 case and 0 files moved here)",
        case["folio"].as_str().unwrap(),
    ] {
        assert!(
            shown.text.contains(expected),
            "{expected} in {}",
            shown.text
        );
    }

    // The trash says what restoring does, and restoring undoes the merge.
    let trash = admin.get("/settings/trash").await.expect_status(200);
    assert!(
        trash.text.contains("Merged into Ana Díaz."),
        "{}",
        trash.text
    );
    admin
        .post_form(
            &format!("/settings/trash/applicant/{other}/restore"),
            &[("_csrf", &trash.form_token())],
        )
        .await
        .expect_status(303);
    let after = admin.get("/settings/trash").await.expect_status(200);
    assert!(
        after
            .text
            .contains("Ana Diaz is restored and the merge into Ana Díaz is undone."),
        "{}",
        after.text
    );
    let case_now = body(&admin, &format!("/api/v1/cases/{}", id(&case))).await;
    assert_eq!(case_now["applicant_id"], other.as_str());
}

async fn merging_takes_its_own_permission_and_refuses_what_it_cannot_do(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (kept, other) = two_anas(&admin).await;
    let writer = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Writer", "permissions": ["applicants.read", "applicants.write"] }),
            "writer@example.com",
        )
        .await;
    let merge = |api: &Api, body: Value| {
        let path = format!("/api/v1/applicants/{kept}/merge");
        let api = api.clone();
        async move { api.post(&path, body).await }
    };
    let denied = merge(&writer, json!({ "other_id": other }))
        .await
        .expect_status(403);
    assert_eq!(denied.body["error"]["permission"], "applicants.merge");
    let pairs = writer
        .get("/applicants/duplicates")
        .await
        .expect_status(200);
    assert!(!pairs.text.contains("Merge…"), "{}", pairs.text);
    writer
        .get(&format!("/applicants/{kept}/merge?other={other}"))
        .await
        .expect_status(403);

    // Not with themselves, not with nobody, not at a stale version.
    let same = merge(&admin, json!({ "other_id": kept }))
        .await
        .expect_status(422);
    assert!(
        same.text.contains("merged with themselves"),
        "{}",
        same.text
    );
    merge(&admin, json!({ "other_id": "nobody" }))
        .await
        .expect_status(422);
    merge(&admin, json!({ "other_id": other, "other_version": 42 }))
        .await
        .expect_status(409);

    // A list that would grow past ten is refused naming it; nothing moved.
    let many: Vec<String> = (0..10).map(|i| format!("ana{i}@example.net")).collect();
    let patched = admin
        .patch(
            &format!("/api/v1/applicants/{other}"),
            json!({ "emails": many, "version": 1 }),
        )
        .await
        .expect_status(200);
    assert_eq!(patched.body["emails"].as_array().unwrap().len(), 10);
    let long = merge(&admin, json!({ "other_id": other }))
        .await
        .expect_status(422);
    assert!(long.text.contains("at most 10"), "{}", long.text);
    admin
        .get(&format!("/api/v1/applicants/{other}"))
        .await
        .expect_status(200);

    // Another practice's applicant cannot be named.
    let stranger = server
        .admin_of_new_practice(
            "elsewhere",
            "boss@elsewhere.test",
            "elsewhere boss passphrase",
        )
        .await;
    let theirs = stranger.add_applicant("Díaz").await;
    merge(&admin, json!({ "other_id": theirs }))
        .await
        .expect_status(422);
    stranger
        .post(
            &format!("/api/v1/applicants/{theirs}/merge"),
            json!({ "other_id": other }),
        )
        .await
        .expect_status(422);
}
