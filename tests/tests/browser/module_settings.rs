//! A module's settings on the host's page, drawn from its declarations (the
//! helpdesk's categories, teams, SLA targets and hours), in a browser at
//! laptop and phone widths on SQLite and PostgreSQL: adding a row, SLA
//! targets typed in hours and minutes, a time zone picked from a list,
//! boxes beside their words, a mistake shown beside its field and named by
//! its label above the form with everything typed kept, then saving.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::helpdesk::{SETTINGS, staff};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};

on_both_databases!(nested_settings_are_edited_on_the_page);

const PAGE: &str = "/settings/modules/helpdesk/settings";

/// Whether the box matching `css` sits left of its words, on their first
/// line (not above or below them).
async fn box_beside_its_words(session: &Session, css: &str) -> bool {
    session.wait_for(css).await;
    let script = "const box = document.querySelector(arguments[0]);
        const words = box.closest('label').querySelector('span');
        const b = box.getBoundingClientRect(), w = words.getBoundingClientRect();
        const line = parseFloat(getComputedStyle(words).lineHeight) || 24;
        return b.right <= w.left && b.top < w.top + line && b.bottom > w.top;";
    let beside = session
        .client
        .execute(script, vec![serde_json::json!(css)])
        .await
        .unwrap();
    beside.as_bool().unwrap_or(false)
}

async fn nested_settings_are_edited_on_the_page(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, ana) = staff(&server, &admin, "ana@example.com").await;
    let base = format!("http://localhost:{}", server.addr.port());

    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("module-settings-laptop-{db}"), &laptop, async {
        laptop.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        laptop.goto(&format!("{base}/settings/modules")).await;
        laptop
            .click("a[href='/settings/modules/helpdesk/settings']")
            .await;
        laptop.wait_for_text("main h1", "Helpdesk settings").await;
        // The spare row after the four categories adds a fifth.
        laptop
            .fill("input[name='categories[4].key']", "billing")
            .await;
        laptop
            .fill("input[name='categories[4].label']", "Billing")
            .await;
        laptop
            .select_by_value("select[name='categories[4].responsible_id']", &ana)
            .await;
        assert!(
            box_beside_its_words(&laptop, "input[name='categories[0].active']").await,
            "the box beside its words"
        );
        // SLA targets in hours and minutes; the time zone from a list.
        assert!(
            laptop
                .has("input[name='sla.high.resolution_minutes'][value='16h']")
                .await
        );
        laptop
            .fill("input[name='sla.high.resolution_minutes']", "8h 30m")
            .await;
        laptop
            .select_by_value("select[name='business_hours.time_zone']", "America/Vancouver")
            .await;
        laptop
            .client
            .execute("document.getElementById('s-sla').scrollIntoView()", vec![])
            .await
            .unwrap();
        laptop
            .screenshot(&format!("module-settings-sla-laptop-{db}"))
            .await;
        laptop.fill("input[name='auto_close_days']", "0").await;
        laptop.submit_button("Save settings").await;
        let alert = laptop
            .wait_for_text(
                "#settings-mistakes",
                "Close resolved tickets after (days): at least 1",
            )
            .await;
        assert!(alert.contains("nothing was saved"), "{alert}");
        assert!(!alert.contains("auto_close_days"), "{alert}");
        let beside = laptop.text("#s-auto_close_days-error").await;
        assert_eq!(beside, "at least 1");
        // Everything typed is still there.
        assert!(
            laptop
                .has("input[name='categories[4].key'][value='billing']")
                .await
        );
        assert!(
            laptop
                .has("input[name='auto_close_days'][value='0'][aria-invalid='true']")
                .await
        );
        assert!(
            laptop
                .has("input[name='sla.high.resolution_minutes'][value='8h 30m']")
                .await
        );
        assert!(
            laptop
                .has("select[name='business_hours.time_zone'] option[value='America/Vancouver'][selected]")
                .await
        );
        assert!(
            laptop
                .has(&format!(
                    "select[name='categories[4].responsible_id'] option[value='{ana}'][selected]"
                ))
                .await
        );
        laptop
            .screenshot(&format!("module-settings-mistake-laptop-{db}"))
            .await;
        laptop.fill("input[name='auto_close_days']", "5").await;
        laptop
            .tick_with_keyboard("input[name='categories[3]._remove']")
            .await;
        laptop.submit_button("Save settings").await;
        laptop
            .wait_for_text("main", "Helpdesk settings saved.")
            .await;
    })
    .await;

    let saved = admin.get(SETTINGS).await.expect_status(200).body;
    let values = &saved["values"];
    assert_eq!(values["auto_close_days"], 5);
    assert_eq!(values["sla"]["high"]["resolution_minutes"], 510);
    assert_eq!(values["business_hours"]["time_zone"], "America/Vancouver");
    let keys: Vec<&str> = values["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "technical_support",
            "case_support",
            "improvement_suggestion",
            "billing"
        ]
    );
    assert_eq!(values["categories"][3]["responsible_id"], ana.as_str());

    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("module-settings-phone-{db}"), &phone, async {
        phone.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        phone.goto(&format!("{base}{PAGE}")).await;
        phone.wait_for_text("main h1", "Helpdesk settings").await;
        assert!(
            phone
                .has("input[name='categories[3].label'][value='Billing']")
                .await
        );
        assert!(
            phone
                .has("input[name='sla.high.resolution_minutes'][value='8h 30m']")
                .await
        );
        assert!(
            box_beside_its_words(&phone, "input[name='categories[3].active']").await,
            "the box beside its words on a phone"
        );
        assert!(
            box_beside_its_words(&phone, "input[name='categories[0]._remove']").await,
            "the remove box beside its words on a phone"
        );
        phone
            .screenshot(&format!("module-settings-phone-{db}"))
            .await;
        // Saved in hours and minutes on a phone too.
        phone
            .fill("input[name='sla.urgent.first_response_minutes']", "45m")
            .await;
        phone.submit_button("Save settings").await;
        phone
            .wait_for_text("main", "Helpdesk settings saved.")
            .await;
        assert!(
            phone
                .has("input[name='sla.urgent.first_response_minutes'][value='45m']")
                .await
        );
    })
    .await;
    let saved = admin.get(SETTINGS).await.expect_status(200).body;
    assert_eq!(
        saved["values"]["sla"]["urgent"]["first_response_minutes"],
        45
    );
    assert_eq!(saved["values"]["sla"]["high"]["resolution_minutes"], 510);
    server.stop().await;
}
