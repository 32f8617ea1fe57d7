//! The IMM forms module (`plugins/imm-forms`), compiled and served by the
//! real host, with synthetic blanks that mirror IRCC's structure (built by
//! `immcase-pdf-forms`'s fixtures, encrypted by qpdf): the catalog and its
//! naming, maps checked and versioned, filling that keeps every original
//! byte and adds one data object, the report of what was not filled, the
//! pages, and one practice never seeing another's.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_pdf_forms::fixtures;
use immcase_tests::pdf;
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

const API: &str = "/api/v1/m/imm-forms";

on_both_databases!(
    a_new_blank_waits_until_it_is_named,
    filling_keeps_every_byte_and_writes_only_the_data,
    maps_are_checked_versioned_and_suggested,
    the_pages_fill_a_form_for_a_case,
    one_practice_never_sees_anothers_forms,
);

/// Uploads a blank through the API: the answer and its status.
async fn upload(api: &Api, bytes: &[u8], name: &str) -> immcase_tests::Resp {
    api.post_bytes(
        &format!("{API}/editions?name={name}"),
        "application/pdf",
        bytes.to_vec(),
    )
    .await
}

/// Uploads, names and activates a blank; its edition's id.
async fn add_edition(api: &Api, bytes: &[u8], code: &str, label: &str) -> String {
    let up = upload(api, bytes, &format!("{code}.pdf"))
        .await
        .expect_status(201);
    let id = up.body["id"].as_str().unwrap().to_string();
    api.post(
        &format!("{API}/editions/{id}/name"),
        json!({ "form_code": code, "title": "Synthetic form", "language": "en", "label": label }),
    )
    .await
    .expect_status(200);
    api.post(&format!("{API}/editions/{id}/activate"), json!({}))
        .await
        .expect_status(200);
    id
}

/// Saves `text` as the edition's map, at its current version.
async fn save_map(api: &Api, edition: &str, text: &str) -> Value {
    let current = api
        .get(&format!("{API}/editions/{edition}/map"))
        .await
        .expect_status(200);
    api.put(
        &format!("{API}/editions/{edition}/map"),
        json!({ "text": text, "version": current.body["version"] }),
    )
    .await
    .expect_status(200)
    .body
}

/// An applicant with what IMM 5257 asks, a case, and three children.
async fn family_case(api: &Api, family_name: &str) -> (String, String) {
    let applicant = api
        .post(
            "/api/v1/applicants",
            json!({
                "given_name": "Ana", "family_name": family_name, "confirm_duplicates": true,
                "date_of_birth": "1990-04-07", "country_of_birth": "India",
                "passport_number": "P1234567",
            }),
        )
        .await
        .expect_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = api.open_case(&applicant, "visitor_visa").await;
    let children: Vec<Value> = ["Luis & \"Lu\"", "Eva <3", "Noa"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({ "relationship": "child", "given_name": name, "family_name": family_name,
                    "date_of_birth": format!("201{i}-0{}-1{i}", i + 1) })
        })
        .collect();
    api.put(
        &format!("{API}/family/{applicant}"),
        json!({ "members": children, "version": 0 }),
    )
    .await
    .expect_status(200);
    (applicant, case["id"].as_str().unwrap().to_string())
}

