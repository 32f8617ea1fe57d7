//! Blanks for the IMM forms tests: the synthetic IRCC-like forms of
//! `immcase-pdf-forms` (plain, and encrypted or with cross-reference
//! streams by qpdf), and the checks every filled PDF must pass: the blank
//! is a prefix of it, one object is added with `/Prev`, `/ID` and
//! `/Encrypt` kept, `qpdf --check` passes, and every packet but the data
//! is byte-identical.

use immcase_pdf_forms::fixtures::{self, Variant};
use sha2::{Digest, Sha256};

/// One blank of the variants filled by the tests.
pub struct Blank {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub acroform: bool,
    pub encrypted: bool,
    /// Whether its cross-references are streams (the update adds one).
    pub xref_stream: bool,
}

/// Plain and encrypted, dynamic and static XFA, object streams, AcroForm.
/// Needs qpdf for all but the plain ones: with `IMMCASE_TEST_QPDF=required`
/// (as in CI) a missing qpdf fails; otherwise only the plain ones are made.
pub fn variants() -> Vec<Blank> {
    let dynamic = fixtures::imm5257().build();
    let mut fixed = fixtures::imm5257();
    fixed.dynamic = false;
    let fixed = fixed.build();
    let acroform = fixtures::acroform_sample();
    let mut blanks = vec![
        Blank {
            name: "dynamic XFA",
            bytes: dynamic.clone(),
            acroform: false,
            encrypted: false,
            xref_stream: false,
        },
        Blank {
            name: "static XFA",
            bytes: fixed.clone(),
            acroform: false,
            encrypted: false,
            xref_stream: false,
        },
        Blank {
            name: "AcroForm",
            bytes: acroform.clone(),
            acroform: true,
            encrypted: false,
            xref_stream: false,
        },
    ];
    if !qpdf_available() {
        return blanks;
    }
    let made = |bytes: &[u8], variant: Variant| {
        fixtures::encrypt_with_qpdf(bytes, variant).expect("qpdf makes the variant")
    };
    blanks.extend([
        Blank {
            name: "dynamic XFA, AES-128",
            bytes: made(&dynamic, Variant::Aes128),
            acroform: false,
            encrypted: true,
            xref_stream: false,
        },
        Blank {
            name: "static XFA, RC4-128",
            bytes: made(&fixed, Variant::Rc4),
            acroform: false,
            encrypted: true,
            xref_stream: false,
        },
        Blank {
            name: "dynamic XFA, AES-256",
            bytes: made(&dynamic, Variant::Aes256),
            acroform: false,
            encrypted: true,
            xref_stream: false,
        },
        Blank {
            name: "dynamic XFA, object streams",
            bytes: made(&dynamic, Variant::ObjectStreams),
            acroform: false,
            encrypted: false,
            xref_stream: true,
        },
        Blank {
            name: "AcroForm, AES-128",
            bytes: made(&acroform, Variant::Aes128),
            acroform: true,
            encrypted: true,
            xref_stream: false,
        },
    ]);
    blanks
}

/// A later IMM 5257 edition: `Sex` gone from the personal details, an
/// `Email` field of 60 characters added there.
pub fn imm5257_next_edition() -> Vec<u8> {
    fn change(nodes: &mut [fixtures::FixtureNode]) {
        for node in nodes.iter_mut() {
            if let fixtures::FixtureNode::Subform { name, children, .. } = node {
                if name == "PersonalDetails" {
                    children.retain(|c| !matches!(c, fixtures::FixtureNode::Field { name, .. } if name == "Sex"));
                    children.push(fixtures::text_max("Email", 60));
                }
                change(children);
            }
        }
    }
    let mut spec = fixtures::imm5257();
    change(&mut spec.children);
    spec.build()
}

/// Whether qpdf runs here; a missing one fails when it is required.
pub fn qpdf_available() -> bool {
    let found = std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("IMMCASE_TEST_QPDF").as_deref() != Ok("required"),
        "IMMCASE_TEST_QPDF=required but qpdf is not installed (apt-get install qpdf)"
    );
    found
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The map the AcroForm variants are filled with.
pub const ACROFORM_MAP: &str = "\
applicant.familyName <- applicant.family_name | upper
applicant.givenName <- applicant.given_name
passportNumber <- applicant.passport_number
sex <- ask \"Sex\" | codes
";

