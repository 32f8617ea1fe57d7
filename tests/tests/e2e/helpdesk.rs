//! The helpdesk module (`plugins/helpdesk`), compiled and served by the real
//! host: folios, status moves and replies, automatic assignment, visibility
//! per role, its pages and settings form, and the administrator's
//! permissions. SLA clocks, auto-close and events are in `helpdesk_sla.rs`.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{
    API, Desk, SETTINGS, boss, category, configure, desk, file, folios, reply, set_status, staff,
    ticket,
};
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

/// The host's page of the helpdesk's settings.
const PAGE: &str = "/settings/modules/helpdesk/settings";

on_both_databases!(
    folios_statuses_and_replies,
    round_robin_least_open_and_inactive_members,
    each_role_sees_its_tickets,
    pages_file_list_and_answer_tickets,
    the_settings_form_saves_and_names_mistakes,
    tickets_filed_at_once_get_distinct_folios,
    the_very_first_tickets_filed_at_once_get_distinct_folios,
    the_administrator_holds_the_modules_permissions,
);

async fn folios_statuses_and_replies(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let Desk {
        agent,
        agent_id,
        requester,
        ..
    } = desk(&server, &admin, "technical_support").await;

    // Wrong input names each field.
    let wrong = requester
        .post(
            &format!("{API}/tickets"),
            json!({ "category": "nope", "priority": "soon" }),
        )
        .await
        .expect_status(422);
    for field in ["subject", "category", "priority"] {
        assert!(
            wrong.body["error"]["fields"][field].is_string(),
            "{}",
            wrong.text
        );
    }

    let first = file(&requester, "Printer jams", "technical_support", "high").await;
    let second = file(&requester, "Scanner", "technical_support", "low").await;
    assert_eq!(first["folio"], "TKT001");
    assert_eq!(second["folio"], "TKT002");
    assert_eq!(first["status"], "open");
    assert_eq!(first["assignee_id"], json!(agent_id));
    server
        .smtp
        .wait_for(
            "agent@example.com",
            "[TKT001] Assigned to you: Printer jams",
        )
        .await;
    server
        .smtp
        .wait_for("req@example.com", "[TKT001] Received")
        .await;

    // The requester cannot resolve; the agent works on it and asks for more.
    assert_eq!(set_status(&requester, &first, "resolved").await, 403);
    assert_eq!(set_status(&agent, &first, "open").await, 422);
    assert_eq!(set_status(&agent, &first, "in_progress").await, 200);
    assert_eq!(
        set_status(&agent, &first, "waiting_on_requester").await,
        200
    );
    server
        .smtp
        .wait_for("req@example.com", "[TKT001] Now waiting on the requester")
        .await;
    // A stale version is refused.
    let stale = agent
        .post(
            &format!("{API}/tickets/{}/status", first["id"].as_str().unwrap()),
            json!({ "status": "resolved", "version": 1 }),
        )
        .await
        .expect_status(409);
    assert!(stale.body["error"]["current"]["version"].as_u64().unwrap() > 1);

    // The requester's reply moves it back to in progress.
    assert_eq!(reply(&requester, &first, "Here it is.", false).await, 201);
    assert_eq!(
        ticket(&requester, &first["id"]).await["status"],
        "in_progress"
    );
    server
        .smtp
        .wait_for("agent@example.com", "[TKT001] New reply")
        .await;

    // Resolved, then closed by the requester's confirmation; closed stays readable.
    assert_eq!(set_status(&agent, &first, "resolved").await, 200);
    assert_eq!(set_status(&agent, &first, "closed").await, 403);
    assert_eq!(set_status(&requester, &first, "closed").await, 200);
    assert_eq!(reply(&requester, &first, "Thanks", false).await, 422);
    let closed = ticket(&requester, &first["id"]).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["replies"].as_array().unwrap().len(), 1);

    // Folios are never reused.
    let third = file(&requester, "Keyboard", "other", "medium").await;
    assert_eq!(third["folio"], "TKT003");
    assert!(third["assignee_id"].is_null());

    // A related applicant is checked as the person filing: it must exist
    // and be readable by them.
    let applicant = admin.add_applicant("Related").await;
    let about = |applicant_id: &str| {
        json!({ "subject": "About an applicant", "category": "case_support",
                "priority": "low", "applicant_id": applicant_id })
    };
    let unreadable = requester
        .post(&format!("{API}/tickets"), about(&applicant))
        .await
        .expect_status(422);
    assert!(unreadable.body["error"]["fields"]["applicant_id"].is_string());
    let unknown = admin
        .post(&format!("{API}/tickets"), about("no-such-applicant"))
        .await
        .expect_status(422);
    assert_eq!(unknown.body["error"]["fields"]["applicant_id"], "not found");
    let related = admin
        .post(&format!("{API}/tickets"), about(&applicant))
        .await
        .expect_status(201);
    assert_eq!(related.body["applicant_id"], json!(applicant));
    assert_eq!(related.body["folio"], "TKT004");
    server.stop().await;
}

