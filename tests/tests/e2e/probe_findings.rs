//! What a probe of the running server found, each held now: bounded and
//! rationed audit rows from signed-out clients and an audit retention;
//! forms with files refused before they are read; guessing at an account
//! not locking its owner out; a rationed forgot-password form; names
//! without hidden or line-breaking characters; one Host header; query
//! string errors in the API's shape; a bounded search. And what a
//! property-based client found: a page form posted to an id with control
//! characters answered 500.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::net::SocketAddr;
use std::time::Duration;

use immcase_tests::on_both_databases;
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, eventually};
use jiff::SignedDuration;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_databases!(
    signed_out_refusals_add_few_and_short_audit_rows,
    the_audit_log_is_trimmed_past_its_retention,
    a_form_with_files_is_refused_before_it_is_read,
    guessing_at_an_account_does_not_lock_its_owner_out,
    forgot_password_is_rationed_per_address,
    names_refuse_hidden_and_line_breaking_characters,
    two_host_headers_are_refused,
    query_string_mistakes_are_answered_in_json,
    a_search_is_bounded_in_length,
    helpdesk_categories_are_handled_by_people_of_the_practice,
    a_page_form_on_an_id_with_control_characters_is_no_server_error,
);

/// The audit entries of `action`.
async fn audited(admin: &Api, action: &str) -> Vec<Value> {
    let page = admin
        .get(&format!("/api/v1/audit?limit=200&action={action}"))
        .await
        .expect_status(200);
    page.body["items"].as_array().unwrap().clone()
}

async fn signed_out_refusals_add_few_and_short_audit_rows(backend: Backend) {
    let server = TestServer::start(backend).await;
    let stranger = server.api();
    let long_path = format!("/api/v1/{}", "a".repeat(4000));
    for _ in 0..60 {
        // Without the CSRF header: refused, and audited.
        stranger
            .post_raw(
                &long_path,
                &[("content-type", "application/json")],
                b"{}".to_vec(),
            )
            .await
            .expect_status(403);
    }
    let admin = server.admin().await;
    let rows = audited(&admin, "access.csrf_refused").await;
    assert_eq!(
        rows.len(),
        immcase_host::audit::SIGNED_OUT_ROWS_PER_WINDOW as usize,
        "signed-out refusals past the ration are not written"
    );
    for row in &rows {
        let target = row["target"].as_str().unwrap();
        assert!(
            target.chars().count() <= immcase_host::audit::MAX_TARGET_CHARS,
            "{target}"
        );
        assert!(target.starts_with("POST /api/v1/aaaa") && target.ends_with('…'));
    }
    // Someone signed in is still audited each time.
    for _ in 0..3 {
        admin
            .post_raw(
                &long_path,
                &[("content-type", "application/json")],
                b"{}".to_vec(),
            )
            .await
            .expect_status(403);
    }
    let rows = audited(&admin, "access.csrf_refused").await;
    assert_eq!(
        rows.len(),
        immcase_host::audit::SIGNED_OUT_ROWS_PER_WINDOW as usize + 3
    );
    server.stop().await;
}

async fn the_audit_log_is_trimmed_past_its_retention(backend: Backend) {
    let server = TestServer::start_with(backend, |config| {
        config.audit_retention = SignedDuration::from_hours(24 * 30);
    })
    .await;
    let admin = server.admin().await;
    admin.add_applicant("García").await;
    let before = audited(&admin, "applicant.created").await;
    assert_eq!(before.len(), 1);
    // Past the retention (and the six hours between trims), the entries of
    // then are gone, and the trim itself is recorded.
    server.clock.advance(SignedDuration::from_hours(24 * 31));
    let admin = server.admin().await;
    let trimmed = eventually("the audit log trimmed", || {
        let admin = admin.clone();
        async move {
            let rows = audited(&admin, "audit.trimmed").await;
            rows.first().cloned()
        }
    })
    .await;
    assert!(
        trimmed["details"]["deleted"].as_u64().unwrap() >= 2,
        "{trimmed}"
    );
    assert_eq!(trimmed["details"]["retention_days"], 30);
    assert!(audited(&admin, "applicant.created").await.is_empty());
    // What happened since is kept.
    assert!(!audited(&admin, "auth.sign_in").await.is_empty());
    server.stop().await;
}

/// Sends `head` announcing a body of `declared` bytes, and reads the answer's
/// status line and headers without sending any of the body: a server that
/// waited for the body before answering would never answer. (Sending part of
/// it races the server's refusal: once it has answered and closed, a write
/// fails and the answer can be lost to the reset.)
async fn answer_before_the_body(addr: SocketAddr, head: &str, declared: usize) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{head}Content-Length: {declared}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !read.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .expect("an answer before any of the body is sent")
            .unwrap();
        assert!(n > 0, "the connection closed without an answer");
        read.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&read).into_owned()
}

