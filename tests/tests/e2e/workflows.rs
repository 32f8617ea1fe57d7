//! Workflows end to end, on SQLite and PostgreSQL: a case moving to
//! submitted files a helpdesk ticket through its action and emails the
//! applicant through the outbox; a condition skips with its reason; runaway
//! scripts stop with the limit named; `eval`, `import` and unknown
//! functions are refused at save with their line and column; a workflow
//! that triggers itself stops at the depth limit; trying applies nothing
//! and lists what it would have done; the workflow's role and field rules
//! bound its updates; a schedule runs once per slot, across a restart;
//! runs queued before a restart run after it, once; and one practice's
//! workflows never see another's events.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    a_stage_change_files_a_ticket_and_emails_the_applicant,
    runaway_scripts_stop_with_the_limit_named,
    scripts_are_checked_when_saved,
    a_workflow_triggering_itself_stops_at_the_depth_limit,
    mail_answering_mail_stops_at_the_depth_limit,
    trying_applies_nothing_and_lists_the_effects,
    the_workflows_role_and_field_rules_bound_its_updates,
    a_schedule_runs_once_per_slot_across_a_restart,
    runs_queued_before_a_restart_run_after_it_once,
    practices_never_see_each_others_events,
);

const WORKFLOWS: &str = "/api/v1/workflows";

/// Saves a workflow acting as the Administrator role; returns it.
async fn workflow(admin: &Api, name: &str, trigger: &str, condition: &str, script: &str) -> Value {
    let role = admin.role_id("Administrator").await;
    workflow_as(admin, name, trigger, condition, script, &role).await
}

async fn workflow_as(
    admin: &Api,
    name: &str,
    trigger: &str,
    condition: &str,
    script: &str,
    role: &str,
) -> Value {
    let body = json!({ "name": name, "trigger": trigger, "condition": condition, "script": script,
                       "role_id": role, "active": true });
    admin.post(WORKFLOWS, body).await.expect_status(201).body
}

async fn runs(admin: &Api, workflow: &Value) -> Vec<Value> {
    let id = workflow["id"].as_str().unwrap();
    let list = admin
        .get(&format!("{WORKFLOWS}/{id}/runs"))
        .await
        .expect_status(200);
    list.body["items"].as_array().unwrap().clone()
}

/// Waits until `workflow` has `count` runs that ended; gives them, newest first.
async fn ended_runs(admin: &Api, workflow: &Value, count: usize) -> Vec<Value> {
    let name = workflow["name"].as_str().unwrap();
    eventually(&format!("{count} ended run(s) of {name}"), || async {
        let all = runs(admin, workflow).await;
        let ended = all.iter().filter(|r| r["outcome"].is_string()).count();
        (ended >= count).then_some(all)
    })
    .await
}

async fn move_case(api: &Api, case: &Value, stage: &str) -> Value {
    let id = case["id"].as_str().unwrap();
    let now = api
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect_status(200)
        .body;
    api.patch(
        &format!("/api/v1/cases/{id}"),
        json!({ "stage": stage, "version": now["version"] }),
    )
    .await
    .expect_status(200)
    .body
}

async fn my_id(api: &Api) -> String {
    let me = api.get("/api/v1/me").await.expect_status(200);
    me.body["user"]["id"].as_str().unwrap().to_string()
}

async fn template(admin: &Api, name: &str, subject: &str, body: &str) {
    admin
        .put(
            &format!("{WORKFLOWS}/templates/{name}"),
            json!({ "subject": subject, "body": body }),
        )
        .await
        .expect_status(200);
}

async fn outbox_to(admin: &Api, to: &str) -> Vec<Value> {
    let list = admin
        .get("/api/v1/mail/outbox")
        .await
        .expect_status(200)
        .body;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["to"][0] == to)
        .cloned()
        .collect()
}