async fn round_robin_least_open_and_inactive_members(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, a) = staff(&server, &admin, "a@example.com").await;
    let (_, b) = staff(&server, &admin, "b@example.com").await;
    let (c_api, c) = staff(&server, &admin, "c@example.com").await;
    let (requester, _) = staff(&server, &admin, "req@example.com").await;
    let boss = boss(&server, &admin).await;
    configure(&boss, |s| {
        category(s, "technical_support")["team"] =
            json!({ "members": [a, b], "strategy": "round_robin" });
        category(s, "case_support")["team"] =
            json!({ "members": [a, b, c], "strategy": "least_open" });
    })
    .await;

    let mut assignees = Vec::new();
    for n in 0..3 {
        let t = file(&requester, &format!("Tech {n}"), "technical_support", "low").await;
        assignees.push(t["assignee_id"].as_str().unwrap().to_string());
    }
    assert_eq!(assignees, [a.clone(), b.clone(), a.clone()]);

    // b is disabled: round robin skips them.
    let user = admin
        .get(&format!("/api/v1/users/{b}"))
        .await
        .expect_status(200);
    admin
        .patch(
            &format!("/api/v1/users/{b}"),
            json!({ "disabled": true, "version": user.body["version"] }),
        )
        .await
        .expect_status(200);
    let t = file(&requester, "Tech 3", "technical_support", "low").await;
    assert_eq!(t["assignee_id"], json!(a));

    // Least open: a has 3 open tickets, b is inactive, c has none.
    let first = file(&requester, "Case 0", "case_support", "low").await;
    assert_eq!(first["assignee_id"], json!(c));
    let second = file(&requester, "Case 1", "case_support", "low").await;
    assert_eq!(second["assignee_id"], json!(c));

    // Reassigning by hand needs helpdesk.ticket.assign.
    let id = first["id"].as_str().unwrap();
    let by_hand = json!({ "assignee_id": a, "version": first["version"] });
    c_api
        .post(&format!("{API}/tickets/{id}/assign"), by_hand.clone())
        .await
        .expect_status(403);
    let moved = boss
        .post(&format!("{API}/tickets/{id}/assign"), by_hand)
        .await
        .expect_status(200);
    assert_eq!(moved.body["assignee_id"], json!(a));
    server
        .smtp
        .wait_for("a@example.com", "Assigned to you: Case 0")
        .await;
    server.stop().await;
}

