//! Two-factor sign-in in a browser, on SQLite and PostgreSQL, at laptop and
//! phone widths: set up from My Profile with the QR code and key in view,
//! recovery codes shown once, then a sign-in that asks for the code, says
//! so beside the field when it is wrong, and goes on when it is right.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::second_factor::App;
use immcase_tests::{Backend, TestServer, on_both_databases};
use jiff::SignedDuration;
use serde_json::json;

on_both_databases!(a_person_sets_up_two_factor_sign_in_and_signs_in_with_a_code);

async fn a_person_sets_up_two_factor_sign_in_and_signs_in_with_a_code(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin.role_id("Consultant").await;
    let base = format!("http://localhost:{}", server.addr.port());
    let password = "a consultant's long passphrase";

    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let email = format!("{device}@example.com");
        admin
            .post(
                "/api/v1/users",
                json!({ "email": email, "display_name": format!("Lee on the {device}"), "password": password, "roles": [role] }),
            )
            .await
            .expect_status(201);
        let s = browser.session(width, height).await;
        scenario(&format!("second-factor-{device}-{db}"), &s, async {
            s.sign_in(&base, &email, password).await;
            s.goto(&format!("{base}/profile")).await;
            s.click("a[href='/profile/second-factor']").await;
            s.submit_button("Set up an authenticator app").await;
            s.wait_for("#set-up .qr-code svg").await;
            assert!(!s.scrolls_sideways().await, "the QR code fits the page");
            let key = s.text("#set-up code.secret").await;
            let app = App::typed(&key);
            s.screenshot(&format!("second-factor-qr-{device}-{db}"))
                .await;

            // A wrong code is refused beside the field, with the QR code kept.
            s.fill("#code", "000000").await;
            s.submit_button("Turn on two-factor sign-in").await;
            s.wait_for_text("#code-error", "not the app's current code")
                .await;
            assert_eq!(s.text("#set-up code.secret").await, key);
            s.fill("#code", &app.code(&server, 0)).await;
            s.submit_button("Turn on two-factor sign-in").await;
            let shown = s.wait_for_text("#recovery-codes", "not shown again").await;
            assert_eq!(
                s.text("#recovery-codes ul").await.lines().count(),
                10,
                "{shown}"
            );
            assert!(!s.scrolls_sideways().await);
            s.screenshot(&format!("second-factor-codes-{device}-{db}"))
                .await;

            // Signing in now asks for a code.
            s.client.delete_all_cookies().await.unwrap();
            s.goto(&format!("{base}/sign-in")).await;
            s.fill("#email", &email).await;
            s.fill("#password", password).await;
            s.submit_button("Sign in").await;
            s.wait_for_text("main", "your second factor").await;
            assert_eq!(s.current_path().await, "/sign-in/second-factor");
            s.fill("#code", "123456").await;
            s.submit_button("Sign in").await;
            s.wait_for_text("#code-error", "not right").await;
            server.clock.advance(SignedDuration::from_secs(30));
            s.fill("#code", &app.code(&server, 0)).await;
            s.submit_button("Sign in").await;
            s.wait_for_text("main h1", "Welcome").await;
        })
        .await;
    }
    server.stop().await;
}
