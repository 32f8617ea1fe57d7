//! Applicants, cases and case programs in a browser (Debian's Chromium over
//! WebDriver) on SQLite and PostgreSQL: creating an applicant past the
//! duplicate check, a stale edit, two people editing one case (on a laptop
//! and a phone), opening and closing a case on a phone, a
//! field a role hides, and an administrator's new program in the case form.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, Session, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    an_applicant_is_created_past_the_duplicate_check,
    a_stale_edit_asks_only_about_the_field_both_changed,
    two_people_editing_a_case_keep_both_changes,
    the_case_list_filters_and_shows_cards_on_a_phone,
    the_applicant_list_filters_by_cases_and_keeps_it,
    a_note_is_picked_onto_a_case_as_one_types,
    a_case_is_opened_and_closed_on_a_phone,
    a_field_the_role_hides_is_not_on_the_pages,
    a_program_an_administrator_adds_is_offered_until_switched_off,
);

fn base(server: &TestServer) -> String {
    format!("http://localhost:{}", server.addr.port())
}

/// Sets a date input (typing into one depends on the browser's locale).
async fn set_date(s: &Session, id: &str, value: &str) {
    s.wait_for(&format!("#{id}")).await;
    s.client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
}

async fn value_of(s: &Session, css: &str) -> String {
    s.wait_for(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn an_applicant_is_created_past_the_duplicate_check(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("applicant-duplicates-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("#sidebar a[href='/applicants']").await;
        s.wait_for_text("main h1", "Applicants").await;
        s.click("a[href='/applicants/new']").await;
        s.wait_for_text("main h1", "New applicant").await;
        s.fill("#given_name", "José").await;
        s.fill("#family_name", "Pérez").await;
        s.fill("#emails", "jose@example.com\nj.perez@example.com")
            .await;
        s.fill("#phones", "416 555 0100").await;
        s.submit_button("Create applicant").await;
        s.wait_for_text(".flash", "José Pérez is added.").await;
        let details = s.text("main dl.details").await;
        assert!(details.contains("j.perez@example.com"), "{details}");
        assert!(details.contains("+14165550100"), "{details}");

        // Typed again without accents, with the same phone.
        s.goto(&format!("{}/applicants/new", base(&server))).await;
        s.fill("#given_name", "Jose").await;
        s.fill("#family_name", "Perez").await;
        s.fill("#phones", "(416) 555-0100").await;
        s.submit_button("Create applicant").await;
        let shown = s
            .wait_for_text(".duplicates", "may be someone already on file")
            .await;
        assert!(shown.contains("José Pérez"), "{shown}");
        assert!(shown.contains("Same phone: +14165550100"), "{shown}");
        assert!(shown.contains("Same name"), "{shown}");
        assert_eq!(value_of(&s, "#family_name").await, "Perez");
        s.submit_button("Create anyway").await;
        s.wait_for_text(".flash", "Jose Perez is added.").await;
        s.click("#sidebar a[href='/applicants']").await;
        let list = s.wait_for_text("main table", "Jose Perez").await;
        assert!(list.contains("José Pérez"), "{list}");
        // The search box finds both, typed loosely.
        s.fill("#q", "perez").await;
        s.submit_button("Find").await;
        let found = s.wait_for_text("main table", "Jose Perez").await;
        assert!(found.contains("José Pérez"), "{found}");
    })
    .await;
    server.stop().await;
}

async fn a_stale_edit_asks_only_about_the_field_both_changed(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let id = api.add_applicant("Okafor").await;
    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("applicant-stale-edit-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/applicants/{id}", base(&server))).await;
        s.wait_for_text("main h1", "Ana Okafor").await;
        s.click("#edit > summary").await;
        // Someone else saves the applicant while the form is open.
        api.patch(
            &format!("/api/v1/applicants/{id}"),
            json!({ "notes": "Speaks Igbo and English", "version": 1 }),
        )
        .await
        .expect_status(200);
        s.fill("#notes", "Prefers morning calls").await;
        s.fill("#citizenship", "Nigeria").await;
        s.submit_button("Save").await;
        let conflict = s
            .wait_for_text(".conflict", "Someone else saved this applicant")
            .await;
        assert!(conflict.contains("changed notes too"), "{conflict}");
        let question = s.text("fieldset#notes").await;
        assert!(
            question.contains("Keep Speaks Igbo and English"),
            "{question}"
        );
        assert!(
            question.contains("Use yours: Prefers morning calls"),
            "{question}"
        );
        // The other change is kept in the form, not asked about.
        assert_eq!(value_of(&s, "#citizenship").await, "Nigeria");
        assert!(!s.has("fieldset#citizenship").await);
        // Choosing their notes keeps them, and saves the citizenship.
        s.click("fieldset#notes input[value='Speaks Igbo and English']")
            .await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "Ana Okafor is saved.").await;
        let timeline = s.text("#timeline").await;
        assert!(timeline.contains("Citizenship"), "{timeline}");
        assert!(!timeline.contains("Prefers morning calls"), "{timeline}");
    })
    .await;
    let saved = api
        .get(&format!("/api/v1/applicants/{id}"))
        .await
        .expect_status(200);
    assert_eq!(saved.body["notes"], "Speaks Igbo and English");
    assert_eq!(saved.body["citizenship"], "Nigeria");
    server.stop().await;
}

