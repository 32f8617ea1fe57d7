//! The second wall between practices on PostgreSQL (docs/practice-wall.md):
//! every table holding practice data has forced row-level security, the
//! server's queries run as a role that owns nothing and cannot bypass it,
//! and a query that forgets its practice filter sees nothing of another
//! practice. SQLite has no roles or row-level security: PostgreSQL only.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::db::Db;
use immcase_host::db::scope::{self, APP_ROLE, SYSTEM_ROLE};
use immcase_tests::{Backend, TestServer};
use sqlx::Connection;

/// Tables that hold nothing of any one practice: the schema's history and
/// the installation's modules (which versions run, their declared indexes,
/// the snapshots' headers; the snapshots' documents carry a practice).
const INSTALLATION_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "module_data_snapshots",
    "module_indexes",
    "module_installs",
];

async fn owner(server: &TestServer) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(&server.config.database_url())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_practice_table_has_forced_row_level_security() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let server = TestServer::start(backend).await;
    let mut db = owner(&server).await;

    // Every table: whether it names a practice, and its security.
    let tables: Vec<(String, bool, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, \
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                        AND a.attname = 'practice_id' AND NOT a.attisdropped), \
                c.relrowsecurity, c.relforcerowsecurity, \
                (SELECT COUNT(*) FROM pg_policies p WHERE p.schemaname = n.nspname \
                 AND p.tablename = c.relname AND p.policyname = 'practice_wall') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(tables.len() > 40, "{tables:?}");
    let mut unwalled = Vec::new();
    let mut unknown = Vec::new();
    for (name, names_practice, enabled, forced, walls) in &tables {
        let practice_table = *names_practice || name == "practices";
        if practice_table && !(*enabled && *forced && *walls == 1) {
            unwalled.push(name.clone());
        }
        if !practice_table && !INSTALLATION_TABLES.contains(&name.as_str()) {
            unknown.push(name.clone());
        }
    }
    assert!(
        unwalled.is_empty(),
        "practice tables without forced row-level security and the practice wall \
         (call immcase_wall in their migration): {unwalled:?}"
    );
    assert!(
        unknown.is_empty(),
        "tables with no practice_id column that are not known to be installation-wide \
         (wall them, or list them here if nothing in them belongs to a practice): {unknown:?}"
    );

    // The server's roles: no superuser, no bypassing row-level security,
    // no login, and nothing of this database is theirs.
    for role in [APP_ROLE, SYSTEM_ROLE] {
        let (superuser, bypass, login): (bool, bool, bool) = sqlx::query_as(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
        )
        .bind(role)
        .fetch_one(&mut db)
        .await
        .unwrap();
        assert!(!superuser && !bypass && !login, "{role}");
        let owned: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM pg_class WHERE relowner = r.oid) \
                  + (SELECT COUNT(*) FROM pg_proc WHERE proowner = r.oid) \
                  + (SELECT COUNT(*) FROM pg_namespace WHERE nspowner = r.oid) \
             FROM pg_roles r WHERE r.rolname = $1",
        )
        .bind(role)
        .fetch_one(&mut db)
        .await
        .unwrap();
        assert_eq!(owned, 0, "{role} owns nothing");
    }
    // The schema's history is not theirs to read or change, but the
    // system path's (a backup records it).
    let app_reads_history: bool =
        sqlx::query_scalar("SELECT has_table_privilege($1, '_sqlx_migrations', 'SELECT')")
            .bind(APP_ROLE)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(!app_reads_history);
    let _ = db.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_forgets_its_practice_sees_nothing_of_another() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let ours = admin.add_applicant("Adeyemi").await;
    let other_admin = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    let theirs = other_admin.add_applicant("Bankole").await;

    let beside = server.state_beside().await;
    let default = beside.practice_by_slug("default").await.unwrap().unwrap();
    let other = beside.practice_by_slug("other").await.unwrap().unwrap();
    beside.db.close().await;

    // The pool the server uses, and queries with no practice filter.
    let db = Db::connect_walled(&server.config.database_url(), 4)
        .await
        .unwrap();
    let everyone = || async {
        sqlx::query_as::<_, (String, String)>("SELECT id, practice_id FROM applicants ORDER BY id")
            .fetch_all(db.pool())
            .await
            .unwrap()
    };
    let seen = scope::for_practice(default.id(), everyone()).await;
    assert_eq!(seen, [(ours.clone(), default.id().to_string())]);
    let seen = scope::for_practice(other.id(), everyone()).await;
    assert_eq!(seen, [(theirs.clone(), other.id().to_string())]);
    // Outside any practice, the server's queries see no practice at all.
    assert!(everyone().await.is_empty());
    let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(practices, 0);
    // The system path sees both.
    let seen = scope::as_system(everyone()).await;
    assert_eq!(seen.len(), 2, "{seen:?}");

    // Writes are walled too: no changing, deleting or adding another
    // practice's rows from this one's.
    let touched = scope::for_practice(default.id(), async {
        let renamed = sqlx::query("UPDATE applicants SET family_name = 'Taken' WHERE id = $1")
            .bind(&theirs)
            .execute(db.pool())
            .await
            .unwrap()
            .rows_affected();
        let deleted = sqlx::query("DELETE FROM applicants WHERE practice_id = $1")
            .bind(other.id())
            .execute(db.pool())
            .await
            .unwrap()
            .rows_affected();
        renamed + deleted
    })
    .await;
    assert_eq!(touched, 0);
    let planted = scope::for_practice(default.id(), async {
        let mut tx = db.begin().await.unwrap();
        sqlx::query("UPDATE users SET practice_id = $1 WHERE practice_id = $2")
            .bind(other.id())
            .bind(default.id())
            .execute(&mut *tx)
            .await
    })
    .await;
    let refused = planted.unwrap_err().to_string();
    assert!(refused.contains("row-level security"), "{refused}");
    // The role the connections take on is the one the wall is for.
    let (role, practice): (String, String) = scope::for_practice(default.id(), async {
        sqlx::query_as("SELECT current_user::text, current_setting('immcase.practice')")
            .fetch_one(db.pool())
            .await
            .unwrap()
    })
    .await;
    assert_eq!((role.as_str(), practice.as_str()), (APP_ROLE, default.id()));
    db.close().await;

    // Through the server, each practice still finds its own applicant and
    // not the other's.
    assert_eq!(admin.search_ids("Bankole").await, Vec::<String>::new());
    admin
        .get(&format!("/api/v1/applicants/{theirs}"))
        .await
        .expect_status(404);
    other_admin
        .get(&format!("/api/v1/applicants/{theirs}"))
        .await
        .expect_status(200);
    server.stop().await;
}

