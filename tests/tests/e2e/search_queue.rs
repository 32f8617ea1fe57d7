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

/// A row of the queue written as the host writes it, by a transaction that
/// has not committed yet.
async fn queue_row(tx: &mut immcase_host::db::Tx, practice_id: &str, id: &str) {
    sqlx::query(
        "INSERT INTO search_queue (practice_id, kind, record_id, enqueued_at) VALUES ($1, 'applicant', $2, 0)",
    )
    .bind(practice_id)
    .bind(id)
    .execute(&mut **tx)
    .await
    .unwrap();
}

/// The queue's order is the order of the commits even where the rows went
/// in the other way round: the first row inserted, by a transaction that
/// commits last, is numbered after the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_row_is_numbered_as_its_transaction_commits_not_as_it_was_written() {
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

    let beside = server.state_beside().await;
    let practice = beside.practice_by_slug("default").await.unwrap().unwrap();
    let mut early = beside.db.begin().await.unwrap();
    sqlx::query(
        "UPDATE applicants SET family_name = 'Okwuosa', version = version + 1 WHERE id = $1",
    )
    .bind(&first)
    .execute(&mut *early)
    .await
    .unwrap();
    queue_row(&mut early, practice.id(), &first).await;
    let mut late = beside.db.begin().await.unwrap();
    sqlx::query(
        "UPDATE applicants SET family_name = 'Nnamdi', version = version + 1 WHERE id = $1",
    )
    .bind(&second)
    .execute(&mut *late)
    .await
    .unwrap();
    queue_row(&mut late, practice.id(), &second).await;
    late.commit().await.unwrap();
    // The server applies the queue as far as the second row.
    assert_eq!(
        admin.search_ids("Nnamdi").await,
        std::slice::from_ref(&second)
    );
    early.commit().await.unwrap();
    assert_eq!(
        admin.search_ids("Okwuosa").await,
        std::slice::from_ref(&first),
        "the row written first and committed last is in the index"
    );
    let numbered: Vec<String> = sqlx::query_scalar(
        "SELECT record_id FROM search_queue WHERE record_id IN ($1, $2) AND enqueued_at = 0 ORDER BY commit_order",
    )
    .bind(&first)
    .bind(&second)
    .fetch_all(beside.db.pool())
    .await
    .unwrap();
    assert_eq!(numbered, [second.clone(), first.clone()]);
    beside.db.close().await;
    server.stop().await;
}
