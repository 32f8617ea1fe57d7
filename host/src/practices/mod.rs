//! Practices: the tenants of an ImmCase server. Every practice-data query takes
//! a `&Practice`, and a `Practice` can only come from the database (by the
//! Host-header resolver or a command-line lookup), so a query without a
//! practice scope does not compile.

pub mod logo;
pub mod modules;
mod routes;
pub mod settings;

pub use routes::{PracticeView, router, view};

use serde::Serialize;
use sqlx::{Any, Executor, Row};

use crate::db::new_id;
use crate::error::{AppError, Result};

/// A practice; cheap to clone (clones share one copy of its names).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Practice(std::sync::Arc<Tenant>);

#[derive(Debug, Serialize, PartialEq, Eq)]
struct Tenant {
    id: String,
    slug: String,
    name: String,
}

impl Practice {
    fn new(id: String, slug: String, name: String) -> Practice {
        Practice(std::sync::Arc::new(Tenant { id, slug, name }))
    }
}

impl Practice {
    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn slug(&self) -> &str {
        &self.0.slug
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The same practice under a new name.
    pub fn renamed(&self, name: &str) -> Practice {
        Practice::new(self.id().into(), self.slug().into(), name.into())
    }
}

/// Checks a practice slug: it becomes the first label of the practice's host
/// name, so it follows DNS label rules.
pub fn validate_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "slug",
            "use 1 to 63 lowercase letters, digits and inner hyphens (it becomes the host name)",
        ))
    }
}

/// A practice's and a new person's time zone until they choose one.
pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";

/// The practice's time zone (Settings → Practice), its default when never
/// saved.
pub async fn time_zone<'e, E>(db: E, practice_id: &str) -> Result<String>
where
    E: Executor<'e, Database = Any>,
{
    let zone: Option<Option<String>> =
        sqlx::query_scalar("SELECT time_zone FROM practice_settings WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_optional(db)
            .await?;
    Ok(zone
        .flatten()
        .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string()))
}

pub async fn find_by_slug<'e, E>(db: E, slug: &str) -> Result<Option<Practice>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT id, slug, name FROM practices WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_id<'e, E>(db: E, id: &str) -> Result<Option<Practice>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT id, slug, name FROM practices WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every practice on the server, oldest first (for work that spans them,
/// such as rebuilding the search index).
pub async fn all<'e, E>(db: E) -> Result<Vec<Practice>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query("SELECT id, slug, name FROM practices ORDER BY id")
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A practice from a row of `practices`.
fn from_row(r: &sqlx::any::AnyRow) -> Result<Practice> {
    Ok(Practice::new(
        r.try_get("id")?,
        r.try_get("slug")?,
        r.try_get("name")?,
    ))
}

pub async fn count<'e, E>(db: E) -> Result<i64>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM practices")
        .fetch_one(db)
        .await?)
}

pub async fn insert<'e, E>(db: E, slug: &str, name: &str, now_ms: i64) -> Result<Practice>
where
    E: Executor<'e, Database = Any>,
{
    validate_slug(slug)?;
    let practice = Practice::new(new_id(), slug.to_string(), name.to_string());
    sqlx::query("INSERT INTO practices (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(practice.id())
        .bind(practice.slug())
        .bind(practice.name())
        .bind(now_ms)
        .execute(db)
        .await
        .map_err(|e| {
            crate::error::unique_violation(e, "slug", "a practice with this slug exists")
        })?;
    Ok(practice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_dns_label_rules() {
        assert!(validate_slug("acme").is_ok());
        assert!(validate_slug("acme-law-2").is_ok());
        assert!(validate_slug("").is_err());
        assert!(validate_slug("Acme").is_err());
        assert!(validate_slug("-acme").is_err());
        assert!(validate_slug("acme.law").is_err());
        assert!(validate_slug(&"a".repeat(64)).is_err());
    }
}
