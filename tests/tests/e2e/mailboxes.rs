//! The practice's mailboxes against a real IMAP server (Dovecot) and a real
//! SMTP server, through the `postroom` test module (contract 0.2.3): mail
//! is taken once, across a restart and a UIDVALIDITY change, and handed to
//! the module, which reads it; a wrong password shows on the mailbox; a
//! mail server's pipe takes a message once with its token; a person reads
//! only the mailboxes they were given; a letter from a mailbox goes out as
//! it, in its conversation, with hidden copies hidden, is filed in its Sent
//! folder and is told to the module.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::io::Write;

use immcase_tests::{Api, Backend, ImapServer, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;
use serde_json::{Value, json};

on_both_databases!(
    mail_is_taken_once_across_a_restart_and_a_uidvalidity_change,
    a_pipe_takes_a_message_once_and_readers_alone_read_it,
    a_letter_goes_out_as_its_mailbox_and_is_filed_in_sent,
);

const IMAP_PASSWORD: &str = "ana-1map-pa55";

fn raw(subject: &str) -> Vec<u8> {
    format!(
        "From: Client <client@example.com>\r\nTo: ana@diaz.example\r\nSubject: {subject}\r\n\
         Message-ID: <{}@example.com>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\n\r\nHello.\r\n",
        subject.replace(' ', "-")
    )
    .into_bytes()
}

/// A server that trusts `imap`'s CA, with the `postroom` module enabled.
async fn server_for(backend: Backend, imap: &ImapServer) -> (TestServer, tempfile::NamedTempFile) {
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(imap.ca_pem()).unwrap();
    let path = ca.path().to_path_buf();
    let server = TestServer::start_with_modules_and(backend, &["postroom"], move |c| {
        c.mail_ca_file = Some(path)
    })
    .await;
    server.admin().await.set_module("postroom", true).await;
    (server, ca)
}

fn mailbox(imap: &ImapServer, name: &str, address: &str, user: &str) -> Value {
    json!({ "name": name, "address": address, "imap_host": "127.0.0.1", "imap_port": imap.port(),
            "imap_security": "tls", "imap_username": user, "imap_password": IMAP_PASSWORD })
}

async fn received(api: &Api) -> Vec<Value> {
    api.get("/api/v1/m/postroom/received")
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn wait_received(api: &Api, count: usize) -> Vec<Value> {
    eventually(
        &format!("{count} messages handed to the module"),
        || async {
            let items = received(api).await;
            (items.len() == count).then_some(items)
        },
    )
    .await
}

/// Asks for a fetch of the own mailbox and waits until it is done.
async fn fetch_own(server: &TestServer, api: &Api, id: &str) -> Value {
    let before = api.get("/api/v1/me/mailbox").await.body["fetched_at"].clone();
    server.clock.advance(SignedDuration::from_secs(1));
    api.post(&format!("/api/v1/mailboxes/{id}/fetch"), json!({}))
        .await
        .expect_status(202);
    eventually("the fetch to finish", || async {
        let now = api.get("/api/v1/me/mailbox").await.body;
        (now["fetched_at"] != before || now["problem"].is_string()).then_some(now)
    })
    .await
}

async fn mail_is_taken_once_across_a_restart_and_a_uidvalidity_change(backend: Backend) {
    let Some(imap) = ImapServer::start().await else {
        return;
    };
    imap.add_user("ana", IMAP_PASSWORD);
    imap.deliver("ana", &raw("First documents"));
    imap.deliver("ana", &raw("Second documents"));
    let (mut server, _ca) = server_for(backend, &imap).await;
    let admin = server.admin().await;
    let saved = admin
        .put(
            "/api/v1/me/mailbox",
            mailbox(&imap, "Ana Diaz", "ana@diaz.example", "ana"),
        )
        .await
        .expect_status(200);
    assert!(!saved.text.contains(IMAP_PASSWORD), "{}", saved.text);
    assert_eq!(saved.body["password_set"], true);
    let id = saved.body["id"].as_str().unwrap().to_string();

    let items = wait_received(&admin, 2).await;
    let mut subjects: Vec<&str> = items
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    subjects.sort();
    assert_eq!(subjects, ["First documents", "Second documents"]);
    assert!(
        imap.inbox_messages("ana").iter().all(|m| !m.seen),
        "left unread on the server"
    );
    let check = admin
        .post(&format!("/api/v1/mailboxes/{id}/check"), json!({}))
        .await
        .expect_status(200)
        .body;
    assert_eq!(check["ok"], true, "{check}");
    assert!(
        check["message"].as_str().unwrap().contains("2 messages"),
        "{check}"
    );

    // Restarted, nothing is taken twice; a new message is taken alone.
    server.restart().await;
    let admin = server.admin().await;
    fetch_own(&server, &admin, &id).await;
    assert_eq!(received(&admin).await.len(), 2);
    imap.deliver("ana", &raw("Third documents"));
    fetch_own(&server, &admin, &id).await;
    wait_received(&admin, 3).await;

    // The folder renumbered (UIDVALIDITY changed): still once each.
    imap.reset_uid_validity("ana");
    let after = fetch_own(&server, &admin, &id).await;
    assert!(after["problem"].is_null(), "{after}");
    assert_eq!(received(&admin).await.len(), 3);
    imap.deliver("ana", &raw("Fourth documents"));
    fetch_own(&server, &admin, &id).await;
    wait_received(&admin, 4).await;

    // A wrong password is said on the mailbox, loudly.
    let mut wrong = mailbox(&imap, "Ana Diaz", "ana@diaz.example", "ana");
    wrong["imap_password"] = json!("not-the-password");
    wrong["version"] = saved.body["version"].clone();
    let version = admin.get("/api/v1/me/mailbox").await.body["version"].clone();
    wrong["version"] = version;
    admin
        .put("/api/v1/me/mailbox", wrong)
        .await
        .expect_status(200);
    let failed = fetch_own(&server, &admin, &id).await;
    let problem = failed["problem"].as_str().unwrap();
    assert!(problem.contains("refused the sign-in"), "{problem}");
    assert!(!problem.contains("not-the-password"), "{problem}");
}

async fn a_pipe_takes_a_message_once_and_readers_alone_read_it(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["postroom"]).await;
    let admin = server.admin().await;
    admin.set_module("postroom", true).await;
    let role = json!({ "name": "Staff", "permissions": ["module:postroom"] });
    let kim = server
        .sign_in_with_role(&admin, role, "kim@diaz.example")
        .await;
    let kim_id = kim.get("/api/v1/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut info = json!({ "name": "Info", "address": "info@diaz.example", "imap_host": "imap.invalid",
                           "imap_username": "info", "readers": [] });
    let created = admin
        .post("/api/v1/mailboxes", info.clone())
        .await
        .expect_status(201)
        .body;
    let id = created["id"].as_str().unwrap().to_string();
    kim.get("/api/v1/mailboxes").await.expect_status(403);

    let pipe = admin
        .put(
            &format!("/api/v1/mailboxes/{id}/pipe"),
            json!({ "enabled": true }),
        )
        .await
        .expect_status(200)
        .body;
    let token = pipe["token"].as_str().unwrap().to_string();
    assert!(
        pipe["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/mailboxes/{id}/messages"))
    );
    let anonymous = server.api();
    let post = |token: String, body: Vec<u8>| {
        let anonymous = anonymous.clone();
        let path = format!("/api/v1/mailboxes/{id}/messages");
        async move {
            anonymous
                .post_raw(
                    &path,
                    &[("authorization", &format!("Bearer {token}"))],
                    body,
                )
                .await
        }
    };
    post("wrong".into(), raw("Piped")).await.expect_status(401);
    let first = post(token.clone(), raw("Piped")).await.expect_status(201);
    assert_eq!(first.body["duplicate"], false);
    let again = post(token.clone(), raw("Piped")).await.expect_status(200);
    assert_eq!(again.body["duplicate"], true);
    post(token.clone(), Vec::new()).await.expect_status(422);
    let items = wait_received(&admin, 1).await;
    let message = items[0]["message_id"].as_str().unwrap().to_string();

    // Kim does not read it: not listed, not readable.
    let listed = kim
        .get("/api/v1/m/postroom/mailboxes")
        .await
        .expect_status(200)
        .body;
    assert_eq!(listed["items"], json!([]));
    kim.get(&format!("/api/v1/m/postroom/raw/{message}"))
        .await
        .expect_status(404);
    // Given it, Kim reads it.
    info["readers"] = json!([kim_id]);
    info["version"] = admin.get(&format!("/api/v1/mailboxes/{id}")).await.body["version"].clone();
    admin
        .put(&format!("/api/v1/mailboxes/{id}"), info)
        .await
        .expect_status(200);
    let listed = kim
        .get("/api/v1/m/postroom/mailboxes")
        .await
        .expect_status(200)
        .body;
    assert_eq!(listed["items"][0]["name"], "Info");
    let read = kim
        .get(&format!("/api/v1/m/postroom/raw/{message}"))
        .await
        .expect_status(200);
    assert!(
        read.body["text"]
            .as_str()
            .unwrap()
            .contains("Subject: Piped")
    );

    // Another practice sees none of it.
    let other = server
        .admin_of_new_practice("north", "admin@north.example", "north-admin-pass-1")
        .await;
    let theirs = other.get("/api/v1/mailboxes").await.expect_status(200).body;
    assert_eq!(theirs["items"], json!([]));
    other
        .get(&format!("/api/v1/mailboxes/{id}"))
        .await
        .expect_status(404);
    // The old token stops working once the pipe is turned off.
    admin
        .put(
            &format!("/api/v1/mailboxes/{id}/pipe"),
            json!({ "enabled": false }),
        )
        .await
        .expect_status(200);
    post(token, raw("Late")).await.expect_status(401);
}