async fn a_new_blank_waits_until_it_is_named(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let bytes = fixtures::imm5257().build();

    let up = upload(&admin, &bytes, "imm5257e.pdf")
        .await
        .expect_status(201);
    let id = up.body["id"].as_str().unwrap().to_string();
    assert_eq!(up.body["status"], "unnamed");
    assert_eq!(up.body["technology"], "dynamic_xfa");
    assert_eq!(up.body["sha256"].as_str().unwrap(), pdf::sha256_hex(&bytes));

    // Not named: it cannot be activated, mapped or filled.
    let refused = admin
        .post(&format!("{API}/editions/{id}/activate"), json!({}))
        .await
        .expect_status(422);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not named"),
        "{}",
        refused.text
    );
    let (_, case) = family_case(&admin, "Okafor").await;
    let fill = admin
        .post(
            &format!("{API}/cases/{case}/fill"),
            json!({ "edition_id": id }),
        )
        .await
        .expect_status(422);
    assert!(fill.text.contains("not named"), "{}", fill.text);
    admin
        .get(&format!("{API}/editions/{id}/map"))
        .await
        .expect_status(404);

    // The same blank again is the same edition, not a second one.
    let again = upload(&admin, &bytes, "copy.pdf").await.expect_status(200);
    assert_eq!(again.body["id"], id.as_str());
    let listed = admin
        .get(&format!("{API}/editions"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // Naming checks each part.
    let wrong = admin
        .post(
            &format!("{API}/editions/{id}/name"),
            json!({ "form_code": "5257", "title": "", "language": "de", "label": "" }),
        )
        .await
        .expect_status(422);
    for field in ["form_code", "title", "language", "label"] {
        assert!(
            wrong.body["error"]["fields"][field].is_string(),
            "{field}: {}",
            wrong.text
        );
    }
    let named = admin
        .post(
            &format!("{API}/editions/{id}/name"),
            json!({ "form_code": "imm 5257", "title": "Application for Visitor Visa", "language": "en", "label": "(10-2023) E" }),
        )
        .await
        .expect_status(200);
    assert_eq!(named.body["name"], "IMM 5257 (10-2023) E");

    // Named, its map starts from the map shipped for IMM 5257.
    let map = admin
        .get(&format!("{API}/editions/{id}/map"))
        .await
        .expect_status(200);
    assert!(
        map.body["note"].as_str().unwrap().contains("shipped"),
        "{}",
        map.text
    );
    assert!(
        map.body["fields"].as_array().unwrap().len() >= 5,
        "{}",
        map.text
    );
    assert_eq!(map.body["problems"], json!([]), "{}", map.text);

    // Not active until an administrator says so.
    let forms = admin.get(&format!("{API}/forms")).await.expect_status(200);
    assert_eq!(forms.body["items"][0]["active_edition_id"], Value::Null);
    let by_code = admin
        .post(
            &format!("{API}/cases/{case}/fill"),
            json!({ "form_code": "IMM5257" }),
        )
        .await
        .expect_status(422);
    assert!(
        by_code.text.contains("no active edition"),
        "{}",
        by_code.text
    );
    admin
        .post(&format!("{API}/editions/{id}/activate"), json!({}))
        .await
        .expect_status(200);
    let filled = admin
        .post(
            &format!("{API}/cases/{case}/fill"),
            json!({ "form_code": "IMM 5257" }),
        )
        .await
        .expect_status(201);
    assert_eq!(filled.body["edition_name"], "IMM 5257 (10-2023) E");

    // A second edition with a field gone and one new starts from the
    // active edition's map, and says what changed.
    let next = pdf::imm5257_next_edition();
    let up = upload(&admin, &next, "imm5257-2026.pdf")
        .await
        .expect_status(201);
    let next_id = up.body["id"].as_str().unwrap().to_string();
    admin
        .post(
            &format!("{API}/editions/{next_id}/name"),
            json!({ "form_code": "IMM5257", "title": "Application for Visitor Visa", "language": "en", "label": "(01-2026) E" }),
        )
        .await
        .expect_status(200);
    let suggestion = admin
        .get(&format!("{API}/editions/{next_id}/map/suggestion"))
        .await
        .expect_status(200);
    assert!(
        suggestion.body["from"]
            .as_str()
            .unwrap()
            .contains("(10-2023) E"),
        "{}",
        suggestion.text
    );
    assert_eq!(
        suggestion.body["removed"],
        json!(["form1.Page1.PersonalDetails.Sex"]),
        "{}",
        suggestion.text
    );
    assert!(
        suggestion.body["new"]
            .as_array()
            .unwrap()
            .contains(&json!("form1.Page1.PersonalDetails.Email")),
        "{}",
        suggestion.text
    );
    server.stop().await;
}

/// The map used for every variant: every kind of source and change.
const MAP: &str = "\
form1.Page1.PersonalDetails.Name.FamilyName <- applicant.family_name | upper | required
form1.Page1.PersonalDetails.Name.GivenName <- applicant.given_name
form1.Page1.PersonalDetails.DOB.DOBYear <- applicant.date_of_birth | year
form1.Page1.PersonalDetails.DOB.DOBMonth <- applicant.date_of_birth | month
form1.Page1.PersonalDetails.DOB.DOBDay <- applicant.date_of_birth | day
form1.Page1.PersonalDetails.CountryOfBirth <- applicant.country_of_birth | codes
form1.Page1.PersonalDetails.Sex <- ask \"Sex\" | codes | required
form1.Page1.Passport.PassportNum <- applicant.passport_number
form1.Page1.PreviouslyApplied <- \"no\" | yes-no
form1.Page2.Family.Child[*].GivenName <- family.child.given_name
form1.Page2.Family.Child[*].DOB <- family.child.date_of_birth | date
";

async fn filling_keeps_every_byte_and_writes_only_the_data(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let (_, case) = family_case(&admin, "Díaz").await;
    let variants = pdf::variants();
    for (n, variant) in variants.iter().enumerate() {
        let edition = add_edition(
            &admin,
            &variant.bytes,
            &format!("IMM{}", 9000 + n),
            "(10-2023) E",
        )
        .await;
        let map = if variant.acroform {
            pdf::ACROFORM_MAP
        } else {
            MAP
        };
        save_map(&admin, &edition, map).await;
        let filled = admin
            .post(
                &format!("{API}/cases/{case}/fill"),
                json!({ "edition_id": edition, "answers": { "Sex": "Female" } }),
            )
            .await
            .expect_status(201);
        let download = filled.body["download"].as_str().unwrap();
        let (status, headers, output) = admin.download(download).await;
        assert_eq!(status, 200, "{}", variant.name);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{}",
            variant.name
        );
        pdf::check_filled(variant, &output);
        let report = &filled.body;
        if variant.acroform {
            pdf::check_acroform_values(&output);
            continue;
        }
        let values = immcase_pdf_forms::read_values(&output).unwrap();
        let value = |path: &str| {
            values
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            value("form1.Page1.PersonalDetails.Name.FamilyName"),
            Some("DÍAZ"),
            "{}",
            variant.name
        );
        assert_eq!(
            value("form1.Page1.PersonalDetails.DOB.DOBMonth"),
            Some("04")
        );
        assert_eq!(
            value("form1.Page1.PersonalDetails.CountryOfBirth"),
            Some("205")
        );
        assert_eq!(value("form1.Page1.PersonalDetails.Sex"), Some("Female"));
        assert_eq!(value("form1.Page1.PreviouslyApplied"), Some("N"));
        assert_eq!(
            value("form1.Page2.Family.Child[0].GivenName"),
            Some("Luis & \"Lu\"")
        );
        assert_eq!(
            value("form1.Page2.Family.Child[1].GivenName"),
            Some("Eva <3")
        );
        assert_eq!(value("form1.Page2.Family.Child[2].GivenName"), Some("Noa"));
        assert_eq!(value("form1.Page2.Family.Child[2].DOB"), Some("2012-03-12"));
        // The passport number fits; nothing of the map is left unfilled.
        assert_eq!(
            report["not_filled"],
            json!([]),
            "{}: {}",
            variant.name,
            filled.text
        );
        assert_eq!(
            report["written"].as_array().unwrap().len(),
            15,
            "{}",
            filled.text
        );
    }

    // What cannot be filled is reported with its reason.
    let mut another_printing = fixtures::imm5257();
    another_printing.title = "Another printing".into();
    let edition = add_edition(&admin, &another_printing.build(), "IMM8999", "(x) E").await;
    let map = format!("{MAP}form1.Page1.Passport.PassportNum <- \"ABCDEFGHIJKLMNOP\"\n").replace(
        "form1.Page1.Passport.PassportNum <- applicant.passport_number\n",
        "",
    );
    save_map(&admin, &edition, &map).await;
    let odd = admin.add_applicant("Nguyễn").await;
    let odd_case = admin.open_case(&odd, "visitor_visa").await;
    let filled = admin
        .post(
            &format!("{API}/cases/{}/fill", odd_case["id"].as_str().unwrap()),
            json!({ "edition_id": edition, "answers": { "Sex": "Robot" } }),
        )
        .await
        .expect_status(201);
    let reasons: Vec<(String, String)> = filled.body["not_filled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["reason"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let reason = |path: &str| {
        reasons
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, r)| r.as_str())
    };
    assert_eq!(
        reason("form1.Page1.PersonalDetails.Name.FamilyName"),
        Some("refused_characters"),
        "{reasons:?}"
    );
    assert_eq!(
        reason("form1.Page1.PersonalDetails.Sex"),
        Some("no_code_match"),
        "{reasons:?}"
    );
    assert_eq!(
        reason("form1.Page1.PersonalDetails.DOB.DOBYear"),
        Some("missing"),
        "{reasons:?}"
    );
    assert_eq!(
        reason("form1.Page1.Passport.PassportNum"),
        Some("too_long"),
        "{reasons:?}"
    );
    assert_eq!(
        reason("form1.Page2.Family.Child[0].GivenName"),
        Some("missing"),
        "{reasons:?}"
    );
    let required: Vec<&Value> = filled.body["not_filled"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["required"] == true)
        .collect();
    assert_eq!(required.len(), 2, "{}", filled.text);

    // Seven children: the form has rows for six.
    let (applicant, big_case) = family_case(&admin, "Mwangi").await;
    let family = admin
        .get(&format!("{API}/family/{applicant}"))
        .await
        .expect_status(200);
    let mut members = family.body["members"].as_array().unwrap().clone();
    for i in 0..4 {
        members.push(json!({ "relationship": "child", "given_name": format!("Kid {i}") }));
    }
    admin
        .put(
            &format!("{API}/family/{applicant}"),
            json!({ "members": members, "version": family.body["version"] }),
        )
        .await
        .expect_status(200);
    let filled = admin
        .post(
            &format!("{API}/cases/{big_case}/fill"),
            json!({ "edition_id": edition, "answers": { "Sex": "Male" } }),
        )
        .await
        .expect_status(201);
    let rows = filled.body["not_filled"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reason"]["kind"] == "too_many_rows")
        .count();
    assert_eq!(rows, 2, "{}", filled.text);
    server.stop().await;
}

