//! The server's operators install, upgrade and roll back modules from a
//! registry while the server runs: versions listed with what this server
//! cannot run and why, what a version asks for shown before it runs, an
//! upgrade that does not answer undone by itself, and a rollback that
//! restores the module's documents as they were, without the registry.
//! Practice administrators who are not operators are refused.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::registry::{TestRegistry, with_version};
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    an_operator_installs_upgrades_and_rolls_back_a_module_while_the_server_runs,
    an_upgrade_that_does_not_answer_is_undone_by_itself,
    a_revoked_version_is_stopped_with_the_reason_shown,
    a_version_this_host_cannot_link_is_refused_before_consent,
    installing_is_refused_to_administrators_who_are_not_operators
);

async fn start(backend: Backend, registry: &TestRegistry) -> TestServer {
    let (folder, key) = registry.config();
    TestServer::start_with(backend, move |config| {
        config.registry = Some(folder);
        config.registry_key = Some(key);
        // Its own installed modules (not the bundled ones all tests share).
        config.installed_modules_dir = None;
    })
    .await
}

/// The version of `id` the server runs now, per `GET /api/v1/modules`.
async fn running(admin: &Api, id: &str) -> Option<String> {
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id && m["status"] != "refused")
        .map(|m| m["version"].as_str().unwrap().to_string())
}

