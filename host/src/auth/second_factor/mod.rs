//! Two-factor sign-in. A person turns it on from My Profile: their
//! authenticator app scans a QR code, they type a code from it, and get ten
//! recovery codes, shown once. From then on a right password is not enough:
//! the sign-in waits (`challenge`) for a code from the app or a recovery
//! code. An administrator can require it for the whole practice
//! (`practice_security`): someone without it then reaches nothing but the
//! page that sets it up. Resetting someone's second factor (a lost phone) is
//! an administrator's audited action. App passwords (WebDAV and CalDAV
//! clients) are not asked for a second factor: they work on those routes
//! only, and each can be revoked on its own.

pub mod challenge;
pub mod passkeys;
pub mod recovery;
pub mod requirement;
pub mod routes;
pub mod totp;

use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::api::ClientAddr;
use crate::audit::{self, Actor};
use crate::error::{AppError, Result};
use crate::practices::Practice;
use crate::secrets::Secret;
use crate::state::AppState;

/// A person of the practice and whether their sign-in asks for a second
/// factor (Settings → Security lists them).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonFactor {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub enabled: bool,
}

/// The practice's enabled people, by name, with their second factor.
pub async fn people(state: &AppState, practice: &Practice) -> Result<Vec<PersonFactor>> {
    let rows: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, COALESCE(f.confirmed_at, \
           (SELECT MIN(p.created_at) FROM passkeys p WHERE p.practice_id = u.practice_id AND p.user_id = u.id)) \
         FROM users u \
         LEFT JOIN second_factors f ON f.practice_id = u.practice_id AND f.user_id = u.id \
         WHERE u.practice_id = $1 AND u.disabled_at IS NULL ORDER BY u.display_name, u.email",
    )
    .bind(practice.id())
    .fetch_all(state.db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, display_name, email, confirmed)| PersonFactor {
            user_id,
            display_name,
            email,
            enabled: confirmed.is_some(),
        })
        .collect())
}

/// The purpose an app secret is sealed for (as `secrets::SEALED` says).
pub fn sealed_for(user_id: &str) -> String {
    format!("totp-secret:{user_id}")
}

/// Where a person stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Status {
    /// Signing in asks for a second factor: a code from their
    /// authenticator app, or one of their passkeys.
    pub enabled: bool,
    /// Their authenticator app is set up.
    pub app: bool,
    /// Their passkeys.
    pub passkeys: Vec<passkeys::PasskeyInfo>,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// The practice requires a second factor of everyone.
    pub required_by_practice: bool,
}

/// What the app needs to start giving codes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Enrolment {
    /// The secret as typed into an app, in groups of four.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub address: String,
    /// The QR code, as an SVG element.
    pub qr_svg: String,
}

/// Which second factor a sign-in used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Used {
    AppCode,
    RecoveryCode,
    Passkey,
}

impl Used {
    pub fn as_str(self) -> &'static str {
        match self {
            Used::AppCode => "app_code",
            Used::RecoveryCode => "recovery_code",
            Used::Passkey => "passkey",
        }
    }
}

/// Whether the person has a second factor: a confirmed app or a passkey.
pub async fn enabled<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let factors: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (\
           SELECT 1 AS one FROM second_factors \
           WHERE practice_id = $1 AND user_id = $2 AND confirmed_at IS NOT NULL \
           UNION ALL SELECT 1 FROM passkeys WHERE practice_id = $1 AND user_id = $2) AS f",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(factors > 0)
}

/// Whether the person's authenticator app is set up and confirmed.
pub async fn app_on<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let at: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT confirmed_at FROM second_factors WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(at.flatten().is_some())
}

pub async fn status(state: &AppState, practice: &Practice, user_id: &str) -> Result<Status> {
    let pool = state.db.pool();
    Ok(Status {
        enabled: enabled(pool, practice, user_id).await?,
        app: app_on(pool, practice, user_id).await?,
        passkeys: passkeys::list(state, practice, user_id).await?,
        recovery_codes_left: recovery::left(pool, practice, user_id).await?,
        required_by_practice: requirement::required(pool, practice).await?,
    })
}

