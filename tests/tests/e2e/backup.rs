//! `immcase backup` of a running server and `immcase restore` into an empty
//! installation: every record, file, module document and setting is there
//! after, the search index finds them, and nothing written after the backup
//! is; a restore refuses an installation that is not empty, and a damaged
//! backup.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{self, API};
use immcase_tests::on_both_databases;
use immcase_tests::{Backend, TestServer};
use serde_json::{Value, json};

on_both_databases!(
    a_backup_restores_into_an_empty_installation,
    a_restore_refuses_what_it_cannot_do_whole,
);

async fn a_backup_restores_into_an_empty_installation(backend: Backend) {
    let server = TestServer::start(backend.clone()).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Okonkwo").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let scan: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("passport.pdf", &scan)],
            Some("Identity"),
        )
        .await
        .expect_status(201);
    let file_id = up.body["items"][0]["id"].as_str().unwrap().to_string();
    // A module document, the module's settings and its being enabled.
    let desk = helpdesk::desk(&server, &admin, "case_support").await;
    let ticket = helpdesk::file(&desk.requester, "Printer jammed", "case_support", "high").await;
    helpdesk::reply(&desk.agent, &ticket, "On my way.", false).await;
    // A second practice.
    let other = server
        .admin_of_new_practice("acme", "boss@acme.example", "another long password 7")
        .await;
    let bo = other.add_applicant("Lindqvist").await;

    let folder = tempfile::tempdir().unwrap();
    let to = folder.path().join("backup");
    immcase_host::commands::backup(&server.config, &to, true)
        .await
        .expect("back up the running server");
    // Written after the backup: not in it.
    admin.add_applicant("Afterwards").await;
    let manifest = immcase_host::backup::read_manifest(&to).unwrap();
    assert_eq!(manifest.practices, 2);
    assert_eq!(manifest.blobs, 1, "{manifest:?}");
    assert_eq!(manifest.blob_bytes, scan.len() as u64);
    assert!(manifest.secret_key_included);

    let restored = TestServer::start_restored(backend, &to).await;
    // The same people sign in with the same passwords.
    let admin = restored.admin().await;
    let got = admin
        .get(&format!("/api/v1/applicants/{ana}"))
        .await
        .expect_status(200);
    assert_eq!(got.body["family_name"], "Okonkwo");
    let case_id = case["id"].as_str().unwrap();
    admin
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(200);
    let listed = admin.get("/api/v1/applicants").await.expect_status(200);
    let families: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["family_name"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["Okonkwo"], "{}", listed.text);
    // The file, byte for byte.
    let (status, _, bytes) = admin.download(&format!("/api/v1/files/{file_id}")).await;
    assert_eq!(status, 200);
    assert!(bytes == scan, "the file's contents differ");
    // The search index was rebuilt.
    assert!(admin.search_ids("Okonkwo").await.contains(&ana));
    // The module is on, with its settings and its documents.
    let settings = admin.get(helpdesk::SETTINGS).await.expect_status(200).body;
    let category = settings["values"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "case_support")
        .unwrap();
    assert_eq!(category["responsible_id"], json!(desk.agent_id));
    let agent = restored.api();
    agent
        .sign_in("agent@example.com", "a member's long passphrase")
        .await
        .expect_status(200);
    let seen = helpdesk::ticket(&agent, &ticket["id"]).await;
    assert_eq!(seen["subject"], "Printer jammed");
    let replies: Vec<&Value> = seen["replies"].as_array().unwrap().iter().collect();
    assert_eq!(replies.len(), 1, "{seen}");
    agent
        .get(&format!("{API}/tickets"))
        .await
        .expect_status(200);
    // The other practice, apart as before.
    let other = restored.api_for("acme");
    other
        .sign_in("boss@acme.example", "another long password 7")
        .await
        .expect_status(200);
    assert_eq!(other.search_ids("Lindqvist").await, [bo]);
    assert!(other.search_ids("Okonkwo").await.is_empty());
    restored.stop().await;
    server.stop().await;
}

async fn a_restore_refuses_what_it_cannot_do_whole(backend: Backend) {
    let server = TestServer::start(backend.clone()).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Okonkwo").await;
    admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("a.txt", b"first contents")],
            None,
        )
        .await
        .expect_status(201);
    let folder = tempfile::tempdir().unwrap();
    let to = folder.path().join("backup");
    immcase_host::commands::backup(&server.config, &to, false)
        .await
        .unwrap();
    // A backup goes into a new folder.
    let again = immcase_host::commands::backup(&server.config, &to, false).await;
    assert!(
        again.unwrap_err().to_string().contains("is not empty"),
        "a second backup over the first"
    );
    // Not into an installation that holds a database.
    let refused = immcase_host::commands::restore(&server.config, &to)
        .await
        .unwrap_err();
    assert!(format!("{refused:#}").contains("already"), "{refused:#}");
    // Without the key of the stored secrets, nowhere: the backup does not
    // carry it and the new installation has none.
    let mut empty = server.config.clone();
    let fresh = tempfile::tempdir().unwrap();
    empty.data_dir = fresh.path().to_path_buf();
    empty.installed_modules_dir = None;
    let (_pg, database_url) = immcase_tests::PgDatabase::for_backend(&backend).await;
    empty.database_url = database_url;
    let refused = immcase_host::commands::restore(&empty, &to)
        .await
        .unwrap_err();
    assert!(
        format!("{refused:#}").contains("not in the backup"),
        "{refused:#}"
    );
    // With the key given, but a blob changed since: refused, and the blob
    // store keeps nothing damaged.
    let key = std::fs::read_to_string(server.config.data_dir.join("secret.key")).unwrap();
    std::fs::write(fresh.path().join("secret.key"), key).unwrap();
    let list = std::fs::read_to_string(to.join("blobs.sha256")).unwrap();
    let key_of_blob = list.lines().next().unwrap().splitn(3, ' ').nth(2).unwrap();
    std::fs::write(to.join("blobs").join(key_of_blob), b"other contents").unwrap();
    let refused = immcase_host::commands::restore(&empty, &to)
        .await
        .unwrap_err();
    assert!(format!("{refused:#}").contains("damaged"), "{refused:#}");
    // Checked before anything was written: the installation is still empty.
    if matches!(backend, Backend::Sqlite) {
        assert!(!fresh.path().join("immcase.db").exists());
    }
    assert!(!fresh.path().join("blobs").join(key_of_blob).exists());
    server.stop().await;
}