const SUBMITTED_SCRIPT: &str = r#"
let c = record;
let deadline = add_days(today(), 90);
let ticket = action("helpdesk", "create-ticket", #{
    requester_id: c.responsible_user_id,
    subject: "Follow up " + c.folio,
    description: "Decision expected by " + deadline,
    category: "technical_support",
    priority: "low",
});
update(c, #{ decision_on: deadline });
send_email("submitted", "ana@applicant.example", #{ folio: c.folio, deadline: deadline, link: link(c) });
log("ticket " + ticket.id + " for " + c.folio);
"#;

async fn a_stage_change_files_a_ticket_and_emails_the_applicant(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let me = my_id(&admin).await;
    template(
        &admin,
        "submitted",
        "Your application {{folio}} was submitted",
        "We expect a decision by {{deadline}}.\nSee {{link}}",
    )
    .await;
    let w = workflow(
        &admin,
        "Submitted: deadline and email",
        "case.stage_changed",
        "event.payload.to == \"submitted\"",
        SUBMITTED_SCRIPT,
    )
    .await;
    assert_eq!(w["version"], 1);
    assert_eq!(w["trigger_kind"], "event");

    let applicant = admin.add_applicant("Diaz").await;
    let case = admin.open_case(&applicant, "express_entry").await;
    let id = case["id"].as_str().unwrap();
    let v = case["version"].clone();
    admin
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({ "responsible_user_id": me, "version": v }),
        )
        .await
        .expect_status(200);

    // Moving to preparation: the condition is false, and the run says so.
    move_case(&admin, &case, "preparation").await;
    let skipped = &ended_runs(&admin, &w, 1).await[0];
    assert_eq!(skipped["outcome"], "skipped", "{skipped}");
    assert_eq!(skipped["trigger"], "case.stage_changed");
    let reason = skipped["reason"].as_str().unwrap();
    assert!(
        reason.contains("event.payload.to == \"submitted\"") && reason.contains("false"),
        "{reason}"
    );
    assert!(skipped["effects"].as_array().unwrap().is_empty());

    // Moving to submitted: a ticket through the helpdesk's action, the
    // case's deadline set, an email in the outbox.
    move_case(&admin, &case, "submitted").await;
    let done = ended_runs(&admin, &w, 2).await;
    let run = &done[0];
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["version"], 1);
    assert!(run["duration_ms"].as_i64().unwrap() >= 0);
    let effects = run["effects"].as_array().unwrap();
    let kinds: Vec<&str> = effects
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["action", "update", "email"], "{run}");
    assert_eq!(effects[0]["module"], "helpdesk");
    let ticket_id = effects[0]["output"]["id"].as_str().unwrap();
    assert!(
        run["logs"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("ticket {ticket_id} for CAS")),
        "{run}"
    );

    let ticket = admin
        .get(&format!("/api/v1/m/helpdesk/tickets/{ticket_id}"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(
        ticket["subject"],
        format!("Follow up {}", case["folio"].as_str().unwrap())
    );
    let after = admin
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect_status(200)
        .body;
    let deadline = after["decision_on"].as_str().unwrap().to_string();
    assert!(!deadline.is_empty());
    let mail = eventually("the submitted email in the outbox", || async {
        outbox_to(&admin, "ana@applicant.example")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(
        mail["subject"],
        format!(
            "Your application {} was submitted",
            case["folio"].as_str().unwrap()
        )
    );
    assert_eq!(
        mail["origin"],
        format!("workflow:{}", w["id"].as_str().unwrap())
    );

    // The case's timeline and the audit log name the workflow.
    let timeline = admin
        .get(&format!("/api/v1/cases/{id}/timeline"))
        .await
        .expect_status(200)
        .body;
    let by_workflow = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "decision_on")
        .unwrap();
    assert_eq!(
        by_workflow["actor_name"], "Workflow “Submitted: deadline and email”",
        "{timeline}"
    );
    let audit = admin
        .get("/api/v1/audit?action=case.updated")
        .await
        .expect_status(200)
        .body;
    assert!(
        audit
            .to_string()
            .contains("Workflow “Submitted: deadline and email”"),
        "{audit}"
    );

    // Switched off, it does not run; what happened meanwhile is not run later.
    let off = json!({ "name": w["name"], "trigger": w["trigger"], "condition": "", "script": SUBMITTED_SCRIPT,
                      "role_id": w["role_id"], "active": false, "version": 1 });
    let saved = admin
        .put(
            &format!("{WORKFLOWS}/{}", w["id"].as_str().unwrap()),
            off.clone(),
        )
        .await
        .expect_status(200);
    assert_eq!(saved.body["version"], 2);
    move_case(&admin, &case, "decision").await;
    server.settle().await;
    let mut on = off;
    on["active"] = json!(true);
    on["version"] = json!(2);
    admin
        .put(&format!("{WORKFLOWS}/{}", w["id"].as_str().unwrap()), on)
        .await
        .expect_status(200);
    server.settle().await;
    assert_eq!(
        runs(&admin, &w).await.len(),
        2,
        "nothing ran while it was off, nor after"
    );

    // Every version is kept.
    let versions = admin
        .get(&format!(
            "{WORKFLOWS}/{}/versions",
            w["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200);
    let numbers: Vec<i64> = versions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
}

async fn runaway_scripts_stop_with_the_limit_named(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.workflows.max_operations = 100_000;
        config.workflows.deadline = std::time::Duration::from_millis(1_000);
    })
    .await;
    let admin = server.admin().await;
    let scripts = [
        (
            "Loop",
            "let n = 0;\nloop { n += 1; }",
            "limit of 100000 operations",
            Some(2),
        ),
        (
            "String",
            "let s = \"abc\";\nloop { s += s; }",
            "the string size limit",
            Some(2),
        ),
        (
            "Recursion",
            "fn deeper(n) { deeper(n + 1) }\ndeeper(0);",
            "call depth limit of 32",
            None,
        ),
        (
            "Slow",
            "for i in 0..1000000 {\n    let p = people();\n}",
            "time limit of 1000 ms",
            None,
        ),
        (
            "Error",
            "let a = [1];\nlet x = get_case(\"nope\");",
            "there is no case nope",
            Some(2),
        ),
    ];
    let mut saved = Vec::new();
    for (name, script, _, _) in scripts {
        saved.push(workflow(&admin, name, "applicant.created", "", script).await);
    }
    admin.add_applicant("Runaway").await;
    for (w, (name, _, limit, line)) in saved.iter().zip(scripts) {
        let run = ended_runs(&admin, w, 1).await.remove(0);
        assert_eq!(run["outcome"], "failed", "{name}: {run}");
        let error = run["error"].as_str().unwrap();
        assert!(error.contains(limit), "{name}: {error}");
        if let Some(line) = line {
            assert_eq!(run["error_line"], line, "{name}: {run}");
        }
        assert!(run["error_column"].as_i64().unwrap() >= 1, "{name}: {run}");
    }
}

async fn scripts_are_checked_when_saved(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin.role_id("Administrator").await;
    let refused = |script: &'static str| {
        let body = json!({ "name": "Checked", "trigger": "case.created", "script": script, "role_id": role });
        let admin = &admin;
        async move { admin.post(WORKFLOWS, body).await.expect_status(422).body["error"].clone() }
    };
    let e = refused("let a = 1;\nlet b = eval(\"a + 1\");").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("script, line 2, column 9: `eval` is not allowed"),
        "{e}"
    );
    let e = refused("import \"helpers\" as h;").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("script, line 1, column 1: `import` is not allowed"),
        "{e}"
    );
    let e = refused("log(\"a\");\n\n   frobnicate(record);").await;
    assert_eq!(
        e["message"], "script, line 3, column 4: there is no function frobnicate()",
        "{e}"
    );
    let e = refused("send_email(\"t\", \"a@b.example\");").await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("send_email() takes 3 argument(s), not 2"),
        "{e}"
    );
    assert!(e["fields"]["script"].is_string(), "{e}");

    // A condition is checked too; and a trigger that is neither an event nor a schedule.
    let body = json!({ "name": "C", "trigger": "case.created", "condition": "record.stage ==", "script": "log(1);", "role_id": role });
    let e = admin.post(WORKFLOWS, body).await.expect_status(422).body["error"].clone();
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("condition, line 1"),
        "{e}"
    );
    let body =
        json!({ "name": "T", "trigger": "0 25 * * *", "script": "log(1);", "role_id": role });
    let e = admin.post(WORKFLOWS, body).await.expect_status(422).body["error"].clone();
    assert!(
        e["fields"]["trigger"]
            .as_str()
            .unwrap()
            .contains("hour field `25`"),
        "{e}"
    );

    // The check alone, as the editor uses it.
    let checked = admin
        .post(
            &format!("{WORKFLOWS}/check"),
            json!({ "script": "let x = eval(\"1\");" }),
        )
        .await
        .expect_status(200);
    assert_eq!(checked.body["ok"], false);
    assert_eq!(checked.body["problems"][0]["line"], 1);
    assert_eq!(checked.body["problems"][0]["column"], 9);
    let fine = admin.post(&format!("{WORKFLOWS}/check"), json!({ "condition": "record.stage == \"intake\"", "script": "log(weekday(today()));" })).await.expect_status(200);
    assert_eq!(fine.body["ok"], true, "{}", fine.text);

    // Only workflows.manage reaches them.
    let assistant = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Plain", "permissions": ["cases.read"] }),
            "plain@example.com",
        )
        .await;
    assistant.get(WORKFLOWS).await.expect_status(403);
}

