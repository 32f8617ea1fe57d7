//! Files in an S3-compatible blob store: a local S3 server (moto's
//! `moto_server`, from PyPI `moto[server]`) stands in for the bucket. A file
//! larger than one part goes up as a multipart upload; a refused upload, a
//! purged file and contents that no file names leave nothing in the bucket.
//!
//! Without `moto_server` on the PATH this test says so and passes, unless
//! `IMMCASE_TEST_S3=required` (as in CI), where that fails it.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::process::{Child, Command, Stdio};

use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;

on_both_databases!(files_live_in_an_s3_bucket);

const MB: usize = 1024 * 1024;
const BUCKET: &str = "immcase-files";

/// A local S3 server for one test, stopped when dropped.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_s3() -> Option<S3Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            assert!(
                std::env::var("IMMCASE_TEST_S3").as_deref() != Ok("required"),
                "IMMCASE_TEST_S3=required but moto_server cannot start: {e}"
            );
            eprintln!("skipped: no moto_server ({e}); pip install 'moto[server]'");
            return None;
        }
    };
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let bucket = format!("{}/{BUCKET}", server.endpoint);
    eventually("the S3 server starts and has a bucket", || {
        let (http, bucket) = (http.clone(), bucket.clone());
        async move {
            let made = http.put(&bucket).send().await.ok()?;
            made.status().is_success().then_some(())
        }
    })
    .await;
    Some(server)
}

/// The keys in the bucket.
async fn keys(s3: &S3Server) -> Vec<String> {
    let listing = reqwest::get(format!("{}/{BUCKET}?list-type=2", s3.endpoint))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    listing
        .split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split("</Key>").next())
        .map(str::to_string)
        .collect()
}

async fn files_live_in_an_s3_bucket(backend: Backend) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(s3) = start_s3().await else {
        return;
    };
    let endpoint = s3.endpoint.clone();
    let server = TestServer::start_with(backend, move |c| {
        c.files.max_file_bytes = 8 * MB as u64;
        c.files.blob_store = Some(format!("s3://{BUCKET}/practice-files"));
        c.files.blob_store_options = [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "testing"),
            ("aws_secret_access_key", "testing"),
            ("aws_region", "us-east-1"),
            ("aws_virtual_hosted_style_request", "false"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    })
    .await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Moreau").await;
    let path = format!("/api/v1/applicants/{ana}/files");

    // Larger than one 5 MiB part: a multipart upload with two parts.
    let big: Vec<u8> = (0..6 * MB).map(|i| (i % 251) as u8).collect();
    let up = admin
        .upload(&path, &[("bank statements.pdf", &big)], None)
        .await
        .expect_status(201);
    let id = up.body["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _, bytes) = admin.download(&format!("/api/v1/files/{id}")).await;
    assert_eq!(status, 200);
    assert!(bytes == big, "the same bytes come back");
    let stored = keys(&s3).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].starts_with("practice-files/practices/") && stored[0].ends_with(&id));

    // Over the limit: refused, and no part of it stays in the bucket.
    let too_big = vec![0u8; 9 * MB];
    admin
        .upload(&path, &[("video.mp4", &too_big)], None)
        .await
        .expect_status(413);
    assert_eq!(keys(&s3).await.len(), 1);

    // Contents that no file names (left by a crash between writing them and
    // recording the file) are removed after a day by housekeeping.
    let folder = stored[0].rsplit_once('/').unwrap().0;
    reqwest::Client::new()
        .put(format!("{}/{BUCKET}/{folder}/left-by-a-crash", s3.endpoint))
        .body("orphan")
        .send()
        .await
        .unwrap();
    assert_eq!(keys(&s3).await.len(), 2);

    // Purged from the trash: gone from the bucket too.
    admin
        .delete(&format!("/api/v1/files/{id}"))
        .await
        .expect_status(204);
    server.clock.advance(SignedDuration::from_hours(24 * 31));
    eventually("the purge and the sweep empty the bucket", || async {
        keys(&s3).await.is_empty().then_some(())
    })
    .await;
}
