//! Modules as real compiled components in the real host: routing, isolation,
//! versions, events, timers, settings, refusals and misbehaviour.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::clock::Clock;
use immcase_tests::{ADMIN_EMAIL, Api, Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    routes_reach_the_module_with_caller_and_practice,
    enabling_disabling_and_the_sidebar,
    module_stores_are_isolated,
    stale_versions_conflict_in_the_store,
    store_queries_filter_order_and_page,
    events_are_delivered_with_retries_and_survive_a_restart,
    timers_fire_once_after_a_restart,
    a_timer_schedules_its_own_key_again,
    follow_up_reminders_arrive_by_mail,
    settings_are_validated,
    incompatible_and_undeclared_modules_are_refused,
    misbehaving_modules_fail_alone,
);

async fn admin_with(server: &TestServer, modules: &[&str]) -> Api {
    let admin = server.admin().await;
    for m in modules {
        admin.set_module(m, true).await;
    }
    admin
}

async fn items(api: &Api, path: &str) -> Vec<Value> {
    api.get(path).await.expect_status(200).body["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn routes_reach_the_module_with_caller_and_practice(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["recorder"]).await;
    let who = admin
        .get("/api/v1/m/recorder/whoami")
        .await
        .expect_status(200);
    assert_eq!(who.body["email"], ADMIN_EMAIL);
    assert_eq!(who.body["practice"], "default");
    assert!(who.body["user_id"].is_string());
    // The module never sees the session cookie.
    let headers = admin.get("/api/v1/m/recorder/whoami").await;
    assert!(!headers.text.contains("immcase_session"));

    server
        .api()
        .get("/api/v1/m/recorder/whoami")
        .await
        .expect_status(401);
    // Bodies have a limit, refused with a message that says it.
    let big = "x".repeat(2 * 1024 * 1024);
    let too_large = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/m/recorder/items/big",
            Some(json!({ "data": { "s": big } })),
            true,
        )
        .await
        .expect_status(413);
    assert_eq!(too_large.code(), "too_large");
    assert!(
        too_large.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bytes")
    );
    admin
        .get("/api/v1/m/recorder/no-such-route")
        .await
        .expect_status(404);
    admin
        .get("/api/v1/m/nothing-installed/x")
        .await
        .expect_status(404);

    // Another practice: the module answers with that practice and caller.
    server
        .add_practice("acme", "boss@acme.test", "acme boss passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss passphrase")
        .await
        .expect_status(200);
    acme.get("/api/v1/m/recorder/whoami")
        .await
        .expect_status(404);
    acme.set_module("recorder", true).await;
    let who = acme
        .get("/api/v1/m/recorder/whoami")
        .await
        .expect_status(200);
    assert_eq!(who.body["practice"], "acme");
    assert_eq!(who.body["email"], "boss@acme.test");
    server.stop().await;
}

