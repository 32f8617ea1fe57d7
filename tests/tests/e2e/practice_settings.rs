//! Settings → Practice and `GET|PUT /api/v1/practice`: the practice's name,
//! time zone, contact details and largest file per upload, checked field by
//! field and kept within the server's maximum, audited; edit conflicts
//! handled like other forms; uploads refused over the practice's limit.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, install_test_modules, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    the_practice_keeps_its_details_within_the_server_limits,
    the_practice_form_shows_mistakes_and_keeps_both_saves,
    uploads_over_the_practices_limit_are_refused_naming_the_file,
    a_module_attaching_over_the_practices_limit_is_refused,
);

const MB: usize = 1024 * 1024;

async fn practice(api: &Api) -> Value {
    api.get("/api/v1/practice").await.expect_status(200).body
}

async fn the_practice_keeps_its_details_within_the_server_limits(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.files.max_file_bytes = 5 * MB as u64).await;
    let admin = server.admin().await;
    let now = practice(&admin).await;
    assert_eq!(now["time_zone"], "America/Toronto");
    assert_eq!(now["max_file_mb"], Value::Null);
    assert_eq!(now["server_max_file_mb"], 5);
    assert_eq!(now["largest_file_bytes"], 5 * MB);
    assert_eq!(now["storage"]["used_bytes"], 0);
    assert_eq!(now["storage"]["quota_bytes"], 10u64 * 1024 * 1024 * 1024);
    let version = now["version"].as_i64().unwrap();

    // Each mistake is named by its field; the limit lies within the server's.
    let bad = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "name": " ", "phone": "call us", "email": "nope",
                    "website": "maple.example", "time_zone": "Mars/Olympus", "max_file_mb": 6 }),
        )
        .await
        .expect_status(422);
    let fields = &bad.body["error"]["fields"];
    for field in [
        "name",
        "phone",
        "email",
        "website",
        "time_zone",
        "max_file_mb",
    ] {
        assert!(fields[field].is_string(), "{field} in {fields}");
    }
    assert!(
        fields["max_file_mb"]
            .as_str()
            .unwrap()
            .contains("from 1 to 5")
    );

    let saved = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "name": "Maple Immigration", "time_zone": "America/Vancouver",
                    "address": "12 King St W\nToronto ON M5H 1A1", "phone": "+1 416 555 0100",
                    "email": "office@maple.example", "website": "https://maple.example",
                    "max_file_mb": 2 }),
        )
        .await
        .expect_status(200);
    assert_eq!(saved.body["version"], version + 1);
    assert_eq!(saved.body["max_file_mb"], 2);
    assert_eq!(saved.body["largest_file_bytes"], 2 * MB);
    let me = admin.get("/api/v1/me").await.expect_status(200);
    assert_eq!(me.body["practice"]["name"], "Maple Immigration", "renamed");

    // A stale version is refused with the details now.
    let stale = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "phone": "+1 604 555 0199" }),
        )
        .await
        .expect_status(409);
    assert_eq!(stale.body["error"]["current"]["phone"], "+1 416 555 0100");
    // Fields left out keep their values; null is the server's maximum again.
    let back = admin
        .put(
            "/api/v1/practice",
            json!({ "version": version + 1, "max_file_mb": null }),
        )
        .await
        .expect_status(200);
    assert_eq!(back.body["max_file_mb"], Value::Null);
    assert_eq!(back.body["phone"], "+1 416 555 0100");

    // Audited, with what changed.
    let log = admin
        .get("/api/v1/audit?action=practice.updated&limit=10")
        .await
        .expect_status(200);
    let entries = log.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let first = entries
        .iter()
        .find(|e| e["details"]["after"]["max_file_mb"] == 2)
        .unwrap();
    assert_eq!(first["details"]["before"]["time_zone"], "America/Toronto");
    assert_eq!(first["details"]["after"]["phone"], "+1 416 555 0100");
    assert_eq!(entries[0]["details"]["fields"], json!(["max_file_mb"]));

    // Only holders of practice.manage (administrators) read or change it.
    let clerk = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read"] }),
            "clerk@immcase.test",
        )
        .await;
    clerk.get("/api/v1/practice").await.expect_status(403);
    clerk
        .put(
            "/api/v1/practice",
            json!({ "version": 3, "phone": "+1 416 555 0101" }),
        )
        .await
        .expect_status(403);
    clerk.get("/settings/practice").await.expect_status(403);
    let nav = admin.get("/api/v1/nav").await.expect_status(200);
    assert!(nav.text.contains("/settings/practice"));
    let nav = clerk.get("/api/v1/nav").await.expect_status(200);
    assert!(!nav.text.contains("/settings/practice"));
    let roles = admin.get("/api/v1/roles").await.expect_status(200);
    let administrator = roles.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Administrator")
        .unwrap()
        .clone();
    assert!(
        administrator["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("practice.manage"))
    );
    server.stop().await;
}

