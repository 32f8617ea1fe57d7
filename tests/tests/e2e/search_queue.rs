//! The search queue follows the order in which changes commit, so a server
//! that has applied it up to a row never skips one that commits later with
//! a smaller id. Only PostgreSQL lets two writing transactions run at once
//! (SQLite takes one writer at a time), so the test runs there.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer};

/// Renames an applicant in `tx` as the host changes a record: the row and
/// its search queue entry in one transaction.
async fn rename(
    tx: &mut immcase_host::db::Tx,
    practice: &immcase_host::practices::Practice,
    id: &str,
    family_name: &str,
) {
    sqlx::query("UPDATE applicants SET family_name = $1, version = version + 1 WHERE id = $2")
        .bind(family_name)
        .bind(id)
        .execute(&mut **tx)
        .await
        .unwrap();
    immcase_host::change::reindex(tx, practice, "applicant", id, 0)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_commits_last_is_found_though_it_began_first() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let first = admin.add_applicant("Abara").await;
    let second = admin.add_applicant("Bello").await;
    assert_eq!(
        admin.search_ids("Abara").await,
        std::slice::from_ref(&first)
    );

    // Another process on the same database: the first change queues its
    // row, the second queues and commits, the server searches (applying the
    // queue as far as it sees it), then the first commits.
    let beside = server.state_beside().await;
    let practice = beside.practice_by_slug("default").await.unwrap().unwrap();
    let mut early = beside.db.begin().await.unwrap();
    rename(&mut early, &practice, &first, "Okwuosa").await;
    let mut late = beside.db.begin().await.unwrap();
    rename(&mut late, &practice, &second, "Nnamdi").await;
    late.commit().await.unwrap();
    assert_eq!(
        admin.search_ids("Nnamdi").await,
        std::slice::from_ref(&second)
    );
    early.commit().await.unwrap();
    assert_eq!(
        admin.search_ids("Okwuosa").await,
        std::slice::from_ref(&first),
        "the change that committed last is in the index"
    );
    beside.db.close().await;
    server.stop().await;
}