async fn enabling_disabling_and_the_sidebar(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = server.admin().await;
    let modules = items(&admin, "/api/v1/modules").await;
    let notes = modules
        .iter()
        .find(|m| m["id"] == "notes")
        .expect("notes is bundled");
    assert_eq!(notes["enabled"], false);
    assert_eq!(notes["status"], "loaded");
    assert!(
        notes["capabilities"]["store"]
            .as_array()
            .unwrap()
            .contains(&json!("notes"))
    );
    assert!(!notes["description"].as_str().unwrap().is_empty());

    let nav_paths = |nav: Vec<Value>| {
        nav.iter()
            .map(|i| i["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(!nav_paths(items(&admin, "/api/v1/nav").await).contains(&"/m/notes/".to_string()));
    admin.get("/api/v1/m/notes/notes").await.expect_status(404);
    admin.set_module("notes", true).await;
    assert!(nav_paths(items(&admin, "/api/v1/nav").await).contains(&"/m/notes/".to_string()));
    admin.get("/api/v1/m/notes/notes").await.expect_status(200);
    // The sidebar's link leads to the module's page.
    let page = admin.get("/m/notes/").await.expect_status(200);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{:?} {}",
        page.headers,
        page.text
    );

    // A role without module:notes neither sees it nor reaches it.
    let roles = items(&admin, "/api/v1/roles").await;
    let assistant = roles.iter().find(|r| r["name"] == "Assistant").unwrap()["id"].clone();
    admin
        .post("/api/v1/users", json!({ "email": "asst@immcase.test", "display_name": "A", "roles": [assistant], "password": "assistant passphrase" }))
        .await
        .expect_status(201);
    let asst = server.api();
    asst.sign_in("asst@immcase.test", "assistant passphrase")
        .await
        .expect_status(200);
    assert!(!nav_paths(items(&asst, "/api/v1/nav").await).contains(&"/m/notes/".to_string()));
    let denied = asst.get("/api/v1/m/notes/notes").await.expect_status(403);
    assert_eq!(denied.body["error"]["permission"], "module:notes");
    asst.get("/api/v1/modules").await.expect_status(403);

    admin.set_module("notes", false).await;
    admin.get("/api/v1/m/notes/notes").await.expect_status(404);
    assert!(!nav_paths(items(&admin, "/api/v1/nav").await).contains(&"/m/notes/".to_string()));
    let audit = items(&admin, "/api/v1/audit?action=module.disabled").await;
    assert_eq!(audit[0]["target"], "module:notes");
    server.stop().await;
}

async fn create_note(api: &Api, subject: &str, text: &str) -> Value {
    api.post(
        "/api/v1/m/notes/notes",
        json!({ "subject": subject, "text": text, "follow_up_at": null }),
    )
    .await
    .expect_status(201)
    .body
}

async fn module_stores_are_isolated(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["notes", "recorder"]).await;
    let note = create_note(&admin, "biometrics", "Call about biometrics").await;
    let id = note["id"].as_str().unwrap();
    admin
        .get(&format!("/api/v1/m/notes/notes/{id}"))
        .await
        .expect_status(200);
    // The recorder has a collection of the same name, but its own.
    admin
        .get(&format!("/api/v1/m/recorder/store/notes/{id}"))
        .await
        .expect_status(404);
    let undeclared = admin
        .get("/api/v1/m/recorder/store/secrets/x")
        .await
        .expect_status(403);
    assert!(undeclared.text.contains("secrets"), "{}", undeclared.text);

    server
        .add_practice("acme", "boss@acme.test", "acme boss passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss passphrase")
        .await
        .expect_status(200);
    acme.set_module("notes", true).await;
    acme.get(&format!("/api/v1/m/notes/notes/{id}"))
        .await
        .expect_status(404);
    assert!(items(&acme, "/api/v1/m/notes/notes").await.is_empty());
    assert_eq!(items(&admin, "/api/v1/m/notes/notes").await.len(), 1);
    server.stop().await;
}

async fn stale_versions_conflict_in_the_store(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = admin_with(&server, &["notes"]).await;
    let note = create_note(&admin, "drafts", "Draft").await;
    let id = note["id"].as_str().unwrap();
    let v1 = note["version"].as_i64().unwrap();
    let update = |text: &str, version: i64| json!({ "text": text, "follow_up_at": null, "done": false, "version": version });
    let saved = admin
        .put(
            &format!("/api/v1/m/notes/notes/{id}"),
            update("First edit", v1),
        )
        .await
        .expect_status(200);
    assert_eq!(saved.body["version"], v1 + 1);
    let stale = admin
        .put(
            &format!("/api/v1/m/notes/notes/{id}"),
            update("Second edit", v1),
        )
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["code"], "conflict");
    assert_eq!(stale.body["error"]["current"]["text"], "First edit");
    let bad = admin
        .post(
            "/api/v1/m/notes/notes",
            json!({ "subject": "x", "text": "" }),
        )
        .await
        .expect_status(422);
    assert!(bad.body["error"]["fields"]["text"].is_string());
    server.stop().await;
}

