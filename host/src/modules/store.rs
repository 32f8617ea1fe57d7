//! The document store modules get instead of SQL. Every function is scoped to
//! a (practice, module) pair the host chose; the module only names the
//! collection. Indexed fields are copied to `module_document_fields` as a
//! sortable text encoding, so equality, ranges, ordering and keyset cursors
//! work the same on SQLite and PostgreSQL.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use crate::practices::Practice;

use immcase_manifest::checks;
/// The sortable text form of an indexable JSON value (shared with the SDK's
/// test host, so both order and compare alike).
pub use immcase_manifest::checks::index_value;

/// Largest document, as JSON text.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub struct Scope<'a> {
    pub practice: &'a Practice,
    pub module: &'a str,
    pub collection: &'a str,
}

#[derive(Debug)]
pub struct StoredDocument {
    pub id: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub data: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

pub struct Filter {
    pub field: String,
    pub op: Op,
    pub value: Value,
}

pub struct Query {
    pub filters: Vec<Filter>,
    pub order_by: Option<String>,
    pub descending: bool,
    pub limit: u32,
    pub cursor: Option<String>,
}

pub fn check_id(id: &str) -> Result<(), StoreError> {
    checks::document_id(id).map_err(StoreError::Invalid)
}

fn row_to_document(r: &sqlx::any::AnyRow) -> sqlx::Result<StoredDocument> {
    Ok(StoredDocument {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        data: r.try_get("data")?,
    })
}

pub async fn get<'e, E>(
    db: E,
    scope: &Scope<'_>,
    id: &str,
) -> Result<Option<StoredDocument>, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT id, version, created_at, updated_at, data FROM module_documents \
         WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND id = $4",
    )
    .bind(scope.practice.id())
    .bind(scope.module)
    .bind(scope.collection)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.as_ref().map(row_to_document).transpose()?)
}

/// Creates (`expected` none) or updates (`expected` = the current version).
pub async fn put(
    tx: &mut crate::db::Tx,
    scope: &Scope<'_>,
    id: &str,
    data: &str,
    indexed: &[String],
    expected: Option<i64>,
    now: i64,
) -> Result<StoredDocument, StoreError> {
    check_id(id)?;
    if data.len() > MAX_DOCUMENT_BYTES {
        return Err(StoreError::Invalid(format!(
            "documents are at most {MAX_DOCUMENT_BYTES} bytes of JSON"
        )));
    }
    let object: Map<String, Value> = match serde_json::from_str(data) {
        Ok(Value::Object(map)) => map,
        _ => return Err(StoreError::Invalid("a document is a JSON object".into())),
    };
    let current = get(&mut **tx, scope, id).await?;
    let (version, created_at) = match (expected, &current) {
        (None, None) => (1, now),
        (None, Some(_)) => {
            return Err(StoreError::Conflict(format!(
                "document {id:?} already exists"
            )));
        }
        (Some(_), None) => return Err(StoreError::NotFound(format!("no document {id:?}"))),
        (Some(v), Some(c)) if v != c.version => {
            return Err(StoreError::Conflict(format!(
                "document {id:?} is at version {}, not {v}",
                c.version
            )));
        }
        (Some(_), Some(c)) => (c.version + 1, c.created_at),
    };
    let (p, m, c) = (scope.practice.id(), scope.module, scope.collection);
    if current.is_none() {
        // Another call may create the same id meanwhile. `DO NOTHING` makes
        // that a conflict the module can answer (or retry after reading
        // again), instead of an error that, on PostgreSQL, would abort the
        // whole call's transaction.
        let inserted = sqlx::query(
            "INSERT INTO module_documents (practice_id, module_id, collection, id, version, data, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $6, $6) \
             ON CONFLICT (practice_id, module_id, collection, id) DO NOTHING",
        )
        .bind(p)
        .bind(m)
        .bind(c)
        .bind(id)
        .bind(data)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "document {id:?} already exists"
            )));
        }
    } else {
        let updated = sqlx::query(
            "UPDATE module_documents SET version = $5, data = $6, updated_at = $7 \
             WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND id = $4 AND version = $8",
        )
        .bind(p)
        .bind(m)
        .bind(c)
        .bind(id)
        .bind(version)
        .bind(data)
        .bind(now)
        .bind(version - 1)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "document {id:?} changed meanwhile"
            )));
        }
    }
    write_fields(tx, (p, m, c), id, &object, indexed).await?;
    Ok(StoredDocument {
        id: id.to_string(),
        version,
        created_at,
        updated_at: now,
        data: data.to_string(),
    })
}

