//! Recovery codes: ten single-use codes a person keeps somewhere safe, to
//! sign in when their phone is lost. Stored hashed; a new set voids the old.

use ring::rand::{SecureRandom, SystemRandom};
use sqlx::{Any, Executor};

use crate::auth::session::token_hash;
use crate::error::Result;
use crate::practices::Practice;

/// Codes per set.
pub const PER_SET: usize = 10;
/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new code: ten characters (about 50 bits), shown as `xxxxx-xxxxx`.
fn new_code(rng: &SystemRandom) -> String {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes)
        .expect("the system's random number generator");
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A code as typed, the way it is kept: lowercase, without spaces or dashes.
pub fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `typed` looks like a recovery code rather than an app's code.
pub fn looks_like_one(typed: &str) -> bool {
    normalize(typed).len() == 10 && typed.chars().any(|c| c.is_ascii_alphabetic())
}

/// Replaces the person's codes with a new set; the codes, to show once.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    user_id: &str,
) -> Result<Vec<String>> {
    sqlx::query("DELETE FROM recovery_codes WHERE practice_id = $1 AND user_id = $2")
        .bind(practice.id())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let rng = SystemRandom::new();
    let codes: Vec<String> = (0..PER_SET).map(|_| new_code(&rng)).collect();
    for code in &codes {
        sqlx::query(
            "INSERT INTO recovery_codes (practice_id, user_id, code_hash) VALUES ($1, $2, $3)",
        )
        .bind(practice.id())
        .bind(user_id)
        .bind(token_hash(&normalize(code)))
        .execute(&mut *conn)
        .await?;
    }
    Ok(codes)
}

/// Uses up `typed` if it is one of the person's unused codes.
pub async fn use_up<'e, E>(
    db: E,
    practice: &Practice,
    user_id: &str,
    typed: &str,
    now_ms: i64,
) -> Result<bool>
where
    E: Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $4 WHERE practice_id = $1 AND user_id = $2 \
         AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(practice.id())
    .bind(user_id)
    .bind(token_hash(&normalize(typed)))
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many of the person's codes are left.
pub async fn left<'e, E>(db: E, practice: &Practice, user_id: &str) -> Result<i64>
where
    E: Executor<'e, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE practice_id = $1 AND user_id = $2 AND used_at IS NULL",
    )
    .bind(practice.id())
    .bind(user_id)
    .fetch_one(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_readable_and_typed_loosely() {
        let rng = SystemRandom::new();
        let codes: std::collections::BTreeSet<String> = (0..200).map(|_| new_code(&rng)).collect();
        assert_eq!(codes.len(), 200);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(code.as_bytes()[5], b'-');
            assert!(!code.contains(['0', 'o', '1', 'l', 'i']), "{code}");
            assert!(looks_like_one(code));
        }
        assert_eq!(normalize(" ABCDE-fghjk "), "abcdefghjk");
        assert!(!looks_like_one("123456"));
    }
}
