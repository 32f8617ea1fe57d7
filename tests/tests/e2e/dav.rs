//! App passwords and WebDAV for files: an ordinary WebDAV client
//! (webdavclient3, from PyPI, run by `tests/clients/webdav.py`) signs in
//! with an app password, makes a folder in a case, uploads a file larger
//! than the web form takes, lists it and downloads it byte for byte; it is
//! refused without the password, once the password is revoked, and for
//! folders its person may not see. App passwords open nothing else: not the
//! JSON API, not the pages.
//!
//! rclone (Debian's `rclone`) copies a folder in and out as a second client.
//!
//! Without webdavclient3 or rclone the test of that client says so and
//! passes, unless `IMMCASE_TEST_WEBDAV=required` (as in CI), where that
//! fails it.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;
use std::process::Command;

use immcase_tests::{ADMIN_EMAIL, Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_webdav_client_reads_and_writes_a_cases_folder,
    webdav_refuses_what_the_person_may_not_do,
    app_passwords_open_only_the_client_routes,
    rclone_copies_a_folder_in_and_out,
);

const MB: usize = 1024 * 1024;

/// A WebDAV client signed in as `user` with an app password.
struct Client {
    url: String,
    user: String,
    password: String,
}

impl Client {
    fn new(server: &TestServer, user: &str, password: &str) -> Client {
        Client {
            url: format!("http://127.0.0.1:{}/dav", server.addr.port()),
            user: user.into(),
            password: password.into(),
        }
    }

