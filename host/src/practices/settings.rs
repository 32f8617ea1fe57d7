//! The practice's own details (Settings → Practice, `GET|PUT
//! /api/v1/practice`): its name, time zone, the postal address, phone,
//! contact email and website that letters and invitations use, and the
//! largest file it accepts per upload, which lies within the server's
//! maximum (`FilesConfig::max_file_bytes`). Kept by holders of
//! `practice.manage`; every change is audited as `practice.updated`, naming
//! the fields changed with their values before and after.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use super::Practice;
use crate::access::Caller;
use crate::access::users::{DEFAULT_TIME_ZONE, check_email, check_time_zone};
use crate::audit;
use crate::error::{AppError, FieldErrors, Result};
use crate::input::text_field;
use crate::state::AppState;

/// The permission that keeps them.
pub const MANAGE: &str = "practice.manage";
/// A megabyte as upload limits count it.
pub const MB: u64 = 1024 * 1024;

/// The practice's details as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PracticeSettings {
    pub name: String,
    /// IANA time zone, e.g. `America/Toronto`.
    pub time_zone: String,
    /// Postal address, lines separated by newlines.
    pub address: String,
    pub phone: String,
    /// The address clients write to.
    pub email: String,
    /// `https://…`.
    pub website: String,
    /// The largest file an upload may hold, in whole MB (1 MB = 1,048,576
    /// bytes), at most the server's maximum; `null`: the server's maximum.
    pub max_file_mb: Option<i64>,
    /// Whole years an applicant is kept after the last change to them or
    /// their cases once none of their cases is open (docs/personal-data.md);
    /// `null`: kept until someone deletes them.
    pub retention_years: Option<i64>,
    pub version: i64,
}

/// Fields to change; those left out keep their values.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PracticeChange {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// A number of MB, or `null` for the server's maximum.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub max_file_mb: Option<Option<i64>>,
    /// A number of years from 1 to 100, or `null` to keep applicants until
    /// someone deletes them.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub retention_years: Option<Option<i64>>,
    /// The version being changed (or send `If-Match`).
    pub version: Option<i64>,
}

/// A field that is there, even as `null` (which then means "none").
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The fields, in the order forms and messages give them, with their labels.
pub const FIELDS: [(&str, &str); 8] = [
    ("name", "Practice name"),
    ("time_zone", "Time zone"),
    ("address", "Postal address"),
    ("phone", "Phone"),
    ("email", "Contact email"),
    ("website", "Website"),
    ("max_file_mb", "Largest file per upload"),
    ("retention_years", "Keep applicants' data for"),
];

/// The longest retention a practice may set, in years.
pub const MAX_RETENTION_YEARS: i64 = 100;

/// The label of a field, as forms show it.
pub fn label(field: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, l)| *l)
        .unwrap_or("Field")
}

impl PracticeSettings {
    /// The fields as JSON, keyed by name (what forms and the audit compare).
    pub fn body(&self) -> Map<String, Value> {
        let mut body = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        body.remove("version");
        body
    }

    /// The largest file the practice accepts, in bytes, within `server_max`.
    pub fn largest_file(&self, server_max: u64) -> u64 {
        limit_bytes(self.max_file_mb, server_max)
    }
}

fn limit_bytes(max_file_mb: Option<i64>, server_max: u64) -> u64 {
    match max_file_mb.and_then(|mb| u64::try_from(mb).ok()) {
        Some(mb) => mb.saturating_mul(MB).min(server_max),
        None => server_max,
    }
}

/// The server's maximum in whole MB (what the practice's limit may be at most).
pub fn server_max_mb(server_max: u64) -> i64 {
    i64::try_from(server_max / MB).unwrap_or(i64::MAX)
}

/// The practice's details; the defaults for what was never saved.
pub async fn find<'e, E>(db: E, practice: &Practice) -> Result<PracticeSettings>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT p.name, s.time_zone, s.address, s.phone, s.email, s.website, s.max_file_mb, s.retention_years, s.version \
         FROM practices p LEFT JOIN practice_settings s ON s.practice_id = p.id WHERE p.id = $1",
    )
    .bind(practice.id())
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound("practice"))?;
    let text = |column: &str| -> Result<String> {
        Ok(row
            .try_get::<Option<String>, _>(column)?
            .unwrap_or_default())
    };
    Ok(PracticeSettings {
        name: row.try_get("name")?,
        time_zone: row
            .try_get::<Option<String>, _>("time_zone")?
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string()),
        address: text("address")?,
        phone: text("phone")?,
        email: text("email")?,
        website: text("website")?,
        max_file_mb: row.try_get("max_file_mb")?,
        retention_years: row.try_get("retention_years")?,
        version: row.try_get::<Option<i64>, _>("version")?.unwrap_or(1),
    })
}

