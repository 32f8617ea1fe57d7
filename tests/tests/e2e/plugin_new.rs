//! `immcase plugin new` writes a module crate, in a folder outside this
//! source tree, that builds for wasm32-wasip2, passes its native tests and
//! `plugin check`, and loads into the host as it is.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::{Path, PathBuf};
use std::process::Command;

use immcase_tests::{Backend, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_module_builds_and_loads_as_it_is() {
    let work = tempfile::tempdir().unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    let folder = immcase::plugin_new::plugin_new(
        "hello-world",
        work.path(),
        &immcase::plugin_new::SdkSource::Path(sdk),
    )
    .unwrap();

    // Built as its README says, sharing compiled dependencies with the
    // workspace's module builds (in the target folder the build uses).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("modules");
    let build = || {
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&folder)
            .args([
                "build",
                "--offline",
                "--target",
                "wasm32-wasip2",
                "--release",
                "--target-dir",
            ])
            .arg(&target)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap()
    };

    // A plugin.toml mistake stops the build, in the server's words.
    let manifest = folder.join("plugin.toml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    let wrong = format!("{good}\n[indexes]\nsecrets = [\"owner\"]\n");
    std::fs::write(&manifest, wrong).unwrap();
    let refused = build();
    assert!(!refused.status.success(), "built with a wrong plugin.toml");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("secrets"), "{stderr}");

    std::fs::write(&manifest, good).unwrap();
    let built = build();
    assert!(
        built.status.success(),
        "the new module does not build: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    // Its native test runs its handlers on the SDK's test host.
    let tested = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&folder)
        .args(["test", "--offline", "--target-dir"])
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&tested.stdout);
    assert!(
        tested.status.success(),
        "the new module's native tests fail: {report}{}",
        String::from_utf8_lossy(&tested.stderr)
    );
    assert!(
        report.contains("hello_answers_with_the_callers_name ... ok"),
        "{report}"
    );

    let component = target.join("wasm32-wasip2/release/hello_world.wasm");
    let checked = immcase::plugin_check::plugin_check(&folder, Some(&component)).unwrap();
    assert_eq!(checked.manifest.id, "hello-world");
    assert!(checked.stale.is_none(), "{}", checked.summary());

    let installed = work.path().join("installed/hello-world");
    std::fs::create_dir_all(&installed).unwrap();
    std::fs::copy(folder.join("plugin.toml"), installed.join("plugin.toml")).unwrap();
    std::fs::copy(&component, installed.join("hello_world.wasm")).unwrap();

    let modules_dir = work.path().join("installed");
    let server = TestServer::start_with(Backend::Sqlite, |config| {
        config.module_dirs.push(modules_dir)
    })
    .await;
    let admin = server.admin().await;
    let listed = admin.get("/api/v1/modules").await.expect_status(200);
    let entry = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "hello-world")
        .cloned()
        .unwrap();
    assert_eq!(entry["status"], "loaded", "{entry}");
    admin.set_module("hello-world", true).await;
    let hello = admin
        .get("/api/v1/m/hello-world/hello")
        .await
        .expect_status(200);
    assert_eq!(hello.body["hello"], "Administrator", "{}", hello.text);
    let page = admin.get("/m/hello-world/").await.expect_status(200);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );
    assert!(!page.text.is_empty());
    server.stop().await;
}