async fn a_letter_goes_out_as_its_mailbox_and_is_filed_in_sent(backend: Backend) {
    let Some(imap) = ImapServer::start().await else {
        return;
    };
    imap.add_user("ana", IMAP_PASSWORD);
    let (server, _ca) = server_for(backend, &imap).await;
    let admin = server.admin().await;
    let me = admin.get("/api/v1/me").await.body;
    admin
        .patch(
            "/api/v1/me",
            json!({ "email_signature": "Ana Diaz\nLicensed consultant", "version": me["user"]["version"] }),
        )
        .await
        .expect_status(200);
    let signature = admin
        .get("/api/v1/m/postroom/signature")
        .await
        .expect_status(200)
        .body;
    assert_eq!(signature["signature"], "Ana Diaz\nLicensed consultant");
    let id = admin
        .put(
            "/api/v1/me/mailbox",
            mailbox(&imap, "Ana Diaz", "ana@diaz.example", "ana"),
        )
        .await
        .expect_status(200)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();

    let queued = admin
        .post(
            "/api/v1/m/postroom/letters",
            json!({ "mailbox_id": id, "to": ["client@example.com"], "bcc": ["archive@diaz.example"],
                    "subject": "Re: Documents", "body": "Received, thank you.",
                    "in_reply_to": "<m1@example.com>", "references": ["<m0@example.com>", "<m1@example.com>"] }),
        )
        .await
        .expect_status(202)
        .body;
    let message_id = queued["message_id"].as_str().unwrap().to_string();
    assert!(message_id.ends_with("@diaz.example>"), "{message_id}");
    let mail = server
        .smtp
        .wait_for("client@example.com", "Re: Documents")
        .await;
    assert_eq!(mail.from_header(), "\"Ana Diaz\" <ana@diaz.example>");
    assert_eq!(format!("<{}>", mail.message_id()), message_id);
    assert!(
        mail.to.contains(&"archive@diaz.example".to_string()),
        "bcc on the envelope"
    );
    let text = String::from_utf8_lossy(&mail.raw).to_string();
    assert!(
        !text.contains("archive@diaz.example"),
        "bcc not in the headers: {text}"
    );
    assert!(text.contains("In-Reply-To: <m1@example.com>"), "{text}");

    // Filed in the mailbox's Sent folder, and told to the module.
    eventually("the letter in Sent", || async {
        imap.sent_messages("ana")
            .iter()
            .any(|m| String::from_utf8_lossy(&m.raw).contains("Subject: Re: Documents"))
            .then_some(())
    })
    .await;
    let outcome = eventually("mail.sent told to the module", || async {
        let items = admin.get("/api/v1/m/postroom/outcomes").await.body["items"].clone();
        items.as_array().unwrap().first().cloned()
    })
    .await;
    assert_eq!(outcome["event"], "mail.sent");
    assert_eq!(outcome["message_id"], message_id);

    // Someone else may not send from Ana's mailbox.
    let role = json!({ "name": "Staff", "permissions": ["module:postroom"] });
    let kim = server
        .sign_in_with_role(&admin, role, "kim@diaz.example")
        .await;
    let refused = kim
        .post(
            "/api/v1/m/postroom/letters",
            json!({ "mailbox_id": id, "to": ["client@example.com"], "subject": "Hi" }),
        )
        .await
        .expect_status(403);
    assert!(
        refused.text.contains("not one you read"),
        "{}",
        refused.text
    );
}