async fn two_people_editing_a_case_keep_both_changes(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let lee_password = "Lee's long passphrase";
    let role = api
        .post(
            "/api/v1/roles",
            json!({ "name": "Case work", "permissions": ["applicants.read", "cases.read", "cases.write"] }),
        )
        .await
        .expect_status(201);
    api.post(
        "/api/v1/users",
        json!({ "email": "lee@immcase.test", "display_name": "Lee Park", "password": lee_password,
                "roles": [role.body["id"]] }),
    )
    .await
    .expect_status(201);
    let applicant = api.add_applicant("Nakamura").await;
    let case = api.open_case(&applicant, "study_permit").await;
    let path = format!("{}/cases/{}", base(&server), case["id"].as_str().unwrap());
    let laptop = browser.session(LAPTOP.0, LAPTOP.1).await;
    let phone = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("case-two-editors-{db}"), &laptop, async {
        // Both open the case's form: the administrator on a laptop, Lee on a phone.
        laptop
            .sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        laptop.goto(&path).await;
        laptop.click("#edit > summary").await;
        phone
            .sign_in(&base(&server), "lee@immcase.test", lee_password)
            .await;
        phone.goto(&path).await;
        phone.click("#edit > summary").await;

        // Lee submits the case.
        phone.select_by_value("#stage", "submitted").await;
        set_date(&phone, "submitted_on", "2026-12-01").await;
        phone.submit_button("Save").await;
        phone.wait_for_text(".flash", "CAS001 is saved.").await;

        // The administrator, on the form opened before, moves the stage
        // and sets the opening date.
        laptop.select_by_value("#stage", "preparation").await;
        set_date(&laptop, "opened_on", "2026-11-30").await;
        laptop.submit_button("Save").await;
        let conflict = laptop
            .wait_for_text(".conflict", "Someone else saved this case")
            .await;
        assert!(conflict.contains("changed stage too"), "{conflict}");
        assert!(conflict.contains("Your other change is kept"), "{conflict}");
        let question = laptop.text("fieldset#stage").await;
        assert!(question.contains("Keep Submitted"), "{question}");
        assert!(question.contains("Lee Park"), "{question}");
        assert!(question.contains("Use yours: Preparation"), "{question}");
        assert_eq!(value_of(&laptop, "#opened_on").await, "2026-11-30");
        assert_eq!(value_of(&laptop, "#submitted_on").await, "2026-12-01");
        laptop.screenshot(&format!("case-conflict-{db}")).await;

        // Keeping Lee's stage, with the opening date: both kept.
        laptop.click("fieldset#stage input[value=submitted]").await;
        laptop.submit_button("Save").await;
        laptop.wait_for_text(".flash", "CAS001 is saved").await;
        let details = laptop.text("main dl.details").await;
        for shown in ["Submitted", "2026-12-01", "2026-11-30"] {
            assert!(details.contains(shown), "{shown} in {details}");
        }
    })
    .await;
    let saved = api
        .get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()))
        .await
        .expect_status(200);
    assert_eq!(saved.body["stage"], "submitted");
    assert_eq!(saved.body["submitted_on"], "2026-12-01");
    assert_eq!(saved.body["opened_on"], "2026-11-30");
    server.stop().await;
}