/// The largest file the practice accepts, in bytes: its own limit within
/// the server's maximum.
pub async fn largest_file<'e, E>(db: E, practice_id: &str, server_max: u64) -> Result<u64>
where
    E: Executor<'e, Database = Any>,
{
    let mb: Option<Option<i64>> =
        sqlx::query_scalar("SELECT max_file_mb FROM practice_settings WHERE practice_id = $1")
            .bind(practice_id)
            .fetch_optional(db)
            .await?;
    Ok(limit_bytes(mb.flatten(), server_max))
}

/// The practice's details the caller may read (with `practice.manage`).
pub async fn read(state: &AppState, caller: &Caller) -> Result<PracticeSettings> {
    caller.require(MANAGE)?;
    find(state.db.pool(), &caller.practice).await
}

/// Checks `change` over `before`; the details it would make, or every field's
/// mistake.
fn checked(
    before: &PracticeSettings,
    change: &PracticeChange,
    server_max: u64,
) -> Result<PracticeSettings> {
    let mut errors = FieldErrors::new();
    let mut after = before.clone();
    if let Some(name) = &change.name {
        after.name = text_field(&mut errors, "name", name, true, 120);
    }
    if let Some(tz) = &change.time_zone {
        after.time_zone = check_time_zone(&mut errors, tz);
    }
    if let Some(address) = &change.address {
        after.address = text_field(&mut errors, "address", address, false, 500)
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
    }
    if let Some(phone) = &change.phone {
        after.phone = check_phone(&mut errors, phone);
    }
    if let Some(email) = &change.email {
        let email = email.trim();
        after.email = if email.is_empty() {
            String::new()
        } else {
            check_email(&mut errors, email)
        };
    }
    if let Some(website) = &change.website {
        after.website = check_website(&mut errors, website);
    }
    if let Some(mb) = change.max_file_mb {
        after.max_file_mb = mb;
        let most = server_max_mb(server_max);
        if let Some(n) = mb
            && !(1..=most).contains(&n)
        {
            let message = if most < 1 {
                "this server takes files of less than 1 MB: leave it empty for the server's maximum"
                    .to_string()
            } else {
                format!(
                    "use a whole number of MB from 1 to {most}, the server's maximum, or leave it empty for the server's maximum"
                )
            };
            errors.insert("max_file_mb".into(), message);
        }
    }
    if let Some(years) = change.retention_years {
        after.retention_years = years;
        if years.is_some_and(|n| !(1..=MAX_RETENTION_YEARS).contains(&n)) {
            errors.insert(
                "retention_years".into(),
                format!(
                    "use a whole number of years from 1 to {MAX_RETENTION_YEARS}, or leave it empty to keep applicants until someone deletes them"
                ),
            );
        }
    }
    AppError::check_fields(errors)?;
    Ok(after)
}

fn check_phone(errors: &mut FieldErrors, phone: &str) -> String {
    let phone = text_field(errors, "phone", phone, false, 40);
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !phone.is_empty() && (!phone.chars().all(allowed) || digits < 7) {
        errors.insert(
            "phone".into(),
            "use at least 7 digits, with spaces and + - ( ) . if you like, e.g. +1 416 555 0100"
                .into(),
        );
    }
    phone
}

