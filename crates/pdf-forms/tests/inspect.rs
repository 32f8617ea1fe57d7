//! What `inspect` reports of the synthetic IRCC-like forms.
#![allow(clippy::unwrap_used)] // a failure should panic here

mod common;

use common::variant;
use immcase_pdf_forms::fixtures::{self, Variant};
use immcase_pdf_forms::{CodeItem, FieldInfo, FieldKind, Technology, inspect};

fn field<'a>(fields: &'a [FieldInfo], path: &str) -> &'a FieldInfo {
    fields
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

#[test]
fn imm5257_fields() {
    let info = inspect(&fixtures::imm5257().build()).unwrap();
    assert_eq!(info.technology, Technology::DynamicXfa);
    assert!(!info.encrypted);
    assert_eq!(info.pages, 5);
    assert_eq!(
        info.packets,
        [
            "preamble",
            "config",
            "template",
            "localeSet",
            "datasets",
            "xmpmeta",
            "postamble"
        ]
    );
    let f = &info.fields;
    let name = field(f, "form1.Page1.PersonalDetails.Name.FamilyName");
    assert_eq!(
        (name.kind, name.max_chars, name.required, name.repeat_max),
        (FieldKind::Text, Some(60), true, None)
    );
    assert_eq!(
        field(f, "form1.Page1.Passport.PassportNum").max_chars,
        Some(12)
    );
    let sex = field(f, "form1.Page1.PersonalDetails.Sex");
    assert_eq!(sex.kind, FieldKind::Choice);
    assert_eq!(sex.code_list.len(), 4);
    // As on IRCC's forms, the list comes from the datasets' LOVFile.
    assert_eq!(
        sex.code_list[3],
        CodeItem {
            code: "Unspecified".into(),
            label: "X Another gender".into()
        }
    );
    let country = field(f, "form1.Page1.PersonalDetails.CountryOfBirth");
    assert!(country.code_list.contains(&CodeItem {
        code: "205".into(),
        label: "India".into()
    }));
    assert!(country.code_list.contains(&CodeItem {
        code: "079".into(),
        label: "Mexico".into()
    }));
    assert_eq!(
        field(f, "form1.Page1.PersonalDetails.DOB.DOBYear").max_chars,
        Some(4)
    );
    let applied = field(f, "form1.Page1.PreviouslyApplied");
    assert_eq!(applied.kind, FieldKind::Check);
    assert_eq!(
        applied
            .code_list
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["Y", "N"]
    );
    let child = field(f, "form1.Page2.Family.Child[*].GivenName");
    assert_eq!(child.repeat_max, Some(6));
    assert_eq!(
        field(f, "form1.Page2.Family.Child[*].DOB").kind,
        FieldKind::Date
    );
    assert_eq!(
        field(f, "form1.Page2.Details.Funds").kind,
        FieldKind::Numeric
    );
    // Unnamed subforms are transparent; dataRef binds elsewhere; bind none is not data.
    field(f, "form1.Page1.Email");
    field(f, "form1.Page1.Language.Contact");
    field(f, "form1.Signature.Name");
    assert!(
        !f.iter()
            .any(|x| x.path.contains("Validate") || x.path.contains("FormNumber"))
    );
}

#[test]
fn imm5645_and_imm5476_fields() {
    let info = inspect(&fixtures::imm5645().build()).unwrap();
    assert_eq!(info.technology, Technology::StaticXfa);
    assert_eq!(
        field(&info.fields, "form1.SectionB.Child[*].FamilyName").repeat_max,
        Some(8)
    );
    assert_eq!(
        field(&info.fields, "form1.SectionC.Sibling[*].Address").repeat_max,
        Some(10)
    );
    field(&info.fields, "form1.SectionA.Spouse.DOB.DOBDay");
    let info = inspect(&fixtures::imm5476().build()).unwrap();
    assert_eq!(info.pages, 3);
    assert_eq!(
        field(&info.fields, "form1.Section2.Representative.MembershipID").max_chars,
        Some(20)
    );
    assert_eq!(
        field(&info.fields, "form1.Section2.Paid").kind,
        FieldKind::Check
    );
}

#[test]
fn encrypted_variants_report_the_same_fields() {
    let plain = fixtures::imm5257().build();
    let expected = inspect(&plain).unwrap();
    for v in [
        Variant::Rc4,
        Variant::Aes128,
        Variant::Aes256,
        Variant::Aes256ObjectStreams,
    ] {
        let Some(pdf) = variant(&plain, v) else {
            return;
        };
        let info = inspect(&pdf).unwrap();
        assert!(info.encrypted, "{v:?}");
        assert_eq!(info.fields, expected.fields, "{v:?}");
        assert_eq!(info.pages, 5, "{v:?}");
    }
}

#[test]
fn a_configurable_page_count() {
    let mut spec = fixtures::imm5476();
    spec.pages = 12;
    assert_eq!(inspect(&spec.build()).unwrap().pages, 12);
}