/// The search queue is every practice's: a search of one practice brings
/// this host's index up to date with every practice's changes (on the
/// system path), so another practice's change queued before one of this
/// practice's is not skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_practice_s_search_takes_in_every_practice_s_changes() {
    let Some(backend @ Backend::Postgres(_)) = Backend::postgres().await else {
        return;
    };
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let other_admin = server
        .admin_of_new_practice("other", "admin@other.example", "another long passphrase")
        .await;
    // An index of its own beside the server's, brought up to date only as
    // below, by a search of the default practice.
    let scratch = tempfile::tempdir().unwrap();
    let mut config = server.config.clone();
    config.database_url = Some(server.config.database_url());
    config.data_dir = scratch.path().to_path_buf();
    let beside = immcase_host::open(config).await.unwrap();
    let default = beside.practice_by_slug("default").await.unwrap().unwrap();
    let other = beside.practice_by_slug("other").await.unwrap().unwrap();
    let catch_up = || {
        scope::for_practice(
            default.id(),
            immcase_host::search::feed::catch_up_for(&beside, default.id()),
        )
    };
    catch_up().await.unwrap();
    let theirs = other_admin.add_applicant("Zebulonsky").await;
    let ours = admin.add_applicant("Quintanilla").await;
    catch_up().await.unwrap();
    let found = |practice: &immcase_host::practices::Practice, name: &str| {
        let hits = beside
            .search
            .index
            .search(practice.id(), name, &["applicant.family_name"], None, 10)
            .unwrap();
        hits.into_iter().map(|h| h.id).collect::<Vec<_>>()
    };
    assert_eq!(found(&default, "Quintanilla"), [ours]);
    assert_eq!(
        found(&other, "Zebulonsky"),
        [theirs],
        "the other practice's change"
    );
    beside.db.close().await;
    server.stop().await;
}