async fn received(api: &Api) -> Vec<Value> {
    items(api, "/api/v1/m/recorder/received").await
}

async fn events_are_delivered_with_retries_and_survive_a_restart(backend: Backend) {
    let mut server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["notes", "recorder"]).await;
    // The recorder refuses each event for 90 seconds after it occurred.
    let settings = admin
        .get("/api/v1/modules/recorder/settings")
        .await
        .expect_status(200);
    admin
        .put(
            "/api/v1/modules/recorder/settings",
            json!({ "values": { "refuse_for_secs": 90 }, "version": settings.body["version"] }),
        )
        .await
        .expect_status(200);
    let note = create_note(&admin, "passport", "Passport copy missing").await;
    // The first attempt fails at once; restart before the retry is due.
    server.restart().await;
    let admin = server.admin().await;
    assert!(received(&admin).await.is_empty());
    // Each check moves the clock on 20 s: retries follow their backoff, and
    // the one after the 90 s succeeds.
    let clock = server.clock.clone();
    let got = eventually("the notes.created event at the recorder", || {
        let admin = admin.clone();
        clock.advance(SignedDuration::from_secs(20));
        async move {
            let got = received(&admin).await;
            (!got.is_empty()).then_some(got)
        }
    })
    .await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["name"], "notes.created");
    assert_eq!(got[0]["source"], "notes");
    assert_eq!(got[0]["payload"]["id"], note["id"]);
    // The administrator sees the attempts and why the early ones failed.
    let admin = server.admin().await;
    let jobs = items(&admin, "/api/v1/modules/recorder/jobs?status=done").await;
    let delivery = jobs
        .iter()
        .find(|j| j["kind"] == "event" && j["name"] == "notes.created")
        .unwrap();
    assert!(delivery["attempts"].as_i64().unwrap() >= 3, "{delivery}");
    assert!(
        delivery["last_error"]
            .as_str()
            .unwrap()
            .contains("refusing deliveries on purpose"),
        "{delivery}"
    );
    server.stop().await;
}

async fn timers_fire_once_after_a_restart(backend: Backend) {
    let mut server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["recorder"]).await;
    let now = jiff::Timestamp::now().as_millisecond();
    for (key, hours) in [("first", 1), ("second", 2)] {
        admin
            .post(
                "/api/v1/m/recorder/timers",
                json!({ "key": key, "due": now + hours * 3_600_000, "payload": { "n": hours } }),
            )
            .await
            .expect_status(200);
    }
    admin
        .post(
            "/api/v1/m/recorder/timers",
            json!({ "key": "cancelled", "due": now + 1000, "payload": {} }),
        )
        .await
        .expect_status(200);
    let cancelled = admin
        .delete("/api/v1/m/recorder/timers/cancelled")
        .await
        .expect_status(200);
    assert_eq!(cancelled.body["cancelled"], true);
    server.restart().await;
    let admin = server.admin().await;
    assert!(items(&admin, "/api/v1/m/recorder/fired").await.is_empty());
    server.clock.advance(SignedDuration::from_mins(61));
    // An hour on, the session has idled out: sign in again.
    let admin = server.admin().await;
    let fired = eventually("the first timer", || {
        let admin = admin.clone();
        async move {
            let fired = items(&admin, "/api/v1/m/recorder/fired").await;
            (!fired.is_empty()).then_some(fired)
        }
    })
    .await;
    assert_eq!(fired[0]["key"], "first");
    assert_eq!(fired[0]["payload"]["n"], 1);
    server.clock.advance(SignedDuration::from_mins(61));
    let admin = server.admin().await;
    let fired = eventually("the second timer", || {
        let admin = admin.clone();
        async move {
            let fired = items(&admin, "/api/v1/m/recorder/fired").await;
            (fired.len() >= 2).then_some(fired)
        }
    })
    .await;
    let keys: Vec<&str> = fired.iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys.iter().filter(|k| **k == "first").count(),
        1,
        "{keys:?}"
    );
    assert_eq!(
        keys.iter().filter(|k| **k == "second").count(),
        1,
        "{keys:?}"
    );
    assert!(!keys.contains(&"cancelled"));
    server.stop().await;
}

