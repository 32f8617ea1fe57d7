//! How each person last narrowed and ordered a list (the filters and sort
//! of Cases, say), kept per person and list as the list's query string, so
//! the list opens as they left it.

use crate::access::Caller;
use crate::error::Result;
use crate::state::AppState;

/// The longest query string kept.
const MAX_QUERY: usize = 1000;

/// The query string `caller` last used on `list`, if any.
pub async fn get(state: &AppState, caller: &Caller, list: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT query FROM list_views WHERE practice_id = $1 AND user_id = $2 AND list = $3",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(list)
    .fetch_optional(state.db.pool())
    .await?)
}

/// Keeps `query` as how `caller` uses `list` (an empty one forgets it).
pub async fn keep(state: &AppState, caller: &Caller, list: &str, query: &str) -> Result<()> {
    let pool = state.db.pool();
    if query.is_empty() || query.len() > MAX_QUERY {
        sqlx::query("DELETE FROM list_views WHERE practice_id = $1 AND user_id = $2 AND list = $3")
            .bind(caller.practice.id())
            .bind(&caller.user_id)
            .bind(list)
            .execute(pool)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO list_views (practice_id, user_id, list, query, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (practice_id, user_id, list) DO UPDATE SET query = $4, updated_at = $5",
    )
    .bind(caller.practice.id())
    .bind(&caller.user_id)
    .bind(list)
    .bind(query)
    .bind(state.now_ms())
    .execute(pool)
    .await?;
    Ok(())
}