async fn install(admin: &Api, id: &str, version: &str) -> Value {
    let prepared = admin
        .post(
            &format!("/api/v1/server/modules/{id}/prepare"),
            json!({ "version": version }),
        )
        .await
        .expect_status(200);
    let steps: Vec<String> = prepared
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["id"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    let done = admin
        .post("/api/v1/server/modules/install", json!({ "steps": steps }))
        .await
        .expect_status(200);
    done.body[0].clone()
}

/// The recorder's documents as stored, in a fixed order.
async fn documents(server: &TestServer) -> Vec<(String, String, i64, String, i64, i64)> {
    let state = server.state_beside().await;
    sqlx::query_as(
        "SELECT collection, id, version, data, created_at, updated_at FROM module_documents \
         WHERE module_id = 'recorder' ORDER BY collection, id",
    )
    .fetch_all(state.db.pool())
    .await
    .unwrap()
}

async fn an_operator_installs_upgrades_and_rolls_back_a_module_while_the_server_runs(
    backend: Backend,
) {
    let registry = TestRegistry::new(&["recorder"]);
    registry.publish("recorder", |m| with_version(&m, "1.0.0"));
    // 1.1.0 migrates the data 1.0.0 left; 1.2.0's migration refuses.
    let hook = |m: String, action: &str| {
        m.replace(
            "host-api = \"^0.2\"",
            &format!("host-api = \"^0.2\"\nupgrade-action = \"{action}\""),
        )
    };
    registry.publish("recorder", |m| hook(with_version(&m, "1.1.0"), "migrate"));
    registry.publish("recorder", |m| {
        hook(with_version(&m, "1.2.0"), "refuse-migration")
    });
    registry.publish("recorder", |m| {
        with_version(&m, "2.0.0").replace("host-api = \"^0.2\"", "host-api = \"^0.3\"")
    });
    let server = start(backend, &registry).await;
    let admin = server.admin().await;
    assert_eq!(running(&admin, "recorder").await, None);

    // Every version, the one this server cannot run greyed with the reason.
    let listed = admin.get("/api/v1/server/modules").await.expect_status(200);
    let recorder = &listed.body[0];
    assert_eq!(recorder["id"], "recorder");
    let versions: Vec<&str> = recorder["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2.0.0", "1.2.0", "1.1.0", "1.0.0"]);
    assert_eq!(
        recorder["versions"][0]["refused"],
        "recorder 2.0.0 needs host API ^0.3, and this host provides 0.1.2 and 0.2.4"
    );
    assert_eq!(recorder["versions"][2]["refused"], Value::Null);

    // What it asks for is shown before anything runs.
    let prepared = admin
        .post(
            "/api/v1/server/modules/recorder/prepare",
            json!({ "version": "1.0.0" }),
        )
        .await
        .expect_status(200);
    let asks = prepared.body[0]["asks_for"].as_array().unwrap();
    assert!(
        asks.contains(&json!("Keeps its own data (received, fired, notes, items)")),
        "{asks:?}"
    );
    assert!(
        asks.contains(&json!("Sets timers and reminders")),
        "{asks:?}"
    );
    assert_eq!(
        running(&admin, "recorder").await,
        None,
        "prepared is not running"
    );
    let done = install(&admin, "recorder", "1.0.0").await;
    assert_eq!(done["outcome"], "installed", "{done}");
    assert_eq!(running(&admin, "recorder").await.as_deref(), Some("1.0.0"));

    // It runs at once: its data written through it.
    admin.set_module("recorder", true).await;
    for (id, n) in [("a", 1), ("b", 2)] {
        admin
            .put(
                &format!("/api/v1/m/recorder/items/{id}"),
                json!({ "data": { "n": n, "s": id } }),
            )
            .await
            .expect_status(200);
    }
    let before = documents(&server).await;
    assert_eq!(before.len(), 2);

    let upgrade = admin
        .post(
            "/api/v1/server/modules/recorder/prepare",
            json!({ "version": "1.1.0" }),
        )
        .await
        .expect_status(200);
    assert_eq!(upgrade.body[0]["from"], "1.0.0");
    assert_eq!(upgrade.body[0]["newly_asks_for"], json!([]));
    let done = install(&admin, "recorder", "1.1.0").await;
    assert_eq!(
        (done["outcome"].as_str(), done["from"].as_str()),
        (Some("installed"), Some("1.0.0"))
    );
    assert_eq!(running(&admin, "recorder").await.as_deref(), Some("1.1.0"));
    // Its data migration ran in the practice.
    let item = admin
        .get("/api/v1/m/recorder/store/items/b")
        .await
        .expect_status(200);
    assert_eq!(item.body["data"]["migrated_from"], "1.0.0", "{}", item.text);
    admin
        .put(
            "/api/v1/m/recorder/items/c",
            json!({ "data": { "n": 3, "s": "c" } }),
        )
        .await
        .expect_status(200);
    admin
        .put(
            "/api/v1/m/recorder/items/a",
            json!({ "data": { "n": 10, "s": "changed" }, "version": 2 }),
        )
        .await
        .expect_status(200);
    assert_ne!(documents(&server).await, before);

    // Back, without the registry: the version and its documents as they were.
    let away = registry.dir.path().with_extension("away");
    std::fs::rename(registry.dir.path(), &away).unwrap();
    let back = admin
        .post("/api/v1/server/modules/recorder/rollback", json!({}))
        .await
        .expect_status(200);
    std::fs::rename(&away, registry.dir.path()).unwrap();
    assert_eq!(back.body["outcome"], "rolled_back", "{}", back.text);
    assert_eq!(back.body["version"], "1.0.0");
    assert_eq!(running(&admin, "recorder").await.as_deref(), Some("1.0.0"));
    assert_eq!(documents(&server).await, before, "byte for byte");
    let item = admin
        .get("/api/v1/m/recorder/store/items/a")
        .await
        .expect_status(200);
    assert_eq!(item.body["data"]["s"], "a", "{}", item.text);

    // The server's history and the practice's audit log say who did what.
    let state = server.state_beside().await;
    let history: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, to_version, outcome FROM module_installs WHERE module_id = 'recorder' ORDER BY created_at, id",
    )
    .fetch_all(state.db.pool())
    .await
    .unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(
        history[2],
        ("rollback".into(), "1.0.0".into(), "rolled_back".into())
    );

    // A data migration that refuses undoes its upgrade, data and all.
    let undone = install(&admin, "recorder", "1.2.0").await;
    assert_eq!(undone["outcome"], "undone", "{undone}");
    assert!(
        undone["reason"]
            .as_str()
            .unwrap()
            .contains("its data migration `refuse-migration` refused in practice `default`: invalid: this data cannot be migrated"),
        "{undone}"
    );
    assert_eq!(running(&admin, "recorder").await.as_deref(), Some("1.0.0"));
    assert_eq!(documents(&server).await, before);
    server.stop().await;
}

async fn an_upgrade_that_does_not_answer_is_undone_by_itself(backend: Backend) {
    let registry = TestRegistry::new(&["trapping"]);
    // 1.0.0's first page answers; 2.0.0's first page traps.
    let nav = |path: &str| format!("\n[[nav]]\nlabel = \"Start\"\npath = \"{path}\"\n");
    registry.publish("trapping", |m| {
        with_version(&m, "1.0.0") + nav("/ok").as_str()
    });
    registry.publish("trapping", |m| {
        with_version(&m, "2.0.0") + nav("/trap").as_str()
    });
    let server = start(backend, &registry).await;
    let admin = server.admin().await;
    assert_eq!(
        install(&admin, "trapping", "1.0.0").await["outcome"],
        "installed"
    );
    let undone = install(&admin, "trapping", "2.0.0").await;
    assert_eq!(undone["outcome"], "undone", "{undone}");
    let reason = undone["reason"].as_str().unwrap();
    assert!(reason.contains("trapping"), "{reason}");
    assert_eq!(running(&admin, "trapping").await.as_deref(), Some("1.0.0"));
    // A later rollback has nothing of 2.0.0 to go back from.
    let listed = admin.get("/api/v1/server/modules").await.expect_status(200);
    assert_eq!(listed.body[0]["running"], "1.0.0");
    assert_eq!(listed.body[0]["rollback_to"], Value::Null);
    // And after a restart, 1.0.0 is what the server loads.
    let mut server = server;
    server.restart().await;
    let admin = server.admin().await;
    assert_eq!(running(&admin, "trapping").await.as_deref(), Some("1.0.0"));
    server.stop().await;
}