/// A module's timer may set its own key again from inside its call (a
/// repeating reminder, an SLA clock's next check): both firings happen.
async fn a_timer_schedules_its_own_key_again(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["recorder"]).await;
    let now = server.clock.now_ms();
    admin
        .post(
            "/api/v1/m/recorder/timers",
            json!({ "key": "check", "due": now + 60_000, "payload": { "again_at": now + 120_000 } }),
        )
        .await
        .expect_status(200);
    server.clock.advance(SignedDuration::from_secs(61));
    eventually("the first firing", || {
        let admin = admin.clone();
        async move { (items(&admin, "/api/v1/m/recorder/fired").await.len() == 1).then_some(()) }
    })
    .await;
    server.clock.advance(SignedDuration::from_secs(60));
    let fired = eventually("the firing it scheduled", || {
        let admin = admin.clone();
        async move {
            let fired = items(&admin, "/api/v1/m/recorder/fired").await;
            (fired.len() == 2).then_some(fired)
        }
    })
    .await;
    let due: Vec<i64> = fired
        .iter()
        .map(|f| f["due_at"].as_i64().unwrap())
        .collect();
    assert!(
        due.contains(&(now + 60_000)) && due.contains(&(now + 120_000)),
        "{due:?}"
    );
    server.stop().await;
}

async fn follow_up_reminders_arrive_by_mail(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = admin_with(&server, &["notes"]).await;
    let settings = admin
        .get("/api/v1/modules/notes/settings")
        .await
        .expect_status(200);
    admin
        .put("/api/v1/modules/notes/settings", json!({ "values": { "reminder_prefix": "Reminder:" }, "version": settings.body["version"] }))
        .await
        .expect_status(200);
    let applicant = admin.add_applicant("Lindqvist").await;
    let case = admin.open_case(&applicant, "visitor_visa").await;
    let case_id = case["id"].as_str().unwrap();
    let due = jiff::Timestamp::now().as_millisecond() + 86_400_000;
    let note = admin
        .post("/api/v1/m/notes/notes", json!({ "subject": format!("case:{case_id}"), "text": "Send the LMIA copy\nsecond line", "follow_up_at": due }))
        .await
        .expect_status(201);
    server.clock.advance(SignedDuration::from_hours(25));
    let mail = server
        .smtp
        .wait_for(ADMIN_EMAIL, "Reminder: Send the LMIA copy")
        .await;
    let text = mail.text();
    assert!(text.contains("Send the LMIA copy"), "{text}");
    // It names the case by folio and applicant, and links to the note and
    // the case with the practice's address.
    assert!(
        text.contains("follow up on CAS001 (Ana Lindqvist)."),
        "{text}"
    );
    let base = server.config.practice_url(&server.config.default_practice);
    let note_id = note.body["id"].as_str().unwrap();
    assert!(
        text.contains(&format!("The note: {base}/m/notes/notes/{note_id}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("The case: {base}/cases/{case_id}")),
        "{text}"
    );
    // And under the author's bell, linking to the note.
    let admin = server.admin().await;
    let told = admin
        .get("/api/v1/notifications")
        .await
        .expect_status(200)
        .body;
    assert_eq!(told["items"][0]["kind"], "notes.follow_up", "{told}");
    assert_eq!(told["items"][0]["text"], "Follow up: Send the LMIA copy");
    assert_eq!(
        told["items"][0]["link"],
        format!("/m/notes/notes/{note_id}")
    );
    server.stop().await;
}

async fn settings_are_validated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let settings = admin
        .get("/api/v1/modules/notes/settings")
        .await
        .expect_status(200);
    assert_eq!(settings.body["values"]["default_follow_up_days"], 7);
    let version = settings.body["version"].clone();
    let bad = admin
        .put("/api/v1/modules/notes/settings", json!({ "values": { "default_follow_up_days": 0, "colour": "red" }, "version": version }))
        .await
        .expect_status(422);
    assert_eq!(
        bad.body["error"]["fields"]["default_follow_up_days"],
        "at least 1"
    );
    assert!(bad.body["error"]["fields"]["colour"].is_string());
    admin
        .put(
            "/api/v1/modules/notes/settings",
            json!({ "values": { "default_follow_up_days": 14 }, "version": version }),
        )
        .await
        .expect_status(200);
    let stale = admin
        .put(
            "/api/v1/modules/notes/settings",
            json!({ "values": { "default_follow_up_days": 21 }, "version": version }),
        )
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["current"]["default_follow_up_days"], 14);
    server.stop().await;
}