async fn a_workflow_triggering_itself_stops_at_the_depth_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let script = "let d = if record.decision_on == () { today() } else { record.decision_on };\n\
                  update(record, #{ decision_on: add_days(d, 1) });";
    let w = workflow(&admin, "Pushes itself", "case.updated", "", script).await;
    let applicant = admin.add_applicant("Loop").await;
    let case = admin.open_case(&applicant, "express_entry").await;
    move_case(&admin, &case, "preparation").await;
    // The person's change, then five runs each causing the next; the sixth stops.
    let all = ended_runs(&admin, &w, 6).await;
    server.settle().await;
    let all = if all.len() == 6 {
        all
    } else {
        runs(&admin, &w).await
    };
    assert_eq!(all.len(), 6, "{all:?}");
    let failed: Vec<&Value> = all.iter().filter(|r| r["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{all:?}");
    let error = failed[0]["error"].as_str().unwrap();
    assert!(error.contains("the limit is 5"), "{error}");
    assert_eq!(
        all.iter().filter(|r| r["outcome"] == "succeeded").count(),
        5
    );
}

async fn mail_answering_mail_stops_at_the_depth_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    template(&admin, "ping", "Ping", "Sent by a workflow.").await;
    let send = "send_email(\"ping\", \"loop@practice.example\", #{});";
    workflow(&admin, "Starts", "applicant.created", "", send).await;
    let answers = workflow(&admin, "Answers its mail", "mail.sent", "", send).await;
    admin.add_applicant("Ping").await;
    // Mail sent by the first run (chain 1) is answered at chains 1 to 4;
    // the run at 5 stops instead of sending more.
    eventually("the answering workflow stopping", || async {
        let all = runs(&admin, &answers).await;
        all.iter().any(|r| r["outcome"] == "failed").then_some(all)
    })
    .await;
    server.settle().await;
    let all = runs(&admin, &answers).await;
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(
        all[0]["error"].as_str().unwrap().contains("the limit is 5"),
        "{all:?}"
    );
    assert_eq!(outbox_to(&admin, "loop@practice.example").await.len(), 5);
}

