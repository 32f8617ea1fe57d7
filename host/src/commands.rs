//! The administrative commands of the `immcase` binary, other than `serve`.
//! Each opens the database (migrating it), does one thing, and says what it did.

use anyhow::{Context, anyhow, bail};

use crate::access::{roles, users};
use crate::audit::{self, Actor};
use crate::auth::{password, session};
use crate::config::Config;
use crate::practices::{self, Practice};
use crate::setup;
use crate::state::AppState;

async fn practice(state: &AppState, slug: &str) -> anyhow::Result<Practice> {
    practices::find_by_slug(state.db.pool(), slug)
        .await?
        .ok_or_else(|| anyhow!("there is no practice `{slug}`"))
}

fn cli_actor() -> Actor {
    Actor {
        user_id: None,
        email: Some("command line".into()),
    }
}

pub async fn migrate(config: Config) -> anyhow::Result<()> {
    let state = crate::open(config).await?;
    println!("The database is up to date.");
    state.db.close().await;
    Ok(())
}

/// Seals every stored secret again with the current key (after a
/// rotation: the new key first, the old one among the previous keys).
pub async fn secrets_reseal(config: Config) -> anyhow::Result<()> {
    let state = crate::open_for_people(config).await?;
    let keys = state.mail.keys().clone();
    let mut resealed = 0;
    for sealed_column in crate::secrets::SEALED {
        let (table, key_column, column) =
            (sealed_column.table, sealed_column.key, sealed_column.column);
        // The names are the constants of `secrets::SEALED`, never input.
        let rows: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT practice_id, {key_column}, {column} FROM {table} WHERE {column} IS NOT NULL"
        )))
        .fetch_all(state.db.pool())
        .await?;
        for (practice_id, key, sealed) in rows {
            if keys.is_current(&sealed) {
                continue;
            }
            let purpose = (sealed_column.purpose)(&key);
            let secret = keys
                .open(&practice_id, &purpose, &sealed)
                .with_context(|| format!("opening {table}.{column} of practice {practice_id}"))?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET {column} = $1 WHERE practice_id = $2 AND {key_column} = $3 AND {column} = $4"
            )))
            .bind(keys.seal(&practice_id, &purpose, &secret))
            .bind(&practice_id)
            .bind(&key)
            .bind(&sealed)
            .execute(state.db.pool())
            .await?;
            resealed += 1;
        }
    }
    println!(
        "{resealed} secret(s) sealed again with key {}; the previous keys can now be removed.",
        keys.current_key_id()
    );
    state.db.close().await;
    Ok(())
}

