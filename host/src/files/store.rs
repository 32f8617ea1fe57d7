//! Files in the database: what makes a file exist, and the bytes each
//! practice stores.

use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::db::Tx;
use crate::error::Result;
use crate::practices::Practice;

/// A file as the database holds it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredFile {
    pub id: String,
    pub owner_kind: String,
    pub owner_id: String,
    pub folder: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_by: Option<String>,
    pub uploaded_at: i64,
    pub version: i64,
}

/// A file as the API shows it.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FileInfo {
    pub id: String,
    /// `applicant:{id}` or `case:{id}` (a module's own files show
    /// `module:{key}` to their module).
    pub owner: String,
    /// Sub-folder below the owner's folder, `a/b`; empty for the top.
    pub folder: String,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
    pub uploaded_by: Option<String>,
    /// RFC 3339.
    pub uploaded_at: String,
    pub version: i64,
    /// In a case's listing: `case` for the case's own files, `applicant` for
    /// files that came from the case's applicant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Where to download it.
    pub download: String,
}

impl StoredFile {
    pub fn info(&self, from: Option<&str>) -> FileInfo {
        FileInfo {
            id: self.id.clone(),
            owner: format!("{}:{}", self.owner_kind, self.owner_id),
            folder: self.folder.clone(),
            name: self.name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            sha256: self.sha256.clone(),
            uploaded_by: self.uploaded_by.clone(),
            uploaded_at: rfc3339(self.uploaded_at),
            version: self.version,
            from: from.map(str::to_string),
            download: format!("/api/v1/files/{}", self.id),
        }
    }
}

const COLUMNS: &str = "id, owner_kind, owner_id, folder, name, content_type, size, sha256, \
                       blob_key, uploaded_by, uploaded_at, version";

/// A file of an applicant or a case of the practice that is not in the
/// trash. A module's own files (owner kind `module:{id}`) are not found here:
/// only their module reaches them, through [`find_any`].
pub async fn find<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice: &Practice,
    id: &str,
) -> Result<Option<StoredFile>> {
    find_where(db, practice, id, "AND owner_kind IN ('applicant', 'case')").await
}

/// Files of applicants and cases by id (those not in the trash), in no
/// particular order.
pub async fn find_many(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    ids: &[String],
) -> Result<Vec<StoredFile>> {
    use sqlx::FromRow;
    let select = format!(
        "SELECT {COLUMNS} FROM files WHERE practice_id = $1 AND deleted_at IS NULL \
         AND owner_kind IN ('applicant', 'case')"
    );
    let rows = crate::db::rows_with_ids(conn, &select, practice.id(), ids).await?;
    Ok(rows
        .iter()
        .map(StoredFile::from_row)
        .collect::<sqlx::Result<_>>()?)
}

/// Up to `limit` files of applicants and cases not in the trash, by id
/// after `after` (for rebuilding the search index in batches).
pub async fn in_id_order(
    db: &sqlx::AnyPool,
    practice: &Practice,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<StoredFile>> {
    let (range, limit_at) = crate::db::after_id(after);
    let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM files WHERE practice_id = $1 AND deleted_at IS NULL \
         AND owner_kind IN ('applicant', 'case') {range} ORDER BY id LIMIT {limit_at}"
    )))
    .bind(practice.id());
    let query = match after {
        Some(after) => query.bind(after),
        None => query,
    };
    Ok(query.bind(limit).fetch_all(db).await?)
}

/// A file of the practice that is not in the trash, whoever owns it.
pub async fn find_any<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice: &Practice,
    id: &str,
) -> Result<Option<StoredFile>> {
    find_where(db, practice, id, "").await
}

async fn find_where<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice: &Practice,
    id: &str,
    condition: &'static str,
) -> Result<Option<StoredFile>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM files WHERE practice_id = $1 AND id = $2 AND deleted_at IS NULL \
         {condition}"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// An owner's files that are not in the trash, by folder and name (at most
/// 1,000).
pub async fn list_owner<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice: &Practice,
    owner_kind: &str,
    owner_id: &str,
) -> Result<Vec<StoredFile>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM files WHERE practice_id = $1 AND owner_kind = $2 AND owner_id = $3 \
         AND deleted_at IS NULL ORDER BY folder, name, id LIMIT 1000"
    )))
    .bind(practice.id())
    .bind(owner_kind)
    .bind(owner_id)
    .fetch_all(db)
    .await?)
}

/// Records a file whose contents are in the blob store.
pub async fn insert(tx: &mut Tx, practice: &Practice, f: &StoredFile) -> Result<()> {
    sqlx::query(
        "INSERT INTO files (id, practice_id, owner_kind, owner_id, folder, name, content_type, \
         size, sha256, blob_key, uploaded_by, uploaded_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)",
    )
    .bind(&f.id)
    .bind(practice.id())
    .bind(&f.owner_kind)
    .bind(&f.owner_id)
    .bind(&f.folder)
    .bind(&f.name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(&f.blob_key)
    .bind(&f.uploaded_by)
    .bind(f.uploaded_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Bytes the practice stores now (files in the trash included).
pub async fn used_bytes<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    db: E,
    practice_id: &str,
) -> Result<i64> {
    let used: Option<i64> =
        sqlx::query_scalar("SELECT used_bytes FROM practice_storage WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_optional(db)
            .await?;
    Ok(used.unwrap_or(0))
}

/// Counts `bytes` more against the practice's quota if they fit; `false`
/// (and nothing counted) when they do not. The conditional update holds the
/// practice's row until the transaction ends, so concurrent uploads are
/// counted one after the other.
pub async fn reserve(tx: &mut Tx, practice_id: &str, bytes: i64, quota: i64) -> Result<bool> {
    sqlx::query(
        "INSERT INTO practice_storage (practice_id, used_bytes) VALUES ($1, 0) \
         ON CONFLICT (practice_id) DO NOTHING",
    )
    .bind(practice_id)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "UPDATE practice_storage SET used_bytes = used_bytes + $2 \
         WHERE practice_id = $1 AND used_bytes + $2 <= $3",
    )
    .bind(practice_id)
    .bind(bytes)
    .bind(quota)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stops counting `bytes` (files purged for good).
pub async fn release(tx: &mut Tx, practice_id: &str, bytes: i64) -> Result<()> {
    sqlx::query(
        "UPDATE practice_storage SET used_bytes = CASE WHEN used_bytes > $2 \
         THEN used_bytes - $2 ELSE 0 END WHERE practice_id = $1",
    )
    .bind(practice_id)
    .bind(bytes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ids of the files of owners, not in the trash (to go with them).
pub async fn ids_of_owners(
    tx: &mut Tx,
    practice: &Practice,
    owner_kind: &str,
    owner_ids: &[String],
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for owner in owner_ids {
        let found: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM files WHERE practice_id = $1 AND owner_kind = $2 AND owner_id = $3 \
             AND deleted_at IS NULL",
        )
        .bind(practice.id())
        .bind(owner_kind)
        .bind(owner)
        .fetch_all(&mut **tx)
        .await?;
        ids.extend(found);
    }
    Ok(ids)
}
