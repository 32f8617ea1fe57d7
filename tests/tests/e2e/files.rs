//! Files of applicants and cases: uploads streamed to the blob store within
//! the per-file limit and the practice's quota (refused with 413 / 507 and a
//! message naming the limit), downloads with safe headers, listings, search,
//! the trash, events, permissions, browser upload forms and isolation
//! between practices.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    files_are_uploaded_listed_downloaded_and_found,
    uploads_over_the_limits_are_refused_with_the_limit,
    concurrent_uploads_cannot_pass_the_quota_together,
    deleted_files_go_to_the_trash_with_their_owner,
    files_are_isolated_between_practices_and_need_permissions,
    browser_upload_forms_carry_their_token_before_the_files,
);

const MB: usize = 1024 * 1024;

fn items(resp: &immcase_tests::Resp) -> Vec<Value> {
    resp.body["items"].as_array().unwrap().clone()
}

fn names(list: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = list
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn search_kinds(api: &Api, q: &str) -> Vec<(String, String)> {
    items(
        &api.get(&format!("/api/v1/search?q={q}"))
            .await
            .expect_status(200),
    )
    .iter()
    .map(|h| {
        (
            h["kind"].as_str().unwrap().to_string(),
            h["title"].as_str().unwrap().to_string(),
        )
    })
    .collect()
}

async fn files_are_uploaded_listed_downloaded_and_found(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = server.admin().await;
    admin.set_module("recorder", true).await;
    let ana = admin.add_applicant("Okonkwo").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let case_id = case["id"].as_str().unwrap();

    let pdf = b"%PDF-1.7 a passport scan".to_vec();
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("C:\\scans\\passport scan.pdf", &pdf)],
            Some(" Identity / Passports "),
        )
        .await
        .expect_status(201);
    let passport = &items(&up)[0];
    assert_eq!(passport["name"], "passport scan.pdf", "the path is dropped");
    assert_eq!(passport["folder"], "Identity/Passports");
    assert_eq!(
        passport["content_type"], "application/pdf",
        "from the extension"
    );
    assert_eq!(passport["size"], pdf.len());
    assert_eq!(passport["owner"], format!("applicant:{ana}"));

    let letter = "Lettre d'acceptation — été.txt";
    admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[(letter, b"Bienvenue"), ("study plan.docx", b"PK plan")],
            None,
        )
        .await
        .expect_status(201);

    let of_applicant = items(
        &admin
            .get(&format!("/api/v1/applicants/{ana}/files"))
            .await
            .expect_status(200),
    );
    assert_eq!(names(&of_applicant), ["passport scan.pdf"]);
    let of_case = items(
        &admin
            .get(&format!("/api/v1/cases/{case_id}/files"))
            .await
            .expect_status(200),
    );
    let from: Vec<(String, String)> = of_case
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["from"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        from,
        [
            (letter.to_string(), "case".to_string()),
            ("study plan.docx".into(), "case".into()),
            ("passport scan.pdf".into(), "applicant".into()),
        ],
        "a case lists its own files, then those that came from its applicant"
    );

    // Downloads: the bytes, the type, and a disposition with the exact name.
    let letter_id = of_case[0]["id"].as_str().unwrap();
    let (status, headers, bytes) = admin.download(&format!("/api/v1/files/{letter_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, b"Bienvenue");
    assert_eq!(headers["content-type"], "text/plain");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"Lettre d'acceptation _ _t_.txt\""));
    assert!(
        disposition
            .contains("filename*=UTF-8''Lettre%20d%27acceptation%20%E2%80%94%20%C3%A9t%C3%A9.txt")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let passport_id = passport["id"].as_str().unwrap();
    let (_, headers, bytes) = admin
        .download(&format!("/api/v1/files/{passport_id}?inline=true"))
        .await;
    assert_eq!(bytes, pdf);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );

    // HTML is never shown inline, even when asked.
    let html = items(
        &admin
            .upload(
                &format!("/api/v1/applicants/{ana}/files"),
                &[("page.html", b"<script>alert(1)</script>")],
                None,
            )
            .await
            .expect_status(201),
    );
    let (_, headers, _) = admin
        .download(&format!(
            "/api/v1/files/{}?inline=true",
            html[0]["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    // Found by name, with prefixes and a typo, at once after the upload.
    let found = search_kinds(&admin, "passpor").await;
    assert!(
        found.contains(&("file".into(), "passport scan.pdf".into())),
        "{found:?}"
    );
    let found = search_kinds(&admin, "aceptation").await;
    assert!(found.contains(&("file".into(), letter.into())), "{found:?}");

    // Uploads are on the owner's timeline and reach modules as events.
    let timeline = items(
        &admin
            .get(&format!("/api/v1/cases/{case_id}/timeline"))
            .await
            .expect_status(200),
    );
    assert!(
        timeline
            .iter()
            .any(|c| c["action"] == "file_uploaded" && c["new_value"] == json!(letter)),
        "{timeline:?}"
    );
    eventually("file.uploaded reaches the module", || {
        let admin = admin.clone();
        async move {
            let got = admin.get("/api/v1/m/recorder/received").await;
            let uploads = got.body["items"]
                .as_array()?
                .iter()
                .filter(|i| i["name"] == "file.uploaded")
                .count();
            (uploads == 4).then_some(())
        }
    })
    .await;
}

async fn uploads_over_the_limits_are_refused_with_the_limit(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.files.max_file_bytes = MB as u64;
        c.files.practice_quota_bytes = 3 * MB as u64;
    })
    .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Tremblay").await;
    let path = format!("/api/v1/applicants/{ana}/files");

    let big = vec![7u8; MB + MB / 2];
    let refused = admin
        .upload(&path, &[("scan.tiff", &big)], None)
        .await
        .expect_status(413);
    assert_eq!(refused.code(), "too_large");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("scan.tiff") && message.contains("1 MB"),
        "{message}"
    );

    // Exactly at the limit is fine; two such files fill most of the quota.
    let one = vec![1u8; MB];
    admin
        .upload(&path, &[("a.bin", &one), ("b.bin", &one)], None)
        .await
        .expect_status(201);
    let refused = admin
        .upload(&path, &[("c.bin", &one), ("d.bin", &one)], None)
        .await
        .expect_status(507);
    assert_eq!(refused.code(), "quota_exceeded");
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("3 MB") && message.contains("2 MB"),
        "{message}"
    );
    // The refused upload stored nothing: c.bin alone still fits.
    let listed = items(&admin.get(&path).await.expect_status(200));
    assert_eq!(names(&listed), ["a.bin", "b.bin"]);
    admin
        .upload(&path, &[("c.bin", &one)], None)
        .await
        .expect_status(201);
    admin
        .upload(&path, &[("tiny.txt", b"x")], None)
        .await
        .expect_status(507);

    // Deleted files count until the trash is purged; then the space is back.
    let a = listed.iter().find(|f| f["name"] == "a.bin").unwrap();
    admin
        .delete(&format!("/api/v1/files/{}", a["id"].as_str().unwrap()))
        .await
        .expect_status(204);
    admin
        .upload(&path, &[("tiny.txt", b"x")], None)
        .await
        .expect_status(507);
    server.clock.advance(SignedDuration::from_hours(24 * 31));
    let admin = server.admin().await;
    eventually("the purge frees the space", || {
        let admin = admin.clone();
        let path = path.clone();
        async move {
            let r = admin.upload(&path, &[("tiny.txt", b"x")], None).await;
            (r.status == 201).then_some(())
        }
    })
    .await;

    // No file part at all, or a bad folder: 422 naming the field.
    let empty = reqwest::multipart::Form::new().text("folder", "x");
    let r = admin.multipart(&path, empty, true).await.expect_status(422);
    assert!(r.body["error"]["fields"]["file"].is_string(), "{}", r.text);
    let r = admin
        .upload(&path, &[("e.txt", b"e")], Some("a/../b"))
        .await
        .expect_status(422);
    assert!(
        r.body["error"]["fields"]["folder"].is_string(),
        "{}",
        r.text
    );
}