/// Rebuilds this data directory's search index from the records.
pub async fn reindex(config: Config) -> anyhow::Result<()> {
    let state = crate::open(config).await?;
    let started = std::time::Instant::now();
    // A line every few seconds: records done, the rate, the time left.
    let every = std::time::Duration::from_secs(2);
    let shown = crate::search::feed::now_and_then(every, |progress| {
        println!("{}", progress.words());
    });
    let count = crate::search::feed::rebuild_reporting(&state, shown)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the search index: {e}"))?;
    println!(
        "The search index is rebuilt: {count} applicants in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    state.db.close().await;
    Ok(())
}

/// `immcase backup`: writes the backup and says what it holds.
pub async fn backup(
    config: &Config,
    to: &std::path::Path,
    with_secret_key: bool,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let made = crate::backup::backup(config, to, with_secret_key).await?;
    println!(
        "Backed up {} practice(s) ({} database, schema {}) and {} stored file(s) of {:.1} MB into {} in {:.1} s.",
        made.practices,
        made.database,
        made.migration,
        made.blobs,
        made.blob_bytes as f64 / 1e6,
        to.display(),
        started.elapsed().as_secs_f64()
    );
    if !made.secret_key_included {
        println!(
            "The key of stored secrets (key {}) is not in the backup: keep it apart, a restore needs it.",
            made.secret_key_id
        );
    }
    Ok(())
}

/// `immcase restore`: restores the backup into an empty installation.
pub async fn restore(config: &Config, from: &std::path::Path) -> anyhow::Result<()> {
    let restored = crate::backup::restore(config, from).await?;
    println!(
        "Restored {} practice(s) and {} stored file(s) from the backup of {}.",
        restored.practices, restored.blobs, restored.created_at
    );
    Ok(())
}

pub async fn practice_add(
    config: Config,
    slug: &str,
    name: &str,
    admin_email: &str,
) -> anyhow::Result<()> {
    let state = crate::open_for_people(config).await?;
    let new = setup::NewPractice {
        slug,
        name,
        admin_email,
        admin_password: None,
    };
    let created = setup::create(&state, new).await?;
    println!(
        "Created practice `{}` ({}), reached at {}.\nAdministrator: {}\nPassword (shown only this once): {}",
        created.practice.slug(),
        created.practice.name(),
        state.config.practice_url(created.practice.slug()),
        created.admin_email,
        created.generated_password.unwrap_or_default(),
    );
    state.db.close().await;
    Ok(())
}

pub async fn user_add(
    config: Config,
    practice_slug: &str,
    email: &str,
    display_name: &str,
    role_names: &[String],
) -> anyhow::Result<()> {
    let state = crate::open_for_people(config).await?;
    let practice = practice(&state, practice_slug).await?;
    let mut errors = crate::error::FieldErrors::new();
    let email = users::check_email(&mut errors, email);
    if let Some((field, message)) = errors.into_iter().next() {
        bail!("{field}: {message}");
    }
    let mut role_ids = Vec::new();
    for name in role_names {
        let role = roles::find_by_name(state.db.pool(), &practice, name)
            .await?
            .ok_or_else(|| anyhow!("practice `{practice_slug}` has no role named {name:?}"))?;
        role_ids.push(role.id);
    }
    let generated = setup::generate_password();
    let hash = password::hash(generated.clone()).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let new = users::NewAccount {
        email: &email,
        display_name: if display_name.trim().is_empty() {
            &email
        } else {
            display_name.trim()
        },
        time_zone: users::DEFAULT_TIME_ZONE,
        password_hash: Some(hash),
        role_ids: &role_ids,
    };
    let account = users::insert(&mut tx, &practice, new, now).await?;
    let entry = audit::Entry {
        actor: cli_actor(),
        action: "user.created",
        target: Some(format!("user:{}", account.id)),
        client_addr: None,
        details: serde_json::json!({ "email": account.email, "roles": role_ids }),
    };
    audit::record(&mut *tx, &practice, now, entry).await?;
    tx.commit().await?;
    println!(
        "Created {} in `{practice_slug}`.\nPassword (shown only this once): {generated}",
        account.email
    );
    state.db.close().await;
    Ok(())
}

pub async fn user_list(config: Config, practice_slug: &str) -> anyhow::Result<()> {
    let state = crate::open_for_people(config).await?;
    let practice = practice(&state, practice_slug).await?;
    let all_roles = roles::list_all(state.db.pool(), &practice).await?;
    let rows: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT email, display_name, disabled_at, id FROM users WHERE practice_id = $1 ORDER BY email",
    )
    .bind(practice.id())
    .fetch_all(state.db.pool())
    .await
    .context("listing users")?;
    println!("{:<40} {:<30} {:<9} ROLES", "EMAIL", "NAME", "STATE");
    for (email, name, disabled, id) in rows {
        let role_ids = users::role_ids(state.db.pool(), &practice, &id).await?;
        let names: Vec<&str> = all_roles
            .iter()
            .filter(|r| role_ids.contains(&r.id))
            .map(|r| r.name.as_str())
            .collect();
        let state_word = if disabled.is_some() {
            "disabled"
        } else {
            "active"
        };
        println!(
            "{email:<40} {name:<30} {state_word:<9} {}",
            names.join(", ")
        );
    }
    state.db.close().await;
    Ok(())
}

async fn account(
    state: &AppState,
    practice: &Practice,
    email: &str,
) -> anyhow::Result<users::Account> {
    users::find_by_email(state.db.pool(), practice, email)
        .await?
        .ok_or_else(|| anyhow!("practice `{}` has no user {email}", practice.slug()))
}

/// Opens the server's database for one person of one practice, as the
/// user and operator commands do.
async fn person(
    config: Config,
    practice_slug: &str,
    email: &str,
) -> anyhow::Result<(AppState, Practice, users::Account)> {
    let state = crate::open_for_people(config).await?;
    let practice = practice(&state, practice_slug).await?;
    let account = account(&state, &practice, email).await?;
    Ok((state, practice, account))
}

