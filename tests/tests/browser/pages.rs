//! What a person does in a browser: Debian's Chromium, driven over WebDriver,
//! against the real server on SQLite and on PostgreSQL. A failing scenario
//! leaves a screenshot (see `immcase_tests::browser`), and one test takes a
//! screenshot of every main page at laptop and phone widths.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{self as browser, Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_person_signs_in_and_the_sidebar_follows_the_modules,
    a_role_without_the_module_is_refused_its_page,
    a_person_changes_their_password_from_the_profile,
    an_administrator_creates_a_role_with_a_field_rule_and_a_user,
    a_module_page_is_shown_in_the_shell,
    a_form_keeps_what_was_typed_when_someone_saved_first,
    a_forgotten_password_is_reset_from_the_emailed_link,
);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

/// Creates a user with one of the built-in roles, through the API.
async fn add_user(admin: &Api, email: &str, name: &str, role: &str, password: &str) -> Value {
    let role = admin.role_id(role).await;
    admin
        .post(
            "/api/v1/users",
            json!({ "email": email, "display_name": name, "password": password, "roles": [role] }),
        )
        .await
        .expect_status(201)
        .body
}

async fn sidebar(s: &Session) -> String {
    s.text("#sidebar").await
}

async fn a_person_signs_in_and_the_sidebar_follows_the_modules(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin_api = server.admin().await;
    add_user(
        &admin_api,
        "cora@immcase.test",
        "Cora Consultant",
        "Consultant",
        "cora's long passphrase",
    )
    .await;

    let cora = browser.session(LAPTOP.0, LAPTOP.1).await;
    let admin = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("sidebar-follows-modules-{db}"), &cora, async {
        // A signed-out visit goes to the sign-in page, and back after.
        cora.goto(&format!("{}/profile", base(&server))).await;
        cora.wait_for_text("main h1", "Sign in").await;
        assert_eq!(cora.current_path().await, "/sign-in");
        cora.fill("#email", "cora@immcase.test").await;
        cora.fill("#password", "cora's long passphrase").await;
        cora.submit_button("Sign in").await;
        cora.wait_for_text("main h1", "My Profile").await;
        assert_eq!(cora.current_path().await, "/profile");
        cora.goto(&format!("{}/", base(&server))).await;
        cora.wait_for_text("main h1", "Welcome, Cora Consultant")
            .await;
        let nav = sidebar(&cora).await;
        assert!(nav.contains("Dashboard") && !nav.contains("Notes"), "{nav}");
        assert!(
            !nav.contains("Users"),
            "a consultant has no settings: {nav}"
        );

        // The administrator enables Notes from Settings → Modules.
        admin
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        admin.click("#sidebar a[href='/settings/modules']").await;
        admin.wait_for_text("main h1", "Modules").await;
        let card = admin.text("#module-notes").await;
        assert!(card.contains("Version 0.1.0"), "{card}");
        assert!(
            card.contains("Sends email") && card.contains("Reads applicants"),
            "{card}"
        );
        admin.submit_button("Enable Notes").await;
        admin.wait_for_text(".flash", "Notes is enabled").await;
        assert!(sidebar(&admin).await.contains("Notes"));

        cora.goto(&format!("{}/", base(&server))).await;
        let nav = sidebar(&cora).await;
        assert!(nav.contains("Notes"), "{nav}");
        cora.click("#sidebar a[href='/m/notes/']").await;
        cora.wait_for_text("main h1", "Notes").await;

        // Disabled again, it leaves the sidebar and its pages are gone.
        admin.submit_button("Disable Notes").await;
        admin.accept_confirmation().await;
        admin.wait_for_text(".flash", "Notes is disabled").await;
        cora.goto(&format!("{}/", base(&server))).await;
        cora.wait_for_text("main h1", "Welcome").await;
        assert!(!sidebar(&cora).await.contains("Notes"));
        cora.goto(&format!("{}/m/notes/", base(&server))).await;
        cora.wait_for_text("main h1", "Not found").await;
    })
    .await;
    server.stop().await;
}