async fn trying_applies_nothing_and_lists_the_effects(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let me = my_id(&admin).await;
    template(
        &admin,
        "submitted",
        "Submitted {{folio}}",
        "Decision by {{deadline}}",
    )
    .await;
    let w = workflow(
        &admin,
        "Tried",
        "case.stage_changed",
        "event.payload.to == \"submitted\"",
        SUBMITTED_SCRIPT,
    )
    .await;
    // Switched off: the real event below queues no run, and trying still works.
    let off = json!({ "name": w["name"], "trigger": w["trigger"], "condition": w["condition"],
                      "script": w["script"], "role_id": w["role_id"], "active": false, "version": w["version"] });
    let w = admin
        .put(&format!("{WORKFLOWS}/{}", w["id"].as_str().unwrap()), off)
        .await
        .expect_status(200)
        .body;
    let applicant = admin.add_applicant("Tried").await;
    let case = admin.open_case(&applicant, "express_entry").await;
    let id = case["id"].as_str().unwrap();
    admin
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({ "responsible_user_id": me, "version": case["version"] }),
        )
        .await
        .expect_status(200);
    let before = move_case(&admin, &case, "submitted").await;
    let events = admin
        .get(&format!("{WORKFLOWS}/{}/events", w["id"].as_str().unwrap()))
        .await
        .expect_status(200)
        .body;
    let event = events["items"][0].clone();
    assert_eq!(event["name"], "case.stage_changed");
    assert_eq!(event["payload"]["to"], "submitted");

    let tried = admin
        .post(
            &format!("{WORKFLOWS}/{}/test", w["id"].as_str().unwrap()),
            json!({ "event_id": event["id"] }),
        )
        .await
        .expect_status(200)
        .body;
    assert_eq!(tried["outcome"], "succeeded", "{tried}");
    assert_eq!(tried["dry_run"], true);
    let kinds: Vec<&str> = tried["effects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["action", "update", "email"], "{tried}");
    assert!(
        tried["logs"][0]
            .as_str()
            .unwrap()
            .contains(before["folio"].as_str().unwrap())
    );

    // Nothing was applied: the case, the helpdesk, the outbox and the history.
    let now = admin
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(now["version"], before["version"]);
    assert!(now["decision_on"].is_null(), "{now}");
    let tickets = admin
        .get("/api/v1/m/helpdesk/tickets")
        .await
        .expect_status(200)
        .body;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 0, "{tickets}");
    assert!(outbox_to(&admin, "ana@applicant.example").await.is_empty());
    assert!(runs(&admin, &w).await.is_empty());

    // A sample event, and a script being edited, with its error's place.
    let sample = json!({ "sample": { "name": "case.stage_changed", "payload": { "id": id, "to": "submitted" } },
                         "script": "log(record.folio);\nlet x = get_case(\"missing\");" });
    let tried = admin
        .post(
            &format!("{WORKFLOWS}/{}/test", w["id"].as_str().unwrap()),
            sample,
        )
        .await
        .expect_status(200)
        .body;
    assert_eq!(tried["outcome"], "failed", "{tried}");
    assert_eq!(tried["logs"][0], before["folio"]);
    assert_eq!(tried["error"]["line"], 2, "{tried}");
    assert!(
        tried["error"]["message"]
            .as_str()
            .unwrap()
            .contains("there is no case missing"),
        "{tried}"
    );
}

