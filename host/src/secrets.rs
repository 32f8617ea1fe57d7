//! Secrets kept in the database (SMTP and IMAP passwords, authenticator
//! app secrets) are sealed with a
//! key that is never in the database: ChaCha20-Poly1305 with a random nonce,
//! the practice and the secret's purpose bound in as associated data, so a
//! sealed value copied to another practice's row or another column does not
//! open.
//!
//! The keys come from `IMMCASE_SECRET_KEY` (and `IMMCASE_SECRET_KEY_PREVIOUS`
//! while rotating), or else from the key file `DATA_DIR/secret.key`, created
//! with a new random key at first start, readable by its owner only. The
//! first key seals; every key opens. A sealed value names its key by a short
//! id, so after a rotation old values open with the previous key until
//! `immcase secrets reseal` seals them again with the new one
//! (`docs/secrets.md`).
//!
//! Opened secrets are [`Secret`]s, whose `Debug` never shows the value.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// What every sealed value starts with (the format's version).
const PREFIX: &str = "s1.";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "secret.key";
const KEY_LEN: usize = 32;

/// A column that holds sealed secrets: its table, the column that tells a
/// practice's rows apart, the sealed column, and the purpose a row's value
/// is sealed for.
pub struct SealedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
    pub purpose: fn(&str) -> String,
}

/// Every column that holds sealed secrets (`immcase secrets reseal` goes
/// through them all).
pub const SEALED: &[SealedColumn] = &[
    SealedColumn {
        table: "practice_mail",
        key: "practice_id",
        column: "smtp_password",
        purpose: |_| "smtp-password".to_string(),
    },
    SealedColumn {
        table: "mailboxes",
        key: "id",
        column: "imap_password",
        purpose: |id| format!("imap-password:{id}"),
    },
    SealedColumn {
        table: "second_factors",
        key: "user_id",
        column: "totp_secret",
        purpose: |user_id| format!("totp-secret:{user_id}"),
    },
];

/// A secret in clear, for the moment it is used. Its `Debug` and `Display`
/// print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, to hand to the server that asks for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the stored secret is not in a format this server reads")]
    Malformed,
    #[error("the stored secret was sealed with a key this server does not have (key {0})")]
    UnknownKey(String),
    #[error("the stored secret does not open: it was changed, or belongs to another record")]
    Tampered,
}

struct Key {
    id: String,
    key: LessSafeKey,
}

/// The server's keys: the first seals, all open.
#[derive(Clone)]
pub struct Keyring {
    keys: Arc<Vec<Key>>,
    rng: SystemRandom,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("key_ids", &ids).finish()
    }
}

/// Where the keys come from.
#[derive(Clone, Debug, Default)]
pub struct KeySource {
    /// The current key, base64 (`IMMCASE_SECRET_KEY`); without it, the key
    /// file in the data directory.
    pub key: Option<String>,
    /// Earlier keys that still open values sealed before a rotation
    /// (`IMMCASE_SECRET_KEY_PREVIOUS`, comma-separated).
    pub previous: Vec<String>,
}

impl Keyring {
    /// The keys of `source`, or of the key file in `data_dir` (created with
    /// a new key when there is none and no key is given).
    pub fn load(source: &KeySource, data_dir: &Path) -> anyhow::Result<Keyring> {
        let mut encoded: Vec<String> = Vec::new();
        match &source.key {
            Some(key) => encoded.push(key.clone()),
            None => encoded.extend(read_or_create_key_file(&data_dir.join(KEY_FILE))?),
        }
        encoded.extend(source.previous.iter().cloned());
        let keys = encoded
            .iter()
            .map(|text| {
                let bytes = STANDARD
                    .decode(text.trim())
                    .context("a secret key is not base64")?;
                Key::new(&bytes)
            })
            .collect::<anyhow::Result<Vec<Key>>>()?;
        if keys.is_empty() {
            bail!("no secret key: the key file is empty");
        }
        Ok(Keyring {
            keys: Arc::new(keys),
            rng: SystemRandom::new(),
        })
    }

    /// A keyring of one new random key, kept nowhere (tests, and commands
    /// that never store a secret).
    pub fn ephemeral() -> anyhow::Result<Keyring> {
        let rng = SystemRandom::new();
        let key = Key::new(&new_key_bytes(&rng)?)?;
        Ok(Keyring {
            keys: Arc::new(vec![key]),
            rng,
        })
    }

    /// Whether `id` is among the keys (current or previous).
    pub fn has_key(&self, id: &str) -> bool {
        self.keys.iter().any(|k| k.id == id)
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `secret` for `practice_id` and `purpose` (such as
    /// `smtp-password`): only the same practice and purpose open it.
    pub fn seal(&self, practice_id: &str, purpose: &str, secret: &Secret) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        // The system's generator does not fail on the platforms the server
        // runs on; if it did, sealing with a zero nonce would be unsafe.
        self.rng
            .fill(&mut nonce)
            .expect("the system's random number generator");
        let mut sealed = secret.expose().as_bytes().to_vec();
        key.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(practice_id, purpose)),
                &mut sealed,
            )
            .expect("sealing fits in memory");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}.{}", key.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`Keyring::seal`] sealed for the same practice and purpose.
    pub fn open(
        &self,
        practice_id: &str,
        purpose: &str,
        sealed: &str,
    ) -> Result<Secret, OpenError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(OpenError::Malformed)?;
        let (id, body) = rest.split_once('.').ok_or(OpenError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_string()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| OpenError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Malformed)?;
        let mut in_out = ciphertext.to_vec();
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(aad(practice_id, purpose)), &mut in_out)
            .map_err(|_| OpenError::Tampered)?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| OpenError::Malformed)?;
        Ok(Secret(text))
    }

    /// Whether `sealed` is sealed with the current key (a reseal skips it).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(id, _)| id == self.keys[0].id)
    }
}

