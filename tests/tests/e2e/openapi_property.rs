//! A property-based run against the served OpenAPI document: schemathesis
//! generates requests for every operation (valid ones and malformed ones)
//! with a signed-in administrator's session, and checks each answer: no
//! server error, no hang (each request has 10 s), and nothing outside the
//! documented status codes, content types and response schemas.
//!
//! schemathesis comes from PyPI (`pip install schemathesis`, best in a
//! virtual environment); the test finds it as `schemathesis` on the PATH or
//! at `IMMCASE_TEST_SCHEMATHESIS_BIN`. Without it the test passes with a
//! note, unless `IMMCASE_TEST_SCHEMATHESIS=required` (as in CI). CI runs
//! five examples per operation with a fixed seed; the README has the
//! command for a longer run.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer};

/// Operations left out, and why:
/// - sign-out, the password, the second factor, the practice's security
///   settings and disabling people would end or change the session the
///   run uses (or require a second factor of everyone);
/// - `/api/v1/auth/` signs in, and a run of wrong passwords slows it down;
/// - two bodies it cannot write: a module package (`application/wasm`,
///   only from this machine under `--dev`) and a raw message
///   (`message/rfc822`), each tested on its own elsewhere.
const LEFT_OUT: &str = "sign-out|me/password|second-factor|/auth/|practice/security|disable|\
                        /server/dev/modules|/mailboxes/\\{id\\}/messages";

fn schemathesis() -> Option<String> {
    let bin = std::env::var("IMMCASE_TEST_SCHEMATHESIS_BIN").unwrap_or("schemathesis".into());
    let found = std::process::Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(bin);
    }
    assert!(
        std::env::var("IMMCASE_TEST_SCHEMATHESIS").as_deref() != Ok("required"),
        "IMMCASE_TEST_SCHEMATHESIS=required but `{bin}` does not run"
    );
    eprintln!("skipped: no schemathesis ({bin}); pip install schemathesis");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_within_its_documented_shapes() {
    let Some(bin) = schemathesis() else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite).await;
    let session = server.admin_session().await;
    let examples = std::env::var("IMMCASE_TEST_SCHEMATHESIS_EXAMPLES").unwrap_or("5".into());
    let document = format!("http://{}/api/v1/openapi.json", server.addr);
    // Its own folder: schemathesis keeps a cache where it runs.
    let scratch = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new(&bin)
        .current_dir(scratch.path())
        .args(["run", &document])
        .args(["-H", &format!("Cookie: immcase_session={session}")])
        .args(["-H", "X-Requested-With: immcase"])
        .args(["--exclude-path-regex", LEFT_OUT])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", &examples])
        .args([
            "--seed",
            "20261207",
            "--request-timeout",
            "10",
            "--workers",
            "2",
        ])
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    let summary = said
        .lines()
        .rev()
        .find(|l| l.contains(" in ") && l.contains('='))
        .unwrap_or("");
    assert!(
        run.status.success(),
        "schemathesis found answers outside the document:\n{said}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // A run that tested nothing would pass too: it generated cases.
    let generated = said
        .lines()
        .find_map(|l| {
            let (n, _) = l.trim().split_once(" generated,")?;
            n.trim().parse::<u64>().ok()
        })
        .unwrap_or(0);
    assert!(
        generated > 1_000,
        "only {generated} cases: {summary}\n{said}"
    );
    eprintln!("schemathesis: {generated} cases; {summary}");
    server.stop().await;
}
