//! The practice's own mail settings (Settings → Email): its SMTP server, the
//! sender its messages go out as, and a daily sending limit. What a practice
//! leaves empty falls back to the server-wide options. The password is
//! sealed with the server's key before it is stored, and no answer ever
//! carries it: the API says only whether one is set.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use crate::config::SmtpTls;
use crate::db::Tx;
use crate::error::{AppError, FieldErrors, Result};
use crate::practices::Practice;
use crate::secrets::{Keyring, Secret};

/// What the SMTP password is sealed for (`secrets`).
pub const PASSWORD_PURPOSE: &str = "smtp-password";
/// The most messages a day a practice may set.
pub const MAX_DAILY_QUOTA: i64 = 1_000_000;

/// The practice's mail settings as the API shows them (never the password).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct MailSettings {
    /// The practice's SMTP server; empty to send through the server-wide
    /// setting.
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    /// `starttls` (usually port 587), `tls` (465) or `none` (a relay on the
    /// same network only).
    pub smtp_security: String,
    pub smtp_username: String,
    /// Whether a password is stored (it is never shown).
    pub smtp_password_set: bool,
    /// The name messages are sent as, e.g. "Diaz Immigration".
    pub from_name: String,
    /// The address messages are sent from; empty for the server's.
    pub from_address: String,
    /// Messages a day at most, counted in the practice's time zone; absent
    /// for no limit.
    pub daily_quota: Option<i64>,
    pub version: i64,
}

/// A change to the mail settings (`PUT /api/v1/mail/settings`). Every
/// field is written as given, except the password: absent or null keeps the
/// stored one, a string replaces it, an empty string removes it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MailSettingsChange {
    #[serde(default)]
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    #[serde(default)]
    pub smtp_security: String,
    #[serde(default)]
    pub smtp_username: String,
    pub smtp_password: Option<String>,
    #[serde(default)]
    pub from_name: String,
    #[serde(default)]
    pub from_address: String,
    pub daily_quota: Option<i64>,
    /// The version the change was made from (409 when it is not the
    /// saved one).
    pub version: i64,
}

/// The stored row, for sending: the password still sealed.
#[derive(Clone, Debug, Default)]
pub struct StoredMail {
    pub shown: MailSettings,
    pub sealed_password: Option<String>,
}

impl StoredMail {
    /// The practice's own SMTP server, when it set one.
    pub fn smtp(
        &self,
        keys: &Keyring,
        practice_id: &str,
    ) -> Result<Option<crate::config::SmtpConfig>, String> {
        let s = &self.shown;
        if s.smtp_host.is_empty() {
            return Ok(None);
        }
        let tls: SmtpTls = s.smtp_security.parse().map_err(|e| format!("{e}"))?;
        let password = match &self.sealed_password {
            Some(sealed) => Some(
                keys.open(practice_id, PASSWORD_PURPOSE, sealed)
                    .map_err(|e| format!("the SMTP password cannot be read: {e}"))?,
            ),
            None => None,
        };
        Ok(Some(crate::config::SmtpConfig {
            host: s.smtp_host.clone(),
            port: s.smtp_port.unwrap_or_else(|| default_port(&tls)),
            tls,
            username: (!s.smtp_username.is_empty()).then(|| s.smtp_username.clone()),
            password: password.map(|p: Secret| p.expose().to_string()),
        }))
    }
}

/// The usual port of each security.
pub fn default_port(tls: &SmtpTls) -> u16 {
    match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    }
}

/// The practice's settings; the defaults (version 0) when never saved.
pub async fn find<'e, E>(db: E, practice_id: &str) -> Result<StoredMail>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT smtp_host, smtp_port, smtp_security, smtp_username, smtp_password, from_name, \
         from_address, daily_quota, version FROM practice_mail WHERE practice_id = $1",
    )
    .bind(practice_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(StoredMail {
            shown: MailSettings {
                smtp_security: "starttls".into(),
                ..MailSettings::default()
            },
            sealed_password: None,
        });
    };
    let text = |c: &str| -> Result<String> {
        Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default())
    };
    let sealed_password: Option<String> = row.try_get("smtp_password")?;
    let port: Option<i64> = row.try_get("smtp_port")?;
    Ok(StoredMail {
        shown: MailSettings {
            smtp_host: text("smtp_host")?,
            smtp_port: port.and_then(|p| u16::try_from(p).ok()),
            smtp_security: text("smtp_security")?,
            smtp_username: text("smtp_username")?,
            smtp_password_set: sealed_password.is_some(),
            from_name: text("from_name")?,
            from_address: text("from_address")?,
            daily_quota: row.try_get("daily_quota")?,
            version: row.try_get("version")?,
        },
        sealed_password,
    })
}

