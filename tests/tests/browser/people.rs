//! People in a browser on SQLite and PostgreSQL: an invited person shows as
//! invited, an administrator resends the invitation from their page, and
//! only the new link sets a password.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, scenario};
use immcase_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, eventually, on_both_databases,
};
use serde_json::json;

on_both_databases!(resend_invitation_sends_a_new_link_and_ends_the_old_one);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

const EMAIL: &str = "rosa@immcase.test";

async fn resend_invitation_sends_a_new_link_and_ends_the_old_one(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let rosa = api
        .post(
            "/api/v1/users",
            json!({ "email": EMAIL, "display_name": "Rosa Díaz" }),
        )
        .await
        .expect_status(201);
    let id = rosa.body["id"].as_str().unwrap().to_owned();
    let old = server.smtp.wait_for(EMAIL, "Your ImmCase account").await;
    let old_token = old.link_param("token").unwrap();
    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("resend-invitation-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/settings/users", base(&server))).await;
        let listed = s.wait_for_text("main table", "Rosa Díaz").await;
        assert!(listed.contains("Invited"), "{listed}");
        s.goto(&format!("{}/settings/users/{id}", base(&server)))
            .await;
        s.submit_button("Resend invitation").await;
        s.wait_for_text(
            ".flash",
            "A new invitation is on its way to rosa@immcase.test",
        )
        .await;
        let new = eventually("the new invitation", || {
            let mails = server.smtp.received();
            async move {
                let to_rosa: Vec<_> = mails
                    .into_iter()
                    .filter(|m| m.to.iter().any(|t| t == EMAIL))
                    .collect();
                (to_rosa.len() == 2).then(|| to_rosa[1].clone())
            }
        })
        .await;
        let new_token = new.link_param("token").unwrap();
        s.client.delete_all_cookies().await.unwrap();
        // The old link no longer works.
        s.goto(&format!(
            "{}/reset-password?token={old_token}",
            base(&server)
        ))
        .await;
        s.fill("#password", "Rosa's long passphrase").await;
        s.fill("#confirm", "Rosa's long passphrase").await;
        s.submit_button("Set my password").await;
        s.wait_for_text(".form-error", "already been used").await;
        // The new one does.
        s.goto(&format!(
            "{}/reset-password?token={new_token}",
            base(&server)
        ))
        .await;
        s.fill("#password", "Rosa's long passphrase").await;
        s.fill("#confirm", "Rosa's long passphrase").await;
        s.submit_button("Set my password").await;
        s.wait_for_text(".notice", "Your password is set").await;
    })
    .await;
    let now = api.get(&format!("/api/v1/users/{id}")).await.body;
    assert_eq!(now["invited"], false);
    server.stop().await;
}