async fn incompatible_and_undeclared_modules_are_refused(backend: Backend) {
    let server =
        TestServer::start_with_modules(backend, &["future-api", "undeclared-import", "recorder"])
            .await;
    let admin = server.admin().await;
    let modules = items(&admin, "/api/v1/modules").await;
    let find = |id: &str| {
        modules
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} listed"))
            .clone()
    };
    let future = find("future-api");
    assert_eq!(future["status"], "refused");
    let problem = future["problem"].as_str().unwrap();
    assert!(
        problem.ends_with("needs host API ^0.3 but this server provides 0.1.2 and 0.2.4"),
        "{problem}"
    );
    let undeclared = find("undeclared-import");
    assert_eq!(undeclared["status"], "refused");
    let problem = undeclared["problem"].as_str().unwrap();
    assert!(
        problem.contains("`mail`") && problem.contains("does not declare"),
        "{problem}"
    );
    assert_eq!(find("recorder")["status"], "loaded");
    let refused = admin
        .put("/api/v1/modules/future-api", json!({ "enabled": true }))
        .await
        .expect_status(409);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("host API")
    );
    server.stop().await;
}

async fn misbehaving_modules_fail_alone(backend: Backend) {
    let server =
        TestServer::start_with_modules(backend, &["looping", "memory-hog", "trapping"]).await;
    let admin = admin_with(&server, &["looping", "memory-hog", "trapping", "notes"]).await;
    // A module that loops is stopped at its time limit while other requests,
    // to it and to the host, go on being served.
    let (spin, others) = tokio::join!(admin.get("/api/v1/m/looping/spin"), async {
        let mut answers = Vec::new();
        for _ in 0..5 {
            answers.push(admin.get("/api/v1/m/looping/ok").await.status.as_u16());
            answers.push(admin.get("/api/v1/me").await.status.as_u16());
            answers.push(admin.get("/api/v1/m/notes/notes").await.status.as_u16());
        }
        answers
    });
    let spin = spin.expect_status(503);
    assert_eq!(spin.code(), "module_failed");
    let message = spin.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`looping`") && message.contains("300 ms"),
        "{message}"
    );
    assert!(others.iter().all(|s| *s == 200), "{others:?}");

    // Out of memory and a trap, each while other requests are served.
    let others = || async {
        let mut answers = Vec::new();
        for _ in 0..3 {
            answers.push(admin.get("/api/v1/m/looping/ok").await.status.as_u16());
            answers.push(admin.get("/api/v1/m/notes/notes").await.status.as_u16());
        }
        answers
    };
    let (hog, during_hog) = tokio::join!(admin.get("/api/v1/m/memory-hog/hog"), others());
    let hog = hog.expect_status(500);
    assert_eq!(hog.code(), "module_failed");
    let message = hog.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`memory-hog`") && message.contains("ran out of memory"),
        "{message}"
    );
    assert!(during_hog.iter().all(|s| *s == 200), "{during_hog:?}");
    admin
        .get("/api/v1/m/memory-hog/ok")
        .await
        .expect_status(200);

    let (trap, during_trap) = tokio::join!(admin.get("/api/v1/m/trapping/trap"), others());
    let trap = trap.expect_status(500);
    assert_eq!(trap.code(), "module_failed");
    assert!(
        trap.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`trapping`")
    );
    assert!(during_trap.iter().all(|s| *s == 200), "{during_trap:?}");
    admin.get("/api/v1/m/trapping/ok").await.expect_status(200);
    admin.get("/api/v1/m/looping/ok").await.expect_status(200);
    admin.get("/healthz").await.expect_status(200);
    server.stop().await;
}

