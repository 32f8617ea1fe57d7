//! Letters from templates in the IMM forms module, compiled and served by
//! the real host: a template is checked when saved (an unknown token and a
//! style mistake refused with their line and column), versioned, and
//! generated for a case as a PDF typeset inside the module with the
//! practice's letterhead and logo; a token the record has no value for is
//! refused by name; one practice never sees another's templates or letters.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::pdf;
use immcase_tests::{Backend, TestServer, on_both_databases};
use reqwest::Method;
use serde_json::{Value, json};

const API: &str = "/api/v1/m/imm-forms";

on_both_databases!(
    templates_are_checked_with_line_and_column,
    a_letter_is_typeset_for_a_case_or_refused_by_name,
);

const LETTER: &str = "#letterhead()
#set text(size: 11pt)

= Cover letter

{{today}}

Dear {{applicant.given_name}} {{applicant.family_name}},

We enclose the application of case {{case.folio}}, born {{applicant.date_of_birth}}.
";

async fn templates_are_checked_with_line_and_column(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;

    // An unknown token, where it is.
    let unknown = admin
        .post(&format!("{API}/templates"), json!({ "title": "Cover letter", "source": "#letterhead()\n\nDear {{applicant.favourite_colour}},\n" }))
        .await
        .expect_status(422);
    let problem = &unknown.body["error"]["problems"][0];
    assert_eq!(
        (problem["line"].as_u64(), problem["column"].as_u64()),
        (Some(3), Some(6)),
        "{}",
        unknown.text
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("favourite_colour"),
        "{}",
        unknown.text
    );

    // A style mistake, on its line.
    let style = admin
        .post(&format!("{API}/templates"), json!({ "title": "Cover letter", "source": "= Title\n\n#set text(colour: red)\nDear {{applicant.given_name}},\n" }))
        .await
        .expect_status(422);
    let problem = &style.body["error"]["problems"][0];
    assert_eq!(problem["line"].as_u64(), Some(3), "{}", style.text);
    assert!(problem["column"].as_u64().unwrap() >= 10, "{}", style.text);

    // A good one is kept, and every save is a version.
    let made = admin
        .post(
            &format!("{API}/templates"),
            json!({ "title": "Cover letter", "source": LETTER }),
        )
        .await
        .expect_status(201);
    assert_eq!(made.body["key"], "cover-letter");
    let key = "cover-letter";
    let changed = admin
        .put(&format!("{API}/templates/{key}"), json!({ "source": LETTER.replace("Cover letter", "Letter of introduction"), "version": made.body["version"] }))
        .await
        .expect_status(200);
    assert_eq!(changed.body["number"], 2);
    let stale = admin
        .put(
            &format!("{API}/templates/{key}"),
            json!({ "source": LETTER, "version": made.body["version"] }),
        )
        .await
        .expect_status(409);
    assert!(
        stale.body["error"]["current"]["source"]
            .as_str()
            .unwrap()
            .contains("introduction")
    );
    let versions = admin
        .get(&format!("{API}/templates/{key}/versions"))
        .await
        .expect_status(200);
    assert_eq!(versions.body["items"].as_array().unwrap().len(), 2);
    // A starter is a template that checks.
    admin
        .post(
            &format!("{API}/templates"),
            json!({ "title": "Retainer", "starter": "retainer_agreement" }),
        )
        .await
        .expect_status(201);
    // The preview is a PDF download.
    let (status, headers, bytes) = admin
        .download(&format!("{API}/templates/{key}/preview"))
        .await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(bytes.starts_with(b"%PDF-"));

    // The editor's Check names the line.
    let editor = admin
        .get(&format!("/m/imm-forms/templates/{key}"))
        .await
        .expect_status(200);
    let checked = admin
        .post_form(
            &format!("/m/imm-forms/templates/{key}"),
            &[
                ("_csrf", &editor.form_token()),
                ("action", "check"),
                ("source", "= Hi\n#set page(margins: 2cm)\n"),
                ("version", &editor.hidden("version")),
            ],
        )
        .await;
    assert_eq!(checked.status, 422, "{}", checked.text);
    assert!(checked.text.contains("line 2, column"), "{}", checked.text);

    // Someone without imm-forms.manage cannot change templates.
    let clerk = server
        .sign_in_with_role(&admin, json!({ "name": "Clerk", "permissions": ["module:imm-forms", "cases.read", "applicants.read"] }), "clerk@example.com")
        .await;
    clerk
        .get(&format!("{API}/templates/{key}"))
        .await
        .expect_status(200);
    clerk
        .post(
            &format!("{API}/templates"),
            json!({ "title": "Mine", "source": "Hi" }),
        )
        .await
        .expect_status(403);
    server.stop().await;
}