async fn a_form_with_files_is_refused_before_it_is_read(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let head = |cookie: &str| {
        format!(
            "POST /api/v1/m/helpdesk/tickets HTTP/1.1\r\nHost: localhost\r\n\
             Content-Type: multipart/form-data; boundary=XyZ\r\n{cookie}"
        )
    };
    // Signed out: 401 while 20 MB are still to come.
    let answer = answer_before_the_body(server.addr, &head(""), 20 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    // Signed in, but the module is not on in this practice: 404 alike.
    admin.set_module("helpdesk", false).await;
    let signed_in = server.api();
    let session = signed_in
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200)
        .session_cookie()
        .unwrap();
    let cookie = format!("Cookie: immcase_session={session}\r\n");
    let answer = answer_before_the_body(server.addr, &head(&cookie), 20 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    server.stop().await;
}

/// Signs in as `email` from `addr` (the server trusts X-Forwarded-For).
async fn sign_in_from(api: &Api, addr: &str, email: &str, password: &str) -> u16 {
    let body = json!({ "email": email, "password": password });
    api.post_with_headers("/api/v1/auth/sign-in", &[("x-forwarded-for", addr)], body)
        .await
        .status
        .as_u16()
}

async fn guessing_at_an_account_does_not_lock_its_owner_out(backend: Backend) {
    let server = TestServer::start_with(backend, |config| config.trust_forwarded_for = true).await;
    let api = server.api();
    // The administrator works from the office.
    assert_eq!(
        sign_in_from(&api, "10.1.1.1", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
    // Someone guesses from many addresses, a few tries each, until the
    // account's limit is reached.
    let max = server.config.throttle.max_failures;
    for i in 0..max {
        let from = format!("10.9.{}.{}", i / 200, i % 200 + 1);
        assert_eq!(
            sign_in_from(&api, &from, ADMIN_EMAIL, "a wrong guess").await,
            401
        );
    }
    // A stranger's address is slowed down, even with the right password...
    assert_eq!(
        sign_in_from(&api, "10.7.7.7", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        429
    );
    // ...but the owner, from where they have signed in before, gets in.
    assert_eq!(
        sign_in_from(&api, "10.1.1.1", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        200
    );
    // One address guessing is still stopped by its own limit.
    for _ in 0..max {
        sign_in_from(&api, "10.8.8.8", "someone@example.com", "guess").await;
    }
    assert_eq!(
        sign_in_from(&api, "10.8.8.8", "someone@example.com", "guess").await,
        429
    );
    server.stop().await;
}

async fn forgot_password_is_rationed_per_address(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let per_hour = immcase_host::auth::reset::REQUESTS_PER_ADDRESS_PER_HOUR;
    for i in 0..per_hour {
        api.post(
            "/api/v1/auth/forgot-password",
            json!({ "email": format!("nobody{i}@example.com") }),
        )
        .await
        .expect_status(202);
    }
    let refused = api
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": ADMIN_EMAIL }),
        )
        .await
        .expect_status(429);
    assert_eq!(refused.code(), "rate_limited");
    assert!(refused.header("retry-after").is_some());
    // An hour later the address may ask again, and the link arrives.
    server.clock.advance(SignedDuration::from_mins(61));
    api.post(
        "/api/v1/auth/forgot-password",
        json!({ "email": ADMIN_EMAIL }),
    )
    .await
    .expect_status(202);
    server
        .smtp
        .wait_for(ADMIN_EMAIL, "Reset your ImmCase password")
        .await;
    server.stop().await;
}

async fn names_refuse_hidden_and_line_breaking_characters(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("García").await;
    let files = format!("/api/v1/applicants/{ana}/files");
    // Shown as "invoiceexe.png", saved as an .exe: refused.
    // As a browser sends it: the name's UTF-8 as it is.
    let part = reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("invoice\u{202E}gnp.exe");
    let form = reqwest::multipart::Form::new()
        .percent_encode_noop()
        .part("file", part);
    let spoofed = admin.multipart(&files, form, true).await.expect_status(422);
    assert!(spoofed.text.contains("U+202E"), "{}", spoofed.text);
    admin
        .upload(
            &files,
            &[("scan.pdf", b"%PDF-1.7")],
            Some("Pass\u{200B}ports"),
        )
        .await
        .expect_status(422);
    admin
        .upload(&files, &[("scan.pdf", b"%PDF-1.7")], Some("Passports"))
        .await
        .expect_status(201);
    // A display name that would add lines to an email.
    let role = admin.role_id("Consultant").await;
    let made = admin
        .post(
            "/api/v1/users",
            json!({ "email": "lee@example.com", "display_name": "Lee\r\nBcc: all@example.com",
                    "password": "a consultant's long passphrase", "roles": [role] }),
        )
        .await
        .expect_status(422);
    assert!(
        made.body["error"]["fields"]["display_name"]
            .as_str()
            .unwrap()
            .contains("one line")
    );
    let version = admin.get("/api/v1/me").await.expect_status(200).body["user"]["version"].clone();
    let me = admin
        .patch(
            "/api/v1/me",
            json!({ "display_name": "Admin\u{2067}", "version": version }),
        )
        .await
        .expect_status(422);
    assert!(me.body["error"]["fields"]["display_name"].is_string());
    let applicant = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Ana", "family_name": "Gar\u{202E}cía", "confirm_duplicates": true }),
        )
        .await
        .expect_status(422);
    assert!(applicant.body["error"]["fields"]["family_name"].is_string());
    // A Persian name keeps its zero-width non-joiner.
    admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "محمد\u{200C}علی", "family_name": "Rezaei", "confirm_duplicates": true }),
        )
        .await
        .expect_status(201);
    server.stop().await;
}