/// Checks `change`: every problem beside its field.
pub fn check(change: &MailSettingsChange) -> Result<()> {
    let mut errors = FieldErrors::new();
    let host = change.smtp_host.trim();
    if !host.is_empty()
        && (host.len() > 253
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
    {
        errors.insert(
            "smtp_host".into(),
            "a server name such as smtp.example.com, or an IP address".into(),
        );
    }
    if change.smtp_port == Some(0) {
        errors.insert("smtp_port".into(), "a port from 1 to 65535".into());
    }
    if change.smtp_security.parse::<SmtpTls>().is_err() {
        errors.insert("smtp_security".into(), "starttls, tls or none".into());
    }
    if change.smtp_username.len() > 254 || change.smtp_username.contains(char::is_control) {
        errors.insert(
            "smtp_username".into(),
            "at most 254 characters, on one line".into(),
        );
    }
    if let Some(p) = &change.smtp_password
        && (p.len() > 256 || p.contains(['\r', '\n', '\0']))
    {
        errors.insert(
            "smtp_password".into(),
            "at most 256 characters, on one line".into(),
        );
    }
    if change.from_name.chars().count() > 100
        || change
            .from_name
            .contains(|c: char| c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        errors.insert(
            "from_name".into(),
            "at most 100 characters, without quotes or angle brackets".into(),
        );
    }
    let from = change.from_address.trim();
    if !from.is_empty() && !super::is_plain_address(from) {
        errors.insert(
            "from_address".into(),
            "an address such as office@example.com".into(),
        );
    }
    if let Some(q) = change.daily_quota
        && !(1..=MAX_DAILY_QUOTA).contains(&q)
    {
        errors.insert(
            "daily_quota".into(),
            format!("from 1 to {MAX_DAILY_QUOTA} messages a day, or empty for no limit"),
        );
    }
    AppError::check_fields(errors)
}

/// Saves `change` (checked) by `user_id` in `tx`, sealing a new password;
/// 409 when `change.version` is not the saved version.
pub async fn save(
    tx: &mut Tx,
    keys: &Keyring,
    practice: &Practice,
    change: &MailSettingsChange,
    user_id: &str,
    now_ms: i64,
) -> Result<MailSettings> {
    check(change)?;
    let saved = find(&mut **tx, practice.id()).await?;
    if saved.shown.version != change.version {
        return Err(AppError::conflict(
            "someone else changed the mail settings meanwhile: reload them and make the change again",
        ));
    }
    let host = change.smtp_host.trim();
    let password = if host.is_empty() {
        None
    } else {
        match change.smtp_password.as_deref() {
            None => saved.sealed_password,
            Some("") => None,
            Some(p) => Some(keys.seal(practice.id(), PASSWORD_PURPOSE, &Secret::new(p))),
        }
    };
    let empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let version = saved.shown.version + 1;
    sqlx::query(
        "INSERT INTO practice_mail (practice_id, smtp_host, smtp_port, smtp_security, smtp_username, \
         smtp_password, from_name, from_address, daily_quota, version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (practice_id) DO UPDATE SET smtp_host = $2, smtp_port = $3, smtp_security = $4, \
         smtp_username = $5, smtp_password = $6, from_name = $7, from_address = $8, daily_quota = $9, \
         version = $10, updated_at = $11, updated_by = $12",
    )
    .bind(practice.id())
    .bind(empty(host))
    .bind(if host.is_empty() { None } else { change.smtp_port.map(i64::from) })
    .bind(&change.smtp_security)
    .bind(if host.is_empty() { None } else { empty(&change.smtp_username) })
    .bind(password)
    .bind(empty(&change.from_name))
    .bind(empty(&change.from_address))
    .bind(change.daily_quota)
    .bind(version)
    .bind(now_ms)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(find(&mut **tx, practice.id()).await?.shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> MailSettingsChange {
        MailSettingsChange {
            smtp_host: "smtp.example.com".into(),
            smtp_port: Some(587),
            smtp_security: "starttls".into(),
            smtp_username: "office".into(),
            smtp_password: Some("pw".into()),
            from_name: "Diaz Immigration".into(),
            from_address: "office@example.com".into(),
            daily_quota: Some(500),
            version: 0,
        }
    }

    fn fields(c: &MailSettingsChange) -> Vec<String> {
        match check(c) {
            Ok(()) => vec![],
            Err(AppError::Invalid { fields, .. }) => fields.keys().cloned().collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn good_settings_pass_and_each_bad_field_is_named() {
        assert!(fields(&change()).is_empty());
        let cases: Vec<(&str, MailSettingsChange)> = vec![
            (
                "smtp_host",
                MailSettingsChange {
                    smtp_host: "smtp example".into(),
                    ..change()
                },
            ),
            (
                "smtp_port",
                MailSettingsChange {
                    smtp_port: Some(0),
                    ..change()
                },
            ),
            (
                "smtp_security",
                MailSettingsChange {
                    smtp_security: "ssl".into(),
                    ..change()
                },
            ),
            (
                "smtp_password",
                MailSettingsChange {
                    smtp_password: Some("a\nb".into()),
                    ..change()
                },
            ),
            (
                "from_name",
                MailSettingsChange {
                    from_name: "A <b>".into(),
                    ..change()
                },
            ),
            (
                "from_address",
                MailSettingsChange {
                    from_address: "office".into(),
                    ..change()
                },
            ),
            (
                "daily_quota",
                MailSettingsChange {
                    daily_quota: Some(0),
                    ..change()
                },
            ),
        ];
        for (field, c) in cases {
            assert_eq!(fields(&c), vec![field.to_string()], "{field}");
        }
    }
}