async fn a_letter_is_typeset_for_a_case_or_refused_by_name(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("imm-forms", true).await;
    let practice = admin.get("/api/v1/practice").await.expect_status(200).body;
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": practice["version"], "name": "Maple Immigration", "address": "12 King St W\nToronto ON M5H 1A1" }),
        )
        .await
        .expect_status(200);
    admin
        .send_bytes(
            Method::PUT,
            "/api/v1/practice/logo",
            "image/png",
            pdf::DOT_PNG.to_vec(),
        )
        .await
        .expect_status(200);
    admin
        .post(
            &format!("{API}/templates"),
            json!({ "title": "Cover letter", "source": LETTER }),
        )
        .await
        .expect_status(201);
    let applicant = admin.add_applicant("Okafor").await;
    let case = admin.open_case(&applicant, "visitor_visa").await;
    let case_id = case["id"].as_str().unwrap();

    // No date of birth on the record: refused, naming the token; nothing filed.
    let refused = admin
        .post(
            &format!("{API}/cases/{case_id}/letters"),
            json!({ "template": "cover-letter" }),
        )
        .await
        .expect_status(422);
    assert_eq!(
        refused.body["error"]["missing"],
        json!(["applicant.date_of_birth"]),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("{{applicant.date_of_birth}}"),
        "{}",
        refused.text
    );
    let files = admin
        .get(&format!("/api/v1/cases/{case_id}/files"))
        .await
        .expect_status(200);
    assert_eq!(files.body["items"], json!([]), "{}", files.text);
    // On the page, the refusal is in view.
    let tab = admin
        .get(&format!("/m/imm-forms/cases/{case_id}"))
        .await
        .expect_status(200);
    let page = admin
        .post_form(
            &format!("/m/imm-forms/cases/{case_id}/letters"),
            &[("_csrf", &tab.form_token()), ("template", "cover-letter")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.text);
    assert!(
        page.text.contains("form-error") && page.text.contains("applicant.date_of_birth"),
        "{}",
        page.text
    );

    let current: Value = admin
        .get(&format!("/api/v1/applicants/{applicant}"))
        .await
        .body;
    admin
        .patch(
            &format!("/api/v1/applicants/{applicant}"),
            json!({ "date_of_birth": "1990-04-07", "version": current["version"] }),
        )
        .await
        .expect_status(200);
    let letter = admin
        .post(
            &format!("{API}/cases/{case_id}/letters"),
            json!({ "template": "cover-letter" }),
        )
        .await
        .expect_status(201);
    assert_eq!(letter.body["pages"], 1);
    let (status, headers, bytes) = admin
        .download(letter.body["download"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "a normal download"
    );
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        bytes
            .windows(13)
            .any(|w| w == b"/Subtype /Ima" || w == b"/Subtype/Imag"),
        "the logo is drawn"
    );
    if let Some(text) = pdf::text_of(&bytes) {
        assert!(text.contains("Ana Okafor"), "{text}");
        assert!(text.contains("Maple Immigration"), "{text}");
        assert!(text.contains("1990-04-07"), "{text}");
        assert!(!text.contains("{{"), "{text}");
    }
    let listed = admin
        .get(&format!("{API}/cases/{case_id}/letters"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // Another practice sees none of it.
    let other = server
        .admin_of_new_practice("birch", "owner@birch.example", "birch's long passphrase")
        .await;
    other.set_module("imm-forms", true).await;
    assert_eq!(
        other
            .get(&format!("{API}/templates"))
            .await
            .expect_status(200)
            .body["items"],
        json!([])
    );
    other
        .get(&format!("{API}/templates/cover-letter"))
        .await
        .expect_status(404);
    other
        .get(&format!("{API}/cases/{case_id}/letters"))
        .await
        .expect_status(404);
    other
        .post(
            &format!("{API}/cases/{case_id}/letters"),
            json!({ "template": "cover-letter" }),
        )
        .await
        .expect_status(404);
    server.stop().await;
}
