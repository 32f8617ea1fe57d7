//! Whose rows a query may see, on PostgreSQL: the second wall between
//! practices (docs/practice-wall.md).
//!
//! Every table holding practice data has row-level security, enabled and
//! forced. A task runs either for one practice ([`for_practice`]: every
//! practice route, from the moment its Host header names the practice) or
//! on the system path ([`as_system`]: finding a practice by its name,
//! background workers, housekeeping, commands, operators' installation-wide
//! actions). Each time the task takes a connection from the pool, the
//! connection is set to match: role `immcase_app` and the practice, or role
//! `immcase_system`. `immcase_app` owns nothing and cannot bypass row-level
//! security, so a query that forgets its `practice_id` filter still sees
//! only its own practice's rows. In the server, a task in neither scope
//! sees no practice's rows at all; commands and tools, which act on the
//! whole installation, are on the system path unless they say otherwise
//! (see [`Unscoped`]). SQLite has no roles: there the scopes change nothing.
//!
//! The scope is task-local: a task spawned from a scoped one starts in no
//! scope, so code that spawns work for the same practice passes it on with
//! [`carry`].

use std::future::Future;
use std::sync::Arc;

use sqlx::AnyConnection;

/// The scope a task runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One practice's rows, as role `immcase_app`.
    Practice(Arc<str>),
    /// Every practice's rows, as role `immcase_system`.
    System,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// The role every query of a practice route runs as.
pub const APP_ROLE: &str = "immcase_app";
/// The role of the system path.
pub const SYSTEM_ROLE: &str = "immcase_system";

/// Runs `work` for the practice `practice_id`.
pub async fn for_practice<F: Future>(practice_id: &str, work: F) -> F::Output {
    SCOPE.scope(Scope::Practice(practice_id.into()), work).await
}

/// Runs `work` on the system path, which sees every practice.
pub async fn as_system<F: Future>(work: F) -> F::Output {
    SCOPE.scope(Scope::System, work).await
}

/// The scope this task runs in, if any.
pub fn current() -> Option<Scope> {
    SCOPE.try_with(Scope::clone).ok()
}

/// `work` in the scope this task runs in now: for work spawned onto
/// another task or thread that acts for the same practice.
pub fn carry<F: Future>(work: F) -> impl Future<Output = F::Output> {
    within(current(), work)
}

/// `work` in `scope` (as [`current`] gave it earlier, on another task).
pub async fn within<F: Future>(scope: Option<Scope>, work: F) -> F::Output {
    match scope {
        Some(scope) => SCOPE.scope(scope, work).await,
        None => work.await,
    }
}

/// What a task in no scope gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unscoped {
    /// Role `immcase_app` with no practice: no practice's rows. The
    /// server's own pool, where every request and worker has a scope.
    SeesNothing,
    /// The system path: commands and tools that act on the installation.
    System,
}

/// Runs `f`, which does not wait, in `scope`: for code polled outside
/// the task that had the scope (a response body that streams after its
/// handler returned).
pub fn enter<R>(scope: &Option<Scope>, f: impl FnOnce() -> R) -> R {
    match scope {
        Some(scope) => SCOPE.sync_scope(scope.clone(), f),
        None => f(),
    }
}

/// Sets a PostgreSQL connection's role and practice to the task's scope;
/// run each time the pool hands the connection out.
pub(super) async fn apply(conn: &mut AnyConnection, unscoped: Unscoped) -> sqlx::Result<()> {
    let (role, practice) = match (current(), unscoped) {
        (Some(Scope::Practice(id)), _) => (APP_ROLE, id.to_string()),
        (Some(Scope::System), _) | (None, Unscoped::System) => (SYSTEM_ROLE, String::new()),
        (None, Unscoped::SeesNothing) => (APP_ROLE, String::new()),
    };
    sqlx::query("SELECT set_config('role', $1, false), set_config('immcase.practice', $2, false)")
        .bind(role)
        .bind(practice)
        .execute(conn)
        .await?;
    Ok(())
}
