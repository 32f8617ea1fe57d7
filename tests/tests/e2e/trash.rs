//! The trash: deleting moves applicants (with their cases) and cases there;
//! administrators restore within the retention period; housekeeping purges
//! what is older. Search follows.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    deleting_moves_to_the_trash_and_restoring_brings_everything_back,
    the_trash_is_purged_after_the_retention_period,
);

async fn trash(api: &Api) -> Vec<Value> {
    api.get("/api/v1/trash").await.expect_status(200).body["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn search_ids(api: &Api, q: &str) -> Vec<String> {
    api.get(&format!("/api/v1/search?q={q}"))
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

async fn deleting_moves_to_the_trash_and_restoring_brings_everything_back(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Okonkwo").await;
    let first = admin.open_case(&ana, "work_permit").await;
    let second = admin.open_case(&ana, "work_permit").await;
    let case_id = |c: &Value| c["id"].as_str().unwrap().to_string();

    // A case alone, then the applicant (with the other case).
    admin
        .delete(&format!("/api/v1/cases/{}", case_id(&first)))
        .await
        .expect_status(204);
    server.clock.advance(SignedDuration::from_mins(1));
    admin
        .delete(&format!("/api/v1/applicants/{ana}?version=2"))
        .await
        .expect_status(409);
    admin
        .delete(&format!("/api/v1/applicants/{ana}?version=1"))
        .await
        .expect_status(204);
    admin
        .get(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(404);
    admin
        .get(&format!("/api/v1/cases/{}", case_id(&second)))
        .await
        .expect_status(404);
    assert!(
        search_ids(&admin, "okonkwo").await.is_empty(),
        "gone from search"
    );

    let items = trash(&admin).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0]["kind"], "applicant");
    assert_eq!(items[0]["label"], "Ana Okonkwo");
    assert_eq!(items[0]["with"], 1, "its open case went with it");
    assert_eq!(items[1]["label"], "CAS001");

    // Only administrators see and restore the trash.
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read", "applicants.write"] }),
            "clerk@immcase.test",
        )
        .await;
    clerk.get("/api/v1/trash").await.expect_status(403);
    clerk
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(403);

    // The case deleted on its own waits for its applicant.
    let waits = admin
        .post(
            &format!("/api/v1/trash/case/{}/restore", case_id(&first)),
            json!({}),
        )
        .await
        .expect_status(409);
    assert!(
        waits.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("applicant first")
    );
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(204);
    admin
        .get(&format!("/api/v1/cases/{}", case_id(&second)))
        .await
        .expect_status(200);
    admin
        .get(&format!("/api/v1/cases/{}", case_id(&first)))
        .await
        .expect_status(404);
    admin
        .post(
            &format!("/api/v1/trash/case/{}/restore", case_id(&first)),
            json!({}),
        )
        .await
        .expect_status(204);
    assert!(trash(&admin).await.is_empty());
    assert_eq!(
        search_ids(&admin, "okonkwo").await.len(),
        3,
        "the applicant and both cases"
    );
    let timeline = admin
        .get(&format!("/api/v1/applicants/{ana}/timeline"))
        .await
        .expect_status(200);
    let actions: Vec<&str> = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["created", "deleted", "restored"]);
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(404);
    server.stop().await;
}

async fn the_trash_is_purged_after_the_retention_period(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Okonkwo").await;
    admin.open_case(&ana, "work_permit").await;
    let kept = admin.add_applicant("Tremblay").await;
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    server.clock.advance(SignedDuration::from_hours(24 * 29));
    // Sessions do not last a month: sign in again after each jump.
    let admin = server.admin().await;
    admin
        .delete(&format!("/api/v1/applicants/{kept}"))
        .await
        .expect_status(204);
    assert_eq!(trash(&admin).await.len(), 2);
    // Past 30 days, the first deletion can no longer be restored, and
    // housekeeping removes it for good.
    server.clock.advance(SignedDuration::from_hours(48));
    let admin = server.admin().await;
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(404);
    let left = eventually("the expired deletion purged", || {
        let admin = admin.clone();
        async move {
            let items = trash(&admin).await;
            (items.len() == 1).then_some(items)
        }
    })
    .await;
    assert_eq!(left[0]["id"], kept);
    // The purged applicant is gone for good; its lookalike is no duplicate.
    let again = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Okonkwo" }),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.text);
    admin
        .post(
            &format!("/api/v1/trash/applicant/{kept}/restore"),
            json!({}),
        )
        .await
        .expect_status(204);
    server.stop().await;
}