async fn a_case_is_opened_and_closed_on_a_phone(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let id = api.add_applicant("Tremblay").await;
    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("case-open-close-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/applicants/{id}", base(&server))).await;
        s.wait_for_text("#cases", "No cases yet").await;
        s.select_by_value("#program", "work_permit").await;
        s.submit_button("Open case").await;
        s.wait_for_text(".flash", "CAS001 is open for Ana Tremblay.")
            .await;
        let details = s.text("main dl.details").await;
        assert!(
            details.contains("Work permit") && details.contains("Intake"),
            "{details}"
        );

        // Closing without a date and an outcome is refused beside them.
        s.click("#edit > summary").await;
        s.select_by_value("#stage", "closed").await;
        s.submit_button("Save").await;
        s.wait_for_text("#closing_date-error", "required to close a case")
            .await;
        s.wait_for_text("#outcome-error", "required to close a case")
            .await;
        set_date(&s, "closing_date", "2026-11-20").await;
        s.select_by_value("#outcome", "approved").await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "CAS001 is saved.").await;
        let details = s.text("main dl.details").await;
        assert!(
            details.contains("Closed") && details.contains("Approved"),
            "{details}"
        );
        assert!(details.contains("2026-11-20"), "{details}");
        // Nothing on the page is wider than the phone.
        let wide: bool = s
            .client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap();
        assert!(!wide, "the case page scrolls sideways on a phone");
        s.goto(&format!("{}/cases", base(&server))).await;
        s.wait_for_text("main table", "CAS001").await;
    })
    .await;
    server.stop().await;
}

async fn a_field_the_role_hides_is_not_on_the_pages(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let made = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Mei", "family_name": "Chen", "passport_number": "EH4471920" }),
        )
        .await
        .expect_status(201);
    let id = made.body["id"].as_str().unwrap().to_string();
    let role = admin
        .post(
            "/api/v1/roles",
            json!({ "name": "Front desk", "permissions": ["applicants.read", "applicants.write"],
                    "field_rules": { "applicant.passport_number": "hidden", "applicant.notes": "read_only" } }),
        )
        .await
        .expect_status(201);
    admin
        .post(
            "/api/v1/users",
            json!({ "email": "desk@immcase.test", "display_name": "Dana Desk",
                    "password": "front desk's long passphrase", "roles": [role.body["id"]] }),
        )
        .await
        .expect_status(201);
    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    scenario(&format!("hidden-field-{db}"), &s, async {
        s.sign_in(
            &base(&server),
            "desk@immcase.test",
            "front desk's long passphrase",
        )
        .await;
        let nav = s.text("#sidebar").await;
        assert!(
            nav.contains("Applicants") && !nav.contains("Cases"),
            "{nav}"
        );
        s.goto(&format!("{}/applicants/{id}", base(&server))).await;
        s.wait_for_text("main h1", "Mei Chen").await;
        s.click("#edit > summary").await;
        s.wait_for("#family_name").await;
        let main = s.text("main").await;
        assert!(
            !main.contains("EH4471920") && !main.contains("Passport number"),
            "{main}"
        );
        assert!(!s.has("#passport_number").await);
        assert!(!s.has("#notes").await, "read-only: no input");
        assert!(main.contains("Read-only for your role."), "{main}");
        s.goto(&format!("{}/applicants/new", base(&server))).await;
        s.wait_for("#family_name").await;
        assert!(!s.has("#passport_number").await);
    })
    .await;
    server.stop().await;
}

async fn a_program_an_administrator_adds_is_offered_until_switched_off(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let id = api.add_applicant("Nguyen").await;
    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    let applicant = format!("{}/applicants/{id}", base(&server));
    scenario(&format!("case-programs-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("#sidebar a[href='/settings/case-programs']").await;
        s.wait_for_text("main h1", "Case programs").await;
        s.fill("#new-label", "Caregiver").await;
        s.submit_button("Add program").await;
        s.wait_for_text(".flash", "Caregiver is added").await;

        s.goto(&applicant).await;
        s.select_by_value("#program", "caregiver").await;
        s.submit_button("Open case").await;
        s.wait_for_text(".flash", "CAS001 is open").await;
        assert!(s.text("main dl.details").await.contains("Caregiver"));

        s.goto(&format!("{}/settings/case-programs", base(&server)))
            .await;
        s.check("#program-caregiver input[name=active]", false)
            .await;
        s.submit_button("Save Caregiver").await;
        s.wait_for_text(".flash", "switched off").await;
        let row = s.text("#program-caregiver").await;
        assert!(
            row.contains("1 case") && row.contains("Switched off"),
            "{row}"
        );
        assert!(
            !s.has("#program-caregiver .program-delete").await,
            "a program in use cannot be deleted"
        );

        s.goto(&applicant).await;
        s.wait_for("#program").await;
        assert!(!s.has("#program option[value=caregiver]").await);
        // The case that has it keeps it, marked as switched off.
        s.click("#cases a").await;
        s.wait_for_text("main h1", "CAS001").await;
        s.click("#edit > summary").await;
        let chosen = s.text("#program option[selected]").await;
        assert_eq!(chosen, "Caregiver (switched off)");
    })
    .await;
    server.stop().await;
}

