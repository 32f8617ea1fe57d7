//! Reading the audit log: `GET /api/v1/audit`, newest first, filtered by
//! action, person, record and time, paged with a cursor (the last id seen).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Caller;
use crate::api::Query;
use crate::clock::rfc3339;
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

#[derive(Clone, Serialize, ToSchema)]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// The same, in milliseconds since the epoch (for pages).
    #[serde(skip)]
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The applicant whose data this is about (for a case or a file, the
    /// applicant it belongs to), if any.
    pub applicant_id: Option<String>,
    /// The case this is about (for a file, the case it belongs to), if any.
    pub case_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The filters of `GET /api/v1/audit`; they combine (all must hold). An
/// empty value is the same as none.
#[derive(Default, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Only rows with this action, e.g. `auth.sign_in_failed`, `file.downloaded`.
    pub action: Option<String>,
    /// Only what this person did (a user id).
    pub actor_user_id: Option<String>,
    /// Only rows about this applicant's data: the applicant, their cases and
    /// the files of both.
    pub applicant_id: Option<String>,
    /// Only rows about this case: the case and its files.
    pub case_id: Option<String>,
    /// RFC 3339: only rows at or after this time.
    pub from: Option<String>,
    /// RFC 3339: only rows before this time.
    pub to: Option<String>,
}

/// Checked filters of the audit log. Times are milliseconds since the epoch;
/// `to` is exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only rows older than this id (a page's cursor).
    pub before: Option<i64>,
    pub limit: i64,
    pub action: Option<String>,
    pub actor_user_id: Option<String>,
    pub applicant_id: Option<String>,
    pub case_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// The longest action or id a filter takes.
const MAX_FILTER_LEN: usize = 100;

/// A filter's text: none when empty, refused (naming `field`) when longer
/// than any action or id.
pub fn filter_text(field: &str, value: Option<String>) -> Result<Option<String>> {
    let value = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > MAX_FILTER_LEN => Err(AppError::field(
            field,
            format!("at most {MAX_FILTER_LEN} characters"),
        )),
        v => Ok(v),
    }
}

/// An RFC 3339 time as milliseconds since the epoch, refused naming `field`.
fn instant(field: &str, value: Option<String>) -> Result<Option<i64>> {
    let Some(text) = filter_text(field, value)? else {
        return Ok(None);
    };
    text.parse::<jiff::Timestamp>()
        .map(|t| Some(t.as_millisecond()))
        .map_err(|_| {
            AppError::field(
                field,
                "a time in RFC 3339, such as 2026-03-01T00:00:00Z or 2026-03-01T00:00:00-05:00",
            )
        })
}

impl AuditQuery {
    /// The filter this query asks for, or a 422 naming the wrong parameter.
    pub fn check(self) -> Result<Filter> {
        let before = match filter_text("cursor", self.cursor)? {
            None => None,
            Some(c) => Some(
                c.parse::<i64>()
                    .map_err(|_| AppError::field("cursor", "not a cursor from this list"))?,
            ),
        };
        let filter = Filter {
            before,
            limit: crate::input::page_limit(self.limit)?,
            action: filter_text("action", self.action)?,
            actor_user_id: filter_text("actor_user_id", self.actor_user_id)?,
            applicant_id: filter_text("applicant_id", self.applicant_id)?,
            case_id: filter_text("case_id", self.case_id)?,
            from: instant("from", self.from)?,
            to: instant("to", self.to)?,
        };
        filter.check_range()?;
        Ok(filter)
    }
}

impl Filter {
    /// `Ok` unless `to` is not after `from`.
    pub fn check_range(&self) -> Result<()> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if to <= from => {
                Err(AppError::field("to", "must be after the start (`from`)"))
            }
            _ => Ok(()),
        }
    }

    /// The `WHERE` conditions after the practice's, with the values they
    /// take, numbered from `$2`.
    fn conditions(&self) -> (String, Vec<Value>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        let mut push = |condition: &str, value: Value| {
            values.push(value);
            sql.push_str(&format!(" AND {condition} ${}", values.len() + 1));
        };
        if let Some(id) = self.before {
            push("id <", Value::Int(id));
        }
        let texts = [
            ("action =", &self.action),
            ("actor_user_id =", &self.actor_user_id),
            ("applicant_id =", &self.applicant_id),
            ("case_id =", &self.case_id),
        ];
        for (condition, value) in texts {
            if let Some(v) = value {
                push(condition, Value::Text(v.clone()));
            }
        }
        if let Some(from) = self.from {
            push("at >=", Value::Int(from));
        }
        if let Some(to) = self.to {
            push("at <", Value::Int(to));
        }
        (sql, values)
    }
}

