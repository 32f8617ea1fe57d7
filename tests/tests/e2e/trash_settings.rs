//! Settings → Trash and deleting for good now: the page lists what was
//! deleted, by whom and how long it stays; Restore brings an item back and
//! Delete now (after a confirmation) removes it and its files' contents for
//! good, audited, as housekeeping does. The JSON API does the same.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    the_trash_page_lists_restores_and_deletes_for_good,
    deleting_for_good_through_the_api_takes_what_belongs_to_it,
    only_holders_of_trash_manage_reach_the_trash,
);

async fn trash(api: &Api, query: &str) -> Value {
    api.get(&format!("/api/v1/trash{query}"))
        .await
        .expect_status(200)
        .body
}

/// How many blobs the server keeps under its data folder.
fn blob_count(server: &TestServer) -> usize {
    let mut found = 0;
    let mut folders = vec![server.config.data_dir.join("blobs")];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found += 1;
            }
        }
    }
    found
}

async fn audit_actions(api: &Api, action: &str) -> Vec<Value> {
    api.get(&format!("/api/v1/audit?limit=200&action={action}"))
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn the_trash_page_lists_restores_and_deletes_for_good(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let me = admin.get("/api/v1/me").await.expect_status(200).body["user"].clone();
    let ana = admin.add_applicant("Okonkwo").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("visa.pdf", b"%PDF-1.4 visa")],
            None,
        )
        .await
        .expect_status(201);
    let bo = admin.add_applicant("Tremblay").await;
    assert_eq!(blob_count(&server), 1);

    // The page says the trash is empty, in words.
    let empty = admin.get("/settings/trash").await.expect_status(200);
    assert!(empty.text.contains("The trash is empty"), "{}", empty.text);

    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    admin
        .delete(&format!("/api/v1/applicants/{bo}"))
        .await
        .expect_status(204);
    let listed = trash(&admin, "").await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    let ana_item = items.iter().find(|i| i["id"] == ana.as_str()).unwrap();
    assert_eq!(ana_item["deleted_by_name"], me["display_name"]);
    assert_eq!(
        (ana_item["cases"].as_i64(), ana_item["files"].as_i64()),
        (Some(1), Some(1))
    );

    // The page names who deleted each, how long it stays and what comes back.
    let page = admin.get("/settings/trash").await.expect_status(200);
    let name = me["display_name"].as_str().unwrap();
    for expected in [
        "Ana Okonkwo",
        "Ana Tremblay",
        name,
        "30 days left",
        "Restoring brings back the applicant with the 1 case and 1 file deleted with them.",
        "Delete now",
    ] {
        assert!(page.text.contains(expected), "{expected} in {}", page.text);
    }
    let token = page.form_token();

    // Restore from the page: back, with a message saying so.
    admin
        .post_form(
            &format!("/settings/trash/applicant/{bo}/restore"),
            &[("_csrf", &token)],
        )
        .await
        .expect_status(303);
    admin
        .get(&format!("/api/v1/applicants/{bo}"))
        .await
        .expect_status(200);
    let after = admin.get("/settings/trash").await.expect_status(200);
    assert!(
        after.text.contains("Ana Tremblay is restored."),
        "{}",
        after.text
    );

    // Delete now asks first, on a page that needs no script.
    let confirm = admin
        .get(&format!("/settings/trash/applicant/{ana}/delete"))
        .await
        .expect_status(200);
    assert!(
        confirm.text.contains("cannot be undone"),
        "{}",
        confirm.text
    );
    assert!(
        confirm.text.contains(
            "removes the applicant for good, with the 1 case and 1 file deleted with them"
        ),
        "{}",
        confirm.text
    );
    let unticked = admin
        .post_form(
            &format!("/settings/trash/applicant/{ana}/delete"),
            &[("_csrf", &token)],
        )
        .await
        .expect_status(422);
    assert!(unticked.text.contains("tick this box"), "{}", unticked.text);
    assert_eq!(blob_count(&server), 1, "nothing deleted without the box");
    admin
        .post_form(
            &format!("/settings/trash/applicant/{ana}/delete"),
            &[("_csrf", &token), ("confirm", "yes")],
        )
        .await
        .expect_status(303);
    let done = admin.get("/settings/trash").await.expect_status(200);
    assert!(
        done.text.contains("Ana Okonkwo is deleted for good."),
        "{}",
        done.text
    );
    assert!(done.text.contains("The trash is empty"));

    // The applicant, their case and file, and the file's contents are gone.
    assert_eq!(blob_count(&server), 0, "the file's contents are erased");
    assert!(
        trash(&admin, "").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(404);
    admin
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(404);
    let purged = audit_actions(&admin, "applicant.purged").await;
    assert_eq!(purged.len(), 1, "{purged:?}");
    assert_eq!(purged[0]["actor_user_id"], me["id"], "{:?}", purged[0]);
    assert_eq!(purged[0]["details"]["applicant"], "Ana Okonkwo");
    let log = admin.get("/settings/audit").await.expect_status(200);
    assert!(
        log.text.contains("for good from the trash"),
        "the audit log says who deleted it: {}",
        log.text
    );
    server.stop().await;
}