async fn concurrent_uploads_cannot_pass_the_quota_together(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.files.max_file_bytes = MB as u64;
        c.files.practice_quota_bytes = 3 * MB as u64;
    })
    .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Nguyen").await;
    let path = format!("/api/v1/applicants/{ana}/files");
    let one = vec![3u8; MB];
    let uploads = (0..5).map(|i| {
        let (admin, path, one) = (admin.clone(), path.clone(), one.clone());
        async move {
            let name = format!("part-{i}.bin");
            admin
                .upload(&path, &[(&name, &one)], None)
                .await
                .status
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(uploads).await;
    statuses.sort();
    assert_eq!(
        statuses,
        [201, 201, 201, 507, 507],
        "each upload is counted once"
    );
    let listed = items(&admin.get(&path).await.expect_status(200));
    assert_eq!(listed.len(), 3);
}

async fn deleted_files_go_to_the_trash_with_their_owner(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Haddad").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let case_id = case["id"].as_str().unwrap().to_string();
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[
                ("birth certificate.pdf", b"%PDF birth"),
                ("diploma.pdf", b"%PDF diploma"),
            ],
            None,
        )
        .await
        .expect_status(201);
    let birth = items(&up)
        .into_iter()
        .find(|f| f["name"] == "birth certificate.pdf")
        .unwrap();
    let birth_id = birth["id"].as_str().unwrap().to_string();
    admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("offer letter.pdf", b"%PDF offer")],
            None,
        )
        .await
        .expect_status(201);

    // One file to the trash, and back.
    admin
        .delete(&format!("/api/v1/files/{birth_id}?version=7"))
        .await
        .expect_status(409);
    admin
        .delete(&format!("/api/v1/files/{birth_id}"))
        .await
        .expect_status(204);
    let (status, _, _) = admin.download(&format!("/api/v1/files/{birth_id}")).await;
    assert_eq!(status, 404);
    assert!(search_kinds(&admin, "birth").await.is_empty());
    let trash = items(&admin.get("/api/v1/trash").await.expect_status(200));
    assert_eq!(trash[0]["kind"], "file");
    assert_eq!(trash[0]["label"], "birth certificate.pdf");
    admin
        .post(&format!("/api/v1/trash/file/{birth_id}/restore"), json!({}))
        .await
        .expect_status(204);
    assert_eq!(search_kinds(&admin, "birth").await.len(), 1);

    // The applicant goes with their files and their case's files.
    admin
        .delete(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(204);
    let (status, _, _) = admin.download(&format!("/api/v1/files/{birth_id}")).await;
    assert_eq!(status, 404);
    assert!(search_kinds(&admin, "offer").await.is_empty());
    let trash = items(&admin.get("/api/v1/trash").await.expect_status(200));
    assert_eq!(trash.len(), 1);
    assert_eq!(
        trash[0]["with"], 4,
        "a case and three files went with the applicant"
    );
    admin
        .post(&format!("/api/v1/trash/applicant/{ana}/restore"), json!({}))
        .await
        .expect_status(204);
    let of_case = items(
        &admin
            .get(&format!("/api/v1/cases/{case_id}/files"))
            .await
            .expect_status(200),
    );
    assert_eq!(
        names(&of_case),
        ["birth certificate.pdf", "diploma.pdf", "offer letter.pdf"]
    );
    let (_, _, bytes) = admin.download(&format!("/api/v1/files/{birth_id}")).await;
    assert_eq!(bytes, b"%PDF birth", "contents come back with the file");
    assert_eq!(search_kinds(&admin, "offer").await.len(), 1);

    // A file whose case is in the trash waits for the case.
    let offer = of_case
        .iter()
        .find(|f| f["name"] == "offer letter.pdf")
        .unwrap();
    let offer_id = offer["id"].as_str().unwrap();
    admin
        .delete(&format!("/api/v1/files/{offer_id}"))
        .await
        .expect_status(204);
    admin
        .delete(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(204);
    let r = admin
        .post(&format!("/api/v1/trash/file/{offer_id}/restore"), json!({}))
        .await
        .expect_status(409);
    assert!(r.text.contains("restore the case first"), "{}", r.text);
}

async fn files_are_isolated_between_practices_and_need_permissions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Kowalski").await;
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("kowalski visa.pdf", b"%PDF v")],
            None,
        )
        .await
        .expect_status(201);
    let file_id = items(&up)[0]["id"].as_str().unwrap().to_string();

    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    let (status, _, _) = acme.download(&format!("/api/v1/files/{file_id}")).await;
    assert_eq!(status, 404);
    acme.get(&format!("/api/v1/applicants/{ana}/files"))
        .await
        .expect_status(404);
    acme.upload(
        &format!("/api/v1/applicants/{ana}/files"),
        &[("x.txt", b"x")],
        None,
    )
    .await
    .expect_status(404);
    acme.delete(&format!("/api/v1/files/{file_id}"))
        .await
        .expect_status(404);
    assert!(search_kinds(&acme, "kowalski").await.is_empty());
    acme.post(&format!("/api/v1/trash/file/{file_id}/restore"), json!({}))
        .await
        .expect_status(404);

    // Reading applicants without files.read: no listing, no download, no hits.
    let reader = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Reader", "permissions": ["applicants.read", "cases.read"] }),
            "reader@example.com",
        )
        .await;
    let r = reader
        .get(&format!("/api/v1/applicants/{ana}/files"))
        .await
        .expect_status(403);
    assert!(r.text.contains("files.read"), "{}", r.text);
    let (status, _, _) = reader.download(&format!("/api/v1/files/{file_id}")).await;
    assert_eq!(status, 403);
    assert!(
        search_kinds(&reader, "visa")
            .await
            .iter()
            .all(|(kind, _)| kind != "file")
    );
    // Reading files without files.write: no uploads, no deleting.
    let viewer = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Viewer", "permissions": ["applicants.read", "cases.read", "files.read"] }),
            "viewer@example.com",
        )
        .await;
    assert_eq!(search_kinds(&viewer, "visa").await.len(), 1);
    viewer
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("x.txt", b"x")],
            None,
        )
        .await
        .expect_status(403);
    viewer
        .delete(&format!("/api/v1/files/{file_id}"))
        .await
        .expect_status(403);
}