    /// Runs one action of the client; its JSON answer.
    async fn run(&self, args: &[&str]) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/webdav.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .args([&self.url, &self.user, &self.password])
            .args(args);
        let out = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .expect("python3 runs");
        let text = String::from_utf8_lossy(&out.stdout);
        // The library prints progress of its own; the answer is the last line.
        let last = text.trim().lines().last().unwrap_or_default();
        serde_json::from_str(last).unwrap_or_else(|_| {
            panic!(
                "the WebDAV client answered {text:?} ({})",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    async fn ok(&self, args: &[&str]) -> Value {
        let answer = self.run(args).await;
        assert_eq!(answer["ok"], true, "{args:?}: {answer}");
        answer
    }

    async fn status(&self, args: &[&str]) -> u64 {
        let answer = self.run(args).await;
        assert_eq!(answer["ok"], false, "{args:?} should be refused: {answer}");
        answer["status"].as_u64().unwrap_or(0)
    }

    async fn names(&self, path: &str) -> Vec<String> {
        let answer = self.ok(&["list", path]).await;
        let mut names: Vec<String> = answer["names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    }
}

/// Whether webdavclient3 can be used; without it the test is skipped
/// loudly, or fails when `IMMCASE_TEST_WEBDAV=required`.
fn client_installed() -> bool {
    installed(
        Command::new("python3").args(["-c", "import webdav3.client"]),
        "webdavclient3 (pip install webdavclient3)",
    )
}

/// Whether `probe` runs and succeeds; if not, says the test of `client` is
/// skipped, or fails when `IMMCASE_TEST_WEBDAV=required`.
fn installed(probe: &mut Command, client: &str) -> bool {
    let found = probe.output().is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var("IMMCASE_TEST_WEBDAV").as_deref() != Ok("required"),
            "IMMCASE_TEST_WEBDAV=required but there is no {client}"
        );
        eprintln!("SKIPPED: no WebDAV client {client}");
    }
    found
}

/// A new app password of `api`'s person: (id, secret).
async fn app_password(api: &Api, name: &str) -> (String, String) {
    let made = api
        .post("/api/v1/me/app-passwords", json!({ "name": name }))
        .await
        .expect_status(201);
    (
        made.body["id"].as_str().unwrap().to_string(),
        made.body["password"].as_str().unwrap().to_string(),
    )
}

/// A plain HTTP client for the refusals a WebDAV client cannot show.
fn raw() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn a_webdav_client_reads_and_writes_a_cases_folder(backend: Backend) {
    if !client_installed() {
        return;
    }
    let server = TestServer::start_with(backend, |c| {
        c.files.max_file_bytes = MB as u64;
        c.files.max_dav_file_bytes = 16 * MB as u64;
    })
    .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Moreau").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let (case_id, folio) = (
        case["id"].as_str().unwrap(),
        case["folio"].as_str().unwrap(),
    );
    let (id, secret) = app_password(&admin, "rclone on the laptop").await;
    let dav = Client::new(&server, ADMIN_EMAIL, &secret);

    // The top lists what the person may read; the case is under Cases.
    assert_eq!(dav.names("/").await, ["Applicants", "Cases"]);
    assert_eq!(dav.names("/Cases").await, [folio]);
    assert_eq!(
        dav.names("/Applicants").await,
        [format!("Ana Moreau ({ana})")]
    );

    // A folder, then a file three times what the web form takes.
    let case_folder = format!("/Cases/{folio}");
    dav.ok(&["mkdir", &format!("{case_folder}/Identity")]).await;
    assert_eq!(dav.names(&case_folder).await, ["Identity"]);
    let big: Vec<u8> = (0..3 * MB).map(|i| (i * 7 % 251) as u8).collect();
    let local = tempfile::tempdir().unwrap();
    let sent = local.path().join("passport scan.pdf");
    std::fs::write(&sent, &big).unwrap();
    let remote = format!("{case_folder}/Identity/passport scan.pdf");
    dav.ok(&["upload", sent.to_str().unwrap(), &remote]).await;
    assert_eq!(
        dav.names(&format!("{case_folder}/Identity")).await,
        ["passport scan.pdf"]
    );
    let back = local.path().join("downloaded.pdf");
    dav.ok(&["download", &remote, back.to_str().unwrap()]).await;
    assert!(std::fs::read(&back).unwrap() == big, "not byte-identical");

    // The web form refuses the same file: it is over the form's limit.
    admin
        .upload(
            &format!("/api/v1/cases/{case_id}/files"),
            &[("passport scan.pdf", &big)],
            None,
        )
        .await
        .expect_status(413);

    // It is a file of the case like any other: listed, counted, found.
    let listed = admin
        .get(&format!("/api/v1/cases/{case_id}/files"))
        .await
        .expect_status(200);
    let file = &listed.body["items"][0];
    assert_eq!(file["name"], "passport scan.pdf");
    assert_eq!(file["folder"], "Identity");
    assert_eq!(file["size"], 3 * MB);
    assert_eq!(file["content_type"], "application/pdf");
    eventually("the upload is found by search", || async {
        let hits = admin.get("/api/v1/search?q=passport").await;
        hits.text.contains("passport scan.pdf").then_some(())
    })
    .await;

    // Renamed and moved as Explorer and Finder do it (MOVE): the same
    // contents under the new name, on the case's timeline; then a folder
    // renamed with what it holds.
    let renamed = format!("{case_folder}/Identity/passport 2026.pdf");
    dav.ok(&["move", &remote, &renamed]).await;
    assert_eq!(
        dav.names(&format!("{case_folder}/Identity")).await,
        ["passport 2026.pdf"]
    );
    dav.ok(&[
        "move",
        &format!("{case_folder}/Identity"),
        &format!("{case_folder}/Passports"),
    ])
    .await;
    assert_eq!(dav.names(&case_folder).await, ["Passports"]);
    let moved = format!("{case_folder}/Passports/passport 2026.pdf");
    dav.ok(&["download", &moved, back.to_str().unwrap()]).await;
    assert!(
        std::fs::read(&back).unwrap() == big,
        "not byte-identical after moving"
    );
    let listed = admin
        .get(&format!("/api/v1/cases/{case_id}/files"))
        .await
        .expect_status(200);
    assert_eq!(
        (
            &listed.body["items"][0]["folder"],
            &listed.body["items"][0]["name"]
        ),
        (&json!("Passports"), &json!("passport 2026.pdf"))
    );
    let timeline = admin
        .get(&format!("/api/v1/cases/{case_id}/timeline"))
        .await
        .expect_status(200);
    assert!(
        timeline.text.contains("Identity/passport 2026.pdf")
            && timeline.text.contains("file_moved"),
        "{}",
        timeline.text
    );
    let audit = admin
        .get("/api/v1/audit?action=file.moved")
        .await
        .expect_status(200);
    assert_eq!(
        audit.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        audit.text
    );
    dav.ok(&["mkdir", &format!("{case_folder}/Identity")]).await;
    dav.ok(&["move", &moved, &remote]).await;

    // Uploading again replaces it; the earlier one is in the trash.
    dav.ok(&["upload", sent.to_str().unwrap(), &remote]).await;
    let trash = admin.get("/api/v1/trash").await.expect_status(200);
    assert!(trash.text.contains("passport scan.pdf"), "{}", trash.text);
    // Deleting sends it to the trash too, and the folder stays.
    dav.ok(&["delete", &remote]).await;
    let listed = admin
        .get(&format!("/api/v1/cases/{case_id}/files"))
        .await
        .expect_status(200);
    assert_eq!(listed.body["items"], json!([]));

    // The person sees when it was last used; revoked, it opens nothing.
    let mine = admin
        .get("/api/v1/me/app-passwords")
        .await
        .expect_status(200);
    assert_eq!(mine.body["items"][0]["name"], "rclone on the laptop");
    assert!(mine.body["items"][0]["last_used_at"].is_string());
    admin
        .delete(&format!("/api/v1/me/app-passwords/{id}"))
        .await
        .expect_status(204);
    assert_eq!(dav.status(&["list", &case_folder]).await, 401);
    let audit = admin.get("/api/v1/audit").await.expect_status(200);
    for action in ["app_password.created", "app_password.revoked"] {
        assert!(audit.text.contains(action), "no {action} in the audit log");
    }
    server.stop().await;
}

async fn webdav_refuses_what_the_person_may_not_do(backend: Backend) {
    let server = TestServer::start_with(backend, |c| {
        c.files.max_dav_file_bytes = MB as u64;
        c.files.practice_quota_bytes = 3 * MB as u64 / 2;
    })
    .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Moreau").await;
    let case = admin.open_case(&ana, "study_permit").await;
    let folio = case["folio"].as_str().unwrap();
    let base = format!("http://127.0.0.1:{}/dav", server.addr.port());
    let http = raw();

    // No password, or a wrong one: 401 asking for Basic.
    let bare = http
        .request(propfind(), format!("{base}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    assert_eq!(
        bare.headers()["www-authenticate"],
        "Basic realm=\"ImmCase\", charset=\"UTF-8\""
    );
    let wrong = http
        .request(propfind(), format!("{base}/"))
        .basic_auth(ADMIN_EMAIL, Some("not an app password"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // The account password is no app password either.
    let account = http
        .request(propfind(), format!("{base}/"))
        .basic_auth(ADMIN_EMAIL, Some(immcase_tests::ADMIN_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 401);

    // Over the WebDAV limit: 413; over the quota: 507.
    let (_, secret) = app_password(&admin, "scanner").await;
    let put = |path: String, size: usize| {
        let (http, secret) = (http.clone(), secret.clone());
        async move {
            http.put(path)
                .basic_auth(ADMIN_EMAIL, Some(secret))
                .body(vec![7u8; size])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let case_folder = format!("{base}/Cases/{folio}");
    assert_eq!(put(format!("{case_folder}/big.bin"), 2 * MB).await, 413);
    assert_eq!(put(format!("{case_folder}/a.bin"), MB).await, 201);
    assert_eq!(put(format!("{case_folder}/b.bin"), MB).await, 507);
    // What Finder writes into every folder it opens is not kept.
    assert_eq!(put(format!("{case_folder}/.DS_Store"), 10).await, 403);

    // Files move only within their case's or applicant's folders; they
    // are not copied (501); a folder is deleted with its files, to the
    // trash.
    let other = admin.open_case(&ana, "work_permit").await;
    let elsewhere = format!("/dav/Cases/{}/a.bin", other["folio"].as_str().unwrap());
    let to = |method: &[u8], path: String, destination: &str| {
        let (http, secret) = (http.clone(), secret.clone());
        let method = reqwest::Method::from_bytes(method).unwrap();
        let destination = destination.to_string();
        async move {
            http.request(method, path)
                .basic_auth(ADMIN_EMAIL, Some(secret))
                .header("destination", destination)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let a = format!("{case_folder}/a.bin");
    assert_eq!(to(b"MOVE", a.clone(), &elsewhere).await, 403);
    assert_eq!(to(b"MOVE", a.clone(), "/dav/elsewhere.bin").await, 403);
    assert_eq!(
        to(b"COPY", a.clone(), &format!("/dav/Cases/{folio}/b.bin")).await,
        501
    );
    assert_eq!(
        to(b"MOVE", a.clone(), &format!("/dav/Cases/{folio}/.DS_Store")).await,
        403
    );
    let admin_request = |method: &[u8], path: String| to(method, path, "/dav/elsewhere.bin");
    let made = admin_request(b"MKCOL", format!("{case_folder}/Forms")).await;
    assert_eq!(made, 201);
    assert_eq!(
        admin_request(b"MKCOL", format!("{case_folder}/Forms")).await,
        405
    );
    assert_eq!(
        admin_request(b"DELETE", format!("{case_folder}/Forms/")).await,
        204
    );
    let gone = admin_request(b"PROPFIND", format!("{case_folder}/Forms/")).await;
    assert_eq!(gone, 404);

    // Someone who reads applicants but not cases sees no Cases folder, and
    // is refused one; without files.write they cannot add files.
    let reader = server
        .sign_in_with_role(
            &admin,
            json!({ "name": "Applicant files", "permissions": ["applicants.read", "files.read"] }),
            "reader@example.com",
        )
        .await;
    let (_, reader_secret) = app_password(&reader, "Finder").await;
    let as_reader = |method: reqwest::Method, path: String| {
        let (http, secret) = (http.clone(), reader_secret.clone());
        async move {
            http.request(method, path)
                .basic_auth("reader@example.com", Some(secret))
                .header("depth", "1")
                .send()
                .await
                .unwrap()
        }
    };
    let top = as_reader(propfind(), format!("{base}/")).await;
    assert_eq!(top.status(), 207);
    let listing = top.text().await.unwrap();
    assert!(listing.contains("/dav/Applicants/"), "{listing}");
    assert!(!listing.contains("/dav/Cases/"), "{listing}");
    let cases = as_reader(propfind(), format!("{case_folder}/")).await;
    assert_eq!(cases.status(), 403);
    let file = as_reader(reqwest::Method::GET, format!("{case_folder}/a.bin")).await;
    assert_eq!(file.status(), 403);
    let applicant = format!("{base}/Applicants/Ana%20Moreau%20({ana})/");
    assert_eq!(as_reader(propfind(), applicant.clone()).await.status(), 207);
    let made = as_reader(
        reqwest::Method::from_bytes(b"MKCOL").unwrap(),
        format!("{applicant}Forms"),
    )
    .await;
    assert_eq!(made.status(), 403);

    // Disabling the person ends their app passwords.
    let users = admin.get("/api/v1/users").await.expect_status(200);
    let reader_user = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "reader@example.com")
        .unwrap()
        .clone();
    admin
        .patch(
            &format!("/api/v1/users/{}", reader_user["id"].as_str().unwrap()),
            json!({ "disabled": true, "version": reader_user["version"] }),
        )
        .await
        .expect_status(200);
    let gone = as_reader(propfind(), format!("{base}/")).await;
    assert_eq!(gone.status(), 401);
    server.stop().await;
}

async fn app_passwords_open_only_the_client_routes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (_, secret) = app_password(&admin, "calendar feed").await;
    let base = format!("http://127.0.0.1:{}", server.addr.port());
    let http = raw();
    let with_secret = |path: &str| {
        http.get(format!("{base}{path}"))
            .basic_auth(ADMIN_EMAIL, Some(secret.clone()))
            .send()
    };
    // The JSON API and the pages go by the session alone.
    assert_eq!(with_secret("/api/v1/me").await.unwrap().status(), 401);
    assert_eq!(
        with_secret("/api/v1/applicants").await.unwrap().status(),
        401
    );
    let page = with_secret("/profile").await.unwrap();
    assert_eq!(page.status(), 303, "a page sends to the sign-in page");
    // ... while WebDAV takes it.
    let dav = http
        .request(propfind(), format!("{base}/dav/"))
        .basic_auth(ADMIN_EMAIL, Some(secret.clone()))
        .header("depth", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(dav.status(), 207);

    // A name is needed; the list never shows the secret.
    let refused = admin
        .post("/api/v1/me/app-passwords", json!({ "name": " " }))
        .await
        .expect_status(422);
    assert!(refused.text.contains("name"), "{}", refused.text);
    let mine = admin
        .get("/api/v1/profile/app-passwords")
        .await
        .expect_status(200);
    assert!(!mine.text.contains(&secret));
    assert_eq!(mine.body["items"][0]["name"], "calendar feed");
    let doc = admin.get("/api/v1/openapi.json").await.expect_status(200);
    for path in [
        "/api/v1/me/app-passwords",
        "/api/v1/me/app-passwords/{id}",
        "/api/v1/profile/app-passwords",
        "/api/v1/profile/app-passwords/{id}",
    ] {
        assert!(
            doc.body["paths"][path].is_object(),
            "{path} is not documented"
        );
    }

    // Changing one's password ends every app password.
    admin
        .put(
            "/api/v1/me/password",
            json!({ "current_password": immcase_tests::ADMIN_PASSWORD,
                    "new_password": "another long passphrase for the admin" }),
        )
        .await
        .expect_status(204);
    let after = http
        .request(propfind(), format!("{base}/dav/"))
        .basic_auth(ADMIN_EMAIL, Some(secret.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    let mine = admin
        .get("/api/v1/me/app-passwords")
        .await
        .expect_status(200);
    assert_eq!(mine.body["items"], json!([]));

    // Wrong app passwords are throttled like sign-ins, and audited.
    let mut last = 0;
    for _ in 0..12 {
        last = http
            .request(propfind(), format!("{base}/dav/"))
            .basic_auth(ADMIN_EMAIL, Some("guess"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    let audit = admin.get("/api/v1/audit").await.expect_status(200);
    assert!(audit.text.contains("app_password.failed"));
    server.stop().await;
}

async fn rclone_copies_a_folder_in_and_out(backend: Backend) {
    if !installed(
        Command::new("rclone").arg("version"),
        "rclone (apt-get install rclone)",
    ) {
        return;
    }
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Moreau").await;
    let case = admin.open_case(&ana, "work_permit").await;
    let folio = case["folio"].as_str().unwrap().to_string();
    let (_, secret) = app_password(&admin, "rclone").await;
    // Without a config of its own, two rclones at once race to write the
    // default one, and one may print nothing.
    let obscured = Command::new("rclone")
        .args(["--config", "/dev/null", "obscure", &secret])
        .output()
        .unwrap();
    assert!(
        obscured.status.success() && !obscured.stdout.trim_ascii().is_empty(),
        "rclone obscure failed: {}",
        String::from_utf8_lossy(&obscured.stderr)
    );
    let remote = format!(
        ":webdav,url='http://127.0.0.1:{}/dav',vendor=other,user='{ADMIN_EMAIL}',pass='{}':",
        server.addr.port(),
        String::from_utf8_lossy(&obscured.stdout).trim()
    );
    let rclone = |args: Vec<String>| async move {
        let out = tokio::task::spawn_blocking(move || {
            Command::new("rclone")
                .args([
                    "--config",
                    "/dev/null",
                    "--low-level-retries",
                    "1",
                    "--retries",
                    "1",
                ])
                .args(&args)
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(
            out.status.success(),
            "rclone failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let local = tempfile::tempdir().unwrap();
    let outgoing = local.path().join("out");
    std::fs::create_dir_all(outgoing.join("Forms")).unwrap();
    let form: Vec<u8> = (0..200_000).map(|i| (i % 13) as u8).collect();
    std::fs::write(outgoing.join("Forms/IMM 5257.pdf"), &form).unwrap();
    std::fs::write(outgoing.join("notes.txt"), b"call the applicant").unwrap();
    let target = format!("{remote}Cases/{folio}");
    rclone(vec![
        "copy".into(),
        outgoing.display().to_string(),
        target.clone(),
    ])
    .await;
    let listed = rclone(vec!["lsf".into(), "-R".into(), target.clone()]).await;
    let mut lines: Vec<&str> = listed.lines().collect();
    lines.sort();
    assert_eq!(lines, ["Forms/", "Forms/IMM 5257.pdf", "notes.txt"]);
    let incoming = local.path().join("in");
    rclone(vec!["copy".into(), target, incoming.display().to_string()]).await;
    assert!(std::fs::read(incoming.join("Forms/IMM 5257.pdf")).unwrap() == form);
    assert_eq!(
        std::fs::read(incoming.join("notes.txt")).unwrap(),
        b"call the applicant"
    );
    server.stop().await;
}

fn propfind() -> reqwest::Method {
    reqwest::Method::from_bytes(b"PROPFIND").unwrap()
}