async fn a_role_without_the_module_is_refused_its_page(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("notes", true).await;
    add_user(
        &admin,
        "asa@immcase.test",
        "Asa Assistant",
        "Assistant",
        "asa's long passphrase",
    )
    .await;

    let asa = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("module-refused-{db}"), &asa, async {
        asa.sign_in(&base(&server), "asa@immcase.test", "asa's long passphrase")
            .await;
        assert!(!sidebar(&asa).await.contains("Notes"));
        asa.goto(&format!("{}/m/notes/", base(&server))).await;
        asa.wait_for_text("main h1", "You don't have access to this module")
            .await;
        let message = asa.text("main").await;
        assert!(message.contains("module:notes"), "{message}");
        assert!(
            asa.has("#sidebar").await,
            "the refusal is shown in the shell"
        );
        // An administrator's page is refused the same way.
        asa.goto(&format!("{}/settings/roles", base(&server))).await;
        asa.wait_for_text("main", "roles.manage").await;
    })
    .await;
    let denied = admin
        .get("/api/v1/audit?action=access.denied")
        .await
        .expect_status(200);
    assert!(
        denied.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["details"]["permission"] == "module:notes"),
        "{}",
        denied.text
    );
    server.stop().await;
}

async fn a_person_changes_their_password_from_the_profile(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    add_user(
        &admin,
        "cora@immcase.test",
        "Cora Consultant",
        "Consultant",
        "cora's long passphrase",
    )
    .await;

    let cora = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("change-password-{db}"), &cora, async {
        cora.sign_in(
            &base(&server),
            "cora@immcase.test",
            "cora's long passphrase",
        )
        .await;
        // The profile drawer leads to My Profile.
        cora.click(".profile-drawer summary").await;
        cora.click(".drawer-panel a[href='/profile']").await;
        cora.wait_for_text("main h1", "My Profile").await;

        // Two different new passwords: the form says so beside the field.
        cora.fill("#current_password", "cora's long passphrase")
            .await;
        cora.fill("#new_password", "a brand new passphrase").await;
        cora.fill("#confirm", "a brand new passphrasf").await;
        cora.submit_button("Change password").await;
        cora.wait_for_text("#confirm-error", "differ").await;
        // A wrong current password is refused beside that field.
        cora.fill("#current_password", "not my password").await;
        cora.fill("#new_password", "a brand new passphrase").await;
        cora.fill("#confirm", "a brand new passphrase").await;
        cora.submit_button("Change password").await;
        cora.wait_for_text("#current_password-error", "not your current password")
            .await;
        cora.fill("#current_password", "cora's long passphrase")
            .await;
        cora.fill("#new_password", "a brand new passphrase").await;
        cora.fill("#confirm", "a brand new passphrase").await;
        cora.submit_button("Change password").await;
        cora.wait_for_text(".flash", "Your password is changed")
            .await;

        // The time zone is saved from the profile; the signature lives in
        // My email account, which the profile points to.
        cora.select_by_value("#time_zone", "America/Vancouver")
            .await;
        cora.submit_button("Save profile").await;
        cora.wait_for_text(".flash", "Your profile is saved").await;
        cora.click("main a[href='/settings/email-account']").await;
        cora.wait_for_text("main h1", "My email account").await;
        cora.fill("#email_signature", "Cora\nLicensed consultant")
            .await;
        cora.submit_button("Save signature").await;
        cora.wait_for_text(".flash", "Your signature is saved")
            .await;

        // Sign out from the drawer; the old password no longer works.
        cora.click(".profile-drawer summary").await;
        cora.submit_button("Sign out").await;
        cora.wait_for_text(".notice", "You are signed out").await;
        cora.fill("#email", "cora@immcase.test").await;
        cora.fill("#password", "cora's long passphrase").await;
        cora.submit_button("Sign in").await;
        cora.wait_for_text(".form-error", "wrong email or password")
            .await;
        let kept = cora
            .wait_for("#email")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(kept, "cora@immcase.test", "the email is kept");
        cora.fill("#password", "a brand new passphrase").await;
        cora.submit_button("Sign in").await;
        cora.wait_for_text("main h1", "Welcome").await;
    })
    .await;
    let cora_api = server.api();
    let me = cora_api
        .sign_in("cora@immcase.test", "a brand new passphrase")
        .await
        .expect_status(200);
    assert_eq!(me.body["user"]["time_zone"], "America/Vancouver");
    assert_eq!(
        me.body["user"]["email_signature"],
        "Cora\nLicensed consultant"
    );
    server.stop().await;
}

