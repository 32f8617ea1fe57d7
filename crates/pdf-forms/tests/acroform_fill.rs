//! Filling a plain AcroForm form (no XFA): `/V`, check box states,
//! `/NeedAppearances`, in plain, encrypted and object-stream variants.
#![allow(clippy::unwrap_used)] // a failure should panic here

mod common;

use common::{added_objects, qpdf_check, variant};
use immcase_pdf_forms::fixtures::{self, Variant};
use immcase_pdf_forms::{
    FieldKind, FieldValue, Refusal, Technology, fill, inspect, last_revision, read_values,
};

fn value_at<'a>(read: &'a [(String, String)], path: &str) -> Option<&'a str> {
    read.iter()
        .find(|(p, _)| p == path)
        .map(|(_, v)| v.as_str())
}

#[test]
fn inspect_lists_fields_by_full_name() {
    let info = inspect(&fixtures::acroform_sample()).unwrap();
    assert_eq!(info.technology, Technology::AcroForm);
    assert!(info.packets.is_empty());
    let paths: Vec<&str> = info.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "applicant.familyName",
            "applicant.givenName",
            "passportNumber",
            "sex",
            "previouslyApplied",
            "travelPurpose"
        ]
    );
    let passport = &info.fields[2];
    assert_eq!(passport.max_chars, Some(12));
    assert!(passport.required);
    assert_eq!(info.fields[3].kind, FieldKind::Choice);
    assert_eq!(info.fields[3].code_list[3].code, "X");
    assert_eq!(info.fields[3].code_list[3].label, "Another gender");
    assert_eq!(info.fields[4].kind, FieldKind::Check);
    assert_eq!(info.fields[4].code_list[0].code, "Yes");
    let radio = &info.fields[5];
    assert_eq!(radio.kind, FieldKind::Choice);
    let states: Vec<&str> = radio.code_list.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(states, ["Tourism", "Business", "Family"]);
}

fn check(v: Variant) {
    let what = format!("AcroForm {v:?}");
    let Some(original) = variant(&fixtures::acroform_sample(), v) else {
        return;
    };
    let before = last_revision(&original).unwrap();
    let values = [
        FieldValue::new("applicant.familyName", "Côté & <Fils> \"Ltd\""),
        FieldValue::new("applicant.givenName", "Zoë"),
        FieldValue::new("passportNumber", "AB123456"),
        FieldValue::new("sex", "F"),
        FieldValue::new("previouslyApplied", "Yes"),
        FieldValue::new("travelPurpose", "Business"),
        FieldValue::new("no.such.field", "x"),
        FieldValue::new("passportNumber", "bad\u{1}"),
    ];
    let filled = fill(&original, &values).unwrap();
    assert_eq!(
        filled.refused,
        vec![
            ("no.such.field".to_string(), Refusal::UnknownPath),
            ("passportNumber".to_string(), Refusal::InvalidCharacters)
        ],
        "{what}"
    );
    assert_eq!(filled.written.len(), 6, "{what}");
    let added = added_objects(&original, &filled.pdf);
    // Six fields, three radio widgets and the AcroForm dictionary (plus an
    // xref stream).
    let extra = usize::from(before.xref_kind == immcase_pdf_forms::XrefKind::Stream);
    assert_eq!(added.len(), 10 + extra, "{what}: {added:?}");
    let after = last_revision(&filled.pdf).unwrap();
    assert_eq!(after.prev, Some(before.startxref), "{what}");
    assert_eq!(after.id, before.id, "{what}");
    assert_eq!(after.encrypt, before.encrypt, "{what}");
    qpdf_check(&filled.pdf, &what);
    let read = read_values(&filled.pdf).unwrap();
    for fv in &values[..6] {
        assert_eq!(
            value_at(&read, &fv.path),
            Some(fv.value.as_str()),
            "{what}: {}",
            fv.path
        );
    }
    if matches!(v, Variant::Plain) {
        let tail = String::from_utf8_lossy(&filled.pdf[original.len()..]).into_owned();
        assert!(tail.contains("/NeedAppearances true"), "{tail}");
        assert!(tail.contains("/AS /Yes"), "{tail}");
        assert_eq!(tail.matches("/AS /Business").count(), 1, "{tail}");
        assert_eq!(tail.matches("/AS /Off").count(), 2, "{tail}");
    }

    // Unchecking and filling again.
    let again = fill(&filled.pdf, &[FieldValue::new("previouslyApplied", "Off")]).unwrap();
    assert_eq!(
        last_revision(&again.pdf).unwrap().prev,
        Some(after.startxref)
    );
    qpdf_check(&again.pdf, &format!("{what} again"));
    let read = read_values(&again.pdf).unwrap();
    assert_eq!(value_at(&read, "previouslyApplied"), Some("Off"));
    assert_eq!(value_at(&read, "applicant.givenName"), Some("Zoë"));
}

#[test]
fn plain() {
    check(Variant::Plain);
}

#[test]
fn rc4() {
    check(Variant::Rc4);
}

#[test]
fn aes_128() {
    check(Variant::Aes128);
}

#[test]
fn aes_256() {
    check(Variant::Aes256);
}

#[test]
fn object_streams() {
    check(Variant::ObjectStreams);
    check(Variant::Aes256ObjectStreams);
}

#[test]
fn an_inline_acroform_dictionary_is_written_with_the_catalog() {
    let original = fixtures::acroform_sample_inline();
    let filled = fill(&original, &[FieldValue::new("sex", "M")]).unwrap();
    let added = added_objects(&original, &filled.pdf);
    // The field and the catalog (object 1).
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(added.contains(&(1, 0)));
    let tail = String::from_utf8_lossy(&filled.pdf[original.len()..]).into_owned();
    assert!(tail.contains("/NeedAppearances true"), "{tail}");
    qpdf_check(&filled.pdf, "inline AcroForm");
    assert_eq!(
        value_at(&read_values(&filled.pdf).unwrap(), "sex"),
        Some("M")
    );
}

#[test]
fn an_ircc_field_set_as_acroform() {
    let spec = fixtures::imm5257();
    let Some(original) = variant(&spec.build_acroform(), Variant::Aes128) else {
        return;
    };
    let info = inspect(&original).unwrap();
    assert_eq!(info.technology, Technology::AcroForm);
    assert_eq!(info.pages, 5);
    let name = info
        .fields
        .iter()
        .find(|f| f.path == "form1.Page1.PersonalDetails.Name.FamilyName")
        .unwrap();
    assert_eq!((name.max_chars, name.required), (Some(60), true));
    let sex = info
        .fields
        .iter()
        .find(|f| f.path == "form1.Page1.PersonalDetails.Sex")
        .unwrap();
    assert_eq!(sex.kind, FieldKind::Choice);
    assert_eq!(sex.code_list[0].code, "Female");
    assert!(!info.fields.iter().any(|f| f.path.contains("Validate")));
    let values = [
        FieldValue::new("form1.Page1.PersonalDetails.Name.FamilyName", "Tremblay"),
        FieldValue::new("form1.Page1.PersonalDetails.Sex", "Female"),
        FieldValue::new("form1.Page1.PreviouslyApplied", "Y"),
        FieldValue::new("form1.Page2.Family.Child.GivenName", "Ava"),
    ];
    let filled = fill(&original, &values).unwrap();
    assert!(filled.refused.is_empty(), "{:?}", filled.refused);
    qpdf_check(&filled.pdf, "IMM 5257 as AcroForm");
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