impl Key {
    fn new(bytes: &[u8]) -> anyhow::Result<Key> {
        if bytes.len() != KEY_LEN {
            bail!(
                "a secret key must be {KEY_LEN} bytes (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), not {}",
                bytes.len()
            );
        }
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .map_err(|_| anyhow::anyhow!("the secret key is not usable"))?;
        Ok(Key {
            id: key_id(bytes),
            key: LessSafeKey::new(unbound),
        })
    }
}

/// A key's public name: the first 8 hex digits of its SHA-256.
fn key_id(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn aad(practice_id: &str, purpose: &str) -> Vec<u8> {
    format!("immcase-secret\0{practice_id}\0{purpose}").into_bytes()
}

fn new_key_bytes(rng: &SystemRandom) -> anyhow::Result<Vec<u8>> {
    let mut key = vec![0u8; KEY_LEN];
    rng.fill(&mut key)
        .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
    Ok(key)
}

/// 256 random bits as URL-safe text, for a token shown once and kept only
/// as its hash.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random number generator");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new key, base64, for a rotation (`immcase secrets new-key`).
pub fn new_key() -> anyhow::Result<String> {
    Ok(STANDARD.encode(new_key_bytes(&SystemRandom::new())?))
}

/// The key file's keys, one base64 key per line (the first seals; blank
/// lines and `#` comments skipped); a new file with one key when it does
/// not exist.
fn read_or_create_key_file(path: &PathBuf) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = new_key()?;
            let text = format!(
                "# ImmCase's key for the secrets stored in the database (SMTP and IMAP passwords).\n\
                 # Back it up apart from the database: without it those secrets cannot be read.\n\
                 # The first key seals; keys below it still open older values (docs/secrets.md).\n{key}\n"
            );
            write_private(path, &text)
                .with_context(|| format!("creating the secret key file {}", path.display()))?;
            tracing::info!(path = %path.display(), "created a new secret key file");
            Ok(vec![key])
        }
        Err(e) => Err(e).with_context(|| format!("reading the secret key file {}", path.display())),
    }
}

/// Writes a new file only its owner may read (it must not exist yet).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_practice_and_purpose() {
        let ring = Keyring::ephemeral().unwrap();
        let secret = Secret::new("hunter2 ünïcode");
        let sealed = ring.seal("p1", "smtp-password", &secret);
        assert!(sealed.starts_with("s1."), "{sealed}");
        assert!(!sealed.contains("hunter2"));
        assert_eq!(ring.open("p1", "smtp-password", &sealed).unwrap(), secret);
        assert!(matches!(
            ring.open("p2", "smtp-password", &sealed),
            Err(OpenError::Tampered)
        ));
        assert!(matches!(
            ring.open("p1", "imap-password", &sealed),
            Err(OpenError::Tampered)
        ));
        // Two seals of one value differ (a new nonce each time).
        assert_ne!(sealed, ring.seal("p1", "smtp-password", &secret));
        let mut changed = sealed.clone();
        changed.pop();
        changed.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(ring.open("p1", "smtp-password", &changed).is_err());
        assert!(matches!(
            ring.open("p1", "smtp-password", "plain"),
            Err(OpenError::Malformed)
        ));
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keyring::load(&KeySource::default(), dir.path()).unwrap();
        let sealed = first.seal("p", "x", &Secret::new("s"));
        let again = Keyring::load(&KeySource::default(), dir.path()).unwrap();
        assert_eq!(again.open("p", "x", &sealed).unwrap().expose(), "s");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }

    #[test]
    fn after_a_rotation_old_values_open_with_the_previous_key() {
        let dir = tempfile::tempdir().unwrap();
        let old = new_key().unwrap();
        let new = new_key().unwrap();
        let before = Keyring::load(
            &KeySource {
                key: Some(old.clone()),
                previous: vec![],
            },
            dir.path(),
        )
        .unwrap();
        let sealed = before.seal("p", "x", &Secret::new("s"));
        let after = Keyring::load(
            &KeySource {
                key: Some(new.clone()),
                previous: vec![old],
            },
            dir.path(),
        )
        .unwrap();
        assert!(!after.is_current(&sealed));
        assert_eq!(after.open("p", "x", &sealed).unwrap().expose(), "s");
        assert!(after.is_current(&after.seal("p", "x", &Secret::new("s"))));
        let without = Keyring::load(
            &KeySource {
                key: Some(new),
                previous: vec![],
            },
            dir.path(),
        )
        .unwrap();
        assert!(matches!(
            without.open("p", "x", &sealed),
            Err(OpenError::UnknownKey(_))
        ));
        // No key file is written when the key is given.
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn a_short_key_is_refused_with_how_to_make_one() {
        let source = KeySource {
            key: Some(STANDARD.encode([1u8; 16])),
            previous: vec![],
        };
        let error = Keyring::load(&source, Path::new("/nonexistent")).unwrap_err();
        assert!(format!("{error:#}").contains("32 bytes"), "{error:#}");
    }

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("pa55");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
    }
}
