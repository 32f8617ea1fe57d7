//! An invited person shows as invited until they choose a password, and an
//! administrator sends them a new invitation: the new link works, the old
//! one no longer does, and someone who has a password is not invited again.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use serde_json::json;

on_both_databases!(a_new_invitation_replaces_the_old_link);

const EMAIL: &str = "newbie@immcase.test";

async fn a_new_invitation_replaces_the_old_link(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let invited = admin
        .post(
            "/api/v1/users",
            json!({ "email": EMAIL, "display_name": "New Bie" }),
        )
        .await
        .expect_status(201);
    assert_eq!(invited.body["invited"], true);
    let id = invited.body["id"].as_str().unwrap().to_owned();
    let first = server.smtp.wait_for(EMAIL, "Your ImmCase account").await;
    let old_token = first.link_param("token").unwrap();

    // The users page says so, and the person's page offers to send again.
    let list = admin.get("/settings/users").await.expect_status(200);
    assert!(
        list.text.contains(r#"<span class="badge">Invited</span>"#),
        "{}",
        list.text
    );
    let page = admin
        .get(&format!("/settings/users/{id}"))
        .await
        .expect_status(200);
    assert!(page.text.contains("Resend invitation"), "{}", page.text);

    let token = page.form_token();
    let sent = admin
        .post_form(
            &format!("/settings/users/{id}/invitation"),
            &[("_csrf", &token)],
        )
        .await
        .expect_status(303);
    assert_eq!(
        sent.header("location").unwrap(),
        format!("/settings/users/{id}")
    );
    let shown = admin
        .get(&format!("/settings/users/{id}"))
        .await
        .expect_status(200);
    assert!(
        shown.text.contains(&format!(
            "A new invitation is on its way to {EMAIL}; the earlier link no longer works."
        )),
        "{}",
        shown.text
    );
    let second = eventually("the second invitation", || {
        let smtp = server.smtp.received();
        async move {
            let mails: Vec<_> = smtp
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t == EMAIL))
                .collect();
            (mails.len() == 2).then(|| mails[1].clone())
        }
    })
    .await;
    let new_token = second.link_param("token").unwrap();
    assert_ne!(new_token, old_token);

    let old = server
        .api()
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": old_token, "password": "newbie's chosen passphrase" }),
        )
        .await
        .expect_status(422);
    assert!(
        old.text.contains("expired or has already been used"),
        "{}",
        old.text
    );
    server
        .api()
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": new_token, "password": "newbie's chosen passphrase" }),
        )
        .await
        .expect_status(204);
    let now = admin.get(&format!("/api/v1/users/{id}")).await.body;
    assert_eq!(now["invited"], false, "{now}");

    // Someone with a password is not invited again.
    let refused = admin
        .post(&format!("/api/v1/users/{id}/invitation"), json!({}))
        .await
        .expect_status(409);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already set a password"),
        "{}",
        refused.text
    );
    let audit = admin
        .get("/api/v1/audit?action=user.invitation_resent")
        .await
        .expect_status(200);
    assert_eq!(
        audit.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        audit.text
    );
    server.stop().await;
}