async fn maps_are_checked_versioned_and_suggested(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let edition = add_edition(
        &admin,
        &fixtures::imm5476().build(),
        "IMM5476",
        "(06-2024) E",
    )
    .await;
    let map = admin
        .get(&format!("{API}/editions/{edition}/map"))
        .await
        .expect_status(200);
    assert_eq!(map.body["number"], 1);
    assert_eq!(map.body["problems"], json!([]), "{}", map.text);

    let wrong = admin
        .put(
            &format!("{API}/editions/{edition}/map"),
            json!({ "text": "form1.Nope <- applicant.family_name\n# fine\nform1.X <- applicant.favourite_colour\nform1.Y applicant.family_name", "version": map.body["version"] }),
        )
        .await
        .expect_status(422);
    let lines: Vec<u64> = wrong.body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4], "{}", wrong.text);
    let wrong = admin
        .put(
            &format!("{API}/editions/{edition}/map"),
            json!({ "text": "form1.Nope <- applicant.family_name", "version": map.body["version"] }),
        )
        .await
        .expect_status(422);
    assert!(
        wrong
            .text
            .contains("line 1: form1.Nope is not a field of this form"),
        "{}",
        wrong.text
    );

    let text = map.body["text"].as_str().unwrap().to_string() + "\n# checked by Ana\n";
    let saved = admin
        .put(
            &format!("{API}/editions/{edition}/map"),
            json!({ "text": text, "version": map.body["version"] }),
        )
        .await
        .expect_status(200);
    assert_eq!(saved.body["number"], 2);
    // A save on the version read before is refused, and says what is there.
    let stale = admin
        .put(
            &format!("{API}/editions/{edition}/map"),
            json!({ "text": "", "version": map.body["version"] }),
        )
        .await
        .expect_status(409);
    assert_eq!(
        stale.body["error"]["current"]["text"],
        text.as_str(),
        "{}",
        stale.text
    );
    let versions = admin
        .get(&format!("{API}/editions/{edition}/map/versions"))
        .await
        .expect_status(200);
    let numbers: Vec<u64> = versions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);

    // Someone without imm-forms.manage reads the map but cannot change it.
    let clerk = server
        .sign_in_with_role(&admin, json!({ "name": "Clerk", "permissions": ["module:imm-forms", "cases.read", "applicants.read"] }), "clerk@example.com")
        .await;
    clerk
        .get(&format!("{API}/editions/{edition}/map"))
        .await
        .expect_status(200);
    clerk
        .put(
            &format!("{API}/editions/{edition}/map"),
            json!({ "text": text, "version": saved.body["version"] }),
        )
        .await
        .expect_status(403);
    upload(&clerk, &fixtures::imm5645().build(), "x.pdf")
        .await
        .expect_status(403);
    server.stop().await;
}