fn check_website(errors: &mut FieldErrors, website: &str) -> String {
    let website = text_field(errors, "website", website, false, 200);
    if website.is_empty() {
        return website;
    }
    let host = website
        .strip_prefix("https://")
        .or_else(|| website.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let fine = host.is_some_and(|h| {
        h.contains('.')
            && !h.starts_with('.')
            && !h.ends_with('.')
            && h.chars().all(|c| c.is_alphanumeric() || "-.:".contains(c))
    }) && !website.chars().any(char::is_whitespace);
    if !fine {
        errors.insert(
            "website".into(),
            "use the full address, starting with https://, e.g. https://example.ca".into(),
        );
    }
    website
}

/// Changes the practice's details from `version`: refused with 409 (and the
/// details now) when someone saved since, with 422 naming each field to
/// correct. Audited as `practice.updated` when anything changed.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    version: i64,
    change: &PracticeChange,
) -> Result<PracticeSettings> {
    caller.require(MANAGE)?;
    let server_max = state.config.files.max_file_bytes;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let before = find(&mut *tx, &caller.practice).await?;
    let stale = |current: &PracticeSettings| AppError::Conflict {
        message: format!(
            "the practice's details were changed by someone else (now at version {}); review them and try again",
            current.version
        ),
        current: serde_json::to_value(current).ok(),
    };
    if before.version != version {
        return Err(stale(&before));
    }
    let after = checked(&before, change, server_max)?;
    let (was, is) = (before.body(), after.body());
    let changed: Vec<&str> = FIELDS
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| was.get(*f) != is.get(*f))
        .collect();
    if changed.is_empty() {
        return Ok(before);
    }
    sqlx::query(
        "INSERT INTO practice_settings (practice_id, time_zone, address, phone, email, website, max_file_mb, \
         version, updated_at) VALUES ($1, $2, '', '', '', '', NULL, 1, $3) ON CONFLICT (practice_id) DO NOTHING",
    )
    .bind(caller.practice.id())
    .bind(DEFAULT_TIME_ZONE)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let written = sqlx::query(
        "UPDATE practice_settings SET time_zone = $3, address = $4, phone = $5, email = $6, website = $7, \
         max_file_mb = $8, retention_years = $10, version = version + 1, updated_at = $9 \
         WHERE practice_id = $1 AND version = $2",
    )
    .bind(caller.practice.id())
    .bind(version)
    .bind(&after.time_zone)
    .bind(&after.address)
    .bind(&after.phone)
    .bind(&after.email)
    .bind(&after.website)
    .bind(after.max_file_mb)
    .bind(now)
    .bind(after.retention_years)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() == 0 {
        return Err(stale(&find(&mut *tx, &caller.practice).await?));
    }
    if after.name != before.name {
        sqlx::query("UPDATE practices SET name = $2 WHERE id = $1")
            .bind(caller.practice.id())
            .bind(&after.name)
            .execute(&mut *tx)
            .await?;
    }
    let pick = |body: &Map<String, Value>| -> Value {
        changed
            .iter()
            .map(|f| {
                (
                    (*f).to_string(),
                    body.get(*f).cloned().unwrap_or(Value::Null),
                )
            })
            .collect::<Map<_, _>>()
            .into()
    };
    let details = json!({ "fields": changed, "before": pick(&was), "after": pick(&is) });
    let entry = audit::Entry::by(
        caller,
        "practice.updated",
        format!("practice:{}", caller.practice.id()),
        details,
    );
    audit::record(&mut *tx, &caller.practice, now, entry).await?;
    let saved = find(&mut *tx, &caller.practice).await?;
    crate::change::commit(state, tx).await?;
    if after.name != before.name {
        state.practice_renamed(&caller.practice.renamed(&after.name));
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> PracticeSettings {
        PracticeSettings {
            name: "Maple Immigration".into(),
            time_zone: "America/Toronto".into(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            website: String::new(),
            max_file_mb: None,
            retention_years: None,
            version: 1,
        }
    }

    fn fields(e: AppError) -> FieldErrors {
        match e {
            AppError::Invalid { fields, .. } => fields,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_limit_lies_within_the_server_maximum() {
        let server = 50 * MB;
        let change = |mb| PracticeChange {
            max_file_mb: Some(mb),
            ..PracticeChange::default()
        };
        let ok = checked(&saved(), &change(Some(10)), server).unwrap();
        assert_eq!(ok.largest_file(server), 10 * MB);
        assert_eq!(
            checked(&saved(), &change(None), server)
                .unwrap()
                .largest_file(server),
            server
        );
        for bad in [0, 51, -3] {
            let refused = fields(checked(&saved(), &change(Some(bad)), server).unwrap_err());
            assert!(refused["max_file_mb"].contains("from 1 to 50"), "{bad}");
        }
        // A server maximum below 1 MB leaves only "the server's maximum".
        let refused = fields(checked(&saved(), &change(Some(1)), 1000).unwrap_err());
        assert!(refused["max_file_mb"].contains("leave it empty"));
        assert_eq!(limit_bytes(Some(5), 1000), 1000, "never above the server's");
    }

    #[test]
    fn contact_details_are_checked_field_by_field() {
        let change = PracticeChange {
            name: Some("  ".into()),
            time_zone: Some("Mars/Olympus".into()),
            phone: Some("call us".into()),
            email: Some("not an address".into()),
            website: Some("example.ca".into()),
            ..PracticeChange::default()
        };
        let refused = fields(checked(&saved(), &change, 50 * MB).unwrap_err());
        let named: Vec<&str> = refused.keys().map(String::as_str).collect();
        assert_eq!(named, ["email", "name", "phone", "time_zone", "website"]);
        let change = PracticeChange {
            phone: Some("+1 (416) 555-0100".into()),
            email: Some("Office@Maple.example".into()),
            website: Some("https://maple.example/contact".into()),
            address: Some("12 King St W  \nToronto ON".into()),
            ..PracticeChange::default()
        };
        let ok = checked(&saved(), &change, 50 * MB).unwrap();
        assert_eq!(ok.address, "12 King St W\nToronto ON");
        assert_eq!(ok.website, "https://maple.example/contact");
        // Emptied contact details are allowed.
        let cleared = PracticeChange {
            phone: Some(String::new()),
            email: Some(" ".into()),
            website: Some(String::new()),
            ..PracticeChange::default()
        };
        assert!(checked(&ok, &cleared, 50 * MB).is_ok());
    }

    #[test]
    fn a_null_limit_differs_from_a_missing_one() {
        let change: PracticeChange = serde_json::from_str(r#"{"max_file_mb": null}"#).unwrap();
        assert_eq!(change.max_file_mb, Some(None));
        let change: PracticeChange = serde_json::from_str(r#"{"phone": "1"}"#).unwrap();
        assert_eq!(change.max_file_mb, None);
    }
}