async fn store_queries_filter_order_and_page(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = admin_with(&server, &["recorder"]).await;
    let docs = [
        ("a", json!({ "n": 10, "s": "pear", "flag": true })),
        ("b", json!({ "n": -2.5, "s": "apple", "flag": false })),
        ("c", json!({ "n": 3, "s": "fig", "flag": true })),
        ("d", json!({ "n": 1e6, "s": "kiwi" })),
        ("e", json!({ "n": "7", "s": "banana" })),
        ("f", json!({ "s": "cherry", "flag": true })),
    ];
    for (id, data) in &docs {
        admin
            .put(
                &format!("/api/v1/m/recorder/items/{id}"),
                json!({ "data": data }),
            )
            .await
            .expect_status(200);
    }
    let query = |spec: Value| {
        let admin = admin.clone();
        async move {
            let r = admin.post("/api/v1/m/recorder/items/query", spec).await;
            (r.status.as_u16(), r.body)
        }
    };
    let ids = |body: &Value| {
        body["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };

    // Ranges compare numbers as numbers, and never match other types ("7").
    let (status, body) =
        query(json!({ "filters": [{ "field": "n", "op": "gte", "value": 0 }], "order_by": "n" }))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), ["c", "a", "d"]);
    let (_, body) = query(json!({ "filters": [{ "field": "n", "op": "lt", "value": 5 }], "order_by": "n", "descending": true })).await;
    assert_eq!(ids(&body), ["c", "b"]);
    // Equality on strings and booleans; several filters combine.
    let (_, body) = query(json!({ "filters": [{ "field": "flag", "op": "eq", "value": true }, { "field": "s", "op": "gt", "value": "g" }] })).await;
    assert_eq!(ids(&body), ["a"]);
    let (_, body) = query(json!({ "filters": [{ "field": "s", "op": "eq", "value": "7" }] })).await;
    assert!(ids(&body).is_empty());
    // Paging with a cursor walks the order once, without gaps or repeats.
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let (status, body) = query(json!({ "order_by": "s", "limit": 2, "cursor": cursor })).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(ids(&body));
        cursor = body["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, ["b", "e", "f", "c", "d", "a"]);
    // Unindexed fields and foreign cursors are refused with the reason.
    let (status, body) =
        query(json!({ "filters": [{ "field": "colour", "op": "eq", "value": "red" }] })).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not indexed"),
        "{body}"
    );
    let (status, _) = query(json!({ "cursor": "not-a-cursor" })).await;
    assert_eq!(status, 422);
    // Updating a document moves it in the index.
    admin
        .put(
            "/api/v1/m/recorder/items/b",
            json!({ "data": { "n": 99, "s": "zucchini" }, "version": 1 }),
        )
        .await
        .expect_status(200);
    let (_, body) =
        query(json!({ "filters": [{ "field": "n", "op": "gt", "value": 50 }], "order_by": "n" }))
            .await;
    assert_eq!(ids(&body), ["b", "d"]);
    let stale = admin
        .put(
            "/api/v1/m/recorder/items/b",
            json!({ "data": { "n": 1 }, "version": 1 }),
        )
        .await
        .expect_status(409);
    assert_eq!(stale.code(), "conflict");
    server.stop().await;
}
