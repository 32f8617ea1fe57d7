//! Filling synthetic IRCC-like XFA forms in every variant IRCC's files come
//! in: plain, RC4, AES-128, AES-256, object streams; dynamic and static.
#![allow(clippy::unwrap_used)] // a failure should panic here

mod common;

use common::{VARIANTS, added_objects, qpdf_check, variant};
use immcase_pdf_forms::fixtures::{self, Variant};
use immcase_pdf_forms::{
    FieldValue, Refusal, Technology, XrefKind, fill, inspect, last_revision, packet_bytes,
    read_values,
};

const NAME: &str = "form1.Page1.PersonalDetails.Name.FamilyName";

fn values() -> Vec<FieldValue> {
    [
        (NAME, "O'Brien & <Sons> \"Ltd\""),
        ("form1.Page1.PersonalDetails.Name.GivenName", "Zoë Ana"),
        ("form1.Page1.PersonalDetails.Sex", "Female"),
        ("form1.Page1.PersonalDetails.CountryOfBirth", "205"),
        ("form1.Page1.PersonalDetails.DOB.DOBYear", "1990"),
        ("form1.Page1.PersonalDetails.DOB.DOBMonth", "07"),
        ("form1.Page1.PersonalDetails.DOB.DOBDay", "14"),
        ("form1.Page1.Passport.PassportNum", "P1234567"),
        ("form1.Page1.PreviouslyApplied", "Y"),
        ("form1.Page1.Email", "zoe@example.org"),
        ("form1.Page1.Language.Contact", "English"),
        ("form1.Signature.Name", "Zoë Ana O'Brien"),
        ("form1.Page2.Family.Child[0].GivenName", "Ava"),
        ("form1.Page2.Family.Child[1].GivenName", "Ben"),
        ("form1.Page2.Family.Child[1].FamilyName", "O'Brien"),
        ("form1.Page2.Family.Child[2].GivenName", "Cleo"),
        ("form1.Page2.Family.Child[2].DOB", "2019-03-01"),
        ("form1.Page2.Details.Funds", "12000"),
    ]
    .into_iter()
    .map(|(p, v)| FieldValue::new(p, v))
    .collect()
}

fn value_at<'a>(read: &'a [(String, String)], path: &str) -> Option<&'a str> {
    read.iter()
        .find(|(p, _)| p == path)
        .map(|(_, v)| v.as_str())
}

