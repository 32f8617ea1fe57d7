//! Passkeys (WebAuthn) as a second factor, the stronger option beside an
//! authenticator app: a phone, a laptop's fingerprint reader or a security
//! key proves the person holds it, and nothing typed can be phished.
//!
//! The relying party is the practice's own host name (from the request's
//! `Host`, with the scheme of `--public-url`): a passkey made on
//! `acme.immcase.example` works there only. Each ceremony's state (the
//! challenge) is kept in the database between its two requests, for five
//! minutes and one use, so any host of an installation finishes it.

use axum::http::{HeaderMap, header};
use serde::Serialize;
use utoipa::ToSchema;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

use super::{record_own, recovery};
use crate::access::Caller;
use crate::api::ClientAddr;
use crate::audit::{self, Actor};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::state::AppState;

/// How long a ceremony may take.
const VALID_MS: i64 = 5 * 60 * 1000;
/// The most passkeys one person keeps.
pub const MAX_PER_PERSON: i64 = 10;
/// The longest name of a passkey.
pub const MAX_NAME: usize = 60;

/// One of a person's passkeys, as their page lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// The relying party for this request: the host name it came to.
fn relying_party(state: &AppState, headers: &HeaderMap) -> Result<Webauthn> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let scheme = Url::parse(&state.config.public_url)
        .map(|u| u.scheme().to_string())
        .unwrap_or_else(|_| "https".into());
    let origin = Url::parse(&format!("{scheme}://{host}"))
        .map_err(|_| AppError::invalid("this address cannot hold a passkey"))?;
    let name = origin
        .host_str()
        .ok_or_else(|| AppError::invalid("this address cannot hold a passkey"))?
        .to_string();
    WebauthnBuilder::new(&name, &origin)
        .and_then(|b| b.rp_name("ImmCase").build())
        .map_err(|_| {
            AppError::invalid(format!(
                "passkeys need a host name, not {name}: open ImmCase by its name (for example localhost)"
            ))
        })
}

/// A credential id as stored: base64url, as WebAuthn clients write it.
fn credential_id(id: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// The person's handle for authenticators: their id, when it is a UUID.
fn handle(user_id: &str) -> Result<Uuid> {
    Uuid::parse_str(user_id).map_err(|_| anyhow::anyhow!("user id {user_id} is not a UUID").into())
}

async fn stored(state: &AppState, practice: &Practice, user_id: &str) -> Result<Vec<Passkey>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT credential FROM passkeys WHERE practice_id = $1 AND user_id = $2 ORDER BY created_at",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|r| serde_json::from_str(r).map_err(|e| anyhow::anyhow!("stored passkey: {e}").into()))
        .collect()
}

/// The person's passkeys, oldest first.
pub async fn list(
    state: &AppState,
    practice: &Practice,
    user_id: &str,
) -> Result<Vec<PasskeyInfo>> {
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM passkeys \
         WHERE practice_id = $1 AND user_id = $2 ORDER BY created_at, id",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at, last_used_at)| PasskeyInfo {
            id,
            name,
            created_at,
            last_used_at,
        })
        .collect())
}

/// Keeps a ceremony's state under `ceremony`, replacing one begun before.
async fn keep<T: Serialize>(
    state: &AppState,
    practice: &Practice,
    ceremony: &str,
    value: &T,
) -> Result<()> {
    let now = state.now_ms();
    let text = serde_json::to_string(value).map_err(anyhow::Error::from)?;
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM passkey_ceremonies WHERE created_at < $1 OR (practice_id = $2 AND ceremony = $3)")
        .bind(now - VALID_MS)
        .bind(practice.id())
        .bind(ceremony)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO passkey_ceremonies (practice_id, ceremony, state, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(practice.id())
    .bind(ceremony)
    .bind(text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a ceremony's state (once); `None` when there is none or it expired.
async fn take<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    practice: &Practice,
    ceremony: &str,
) -> Result<Option<T>> {
    let found: Option<(String, i64)> = sqlx::query_as(
        "DELETE FROM passkey_ceremonies WHERE practice_id = $1 AND ceremony = $2 RETURNING state, created_at",
    )
    .bind(practice.id())
    .bind(ceremony)
    .fetch_optional(&mut *conn)
    .await?;
    match found {
        Some((text, at)) if state.now_ms() - at <= VALID_MS => Ok(Some(
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("ceremony state: {e}"))?,
        )),
        _ => Ok(None),
    }
}

fn registering(user_id: &str) -> String {
    format!("register:{user_id}")
}

fn signing_in(challenge_hash: &str) -> String {
    format!("sign-in:{challenge_hash}")
}

/// Starts adding a passkey: what the browser hands its authenticator.
pub async fn begin_registration(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
) -> Result<CreationChallengeResponse> {
    let practice = &caller.practice;
    let rp = relying_party(state, headers)?;
    let existing = stored(state, practice, &caller.user_id).await?;
    if existing.len() as i64 >= MAX_PER_PERSON {
        return Err(AppError::conflict(format!(
            "you have {MAX_PER_PERSON} passkeys, the most one person keeps: remove one first"
        )));
    }
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    let (options, registration) = rp
        .start_passkey_registration(
            handle(&caller.user_id)?,
            &caller.email,
            &caller.display_name,
            Some(exclude),
        )
        .map_err(|e| anyhow::anyhow!("starting a passkey: {e}"))?;
    keep(
        state,
        practice,
        &registering(&caller.user_id),
        &registration,
    )
    .await?;
    Ok(options)
}

/// Checks a passkey's name as typed.
pub fn check_name(typed: &str) -> Result<String> {
    let name = typed.trim();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            "required: a name to tell this passkey by, such as “work laptop”",
        ));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AppError::field(
            "name",
            format!("at most {MAX_NAME} characters, on one line"),
        ));
    }
    Ok(name.to_string())
}