async fn an_administrator_creates_a_role_with_a_field_rule_and_a_user(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("create-role-and-user-{db}"), &admin, async {
        admin
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        admin.click("#sidebar a[href='/settings/roles']").await;
        admin.wait_for_text("main h1", "Roles").await;
        admin.click("a[href='/settings/roles/new']").await;
        admin.wait_for_text("main h1", "New role").await;
        admin.fill("#name", "Intake clerk").await;
        admin.fill("#description", "Takes in new applicants").await;
        admin
            .check("input[name=permissions][value='applicants.read']", true)
            .await;
        admin
            .check("input[name=permissions][value='applicants.write']", true)
            .await;
        admin
            .check("input[name=permissions][value='module:notes']", true)
            .await;
        // A rule with an access but no field is refused, the rest kept.
        admin
            .select_by_value(
                ".rule-row:nth-of-type(2) select[name=rule_access]",
                "read_only",
            )
            .await;
        // Fields are picked from the list, in words.
        let offered = admin
            .text(".rule-row:nth-of-type(1) select[name=rule_field]")
            .await;
        assert!(offered.contains("Applicant: passport number"), "{offered}");
        admin
            .select_by_value(
                ".rule-row:nth-of-type(1) select[name=rule_field]",
                "applicant.passport_number",
            )
            .await;
        admin
            .select_by_value(
                ".rule-row:nth-of-type(1) select[name=rule_access]",
                "hidden",
            )
            .await;
        admin.submit_button("Create role").await;
        admin
            .wait_for_text("#field_rules-error", "name the field")
            .await;
        let name = admin.wait_for("#name").await.prop("value").await.unwrap();
        assert_eq!(
            name.as_deref(),
            Some("Intake clerk"),
            "what was typed is kept"
        );
        admin
            .select_by_value(".rule-row:nth-of-type(2) select[name=rule_access]", "")
            .await;
        admin.submit_button("Create role").await;
        admin
            .wait_for_text(".flash", "The role Intake clerk is created")
            .await;
        let list = admin.text("main table").await;
        assert!(list.contains("Intake clerk"), "{list}");

        // Settings → Users → Create: a mistake first, then the user.
        admin.click("#sidebar a[href='/settings/users']").await;
        admin.click("a[href='/settings/users/new']").await;
        admin.wait_for_text("main h1", "Create user").await;
        admin.fill("#email", ADMIN_EMAIL).await;
        admin.fill("#display_name", "Ivy Intake").await;
        let clerk = "//label[contains(., 'Intake clerk')]/input[@name='roles']";
        admin
            .client
            .find(fantoccini::Locator::XPath(clerk))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        admin.submit_button("Create user").await;
        admin
            .wait_for_text("#email-error", "a user with this email exists")
            .await;
        let kept = admin
            .wait_for("#display_name")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Ivy Intake"));
        let still_ticked = admin
            .client
            .find(fantoccini::Locator::XPath(clerk))
            .await
            .unwrap()
            .is_selected()
            .await
            .unwrap();
        assert!(still_ticked, "the ticked role is kept");
        admin.fill("#email", "ivy@immcase.test").await;
        admin.submit_button("Create user").await;
        admin
            .wait_for_text(
                ".flash",
                "Ivy Intake (ivy@immcase.test) can now sign in; an email invites them",
            )
            .await;
    })
    .await;
    // What the pages saved is what the API shows.
    let api = server.admin().await;
    let roles = api.get("/api/v1/roles").await.expect_status(200);
    let clerk = roles.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Intake clerk")
        .unwrap()
        .clone();
    assert_eq!(
        clerk["permissions"],
        json!(["applicants.read", "applicants.write", "module:notes"])
    );
    assert_eq!(
        clerk["field_rules"],
        json!({ "applicant.passport_number": "hidden" })
    );
    let users = api.get("/api/v1/users").await.expect_status(200);
    let ivy = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ivy@immcase.test")
        .unwrap()
        .clone();
    assert_eq!(ivy["roles"], json!([clerk["id"]]));
    let invite = server
        .smtp
        .wait_for("ivy@immcase.test", "Your ImmCase account")
        .await;
    assert!(invite.text().contains("Choose your password"));
    server.stop().await;
}

