//! Settings → Workflows in a browser, on SQLite and PostgreSQL: an
//! administrator reaches the workflows from the sidebar, writes the email
//! template the "Submitted" example sends, starts a workflow from that
//! example, sees a script calling `eval` refused with its line and column
//! while what was typed stays, saves a good one; a case moved to
//! "submitted" then shows as a succeeded run in History with what it
//! changed and sent. On a phone, the list and the history never scroll
//! sideways.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use crate::harness::{Browser, LAPTOP, PHONE, scenario};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(workflows_from_an_example_to_a_run_at_both_widths);

/// A script whose second line calls `eval`, refused at line 2, column 9.
const EVAL_SCRIPT: &str = "let due = add_days(today(), 90);\nlet x = eval(\"due\");\n";

async fn workflows_from_an_example_to_a_run_at_both_widths(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let db = backend.name();
    let server = TestServer::start(backend).await;
    let base = format!("http://localhost:{}", server.addr.port());
    let admin = server.admin().await;
    let role = admin.role_id("Administrator").await;
    let example = immcase_host::workflows::examples::find("submitted").unwrap();

    let s = browser.session(LAPTOP.0, LAPTOP.1).await;
    let mut workflow_path = String::new();
    scenario(&format!("workflows-laptop-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.click("nav a[href='/settings/workflows']").await;
        s.wait_for_text("main h1", "Workflows").await;
        s.screenshot(&format!("workflows-list-laptop-{db}")).await;
        let examples = s.text(".workflow-examples").await;
        for name in [
            "Submitted: deadline and email",
            "Urgent technical ticket: tell the IT lead",
            "Monday: idle cases to each consultant",
        ] {
            assert!(examples.contains(name), "{examples}");
        }

        // The template the example sends.
        s.click("main a[href='/settings/workflows/templates']")
            .await;
        s.wait_for_text("main h1", "Email templates").await;
        s.click("a[href='/settings/workflows/templates/new']").await;
        s.wait_for_text("main h1", "New email template").await;
        s.fill("#name", "case-submitted").await;
        s.fill("#subject", "Case {{folio}} is submitted").await;
        s.fill(
            "#body",
            "The decision on {{folio}} is expected by {{decision_on}}.\n{{link}}",
        )
        .await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "The email template case-submitted is saved.")
            .await;
        assert!(
            s.text("table.email-templates")
                .await
                .contains("case-submitted")
        );

        // A workflow from the example, first with a script calling eval.
        s.goto(&format!("{base}/settings/workflows")).await;
        s.click("a[href='/settings/workflows/new?example=submitted']")
            .await;
        s.wait_for_text("main h1", "New workflow").await;
        assert!(s.text("#script").await.contains("add_days(today(), 90)"));
        s.select_by_value("#role_id", &role).await;
        s.fill("#script", EVAL_SCRIPT).await;
        s.submit_button("Check").await;
        let found = s.wait_for_text(".check-result", "line 2").await;
        assert!(found.contains("script, line 2, column 9"), "{found}");
        assert!(s.has(".code-field .gutter li.bad").await);
        s.screenshot(&format!("workflows-check-laptop-{db}")).await;
        s.submit_button("Save").await;
        let refused = s.wait_for_text("#script-error", "line 2").await;
        assert!(refused.contains("script, line 2, column 9"), "{refused}");
        assert!(
            s.text("#script").await.contains("eval(\"due\")"),
            "the script typed is kept"
        );
        assert!(
            s.has("#name[value='Submitted: deadline and email']").await,
            "the name is kept"
        );
        assert!(
            s.has(&format!("#role_id option[value='{role}'][selected]"))
                .await
        );
        s.screenshot(&format!("workflows-refused-laptop-{db}"))
            .await;

        // The example's own script is saved.
        s.fill("#script", example.script).await;
        // The line numbers grow with the lines typed.
        let lines = example.script.lines().count();
        assert!(
            s.has(&format!(
                ".code-field:has(#script) .gutter li:nth-child({lines})"
            ))
            .await
        );
        s.submit_button("Save").await;
        s.wait_for_text(
            ".flash",
            "The workflow Submitted: deadline and email is saved.",
        )
        .await;
        workflow_path = s.current_path().await;
        assert!(!s.scrolls_sideways().await, "the editor on a laptop");
        s.screenshot(&format!("workflows-editor-laptop-{db}")).await;

        // Someone else saves meanwhile: saving says so, and keeps what was
        // typed; saving again replaces theirs.
        let id = workflow_path.rsplit('/').next().unwrap();
        admin
            .put(
                &format!("/api/v1/workflows/{id}"),
                json!({"name": example.name, "description": "Changed elsewhere", "active": true,
                       "trigger": example.trigger, "condition": example.condition,
                       "script": example.script, "role_id": role, "version": 1}),
            )
            .await
            .expect_status(200);
        s.fill("#description", "Typed while someone else saved")
            .await;
        s.submit_button("Save").await;
        s.wait_for_text(".conflict", "Someone else saved this workflow")
            .await;
        assert!(
            s.text("#description")
                .await
                .contains("Typed while someone else saved")
        );
        s.screenshot(&format!("workflows-stale-laptop-{db}")).await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "is saved (version 3).").await;

        // An earlier version comes back as the newest.
        s.click("nav.record-tabs a[href$='/versions']").await;
        s.wait_for_text("ol.versions", "Version 3").await;
        let versions = s.text("ol.versions").await;
        assert!(versions.contains("Saved by Administrator"), "{versions}");
        s.screenshot(&format!("workflows-versions-laptop-{db}"))
            .await;
        s.click("#version-1 .version-head button").await;
        s.accept_confirmation().await;
        s.wait_for_text(".flash", "Version 1 is restored as version 4.")
            .await;
        assert!(!s.scrolls_sideways().await, "the versions on a laptop");
    })
    .await;

    // A case moves to "submitted": the workflow runs.
    let ana = admin.add_applicant("Workflow").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let id = case["id"].as_str().unwrap();
    admin
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"stage": "submitted", "version": case["version"]}),
        )
        .await
        .expect_status(200);
    server.settle().await;
    let after = admin
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect_status(200);
    assert!(after.body["decision_on"].is_string(), "{}", after.text);

    scenario(&format!("workflows-history-laptop-{db}"), &s, async {
        s.goto(&format!("{base}{workflow_path}")).await;
        s.click("nav.record-tabs a[href$='/runs']").await;
        let row = s
            .wait_for_text("table.workflow-runs tbody tr", "Succeeded")
            .await;
        assert!(row.contains("case.stage_changed"), "{row}");
        assert!(row.contains("decision_on = "), "{row}");
        assert!(row.contains("Email “Case"), "{row}");
        assert!(!s.scrolls_sideways().await, "the history on a laptop");
        s.screenshot(&format!("workflows-history-laptop-{db}"))
            .await;
        s.click("table.workflow-runs tbody tr td a").await;
        s.wait_for_text(".run-detail", "Effects").await;
        s.screenshot(&format!("workflows-run-laptop-{db}")).await;
        s.click("nav.record-tabs a[href$='/versions']").await;
        s.wait_for_text("ol.versions", "Version 1").await;
        s.click("nav.record-tabs a[href$='/try']").await;
        s.wait_for_text("main", "A past event").await;
        s.submit_button("Try it").await;
        let tried = s.wait_for_text(".try-result", "Nothing was applied").await;
        assert!(tried.contains("decision_on = "), "{tried}");
        s.screenshot(&format!("workflows-try-laptop-{db}")).await;
        // Code changed in the editor is tried without being saved.
        s.click("nav.record-tabs li:first-child a").await;
        s.wait_for("#script").await;
        s.fill("#script", "log(\"from the editor\");").await;
        s.submit_button("Try this code").await;
        s.wait_for_text(".try-code summary", "changed, not saved")
            .await;
        s.submit_button("Try it").await;
        let tried = s.wait_for_text(".try-result", "from the editor").await;
        assert!(tried.contains("Nothing was applied"), "{tried}");
        let saved = admin
            .get(&format!(
                "/api/v1{}",
                workflow_path.trim_start_matches("/settings")
            ))
            .await;
        assert!(
            saved.body["script"].as_str().unwrap().contains("add_days"),
            "not saved"
        );

        // A run that fails shows its error with its place, and is retried.
        let failing = admin
            .post(
                "/api/v1/workflows",
                json!({"name": "Tells nobody", "trigger": "case.stage_changed", "active": true,
                       "script": "send_email(\"missing\", \"office@example.com\", #{});",
                       "role_id": role}),
            )
            .await
            .expect_status(201);
        let failing = failing.body["id"].as_str().unwrap().to_string();
        admin
            .patch(
                &format!("/api/v1/cases/{id}"),
                json!({"stage": "decision", "version": after.body["version"]}),
            )
            .await
            .expect_status(200);
        server.settle().await;
        s.goto(&format!(
            "{base}/settings/workflows/{failing}/runs?outcome=failed"
        ))
        .await;
        let failed = s
            .wait_for_text("table.workflow-runs", "no email template `missing`")
            .await;
        assert!(failed.contains("script, line 1, column"), "{failed}");
        s.screenshot(&format!("workflows-failed-laptop-{db}")).await;
        s.submit_button("Retry").await;
        s.wait_for_text(".flash", "The run is queued again").await;
        s.wait_for_text(".run-detail", "Retries").await;

        // The Monday example runs as its schedule would, applying nothing.
        s.goto(&format!("{base}/settings/workflows/new?example=idle-cases"))
            .await;
        s.select_by_value("#role_id", &role).await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "is saved").await;
        assert!(s.text("main").await.contains("Next run: "));
        s.click("nav.record-tabs a[href$='/try']").await;
        s.wait_for_text("main", "runs on a schedule").await;
        s.submit_button("Try it").await;
        let tried = s.wait_for_text(".try-result", "Nothing was applied").await;
        assert!(tried.contains("Succeeded"), "{tried}");

        // The ticket example, tried with a sample urgent technical ticket.
        admin
            .put(
                "/api/v1/workflows/templates/urgent-ticket",
                json!({"subject": "Urgent: {{subject}} ({{folio}})", "body": "{{description}}"}),
            )
            .await
            .expect_status(200);
        s.goto(&format!(
            "{base}/settings/workflows/new?example=urgent-ticket"
        ))
        .await;
        s.select_by_value("#role_id", &role).await;
        s.submit_button("Save").await;
        s.wait_for_text(".flash", "is saved").await;
        s.click("nav.record-tabs a[href$='/try']").await;
        s.click("input[name='source'][value='sample']").await;
        // No such event happened yet: the example's sample is offered.
        assert!(
            s.text("#sample_payload")
                .await
                .contains("technical_support")
        );
        s.submit_button("Try it").await;
        let tried = s.wait_for_text(".try-result", "Nothing was applied").await;
        assert!(
            tried.contains("Email “Urgent: The server is down (T-1)” to it-lead@example.com"),
            "{tried}"
        );
        assert!(tried.contains("ticket T-1 sent to the IT lead"), "{tried}");
        s.screenshot(&format!("workflows-try-sample-laptop-{db}"))
            .await;
    })
    .await;

    let s = browser.session(PHONE.0, PHONE.1).await;
    scenario(&format!("workflows-phone-{db}"), &s, async {
        s.sign_in(&base, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        s.goto(&format!("{base}/settings/workflows")).await;
        let listed = s
            .wait_for_text("table.workflows", "Submitted: deadline and email")
            .await;
        assert!(
            listed.contains("Skipped") && listed.contains("Failed"),
            "{listed}"
        );
        assert!(!s.scrolls_sideways().await, "the list on a phone");
        s.screenshot(&format!("workflows-list-phone-{db}")).await;
        s.goto(&format!("{base}{workflow_path}/runs")).await;
        s.wait_for_text("table.workflow-runs", "Succeeded").await;
        assert!(!s.scrolls_sideways().await, "the history on a phone");
        s.screenshot(&format!("workflows-history-phone-{db}")).await;
        s.goto(&format!("{base}{workflow_path}")).await;
        s.wait_for("#script").await;
        assert!(!s.scrolls_sideways().await, "the editor on a phone");
        s.screenshot(&format!("workflows-editor-phone-{db}")).await;
        for (tab, seen) in [("versions", "Version 4"), ("try", "A past event")] {
            s.goto(&format!("{base}{workflow_path}/{tab}")).await;
            s.wait_for_text("main", seen).await;
            assert!(!s.scrolls_sideways().await, "{tab} on a phone");
        }
        s.submit_button("Try it").await;
        s.wait_for_text(".try-result", "Nothing was applied").await;
        assert!(!s.scrolls_sideways().await, "what trying did on a phone");
        s.screenshot(&format!("workflows-try-phone-{db}")).await;

        // A template is deleted, after a question.
        s.goto(&format!(
            "{base}/settings/workflows/templates/case-submitted"
        ))
        .await;
        s.wait_for_text("main h1", "case-submitted").await;
        assert!(!s.scrolls_sideways().await, "a template on a phone");
        s.screenshot(&format!("workflows-template-phone-{db}"))
            .await;
        s.submit_button("Delete this template").await;
        s.accept_confirmation().await;
        s.wait_for_text(".flash", "The email template case-submitted is deleted.")
            .await;
        let left = s.text("table.email-templates").await;
        assert!(
            !left.contains("case-submitted") && left.contains("urgent-ticket"),
            "{left}"
        );
    })
    .await;

    // Without `workflows.manage`: no Workflows in the sidebar, and no page.
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["cases.read"] }),
            "clerk@immcase.test",
        )
        .await;
    let nav = clerk.get("/api/v1/nav").await.expect_status(200);
    assert!(!nav.text.contains("/settings/workflows"));
    clerk.get("/settings/workflows").await.expect_status(403);
    clerk
        .get(&format!("{workflow_path}/runs"))
        .await
        .expect_status(403);
    clerk
        .get("/settings/workflows/templates")
        .await
        .expect_status(403);

    // Every page is in the OpenAPI document, its forms described.
    let doc = admin.get("/api/v1/openapi.json").await.expect_status(200);
    for (path, method) in [
        ("/settings/workflows", "get"),
        ("/settings/workflows", "post"),
        ("/settings/workflows/new", "get"),
        ("/settings/workflows/{id}", "get"),
        ("/settings/workflows/{id}", "post"),
        ("/settings/workflows/{id}/runs", "get"),
        ("/settings/workflows/{id}/runs/{run}", "get"),
        ("/settings/workflows/{id}/runs/{run}/retry", "post"),
        ("/settings/workflows/{id}/versions", "get"),
        (
            "/settings/workflows/{id}/versions/{version}/restore",
            "post",
        ),
        ("/settings/workflows/{id}/try", "get"),
        ("/settings/workflows/{id}/try", "post"),
        ("/settings/workflows/templates", "get"),
        ("/settings/workflows/templates", "post"),
        ("/settings/workflows/templates/new", "get"),
        ("/settings/workflows/templates/{name}", "get"),
        ("/settings/workflows/templates/{name}", "post"),
        ("/settings/workflows/templates/{name}/delete", "post"),
    ] {
        let op = &doc.body["paths"][path][method];
        assert_eq!(op["tags"][0], "pages", "{method} {path}");
        if method == "post" {
            assert!(
                op["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object(),
                "{method} {path} says its form"
            );
        }
    }
    server.stop().await;
}
