//! Files in an S3-compatible blob store: a local S3 server (moto's
//! `moto_server`, from PyPI `moto[server]`) stands in for the bucket. A file
//! larger than one part goes up as a multipart upload; a refused upload, a
//! purged file and contents that no file names leave nothing in the bucket.
//!
//! Without `moto_server` on the PATH this test says so and passes, unless
//! `IMMCASE_TEST_S3=required` (as in CI), where that fails it.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::s3::{BUCKET, S3Server};
use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;

on_both_databases!(files_live_in_an_s3_bucket);

const MB: usize = 1024 * 1024;

async fn files_live_in_an_s3_bucket(backend: Backend) {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let server = TestServer::start_with(backend, |c| {
        c.files.max_file_bytes = 8 * MB as u64;
        s3.use_in(c, "practice-files");
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
    let stored = s3.keys().await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].starts_with("practice-files/practices/") && stored[0].ends_with(&id));

    // Over the limit: refused, and no part of it stays in the bucket.
    let too_big = vec![0u8; 9 * MB];
    admin
        .upload(&path, &[("video.mp4", &too_big)], None)
        .await
        .expect_status(413);
    assert_eq!(s3.keys().await.len(), 1);

    // Contents that no file names (left by a crash between writing them and
    // recording the file) are removed after a day by housekeeping.
    let folder = stored[0].rsplit_once('/').unwrap().0;
    reqwest::Client::new()
        .put(format!("{}/{BUCKET}/{folder}/left-by-a-crash", s3.endpoint))
        .body("orphan")
        .send()
        .await
        .unwrap();
    assert_eq!(s3.keys().await.len(), 2);

    // Purged from the trash: gone from the bucket too.
    admin
        .delete(&format!("/api/v1/files/{id}"))
        .await
        .expect_status(204);
    server.clock.advance(SignedDuration::from_hours(24 * 31));
    eventually("the purge and the sweep empty the bucket", || async {
        s3.keys().await.is_empty().then_some(())
    })
    .await;
}
