//! Mailboxes as rows: a person's own (at most one each) or shared ones with
//! the people who read them; the IMAP password sealed (`secrets`), never
//! answered; the folder's state (UIDVALIDITY, the last UID taken) moved
//! only together with the messages it stands for (`fetch`).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use utoipa::ToSchema;

use super::imap::{ImapAccount, ImapSecurity};
use crate::clock::rfc3339;
use crate::db::{Tx, new_id};
use crate::error::{AppError, FieldErrors, Result};
use crate::practices::Practice;
use crate::secrets::{Keyring, Secret};

/// What an IMAP password is sealed for: each mailbox's its own.
pub fn password_purpose(mailbox_id: &str) -> String {
    format!("imap-password:{mailbox_id}")
}

/// A mailbox as stored.
#[derive(Clone, Debug)]
pub struct Mailbox {
    pub id: String,
    pub practice_id: String,
    /// The person a personal mailbox belongs to; `None` when shared.
    pub owner_id: Option<String>,
    pub name: String,
    pub address: String,
    pub imap_host: String,
    pub imap_port: u16,
    /// `tls` or `starttls`.
    pub imap_security: String,
    pub imap_username: String,
    pub sealed_password: Option<String>,
    pub folder: String,
    pub uid_validity: Option<u32>,
    pub last_uid: u32,
    pub fetched_at: Option<i64>,
    pub problem: Option<String>,
    pub has_pipe_token: bool,
    pub version: i64,
}

const COLUMNS: &str = "id, practice_id, owner_id, name, address, imap_host, imap_port, imap_security, \
    imap_username, imap_password, folder, uid_validity, last_uid, fetched_at, problem, pipe_token_hash, version";

fn mailbox_of(row: &AnyRow) -> Result<Mailbox> {
    let port: i64 = row.try_get("imap_port")?;
    let validity: Option<i64> = row.try_get("uid_validity")?;
    let last: i64 = row.try_get("last_uid")?;
    Ok(Mailbox {
        id: row.try_get("id")?,
        practice_id: row.try_get("practice_id")?,
        owner_id: row.try_get("owner_id")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        imap_host: row.try_get("imap_host")?,
        imap_port: u16::try_from(port).unwrap_or(993),
        imap_security: row.try_get("imap_security")?,
        imap_username: row.try_get("imap_username")?,
        sealed_password: row.try_get("imap_password")?,
        folder: row.try_get("folder")?,
        uid_validity: validity.and_then(|v| u32::try_from(v).ok()),
        last_uid: u32::try_from(last).unwrap_or(0),
        fetched_at: row.try_get("fetched_at")?,
        problem: row.try_get("problem")?,
        has_pipe_token: row
            .try_get::<Option<String>, _>("pipe_token_hash")?
            .is_some(),
        version: row.try_get("version")?,
    })
}

impl Mailbox {
    /// The account to sign in to, its password opened.
    pub fn account(&self, keys: &Keyring) -> std::result::Result<ImapAccount, String> {
        let password = match &self.sealed_password {
            Some(sealed) => keys
                .open(&self.practice_id, &password_purpose(&self.id), sealed)
                .map_err(|e| format!("the mailbox's password cannot be read: {e}"))?,
            None => Secret::new(""),
        };
        let mut account = ImapAccount::new(&self.imap_host, &self.imap_username, password.expose());
        account.port = self.imap_port;
        account.security = match self.imap_security.as_str() {
            "starttls" => ImapSecurity::StartTls,
            _ => ImapSecurity::Tls,
        };
        account.folder = self.folder.clone();
        Ok(account)
    }

    /// `"Name" <address>`, as mail from it is sent.
    pub fn from_header(&self) -> String {
        format!("\"{}\" <{}>", self.name.replace('"', ""), self.address)
    }
}

/// A mailbox as the API shows it (never the password).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailboxView {
    pub id: String,
    pub name: String,
    pub address: String,
    pub shared: bool,
    pub owner_id: Option<String>,
    pub imap_host: String,
    pub imap_port: u16,
    /// `tls` (port 993) or `starttls` (143).
    pub imap_security: String,
    pub imap_username: String,
    pub password_set: bool,
    pub folder: String,
    /// The people who read a shared mailbox.
    pub readers: Vec<String>,
    /// RFC 3339: when mail was last fetched.
    pub fetched_at: Option<String>,
    /// Why the last fetch failed.
    pub problem: Option<String>,
    /// Whether a mail server may post mail to it with a token.
    pub pipe_enabled: bool,
    pub version: i64,
}

