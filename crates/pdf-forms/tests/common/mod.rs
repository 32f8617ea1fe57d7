//! Helpers shared by the integration tests: qpdf variants and checks, and
//! reading what an incremental update added.
#![allow(dead_code, clippy::unwrap_used)]

use immcase_pdf_forms::fixtures::{self, Variant};

/// Is qpdf on this machine? Panics when it is missing and
/// `IMMCASE_TEST_QPDF=required`.
pub fn have_qpdf() -> bool {
    let found = std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        if std::env::var("IMMCASE_TEST_QPDF").as_deref() == Ok("required") {
            panic!("qpdf is not installed and IMMCASE_TEST_QPDF=required");
        }
        eprintln!(
            "SKIPPED: qpdf is not installed (set IMMCASE_TEST_QPDF=required to fail instead)"
        );
    }
    found
}

/// The variant of a fixture, or `None` (skip) when qpdf is needed and missing.
pub fn variant(pdf: &[u8], v: Variant) -> Option<Vec<u8>> {
    if v == Variant::Plain {
        return Some(pdf.to_vec());
    }
    if !have_qpdf() {
        return None;
    }
    Some(fixtures::encrypt_with_qpdf(pdf, v).expect("qpdf makes the variant"))
}

/// Runs `qpdf --check` (skipped without qpdf).
pub fn qpdf_check(pdf: &[u8], what: &str) {
    if !have_qpdf() {
        return;
    }
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("immcase-pdf-check-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("check.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "qpdf --check failed for {what}:\n{text}"
    );
    assert!(
        !text.contains("WARNING"),
        "qpdf --check warned for {what}:\n{text}"
    );
}

/// The `N G obj` headers (number, generation) in the bytes after `original`.
pub fn added_objects(original: &[u8], output: &[u8]) -> Vec<(u32, u16)> {
    assert!(
        output.starts_with(original),
        "the original bytes are a prefix of the output"
    );
    output[original.len()..]
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let text = std::str::from_utf8(line).ok()?;
            let mut parts = text.split(' ');
            let num = parts.next()?.parse().ok()?;
            let generation = parts.next()?.parse().ok()?;
            (parts.next()? == "obj" && parts.next().is_none()).then_some((num, generation))
        })
        .collect()
}

/// All XFA variants the tests run.
pub const VARIANTS: [Variant; 8] = [
    Variant::Plain,
    Variant::Rc4,
    Variant::Aes128,
    Variant::Aes256,
    Variant::ObjectStreams,
    Variant::Aes256ObjectStreams,
    Variant::LinearizedAes256,
    Variant::Aes128ClearMetadata,
];