/// Posts the practice form as the page gave it, with `changes` typed over it.
async fn post_form(
    api: &Api,
    page: &immcase_tests::Resp,
    changes: &[(&str, &str)],
) -> immcase_tests::Resp {
    let mut fields: Vec<(String, String)> = [
        "_csrf",
        "version",
        "base",
        "name",
        "time_zone",
        "address",
        "phone",
        "email",
        "website",
        "max_file_mb",
    ]
    .iter()
    .map(|f| (f.to_string(), page_value(page, f)))
    .collect();
    for (field, value) in changes {
        fields.retain(|(f, _)| f != field);
        fields.push((field.to_string(), value.to_string()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(f, v)| (f.as_str(), v.as_str()))
        .collect();
    api.post_form("/settings/practice", &pairs).await
}

/// A field's value as the page shows it (inputs, the selected zone, the textarea).
fn page_value(page: &immcase_tests::Resp, field: &str) -> String {
    match field {
        "_csrf" => page.form_token(),
        "time_zone" => {
            let select = page.text.split("name=\"time_zone\"").nth(1).unwrap();
            let selected = select.split(" selected").next().unwrap();
            let value = selected.rsplit("value=\"").next().unwrap();
            value.split('"').next().unwrap().to_string()
        }
        "address" => {
            let area = page.text.split("name=\"address\"").nth(1).unwrap();
            let inner = area.split_once('>').unwrap().1;
            html_unescape(inner.split("</textarea>").next().unwrap())
        }
        other => {
            let after = page
                .text
                .split(&format!("name=\"{other}\""))
                .nth(1)
                .unwrap();
            let value = after.split("value=\"").nth(1).unwrap();
            html_unescape(value.split('"').next().unwrap())
        }
    }
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn the_practice_form_shows_mistakes_and_keeps_both_saves(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let page = admin.get("/settings/practice").await.expect_status(200);
    assert!(page.text.contains("<meter"), "a storage bar");
    assert!(page.text.contains("of 10 GB used"), "{}", page.text);
    assert!(page.text.contains("America/Vancouver"), "the zone picker");

    // Mistakes beside their fields, named by label; what was typed is kept.
    let refused = post_form(
        &admin,
        &page,
        &[("phone", "call us"), ("max_file_mb", "51")],
    )
    .await
    .expect_status(422);
    assert!(
        refused.text.contains("Phone: use at least 7 digits"),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("Largest file per upload: use a whole number of MB from 1 to 50")
    );
    assert!(refused.text.contains("value=\"call us\""));

    let ok = post_form(
        &admin,
        &page,
        &[("phone", "+1 416 555 0100"), ("max_file_mb", "20")],
    )
    .await
    .expect_status(303);
    assert_eq!(ok.header("location").unwrap(), "/settings/practice");
    let after = admin.get("/settings/practice").await.expect_status(200);
    assert!(
        after.text.contains("The practice&#39;s details are saved.")
            || after.text.contains("The practice's details are saved."),
        "{}",
        after.text
    );
    assert_eq!(practice(&admin).await["max_file_mb"], 20);

    // Someone else saves meanwhile: a change to another field is kept beside
    // theirs; the same field changed differently is asked about.
    let opened = admin.get("/settings/practice").await.expect_status(200);
    let version = practice(&admin).await["version"].as_i64().unwrap();
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "phone": "+1 604 555 0199" }),
        )
        .await
        .expect_status(200);
    post_form(&admin, &opened, &[("website", "https://maple.example")])
        .await
        .expect_status(303);
    let both = practice(&admin).await;
    assert_eq!(both["phone"], "+1 604 555 0199", "theirs kept");
    assert_eq!(both["website"], "https://maple.example", "mine saved");
    let opened = admin.get("/settings/practice").await.expect_status(200);
    let version = both["version"].as_i64().unwrap();
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "email": "desk@maple.example" }),
        )
        .await
        .expect_status(200);
    let asked = post_form(&admin, &opened, &[("email", "office@maple.example")])
        .await
        .expect_status(409);
    assert!(
        asked.text.contains("Someone else saved the practice"),
        "{}",
        asked.text
    );
    assert!(asked.text.contains("desk@maple.example"), "theirs shown");
    assert!(
        asked.text.contains("value=\"office@maple.example\""),
        "mine kept in the form"
    );
    // Saving that form again keeps mine.
    post_form(&admin, &asked, &[]).await.expect_status(303);
    assert_eq!(practice(&admin).await["email"], "office@maple.example");
    server.stop().await;
}