fn check_variant(v: Variant, dynamic: bool) {
    let what = format!("{v:?} dynamic={dynamic}");
    let mut spec = fixtures::imm5257();
    spec.dynamic = dynamic;
    let Some(original) = variant(&spec.build(), v) else {
        return;
    };
    let before = last_revision(&original).unwrap();
    let packets_before = packet_bytes(&original).unwrap();

    let info = inspect(&original).unwrap();
    let expected_tech = if dynamic {
        Technology::DynamicXfa
    } else {
        Technology::StaticXfa
    };
    assert_eq!(info.technology, expected_tech, "{what}");
    assert_eq!(
        info.encrypted,
        !matches!(v, Variant::Plain | Variant::ObjectStreams),
        "{what}"
    );

    let values = values();
    let filled = fill(&original, &values).unwrap();
    assert!(filled.refused.is_empty(), "{what}: {:?}", filled.refused);
    assert_eq!(filled.written.len(), values.len(), "{what}");

    // Original bytes kept; one object (plus the xref stream object) added.
    let added = added_objects(&original, &filled.pdf);
    let after = last_revision(&filled.pdf).unwrap();
    assert_eq!(after.xref_kind, before.xref_kind, "{what}");
    match before.xref_kind {
        XrefKind::Table => assert_eq!(added.len(), 1, "{what}: {added:?}"),
        XrefKind::Stream => {
            assert_eq!(added.len(), 2, "{what}: {added:?}");
            assert_eq!(
                added[1],
                (before.size, 0),
                "{what}: the xref stream is numbered /Size"
            );
            assert_eq!(after.size, before.size + 1, "{what}");
        }
    }
    assert!(
        added[0].0 < before.size,
        "{what}: the datasets object keeps its number"
    );
    assert_eq!(after.prev, Some(before.startxref), "{what}");
    assert_eq!(after.id, before.id, "{what}");
    assert_eq!(after.encrypt, before.encrypt, "{what}");
    assert!(filled.pdf.ends_with(b"%%EOF\n"));
    qpdf_check(&filled.pdf, &what);

    // Every value reads back; other packets are byte-identical.
    let read = read_values(&filled.pdf).unwrap();
    for fv in &values {
        assert_eq!(
            value_at(&read, &fv.path),
            Some(fv.value.as_str()),
            "{what}: {}",
            fv.path
        );
    }
    assert_eq!(
        value_at(&read, "form1.Page2.Family.Child[1].DOB"),
        Some(""),
        "{what}: cloned rows are empty"
    );
    let packets_after = packet_bytes(&filled.pdf).unwrap();
    assert_eq!(packets_after.len(), packets_before.len());
    for ((name_b, bytes_b), (name_a, bytes_a)) in packets_before.iter().zip(&packets_after) {
        assert_eq!(name_b, name_a);
        if name_b != "datasets" {
            assert_eq!(bytes_b, bytes_a, "{what}: packet {name_b} changed");
        }
    }
    let datasets = String::from_utf8(
        packets_after
            .iter()
            .find(|(n, _)| n == "datasets")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert!(
        datasets.contains("O&apos;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;"),
        "{what}: {datasets}"
    );
    assert_eq!(datasets.matches("<Child>").count(), 3, "{what}");
    // IRCC's lists of values, beside the data, are kept byte for byte.
    let old = String::from_utf8_lossy(
        &packets_before
            .iter()
            .find(|(n, _)| n == "datasets")
            .unwrap()
            .1,
    )
    .into_owned();
    let lov = |s: &str| s[s.find("<LOVFile>").unwrap()..s.find("</LOVFile>").unwrap()].to_string();
    assert_eq!(lov(&datasets), lov(&old), "{what}");

    // Filling the filled file again chains another revision.
    let again = fill(
        &filled.pdf,
        &[
            FieldValue::new(NAME, "Second"),
            FieldValue::new("form1.Page2.Family.Child[3].GivenName", "Dan"),
        ],
    )
    .unwrap();
    assert!(again.refused.is_empty(), "{what}: {:?}", again.refused);
    let third = last_revision(&again.pdf).unwrap();
    assert_eq!(third.prev, Some(after.startxref), "{what}");
    assert_eq!(third.id, before.id, "{what}");
    assert_eq!(
        added_objects(&filled.pdf, &again.pdf)[0],
        added[0],
        "{what}: the same object number again"
    );
    qpdf_check(&again.pdf, &format!("{what} again"));
    let read = read_values(&again.pdf).unwrap();
    assert_eq!(value_at(&read, NAME), Some("Second"));
    assert_eq!(
        value_at(&read, "form1.Page2.Family.Child[2].GivenName"),
        Some("Cleo")
    );
    assert_eq!(
        value_at(&read, "form1.Page2.Family.Child[3].GivenName"),
        Some("Dan")
    );
}

#[test]
fn plain_dynamic_and_static() {
    check_variant(Variant::Plain, true);
    check_variant(Variant::Plain, false);
}

#[test]
fn rc4_128() {
    check_variant(Variant::Rc4, true);
    check_variant(Variant::Rc4, false);
}

#[test]
fn aes_128() {
    check_variant(Variant::Aes128, true);
    check_variant(Variant::Aes128, false);
}

#[test]
fn aes_256() {
    check_variant(Variant::Aes256, true);
    check_variant(Variant::Aes256, false);
}

#[test]
fn object_streams_and_xref_stream() {
    check_variant(Variant::ObjectStreams, true);
    check_variant(Variant::ObjectStreams, false);
}

#[test]
fn aes_256_with_object_streams() {
    check_variant(Variant::Aes256ObjectStreams, true);
    check_variant(Variant::Aes256ObjectStreams, false);
}

#[test]
fn linearized_aes_256() {
    check_variant(Variant::LinearizedAes256, true);
}

#[test]
fn aes_128_with_clear_metadata() {
    check_variant(Variant::Aes128ClearMetadata, false);
}

#[test]
fn decrypted_packets_match_the_plain_file() {
    let plain = fixtures::imm5645().build();
    let expected = packet_bytes(&plain).unwrap();
    for v in VARIANTS {
        let Some(pdf) = variant(&plain, v) else {
            return;
        };
        assert_eq!(packet_bytes(&pdf).unwrap(), expected, "{v:?}");
    }
}

#[test]
fn refusals_are_reported_and_the_rest_written() {
    let pdf = fixtures::imm5257().build();
    let filled = fill(
        &pdf,
        &[
            FieldValue::new("form1.Page1.NoSuchField", "x"),
            FieldValue::new("form1.Page3.Validate", "x"),
            FieldValue::new("form1.Page1.Passport[1].PassportNum", "x"),
            FieldValue::new(NAME, "bell\u{7}"),
            FieldValue::new("form1.Page2.Family.Child[6].GivenName", "Seventh"),
            FieldValue::new("form1.Page2.Family.Child[5].GivenName", "Sixth"),
        ],
    )
    .unwrap();
    assert_eq!(
        filled.refused,
        vec![
            ("form1.Page1.NoSuchField".to_string(), Refusal::UnknownPath),
            ("form1.Page3.Validate".to_string(), Refusal::UnknownPath),
            (
                "form1.Page1.Passport[1].PassportNum".to_string(),
                Refusal::UnknownPath
            ),
            (NAME.to_string(), Refusal::InvalidCharacters),
            (
                "form1.Page2.Family.Child[6].GivenName".to_string(),
                Refusal::TooManyRows { max: 6 }
            ),
        ]
    );
    assert_eq!(
        filled.written,
        vec!["form1.Page2.Family.Child[5].GivenName".to_string()]
    );
    let read = read_values(&filled.pdf).unwrap();
    assert_eq!(
        value_at(&read, "form1.Page2.Family.Child[5].GivenName"),
        Some("Sixth")
    );
    assert!(value_at(&read, "form1.Page2.Family.Child[6].GivenName").is_none());
}

#[test]
fn nothing_written_leaves_the_file_unchanged() {
    let pdf = fixtures::imm5476().build();
    let filled = fill(&pdf, &[FieldValue::new("form1.Nope", "x")]).unwrap();
    assert_eq!(filled.pdf, pdf);
    assert!(filled.written.is_empty());
}

#[test]
fn other_presets_fill() {
    for (spec, values) in [
        (
            fixtures::imm5645(),
            vec![
                ("form1.SectionA.Applicant.FamilyName", "Singh"),
                ("form1.SectionA.Spouse.GivenName", "Priya"),
                ("form1.SectionA.Mother.DOB.DOBYear", "1960"),
                ("form1.SectionB.Child[0].GivenName", "Arjun"),
                ("form1.SectionB.Child[1].CountryOfBirth", "511"),
                ("form1.SectionC.Sibling[2].Address", "12 Main St, Toronto"),
            ],
        ),
        (
            fixtures::imm5476(),
            vec![
                ("form1.Section1.Applicant.UCI", "1234567890"),
                ("form1.Section2.Paid", "1"),
                ("form1.Section2.Representative.MembershipID", "R712345"),
                (
                    "form1.Section2.Representative.Firm",
                    "Maple & Co. Immigration",
                ),
            ],
        ),
    ] {
        let pdf = spec.build();
        let values: Vec<FieldValue> = values
            .into_iter()
            .map(|(p, v)| FieldValue::new(p, v))
            .collect();
        let filled = fill(&pdf, &values).unwrap();
        assert!(
            filled.refused.is_empty(),
            "{}: {:?}",
            spec.code,
            filled.refused
        );
        qpdf_check(&filled.pdf, &spec.code);
        let read = read_values(&filled.pdf).unwrap();
        for fv in &values {
            assert_eq!(
                value_at(&read, &fv.path),
                Some(fv.value.as_str()),
                "{}",
                fv.path
            );
        }
    }
}

#[test]
fn a_file_without_final_newline_gets_one_before_the_update() {
    let mut pdf = fixtures::imm5476().build();
    while pdf.last() == Some(&b'\n') {
        pdf.pop();
    }
    let filled = fill(
        &pdf,
        &[FieldValue::new("form1.Section1.Applicant.UCI", "1")],
    )
    .unwrap();
    assert!(filled.pdf.starts_with(&pdf));
    assert_eq!(filled.pdf[pdf.len()], b'\n');
    qpdf_check(&filled.pdf, "no final newline");
}
