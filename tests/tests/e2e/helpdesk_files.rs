//! A helpdesk ticket's files, through the real host's file store: attached
//! through the API, the ticket's page and the new-ticket form, read only by
//! those who see the ticket, refused with the host's limits, and out of
//! reach of the host's own file routes and of other modules.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{API, boss, category, configure, file, set_status, staff, ticket};
use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

on_both_databases!(
    tickets_keep_files_for_those_who_see_them,
    forms_attach_files_with_their_token,
    other_modules_and_host_routes_do_not_reach_ticket_files,
);

const MB: usize = 1024 * 1024;

fn part(name: &str, bytes: &[u8], content_type: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str(content_type)
        .unwrap()
}

/// Posts `files` to a ticket's attachments as an API client.
async fn attach(api: &Api, ticket_id: &str, files: &[(&str, &[u8])]) -> immcase_tests::Resp {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("attachments", part(name, bytes, "application/octet-stream"));
    }
    let path = format!("{API}/tickets/{ticket_id}/attachments");
    api.multipart(&path, form, true).await
}

fn names(files: &Value) -> Vec<&str> {
    files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

async fn tickets_keep_files_for_those_who_see_them(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.files.max_file_bytes = MB as u64;
        c.files.practice_quota_bytes = 3 * MB as u64;
    })
    .await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (tech, tech_id) = staff(&server, &admin, "tech@example.com").await;
    let (ana, _) = staff(&server, &admin, "ana@example.com").await;
    let (bo, _) = staff(&server, &admin, "bo@example.com").await;
    let manager = boss(&server, &admin).await;
    configure(&manager, |s| {
        category(s, "technical_support")["responsible_id"] = tech_id.clone().into();
    })
    .await;
    let filed = file(&ana, "Scanner", "technical_support", "medium").await;
    let id = filed["id"].as_str().unwrap();

    // The requester attaches two files; both are on the ticket.
    let pdf = b"%PDF-1.7 scanned passport".to_vec();
    let added = attach(
        &ana,
        id,
        &[("passport scan.pdf", &pdf), ("notes.txt", b"tray 2")],
    )
    .await
    .expect_status(201);
    assert_eq!(
        names(&added.body["items"]),
        ["passport scan.pdf", "notes.txt"]
    );
    let answered_download = added.body["items"][0]["download"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = ticket(&tech, &filed["id"]).await;
    let attachments = &detail["attachments"];
    let mut listed = names(attachments);
    listed.sort();
    assert_eq!(listed, ["notes.txt", "passport scan.pdf"]);
    let scan = attachments
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "passport scan.pdf")
        .unwrap();
    assert_eq!(scan["owner"], format!("module:ticket:{id}"));
    assert_eq!(scan["size"], pdf.len());
    let download = scan["download"].as_str().unwrap().to_string();
    assert_eq!(download, answered_download);

    // The agent downloads it as it was sent, as a file to save.
    let (status, headers, bytes) = tech.download(&download).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf);
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("passport%20scan.pdf"),
        "{disposition}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // Someone who does not see the ticket reads nothing and adds nothing.
    assert_eq!(bo.download(&download).await.0, 404);
    bo.get(&format!("{API}/tickets/{id}/attachments"))
        .await
        .expect_status(404);
    attach(&bo, id, &[("intruder.txt", b"x")])
        .await
        .expect_status(404);
    // A file id of another ticket is not this ticket's.
    let other = file(&bo, "Keyboard", "technical_support", "low").await;
    let file_id = scan["id"].as_str().unwrap();
    let other_id = other["id"].as_str().unwrap();
    tech.get(&format!("{API}/tickets/{other_id}/attachments/{file_id}"))
        .await
        .expect_status(404);

    // The host's limits hold: a file over 1 MB is refused by name, after
    // the one before it was kept.
    let big = vec![1u8; MB + 10];
    let refused = attach(&ana, id, &[("small.txt", b"ok"), ("huge.tiff", &big)])
        .await
        .expect_status(422);
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("huge.tiff was not attached") && message.contains("1 MB"),
        "{message}"
    );
    assert_eq!(names(&refused.body["error"]["attached"]), ["small.txt"]);
    // The module takes forms up to its own request limit (25 MiB), more
    // than the server's 1 MiB; beyond it the host answers before it.
    let whale = vec![3u8; 26 * MB];
    let over_limit = attach(&ana, id, &[("whale.bin", &whale)])
        .await
        .expect_status(413);
    assert_eq!(over_limit.code(), "too_large");
    // Files count against the practice's quota like any other.
    let filling = vec![2u8; MB];
    attach(&ana, id, &[("a.bin", &filling), ("b.bin", &filling)])
        .await
        .expect_status(201);
    let over = attach(&ana, id, &[("c.bin", &filling)])
        .await
        .expect_status(422);
    let message = over.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("quota"), "{message}");
    assert_eq!(
        ticket(&ana, &filed["id"]).await["attachments"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // Nothing to attach, or not a form with files: said so.
    let empty = ana
        .multipart(
            &format!("{API}/tickets/{id}/attachments"),
            Form::new().text("x", "y"),
            true,
        )
        .await
        .expect_status(422);
    assert!(empty.body["error"]["fields"]["attachments"].is_string());
    ana.post(
        &format!("{API}/tickets/{id}/attachments"),
        serde_json::json!({}),
    )
    .await
    .expect_status(422);

    // A closed ticket's files are read, not added to.
    assert_eq!(set_status(&tech, &filed, "resolved").await, 200);
    assert_eq!(set_status(&ana, &filed, "closed").await, 200);
    attach(&ana, id, &[("late.txt", b"late")])
        .await
        .expect_status(409);
    assert_eq!(ana.download(&download).await.2, pdf);
    server.stop().await;
}

async fn forms_attach_files_with_their_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (ana, _) = staff(&server, &admin, "ana@example.com").await;

    // The new-ticket form takes files with the rest.
    let page = ana.get("/m/helpdesk/new").await.expect_status(200);
    assert!(
        page.text.contains(r#"enctype="multipart/form-data""#),
        "{}",
        page.text
    );
    let token = page.form_token();
    let form = Form::new()
        .text("_csrf", token.clone())
        .text("subject", "Printer")
        .text("description", "Jammed")
        .text("category", "technical_support")
        .text("priority", "low")
        .text("applicant_id", "")
        .text("case_id", "")
        .part(
            "attachments",
            part("jam.jpg", b"\xff\xd8\xff jpeg", "image/jpeg"),
        );
    let filed = ana
        .multipart("/m/helpdesk/tickets", form, false)
        .await
        .expect_status(303);
    let location = filed.header("location").unwrap();
    let id = location.rsplit('/').next().unwrap().to_string();
    let detail = ticket(&ana, &Value::String(id.clone())).await;
    assert_eq!(names(&detail["attachments"]), ["jam.jpg"]);
    assert_eq!(detail["attachments"][0]["content_type"], "image/jpeg");

    // The ticket's page lists it and attaches more; the token may come
    // after the files.
    let page = ana.get(&location).await.expect_status(200);
    assert!(page.text.contains("jam.jpg"), "{}", page.text);
    let form = Form::new()
        .part("attachments", part("second.txt", b"more", "text/plain"))
        .text("_csrf", page.form_token());
    let added = ana
        .multipart(&format!("{location}/attachments"), form, false)
        .await
        .expect_status(303);
    assert_eq!(added.header("location"), Some(location.clone()));
    let page = ana.get(&location).await.expect_status(200);
    assert!(page.text.contains("second.txt"), "{}", page.text);

    // Without a token, or with another session's, the form is refused and
    // nothing is kept.
    let form = Form::new().part("attachments", part("forged.txt", b"x", "text/plain"));
    ana.multipart(&format!("{location}/attachments"), form, false)
        .await
        .expect_status(403);
    let someone = server.admin().await;
    let foreign = someone.get("/m/helpdesk/new").await.form_token();
    let form = Form::new()
        .text("_csrf", foreign)
        .part("attachments", part("forged.txt", b"x", "text/plain"));
    ana.multipart(&format!("{location}/attachments"), form, false)
        .await
        .expect_status(403);
    let detail = ticket(&ana, &Value::String(id)).await;
    assert_eq!(names(&detail["attachments"]), ["jam.jpg", "second.txt"]);
    server.stop().await;
}

async fn other_modules_and_host_routes_do_not_reach_ticket_files(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["filer"]).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    admin.set_module("filer", true).await;
    let filed = file(&admin, "VPN", "technical_support", "high").await;
    let id = filed["id"].as_str().unwrap();
    let added = attach(&admin, id, &[("vpn.conf", b"secret=1")])
        .await
        .expect_status(201);
    let file_id = added.body["items"][0]["id"].as_str().unwrap();

    // Not through the host's file routes, even for an administrator.
    admin
        .get(&format!("/api/v1/files/{file_id}"))
        .await
        .expect_status(404);
    admin
        .delete(&format!("/api/v1/files/{file_id}"))
        .await
        .expect_status(404);
    // Not through another module: its `module:` owners are its own.
    admin
        .get(&format!("/api/v1/m/filer/read?id={file_id}"))
        .await
        .expect_status(404);
    let listed = admin
        .get(&format!("/api/v1/m/filer/list?owner=module:ticket:{id}"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0);
    // Not in global search (the helpdesk puts the ticket there itself).
    let found = admin
        .get("/api/v1/search?q=vpn.conf")
        .await
        .expect_status(200);
    assert!(!found.text.contains(file_id), "{}", found.text);

    // The other module keeps files of its own the same way.
    let kept = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/m/filer/attach?owner=module:box:1&name=a.txt",
            None,
            true,
        )
        .await
        .expect_status(201);
    assert_eq!(kept.body["owner"], "module:box:1");
    let listed = admin
        .get("/api/v1/m/filer/list?owner=module:box:1")
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let refused = admin
        .get("/api/v1/m/filer/list?owner=module:")
        .await
        .expect_status(422);
    assert!(refused.text.contains("module:{key}"), "{}", refused.text);
    server.stop().await;
}