async fn a_module_page_is_shown_in_the_shell(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start_with_modules(backend, &["trapping"]).await;
    let api = server.admin().await;
    api.set_module("notes", true).await;
    api.set_module("trapping", true).await;
    let admin = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("module-page-in-shell-{db}"), &admin, async {
        admin
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        admin.click("#sidebar a[href='/m/notes/']").await;
        admin.wait_for_text("main h1", "Notes").await;
        let title = admin.client.title().await.unwrap();
        assert!(title.starts_with("Notes · "), "{title}");
        assert!(
            admin
                .has("#sidebar a[href='/m/notes/'][aria-current=page]")
                .await
        );
        assert!(admin.has(".profile-drawer").await);
        // The module's own form, with a mistake the module reports beside
        // its field, the rest of what was typed kept.
        admin.fill("input[name=subject]", "Biometrics").await;
        admin.fill("textarea[name=text]", "   ").await;
        admin.submit_button("Add note").await;
        admin.wait_for_text(".field-error", "required").await;
        let subject = admin
            .wait_for("input[name=subject]")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(subject.as_deref(), Some("Biometrics"));
        assert!(
            admin.has("#sidebar").await,
            "the module's error page is in the shell"
        );
        admin
            .fill("textarea[name=text]", "Call the client about biometrics")
            .await;
        admin.submit_button("Add note").await;
        admin.wait_for_text(".flash", "Note added.").await;
        admin
            .wait_for_text("main ul.notes", "Call the client about biometrics")
            .await;
        // A module that fails is a clear message, not a blank page.
        admin
            .goto(&format!("{}/m/trapping/trap", base(&server)))
            .await;
        admin.wait_for_text("main h1", "A module failed").await;
        assert!(admin.text("main").await.contains("trapping"));
    })
    .await;
    server.stop().await;
}

async fn a_form_keeps_what_was_typed_when_someone_saved_first(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let cora = add_user(
        &api,
        "cora@immcase.test",
        "Cora Consultant",
        "Consultant",
        "cora's long passphrase",
    )
    .await;
    let id = cora["id"].as_str().unwrap().to_string();
    let admin = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("conflict-keeps-input-{db}"), &admin, async {
        admin
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        admin
            .goto(&format!("{}/settings/users/{id}", base(&server)))
            .await;
        admin.wait_for_text("main h1", "Cora Consultant").await;
        // Someone else renames her while the form is open.
        api.patch(
            &format!("/api/v1/users/{id}"),
            json!({ "display_name": "Cora Smith", "version": cora["version"] }),
        )
        .await
        .expect_status(200);
        admin.fill("#display_name", "Cora Jones").await;
        admin.select_by_value("#time_zone", "America/Halifax").await;
        admin.submit_button("Save").await;
        let conflict = admin
            .wait_for_text(".conflict", "Someone else saved this user")
            .await;
        assert!(
            conflict.contains("Cora Smith"),
            "the newer version is shown: {conflict}"
        );
        let typed = admin
            .wait_for("#display_name")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            typed.as_deref(),
            Some("Cora Jones"),
            "what was typed is kept"
        );
        // Saving again applies what was typed, knowingly.
        admin.submit_button("Save").await;
        admin.wait_for_text(".flash", "Cora Jones is saved").await;
    })
    .await;
    let saved = api
        .get(&format!("/api/v1/users/{id}"))
        .await
        .expect_status(200);
    assert_eq!(saved.body["display_name"], "Cora Jones");
    assert_eq!(saved.body["time_zone"], "America/Halifax");
    server.stop().await;
}

async fn a_forgotten_password_is_reset_from_the_emailed_link(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("forgot-password-{db}"), &s, async {
        s.goto(&format!("{}/sign-in", base(&server))).await;
        s.click("a[href='/forgot-password']").await;
        s.wait_for_text("main h1", "Forgot password").await;
        s.fill("#email", ADMIN_EMAIL).await;
        s.submit_button("Send the link").await;
        s.wait_for_text(".notice", "is on its way").await;
        let mail = server.smtp.wait_for(ADMIN_EMAIL, "Reset").await;
        let token = mail.link_param("token").expect("a link with a token");
        s.goto(&format!("{}/reset-password?token={token}", base(&server)))
            .await;
        s.wait_for_text("main h1", "Choose a password").await;
        s.fill("#password", "password").await;
        s.fill("#confirm", "password").await;
        s.submit_button("Set my password").await;
        s.wait_for_text("#password-error", "common").await;
        s.fill("#password", "a fresh and long passphrase").await;
        s.fill("#confirm", "a fresh and long passphrase").await;
        s.submit_button("Set my password").await;
        s.wait_for_text(".notice", "Your password is set").await;
        s.fill("#email", ADMIN_EMAIL).await;
        s.fill("#password", "a fresh and long passphrase").await;
        s.submit_button("Sign in").await;
        s.wait_for_text("main h1", "Welcome").await;
        // The same link does not work twice.
        s.goto(&format!("{}/reset-password?token={token}", base(&server)))
            .await;
        s.fill("#password", "another long passphrase").await;
        s.fill("#confirm", "another long passphrase").await;
        s.submit_button("Set my password").await;
        s.wait_for_text(".form-error", "already been used").await;
    })
    .await;
    server.stop().await;
}