/// Finishes adding a passkey from the authenticator's answer; ten recovery
/// codes, to show once, when the person had none left.
pub async fn finish_registration(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    name: &str,
    answer: &RegisterPublicKeyCredential,
) -> Result<Vec<String>> {
    let name = check_name(name)?;
    let practice = &caller.practice;
    let rp = relying_party(state, headers)?;
    // Used up whatever the answer: one ceremony, one try.
    let mut taking = state.db.begin().await?;
    let registration: Option<PasskeyRegistration> =
        take(&mut taking, state, practice, &registering(&caller.user_id)).await?;
    taking.commit().await?;
    let Some(registration) = registration else {
        return Err(AppError::conflict(
            "this passkey took too long, or was already added: add it again",
        ));
    };
    let passkey = rp
        .finish_passkey_registration(answer, &registration)
        .map_err(|e| {
            AppError::field(
                "passkey",
                format!("the passkey was not accepted ({e}): add it again"),
            )
        })?;
    let now = state.now_ms();
    let mut tx = state.db.begin().await?;
    let id = credential_id(passkey.cred_id());
    let credential = serde_json::to_string(&passkey).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO passkeys (practice_id, id, user_id, name, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(practice.id())
    .bind(&id)
    .bind(&caller.user_id)
    .bind(&name)
    .bind(credential)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let codes = if recovery::left(&mut *tx, practice, &caller.user_id).await? == 0 {
        recovery::replace(&mut tx, practice, &caller.user_id).await?
    } else {
        Vec::new()
    };
    record_own(&mut tx, caller, "auth.passkey_added", now).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Removes one of the caller's passkeys (audited).
pub async fn remove(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    id: &str,
) -> Result<()> {
    let practice = &caller.practice;
    let mut tx = state.db.begin().await?;
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM passkeys WHERE practice_id = $1 AND user_id = $2 AND id = $3 RETURNING name",
    )
    .bind(practice.id())
    .bind(&caller.user_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(name) = name else {
        return Err(AppError::NotFound("passkey"));
    };
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "auth.passkey_removed",
        target: Some(format!("user:{}", caller.user_id)),
        client_addr: Some(&client.0),
        details: serde_json::json!({ "name": name }),
    };
    audit::record(&mut *tx, practice, state.now_ms(), entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts the second step of a sign-in with a passkey: what the browser
/// hands the authenticator. `challenge_hash` names the sign-in waiting.
pub async fn begin_sign_in(
    state: &AppState,
    practice: &Practice,
    headers: &HeaderMap,
    challenge_hash: &str,
    user_id: &str,
) -> Result<RequestChallengeResponse> {
    let rp = relying_party(state, headers)?;
    let passkeys = stored(state, practice, user_id).await?;
    if passkeys.is_empty() {
        return Err(AppError::conflict(
            "you have no passkey here: type the code your authenticator app shows, or a recovery code",
        ));
    }
    let (options, authentication) = rp
        .start_passkey_authentication(&passkeys)
        .map_err(|e| anyhow::anyhow!("starting a passkey sign-in: {e}"))?;
    keep(
        state,
        practice,
        &signing_in(challenge_hash),
        &authentication,
    )
    .await?;
    Ok(options)
}

/// Checks the authenticator's answer for the sign-in `challenge_hash` of
/// `user_id`, in `conn`: whether it is one of their passkeys (its use is
/// recorded).
pub async fn check_sign_in(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    practice: &Practice,
    headers: &HeaderMap,
    challenge_hash: &str,
    user_id: &str,
    answer: &PublicKeyCredential,
) -> Result<bool> {
    let rp = relying_party(state, headers)?;
    let authentication: Option<PasskeyAuthentication> =
        take(&mut *conn, state, practice, &signing_in(challenge_hash)).await?;
    let Some(authentication) = authentication else {
        return Ok(false);
    };
    let Ok(result) = rp.finish_passkey_authentication(answer, &authentication) else {
        return Ok(false);
    };
    let id = credential_id(result.cred_id());
    let found: Option<String> = sqlx::query_scalar(
        "SELECT credential FROM passkeys WHERE practice_id = $1 AND user_id = $2 AND id = $3",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(text) = found else {
        return Ok(false);
    };
    let mut passkey: Passkey =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("stored passkey: {e}"))?;
    passkey.update_credential(&result);
    sqlx::query(
        "UPDATE passkeys SET credential = $4, last_used_at = $5 WHERE practice_id = $1 AND user_id = $2 AND id = $3",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(&id)
    .bind(serde_json::to_string(&passkey).map_err(anyhow::Error::from)?)
    .bind(state.now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