async fn the_case_list_filters_and_shows_cards_on_a_phone(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let applicant = api.add_applicant("Wójcik-Abernathy").await;
    api.open_case(&applicant, "study_permit").await;
    api.post(
        "/api/v1/cases",
        json!({ "applicant_id": applicant, "program": "work_permit", "stage": "closed",
                "closing_date": "2026-11-20", "outcome": "approved" }),
    )
    .await
    .expect_status(201);
    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let s = browser.session(width, height).await;
        scenario(&format!("case-list-{device}-{db}"), &s, async {
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{}/cases", base(&server))).await;
            s.wait_for_text("main", "CAS002").await;
            // Only the open ones, kept for the next visit.
            s.select_by_value("select[name=status]", "open").await;
            s.submit_button("Apply").await;
            s.wait_for_text("main", "Clear filters").await;
            let listed = s.text("table.cases").await;
            assert!(
                listed.contains("CAS001") && !listed.contains("CAS002"),
                "{listed}"
            );
            s.goto(&format!("{}/cases", base(&server))).await;
            let kept = s.wait_for_text("table.cases", "CAS001").await;
            assert!(!kept.contains("CAS002"), "kept: {kept}");
            // A phone shows each case as a card with its labels; a laptop a table.
            let display = s
                .client
                .execute(
                    "return getComputedStyle(document.querySelector('table.cases td')).display;",
                    vec![],
                )
                .await
                .unwrap();
            let expected = if device == "phone" {
                "grid"
            } else {
                "table-cell"
            };
            assert_eq!(display, json!(expected), "{device}");
            assert!(
                !s.scrolls_sideways().await,
                "no sideways scrolling on a {device}"
            );
            s.screenshot(&format!("case-list-{device}-{db}")).await;
            s.click("a[href='/cases?view=all']").await;
            s.wait_for_text("table.cases", "CAS002").await;
            // New case finds the applicant and leads to their page's form.
            s.click("a[href='/cases/new']").await;
            s.fill("#q", "Wójcik").await;
            s.submit_button("Find").await;
            s.click(".pick-list a").await;
            s.wait_for("#open-case").await;
            assert!(s.current_path().await.starts_with("/applicants/"));
        })
        .await;
    }
    server.stop().await;
}

async fn the_applicant_list_filters_by_cases_and_keeps_it(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    let with_case = api.add_applicant("Nakamura-Oyelaran").await;
    api.open_case(&with_case, "study_permit").await;
    api.add_applicant("Brzęczyszczykiewicz").await;
    for (width, height, device) in [(LAPTOP.0, LAPTOP.1, "laptop"), (PHONE.0, PHONE.1, "phone")] {
        let s = browser.session(width, height).await;
        scenario(&format!("applicant-list-{device}-{db}"), &s, async {
            s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
            s.goto(&format!("{}/applicants", base(&server))).await;
            let all = s.wait_for_text("table.applicants", "Nakamura").await;
            assert!(all.contains("Brzęczyszczykiewicz"), "{all}");
            // Those without cases, oldest first, kept for the next visit.
            s.select_by_value("select[name=cases]", "none").await;
            s.select_by_value("select[name=sort]", "oldest").await;
            s.submit_button("Apply").await;
            s.wait_for_text("main", "Clear filters").await;
            let listed = s.text("table.applicants").await;
            assert!(
                listed.contains("Brzęczyszczykiewicz") && !listed.contains("Nakamura"),
                "{listed}"
            );
            s.goto(&format!("{}/applicants", base(&server))).await;
            let kept = s
                .wait_for_text("table.applicants", "Brzęczyszczykiewicz")
                .await;
            assert!(!kept.contains("Nakamura"), "kept: {kept}");
            assert_eq!(value_of(&s, "select[name=sort]").await, "oldest");
            // With an open case: the other one.
            s.select_by_value("select[name=cases]", "open").await;
            s.submit_button("Apply").await;
            let listed = s.wait_for_text("table.applicants", "Nakamura").await;
            assert!(!listed.contains("Brzęczyszczykiewicz"), "{listed}");
            assert!(
                !s.scrolls_sideways().await,
                "no sideways scrolling on a {device}"
            );
            s.screenshot(&format!("applicant-list-{device}-{db}")).await;
            s.click("a[href='/applicants?view=all']").await;
            let all = s
                .wait_for_text("table.applicants", "Brzęczyszczykiewicz")
                .await;
            assert!(all.contains("Nakamura"), "{all}");
        })
        .await;
    }
    server.stop().await;
}

