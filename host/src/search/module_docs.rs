//! Modules' own documents in global search, behind the `search` import.
//!
//! A document is a row of `module_search_documents`, keyed by (practice,
//! module, id): the practice and module come from the host, the module only
//! names the id. Each put or removal is written in the module call's
//! transaction together with a `search_queue` row of kind `module:{module}`,
//! so the index follows them like host records, and a rebuild reads them
//! back from here. Whether a person sees one in results (module enabled,
//! `module:{id}`, the document's own permission) is decided when searching.

use std::collections::HashMap;

use sqlx::{Any, AssertSqlSafe, Executor, Row};

use crate::access::permissions::MODULE_PREFIX;
use crate::db::Tx;
use crate::practices::Practice;
use immcase_search_index::SearchDoc;

/// How much of the body's first line a result shows under its title.
const EXCERPT_CHARS: usize = 120;

/// One of a module's documents, as the module gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleSearchDoc {
    /// Unique within the module (the store's document id rules).
    pub id: String,
    pub title: String,
    pub body: String,
    /// Below the module's page mount, starting with `/`.
    pub path: String,
    /// The permission a person needs to see it, besides `module:{id}`.
    pub permission: Option<String>,
    /// When set, the people (user ids) who see it besides the holders of
    /// `permission`; nobody else.
    pub readers: Option<Vec<String>>,
}

/// Whether `caller` may see a stored document with this `permission` and
/// these `readers` (besides reaching the module at all).
pub fn may_read(
    caller: &crate::access::Caller,
    permission: Option<&str>,
    readers: Option<&[String]>,
) -> bool {
    let holds = permission.map(|p| caller.can(p));
    match readers {
        None => holds.unwrap_or(true),
        Some(list) => list.contains(&caller.user_id) || holds == Some(true),
    }
}

/// Who sees a stored document (see [`may_read`]).
pub struct Audience {
    pub permission: Option<String>,
    pub readers: Option<Vec<String>>,
}

/// The search kind of a module's documents.
pub fn kind(module: &str) -> String {
    format!("{MODULE_PREFIX}{module}")
}

/// Adds or replaces a document (checked by the `search` import).
pub async fn put(
    tx: &mut Tx,
    practice: &Practice,
    module: &str,
    doc: &ModuleSearchDoc,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO module_search_documents (practice_id, module_id, doc_id, title, body, path, \
         permission, readers, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8) \
         ON CONFLICT (practice_id, module_id, doc_id) DO UPDATE SET title = excluded.title, \
         body = excluded.body, path = excluded.path, permission = excluded.permission, \
         readers = excluded.readers, updated_at = excluded.updated_at",
    )
    .bind(practice.id())
    .bind(module)
    .bind(&doc.id)
    .bind(doc.title.trim())
    .bind(&doc.body)
    .bind(&doc.path)
    .bind(doc.permission.as_deref())
    .bind(now)
    .bind(
        doc.readers
            .as_ref()
            .map(|r| serde_json::to_string(r).unwrap_or_default()),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes a document; returns whether there was one.
pub async fn remove(
    tx: &mut Tx,
    practice: &Practice,
    module: &str,
    id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM module_search_documents WHERE practice_id = $1 AND module_id = $2 AND doc_id = $3",
    )
    .bind(practice.id())
    .bind(module)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done > 0)
}

const COLUMNS: &str = "doc_id, title, body, path, permission, readers";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<ModuleSearchDoc> {
    Ok(ModuleSearchDoc {
        id: r.try_get("doc_id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        path: r.try_get("path")?,
        permission: r.try_get("permission")?,
        readers: readers_of(r)?,
    })
}

fn readers_of(r: &sqlx::any::AnyRow) -> sqlx::Result<Option<Vec<String>>> {
    Ok(r.try_get::<Option<String>, _>("readers")?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

pub async fn find<'e, E>(
    db: E,
    practice: &Practice,
    module: &str,
    id: &str,
) -> sqlx::Result<Option<ModuleSearchDoc>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM module_search_documents WHERE practice_id = $1 AND module_id = $2 AND doc_id = $3"
    )))
    .bind(practice.id())
    .bind(module)
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A page of a module's documents by id, after `after` (for rebuilds).
pub async fn page<'e, E>(
    db: E,
    practice: &Practice,
    module: &str,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ModuleSearchDoc>>
where
    E: Executor<'e, Database = Any>,
{
    // `doc_id > $3` only when there is one (see `db::after_id`).
    let (range, limit_at) = match after {
        Some(_) => ("AND doc_id > $3", "$4"),
        None => ("", "$3"),
    };
    let query = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM module_search_documents WHERE practice_id = $1 AND module_id = $2 \
         {range} ORDER BY doc_id LIMIT {limit_at}"
    )))
    .bind(practice.id())
    .bind(module);
    let query = match after {
        Some(after) => query.bind(after),
        None => query,
    };
    let rows = query.bind(limit).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// Who may see each stored document of `ids`: the permission it requires
/// (`None`: none beyond `module:{id}`) and its named readers, if any. Ids
/// not stored are absent.
pub async fn permissions<'e, E>(
    db: E,
    practice: &Practice,
    module: &str,
    ids: &[&str],
) -> sqlx::Result<HashMap<String, Audience>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let sql = format!(
            "SELECT doc_id, permission, readers FROM module_search_documents WHERE practice_id = $1 \
             AND module_id = $2 AND doc_id IN ({})",
            crate::db::marks(3, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(practice.id())
            .bind(module);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(db).await? {
            let audience = Audience {
                permission: row.try_get("permission")?,
                readers: readers_of(&row)?,
            };
            found.insert(row.try_get("doc_id")?, audience);
        }
    }
    Ok(found)
}

/// What the index holds of a module's document: its title and body are
/// searched (`module.title`, `module.text`), the result shows the title and
/// the start of the body, and leads to `/m/{module}{path}`.
pub fn search_doc(practice: &Practice, module: &str, doc: &ModuleSearchDoc) -> SearchDoc {
    SearchDoc {
        practice_id: practice.id().to_string(),
        kind: kind(module),
        id: doc.id.clone(),
        title: doc.title.clone(),
        subtitle: excerpt(&doc.body),
        link: link(module, &doc.path),
        fields: vec![
            ("module.title".into(), doc.title.clone()),
            ("module.text".into(), doc.body.clone()),
        ],
    }
}

/// Where a result leads: the path below the module's page mount.
fn link(module: &str, path: &str) -> String {
    format!("/m/{module}{path}")
}

/// The body's first non-empty line, cut at [`EXCERPT_CHARS`] with `…`.
fn excerpt(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= EXCERPT_CHARS {
        return line.to_string();
    }
    let cut: String = line.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_show_the_start_of_the_body_and_lead_below_the_module() {
        let long = format!("\n  {}\nsecond line", "word ".repeat(40));
        let shown = excerpt(&long);
        assert!(
            shown.ends_with('…') && shown.chars().count() <= EXCERPT_CHARS,
            "{shown}"
        );
        assert!(shown.starts_with("word") && !shown.contains("second"));
        assert_eq!(excerpt("short\nmore"), "short");
        assert_eq!(link("notes", "/notes/n-1"), "/m/notes/notes/n-1");
    }
}
