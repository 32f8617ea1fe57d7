//! `immcase plugin check` refuses what the server refuses when it loads a
//! module, with the same words, and passes what the server loads.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;

use immcase::plugin_check::{CheckError, plugin_check};
use immcase_tests::{Backend, TestServer, test_module_files};
use serde_json::Value;

/// A module crate folder holding `manifest` as its plugin.toml, and an
/// installed copy (plugin.toml and component) under `installed`.
fn module_folder(root: &Path, name: &str, manifest: &str, wasm: &Path) -> std::path::PathBuf {
    let folder = root.join("crates").join(name);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
    let installed = root.join("installed").join(name);
    std::fs::create_dir_all(&installed).unwrap();
    std::fs::write(installed.join("plugin.toml"), manifest).unwrap();
    std::fs::copy(wasm, installed.join("module.wasm")).unwrap();
    folder
}

/// `manifest` asking for host API `wanted` instead.
fn with_host_api(manifest: &str, wanted: &str) -> String {
    let changed: Vec<String> = manifest
        .lines()
        .map(|line| match line.starts_with("host-api") {
            true => format!("host-api = {wanted:?}"),
            false => line.to_owned(),
        })
        .collect();
    assert!(changed.iter().any(|l| l.ends_with(&format!("{wanted:?}"))));
    changed.join("\n")
}

fn refusal(result: Result<impl std::fmt::Debug, CheckError>) -> String {
    match result {
        Err(CheckError::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_refuses_with_the_servers_own_words() {
    let work = tempfile::tempdir().unwrap();

    // An import the manifest does not declare (its code sends mail).
    let (manifest, wasm) = test_module_files("undeclared-import");
    let manifest = std::fs::read_to_string(manifest).unwrap();
    let folder = module_folder(work.path(), "undeclared-import", &manifest, &wasm);
    let undeclared_import = refusal(plugin_check(&folder, Some(&wasm)));
    assert!(
        undeclared_import.contains("`mail`") && undeclared_import.contains("does not declare"),
        "{undeclared_import}"
    );

    // An index on a collection the manifest does not declare.
    let (manifest, wasm) = test_module_files("recorder");
    let manifest = std::fs::read_to_string(manifest).unwrap();
    let secret_index = manifest.replace("[indexes]\n", "[indexes]\nsecrets = [\"owner\"]\n");
    assert_ne!(secret_index, manifest);
    let folder = module_folder(work.path(), "secret-index", &secret_index, &wasm);
    let undeclared_collection = refusal(plugin_check(&folder, Some(&wasm)));
    assert!(
        undeclared_collection.contains("secrets"),
        "{undeclared_collection}"
    );

    // A host API this server does not provide, refused before any build is
    // looked for.
    let future = with_host_api(&manifest, "^0.9");
    let folder = module_folder(work.path(), "future", &future, &wasm);
    let future_api = refusal(plugin_check(&folder, None));
    assert!(future_api.contains("^0.9"), "{future_api}");

    // A contract the server serves, but not the one the component was
    // built against.
    let older = with_host_api(&manifest, "^0.1");
    let folder = module_folder(work.path(), "older", &older, &wasm);
    let not_what_it_says = refusal(plugin_check(&folder, Some(&wasm)));
    assert!(
        not_what_it_says.contains("built against host API 0.2.4")
            && not_what_it_says.contains("host-api = \"^0.1\""),
        "{not_what_it_says}"
    );

    // A module built against 0.1.0 passes, served by 0.1.2, with a note.
    let (old_manifest, old_wasm) = test_module_files("api-0-1-0");
    let old_manifest = std::fs::read_to_string(old_manifest).unwrap();
    let folder = module_folder(work.path(), "api-0-1-0", &old_manifest, &old_wasm);
    let old = plugin_check(&folder, Some(&old_wasm)).unwrap();
    assert_eq!(old.contract.to_string(), "0.1.2");
    assert!(
        old.summary()
            .contains("built against host API 0.1, which this server still serves (as 0.1.2)"),
        "{}",
        old.summary()
    );

    // A module that answers clients without a session says where.
    let (reach_manifest, reach_wasm) = test_module_files("almanac");
    let reach_manifest = std::fs::read_to_string(reach_manifest).unwrap();
    let folder = module_folder(work.path(), "almanac", &reach_manifest, &reach_wasm);
    let reach = plugin_check(&folder, Some(&reach_wasm)).unwrap().summary();
    assert!(
        reach.contains("answers GET and HEAD without a session below: /api/v1/m/almanac/feeds/")
            && reach.contains("serves, for app passwords: /dav/calendars/"),
        "{reach}"
    );

    // What loads passes, and the summary says what the component uses.
    let folder = module_folder(work.path(), "recorder", &manifest, &wasm);
    let passed = plugin_check(&folder, Some(&wasm)).unwrap();
    assert_eq!(passed.manifest.id, "recorder");
    assert!(
        passed.imports.iter().any(|i| i == "store"),
        "{:?}",
        passed.imports
    );
    assert!(
        passed.unused_capabilities().is_empty(),
        "{}",
        passed.summary()
    );
    let summary = passed.summary();
    assert!(
        summary.contains("passes") && summary.contains("store"),
        "{summary}"
    );
    // A capability declared but never used is pointed out (administrators
    // see every declared capability), without refusing the module.
    let too_much = manifest.replace("schedule = true", "schedule = true\nmail = true");
    assert_ne!(too_much, manifest);
    let folder = module_folder(work.path(), "too-much", &too_much, &wasm);
    let generous = plugin_check(&folder, Some(&wasm)).unwrap();
    assert_eq!(generous.unused_capabilities(), ["mail"]);
    assert!(
        generous.summary().contains("does not use it"),
        "{}",
        generous.summary()
    );
    // Without a build, the check says how to make one.
    let folder = work.path().join("crates/recorder");
    std::fs::write(
        folder.join("Cargo.toml"),
        "[package]\nname = \"recorder\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let error = plugin_check(&folder, None).unwrap_err().to_string();
    assert!(
        error.contains("cargo build --target wasm32-wasip2"),
        "{error}"
    );

    // The server refuses the same modules with the same words.
    let installed = work.path().join("installed");
    let server =
        TestServer::start_with(Backend::Sqlite, |config| config.module_dirs.push(installed)).await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let problems: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "refused")
        .filter_map(|m| m["problem"].as_str())
        .collect();
    for message in [&undeclared_import, &undeclared_collection, &future_api] {
        assert!(
            problems.contains(&message.as_str()),
            "{message:?} not among {problems:?}"
        );
    }
    let loaded: Vec<&Value> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "loaded" && m["id"] == "recorder")
        .collect();
    assert_eq!(loaded.len(), 1, "{}", listed.text);
    server.stop().await;
}
