//! The practice's logo: `GET|PUT|DELETE /api/v1/practice/logo` and the
//! logo's forms of Settings → Practice (PNG, JPEG or SVG told by their
//! bytes, at most 512 KiB, nothing active in an SVG, `practice.manage`,
//! audited, one practice's never another's), and the letterhead modules read
//! through the `practice` import (contract 0.2.4), with the `letterhead`
//! test module.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    the_logo_is_uploaded_replaced_and_removed_through_the_api,
    logos_that_are_not_plain_images_are_refused_saying_why,
    the_logo_is_kept_from_other_practices_and_from_members,
    the_practice_page_uploads_and_removes_the_logo,
    a_module_reads_the_letterhead_of_its_own_practice,
);

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xFF\xD9";
const SVG: &[u8] = br##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10"><rect width="40" height="10" fill="#2a6"/></svg>"##;

async fn put_logo(api: &Api, content_type: &str, body: &[u8]) -> immcase_tests::Resp {
    api.send_bytes(
        Method::PUT,
        "/api/v1/practice/logo",
        content_type,
        body.to_vec(),
    )
    .await
}

async fn the_logo_is_uploaded_replaced_and_removed_through_the_api(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.get("/api/v1/practice/logo").await.expect_status(404);
    assert_eq!(
        admin.get("/api/v1/practice").await.expect_status(200).body["logo"],
        Value::Null
    );

    let saved = put_logo(&admin, "image/png", PNG).await.expect_status(200);
    assert_eq!(saved.body["content_type"], "image/png");
    assert_eq!(saved.body["size"], PNG.len());
    assert_eq!(saved.body["sha256"].as_str().unwrap().len(), 64);
    assert!(saved.body["updated_at"].as_str().unwrap().contains('T'));
    let (status, headers, bytes) = admin.download("/api/v1/practice/logo").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(bytes, PNG);
    let practice = admin.get("/api/v1/practice").await.expect_status(200);
    assert_eq!(practice.body["logo"]["sha256"], saved.body["sha256"]);

    // Replaced: the type is told by the bytes, whatever the request said.
    let replaced = put_logo(&admin, "application/octet-stream", JPEG)
        .await
        .expect_status(200);
    assert_eq!(replaced.body["content_type"], "image/jpeg");
    assert_ne!(replaced.body["sha256"], saved.body["sha256"]);
    let (_, headers, bytes) = admin.download("/api/v1/practice/logo").await;
    assert_eq!(
        (headers["content-type"].to_str().unwrap(), bytes.as_slice()),
        ("image/jpeg", JPEG)
    );
    let svg = put_logo(&admin, "image/svg+xml", SVG)
        .await
        .expect_status(200);
    assert_eq!(svg.body["content_type"], "image/svg+xml");
    let (_, headers, _) = admin.download("/api/v1/practice/logo").await;
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    let removed = admin.delete("/api/v1/practice/logo").await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    admin.get("/api/v1/practice/logo").await.expect_status(404);
    admin
        .delete("/api/v1/practice/logo")
        .await
        .expect_status(404);

    // Each change is in the audit log.
    let audit = admin.get("/api/v1/audit").await.expect_status(200);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("practice.logo"))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "practice.logo_saved")
            .count(),
        3,
        "{actions:?}"
    );
    assert!(actions.contains(&"practice.logo_removed"), "{actions:?}");

    // The served OpenAPI document lists the routes.
    let doc = admin.get("/api/v1/openapi.json").await.expect_status(200);
    let logo = &doc.body["paths"]["/api/v1/practice/logo"];
    for method in ["get", "put", "delete"] {
        assert!(logo[method].is_object(), "{method} in {logo}");
    }
    assert!(doc.body["paths"]["/settings/practice/logo"]["post"].is_object());
    server.stop().await;
}

