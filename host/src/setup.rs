//! Creating a practice: the practice, its default roles and its first
//! administrator, in one transaction.

use crate::access::{roles, users};
use crate::audit::{self, Actor};
use crate::auth::password;
use crate::error::{AppError, Result};
use crate::state::AppState;

use crate::practices::{self, Practice};

pub struct NewPractice<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub admin_email: &'a str,
    /// `None` generates a password, returned so it can be shown once.
    pub admin_password: Option<String>,
}

pub struct CreatedPractice {
    pub practice: Practice,
    pub admin_email: String,
    pub generated_password: Option<String>,
}

/// A random password for a new administrator: 20 letters and digits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub async fn create(state: &AppState, new: NewPractice<'_>) -> Result<CreatedPractice> {
    practices::validate_slug(new.slug)?;
    let mut errors = crate::error::FieldErrors::new();
    let email = users::check_email(&mut errors, new.admin_email);
    let generated = new.admin_password.is_none();
    let admin_password = new.admin_password.unwrap_or_else(generate_password);
    if let Err(e) = password::check_new(&admin_password, &email) {
        errors.insert("admin_password".into(), e.to_string());
    }
    AppError::check_fields(errors)?;
    let hash = password::hash(admin_password.clone()).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let name = if new.name.trim().is_empty() {
        new.slug
    } else {
        new.name.trim()
    };
    let practice = practices::insert(&mut *tx, new.slug, name, now).await?;
    let admin_role = roles::insert_defaults(&mut tx, &practice, now).await?;
    crate::records::programs::insert_defaults(&mut tx, &practice, now).await?;
    let account = users::insert(
        &mut tx,
        &practice,
        users::NewAccount {
            email: &email,
            display_name: "Administrator",
            time_zone: users::DEFAULT_TIME_ZONE,
            password_hash: Some(hash),
            role_ids: &[admin_role],
        },
        now,
    )
    .await?;
    // The administrator of the server's first practice operates the server.
    let first: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices")
        .fetch_one(&mut *tx)
        .await?;
    if first == 1 {
        crate::access::operators::grant(&mut *tx, practice.id(), &account.id, "setup", now).await?;
    }
    let entry = audit::Entry {
        actor: Actor::default(),
        action: "practice.created",
        target: Some(format!("practice:{}", practice.slug())),
        client_addr: None,
        details: serde_json::json!({ "administrator": account.email }),
    };
    audit::record(&mut *tx, &practice, now, entry).await?;
    tx.commit().await?;
    Ok(CreatedPractice {
        practice,
        admin_email: email,
        generated_password: generated.then_some(admin_password),
    })
}
