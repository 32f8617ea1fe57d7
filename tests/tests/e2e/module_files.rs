//! The `files` import, through a real compiled module (`tests/modules/filer`):
//! listing, reading and attaching as the person of the call, within their
//! permissions and their practice; attaching on the module's own (on an
//! event); and a call that fails after attaching leaves neither the file nor
//! its contents.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_module_lists_reads_and_attaches_files_as_the_caller,
    a_module_attaches_on_its_own_and_a_failed_call_leaves_nothing,
);

async fn listed(api: &Api, owner_path: &str) -> Vec<Value> {
    api.get(owner_path).await.expect_status(200).body["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Files in the local blob folder.
fn blobs_on_disk(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&server.config.data_dir.join("blobs"))
}

async fn a_module_lists_reads_and_attaches_files_as_the_caller(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["filer"]).await;
    let admin = server.admin().await;
    admin.set_module("filer", true).await;
    let ana = admin.add_applicant("Lindqvist").await;
    let case = admin.open_case(&ana, "visitor_visa").await;
    let case_id = case["id"].as_str().unwrap();
    let up = admin
        .upload(
            &format!("/api/v1/applicants/{ana}/files"),
            &[("itinerary.txt", b"Day 1: Toronto")],
            None,
        )
        .await
        .expect_status(201);
    let itinerary = up.body["items"][0]["id"].as_str().unwrap().to_string();

    // Listing a case through the module includes what came from the applicant.
    let got = admin
        .get(&format!("/api/v1/m/filer/list?owner=case:{case_id}"))
        .await
        .expect_status(200);
    // (The module may also have attached its welcome.txt to the applicant.)
    let items = got.body["items"].as_array().unwrap();
    let listed_itinerary = items.iter().find(|f| f["name"] == "itinerary.txt").unwrap();
    assert_eq!(listed_itinerary["owner"], format!("applicant:{ana}"));
    assert_eq!(
        listed_itinerary["download"],
        format!("/api/v1/files/{itinerary}")
    );
    let read = admin
        .get(&format!("/api/v1/m/filer/read?id={itinerary}"))
        .await
        .expect_status(200);
    assert_eq!(read.text, "Day 1: Toronto");

    // Attaching: a real file, listed, downloadable and found by search.
    let made = admin
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/m/filer/attach?owner=case:{case_id}&name=invitation%20letter.txt&type=text/plain"),
            None,
            true,
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let files = listed(&admin, &format!("/api/v1/cases/{case_id}/files")).await;
    assert!(
        files
            .iter()
            .any(|f| f["name"] == "invitation letter.txt" && f["from"] == "case")
    );
    let hits = admin
        .get("/api/v1/search?q=invitation")
        .await
        .expect_status(200);
    assert_eq!(hits.body["items"][0]["kind"], "file", "{}", hits.text);

    // Bad input is the module's to handle: an owner that is not one, a name
    // that cannot be one.
    let bad = admin
        .post("/api/v1/m/filer/attach?owner=user:1&name=x.txt", json!({}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let bad = admin
        .post(
            &format!("/api/v1/m/filer/attach?owner=case:{case_id}&name=.."),
            json!({}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);

    // The person's permissions bound the module.
    let reader = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Reader", "permissions": ["applicants.read", "cases.read", "files.read", "module:filer"] }),
            "reader@example.com",
        )
        .await;
    reader
        .get(&format!("/api/v1/m/filer/list?owner=applicant:{ana}"))
        .await
        .expect_status(200);
    let refused = reader
        .post(
            &format!("/api/v1/m/filer/attach?owner=applicant:{ana}&name=x.txt"),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.text.contains("files.write"), "{}", refused.text);
    let blind = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Blind", "permissions": ["applicants.read", "module:filer"] }),
            "blind@example.com",
        )
        .await;
    let refused = blind
        .get(&format!("/api/v1/m/filer/read?id={itinerary}"))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);

    // Another practice's module sees none of this practice's files.
    server
        .add_practice("acme", "boss@acme.test", "acme boss's long passphrase")
        .await;
    let acme = server.api_for("acme");
    acme.sign_in("boss@acme.test", "acme boss's long passphrase")
        .await
        .expect_status(200);
    acme.set_module("filer", true).await;
    let other = acme
        .get(&format!("/api/v1/m/filer/list?owner=applicant:{ana}"))
        .await;
    assert_eq!(other.status, 404, "{}", other.text);
    let other = acme
        .get(&format!("/api/v1/m/filer/read?id={itinerary}"))
        .await;
    assert_eq!(other.status, 404, "{}", other.text);
}

async fn a_module_attaches_on_its_own_and_a_failed_call_leaves_nothing(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["filer"]).await;
    let admin = server.admin().await;
    admin.set_module("filer", true).await;
    let ana = admin.add_applicant("Abebe").await;
    let path = format!("/api/v1/applicants/{ana}/files");

    // On `applicant.created` the module attaches a file with its own rights.
    let welcome = eventually("the module attaches welcome.txt", || {
        let (admin, path) = (admin.clone(), path.clone());
        async move {
            listed(&admin, &path)
                .await
                .into_iter()
                .find(|f| f["name"] == "welcome.txt")
        }
    })
    .await;
    assert_eq!(welcome["uploaded_by"], Value::Null, "no person uploaded it");
    let timeline = admin
        .get(&format!("/api/v1/applicants/{ana}/timeline"))
        .await
        .expect_status(200);
    let by = timeline.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "file_uploaded")
        .map(|c| c["actor_name"].clone());
    assert_eq!(by, Some(json!("Filer")), "the timeline names the module");

    // A call that fails after attaching: no file, and no contents left over.
    let before = blobs_on_disk(&server);
    assert_eq!(before, 1);
    let failed = admin
        .post(
            &format!("/api/v1/m/filer/attach?owner=applicant:{ana}&name=draft.txt&then=fail"),
            json!({}),
        )
        .await;
    assert_eq!(failed.status, 500, "{}", failed.text);
    assert_eq!(listed(&admin, &path).await.len(), 1);
    assert_eq!(
        blobs_on_disk(&server),
        before,
        "the failed call's contents are removed"
    );
}
