//! Each target's short run, as CI runs it: a fixed seed and a fixed
//! number of inputs (about five seconds each in a debug build), through
//! the `immcase-fuzz` program itself, so a worker that dies is reported
//! rather than taking the test binary down. Inputs that fail are saved in
//! a temporary folder and named in the failure.
//!
//! A failure this run meets whose message is one of the findings already
//! known (kept under `fuzz/found/` and replayed by the ignored tests of
//! `findings.rs`) is printed but does not fail the test; any other does.

use std::path::PathBuf;
use std::process::Command;

/// The findings known and not yet fixed (see `findings.rs`): the target,
/// and what its message says.
const KNOWN: &[(&str, &str)] = &[
    // A debug assertion inside mail-parser 0.11.9 (message.rs:485): debug
    // builds only; a release build reads the same message.
    ("mail", "could not find multipart"),
];

/// Runs `inputs` inputs of `target` with the seed 1; fails on a finding
/// that is not known.
fn fuzz(target: &str, inputs: u64) {
    let found = std::env::temp_dir().join(format!("immcase-fuzz-ci-{target}"));
    let output = Command::new(env!("CARGO_BIN_EXE_immcase-fuzz"))
        .args([target, "--seed", "1", "--inputs"])
        .arg(inputs.to_string())
        .arg("--found")
        .arg(&found)
        .output()
        .expect("the fuzzing program runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    let findings = findings(&stdout);
    let unknown: Vec<&(PathBuf, String)> = findings
        .iter()
        .filter(|(_, message)| {
            !KNOWN
                .iter()
                .any(|(t, known)| *t == target && message.contains(known))
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "{target}: inputs that fail (replay with `cargo run -p immcase-fuzz -- --replay FILE`):\n{unknown:#?}"
    );
    let total = stdout
        .lines()
        .find(|l| l.starts_with(target) && !l.contains("fuzzing"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<u64>().ok());
    assert_eq!(total, Some(inputs), "{target} ran every input:\n{stdout}");
    if findings.is_empty() {
        assert!(output.status.success(), "{target}: {output:?}");
    }
}

/// The findings the program listed: each input's file and what happened.
fn findings(stdout: &str) -> Vec<(PathBuf, String)> {
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .windows(2)
        .filter_map(|pair| {
            let (head, message) = (pair[0], pair[1]);
            let (_, path) = head.split_once(": ")?;
            let kind = head.split(' ').nth(1)?;
            let is_finding = ["panic:", "hang:", "crash:"].contains(&kind);
            is_finding.then(|| (PathBuf::from(path), message.trim().to_string()))
        })
        .collect()
}

#[test]
fn plugin_toml_manifests() {
    fuzz("manifest", 12_000);
}

#[test]
fn settings_declarations_and_values() {
    fuzz("settings", 5_000);
}

#[test]
fn pdf_forms() {
    fuzz("pdf-forms", 100);
}

#[test]
fn icalendar_import() {
    fuzz("ics", 1_200);
}

#[test]
fn incoming_mail() {
    fuzz("mail", 1_200);
}

#[test]
fn uploads_and_forms_with_files() {
    fuzz("multipart", 4_000);
}

#[test]
fn module_store_queries() {
    fuzz("store-query", 300);
}

#[test]
fn workflow_scripts_checked_on_save() {
    fuzz("workflow-script", 8_000);
}