/// Screenshots of every main page at laptop and phone widths, for people to
/// look at (kept under the screenshot folder, never committed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_pages() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite).await;
    let api = server.admin().await;
    api.set_module("notes", true).await;
    let cora = add_user(
        &api,
        "cora@immcase.test",
        "Cora Consultant",
        "Consultant",
        "cora's long passphrase",
    )
    .await;
    let consultant = api.role_id("Consultant").await;
    let applicant = api
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "María José", "family_name": "Fernández Okonkwo-Lindqvist",
                    "emails": ["maria.jose.fernandez.okonkwo@example.com"], "phones": ["+14165550123"],
                    "date_of_birth": "1988-02-29", "passport_number": "PA1234567",
                    "address": "1200 Bay Street, Suite 400\nToronto ON M5R 2A5", "notes": "Prefers Spanish" }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = api.open_case(&applicant, "express_entry").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    api.patch(
        &format!("/api/v1/cases/{case_id}"),
        json!({ "stage": "submitted", "submitted_on": "2026-11-20", "version": 1 }),
    )
    .await
    .expect_status(200);
    let pages: Vec<(&str, String)> = vec![
        ("applicants", "/applicants".into()),
        ("new-applicant", "/applicants/new".into()),
        ("applicant", format!("/applicants/{applicant}")),
        ("cases", "/cases".into()),
        ("case", format!("/cases/{case_id}")),
        ("case-programs", "/settings/case-programs".into()),
        ("dashboard", "/".into()),
        ("profile", "/profile".into()),
        ("users", "/settings/users".into()),
        (
            "user-form",
            format!("/settings/users/{}", cora["id"].as_str().unwrap()),
        ),
        ("new-user", "/settings/users/new".into()),
        ("roles", "/settings/roles".into()),
        ("role-form", format!("/settings/roles/{consultant}")),
        ("modules", "/settings/modules".into()),
        ("audit", "/settings/audit".into()),
        ("notes-module", "/m/notes/".into()),
        ("not-found", "/no-such-page".into()),
    ];
    for (width_name, (width, height)) in [("laptop", LAPTOP), ("phone", PHONE)] {
        let s = browser.session(width, height).await;
        scenario(&format!("screenshots-{width_name}"), &s, async {
            s.goto(&format!("{}/sign-in", base(&server))).await;
            s.wait_for("#email").await;
            s.screenshot(&format!("sign-in-{width_name}")).await;
            s.goto(&format!("{}/forgot-password", base(&server))).await;
            s.wait_for("#email").await;
            s.screenshot(&format!("forgot-password-{width_name}")).await;
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            for (name, path) in &pages {
                s.goto(&format!("{}{path}", base(&server))).await;
                s.wait_for("main h1").await;
                let shot = s.screenshot(&format!("{name}-{width_name}")).await;
                let png = std::fs::read(&shot).unwrap();
                assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", shot.display());
                // Usable at phone width: nothing makes the page scroll sideways.
                let wide = s
                    .client
                    .execute(
                        "return document.documentElement.scrollWidth > window.innerWidth + 1;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    wide,
                    json!(false),
                    "{name} is wider than the window at {width_name} width"
                );
            }
            if width_name == "phone" {
                s.goto(&format!("{}/", base(&server))).await;
                let folded = s.wait_for("#sidebar").await.is_displayed().await.unwrap();
                assert!(!folded, "on a phone the sidebar starts folded");
                s.click(".menu-button").await;
                s.wait_for_text("#sidebar", "Users").await;
                s.screenshot("menu-open-phone").await;
            }
        })
        .await;
    }
    eprintln!(
        "screenshots of the main pages are in {}",
        browser::screenshot_dir().display()
    );
    server.stop().await;
}