async fn two_host_headers_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: other.localhost\r\n\
              Connection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"code\":\"invalid\""), "{answer}");
    // One is fine.
    server.api().get("/healthz").await.expect_status(200);
    server.stop().await;
}

async fn query_string_mistakes_are_answered_in_json(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let wrong = admin
        .get("/api/v1/audit?limit=abc")
        .await
        .expect_status(422);
    assert_eq!(wrong.code(), "invalid");
    assert!(
        wrong.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit"),
        "{}",
        wrong.text
    );
    server.stop().await;
}

async fn a_search_is_bounded_in_length(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.add_applicant("García").await;
    let words = ["wolfeschlegelsteinhausenberger"; 7].join(" ");
    let long = admin
        .get(&format!("/api/v1/search?q={}", words.replace(' ', "+")))
        .await
        .expect_status(422);
    assert!(
        long.body["error"]["fields"]["q"]
            .as_str()
            .unwrap()
            .contains("at most 200"),
        "{}",
        long.text
    );
    admin
        .get("/api/v1/search?q=garcia")
        .await
        .expect_status(200);
    server.stop().await;
}

async fn helpdesk_categories_are_handled_by_people_of_the_practice(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let other = server
        .admin_of_new_practice("other", "boss@other.example", "another long passphrase")
        .await;
    let stranger_id = other.get("/api/v1/me").await.expect_status(200).body["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let me = admin.get("/api/v1/me").await.expect_status(200).body["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = "/api/v1/modules/helpdesk/settings";
    let current = admin.get(path).await.expect_status(200).body;
    let mut values = current["values"].clone();
    let everyone = |values: &mut Value, id: &str| {
        for category in values["categories"].as_array_mut().unwrap() {
            category["responsible_id"] = json!(id);
        }
    };
    // Someone of another practice.
    everyone(&mut values, &me);
    values["categories"][0]["responsible_id"] = json!(stranger_id);
    let refused = admin
        .put(
            path,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(422);
    assert!(
        refused.body["error"]["fields"]["categories[0].responsible_id"]
            .as_str()
            .unwrap()
            .contains("not a person of this practice"),
        "{}",
        refused.text
    );
    // Nor as a team member or a manager.
    values["categories"][0]["responsible_id"] = Value::Null;
    values["categories"][0]["team"] = json!({ "members": [me, stranger_id] });
    values["categories"][1]["manager_id"] = json!(stranger_id);
    let refused = admin
        .put(
            path,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(422);
    let fields = &refused.body["error"]["fields"];
    assert!(
        fields["categories[0].team.members[1]"].is_string(),
        "{}",
        refused.text
    );
    assert!(
        fields["categories[1].manager_id"].is_string(),
        "{}",
        refused.text
    );
    values["categories"][0]["team"] = Value::Null;
    values["categories"][1]["manager_id"] = Value::Null;
    // Nobody at all: an id of no practice.
    values["categories"][0]["responsible_id"] = json!("u-nobody");
    let refused = admin
        .put(
            path,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(422);
    assert!(refused.body["error"]["fields"]["categories[0].responsible_id"].is_string());
    // A rule across fields, which the helpdesk checks before the host saves:
    // a responsible person and a team at once.
    values["categories"][0]["responsible_id"] = json!(me);
    values["categories"][0]["team"] = json!({ "members": [me] });
    let refused = admin
        .put(
            path,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(422);
    assert_eq!(
        refused.body["error"]["fields"]["categories[0].team"],
        "a category has a responsible person or a team, not both",
        "{}",
        refused.text
    );
    values["categories"][0]["team"] = Value::Null;
    // Someone of the practice, for every category: saved.
    everyone(&mut values, &me);
    admin
        .put(
            path,
            json!({ "values": values, "version": current["version"] }),
        )
        .await
        .expect_status(200);
    server.stop().await;
}

async fn a_page_form_on_an_id_with_control_characters_is_no_server_error(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    // The upload form of a case that cannot exist: its page is where the
    // refusal is shown, and the way back there is a redirect, whatever the
    // id holds.
    let body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ--\r\n".to_vec();
    let answer = admin
        .post_raw(
            "/cases/%0F%C2%98%20x/files",
            &[
                ("content-type", "multipart/form-data; boundary=XyZ"),
                ("x-requested-with", "immcase"),
            ],
            body,
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    let location = answer.headers["location"].to_str().unwrap();
    assert_eq!(location, "/cases/%0F%C2%98%20x");
    server.stop().await;
}
