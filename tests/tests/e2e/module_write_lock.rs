//! A module call holds the database's write lock from its first write to its
//! end. One that writes and then keeps computing is stopped once it has held
//! it for the host's bound (250 ms), whatever its own time limit, its writes
//! roll back, and the host's own writes go on.

use immcase_tests::{Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(a_module_that_writes_then_computes_is_stopped_and_host_writes_go_on);

async fn a_module_that_writes_then_computes_is_stopped_and_host_writes_go_on(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let installed = immcase_tests::install_test_modules(dir.path(), &["lock-holder"]);
    // The server's default bound (the harness raises it for the debug build).
    let server = TestServer::start_with(backend, |config| {
        config.module_write_hold = std::time::Duration::from_millis(250);
        config.module_dirs.extend(installed);
    })
    .await;
    let admin = server.admin().await;
    admin.set_module("lock-holder", true).await;

    // Computing without having written is bounded by the module's own limit
    // (10 s) only.
    let computed = admin
        .post("/api/v1/m/lock-holder/compute?ms=600", json!({}))
        .await;
    assert_eq!(computed.status, 200, "{}", computed.text);

    // Writing, then computing for 3 s: the host stops it.
    let holder = {
        let api = admin.clone();
        tokio::spawn(async move {
            api.post("/api/v1/m/lock-holder/hold?id=kept&ms=3000", json!({}))
                .await
        })
    };
    // The host's own writes go through meanwhile.
    let applicant = admin.add_applicant("Lockwood").await;
    assert!(!applicant.is_empty());

    let held = holder.await.unwrap();
    assert_eq!(held.status, 503, "{}", held.text);
    assert_eq!(held.body["error"]["code"], "module_failed", "{}", held.text);
    let message = held.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("lock-holder")
            && message.contains("write lock")
            && message.contains("250 ms")
            && message.contains("rolled back"),
        "{message}"
    );

    // Its write was rolled back; the applicant is there.
    let kept = admin
        .get("/api/v1/m/lock-holder/held/kept")
        .await
        .expect_status(200);
    assert_eq!(kept.body["held"], false, "{}", kept.text);
    admin
        .get(&format!("/api/v1/applicants/{applicant}"))
        .await
        .expect_status(200);
    server.stop().await;
}