async fn logos_that_are_not_plain_images_are_refused_saying_why(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let refusal = |r: immcase_tests::Resp| {
        let r = r.expect_status(422);
        assert_eq!(r.body["error"]["code"], "invalid", "{}", r.text);
        r.body["error"]["message"].as_str().unwrap().to_string()
    };
    let gif = refusal(put_logo(&admin, "image/gif", b"GIF89a\x01\0\x01\0\0\0\0;").await);
    assert!(
        gif.contains("PNG, JPEG or SVG") && gif.contains("GIF"),
        "{gif}"
    );
    let script = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let script = refusal(put_logo(&admin, "image/svg+xml", script).await);
    assert!(script.contains("script"), "{script}");
    let handler = refusal(put_logo(&admin, "image/svg+xml", b"<svg onload=\"go()\"/>").await);
    assert!(handler.contains("onload="), "{handler}");
    let linked = b"<svg><image href=\"https://elsewhere.example/x.png\"/></svg>";
    let linked = refusal(put_logo(&admin, "image/svg+xml", linked).await);
    assert!(linked.contains("outside itself"), "{linked}");
    let mut big = PNG.to_vec();
    big.resize(600 * 1024, 0);
    let big = refusal(put_logo(&admin, "image/png", &big).await);
    assert!(big.contains("512 KiB"), "{big}");
    // Nothing was kept.
    admin.get("/api/v1/practice/logo").await.expect_status(404);
    server.stop().await;
}

async fn the_logo_is_kept_from_other_practices_and_from_members(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    put_logo(&admin, "image/png", PNG).await.expect_status(200);
    let other = server
        .admin_of_new_practice("birch", "admin@birch.example", "birch's long passphrase")
        .await;
    other.get("/api/v1/practice/logo").await.expect_status(404);
    assert_eq!(
        other.get("/api/v1/practice").await.expect_status(200).body["logo"],
        Value::Null
    );
    put_logo(&other, "image/jpeg", JPEG)
        .await
        .expect_status(200);
    let (_, _, mine) = admin.download("/api/v1/practice/logo").await;
    assert_eq!(mine, PNG, "another practice's upload left ours alone");
    other
        .delete("/api/v1/practice/logo")
        .await
        .expect_status(204);
    admin.get("/api/v1/practice/logo").await.expect_status(200);

    let member = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Clerk", "permissions": ["applicants.read"] }),
            "clerk@example.com",
        )
        .await;
    let refused = member.get("/api/v1/practice/logo").await.expect_status(403);
    assert!(refused.text.contains("practice.manage"), "{}", refused.text);
    put_logo(&member, "image/png", PNG).await.expect_status(403);
    member
        .delete("/api/v1/practice/logo")
        .await
        .expect_status(403);
    admin.get("/api/v1/practice/logo").await.expect_status(200);
    server.stop().await;
}