impl MailboxView {
    pub fn of(m: &Mailbox, readers: Vec<String>) -> MailboxView {
        MailboxView {
            id: m.id.clone(),
            name: m.name.clone(),
            address: m.address.clone(),
            shared: m.owner_id.is_none(),
            owner_id: m.owner_id.clone(),
            imap_host: m.imap_host.clone(),
            imap_port: m.imap_port,
            imap_security: m.imap_security.clone(),
            imap_username: m.imap_username.clone(),
            password_set: m.sealed_password.is_some(),
            folder: m.folder.clone(),
            readers,
            fetched_at: m.fetched_at.map(rfc3339),
            problem: m.problem.clone(),
            pipe_enabled: m.has_pipe_token,
            version: m.version,
        }
    }
}

/// A new mailbox or a change to one. The password: absent keeps the stored
/// one, a string replaces it, an empty string removes it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MailboxChange {
    pub name: String,
    pub address: String,
    pub imap_host: String,
    pub imap_port: Option<u16>,
    /// `tls` (default) or `starttls`.
    #[serde(default)]
    pub imap_security: Option<String>,
    pub imap_username: String,
    pub imap_password: Option<String>,
    /// Default `INBOX`.
    #[serde(default)]
    pub folder: Option<String>,
    /// For a shared mailbox: who reads it (user ids), all of them.
    #[serde(default)]
    pub readers: Option<Vec<String>>,
    /// The version changed from (required to change one).
    pub version: Option<i64>,
}

/// Checks `change`: every problem beside its field.
pub fn check(change: &MailboxChange) -> Result<()> {
    let mut errors = FieldErrors::new();
    let name = change.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.contains(char::is_control) {
        errors.insert("name".into(), "1 to 100 characters, on one line".into());
    }
    if !crate::input::is_plain_address(change.address.trim()) {
        errors.insert(
            "address".into(),
            "an address such as info@example.com".into(),
        );
    }
    let host = change.imap_host.trim();
    if host.is_empty()
        || host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        errors.insert(
            "imap_host".into(),
            "a server name such as imap.example.com".into(),
        );
    }
    if change.imap_port == Some(0) {
        errors.insert("imap_port".into(), "a port from 1 to 65535".into());
    }
    if let Some(s) = &change.imap_security
        && !matches!(s.as_str(), "tls" | "starttls")
    {
        errors.insert("imap_security".into(), "tls or starttls".into());
    }
    let user = change.imap_username.trim();
    if user.is_empty() || user.len() > 254 || user.contains(char::is_control) {
        errors.insert(
            "imap_username".into(),
            "the name you sign in to the mailbox with".into(),
        );
    }
    if let Some(p) = &change.imap_password
        && (p.len() > 256 || p.contains(['\r', '\n', '\0']))
    {
        errors.insert(
            "imap_password".into(),
            "at most 256 characters, on one line".into(),
        );
    }
    if let Some(f) = &change.folder
        && (f.trim().is_empty() || f.len() > 200 || f.contains(char::is_control))
    {
        errors.insert("folder".into(), "a folder name such as INBOX".into());
    }
    if change.readers.as_ref().is_some_and(|r| r.len() > 500) {
        errors.insert("readers".into(), "at most 500 people".into());
    }
    AppError::check_fields(errors)
}

/// The mailbox `id` of the practice.
pub async fn get<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Option<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mailboxes WHERE practice_id = $1 AND id = $2"
    )))
    .bind(practice.id())
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(mailbox_of).transpose()
}

/// The mailbox by id alone, for the fetcher (which serves every practice).
pub async fn by_id<'e, E>(db: E, id: &str) -> Result<Option<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mailboxes WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(mailbox_of).transpose()
}

/// The practice's mailboxes `user` reads (their own, and the shared ones
/// they were given), or all of them for `None`; by name.
pub async fn readable<'e, E>(db: E, practice: &Practice, user: Option<&str>) -> Result<Vec<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    read_by(db, practice, user, None).await
}