async fn the_pages_fill_a_form_for_a_case(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let bytes = fixtures::imm5257().build();
    let (applicant, case) = family_case(&admin, "Haddad").await;

    // The catalog page uploads a blank through its form.
    let home = admin.get("/m/imm-forms/").await.expect_status(200);
    assert!(home.text.contains("Upload a blank"), "{}", home.text);
    let form = reqwest::multipart::Form::new()
        .text("_csrf", home.form_token())
        .part(
            "blank",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("imm5257e.pdf"),
        );
    let up = admin
        .multipart("/m/imm-forms/editions", form, false)
        .await
        .expect_status(303);
    let up = admin
        .get(&up.header("location").unwrap())
        .await
        .expect_status(200);
    assert!(up.text.contains("This blank is new"), "{}", up.text);
    assert!(up.text.contains("Which form is this?"), "{}", up.text);
    let id = up.hidden("id");
    let named = admin
        .post_form(
            &format!("/m/imm-forms/editions/{id}/name"),
            &[
                ("_csrf", &up.form_token()),
                ("form_code", "IMM 5257"),
                ("title", "Application for Visitor Visa"),
                ("language", "en"),
                ("label", ""),
            ],
        )
        .await;
    assert_eq!(named.status, 422, "{}", named.text);
    assert!(named.text.contains("field-error"), "{}", named.text);
    let named = admin
        .post_form(
            &format!("/m/imm-forms/editions/{id}/name"),
            &[
                ("_csrf", &up.form_token()),
                ("form_code", "IMM 5257"),
                ("title", "Application for Visitor Visa"),
                ("language", "en"),
                ("label", "(10-2023) E"),
            ],
        )
        .await
        .expect_status(303);
    let named = admin
        .get(&named.header("location").unwrap())
        .await
        .expect_status(200);
    assert!(
        named.text.contains("Make this the active edition"),
        "{}",
        named.text
    );
    admin
        .post_form(
            &format!("/m/imm-forms/editions/{id}/activate"),
            &[("_csrf", &named.form_token())],
        )
        .await
        .expect_status(303);
    let edition = admin
        .get(&format!("/m/imm-forms/editions/{id}"))
        .await
        .expect_status(200);
    assert!(
        edition.text.contains("active: filled for new cases"),
        "{}",
        edition.text
    );

    // The map page shows the map and its editor.
    let map = admin
        .get(&format!("/m/imm-forms/editions/{id}/map"))
        .await
        .expect_status(200);
    assert!(
        map.text
            .contains("form1.Page1.PersonalDetails.Name.FamilyName"),
        "{}",
        map.text
    );
    assert!(map.text.contains("Save map"), "{}", map.text);

    // The case's Forms tab, the fill page with its question, the report.
    let tab = admin
        .get_with_headers(
            &format!("/m/imm-forms/cases/{case}"),
            &[("x-immcase-placement", "tab")],
        )
        .await
        .expect_status(200);
    assert!(tab.text.contains("Fill for this case"), "{}", tab.text);
    assert!(tab.text.contains("Nothing generated yet."), "{}", tab.text);
    let fill = admin
        .get(&format!("/m/imm-forms/cases/{case}/fill?form_code=IMM5257"))
        .await
        .expect_status(200);
    assert!(fill.text.contains("answer:"), "{}", fill.text);
    let report = admin
        .post_form(
            &format!("/m/imm-forms/cases/{case}/fill"),
            &[
                ("_csrf", &fill.form_token()),
                ("edition_id", &fill.hidden("edition_id")),
                (
                    "answer:Sex (Female, Male, Unknown or Unspecified)",
                    "Female",
                ),
            ],
        )
        .await
        .expect_status(303);
    let report = admin
        .get(&report.header("location").unwrap())
        .await
        .expect_status(200);
    assert!(
        report.text.contains("press Validate") || report.text.contains("Press Validate"),
        "{}",
        report.text
    );
    assert!(
        report.text.contains("IMM 5257 (10-2023) E"),
        "{}",
        report.text
    );
    let tab = admin
        .get_with_headers(
            &format!("/m/imm-forms/cases/{case}"),
            &[("x-immcase-placement", "tab")],
        )
        .await;
    assert!(tab.text.contains("IMM 5257 (10-2023) E"), "{}", tab.text);
    // The file is in the case's files.
    let files = admin
        .get(&format!("/api/v1/cases/{case}/files"))
        .await
        .expect_status(200);
    assert!(files.text.contains("IMM5257 (10-2023) E"), "{}", files.text);

    // The applicant's Family tab lists the children and adds one.
    let family = admin
        .get_with_headers(
            &format!("/m/imm-forms/family/{applicant}"),
            &[("x-immcase-placement", "tab")],
        )
        .await
        .expect_status(200);
    assert!(family.text.contains("Noa"), "{}", family.text);
    let added = admin
        .post_form(
            &format!("/m/imm-forms/family/{applicant}"),
            &[
                ("_csrf", &family.form_token()),
                ("relationship", "spouse"),
                ("given_name", "Omar"),
                ("family_name", "Haddad"),
                ("date_of_birth", "1988-02-30"),
                ("version", &family.hidden("version")),
            ],
        )
        .await;
    assert_eq!(added.status, 422, "{}", added.text);
    assert!(added.text.contains("YYYY-MM-DD"), "{}", added.text);
    server.stop().await;
}