/// Starts turning it on: a new secret, kept unconfirmed until a code from
/// it is typed (replacing one started before). Refused when it is on.
pub async fn begin(state: &AppState, caller: &Caller) -> Result<Enrolment> {
    let practice = &caller.practice;
    if app_on(state.db.pool(), practice, &caller.user_id).await? {
        return Err(AppError::Conflict {
            message: "an authenticator app is already set up: turn two-factor sign-in off first to use another app"
                .into(),
            current: None,
        });
    }
    let secret = totp::new_secret();
    let text = secret
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let sealed = state.mail.keys().seal(
        practice.id(),
        &sealed_for(&caller.user_id),
        &Secret::new(text),
    );
    sqlx::query(
        "INSERT INTO second_factors (practice_id, user_id, totp_secret, confirmed_at, last_step, created_at) \
         VALUES ($1, $2, $3, NULL, 0, $4) ON CONFLICT (practice_id, user_id) \
         DO UPDATE SET totp_secret = excluded.totp_secret, last_step = 0, created_at = excluded.created_at",
    )
    .bind(practice.id())
    .bind(&caller.user_id)
    .bind(sealed)
    .bind(state.now_ms())
    .execute(state.db.pool())
    .await?;
    let address = totp::address(&secret, practice.name(), &caller.email);
    Ok(Enrolment {
        secret: totp::secret_in_groups(&secret),
        qr_svg: totp::qr_svg(&address),
        address,
    })
}

/// The app being set up (not confirmed yet), to show again.
pub async fn pending(state: &AppState, caller: &Caller) -> Result<Option<Enrolment>> {
    let practice = &caller.practice;
    let mut conn = state.db.pool().acquire().await?;
    let found = secret_of(&mut conn, state, practice, &caller.user_id).await?;
    Ok(found
        .filter(|(_, confirmed, _)| !confirmed)
        .map(|(secret, _, _)| {
            let address = totp::address(&secret, practice.name(), &caller.email);
            Enrolment {
                secret: totp::secret_in_groups(&secret),
                qr_svg: totp::qr_svg(&address),
                address,
            }
        }))
}

/// The person's app secret and the last step used, confirmed or not.
async fn secret_of(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    practice: &Practice,
    user_id: &str,
) -> Result<Option<(Vec<u8>, bool, i64)>> {
    let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT totp_secret, confirmed_at, last_step FROM second_factors \
         WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((sealed, confirmed, last_step)) = row else {
        return Ok(None);
    };
    let opened = state
        .mail
        .keys()
        .open(practice.id(), &sealed_for(user_id), &sealed)
        .map_err(|e| anyhow::anyhow!("the second factor of {user_id}: {e}"))?;
    let hex = opened.expose();
    let secret = (0..hex.len())
        .step_by(2)
        .filter_map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    Ok(Some((secret, confirmed.is_some(), last_step)))
}

/// Checks `typed` against the person's app (a step's code works once) or,
/// when `recovery` and it looks like one, their recovery codes, and uses it
/// up. `None` when it is not a good code.
pub async fn check_code(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    practice: &Practice,
    user_id: &str,
    typed: &str,
    recovery: bool,
) -> Result<Option<Used>> {
    let now = state.now_ms();
    if recovery && recovery::looks_like_one(typed) {
        let used = recovery::use_up(&mut *conn, practice, user_id, typed, now).await?;
        return Ok(used.then_some(Used::RecoveryCode));
    }
    let Some((secret, _, last_step)) = secret_of(conn, state, practice, user_id).await? else {
        return Ok(None);
    };
    let seconds = u64::try_from(now / 1000).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, typed, seconds) else {
        return Ok(None);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if step <= last_step {
        return Ok(None);
    }
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $3 WHERE practice_id = $1 AND user_id = $2 AND last_step < $3",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(step)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(Used::AppCode))
}

