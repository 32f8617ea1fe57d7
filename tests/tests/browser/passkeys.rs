//! Passkeys in a browser, on SQLite and PostgreSQL, at laptop and phone
//! widths, with Chromium's virtual authenticator (chromedriver's WebAuthn
//! commands) standing in for a phone or a fingerprint reader: added from
//! My Profile → Two-factor sign-in (ten recovery codes shown once, as the
//! person had none), then a sign-in whose second step is the passkey, one
//! that waited too long refused in view, and the passkey removed.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use axum::http::Method;
use fantoccini::wd::WebDriverCompatibleCommand;
use reqwest::Url;
use serde_json::json;

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{Backend, TestServer, on_both_databases};
use jiff::SignedDuration;

on_both_databases!(a_person_adds_a_passkey_and_signs_in_with_it);

/// chromedriver's WebAuthn extension: adds a virtual authenticator to the
/// session, a platform one with user verification that consents at once.
#[derive(Debug)]
struct AddAuthenticator;

impl WebDriverCompatibleCommand for AddAuthenticator {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> Result<Url, url::ParseError> {
        let session = session.unwrap_or_default();
        base.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _url: &Url) -> (Method, Option<String>) {
        let authenticator = json!({ "protocol": "ctap2", "transport": "internal",
            "hasResidentKey": true, "hasUserVerification": true,
            "isUserConsenting": true, "isUserVerified": true });
        (Method::POST, Some(authenticator.to_string()))
    }
}

async fn sign_in_with_password(s: &Session, base: &str, email: &str, password: &str) {
    s.client.delete_all_cookies().await.unwrap();
    s.goto(&format!("{base}/sign-in")).await;
    s.fill("#email", email).await;
    s.fill("#password", password).await;
    s.submit_button("Sign in").await;
}

async fn a_person_adds_a_passkey_and_signs_in_with_it(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin.role_id("Consultant").await;
    // A passkey belongs to a host name: `localhost`, not an IP address.
    let base = format!("http://localhost:{}", server.addr.port());
    let password = "a consultant's long passphrase";

    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let email = format!("{device}-passkey@example.com");
        admin
            .post(
                "/api/v1/users",
                json!({ "email": email, "display_name": format!("Kim on the {device}"), "password": password, "roles": [role] }),
            )
            .await
            .expect_status(201);
        let s = browser.session(width, height).await;
        s.client.issue_cmd(AddAuthenticator).await.unwrap();
        scenario(&format!("passkeys-{device}-{db}"), &s, async {
            s.sign_in(&base, &email, password).await;
            s.goto(&format!("{base}/profile/second-factor")).await;
            s.wait_for_text("#passkeys", "You have no passkey yet")
                .await;
            s.fill("#passkey-name", &format!("Kim's {device}")).await;
            s.submit_button("Add a passkey").await;
            // The first second factor: recovery codes, shown this once.
            let shown = s.wait_for_text("#recovery-codes", "not shown again").await;
            assert_eq!(
                s.text("#recovery-codes ul").await.lines().count(),
                10,
                "{shown}"
            );
            let listed = s.text("#passkeys ul.passkeys").await;
            assert!(listed.contains(&format!("Kim's {device}")), "{listed}");
            assert!(
                s.text("main")
                    .await
                    .contains("Two-factor sign-in is on with 1 passkey")
            );
            assert!(!s.scrolls_sideways().await);
            s.screenshot(&format!("passkeys-added-{device}-{db}")).await;

            // Signing in now waits for the passkey.
            sign_in_with_password(&s, &base, &email, password).await;
            s.wait_for_text("main", "your second factor").await;
            assert_eq!(s.current_path().await, "/sign-in/second-factor");
            assert!(!s.scrolls_sideways().await);
            s.screenshot(&format!("passkeys-sign-in-{device}-{db}"))
                .await;
            s.submit_button("Use a passkey instead").await;
            s.wait_for_text("main h1", "Welcome").await;

            // A sign-in that waited too long is refused in view, saying
            // so; the password and a recovery code still sign in.
            sign_in_with_password(&s, &base, &email, password).await;
            s.wait_for_text("main", "your second factor").await;
            server.clock.advance(SignedDuration::from_mins(6));
            s.submit_button("Use a passkey instead").await;
            s.wait_for_text("[data-passkey-problem]", "expired").await;
            s.screenshot(&format!("passkeys-refused-{device}-{db}"))
                .await;
            sign_in_with_password(&s, &base, &email, password).await;
            s.wait_for_text("main", "your second factor").await;
            let code = shown
                .split_whitespace()
                .find(|w| w.len() == 11 && w.contains('-'))
                .unwrap()
                .to_string();
            s.fill("#code", &code).await;
            s.submit_button("Sign in").await;
            s.wait_for_text("main h1", "Welcome").await;

            // Removed, it no longer signs in: the password alone does.
            s.goto(&format!("{base}/profile/second-factor")).await;
            s.submit_button("Remove").await;
            s.accept_confirmation().await;
            s.wait_for_text("main", "Passkey removed").await;
            s.wait_for_text("#passkeys", "You have no passkey yet")
                .await;
            sign_in_with_password(&s, &base, &email, password).await;
            s.wait_for_text("main h1", "Welcome").await;
        })
        .await;
    }
    // Each step is in the practice's audit log.
    let audit = admin
        .get("/api/v1/audit?limit=200")
        .await
        .expect_status(200)
        .text;
    for action in ["auth.passkey_added", "auth.passkey_removed"] {
        assert_eq!(audit.matches(action).count(), 2, "{action}");
    }
    assert!(
        audit.contains("\"passkey\""),
        "a sign-in by passkey is audited as one"
    );
    server.stop().await;
}