fn logo_form(token: &str, name: &str, bytes: &[u8]) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("_csrf", token.to_string())
        .part(
            "logo",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

async fn the_practice_page_uploads_and_removes_the_logo(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let page = admin.get("/settings/practice").await.expect_status(200);
    assert!(page.text.contains("No logo yet"), "{}", page.text);
    assert!(page.text.contains("enctype=\"multipart/form-data\""));
    let token = page.form_token();

    // Without its token the form is refused.
    let no_token = reqwest::multipart::Form::new().part(
        "logo",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("logo.png"),
    );
    admin
        .multipart("/settings/practice/logo", no_token, false)
        .await
        .expect_status(403);

    let sent = admin
        .multipart(
            "/settings/practice/logo",
            logo_form(&token, "logo.png", PNG),
            false,
        )
        .await
        .expect_status(303);
    assert_eq!(
        sent.header("location").as_deref(),
        Some("/settings/practice")
    );
    let page = admin.get("/settings/practice").await.expect_status(200);
    assert!(page.text.contains("Logo saved."), "{}", page.text);
    assert!(
        page.text.contains("<img src=\"/api/v1/practice/logo?v="),
        "{}",
        page.text
    );
    assert!(page.text.contains("Remove logo"));
    let (_, _, bytes) = admin.download("/api/v1/practice/logo").await;
    assert_eq!(bytes, PNG);

    // A refusal is shown at the top of the logo's form; the logo stays.
    let script = b"<svg><script>alert(1)</script></svg>";
    let refused = admin
        .multipart(
            "/settings/practice/logo",
            logo_form(&token, "x.svg", script),
            false,
        )
        .await
        .expect_status(422);
    let logo_section = refused.text.split("id=\"logo-heading\"").nth(1).unwrap();
    assert!(logo_section.contains("role=\"alert\""), "{}", refused.text);
    assert!(logo_section.contains("script"), "{logo_section}");
    let mut big = PNG.to_vec();
    big.resize(600 * 1024, 0);
    let too_big = admin
        .multipart(
            "/settings/practice/logo",
            logo_form(&token, "big.png", &big),
            false,
        )
        .await
        .expect_status(422);
    assert!(too_big.text.contains("512 KiB"), "{}", too_big.text);
    let (_, _, bytes) = admin.download("/api/v1/practice/logo").await;
    assert_eq!(bytes, PNG);

    let removed = admin
        .post_form("/settings/practice/logo/remove", &[("_csrf", &token)])
        .await
        .expect_status(303);
    assert_eq!(
        removed.header("location").as_deref(),
        Some("/settings/practice")
    );
    admin.get("/api/v1/practice/logo").await.expect_status(404);
    let page = admin.get("/settings/practice").await.expect_status(200);
    assert!(page.text.contains("Logo removed."), "{}", page.text);
    assert!(page.text.contains("No logo yet"));
    server.stop().await;
}

async fn a_module_reads_the_letterhead_of_its_own_practice(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["letterhead"]).await;
    let admin = server.admin().await;
    admin.set_module("letterhead", true).await;
    let blank = admin
        .get("/api/v1/m/letterhead/letterhead")
        .await
        .expect_status(200);
    assert_eq!(blank.body["address"], "", "{}", blank.text);
    assert_eq!(blank.body["logo"], Value::Null);

    let version = admin.get("/api/v1/practice").await.expect_status(200).body["version"].clone();
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": version, "name": "Maple Immigration",
                    "address": "12 King St W\nToronto ON M5H 1A1", "phone": "+1 416 555 0100",
                    "email": "office@maple.example", "website": "https://maple.example" }),
        )
        .await
        .expect_status(200);
    put_logo(&admin, "image/png", PNG).await.expect_status(200);
    let head = admin
        .get("/api/v1/m/letterhead/letterhead")
        .await
        .expect_status(200)
        .body;
    assert_eq!(
        head,
        json!({ "name": "Maple Immigration", "address": "12 King St W\nToronto ON M5H 1A1",
                "phone": "+1 416 555 0100", "email": "office@maple.example",
                "website": "https://maple.example",
                "logo": { "content_type": "image/png", "size": PNG.len(), "starts_with": "89504e47" } })
    );

    // Another practice reads its own: its name, nothing else kept yet.
    let other = server
        .admin_of_new_practice("birch", "admin@birch.example", "birch's long passphrase")
        .await;
    other.set_module("letterhead", true).await;
    let theirs = other
        .get("/api/v1/m/letterhead/letterhead")
        .await
        .expect_status(200)
        .body;
    assert_eq!(
        theirs,
        json!({ "name": "birch", "address": "", "phone": "", "email": "", "website": "", "logo": null })
    );
    put_logo(&other, "image/svg+xml", SVG)
        .await
        .expect_status(200);
    let theirs = other
        .get("/api/v1/m/letterhead/letterhead")
        .await
        .expect_status(200)
        .body;
    assert_eq!(theirs["logo"]["content_type"], "image/svg+xml");
    let ours = admin
        .get("/api/v1/m/letterhead/letterhead")
        .await
        .expect_status(200)
        .body;
    assert_eq!(ours["logo"]["content_type"], "image/png");
    server.stop().await;
}