/// Mailbox `id` if `user` reads it (every mailbox for `None`: the host's
/// own calls).
pub async fn readable_one<'e, E>(
    db: E,
    practice: &Practice,
    user: Option<&str>,
    id: &str,
) -> Result<Option<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(read_by(db, practice, user, Some(id))
        .await?
        .into_iter()
        .next())
}

/// The mailboxes `user` reads (all for `None`), only `id` when given.
async fn read_by<'e, E>(
    db: E,
    practice: &Practice,
    user: Option<&str>,
    id: Option<&str>,
) -> Result<Vec<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mailboxes m WHERE practice_id = $1 AND ($2 = 0 OR owner_id = $3 \
         OR EXISTS (SELECT 1 FROM mailbox_readers r WHERE r.mailbox_id = m.id AND r.user_id = $3)) \
         AND ($4 = 0 OR id = $5) ORDER BY name, id"
    )))
    .bind(practice.id())
    .bind(i64::from(user.is_some()))
    .bind(user.unwrap_or_default())
    .bind(i64::from(id.is_some()))
    .bind(id.unwrap_or_default())
    .fetch_all(db)
    .await?;
    rows.iter().map(mailbox_of).collect()
}

/// Every mailbox of the practice (personal ones included), by name.
pub async fn all<'e, E>(db: E, practice: &Practice) -> Result<Vec<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    readable(db, practice, None).await
}

/// The people who read shared mailbox `id`.
pub async fn readers<'e, E>(db: E, practice: &Practice, id: &str) -> Result<Vec<String>>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM mailbox_readers WHERE practice_id = $1 AND mailbox_id = $2 ORDER BY user_id",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// The person's own mailbox, if they connected one.
pub async fn own<'e, E>(db: E, practice: &Practice, user: &str) -> Result<Option<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mailboxes WHERE practice_id = $1 AND owner_id = $2"
    )))
    .bind(practice.id())
    .bind(user)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(mailbox_of).transpose()
}

/// Creates a mailbox (checked): `owner`'s own, or shared when `None`.
pub async fn create(
    tx: &mut Tx,
    keys: &Keyring,
    practice: &Practice,
    owner: Option<&str>,
    change: &MailboxChange,
    now: i64,
) -> Result<String> {
    check(change)?;
    let id = new_id();
    let password = change
        .imap_password
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| keys.seal(practice.id(), &password_purpose(&id), &Secret::new(p)));
    let security = change.imap_security.clone().unwrap_or_else(|| "tls".into());
    let port = change
        .imap_port
        .unwrap_or(if security == "starttls" { 143 } else { 993 });
    sqlx::query(
        "INSERT INTO mailboxes (id, practice_id, owner_id, name, address, imap_host, imap_port, imap_security, \
         imap_username, imap_password, folder, last_uid, next_fetch_at, version, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, 1, $12)",
    )
    .bind(&id)
    .bind(practice.id())
    .bind(owner)
    .bind(change.name.trim())
    .bind(change.address.trim().to_lowercase())
    .bind(change.imap_host.trim())
    .bind(i64::from(port))
    .bind(&security)
    .bind(change.imap_username.trim())
    .bind(password)
    .bind(change.folder.as_deref().map(str::trim).unwrap_or("INBOX"))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if owner.is_none() {
        set_readers(
            tx,
            practice,
            &id,
            change.readers.as_deref().unwrap_or_default(),
        )
        .await?;
    }
    Ok(id)
}