/// A value bound to a condition.
#[derive(Debug, PartialEq, Eq)]
enum Value {
    Int(i64),
    Text(String),
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// The practice's audit log, newest first, filtered by action, person,
/// applicant or case, and time (needs `audit.read`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A filter that cannot be read, named in `fields`"),
    ))]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>> {
    caller.require("audit.read")?;
    list(&state, &caller, &q.check()?).await.map(Json)
}

/// A page of the practice's audit log, newest first (needs `audit.read`).
pub async fn list(state: &AppState, caller: &Caller, filter: &Filter) -> Result<AuditPage> {
    caller.require("audit.read")?;
    let (conditions, values) = filter.conditions();
    let sql = format!(
        "SELECT id, at, actor_user_id, actor_email, action, target, client_addr, details, applicant_id, case_id \
         FROM audit_log WHERE practice_id = $1{conditions} ORDER BY id DESC LIMIT {}",
        filter.limit + 1
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(caller.practice.id());
    for value in values {
        query = match value {
            Value::Int(n) => query.bind(n),
            Value::Text(t) => query.bind(t),
        };
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    let mut items: Vec<AuditRow> = rows.iter().map(audit_row).collect::<Result<_>>()?;
    let next_cursor = if items.len() as i64 > filter.limit {
        items.truncate(filter.limit as usize);
        items.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(AuditPage { items, next_cursor })
}

/// A row of `audit_log` as the API shows it.
fn audit_row(r: &sqlx::any::AnyRow) -> Result<AuditRow> {
    let at: i64 = r.try_get("at")?;
    Ok(AuditRow {
        id: r.try_get("id")?,
        at: rfc3339(at),
        at_ms: at,
        actor_user_id: r.try_get("actor_user_id")?,
        actor_email: r.try_get("actor_email")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        client_addr: r.try_get("client_addr")?,
        details: serde_json::from_str(r.try_get::<&str, _>("details")?).unwrap_or_default(),
        applicant_id: r.try_get("applicant_id")?,
        case_id: r.try_get("case_id")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_numbered_in_order() {
        let q = AuditQuery {
            cursor: Some("90".into()),
            action: Some("file.downloaded".into()),
            case_id: Some(" c1 ".into()),
            actor_user_id: Some(String::new()),
            from: Some("2026-03-01T00:00:00-05:00".into()),
            ..AuditQuery::default()
        };
        let filter = q.check().unwrap();
        assert_eq!(filter.limit, 50);
        assert_eq!(filter.actor_user_id, None, "empty is no filter");
        let (sql, values) = filter.conditions();
        assert_eq!(
            sql,
            " AND id < $2 AND action = $3 AND case_id = $4 AND at >= $5"
        );
        assert_eq!(
            values,
            vec![
                Value::Int(90),
                Value::Text("file.downloaded".into()),
                Value::Text("c1".into()),
                Value::Int(1_772_341_200_000),
            ]
        );
    }

    #[test]
    fn wrong_filters_name_their_parameter() {
        let field = |q: AuditQuery| match q.check() {
            Err(AppError::Invalid { fields, .. }) => fields.keys().cloned().collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        let bad_date = AuditQuery {
            from: Some("yesterday".into()),
            ..AuditQuery::default()
        };
        assert_eq!(field(bad_date), ["from"]);
        let backwards = AuditQuery {
            from: Some("2026-03-02T00:00:00Z".into()),
            to: Some("2026-03-01T00:00:00Z".into()),
            ..AuditQuery::default()
        };
        assert_eq!(field(backwards), ["to"]);
        let long = AuditQuery {
            action: Some("x".repeat(101)),
            ..AuditQuery::default()
        };
        assert_eq!(field(long), ["action"]);
        let cursor = AuditQuery {
            cursor: Some("abc".into()),
            ..AuditQuery::default()
        };
        assert_eq!(field(cursor), ["cursor"]);
    }
}