/// Replaces the copies of a document's indexed fields with those of
/// `object` for the fields `indexed` names, in the (practice, module,
/// collection) given.
pub async fn write_fields(
    tx: &mut crate::db::Tx,
    (p, m, c): (&str, &str, &str),
    id: &str,
    object: &Map<String, Value>,
    indexed: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM module_document_fields WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND doc_id = $4",
    )
    .bind(p)
    .bind(m)
    .bind(c)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    for field in indexed {
        if let Some(value) = object.get(field).and_then(index_value) {
            sqlx::query(
                "INSERT INTO module_document_fields (practice_id, module_id, collection, doc_id, field, value) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(p)
            .bind(m)
            .bind(c)
            .bind(id)
            .bind(field)
            .bind(value)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

pub async fn delete(
    tx: &mut crate::db::Tx,
    scope: &Scope<'_>,
    id: &str,
    expected: Option<i64>,
) -> Result<bool, StoreError> {
    let Some(current) = get(&mut **tx, scope, id).await? else {
        return Ok(false);
    };
    if let Some(v) = expected
        && v != current.version
    {
        return Err(StoreError::Conflict(format!(
            "document {id:?} is at version {}, not {v}",
            current.version
        )));
    }
    let (p, m, c) = (scope.practice.id(), scope.module, scope.collection);
    for table in ["module_document_fields", "module_documents"] {
        let key = if table == "module_documents" {
            "id"
        } else {
            "doc_id"
        };
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE practice_id = $1 AND module_id = $2 AND collection = $3 AND {key} = $4"
        )))
        .bind(p)
        .bind(m)
        .bind(c)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The sort value of the last row (absent when ordered by id).
    v: Option<String>,
    id: String,
}

fn range_bounds(value: &str) -> (&'static str, &'static str) {
    // Values of one type share a prefix; a range never crosses types.
    match value.as_bytes().first() {
        Some(b's') => ("s:", "s;"),
        Some(b'n') => ("n:", "n;"),
        _ => ("b:", "b;"),
    }
}

pub async fn query<'e, E>(
    db: E,
    scope: &Scope<'_>,
    indexed: &[String],
    q: &Query,
) -> Result<(Vec<StoredDocument>, Option<String>), StoreError>
where
    E: Executor<'e, Database = Any>,
{
    if q.limit == 0 || q.limit > MAX_PAGE {
        return Err(StoreError::Invalid(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    if q.filters.len() > 8 {
        return Err(StoreError::Invalid("at most 8 filters".into()));
    }
    let not_indexed = |f: &str| {
        StoreError::Invalid(format!(
            "field {f:?} is not indexed for collection {:?}; declare it under [indexes] in plugin.toml",
            scope.collection
        ))
    };
    // Bind values in order; $1..$3 are the scope.
    let mut binds: Vec<String> = vec![
        scope.practice.id().into(),
        scope.module.into(),
        scope.collection.into(),
    ];
    let next = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    let mut sql = String::from("SELECT d.id, d.version, d.created_at, d.updated_at, d.data");
    let order = match &q.order_by {
        Some(field) => {
            if !indexed.contains(field) {
                return Err(not_indexed(field));
            }
            Some(field.clone())
        }
        None => None,
    };
    sql.push_str(if order.is_some() {
        ", COALESCE(o.value, '') AS sort_value"
    } else {
        ", '' AS sort_value"
    });
    sql.push_str(" FROM module_documents d");
    if let Some(field) = &order {
        let f = next(&mut binds, field.clone());
        sql.push_str(&format!(
            " LEFT JOIN module_document_fields o ON o.practice_id = d.practice_id AND o.module_id = d.module_id \
             AND o.collection = d.collection AND o.doc_id = d.id AND o.field = {f}"
        ));
    }
    sql.push_str(" WHERE d.practice_id = $1 AND d.module_id = $2 AND d.collection = $3");
    for filter in &q.filters {
        if !indexed.contains(&filter.field) {
            return Err(not_indexed(&filter.field));
        }
        let value = index_value(&filter.value).ok_or_else(|| {
            StoreError::Invalid(format!(
                "filter on {:?}: compare with a string, number or boolean",
                filter.field
            ))
        })?;
        let field = next(&mut binds, filter.field.clone());
        let (low, high) = range_bounds(&value);
        let cond = match filter.op {
            Op::Eq => format!("f.value = {}", next(&mut binds, value)),
            Op::Ne => format!("f.value <> {}", next(&mut binds, value)),
            op => {
                let sym = match op {
                    Op::Lt => "<",
                    Op::Lte => "<=",
                    Op::Gt => ">",
                    _ => ">=",
                };
                let v = next(&mut binds, value.clone());
                let lo = next(&mut binds, low.into());
                let hi = next(&mut binds, high.into());
                format!("f.value {sym} {v} AND f.value >= {lo} AND f.value < {hi}")
            }
        };
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM module_document_fields f WHERE f.practice_id = d.practice_id \
             AND f.module_id = d.module_id AND f.collection = d.collection AND f.doc_id = d.id \
             AND f.field = {field} AND {cond})"
        ));
    }
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(cursor) = &q.cursor {
        let bad = || StoreError::Invalid("cursor: not a cursor from this query".into());
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let id = next(&mut binds, c.id);
        match (&order, c.v) {
            (Some(_), Some(v)) => {
                let v = next(&mut binds, v);
                sql.push_str(&format!(
                    " AND (COALESCE(o.value, '') {cmp} {v} OR (COALESCE(o.value, '') = {v} AND d.id {cmp} {id}))"
                ));
            }
            (None, None) => sql.push_str(&format!(" AND d.id {cmp} {id}")),
            _ => return Err(bad()),
        }
    }
    if order.is_some() {
        sql.push_str(&format!(
            " ORDER BY COALESCE(o.value, '') {dir}, d.id {dir}"
        ));
    } else {
        sql.push_str(&format!(" ORDER BY d.id {dir}"));
    }
    sql.push_str(&format!(" LIMIT {}", q.limit + 1));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db).await?;
    let more = rows.len() > q.limit as usize;
    let rows = &rows[..rows.len().min(q.limit as usize)];
    let next_cursor = match rows.last() {
        Some(r) if more => {
            let c = Cursor {
                v: match order {
                    Some(_) => Some(r.try_get::<String, _>("sort_value")?),
                    None => None,
                },
                id: r.try_get("id")?,
            };
            Some(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default()))
        }
        _ => None,
    };
    let documents = rows
        .iter()
        .map(row_to_document)
        .collect::<sqlx::Result<_>>()?;
    Ok((documents, next_cursor))
}