async fn the_workflows_role_and_field_rules_bound_its_updates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let role = admin
        .post("/api/v1/roles", json!({ "name": "Workflow clerk",
            "permissions": ["cases.read", "cases.write", "applicants.read"],
            "field_rules": { "case.decision_on": "read_only", "applicant.passport_number": "hidden" } }))
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read_only = workflow_as(
        &admin,
        "Read-only field",
        "case.stage_changed",
        "",
        "update(record, #{ decision_on: \"2027-01-01\" });",
        &role,
    )
    .await;
    let no_write = workflow_as(
        &admin,
        "No applicant writes",
        "case.stage_changed",
        "",
        "let a = get_applicant(record.applicant_id);\nupdate(a, #{ notes: \"seen\" });",
        &role,
    )
    .await;
    let hidden = workflow_as(
        &admin,
        "Hidden field",
        "case.stage_changed",
        "",
        "let a = get_applicant(record.applicant_id);\nlog(\"passport: \" + a.passport_number);",
        &role,
    )
    .await;
    let applicant = admin.add_applicant("Rules").await;
    admin
        .patch(
            &format!("/api/v1/applicants/{applicant}"),
            json!({ "passport_number": "AB123456", "version": 1 }),
        )
        .await
        .expect_status(200);
    let case = admin.open_case(&applicant, "express_entry").await;
    move_case(&admin, &case, "preparation").await;

    let run = ended_runs(&admin, &read_only, 1).await.remove(0);
    assert_eq!(run["outcome"], "failed");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("decision_on is read-only"),
        "{run}"
    );
    let run = ended_runs(&admin, &no_write, 1).await.remove(0);
    assert_eq!(run["outcome"], "failed");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("lacks the permission `applicants.write`"),
        "{run}"
    );
    assert_eq!(run["error_line"], 2, "{run}");
    // A hidden field is not there for the script.
    let run = ended_runs(&admin, &hidden, 1).await.remove(0);
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["logs"][0], "passport: ", "{run}");
    let after = admin
        .get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()))
        .await
        .expect_status(200)
        .body;
    assert!(
        after["decision_on"].is_null() && after["submitted_on"].is_null(),
        "nothing of the failed runs kept: {after}"
    );
    // The role cannot be deleted while workflows act with it.
    let refused = admin
        .delete(&format!("/api/v1/roles/{role}"))
        .await
        .expect_status(409);
    assert!(refused.text.contains("Hidden field"), "{}", refused.text);
}