async fn browser_upload_forms_carry_their_token_before_the_files(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Silva").await;
    let token = admin
        .get("/settings/roles/new")
        .await
        .expect_status(200)
        .form_token();
    let page_path = format!("/applicants/{ana}/files");
    let api_path = format!("/api/v1/applicants/{ana}/files");
    let file = |name: &str| {
        reqwest::multipart::Part::bytes(b"contents".to_vec()).file_name(name.to_string())
    };

    // Without the header and without a token: refused, nothing stored.
    let form = reqwest::multipart::Form::new().part("file", file("a.txt"));
    admin
        .multipart(&api_path, form, false)
        .await
        .expect_status(403);
    // A token after the file is too late.
    let form = reqwest::multipart::Form::new()
        .part("file", file("b.txt"))
        .text("_csrf", token.clone());
    admin
        .multipart(&page_path, form, false)
        .await
        .expect_status(403);
    // Another session's token is not this one's.
    let other = server.admin().await;
    let foreign = other.get("/settings/roles/new").await.form_token();
    let form = reqwest::multipart::Form::new()
        .text("_csrf", foreign)
        .part("file", file("c.txt"));
    admin
        .multipart(&page_path, form, false)
        .await
        .expect_status(403);
    assert!(items(&admin.get(&api_path).await.expect_status(200)).is_empty());

    // The page's form: token first, then the file; back to the page with a message.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token.clone())
        .text("folder", "Letters")
        .part("file", file("d.txt"));
    let done = admin
        .multipart(&page_path, form, false)
        .await
        .expect_status(303);
    assert_eq!(
        done.header("location").unwrap(),
        format!("/applicants/{ana}#files")
    );
    let listed = items(&admin.get(&api_path).await.expect_status(200));
    assert_eq!(names(&listed), ["d.txt"]);
    assert_eq!(listed[0]["folder"], "Letters");

    // Multipart posts elsewhere still need the header.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token)
        .text("name", "x");
    admin
        .multipart("/api/v1/roles", form, false)
        .await
        .expect_status(403);
}
