//! IMM forms (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench imm_forms [-- --fills 200]
//! ```
//!
//! It prints, measured in the same run, for the 5-page dynamic XFA fixture
//! of IMM 5257 encrypted with AES-256 (as qpdf makes it; the plain fixture
//! without qpdf), every mapped field filled including three children:
//!
//! - **in the component**: `--fills` fills through the module's
//!   `POST /editions/{id}/try` on a server on SQLite, one after another
//!   (a fresh instance per call, the blank read from the file store, the
//!   PDF work in WebAssembly, the PDF sent back): fills/s and the mean;
//! - **natively**: the same fill with `immcase_pdf_forms::fill` in this
//!   process: the mean;
//! - the ratio component ÷ native.
//!
//! Then, for the "Retainer agreement" starter (two pages) with the sample
//! values and the practice's letterhead: `--letters` renders through the
//! module's `GET /templates/{key}/preview` (Typst in WebAssembly, the PDF
//! sent back) and natively with `immcase_doc_templates::render`, and their
//! ratio.
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use immcase_pdf_forms::fixtures::{self, Variant};
use immcase_pdf_forms::{FieldValue, fill};
use immcase_tests::{Backend, TestServer};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn wanted(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|n| n.replace(['_', ','], "").parse().expect("a number"))
        .unwrap_or(default)
}

fn values() -> Vec<FieldValue> {
    let mut values: Vec<FieldValue> = [
        ("form1.Page1.UCI", "1234567890"),
        ("form1.Page1.PersonalDetails.Name.FamilyName", "DÍAZ"),
        ("form1.Page1.PersonalDetails.Name.GivenName", "ANA"),
        ("form1.Page1.PersonalDetails.Sex", "Female"),
        ("form1.Page1.PersonalDetails.DOB.DOBYear", "1990"),
        ("form1.Page1.PersonalDetails.DOB.DOBMonth", "04"),
        ("form1.Page1.PersonalDetails.DOB.DOBDay", "07"),
        ("form1.Page1.PersonalDetails.CountryOfBirth", "205"),
        ("form1.Page1.PersonalDetails.Citizenship", "205"),
        ("form1.Page1.Passport.PassportNum", "P1234567"),
        ("form1.Page1.Passport.ExpiryDate", "2031-01-01"),
        ("form1.Page1.Email", "ana@example.com"),
        ("form1.Page2.Details.PurposeOfVisit", "Family visit"),
    ]
    .iter()
    .map(|(p, v)| FieldValue::new(*p, *v))
    .collect();
    for (row, name) in ["LUIS", "EVA", "NOA"].iter().enumerate() {
        values.push(FieldValue::new(
            format!("form1.Page2.Family.Child[{row}].GivenName"),
            *name,
        ));
        values.push(FieldValue::new(
            format!("form1.Page2.Family.Child[{row}].FamilyName"),
            "DÍAZ",
        ));
        values.push(FieldValue::new(
            format!("form1.Page2.Family.Child[{row}].DOB"),
            "2012-03-12",
        ));
    }
    values
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let fills = wanted("--fills", 200);
    let plain = fixtures::imm5257().build();
    let (blank, what) = match fixtures::encrypt_with_qpdf(&plain, Variant::Aes256) {
        Ok(bytes) => (bytes, "AES-256"),
        Err(_) => (plain, "plain (no qpdf here)"),
    };
    let values = values();
    println!(
        "IMM 5257 fixture: 5 pages, dynamic XFA, {what}, {} bytes; {} values",
        blank.len(),
        values.len()
    );

    let server = TestServer::start(Backend::Sqlite).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let api = "/api/v1/m/imm-forms";
    let up = admin
        .post_bytes(&format!("{api}/editions"), "application/pdf", blank.clone())
        .await
        .expect_status(201);
    let id = up.body["id"].as_str().unwrap().to_string();
    let body = json!({ "values": values.iter().map(|v| json!({ "path": v.path, "value": v.value })).collect::<Vec<_>>() });
    let trial = format!("{api}/editions/{id}/try");
    // The first call compiles nothing (the component is compiled at start)
    // but warms the file store and the instance pool.
    let first = admin.post(&trial, body.clone()).await.expect_status(200);
    assert_eq!(
        first.header("x-written").as_deref(),
        Some(values.len().to_string().as_str())
    );
    let started = Instant::now();
    for _ in 0..fills {
        admin.post(&trial, body.clone()).await.expect_status(200);
    }
    let component = started.elapsed().as_secs_f64() / fills as f64;

    let native_fills = fills * 5;
    let started = Instant::now();
    for _ in 0..native_fills {
        let filled = fill(&blank, &values).unwrap();
        assert_eq!(filled.written.len(), values.len());
    }
    let native = started.elapsed().as_secs_f64() / native_fills as f64;
    println!(
        "in the component: {fills} fills, {:.1} fills/s, {:.2} ms each (through the API: call, file store, PDF back)",
        1.0 / component,
        component * 1000.0
    );
    println!(
        "natively: {native_fills} fills, {:.2} ms each",
        native * 1000.0
    );
    println!("ratio component ÷ native: {:.2}", component / native);

    let letters = wanted("--letters", 50);
    let made = admin
        .post(
            &format!("{api}/templates"),
            json!({ "title": "Retainer", "starter": "retainer_agreement" }),
        )
        .await
        .expect_status(201);
    let key = made.body["key"].as_str().unwrap().to_string();
    let source = made.body["source"].as_str().unwrap().to_string();
    let preview = format!("{api}/templates/{key}/preview");
    let (status, _, first) = admin.download(&preview).await;
    assert_eq!(status, 200);
    let started = Instant::now();
    for _ in 0..letters {
        let (status, _, _) = admin.download(&preview).await;
        assert_eq!(status, 200);
    }
    let in_module = started.elapsed().as_secs_f64() / letters as f64;
    let vocabulary = immcase_doc_templates::Vocabulary::standard();
    let values = vocabulary
        .names()
        .filter_map(|n| vocabulary.sample(n).map(|v| (n.to_string(), v.to_string())))
        .collect();
    let letterhead = immcase_doc_templates::Letterhead {
        name: "Default practice".into(),
        ..immcase_doc_templates::Letterhead::default()
    };
    let rendered = immcase_doc_templates::render(&source, &values, &letterhead).unwrap();
    let started = Instant::now();
    for _ in 0..letters {
        immcase_doc_templates::render(&source, &values, &letterhead).unwrap();
    }
    let natively = started.elapsed().as_secs_f64() / letters as f64;
    println!(
        "letter: {} pages ({} bytes through the module, {} natively)",
        rendered.pages,
        first.len(),
        rendered.pdf.len()
    );
    println!(
        "in the component: {letters} letters, {:.1} ms each (through the API, PDF back)",
        in_module * 1000.0
    );
    println!(
        "natively: {letters} letters, {:.1} ms each",
        natively * 1000.0
    );
    println!("ratio component ÷ native: {:.2}", in_module / natively);
    server.stop().await;
}