async fn uploads_over_the_practices_limit_are_refused_naming_the_file(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let version = practice(&admin).await["version"].as_i64().unwrap();
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "max_file_mb": 1 }),
        )
        .await
        .expect_status(200);
    let ana = admin.add_applicant("Okonkwo").await;
    let path = format!("/api/v1/applicants/{ana}/files");
    let big = vec![b'x'; MB + 1];
    let refused = admin
        .upload(&path, &[("scan.pdf", &big)], None)
        .await
        .expect_status(413);
    assert_eq!(
        refused.body["error"]["message"],
        "scan.pdf is larger than 1 MB, the most a file may be in this practice"
    );
    let small = vec![b'x'; MB];
    admin
        .upload(&path, &[("letter.pdf", &small)], None)
        .await
        .expect_status(201);

    // The page's form keeps what fits and names what did not.
    let page = admin
        .get(&format!("/applicants/{ana}"))
        .await
        .expect_status(200);
    assert!(
        page.text.contains("Up to 1 MB each."),
        "the form says the limit"
    );
    let form = reqwest::multipart::Form::new()
        .text("_csrf", page.form_token())
        .part(
            "file",
            reqwest::multipart::Part::bytes(big.clone()).file_name("scan.pdf"),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"note".to_vec()).file_name("note.txt"),
        );
    admin
        .multipart(&format!("/applicants/{ana}/files"), form, false)
        .await
        .expect_status(303);
    let back = admin
        .get(&format!("/applicants/{ana}"))
        .await
        .expect_status(200);
    assert!(
        back.text.contains("scan.pdf: not uploaded, it is larger than 1 MB, the most a file may be in this practice."),
        "{}",
        back.text
    );
    let files = admin.get(&path).await.expect_status(200);
    let names: Vec<&str> = files.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"note.txt") && names.contains(&"letter.pdf"));
    server.stop().await;
}

async fn a_module_attaching_over_the_practices_limit_is_refused(backend: Backend) {
    let modules = tempfile::tempdir().unwrap();
    let installed = install_test_modules(modules.path(), &["filer"]);
    let server = TestServer::start_with(backend, |c| {
        c.module_dirs.extend(installed);
        c.max_body_bytes = 4 * MB;
    })
    .await;
    let admin = server.admin().await;
    admin.set_module("filer", true).await;
    let version = practice(&admin).await["version"].as_i64().unwrap();
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "max_file_mb": 1 }),
        )
        .await
        .expect_status(200);
    let ana = admin.add_applicant("Lindqvist").await;
    let attach = |name: &str| format!("/api/v1/m/filer/attach?owner=applicant:{ana}&name={name}");
    // The module sends what it is given: a JSON string of more than 1 MB.
    let big = admin
        .send(
            reqwest::Method::POST,
            &attach("scan.pdf"),
            Some(json!("x".repeat(MB))),
            true,
        )
        .await;
    assert_eq!(big.status, 422, "{}", big.text);
    assert!(
        big.text
            .contains("scan.pdf is larger than 1 MB, the most a file may be in this practice"),
        "{}",
        big.text
    );
    let small = admin
        .send(
            reqwest::Method::POST,
            &attach("note.txt"),
            Some(json!("a note")),
            true,
        )
        .await;
    assert_eq!(small.status, 201, "{}", small.text);
    server.stop().await;
}
