//! A module built against an earlier compatible contract (host API 0.1.0,
//! bindings from a frozen copy of that WIT: `tests/modules/api-0-1-0`) is
//! loaded by this host and its imports work unchanged.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, on_both_databases};

on_both_databases!(a_module_built_against_0_1_0_runs_on_this_host);

async fn a_module_built_against_0_1_0_runs_on_this_host(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["api-0-1-0"]).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let old = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "api-0-1-0")
        .unwrap()
        .clone();
    assert_ne!(old["status"], "refused", "{old}");
    admin.set_module("api-0-1-0", true).await;
    for visit in 1..=2 {
        let answer = admin.get("/api/v1/m/api-0-1-0/").await.expect_status(200);
        assert_eq!(answer.body["api"], "0.1.0");
        assert_eq!(answer.body["stored"], visit, "its store import works");
    }
}
