//! Inputs the fuzzing found, each replayed by a test: the project's code
//! failed on every one of them (a panic, a stack overflow, a 2 GiB
//! allocation, a message refused for ever, a filled form its own reader
//! refused) until it was fixed. A new finding gets a test here, ignored
//! with what it is until the code it names is fixed.

use std::process::Command;

/// Replays `file` (under `fuzz/found/`) and fails, with what happened, if
/// the project's code still fails on it.
fn replay(file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("found")
        .join(file);
    let output = Command::new(env!("CARGO_BIN_EXE_immcase-fuzz"))
        .arg("--replay")
        .arg(&path)
        .output()
        .expect("the fuzzing program runs");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_sender_address_over_320_characters_is_received() {
    replay("mail-9472edec77130e64.eml");
}

#[test]
fn a_rule_with_a_non_ascii_weekday_is_refused() {
    replay("ics-c8017710743f6f03.ics");
}

#[test]
fn a_series_that_runs_past_the_year_9999_stops() {
    replay("ics-8f4f84f3738bf8cc.ics");
}

#[test]
fn a_deeply_nested_xfa_packet_is_refused() {
    replay("pdf-forms-e13aa460c3471c88.pdf");
}

#[test]
fn an_xref_offset_past_the_end_is_refused() {
    replay("pdf-forms-2011415fb8f7b1a2.pdf");
}

#[test]
fn a_huge_predictor_row_is_refused() {
    replay("pdf-forms-d318cf38505942b1.pdf");
}

#[test]
fn a_filled_form_reads_back() {
    replay("pdf-forms-4cdef4c4a33874e8.pdf");
}

#[test]
fn a_field_indexed_twice_is_refused() {
    replay("store-query-e1da21e7e2cde417.store");
}
