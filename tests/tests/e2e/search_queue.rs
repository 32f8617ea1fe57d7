//! The search queue follows the order in which changes commit, so a server
//! that has applied it up to a row never skips one that commits later with
//! a smaller id. Only PostgreSQL lets two writing transactions run at once
//! (SQLite takes one writer at a time), so the tests run there.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer};

/// When a transaction's queue row is written.
#[derive(Clone, Copy)]
enum Queued {
    /// As the host writes it: last, as the transaction commits.
    AtCommit,
    /// At once, long before the transaction commits.
    AtOnce,
}

/// Renames an applicant in `tx` as the host changes a record: the row and
/// its search queue entry in one transaction.
async fn rename(
    tx: &mut immcase_host::db::Tx,
    practice: &immcase_host::practices::Practice,
    id: &str,
    family_name: &str,
    queued: Queued,
) {
    sqlx::query("UPDATE applicants SET family_name = $1, version = version + 1 WHERE id = $2")
        .bind(family_name)
        .bind(id)
        .execute(&mut **tx)
        .await
        .unwrap();
    match queued {
        Queued::AtCommit => immcase_host::change::reindex(tx, practice, "applicant", id, 0)
            .await
            .unwrap(),
        Queued::AtOnce => {
            sqlx::query(
                "INSERT INTO search_queue (practice_id, kind, record_id, enqueued_at) VALUES ($1, 'applicant', $2, 0)",
            )
            .bind(practice.id())
            .bind(id)
            .execute(&mut **tx)
            .await
            .unwrap();
        }
    }
}

/// Two applicants renamed by another process on the same database: the
/// first change queues its row, the second queues and commits, the server
/// searches (applying the queue as far as it sees it), then the first
/// commits, and both are found. Returns the server, the process beside it
/// and the two applicants' ids; None without PostgreSQL.
async fn commit_out_of_order(
    queued: Queued,
) -> Option<(TestServer, immcase_host::AppState, String, String)> {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return None;
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
    rename(&mut early, &practice, &first, "Okwuosa", queued).await;
    let mut late = beside.db.begin().await.unwrap();
    rename(&mut late, &practice, &second, "Nnamdi", queued).await;
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
    Some((server, beside, first, second))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_commits_last_is_found_though_it_began_first() {
    let Some((server, beside, _, _)) = commit_out_of_order(Queued::AtCommit).await else {
        return;
    };
    beside.db.close().await;
    server.stop().await;
}

/// The queue's order is the order of the commits even where the rows went
/// in the other way round: the first row inserted, by a transaction that
/// commits last, is numbered after the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_row_is_numbered_as_its_transaction_commits_not_as_it_was_written() {
    let Some((server, beside, first, second)) = commit_out_of_order(Queued::AtOnce).await else {
        return;
    };
    let numbered: Vec<String> = sqlx::query_scalar(
        "SELECT record_id FROM search_queue WHERE record_id IN ($1, $2) AND enqueued_at = 0 ORDER BY commit_order",
    )
    .bind(&first)
    .bind(&second)
    .fetch_all(beside.db.pool())
    .await
    .unwrap();
    assert_eq!(numbered, [second, first]);
    beside.db.close().await;
    server.stop().await;
}
