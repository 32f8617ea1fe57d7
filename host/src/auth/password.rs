//! Password hashing (argon2id) and the password policy.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use zxcvbn::matching::patterns::MatchPattern;

use crate::error::{AppError, Result};

/// OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

fn hasher() -> Argon2<'static> {
    // The constants above are valid argon2 parameters.
    #[allow(clippy::unwrap_used)]
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password on the blocking pool (it takes tens of milliseconds).
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("password hashing task: {e}"))?
    .map_err(AppError::Internal)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right password, but hashed with weaker settings than today's: store a
    /// new hash.
    YesRehash,
}

/// Checks a password against a stored hash. With no stored hash (unknown
/// account, or one that never set a password) it still spends the same work,
/// so timing does not tell whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<Verified> {
    tokio::task::spawn_blocking(move || {
        let Some(stored) = stored else {
            let _ = hasher().hash_password(password.as_bytes());
            return Verified::No;
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Verified::No;
        };
        if hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_err()
        {
            return Verified::No;
        }
        if is_below_policy(&parsed) {
            Verified::YesRehash
        } else {
            Verified::Yes
        }
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("password check task: {e}")))
}

fn is_below_policy(hash: &PasswordHash) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(hash) {
        Ok(p) => p.m_cost() < MEMORY_KIB || p.t_cost() < ITERATIONS,
        Err(_) => true,
    }
}

/// Why a new password is refused. Its text is shown under the password field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("use at least {min} characters")]
    TooShort { min: usize },
    #[error("use at most {max} characters")]
    TooLong { max: usize },
    /// The whole email address, or the part before its `@`.
    #[error("do not use your email address as your password")]
    SameAsEmail,
    /// One of zxcvbn's most common passwords.
    #[error("this is one of the most common passwords; choose another")]
    Common,
}

/// The password policy: 8 to 128 characters (counted as characters, never
/// truncated), not one of the most common passwords, not the account's email.
pub fn check_new(password: &str, email: &str) -> std::result::Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(WeakPassword::TooShort { min: MIN_LEN });
    }
    if chars > MAX_LEN {
        return Err(WeakPassword::TooLong { max: MAX_LEN });
    }
    let lowered = password.to_lowercase();
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if lowered == email.to_lowercase() || (!local.is_empty() && lowered == local) {
        return Err(WeakPassword::SameAsEmail);
    }
    if is_common(password) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// Whether the whole password is an entry of zxcvbn's list of the most common
/// passwords (ignoring case and the usual letter-for-digit swaps).
fn is_common(password: &str) -> bool {
    let entropy = zxcvbn::zxcvbn(password, &[]);
    match entropy.sequence() {
        [single] => matches!(
            &single.pattern,
            MatchPattern::Dictionary(d)
                // zxcvbn does not export its dictionary type; its default
                // variant is the list of common passwords.
                if d.dictionary_name == Default::default() && !d.reversed
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_long_and_common_passwords() {
        let short = check_new("short", "a@b.c").unwrap_err();
        assert_eq!(short, WeakPassword::TooShort { min: 8 });
        assert_eq!(short.to_string(), "use at least 8 characters");
        let long = check_new(&"x".repeat(129), "a@b.c").unwrap_err();
        assert_eq!(long, WeakPassword::TooLong { max: 128 });
        assert_eq!(long.to_string(), "use at most 128 characters");
        for common in [
            "password",
            "Password1",
            "12345678",
            "qwertyuiop",
            "iloveyou",
            "P@ssw0rd",
        ] {
            assert_eq!(
                check_new(common, "a@b.c"),
                Err(WeakPassword::Common),
                "{common}"
            );
        }
        assert_eq!(
            check_new("mary@example.com", "Mary@example.com"),
            Err(WeakPassword::SameAsEmail)
        );
        assert_eq!(
            check_new("mary.lopez", "Mary.Lopez@example.com"),
            Err(WeakPassword::SameAsEmail)
        );
        assert!(check_new("correct horse battery staple", "a@b.c").is_ok());
        assert!(check_new("Tr0ub4dor&3-lantern", "a@b.c").is_ok());
    }

    #[test]
    fn counts_characters_not_bytes() {
        // Eight characters, sixteen bytes.
        assert!(check_new("ñçüéßøåæ", "a@b.c").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_weak_hashes_ask_for_a_rehash() {
        let stored = hash("a long passphrase here".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify("a long passphrase here".into(), Some(stored.clone()))
                .await
                .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            verify("wrong".into(), Some(stored)).await.unwrap(),
            Verified::No
        );
        assert_eq!(verify("anything".into(), None).await.unwrap(), Verified::No);

        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"a long passphrase here")
        .unwrap()
        .to_string();
        assert_eq!(
            verify("a long passphrase here".into(), Some(weak))
                .await
                .unwrap(),
            Verified::YesRehash
        );
    }
}
