//! Ed25519 keys and detached signatures in minisign's format: a public key
//! is one line of base64 (the `.pub` file minisign writes is read too), a
//! secret key is minisign's key file, optionally sealed with a password, and
//! a signature is a `.minisig` file whose trusted comment says what was
//! signed.

use std::io::Cursor;

/// Why a key or a signature is refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a minisign public key: {0}")]
    PublicKey(String),
    #[error("reading the key {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("not a minisign secret key: {0}")]
    SecretKey(String),
    #[error("the secret key is sealed with a password: give it (IMMCASE_KEY_PASSWORD)")]
    NeedsPassword,
    #[error("the secret key cannot be opened: {0}")]
    Open(String),
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Why a signature does not vouch for the bytes it came with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the signature file is not a minisign signature: {0}")]
    Malformed(String),
    #[error("signed by key {found}, which is not one of the keys trusted for it ({trusted})")]
    UnknownKey { found: String, trusted: String },
    #[error("the signature by key {key} does not match the bytes: they were changed after signing")]
    Mismatch { key: String },
}

/// A public key.
#[derive(Clone)]
pub struct PublicKey(minisign::PublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

impl PublicKey {
    /// A key written as minisign's base64 line, or as its `.pub` file.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .unwrap_or_default();
        minisign::PublicKey::from_base64(line)
            .map(PublicKey)
            .map_err(|e| KeyError::PublicKey(e.to_string()))
    }

    /// A key given as its base64 line, or as the path of its `.pub` file
    /// (how `--registry-key` and `--publisher ID=KEY` take it).
    pub fn from_text_or_file(text_or_path: &str) -> Result<PublicKey, KeyError> {
        let path = std::path::Path::new(text_or_path);
        if !path.is_file() {
            return PublicKey::parse(text_or_path);
        }
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read {
            path: text_or_path.to_string(),
            reason: e.to_string(),
        })?;
        PublicKey::parse(&text)
    }

    /// The key as one line of base64, as the registry's documents list it.
    pub fn to_base64(&self) -> String {
        self.0.to_base64()
    }

    /// The key's id as minisign prints it (16 hexadecimal digits).
    pub fn id(&self) -> String {
        key_id(self.0.keynum())
    }

    /// The `.pub` file minisign writes.
    pub fn to_file_text(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.id(),
            self.to_base64()
        )
    }
}

/// A secret key, opened.
pub struct SecretKey {
    secret: minisign::SecretKey,
    public: PublicKey,
}

impl SecretKey {
    /// A new key pair, sealed with `password` when one is given.
    pub fn generate(password: Option<&str>) -> Result<(SecretKey, String), KeyError> {
        let pair = match password {
            Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p.to_string())),
            None => minisign::KeyPair::generate_unencrypted_keypair(),
        }
        .map_err(|e| KeyError::Sign(e.to_string()))?;
        let public = PublicKey(pair.pk);
        let file = pair
            .sk
            .to_box(Some(&format!("immcase secret key {}", public.id())))
            .map_err(|e| KeyError::Sign(e.to_string()))?
            .into_string();
        // The key in the file is sealed; the one to sign with is opened.
        let opened = SecretKey::parse(&file, password)?;
        Ok((opened, file))
    }

    /// A key from minisign's secret key file.
    pub fn parse(text: &str, password: Option<&str>) -> Result<SecretKey, KeyError> {
        let boxed = minisign::SecretKeyBox::from_string(text)
            .map_err(|e| KeyError::SecretKey(e.to_string()))?;
        // Never `into_secret_key(None)`: minisign would ask on the terminal.
        let secret = match boxed.clone().into_unencrypted_secret_key() {
            Ok(key) => key,
            Err(_) => {
                let password = password.ok_or(KeyError::NeedsPassword)?;
                boxed
                    .into_secret_key(Some(password.to_string()))
                    .map_err(|e| KeyError::Open(e.to_string()))?
            }
        };
        let public = minisign::PublicKey::from_secret_key(&secret)
            .map(PublicKey)
            .map_err(|e| KeyError::Open(e.to_string()))?;
        Ok(SecretKey { secret, public })
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// A detached signature of `bytes` whose trusted comment is `statement`.
    pub fn sign(&self, bytes: &[u8], statement: &str) -> Result<String, KeyError> {
        minisign::sign(
            Some(&self.public.0),
            &self.secret,
            Cursor::new(bytes),
            Some(statement),
            Some(&format!("signed by key {}", self.public.id())),
        )
        .map(|b| b.into_string())
        .map_err(|e| KeyError::Sign(e.to_string()))
    }
}

/// Checks that `signature` is by one of `trusted` over `bytes`, and gives
/// its trusted comment (what the signer said it signed) and the key.
pub fn verify<'k>(
    trusted: &'k [PublicKey],
    bytes: &[u8],
    signature: &str,
) -> Result<(String, &'k PublicKey), SignatureError> {
    let boxed = minisign::SignatureBox::from_string(signature)
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let found = key_id(boxed.keynum());
    let key =
        trusted
            .iter()
            .find(|k| k.id() == found)
            .ok_or_else(|| SignatureError::UnknownKey {
                found: found.clone(),
                trusted: if trusted.is_empty() {
                    "none".into()
                } else {
                    trusted
                        .iter()
                        .map(PublicKey::id)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })?;
    minisign::verify(&key.0, &boxed, Cursor::new(bytes), true, false, false)
        .map_err(|_| SignatureError::Mismatch { key: found })?;
    let comment = boxed
        .trusted_comment()
        .map_err(|e| SignatureError::Malformed(e.to_string()))?;
    Ok((comment, key))
}

fn key_id(keynum: &[u8]) -> String {
    // minisign prints the 8 bytes as a little-endian number.
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_vouches_for_its_bytes_and_statement_only() {
        let (key, file) = SecretKey::generate(None).unwrap();
        let again = SecretKey::parse(&file, None).unwrap();
        assert_eq!(again.public().id(), key.public().id());
        let public = PublicKey::parse(&key.public().to_file_text()).unwrap();
        assert_eq!(public.to_base64(), key.public().to_base64());

        let sig = key
            .sign(b"the bytes", "immcase-package notes 1.0.0")
            .unwrap();
        let trusted = [public];
        let (said, by) = verify(&trusted, b"the bytes", &sig).unwrap();
        assert_eq!(said, "immcase-package notes 1.0.0");
        assert_eq!(by.id(), key.public().id());
        assert_eq!(
            verify(&trusted, b"the byteS", &sig).unwrap_err(),
            SignatureError::Mismatch {
                key: key.public().id()
            }
        );
        let (other, _) = SecretKey::generate(None).unwrap();
        let err = verify(&[other.public().clone()], b"the bytes", &sig).unwrap_err();
        assert!(matches!(err, SignatureError::UnknownKey { .. }), "{err}");
        // A changed trusted comment breaks the signature too.
        let forged = sig.replace("immcase-package notes 1.0.0", "immcase-package notes 9.0.0");
        assert!(verify(&trusted, b"the bytes", &forged).is_err());
    }

    #[test]
    fn a_sealed_key_needs_its_password() {
        let (_, file) = SecretKey::generate(Some("correct horse")).unwrap();
        assert!(matches!(
            SecretKey::parse(&file, None),
            Err(KeyError::NeedsPassword)
        ));
        assert!(matches!(
            SecretKey::parse(&file, Some("wrong")),
            Err(KeyError::Open(_))
        ));
        SecretKey::parse(&file, Some("correct horse")).unwrap();
    }
}