/// The values an AcroForm blank holds after [`ACROFORM_MAP`].
pub fn check_acroform_values(output: &[u8]) {
    let values = immcase_pdf_forms::read_values(output).expect("the filled AcroForm reads");
    let value = |path: &str| {
        values
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        value("applicant.familyName").as_deref(),
        Some("DÍAZ"),
        "{values:?}"
    );
    assert_eq!(
        value("applicant.givenName").as_deref(),
        Some("Ana"),
        "{values:?}"
    );
    assert_eq!(
        value("passportNumber").as_deref(),
        Some("P1234567"),
        "{values:?}"
    );
    assert_eq!(value("sex").as_deref(), Some("F"), "{values:?}");
}

/// Everything a filled PDF must be, whatever its blank.
pub fn check_filled(blank: &Blank, output: &[u8]) {
    let name = blank.name;
    assert!(output.len() > blank.bytes.len(), "{name}: nothing appended");
    assert!(
        output.starts_with(&blank.bytes),
        "{name}: the blank is not a prefix of the output"
    );
    let update = &output[blank.bytes.len()..];
    let text = String::from_utf8_lossy(update);

    // One object added (and, for cross-reference streams, the new stream).
    let objects = objects_in(update);
    if !blank.acroform {
        let wanted = if blank.xref_stream { 2 } else { 1 };
        assert_eq!(objects, wanted, "{name}: objects in the update:\n{text}");
    }
    let previous = last_startxref(&blank.bytes);
    assert!(
        text.contains(&format!("/Prev {previous}")),
        "{name}: no /Prev {previous} in\n{text}"
    );
    assert_eq!(ids(update), ids(&blank.bytes), "{name}: /ID changed");
    assert_eq!(
        text.contains("/Encrypt"),
        blank.encrypted,
        "{name}: /Encrypt in the update"
    );

    if qpdf_available() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("filled.pdf");
        std::fs::write(&path, output).expect("write the output");
        let checked = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .expect("run qpdf");
        assert!(
            checked.status.success(),
            "{name}: qpdf --check failed:\n{}{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
    if !blank.acroform {
        let before = immcase_pdf_forms::packet_bytes(&blank.bytes).expect("the blank's packets");
        let after = immcase_pdf_forms::packet_bytes(output).expect("the output's packets");
        assert_eq!(before.len(), after.len(), "{name}: packets");
        for ((packet, old), (same, new)) in before.iter().zip(&after) {
            assert_eq!(packet, same, "{name}: packet order");
            if packet != "datasets" {
                assert!(old == new, "{name}: the {packet} packet changed");
            } else {
                assert!(old != new, "{name}: the data did not change");
            }
        }
    }
}

/// How many `N G obj` headers `bytes` holds.
fn objects_in(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    words
        .windows(3)
        .filter(|w| {
            w[2].starts_with("obj") && w[0].parse::<u32>().is_ok() && w[1].parse::<u16>().is_ok()
        })
        .count()
}

/// The offset the file's last `startxref` names.
fn last_startxref(bytes: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(bytes);
    let at = text.rfind("startxref").expect("a startxref");
    text[at + "startxref".len()..]
        .split_ascii_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("its offset")
}

/// The bytes of the last `/ID [<…> <…>]` in `bytes`, as hex pairs.
fn ids(bytes: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let at = text.rfind("/ID").expect("an /ID");
    let rest = &text[at + 3..];
    let end = rest.find(']').expect("the end of /ID");
    rest[..end]
        .split('<')
        .skip(1)
        .map(|part| {
            let hex: String = part
                .split('>')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .collect();
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect()
        })
        .collect()
}

/// The text of a PDF as `pdftotext` reads it; `None` without pdftotext,
/// unless `IMMCASE_TEST_PDFTOTEXT=required` (as in CI), where that fails.
pub fn text_of(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            assert!(
                std::env::var("IMMCASE_TEST_PDFTOTEXT").as_deref() != Ok("required"),
                "IMMCASE_TEST_PDFTOTEXT=required but pdftotext is not installed (apt-get install poppler-utils)"
            );
            eprintln!("pdftotext is not installed: the letter's text is not read back");
            None
        }
    }
}

/// A 1×1 PNG, a logo a letter can draw.
pub const DOT_PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\x64\x60\xf8\x5f\x0f\x00\x02\x87\x01\x80\xeb\x47\xba\x92\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
