//! App passwords in My Profile, in a browser on SQLite and PostgreSQL, at
//! laptop and phone widths: making one shows its secret once, in view and
//! within the page's width; the secret opens WebDAV; the list says when it
//! was made and last used; revoking it asks first, says so, and the secret
//! stops working.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(app_passwords_are_made_shown_once_and_revoked_in_the_profile);

/// The status of a WebDAV listing of the top folder signed in with `secret`.
async fn dav_status(server: &TestServer, secret: &str) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("http://127.0.0.1:{}/dav/", server.addr.port()),
        )
        .basic_auth(ADMIN_EMAIL, Some(secret))
        .header("depth", "0")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Whether the element matching `css` is wholly in the window, and the page
/// no wider than it.
async fn in_view_and_fits(s: &Session, css: &str) -> bool {
    s.wait_for(css).await;
    let seen = s
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth \
             && document.documentElement.scrollWidth <= window.innerWidth;",
            vec![json!(css)],
        )
        .await
        .unwrap();
    seen == json!(true)
}

async fn app_passwords_are_made_shown_once_and_revoked_in_the_profile(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let base = format!("http://localhost:{}", server.addr.port());

    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let s = browser.session(width, height).await;
        scenario(&format!("app-passwords-{device}-{db}"), &s, async {
            s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{base}/profile#app-passwords")).await;
            let section = s
                .wait_for_text("#app-passwords", "You have no app passwords.")
                .await;
            assert!(section.contains("/dav/"), "{section}");

            // A name is needed; the refusal is beside the field.
            s.fill("#app_password_name", " ").await;
            s.submit_button("Make an app password").await;
            s.wait_for_text("#name-error", "required").await;

            let name = format!("Finder on the {device}");
            s.fill("#app_password_name", &name).await;
            s.submit_button("Make an app password").await;
            let shown = s.wait_for_text("#new-app-password", &name).await;
            assert!(shown.contains("not shown again"), "{shown}");
            let secret = s.text("#new-app-password .secret").await;
            assert_eq!(secret.trim().len(), 43, "{secret}");
            assert!(in_view_and_fits(&s, "#new-app-password").await);
            s.screenshot(&format!("app-password-shown-{device}-{db}"))
                .await;
            assert_eq!(dav_status(&server, secret.trim()).await, 207);

            // Shown once: the profile again lists it, without the secret.
            s.goto(&format!("{base}/profile#app-passwords")).await;
            let listed = s.wait_for_text("#app-passwords .key-list", &name).await;
            assert!(listed.contains("last used"), "{listed}");
            assert!(!s.has("#new-app-password").await);
            assert!(!s.text("main").await.contains(secret.trim()));

            // Revoking asks first, says so, and the secret stops working.
            s.click("#app-passwords .key-list button.danger").await;
            s.accept_confirmation().await;
            let flash = s.wait_for_text(".flash", "is revoked").await;
            assert!(flash.contains(&name), "{flash}");
            s.wait_for_text("#app-passwords", "You have no app passwords.")
                .await;
            assert_eq!(dav_status(&server, secret.trim()).await, 401);
        })
        .await;
    }
}