async fn a_note_is_picked_onto_a_case_as_one_types(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let api = server.admin().await;
    api.set_module("notes", true).await;
    api.set_module("helpdesk", true).await;
    let applicant = api.add_applicant("Ferreira").await;
    let case = api.open_case(&applicant, "study_permit").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("note-record-pick-{db}"), &s, async {
        s.sign_in(&base(&server), ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{}/m/notes/", base(&server))).await;
        s.wait_for_text("main h1", "Notes").await;
        assert_eq!(
            value_of(&s, "input[name=follow_up]").await,
            "",
            "no follow-up unless wanted"
        );
        s.fill("input[data-record-pick]", "CAS001").await;
        let offered = s.wait_for_text(".record-pick li", "CAS001").await;
        assert!(offered.contains("CAS001"), "{offered}");
        s.screenshot(&format!("note-record-pick-{db}")).await;
        s.click(".record-pick li").await;
        assert_eq!(
            value_of(&s, "input[type=hidden][name=subject]").await,
            format!("case:{case_id}")
        );
        s.fill("textarea[name=text]", "Ask for the bank letter")
            .await;
        s.submit_button("Add note").await;
        s.wait_for_text(".flash", "Note added.").await;
        s.click("main ul.notes a").await;
        let about = s.wait_for_text("main dl", "CAS001").await;
        assert!(about.contains("CAS001 (Ana Ferreira)"), "{about}");
        // Its author marks it done from its page.
        s.submit_button("Mark done").await;
        s.wait_for_text(".flash", "Note marked done.").await;
        let state = s.text("main dl").await;
        assert!(state.contains("yes"), "{state}");

        // A ticket picks the same case as one types.
        s.goto(&format!("{}/m/helpdesk/new", base(&server))).await;
        s.fill("input[name='subject']", "Bank letter missing").await;
        s.fill(
            "textarea[name='description']",
            "The bank letter is not in the file.",
        )
        .await;
        s.select_by_value("select[name='category']", "case_support")
            .await;
        s.fill("input[data-record-pick='case']", "CAS001").await;
        s.wait_for_text(".record-pick li", "CAS001").await;
        s.click(".record-pick li").await;
        s.submit_button("File the ticket").await;
        let ticket = s.wait_for_text("main", "TKT001").await;
        assert!(ticket.contains("CAS001"), "{ticket}");
        assert!(
            s.has(&format!("main a[href='/cases/{case_id}']")).await,
            "linked to the case"
        );

        // The case's page leads to its notes.
        s.goto(&format!("{}/cases/{case_id}", base(&server))).await;
        s.click(".record-tabs a[href*='tab=notes']").await;
        s.wait_for_text("#tab-heading", "Notes").await;
        s.wait_for_text("#tab ul.notes", "Ask for the bank letter")
            .await;
        assert!(
            s.current_path()
                .await
                .starts_with(&format!("/cases/{case_id}")),
            "inside the case's page"
        );
        s.screenshot(&format!("case-notes-tab-{db}")).await;
        // A note added in the tab is about the case, and the tab comes back.
        s.fill("#tab textarea[name=text]", "Second note, from the tab")
            .await;
        s.submit_button("Add note").await;
        s.wait_for_text(".flash", "Note added.").await;
        s.wait_for_text("#tab ul.notes", "Second note, from the tab")
            .await;
        assert!(
            s.current_path()
                .await
                .starts_with(&format!("/cases/{case_id}")),
            "back on the case's page"
        );
        // And to its tickets.
        s.click(".record-tabs a[href*='tab=helpdesk']").await;
        s.wait_for_text("#tab-heading", "Tickets").await;
        s.wait_for_text("#tab ul.tickets", "Bank letter missing")
            .await;
        // The dashboard's My tickets lists it for the person who filed it.
        s.goto(&format!("{}/", base(&server))).await;
        let mine = s
            .wait_for_text("section.module-panel", "Bank letter missing")
            .await;
        assert!(mine.contains("filed by you"), "{mine}");
    })
    .await;
    server.stop().await;
}