/// Turns it on with a code from the app just set up; the recovery codes,
/// shown this once.
pub async fn confirm(state: &AppState, caller: &Caller, code: &str) -> Result<Vec<String>> {
    let practice = &caller.practice;
    let mut tx = state.db.begin().await?;
    let found = secret_of(&mut tx, state, practice, &caller.user_id).await?;
    match found {
        None => {
            return Err(AppError::Conflict {
                message: "start again: no app is being set up".into(),
                current: None,
            });
        }
        Some((_, true, _)) => {
            return Err(AppError::Conflict {
                message: "two-factor sign-in is already on".into(),
                current: None,
            });
        }
        Some(_) => {}
    }
    if check_code(&mut tx, state, practice, &caller.user_id, code, false)
        .await?
        .is_none()
    {
        return Err(AppError::field(
            "code",
            "this is not the app's current code: check the phone's time, and type the six digits it shows now",
        ));
    }
    let now = state.now_ms();
    sqlx::query(
        "UPDATE second_factors SET confirmed_at = $3 WHERE practice_id = $1 AND user_id = $2",
    )
    .bind(practice.id())
    .bind(&caller.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let codes = recovery::replace(&mut tx, practice, &caller.user_id).await?;
    record_own(&mut tx, caller, "auth.second_factor_enabled", now).await?;
    tx.commit().await?;
    Ok(codes)
}

/// A new set of recovery codes, for someone who proves they have the app.
pub async fn new_recovery_codes(
    state: &AppState,
    caller: &Caller,
    code: &str,
) -> Result<Vec<String>> {
    let practice = &caller.practice;
    let mut tx = state.db.begin().await?;
    if !enabled(&mut *tx, practice, &caller.user_id).await? {
        return Err(AppError::Conflict {
            message: "two-factor sign-in is off".into(),
            current: None,
        });
    }
    if check_code(&mut tx, state, practice, &caller.user_id, code, false)
        .await?
        .is_none()
    {
        return Err(AppError::field("code", "type the code your app shows now"));
    }
    let codes = recovery::replace(&mut tx, practice, &caller.user_id).await?;
    record_own(
        &mut tx,
        caller,
        "auth.recovery_codes_replaced",
        state.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns it off, with the person's password; refused while the practice
/// requires it.
pub async fn turn_off(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    password: String,
) -> Result<()> {
    let practice = &caller.practice;
    let pool = state.db.pool();
    if requirement::required(pool, practice).await? {
        return Err(AppError::ForbiddenOther(
            "your practice requires two-factor sign-in: it stays on".into(),
        ));
    }
    let account = crate::access::users::find(pool, practice, &caller.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let verified = super::password::verify(password, account.password_hash).await?;
    if verified == super::password::Verified::No {
        super::throttle::record_failure(pool, practice, &caller.email, &client.0, state.now_ms())
            .await?;
        return Err(AppError::field("password", "this is not your password"));
    }
    let mut tx = state.db.begin().await?;
    remove(&mut tx, practice, &caller.user_id).await?;
    record_own(
        &mut tx,
        caller,
        "auth.second_factor_removed",
        state.now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Audits `action` by the caller on their own account.
async fn record_own(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    action: &str,
    now_ms: i64,
) -> Result<()> {
    let target = format!("user:{}", caller.user_id);
    let entry = audit::Entry::by(caller, action, target, serde_json::json!({}));
    audit::record(conn, &caller.practice, now_ms, entry).await
}

async fn remove(conn: &mut sqlx::AnyConnection, practice: &Practice, user_id: &str) -> Result<()> {
    for table in ["second_factors", "recovery_codes", "passkeys"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE practice_id = $1 AND user_id = $2"
        )))
        .bind(practice.id())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// An administrator resets someone's second factor (a lost phone): it is
/// off, their sessions end, and they set it up again at their next sign-in
/// if the practice requires it. Audited as `user.second_factor_reset`.
pub async fn reset(
    state: &AppState,
    caller: &Caller,
    client: &ClientAddr,
    user_id: &str,
) -> Result<u64> {
    caller.require("users.manage")?;
    let practice = &caller.practice;
    let person = crate::access::users::find(state.db.pool(), practice, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let mut tx = state.db.begin().await?;
    let was_on = enabled(&mut *tx, practice, user_id).await?;
    remove(&mut tx, practice, user_id).await?;
    let ended = super::session::end_all_for_user(&mut tx, practice, user_id, None).await?;
    let entry = audit::Entry {
        actor: Actor::of(caller),
        action: "user.second_factor_reset",
        target: Some(format!("user:{user_id}")),
        client_addr: Some(&client.0),
        details: serde_json::json!({
            "email": person.email,
            "was_on": was_on,
            "sessions_ended": ended,
        }),
    };
    audit::record(&mut *tx, practice, state.now_ms(), entry).await?;
    tx.commit().await?;
    Ok(ended)
}
