//! Settings → Modules → Versions in a browser, on SQLite and PostgreSQL:
//! the server's operator sees the registry's versions with the one this
//! server cannot run greyed and its reason, accepts what a version asks for
//! on a laptop, and on a phone an upgrade that does not answer is undone
//! with the reason in view; another administrator of the practice, who is
//! no operator of the server, is refused. Leaves screenshots under `target/tmp/screenshots`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::registry::{TestRegistry, with_version};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(an_operator_installs_a_version_after_seeing_what_it_asks_for);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

async fn an_operator_installs_a_version_after_seeing_what_it_asks_for(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let registry = TestRegistry::new(&["trapping", "recorder"]);
    let nav = |path: &str| format!("\n[[nav]]\nlabel = \"Start\"\npath = \"{path}\"\n");
    registry.publish("trapping", |m| {
        with_version(&m, "1.0.0") + nav("/ok").as_str()
    });
    registry.publish("trapping", |m| {
        with_version(&m, "2.0.0") + nav("/trap").as_str()
    });
    registry.publish("recorder", |m| {
        with_version(&m, "3.0.0").replace("host-api = \"^0.2\"", "host-api = \"^0.9\"")
    });
    let (folder, key) = registry.config();
    let server = TestServer::start_with(backend, move |config| {
        config.registry = Some(folder);
        config.registry_key = Some(key);
        config.installed_modules_dir = None;
    })
    .await;

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("module-registry-laptop-{db}"), &laptop, async {
        laptop.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        laptop.goto(&format!("{}/settings/modules", base(&server))).await;
        laptop.click("main a[href='/settings/modules/registry']").await;
        laptop.wait_for_text("main h1", "Module versions").await;
        laptop
            .wait_for_text(
                "#versions-recorder",
                "Cannot run here: recorder 3.0.0 needs host API ^0.9, and this host provides 0.1.2 and 0.2.4",
            )
            .await;
        assert!(
            !laptop.has("#versions-recorder a.button").await,
            "no button for a version this server cannot run"
        );
        laptop.click("#versions-trapping a[href$='/trapping/1.0.0']").await;
        laptop.wait_for_text("main h1", "Accept what it asks for").await;
        laptop.wait_for_text("#consent-trapping", "Trapping 1.0.0").await;
        laptop.screenshot(&format!("module-registry-consent-laptop-{db}")).await;
        laptop.submit_button("Accept and install").await;
        laptop.wait_for_text("main", "Trapping 1.0.0 is installed and running.").await;
        laptop.wait_for_text("#versions-trapping", "Runs 1.0.0").await;
    })
    .await;

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("module-registry-phone-{db}"), &phone, async {
        phone
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        phone
            .goto(&format!("{}/settings/modules/registry", base(&server)))
            .await;
        phone
            .click("#versions-trapping a[href$='/trapping/2.0.0']")
            .await;
        phone
            .wait_for_text("#consent-trapping", "in place of 1.0.0")
            .await;
        phone
            .wait_for_text("#consent-trapping", "It asks for nothing new.")
            .await;
        assert!(!phone.scrolls_sideways().await, "the consent fits a phone");
        phone.submit_button("Accept and install").await;
        phone
            .wait_for_text(
                "main [role='alert']",
                "Trapping 2.0.0 was undone: it did not answer its check.",
            )
            .await;
        phone
            .wait_for_text("main [role='alert']", "Trapping 1.0.0 runs as before.")
            .await;
        assert!(!phone.scrolls_sideways().await, "the versions fit a phone");
        phone
            .screenshot(&format!("module-registry-undone-phone-{db}"))
            .await;
    })
    .await;

    // Another administrator of the practice is no operator of the server.
    let admin = server.admin().await;
    let administrator = admin.role_id("Administrator").await;
    admin
        .post(
            "/api/v1/users",
            serde_json::json!({ "email": "second@example.com", "display_name": "Second Admin",
                                "password": "a second administrator's passphrase", "roles": [administrator] }),
        )
        .await
        .expect_status(201);
    let other = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("module-registry-refused-{db}"), &other, async {
        other
            .sign_in(
                &base(&server),
                "second@example.com",
                "a second administrator's passphrase",
            )
            .await;
        other
            .goto(&format!("{}/settings/modules", base(&server)))
            .await;
        other.wait_for_text("main h1", "Modules").await;
        assert!(!other.has("main a[href='/settings/modules/registry']").await);
        other
            .goto(&format!("{}/settings/modules/registry", base(&server)))
            .await;
        other
            .wait_for_text("main h1", "For the server's operators")
            .await;
        other
            .screenshot(&format!("module-registry-refused-{db}"))
            .await;
    })
    .await;
    server.stop().await;
}