async fn deleting_for_good_through_the_api_takes_what_belongs_to_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("passport.pdf", b"%PDF passport"), ("photo.jpg", b"jpeg")],
            None,
        )
        .await
        .expect_status(201);
    let passport = up.body["items"][0]["id"].as_str().unwrap().to_string();
    let photo = up.body["items"][1]["id"].as_str().unwrap().to_string();

    // A file deleted alone, deleted for good alone.
    admin
        .delete(&format!("/api/v1/files/{photo}"))
        .await
        .expect_status(204);
    admin
        .delete(&format!("/api/v1/trash/file/{photo}"))
        .await
        .expect_status(204);
    assert_eq!(blob_count(&server), 1);
    admin
        .delete(&format!("/api/v1/trash/file/{photo}"))
        .await
        .expect_status(404);
    let purged = audit_actions(&admin, "file.purged").await;
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0]["details"]["file"], "photo.jpg");

    // A case deleted on its own, then its applicant: deleting the applicant
    // for good takes the case along, so it cannot come back without them.
    admin
        .delete(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(204);
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    // Paged, newest first.
    let first = trash(&admin, "?limit=1").await;
    assert_eq!(first["items"][0]["id"], ana.as_str());
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = trash(&admin, &format!("?limit=1&cursor={cursor}")).await;
    assert_eq!(second["items"][0]["id"], case_id.as_str());
    assert!(second["next_cursor"].is_null());
    admin
        .get("/api/v1/trash?cursor=nonsense")
        .await
        .expect_status(422);
    // The case cannot come back before its applicant: the page says why.
    let page = admin.get("/settings/trash").await.expect_status(200);
    admin
        .post_form(
            &format!("/settings/trash/case/{case_id}/restore"),
            &[("_csrf", &page.form_token())],
        )
        .await
        .expect_status(303);
    let refused = admin.get("/settings/trash").await.expect_status(200);
    assert!(
        refused
            .text
            .contains("The case CAS001 is still in the trash.")
            && refused.text.contains("restore the applicant first"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("flash-refused"), "in the error style");

    admin
        .delete(&format!("/api/v1/trash/applicant/{ana}"))
        .await
        .expect_status(204);
    assert!(
        trash(&admin, "").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(blob_count(&server), 0);
    admin
        .post(&format!("/api/v1/trash/case/{case_id}/restore"), json!({}))
        .await
        .expect_status(404);
    let cases = audit_actions(&admin, "case.purged").await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    let _ = passport;
    admin
        .delete(&format!("/api/v1/trash/folder/{ana}"))
        .await
        .expect_status(422);

    // The OpenAPI document has it.
    let doc = admin.get("/api/v1/openapi.json").await.expect_status(200);
    assert!(doc.body["paths"]["/api/v1/trash/{kind}/{id}"]["delete"].is_object());
    server.stop().await;
}

async fn only_holders_of_trash_manage_reach_the_trash(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Okonkwo").await;
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read", "applicants.write"] }),
            "clerk@immcase.test",
        )
        .await;
    clerk
        .delete(&format!("/api/v1/trash/applicant/{ana}"))
        .await
        .expect_status(403);
    clerk.get("/settings/trash").await.expect_status(403);
    clerk
        .get(&format!("/settings/trash/applicant/{ana}/delete"))
        .await
        .expect_status(403);
    let page = clerk.get("/applicants").await.expect_status(200);
    let token = page.form_token();
    clerk
        .post_form(
            &format!("/settings/trash/applicant/{ana}/delete"),
            &[("_csrf", &token), ("confirm", "yes")],
        )
        .await
        .expect_status(403);
    clerk
        .post_form(
            &format!("/settings/trash/applicant/{ana}/restore"),
            &[("_csrf", &token)],
        )
        .await
        .expect_status(403);
    assert_eq!(
        trash(&admin, "").await["items"].as_array().unwrap().len(),
        1
    );

    // The sidebar offers the trash to those who may open it, and the delete
    // button's hint links to it for them only.
    let nav = |api: Api| async move {
        api.get("/api/v1/nav").await.expect_status(200).body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        nav(admin.clone())
            .await
            .contains(&"/settings/trash".to_string())
    );
    assert!(
        !nav(clerk.clone())
            .await
            .contains(&"/settings/trash".to_string())
    );
    let bo = admin.add_applicant("Tremblay").await;
    let for_admin = admin
        .get(&format!("/applicants/{bo}"))
        .await
        .expect_status(200);
    assert!(for_admin.text.contains("href=\"/settings/trash\""));
    let for_clerk = clerk
        .get(&format!("/applicants/{bo}"))
        .await
        .expect_status(200);
    assert!(!for_clerk.text.contains("href=\"/settings/trash\""));
    assert!(
        for_clerk
            .text
            .contains("An administrator can restore them from the trash")
    );
    server.stop().await;
}
