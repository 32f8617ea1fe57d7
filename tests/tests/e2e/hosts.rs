//! Three hosts of one installation on one PostgreSQL database and one S3
//! bucket, as behind a load balancer: a session, an upload, a module turned
//! on and its settings work on any host; each host's search index catches
//! up from the durable queue; workflow runs, emails, reminders and mailbox
//! fetches happen once, whichever host's workers take them; and a host
//! opens no more connections to the database than it is given.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeMap;

use immcase_tests::calendar::{self, move_clock_to};
use immcase_tests::helpdesk;
use immcase_tests::s3::S3Server;
use immcase_tests::{ADMIN_EMAIL, Api, Backend, TestServer, eventually};
use serde_json::{Value, json};

const NOTE: &str = "seen by one host";

/// A client of each host, all with the one `session`.
fn clients(hosts: &[&TestServer], session: &str) -> Vec<Api> {
    hosts
        .iter()
        .map(|h| Api::with_session(h.addr, None, session))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hosts_serve_the_same_practices_and_do_each_job_once() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let a = TestServer::start_with(backend, |c| s3.use_in(c, "hosts")).await;
    let b = a.start_beside().await;
    let c = a.start_beside().await;

    // Signed in on one host, the session is good on the others.
    let hosts = clients(&[&a, &b, &c], &a.admin_session().await);
    for api in &hosts {
        api.get("/api/v1/me").await.expect_status(200);
    }

    // A workflow on every new applicant; applicants made on each host.
    let role = hosts[0].role_id("Administrator").await;
    let workflow = hosts[0]
        .post(
            "/api/v1/workflows",
            json!({ "name": "Notes new applicants", "trigger": "applicant.created", "condition": "",
                    "script": format!("add_note(record, \"{NOTE}\");"), "role_id": role, "active": true }),
        )
        .await
        .expect_status(201)
        .body;
    let mut made = Vec::new();
    for (n, api) in hosts.iter().enumerate() {
        for m in 0..2 {
            made.push(api.add_applicant(&format!("Hostname{n}{m}")).await);
        }
    }
    // Each host's index finds what the others wrote.
    for api in &hosts {
        for (i, id) in made.iter().enumerate() {
            let name = format!("Hostname{}{}", i / 2, i % 2);
            assert!(api.search_ids(&name).await.contains(id), "{name}");
        }
    }

    // Uploaded through one host, downloaded through another.
    let scan: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    let up = hosts[1]
        .upload(
            &format!("/api/v1/applicants/{}/files", made[0]),
            &[("passport.pdf", &scan)],
            None,
        )
        .await
        .expect_status(201);
    let file = up.body["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _, bytes) = hosts[2].download(&format!("/api/v1/files/{file}")).await;
    assert_eq!(status, 200);
    assert!(bytes == scan, "the same bytes through another host");

    // A module turned on through one host is served by the others within
    // seconds; its settings saved on one are read on another.
    hosts[0].set_module("helpdesk", true).await;
    for api in &hosts[1..] {
        eventually("the helpdesk on every host", || async {
            let answer = api.get(&format!("{}/tickets", helpdesk::API)).await;
            (answer.status == 200).then_some(())
        })
        .await;
    }
    let me = hosts[0].get("/api/v1/me").await.expect_status(200).body["user"]["id"].clone();
    hosts[1]
        .configure_module("helpdesk", |s| {
            helpdesk::category(s, "case_support")["responsible_id"] = me.clone();
        })
        .await;
    let settings = hosts[2]
        .get(helpdesk::SETTINGS)
        .await
        .expect_status(200)
        .body;
    let category = settings["values"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "case_support")
        .unwrap()
        .clone();
    assert_eq!(category["responsible_id"], me);

    // Invitations sent from one host go out once, whoever's worker sends.
    let invited: Vec<String> = (1..=4).map(|n| format!("p{n}@hosts.example")).collect();
    for (n, email) in invited.iter().enumerate() {
        hosts[n % 3]
            .post(
                "/api/v1/users",
                json!({ "email": email, "display_name": email }),
            )
            .await
            .expect_status(201);
    }
    eventually("every invitation received", || async {
        let received = a.smtp.received();
        invited
            .iter()
            .all(|p| received.iter().any(|m| &m.to[0] == p))
            .then_some(())
    })
    .await;
    a.settle().await;
    let outbox = hosts[0].outbox().await;
    assert!(outbox.iter().all(|m| m["status"] == "sent"), "{outbox:?}");
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for mail in a.smtp.received() {
        *copies.entry(mail.to[0].clone()).or_default() += 1;
    }
    for email in &invited {
        assert_eq!(copies.get(email), Some(&1), "{email}: {copies:?}");
    }

    // The workflow ran once per applicant, on whichever host.
    let runs_path = format!(
        "/api/v1/workflows/{}/runs",
        workflow["id"].as_str().unwrap()
    );
    eventually("every run ended", || async {
        let runs = hosts[2].get(&runs_path).await.expect_status(200).body;
        let items = runs["items"].as_array().unwrap().clone();
        (items.len() >= made.len() && items.iter().all(|r| r["outcome"].is_string())).then_some(())
    })
    .await;
    a.settle().await;
    let runs = hosts[2].get(&runs_path).await.expect_status(200).body;
    assert_eq!(
        runs["items"].as_array().unwrap().len(),
        made.len(),
        "{runs}"
    );
    for id in &made {
        let timeline = hosts[1]
            .get(&format!("/api/v1/applicants/{id}/timeline"))
            .await
            .expect_status(200)
            .body;
        let notes = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.to_string().contains(NOTE))
            .count();
        assert_eq!(notes, 1, "{timeline}");
    }

    // A reminder comes due while three hosts' workers look for timers: it
    // goes out once.
    hosts[0].set_module("calendar", true).await;
    move_clock_to(&a, "2027-03-01 08:00");
    let admin = a.admin().await;
    calendar::create(
        &admin,
        json!({ "title": "Interview Hostname", "start": "2027-03-02T10:00", "reminders": [1440] }),
    )
    .await;
    move_clock_to(&a, "2027-03-01 10:01");
    a.smtp
        .wait_for(ADMIN_EMAIL, "Interview Hostname in 1 day")
        .await;
    a.settle().await;
    let reminders = a
        .smtp
        .received()
        .iter()
        .filter(|m| m.subject().contains("Interview Hostname"))
        .count();
    assert_eq!(reminders, 1);
    // (Two hours on, the morning's session has lapsed.)
    let admin = b.admin().await;
    let bell: Value = admin
        .get("/api/v1/notifications")
        .await
        .expect_status(200)
        .body;
    let rung = bell["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.to_string().contains("Interview Hostname"))
        .count();
    assert_eq!(rung, 1, "{bell}");

    c.stop().await;
    b.stop().await;
    a.stop().await;
}

/// A message delivered to the IMAP server for the fetch tests.
fn letter(subject: &str) -> Vec<u8> {
    format!(
        "From: Client <client@example.com>\r\nTo: ana@diaz.example\r\nSubject: {subject}\r\n\
         Message-ID: <{}@example.com>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\n\r\nHello.\r\n",
        uuid::Uuid::now_v7()
    )
    .into_bytes()
}

/// The subjects the `postroom` module was handed, sorted.
async fn handed(api: &Api) -> Vec<String> {
    let items = api
        .get("/api/v1/m/postroom/received")
        .await
        .expect_status(200)
        .body;
    let mut subjects: Vec<String> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hosts_fetch_each_message_of_a_mailbox_once() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let Some(imap) = immcase_tests::ImapServer::start().await else {
        return;
    };
    let password = "ana-1map-pa55";
    imap.add_user("ana", password);
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), imap.ca_pem()).unwrap();
    let ca_path = ca.path().to_path_buf();
    let bucket = &s3;
    let a = TestServer::start_with_modules_and(backend, &["postroom"], move |c| {
        bucket.use_in(c, "hosts-mail");
        c.mail_ca_file = Some(ca_path);
    })
    .await;
    let b = a.start_beside().await;
    let c = a.start_beside().await;
    let hosts = clients(&[&a, &b, &c], &a.admin_session().await);
    hosts[0].set_module("postroom", true).await;
    for n in 0..4 {
        imap.deliver("ana", &letter(&format!("Early letter {n}")));
    }
    let saved = hosts[1]
        .put(
            "/api/v1/me/mailbox",
            json!({ "name": "Ana Diaz", "address": "ana@diaz.example", "imap_host": "127.0.0.1",
                    "imap_port": imap.port(), "imap_security": "tls", "imap_username": "ana",
                    "imap_password": password }),
        )
        .await
        .expect_status(200);
    let id = saved.body["id"].as_str().unwrap().to_string();
    let early: Vec<String> = (0..4).map(|n| format!("Early letter {n}")).collect();
    eventually("the first letters, through any host", || async {
        (handed(&hosts[2]).await == early).then_some(())
    })
    .await;

    // Every host asked to fetch at once, while more mail arrives: each
    // letter is taken by one of them, once.
    let mut expected = early.clone();
    for round in 0..3 {
        for n in 0..2 {
            let subject = format!("Letter {round}-{n}");
            imap.deliver("ana", &letter(&subject));
            expected.push(subject);
        }
        a.clock.advance(jiff::SignedDuration::from_secs(61));
        let path = format!("/api/v1/mailboxes/{id}/fetch");
        let asked =
            futures_util::future::join_all(hosts.iter().map(|h| h.post(&path, json!({})))).await;
        for answer in asked {
            assert_eq!(answer.status, 202, "{}", answer.text);
        }
        expected.sort();
        eventually("this round's letters", || async {
            let now = handed(&hosts[round % 3]).await;
            (now.len() >= expected.len()).then_some(())
        })
        .await;
    }
    a.settle().await;
    assert_eq!(handed(&hosts[0]).await, expected, "each letter once");
    let unread = imap.inbox_messages("ana").iter().all(|m| !m.seen);
    assert!(unread, "left unread on the IMAP server");

    c.stop().await;
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_opens_no_more_database_connections_than_configured() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let server = TestServer::start_with(backend, |c| c.database_connections = 4).await;
    let admin = server.admin().await;
    admin.add_applicant("Pooled").await;
    // Many requests at once, each wanting connections.
    let calls = (0..40).map(|_| admin.get("/api/v1/applicants?limit=50"));
    for answer in futures_util::future::join_all(calls).await {
        answer.expect_status(200);
    }
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&server.config.database_url())
        .await
        .unwrap();
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert!((1..=4).contains(&open), "{open} connections open");
}