/// Changes mailbox `existing` (checked; 409 when `change.version` is not
/// its version). A new server, user or folder starts the folder's state
/// over; what was taken stays taken (`digest`).
pub async fn update(
    tx: &mut Tx,
    keys: &Keyring,
    practice: &Practice,
    existing: &Mailbox,
    change: &MailboxChange,
    now: i64,
) -> Result<()> {
    check(change)?;
    if change.version != Some(existing.version) {
        return Err(AppError::conflict(
            "someone else changed this mailbox meanwhile: reload it and make the change again",
        ));
    }
    let password = match change.imap_password.as_deref() {
        None => existing.sealed_password.clone(),
        Some("") => None,
        Some(p) => Some(keys.seal(
            practice.id(),
            &password_purpose(&existing.id),
            &Secret::new(p),
        )),
    };
    let security = change
        .imap_security
        .clone()
        .unwrap_or_else(|| existing.imap_security.clone());
    let port = change
        .imap_port
        .unwrap_or(if security == "starttls" { 143 } else { 993 });
    let folder = change
        .folder
        .as_deref()
        .map(str::trim)
        .unwrap_or("INBOX")
        .to_string();
    let moved = change.imap_host.trim() != existing.imap_host
        || change.imap_username.trim() != existing.imap_username
        || folder != existing.folder;
    sqlx::query(
        "UPDATE mailboxes SET name = $3, address = $4, imap_host = $5, imap_port = $6, imap_security = $7, \
         imap_username = $8, imap_password = $9, folder = $10, version = version + 1, next_fetch_at = $11, \
         problem = NULL, uid_validity = CASE WHEN $12 = 1 THEN NULL ELSE uid_validity END, \
         last_uid = CASE WHEN $12 = 1 THEN 0 ELSE last_uid END \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(&existing.id)
    .bind(change.name.trim())
    .bind(change.address.trim().to_lowercase())
    .bind(change.imap_host.trim())
    .bind(i64::from(port))
    .bind(&security)
    .bind(change.imap_username.trim())
    .bind(password)
    .bind(&folder)
    .bind(now)
    .bind(i64::from(moved))
    .execute(&mut **tx)
    .await?;
    if existing.owner_id.is_none()
        && let Some(readers) = &change.readers
    {
        set_readers(tx, practice, &existing.id, readers).await?;
    }
    Ok(())
}

/// Replaces who reads shared mailbox `id`: people of the practice only.
async fn set_readers(tx: &mut Tx, practice: &Practice, id: &str, readers: &[String]) -> Result<()> {
    for reader in readers {
        let known: Option<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE practice_id = $1 AND id = $2")
                .bind(practice.id())
                .bind(reader)
                .fetch_optional(&mut **tx)
                .await?;
        if known.is_none() {
            return Err(AppError::field(
                "readers",
                format!("{reader} is not a person of the practice"),
            ));
        }
    }
    sqlx::query("DELETE FROM mailbox_readers WHERE practice_id = $1 AND mailbox_id = $2")
        .bind(practice.id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for reader in readers {
        sqlx::query(
            "INSERT INTO mailbox_readers (practice_id, mailbox_id, user_id) VALUES ($1, $2, $3) \
             ON CONFLICT (mailbox_id, user_id) DO NOTHING",
        )
        .bind(practice.id())
        .bind(id)
        .bind(reader)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Removes mailbox `id` with its readers and the record of what was taken
/// (the messages' raw copies are deleted by the caller afterwards).
/// Returns the blob keys of its messages.
pub async fn delete(tx: &mut Tx, practice: &Practice, id: &str) -> Result<Vec<String>> {
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT blob_key FROM mailbox_messages WHERE practice_id = $1 AND mailbox_id = $2",
    )
    .bind(practice.id())
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    for table in ["mailbox_messages", "mailbox_readers"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE practice_id = $1 AND mailbox_id = $2"
        )))
        .bind(practice.id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("DELETE FROM mailboxes WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(keys)
}

/// Sets (a new random token, returned once) or clears the token a mail
/// server posts mail to mailbox `id` with.
pub async fn set_pipe_token(
    tx: &mut Tx,
    practice: &Practice,
    id: &str,
    on: bool,
) -> Result<Option<String>> {
    let token = on.then(crate::secrets::random_token);
    sqlx::query("UPDATE mailboxes SET pipe_token_hash = $3, version = version + 1 WHERE practice_id = $1 AND id = $2")
        .bind(practice.id())
        .bind(id)
        .bind(token.as_deref().map(token_hash))
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// The stored form of a pipe token.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The mailbox a pipe token opens, if any.
pub async fn by_pipe_token<'e, E>(
    db: E,
    practice: &Practice,
    id: &str,
    token: &str,
) -> Result<Option<Mailbox>>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM mailboxes WHERE practice_id = $1 AND id = $2 AND pipe_token_hash = $3"
    )))
    .bind(practice.id())
    .bind(id)
    .bind(token_hash(token))
    .fetch_optional(db)
    .await?;
    row.as_ref().map(mailbox_of).transpose()
}