async fn a_schedule_runs_once_per_slot_across_a_restart(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    template(
        &admin,
        "hourly",
        "Open cases: {{count}}",
        "{{count}} open case(s).",
    )
    .await;
    let script = "let open = cases(#{ status: \"open\" });\n\
                  send_email(\"hourly\", \"lead@practice.example\", #{ count: open.len() });\n\
                  log(event.slot);";
    let w = workflow(&admin, "Hourly count", "0 * * * *", "", script).await;
    assert_eq!(w["trigger_kind"], "schedule");
    let first_slot = w["next_run_at"].as_str().unwrap().to_string();
    let applicant = admin.add_applicant("Sched").await;
    admin.open_case(&applicant, "express_entry").await;

    server.clock.advance(SignedDuration::from_mins(61));
    // Sessions end after 30 minutes without a request.
    let admin = server.admin().await;
    let run = ended_runs(&admin, &w, 1).await.remove(0);
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["trigger"], "schedule");
    assert_eq!(run["slot"], first_slot);
    // Other host processes on the same database take no slot twice.
    let beside = server.state_beside().await;
    let (a, b) = tokio::join!(
        immcase_host::workflows::worker::pass(&beside),
        immcase_host::workflows::worker::pass(&beside)
    );
    a.unwrap();
    b.unwrap();
    beside.db.close().await;

    server.restart().await;
    let admin = server.admin().await;
    server.settle().await;
    assert_eq!(runs(&admin, &w).await.len(), 1, "the slot ran once");
    let mail = eventually("the hourly email", || async {
        outbox_to(&admin, "lead@practice.example")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(mail["subject"], "Open cases: 1");

    server.clock.advance(SignedDuration::from_mins(60));
    let admin = server.admin().await;
    let all = ended_runs(&admin, &w, 2).await;
    assert_eq!(all.len(), 2);
    assert_ne!(all[0]["slot"], all[1]["slot"]);
}

async fn runs_queued_before_a_restart_run_after_it_once(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let w = workflow(
        &admin,
        "Counts applicants",
        "applicant.created",
        "",
        "add_note(record, \"seen by the workflow\");",
    )
    .await;
    // Committed while no worker runs: the event and its pending run.
    server
        .while_stopped(|state| async move {
            let practice = state.practice_by_slug("default").await.unwrap().unwrap();
            let mut tx = state.db.begin().await.unwrap();
            let payload = json!({ "id": "ghost" }).to_string();
            immcase_host::change::announce(
                &state,
                &mut tx,
                &practice,
                "applicant.created",
                &payload,
                &immcase_host::change::Cause::host(),
                state.now_ms(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        })
        .await;
    let admin = server.admin().await;
    let run = ended_runs(&admin, &w, 1).await.remove(0);
    // The applicant does not exist: the run failed, and says why.
    assert_eq!(run["outcome"], "failed", "{run}");
    assert!(run["error"].as_str().unwrap().contains("add_note"), "{run}");
    // Retried, it runs again as a new run; restarted, nothing runs twice.
    let retried = admin
        .post(
            &format!(
                "{WORKFLOWS}/{}/runs/{}/retry",
                w["id"].as_str().unwrap(),
                run["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .expect_status(202)
        .body;
    assert_eq!(retried["retry_of"], run["id"]);
    ended_runs(&admin, &w, 2).await;
    server.restart().await;
    let admin = server.admin().await;
    server.settle().await;
    assert_eq!(runs(&admin, &w).await.len(), 2);
    let succeeded = admin
        .post(
            &format!(
                "{WORKFLOWS}/{}/runs/{}/retry",
                w["id"].as_str().unwrap(),
                run["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(succeeded.status, 202, "a failed run can be retried again");
    // A real applicant gets the note.
    let id = admin.add_applicant("Noted").await;
    eventually("the workflow's note", || async {
        let t = admin
            .get(&format!("/api/v1/applicants/{id}/timeline"))
            .await
            .expect_status(200)
            .body;
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["action"] == "note")
            .cloned()
    })
    .await;
}

async fn practices_never_see_each_others_events(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let other = server
        .admin_of_new_practice("other", "owner@other.example", "Other-practice-pa55")
        .await;
    let ours = workflow(&admin, "Ours", "applicant.*", "", "log(event.name);").await;
    let theirs = workflow(&other, "Theirs", "applicant.*", "", "log(event.name);").await;
    admin.add_applicant("Ours").await;
    let run = ended_runs(&admin, &ours, 1).await.remove(0);
    assert_eq!(run["logs"][0], "applicant.created");
    server.settle().await;
    assert!(runs(&other, &theirs).await.is_empty());
    other
        .get(&format!("{WORKFLOWS}/{}", ours["id"].as_str().unwrap()))
        .await
        .expect_status(404);
    other
        .get(&format!(
            "{WORKFLOWS}/{}/runs",
            ours["id"].as_str().unwrap()
        ))
        .await
        .expect_status(404);
}
