//! Contents that no file names (a crash between writing a file's contents
//! and recording the file leaves them) are removed by housekeeping once they
//! are a day old, by the server's clock, in the local blob folder; files that
//! exist, in the trash or not, keep theirs. (The S3 store: `files_s3`.)

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, eventually, on_both_databases};
use jiff::SignedDuration;

on_both_databases!(contents_no_file_names_are_removed_after_a_day);

/// Every blob under the data folder's `blobs/`, as paths from there.
fn blobs(server: &TestServer) -> Vec<String> {
    let root = server.config.data_dir.join("blobs");
    let mut found = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(
                    path.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    found
}

async fn contents_no_file_names_are_removed_after_a_day(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ana = admin.add_applicant("Lindqvist").await;
    let path = format!("/api/v1/applicants/{ana}/files");
    let kept = admin
        .upload(&path, &[("kept.txt", b"kept")], None)
        .await
        .expect_status(201);
    let kept_id = kept.body["items"][0]["id"].as_str().unwrap().to_string();
    let trashed = admin
        .upload(&path, &[("trashed.txt", b"in the trash")], None)
        .await
        .expect_status(201);
    let trashed_id = trashed.body["items"][0]["id"].as_str().unwrap().to_string();
    admin
        .delete(&format!("/api/v1/files/{trashed_id}"))
        .await
        .expect_status(204);
    let stored = blobs(&server);
    assert_eq!(stored.len(), 2, "{stored:?}");
    let folder = std::path::Path::new(&stored[0])
        .parent()
        .unwrap()
        .to_path_buf();
    let orphan = folder.join("left-by-a-crash");
    std::fs::write(
        server.config.data_dir.join("blobs").join(&orphan),
        b"orphan",
    )
    .unwrap();
    let orphan = orphan.to_string_lossy().into_owned();

    // Younger than a day: left alone by a sweep at that time (the one the
    // server's housekeeping makes, and one made here to be sure one ran).
    server.clock.advance(SignedDuration::from_hours(7));
    let state = server.state_beside().await;
    let removed = immcase_host::files::sweep::remove_unreferenced(&state)
        .await
        .unwrap();
    state.db.close().await;
    assert_eq!(removed, 0);
    assert!(blobs(&server).contains(&orphan), "a young orphan stays");

    // A day old: removed; the files' own contents stay.
    server.clock.advance(SignedDuration::from_hours(24));
    eventually("the sweep to remove the orphan", || async {
        (!blobs(&server).contains(&orphan)).then_some(())
    })
    .await;
    let left = blobs(&server);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|b| b.ends_with(&kept_id)), "{left:?}");
    assert!(left.iter().any(|b| b.ends_with(&trashed_id)), "{left:?}");
    // (The session is long expired: sign in again.)
    let admin = server.admin().await;
    let (status, _, bytes) = admin.download(&format!("/api/v1/files/{kept_id}")).await;
    assert_eq!(
        (status.as_u16(), bytes.as_slice()),
        (200, b"kept".as_slice())
    );
    server.stop().await;
}