async fn one_practice_never_sees_anothers_forms(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let bytes = fixtures::imm5645().build();
    let edition = add_edition(&admin, &bytes, "IMM5645", "(02-2024) E").await;
    let (applicant, case) = family_case(&admin, "Tanaka").await;
    let filled = admin
        .post(
            &format!("{API}/cases/{case}/fill"),
            json!({ "form_code": "IMM5645" }),
        )
        .await
        .expect_status(201);
    let generated = filled.body["id"].as_str().unwrap();

    let other = server
        .admin_of_new_practice("birch", "owner@birch.example", "birch's long passphrase")
        .await;
    other.set_module("imm-forms", true).await;
    let listed = other
        .get(&format!("{API}/editions"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(
        other.get(&format!("{API}/forms")).await.body["items"],
        json!([])
    );
    other
        .get(&format!("{API}/editions/{edition}"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/editions/{edition}/map"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/editions/{edition}/blank"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/generated/{generated}"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/family/{applicant}"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/cases/{case}/generated"))
        .await
        .expect_status(404);
    // The same blank is new to the other practice: its own catalog.
    let up = upload(&other, &bytes, "imm5645.pdf")
        .await
        .expect_status(201);
    assert_ne!(up.body["id"], edition.as_str());
    server.stop().await;
}