async fn installing_is_refused_to_administrators_who_are_not_operators(backend: Backend) {
    let registry = TestRegistry::new(&["recorder"]);
    registry.publish("recorder", |m| with_version(&m, "1.0.0"));
    let server = start(backend, &registry).await;
    let other = server
        .admin_of_new_practice("beta", "boss@beta.test", "a long passphrase of beta's")
        .await;
    for refused in [
        other.get("/api/v1/server/modules").await,
        other
            .post(
                "/api/v1/server/modules/recorder/prepare",
                json!({ "version": "1.0.0" }),
            )
            .await,
        other
            .post(
                "/api/v1/server/modules/install",
                json!({ "steps": ["recorder@1.0.0"] }),
            )
            .await,
        other
            .post("/api/v1/server/modules/recorder/rollback", json!({}))
            .await,
    ] {
        let refused = refused.expect_status(403);
        assert!(
            refused.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("server's operators"),
            "{}",
            refused.text
        );
    }
    let admin = server.admin().await;
    assert_eq!(running(&admin, "recorder").await, None);
    server.stop().await;
}

async fn a_revoked_version_is_stopped_with_the_reason_shown(backend: Backend) {
    let registry = TestRegistry::new(&["recorder"]);
    registry.publish("recorder", |m| with_version(&m, "1.0.0"));
    let mut server = start(backend, &registry).await;
    let admin = server.admin().await;
    assert_eq!(
        install(&admin, "recorder", "1.0.0").await["outcome"],
        "installed"
    );
    admin.set_module("recorder", true).await;

    // Yanked: it keeps running, with a warning on Settings → Modules.
    registry.yank("recorder", "1.0.0");
    let listed = admin.get("/api/v1/server/modules").await.expect_status(200);
    assert_eq!(listed.body[0]["versions"][0]["yanked"], true);
    assert_eq!(running(&admin, "recorder").await.as_deref(), Some("1.0.0"));
    let page = admin.get("/settings/modules").await.expect_status(200);
    assert!(
        page.text
            .contains("Its publisher withdrew version 1.0.0 (yanked). It keeps running"),
        "{}",
        page.text
    );

    registry.revoke("recorder", "1.0.0", "it loses notes");

    // Seen when the registry is next read: stopped, and why is in view.
    let listed = admin.get("/api/v1/server/modules").await.expect_status(200);
    assert_eq!(
        listed.body[0]["versions"][0]["refused"],
        "revoked: it loses notes"
    );
    assert_eq!(running(&admin, "recorder").await, None);
    let modules = admin.get("/api/v1/modules").await.expect_status(200);
    let recorder = modules.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "recorder")
        .cloned()
        .unwrap();
    assert_eq!(recorder["status"], "refused", "{recorder}");
    assert!(
        recorder["problem"]
            .as_str()
            .unwrap()
            .contains("revoked by its registry and is stopped: it loses notes"),
        "{recorder}"
    );
    admin
        .get("/api/v1/m/recorder/received")
        .await
        .expect_status(404);

    // Still stopped after a restart, without reading the registry.
    std::fs::rename(
        registry.dir.path(),
        registry.dir.path().with_extension("away"),
    )
    .unwrap();
    server.restart().await;
    let admin = server.admin().await;
    assert_eq!(running(&admin, "recorder").await, None);
    std::fs::rename(
        registry.dir.path().with_extension("away"),
        registry.dir.path(),
    )
    .unwrap();
    server.stop().await;
}

async fn a_version_this_host_cannot_link_is_refused_before_consent(backend: Backend) {
    let registry = TestRegistry::new(&["undeclared-import"]);
    registry.publish("undeclared-import", |m| with_version(&m, "1.0.0"));
    let server = start(backend, &registry).await;
    let admin = server.admin().await;
    let refused = admin
        .post(
            "/api/v1/server/modules/undeclared-import/prepare",
            json!({ "version": "1.0.0" }),
        )
        .await
        .expect_status(409);
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("this server cannot run it:"),
        "{message}"
    );
    assert!(message.contains("not declare"), "{message}");
    assert_eq!(running(&admin, "undeclared-import").await, None);
    server.stop().await;
}
