//! Errors say in plain words what is wrong.
#![allow(clippy::unwrap_used)] // a failure should panic here

mod common;

use immcase_pdf_forms::fixtures::{self, PdfWriter};
use immcase_pdf_forms::{PdfError, fill, inspect, packet_bytes, read_values};

#[test]
fn not_a_pdf() {
    let err = inspect(b"hello, this is text").unwrap_err();
    assert_eq!(err, PdfError::NotPdf);
    assert_eq!(err.to_string(), "not a PDF (no %PDF- header)");
}

#[test]
fn a_pdf_without_a_form() {
    let mut w = PdfWriter::new();
    let catalog = w.reserve();
    let pages = w.reserve();
    let font = w.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    let info = w.add(b"<< /Title (Letter) >>".to_vec());
    let kids = w.add_pages(pages, font, 1, "LETTER", "No form", "");
    w.set(
        pages,
        format!("<< /Type /Pages /Kids [{kids}] /Count 1 >>").into_bytes(),
    );
    w.set(
        catalog,
        format!("<< /Type /Catalog /Pages {pages} 0 R >>").into_bytes(),
    );
    let pdf = w.finish(catalog, info);
    assert_eq!(inspect(&pdf).unwrap_err(), PdfError::NoForm);
    assert_eq!(
        fill(&pdf, &[]).unwrap_err().to_string(),
        "no form in this PDF"
    );
    assert_eq!(read_values(&pdf).unwrap_err(), PdfError::NoForm);
    assert_eq!(packet_bytes(&pdf).unwrap_err(), PdfError::NoForm);
}

#[test]
fn a_user_password_is_refused() {
    if !common::have_qpdf() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("immcase-pdf-password-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output) = (dir.join("in.pdf"), dir.join("out.pdf"));
    std::fs::write(&input, fixtures::imm5476().build()).unwrap();
    for args in [&["128", "--use-aes=y", "--"][..], &["256", "--"][..]] {
        let status = std::process::Command::new("qpdf")
            .args(["--encrypt", "secret", "owner"])
            .args(args)
            .arg(&input)
            .arg(&output)
            .status()
            .unwrap();
        assert!(status.success());
        let pdf = std::fs::read(&output).unwrap();
        let err = inspect(&pdf).unwrap_err();
        assert_eq!(err, PdfError::PasswordRequired, "{args:?}");
        assert_eq!(
            err.to_string(),
            "the file is encrypted with a password needed to open it"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_xref_says_where() {
    let pdf = fixtures::imm5476().build();
    let at = pdf.windows(6).position(|w| w == b"\nxref\n").unwrap();
    let entry = at
        + pdf[at..]
            .windows(10)
            .position(|w| w == b"0000000000")
            .unwrap();
    let mut broken = pdf.clone();
    broken[entry..entry + 10].copy_from_slice(b"zzzzzzzzzz");
    match inspect(&broken) {
        Err(PdfError::DamagedXref(n)) => assert!(n > at, "{n}"),
        other => panic!("expected a damaged xref error, got {other:?}"),
    }
    assert!(
        PdfError::DamagedXref(42)
            .to_string()
            .contains("damaged cross-reference table at byte 42")
    );
}

#[test]
fn no_startxref() {
    let err = inspect(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n").unwrap_err();
    assert_eq!(err, PdfError::NoStartXref);
}