async fn each_role_sees_its_tickets(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (tech, tech_id) = staff(&server, &admin, "tech@example.com").await;
    let (_, case_id) = staff(&server, &admin, "case@example.com").await;
    let (ana, _) = staff(&server, &admin, "ana@example.com").await;
    let (bo, _) = staff(&server, &admin, "bo@example.com").await;
    let manager = boss(&server, &admin).await;
    configure(&manager, |s| {
        category(s, "technical_support")["responsible_id"] = json!(tech_id);
        category(s, "case_support")["responsible_id"] = json!(case_id);
    })
    .await;
    let anas = file(&ana, "Laptop", "technical_support", "low").await;
    let bos = file(&bo, "Difficult case", "case_support", "low").await;

    let list = |api: Api| async move {
        folios(
            &api.get(&format!("{API}/tickets"))
                .await
                .expect_status(200)
                .body,
        )
    };
    assert_eq!(list(ana.clone()).await, ["TKT001"]);
    assert_eq!(list(bo.clone()).await, ["TKT002"]);
    assert_eq!(list(tech.clone()).await, ["TKT001"]);
    assert_eq!(list(manager.clone()).await, ["TKT001", "TKT002"]);
    bo.get(&format!("{API}/tickets/{}", anas["id"].as_str().unwrap()))
        .await
        .expect_status(404);
    tech.get(&format!("{API}/tickets/{}", bos["id"].as_str().unwrap()))
        .await
        .expect_status(404);

    // Internal notes are for the people handling the ticket.
    assert_eq!(reply(&tech, &anas, "Check the warranty.", true).await, 201);
    assert_eq!(reply(&ana, &anas, "Sneaky note", true).await, 403);
    assert_eq!(
        ticket(&ana, &anas["id"]).await["replies"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        ticket(&tech, &anas["id"]).await["replies"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The team's first public reply meets the first-response target.
    assert_eq!(reply(&tech, &anas, "On it.", false).await, 201);
    let answered = ticket(&ana, &anas["id"]).await;
    assert_eq!(answered["replies"].as_array().unwrap().len(), 1);
    assert_eq!(answered["status"], "in_progress");
    assert_eq!(answered["sla"]["first_response"]["state"], "met");

    // Everyone reads the settings through the helpdesk; changing them (on
    // the host) is for managers.
    let settings = ana
        .get(&format!("{API}/settings"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(settings["auto_close_days"], 7);
    let current = manager.get(SETTINGS).await.expect_status(200).body;
    let mut values = current["values"].clone();
    ana.put(
        SETTINGS,
        json!({ "values": values, "version": current["version"] }),
    )
    .await
    .expect_status(403);
    values["auto_close_days"] = json!(0);
    let refused = manager
        .put(
            SETTINGS,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(422);
    assert_eq!(
        refused.body["error"]["fields"]["auto_close_days"],
        "at least 1"
    );

    // Search finds tickets within the same visibility.
    let finds = |api: Api, q: &'static str| async move {
        api.get(&format!("/api/v1/search?q={q}"))
            .await
            .expect_status(200)
            .text
    };
    eventually("the manager to find both tickets", || {
        let manager = manager.clone();
        async move {
            let laptop = finds(manager.clone(), "Laptop").await;
            let case = finds(manager, "Difficult").await;
            (laptop.contains("TKT001") && case.contains("TKT002")).then_some(())
        }
    })
    .await;
    assert!(finds(ana.clone(), "Laptop").await.contains("TKT001"));
    assert!(!finds(ana.clone(), "Difficult").await.contains("TKT002"));
    assert!(!finds(bo.clone(), "Laptop").await.contains("TKT001"));
    assert!(finds(tech.clone(), "Laptop").await.contains("TKT001"));
    assert!(!finds(tech.clone(), "Difficult").await.contains("TKT002"));
    server.stop().await;
}

async fn pages_file_list_and_answer_tickets(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let Desk {
        agent,
        requester,
        boss,
        ..
    } = desk(&server, &admin, "technical_support").await;

    // Filing through the form: mistakes come back beside their fields.
    let form = requester.get("/m/helpdesk/new").await.expect_status(200);
    assert!(form.text.contains("File a ticket"), "{}", form.text);
    let token = form.form_token();
    let wrong = requester
        .post_form(
            "/m/helpdesk/tickets",
            &[
                ("_csrf", &token),
                ("subject", ""),
                ("category", "technical_support"),
                ("priority", "high"),
            ],
        )
        .await
        .expect_status(422);
    assert!(
        wrong
            .text
            .contains(r#"<span class="field-error">required</span>"#),
        "{}",
        wrong.text
    );
    let filed = requester
        .post_form(
            "/m/helpdesk/tickets",
            &[
                ("_csrf", &token),
                ("subject", "Printer <jams>"),
                ("description", "Since Monday."),
                ("category", "technical_support"),
                ("priority", "high"),
                ("applicant_id", ""),
                ("case_id", ""),
            ],
        )
        .await
        .expect_status(303);
    let location = filed.header("location").unwrap();
    assert!(location.starts_with("/m/helpdesk/tickets/"), "{location}");
    let id = location.rsplit('/').next().unwrap().to_string();

    // The ticket's page: facts, conversation, and a reply through its form.
    let page = requester.get(&location).await.expect_status(200);
    assert!(
        page.text.contains("TKT001 Printer &lt;jams&gt;"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Conversation"));
    assert!(
        !page.text.contains("Internal note"),
        "requesters write no internal notes"
    );
    requester
        .post_form(
            &format!("{location}/replies"),
            &[("_csrf", &page.form_token()), ("body", "It is the tray.")],
        )
        .await
        .expect_status(303);
    let page = agent.get(&location).await.expect_status(200);
    assert!(page.text.contains("It is the tray."));
    assert!(page.text.contains("Mark in progress"), "{}", page.text);
    let version = agent.get(&format!("{API}/tickets/{id}")).await.body["version"].to_string();
    agent
        .post_form(
            &format!("{location}/status"),
            &[
                ("_csrf", &page.form_token()),
                ("status", "in_progress"),
                ("version", &version),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(ticket(&agent, &json!(id)).await["status"], "in_progress");

    // The list and its filters.
    let list = agent
        .get("/m/helpdesk/?status=in_progress")
        .await
        .expect_status(200);
    assert!(list.text.contains("TKT001"), "{}", list.text);
    let list = agent
        .get("/m/helpdesk/?status=resolved")
        .await
        .expect_status(200);
    assert!(!list.text.contains("TKT001"), "{}", list.text);

    // The settings page is for managers: the helpdesk's link leads to the
    // host's page, drawn from its declarations.
    let link = boss.get("/m/helpdesk/settings").await.expect_status(303);
    let to = link.header("location").unwrap();
    assert_eq!(to, "/settings/modules/helpdesk/settings");
    let settings = boss.get(&to).await.expect_status(200);
    assert!(settings.text.contains("Helpdesk settings"));
    requester
        .get("/m/helpdesk/settings")
        .await
        .expect_status(403);
    requester.get(&to).await.expect_status(403);
    server.stop().await;
}

async fn the_settings_form_saves_and_names_mistakes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, a) = staff(&server, &admin, "a@example.com").await;
    let (_, b) = staff(&server, &admin, "b@example.com").await;
    let boss = boss(&server, &admin).await;
    let page = boss.get(PAGE).await.expect_status(200);
    assert!(page.text.contains("a@example.com"), "people to choose from");
    assert!(
        page.text
            .contains("name=\"categories[3].label\" value=\"Other\"")
    );
    let token = page.form_token();
    let version: i64 = page
        .text
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    let keys = [
        "technical_support",
        "case_support",
        "improvement_suggestion",
        "other",
    ];
    let mut fields: Vec<(String, String)> = vec![
        ("_csrf".into(), token),
        ("version".into(), version.to_string()),
        ("business_hours.time_zone".into(), "America/Toronto".into()),
        ("business_hours.week.monday[0].start".into(), "09:00".into()),
        ("business_hours.week.monday[0].end".into(), "12:00".into()),
        ("business_hours.week.monday[1].start".into(), "13:00".into()),
        ("business_hours.week.monday[1].end".into(), "17:00".into()),
        ("business_hours.week.monday[2].start".into(), "".into()),
        ("business_hours.holidays[0]".into(), "2026-12-25".into()),
        ("auto_close_days".into(), "3".into()),
        ("sla.warning.minutes_before".into(), "15m".into()),
    ];
    for (i, key) in keys.iter().enumerate() {
        fields.push((format!("categories[{i}].key"), (*key).into()));
        fields.push((format!("categories[{i}].label"), format!("Label {i}")));
        fields.push((format!("categories[{i}].active"), "true".into()));
    }
    fields.push(("categories[0].team.members[0]".into(), a.clone()));
    fields.push(("categories[0].team.members[1]".into(), b.clone()));
    fields.push(("categories[0].team.strategy".into(), "least_open".into()));
    // The spare row, left empty, adds nothing.
    fields.push(("categories[4].key".into(), "".into()));
    // Targets are typed in hours and minutes, and kept in minutes.
    for priority in ["low", "medium", "high", "urgent"] {
        fields.push((
            format!("sla.{priority}.first_response_minutes"),
            "1h".into(),
        ));
        fields.push((
            format!("sla.{priority}.resolution_minutes"),
            "8h 30m".into(),
        ));
    }
    let post = |fields: Vec<(String, String)>| {
        let boss = boss.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            boss.post_form(PAGE, &pairs).await
        }
    };
    post(fields.clone()).await.expect_status(303);
    let saved = boss
        .get(&format!("{API}/settings"))
        .await
        .expect_status(200)
        .body;
    assert_eq!(saved["auto_close_days"], 3);
    assert_eq!(saved["categories"].as_array().unwrap().len(), 4);
    assert_eq!(saved["categories"][0]["team"]["members"], json!([a, b]));
    assert_eq!(saved["categories"][0]["team"]["strategy"], "least_open");
    assert_eq!(saved["sla"]["warning"], json!({ "minutes_before": 15 }));
    assert_eq!(saved["sla"]["high"]["first_response_minutes"], 60);
    assert_eq!(saved["sla"]["high"]["resolution_minutes"], 510);
    // The page shows them again in hours and minutes.
    let page = boss.get(PAGE).await.expect_status(200);
    assert!(
        page.text
            .contains("name=\"sla.high.resolution_minutes\" value=\"8h 30m\""),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("name=\"sla.warning.minutes_before\" value=\"15m\""),
        "{}",
        page.text
    );
    assert_eq!(
        saved["business_hours"]["week"]["monday"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Days the form leaves without rows are closed.
    assert!(
        saved["business_hours"]["week"]["tuesday"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(saved["business_hours"]["holidays"], json!(["2026-12-25"]));

    // Mistakes come back beside their fields, as typed, and nothing is saved.
    let mut wrong = fields;
    wrong.retain(|(k, _)| {
        k != "version" && k != "auto_close_days" && k != "sla.high.resolution_minutes"
    });
    wrong.push(("version".into(), (version + 1).to_string()));
    wrong.push(("auto_close_days".into(), "0".into()));
    wrong.push(("sla.high.resolution_minutes".into(), "eight hours".into()));
    wrong.retain(|(k, _)| k != "business_hours.time_zone");
    wrong.push(("business_hours.time_zone".into(), "Toronto time".into()));
    let refused = post(wrong).await.expect_status(422);
    assert!(
        refused.text.contains(
            "<span class=\"field-error\" id=\"s-auto_close_days-error\">at least 1</span>"
        ),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("name=\"sla.high.resolution_minutes\" value=\"eight hours\""),
        "{}",
        refused.text
    );
    // Above the form, each mistake names its field by the page's labels.
    assert!(
        refused.text.contains(
            "SLA targets → High → Resolution: write hours and minutes, like 8h 30m, 16h or 45m"
        ),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("Business hours → Time zone: &quot;Toronto time&quot; is not a time zone"),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("Close resolved tickets after (days): at least 1"),
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("sla.high.resolution_minutes:"));
    let kept = boss.get(SETTINGS).await.expect_status(200).body;
    assert_eq!(kept["version"], version + 1);
    assert_eq!(kept["values"]["auto_close_days"], 3);
    server.stop().await;
}

async fn tickets_filed_at_once_get_distinct_folios(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (requester, _) = staff(&server, &admin, "req@example.com").await;
    let (_, a) = staff(&server, &admin, "a@example.com").await;
    let (_, b) = staff(&server, &admin, "b@example.com").await;
    let boss = boss(&server, &admin).await;
    configure(&boss, |s| {
        category(s, "other")["team"] = json!({ "members": [a, b], "strategy": "round_robin" });
    })
    .await;
    let first = file(&requester, "The first", "other", "low").await;
    assert_eq!(first["folio"], "TKT001");
    assert_eq!(first["assignee_id"], json!(a));
    let filing = (0..6).map(|n| {
        let requester = requester.clone();
        async move {
            let subject = format!("At once {n}");
            let filed = file(&requester, &subject, "other", "low").await;
            (
                filed["folio"].as_str().unwrap().to_string(),
                filed["assignee_id"].as_str().unwrap().to_string(),
            )
        }
    });
    let filed: Vec<(String, String)> = futures_util::future::join_all(filing).await;
    // Round robin took turns through all of them: three each in all.
    let for_a = filed.iter().filter(|(_, who)| *who == a).count();
    assert_eq!(for_a, 3, "{filed:?}");
    let mut folios: Vec<String> = filed.into_iter().map(|(folio, _)| folio).collect();
    folios.sort();
    assert_eq!(
        folios,
        ["TKT002", "TKT003", "TKT004", "TKT005", "TKT006", "TKT007"]
    );
    server.stop().await;
}

/// Before any ticket exists, several filed at once race to create the
/// folio counter: each gets a folio all the same.
async fn the_very_first_tickets_filed_at_once_get_distinct_folios(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (requester, _) = staff(&server, &admin, "req@example.com").await;
    let filing = (0..4).map(|n| {
        let requester = requester.clone();
        async move {
            let filed = file(&requester, &format!("First wave {n}"), "other", "low").await;
            filed["folio"].as_str().unwrap().to_string()
        }
    });
    let mut folios: Vec<String> = futures_util::future::join_all(filing).await;
    folios.sort();
    assert_eq!(folios, ["TKT001", "TKT002", "TKT003", "TKT004"]);
    server.stop().await;
}

/// Enabling the helpdesk gives the built-in Administrator role its
/// permissions (audited), so an administrator can configure it at once.
async fn the_administrator_holds_the_modules_permissions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let refused = admin.get(&format!("{API}/settings")).await;
    assert_ne!(refused.status, 200, "not enabled yet");
    admin.set_module("helpdesk", true).await;
    configure(&admin, |s| s["auto_close_days"] = json!(3)).await;
    let roles = admin.get("/api/v1/roles").await.expect_status(200);
    let administrator = roles.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Administrator")
        .unwrap()
        .clone();
    let held: Vec<&str> = administrator["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(held.contains(&"helpdesk.manage") && held.contains(&"helpdesk.ticket.assign"));
    // Enabling again adds nothing twice.
    admin.set_module("helpdesk", false).await;
    admin.set_module("helpdesk", true).await;
    let again = admin.get("/api/v1/roles").await.expect_status(200);
    let count = again.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Administrator")
        .unwrap()["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| *p == "helpdesk.manage")
        .count();
    assert_eq!(count, 1);
    let audit = admin
        .get("/api/v1/audit?action=role.updated")
        .await
        .expect_status(200);
    assert_eq!(
        audit.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        audit.text
    );
    server.stop().await;
}