pub async fn user_disable(config: Config, practice_slug: &str, email: &str) -> anyhow::Result<()> {
    let (state, practice, account) = person(config, practice_slug, email).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE users SET disabled_at = COALESCE(disabled_at, $3), version = version + 1, updated_at = $3 \
         WHERE practice_id = $1 AND id = $2",
    )
    .bind(practice.id())
    .bind(&account.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let ended = session::end_all_for_user(&mut tx, &practice, &account.id, None).await?;
    crate::access::ensure_an_administrator_remains(&mut tx, &practice).await?;
    let entry = audit::Entry {
        actor: cli_actor(),
        action: "user.disabled",
        target: Some(format!("user:{}", account.id)),
        client_addr: None,
        details: serde_json::json!({ "sessions_ended": ended }),
    };
    audit::record(&mut *tx, &practice, now, entry).await?;
    tx.commit().await?;
    println!("Disabled {} and ended {ended} session(s).", account.email);
    state.db.close().await;
    Ok(())
}

pub async fn user_reset_password(
    config: Config,
    practice_slug: &str,
    email: &str,
) -> anyhow::Result<()> {
    let (state, practice, account) = person(config, practice_slug, email).await?;
    let generated = setup::generate_password();
    let hash = password::hash(generated.clone()).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut *tx, &practice, &account.id, &hash, now).await?;
    let ended = session::end_all_for_user(&mut tx, &practice, &account.id, None).await?;
    let entry = audit::Entry {
        actor: cli_actor(),
        action: "auth.password_reset",
        target: Some(format!("user:{}", account.id)),
        client_addr: None,
        details: serde_json::json!({ "link": "command line", "sessions_ended": ended }),
    };
    audit::record(&mut *tx, &practice, now, entry).await?;
    tx.commit().await?;
    println!(
        "New password for {} (shown only this once): {generated}\nTheir {ended} session(s) ended.",
        account.email
    );
    state.db.close().await;
    Ok(())
}

/// `immcase operator add PRACTICE EMAIL`: the person may install, upgrade
/// and roll back the server's modules.
pub async fn operator_add(config: Config, practice_slug: &str, email: &str) -> anyhow::Result<()> {
    let (state, practice, account) = person(config, practice_slug, email).await?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    crate::access::operators::grant(&mut *tx, practice.id(), &account.id, "command line", now)
        .await?;
    let entry = audit::Entry {
        actor: cli_actor(),
        action: "server.operator_added",
        target: Some(format!("user:{}", account.id)),
        client_addr: None,
        details: serde_json::json!({ "email": account.email }),
    };
    audit::record(&mut *tx, &practice, now, entry).await?;
    tx.commit().await?;
    println!(
        "{} of practice `{}` is an operator of this server: they install, upgrade and roll back its modules (Settings → Modules → Versions).",
        account.email,
        practice.slug()
    );
    state.db.close().await;
    Ok(())
}

/// `immcase operator remove PRACTICE EMAIL`.
pub async fn operator_remove(
    config: Config,
    practice_slug: &str,
    email: &str,
) -> anyhow::Result<()> {
    let (state, practice, account) = person(config, practice_slug, email).await?;
    let removed =
        crate::access::operators::revoke(state.db.pool(), practice.id(), &account.id).await?;
    if removed {
        let entry = audit::Entry {
            actor: cli_actor(),
            action: "server.operator_removed",
            target: Some(format!("user:{}", account.id)),
            client_addr: None,
            details: serde_json::json!({ "email": account.email }),
        };
        audit::record(state.db.pool(), &practice, state.now_ms(), entry).await?;
        println!("{} is no longer an operator of this server.", account.email);
    } else {
        println!("{} was not an operator of this server.", account.email);
    }
    state.db.close().await;
    Ok(())
}

/// `immcase operator list`: every operator, by practice.
pub async fn operator_list(config: Config) -> anyhow::Result<()> {
    let state = crate::open_for_people(config).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.slug, u.email FROM server_operators o \
         JOIN practices p ON p.id = o.practice_id \
         JOIN users u ON u.practice_id = o.practice_id AND u.id = o.user_id \
         ORDER BY p.slug, u.email",
    )
    .fetch_all(state.db.pool())
    .await?;
    if rows.is_empty() {
        println!(
            "This server has no operators: name one with `immcase operator add PRACTICE EMAIL`."
        );
    }
    for (slug, email) in rows {
        println!("{slug}\t{email}");
    }
    state.db.close().await;
    Ok(())
}
