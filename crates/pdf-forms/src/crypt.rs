//! The standard security handler with an empty user password: RC4 (V1/V2,
//! R2/R3), crypt filters (V4: AESV2 or V2) and AES-256 (V5, R5/R6).

use aes::Aes256;
use aes::cipher::{BlockCipherDecrypt, KeyInit};
use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};

use crate::ciphers::{aes_cbc_decrypt, aes_cbc_encrypt, aes128_cbc_raw, rc4};
use crate::error::PdfError;
use crate::objects::{Dict, ObjRef, Object, get};

/// The 32-byte password padding of the PDF standard.
const PADDING: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// How strings or streams are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Identity,
    Rc4,
    AesV2,
    AesV3,
}

/// The file key and methods of an encrypted document.
#[derive(Debug, Clone)]
pub struct Security {
    pub key: Vec<u8>,
    pub streams: Method,
    pub strings: Method,
    pub encrypt_metadata: bool,
}

fn unsupported(what: impl Into<String>) -> PdfError {
    PdfError::UnsupportedEncryption(what.into())
}

impl Security {
    /// Opens the `/Encrypt` dictionary with the empty user password.
    pub fn open(encrypt: &Dict, first_id: &[u8]) -> Result<Security, PdfError> {
        let filter = get(encrypt, "Filter")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        if filter != b"Standard" {
            return Err(unsupported(format!(
                "security handler {}",
                String::from_utf8_lossy(filter)
            )));
        }
        let v = get(encrypt, "V").and_then(Object::as_int).unwrap_or(0);
        let r = get(encrypt, "R").and_then(Object::as_int).unwrap_or(0);
        let o = get(encrypt, "O").and_then(Object::as_str).unwrap_or(b"");
        let u = get(encrypt, "U").and_then(Object::as_str).unwrap_or(b"");
        let p = get(encrypt, "P").and_then(Object::as_int).unwrap_or(0);
        let encrypt_metadata =
            !matches!(get(encrypt, "EncryptMetadata"), Some(Object::Bool(false)));
        let (streams, strings, key_len) = match v {
            1 => (Method::Rc4, Method::Rc4, 5),
            2 => {
                let bits = get(encrypt, "Length")
                    .and_then(Object::as_int)
                    .unwrap_or(40);
                (
                    Method::Rc4,
                    Method::Rc4,
                    usize::try_from(bits / 8).unwrap_or(5),
                )
            }
            4 | 5 => {
                let stm = filter_method(encrypt, "StmF")?;
                let str = filter_method(encrypt, "StrF")?;
                let len = if v == 5 { 32 } else { 16 };
                (stm, str, len)
            }
            other => return Err(unsupported(format!("version V{other}"))),
        };
        if !(5..=32).contains(&key_len) {
            return Err(unsupported(format!("key length {key_len}")));
        }
        let key = match r {
            2..=4 => {
                let key = legacy_key(o, p, first_id, r, key_len, encrypt_metadata);
                if !legacy_user_password_ok(&key, u, first_id, r) {
                    return Err(PdfError::PasswordRequired);
                }
                key
            }
            5 | 6 => {
                let ue = get(encrypt, "UE").and_then(Object::as_str).unwrap_or(b"");
                aes256_key(u, ue, r)?
            }
            other => return Err(unsupported(format!("revision R{other}"))),
        };
        Ok(Security {
            key,
            streams,
            strings,
            encrypt_metadata,
        })
    }

    /// The key for one object (algorithm 1; the file key itself for AES-256).
    pub fn object_key(&self, id: ObjRef, method: Method) -> Vec<u8> {
        if method == Method::AesV3 {
            return self.key.clone();
        }
        let mut h = Md5::new();
        h.update(&self.key);
        h.update(&id.num.to_le_bytes()[..3]);
        h.update(id.generation.to_le_bytes());
        if method == Method::AesV2 {
            h.update(b"sAlT");
        }
        let digest = h.finalize();
        digest[..(self.key.len() + 5).min(16)].to_vec()
    }

    /// Decrypts a string or stream of object `id`.
    pub fn decrypt(&self, id: ObjRef, method: Method, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        let key = self.object_key(id, method);
        match method {
            Method::Identity => Ok(data.to_vec()),
            Method::Rc4 => Ok(rc4(&key, data)),
            Method::AesV2 | Method::AesV3 => aes_cbc_decrypt(&key, data),
        }
    }

    /// Encrypts a string or stream of object `id`; `iv` is used by AES.
    pub fn encrypt(&self, id: ObjRef, method: Method, data: &[u8], iv: [u8; 16]) -> Vec<u8> {
        let key = self.object_key(id, method);
        match method {
            Method::Identity => data.to_vec(),
            Method::Rc4 => rc4(&key, data),
            Method::AesV2 | Method::AesV3 => aes_cbc_encrypt(&key, data, iv),
        }
    }
}

fn filter_method(encrypt: &Dict, which: &str) -> Result<Method, PdfError> {
    let name = get(encrypt, which)
        .and_then(Object::as_name)
        .unwrap_or(b"Identity");
    if name == b"Identity" {
        return Ok(Method::Identity);
    }
    let filter = get(encrypt, "CF")
        .and_then(Object::as_dict)
        .and_then(|cf| get(cf, &String::from_utf8_lossy(name)))
        .and_then(Object::as_dict)
        .ok_or_else(|| {
            unsupported(format!(
                "missing crypt filter {}",
                String::from_utf8_lossy(name)
            ))
        })?;
    match get(filter, "CFM")
        .and_then(Object::as_name)
        .unwrap_or(b"None")
    {
        b"V2" => Ok(Method::Rc4),
        b"AESV2" => Ok(Method::AesV2),
        b"AESV3" => Ok(Method::AesV3),
        b"None" => Ok(Method::Identity),
        other => Err(unsupported(format!(
            "crypt filter method {}",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// Algorithm 2: the file key from the (empty) user password.
fn legacy_key(o: &[u8], p: i64, id: &[u8], r: i64, len: usize, encrypt_metadata: bool) -> Vec<u8> {
    let mut h = Md5::new();
    h.update(PADDING);
    h.update(o);
    // /P is a signed 32-bit value stored low byte first.
    h.update((p as i32).to_le_bytes());
    h.update(id);
    if r >= 4 && !encrypt_metadata {
        h.update([0xff; 4]);
    }
    let mut key = h.finalize().to_vec();
    if r >= 3 {
        for _ in 0..50 {
            key = Md5::digest(&key[..len]).to_vec();
        }
    }
    key.truncate(len);
    key
}

/// Algorithms 4 and 5: does the key open the file with the empty password?
fn legacy_user_password_ok(key: &[u8], u: &[u8], id: &[u8], r: i64) -> bool {
    if r == 2 {
        return rc4(key, &PADDING).as_slice() == u;
    }
    let mut h = Md5::new();
    h.update(PADDING);
    h.update(id);
    let mut x = rc4(key, &h.finalize());
    for i in 1..=19u8 {
        let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        x = rc4(&k, &x);
    }
    u.len() >= 16 && x[..16] == u[..16]
}

/// Algorithm 2.A with the empty user password: checks /U and unwraps /UE.
fn aes256_key(u: &[u8], ue: &[u8], r: i64) -> Result<Vec<u8>, PdfError> {
    if u.len() < 48 || ue.len() < 32 {
        return Err(unsupported("AES-256 /U or /UE too short"));
    }
    let (hash, validation_salt, key_salt) = (&u[..32], &u[32..40], &u[40..48]);
    if hash_2b(b"", validation_salt, b"", r) != hash {
        return Err(PdfError::PasswordRequired);
    }
    let intermediate = hash_2b(b"", key_salt, b"", r);
    let cipher = Aes256::new_from_slice(&intermediate).map_err(|_| unsupported("AES-256 key"))?;
    let mut prev = [0u8; 16];
    let mut key = Vec::with_capacity(32);
    for chunk in ue[..32].chunks(16) {
        let mut block = aes::Block::try_from(chunk).map_err(|_| unsupported("AES-256 /UE"))?;
        cipher.decrypt_block(&mut block);
        key.extend(block.iter().zip(prev).map(|(a, b)| a ^ b));
        prev.copy_from_slice(chunk);
    }
    Ok(key)
}

/// Algorithm 2.B (R6), or plain SHA-256 (R5).
pub fn hash_2b(password: &[u8], salt: &[u8], udata: &[u8], r: i64) -> Vec<u8> {
    let mut k = {
        let mut h = Sha256::new();
        h.update(password);
        h.update(salt);
        h.update(udata);
        h.finalize().to_vec()
    };
    if r < 6 {
        return k;
    }
    let mut round = 0usize;
    loop {
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&k[16..32]);
        let e = aes128_cbc_raw(&k[..16], &k1, iv);
        let sum: u32 = e[..16].iter().map(|&b| u32::from(b)).sum();
        k = match sum % 3 {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        round += 1;
        let last = usize::from(e.last().copied().unwrap_or(0));
        if round >= 64 && last + 32 <= round {
            break;
        }
    }
    k.truncate(32);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_key_for_rc4_and_aes() {
        let sec = Security {
            key: vec![1, 2, 3, 4, 5],
            streams: Method::Rc4,
            strings: Method::Rc4,
            encrypt_metadata: true,
        };
        let id = ObjRef {
            num: 12,
            generation: 0,
        };
        assert_eq!(sec.object_key(id, Method::Rc4).len(), 10);
        assert_ne!(
            sec.object_key(id, Method::Rc4),
            sec.object_key(id, Method::AesV2)[..10]
        );
        let data = b"datasets";
        let enc = sec.encrypt(id, Method::Rc4, data, [0; 16]);
        assert_eq!(sec.decrypt(id, Method::Rc4, &enc).unwrap(), data);
    }

    /// The R6 key derived from the empty password opens `/Perms`, which
    /// holds `adb` at bytes 9..12 when encrypted with the right file key.
    #[cfg(feature = "fixtures")]
    #[test]
    fn r6_key_opens_the_perms_of_a_qpdf_file() {
        use crate::fixtures::{Variant, encrypt_with_qpdf, imm5476};
        let pdf = match encrypt_with_qpdf(&imm5476().build(), Variant::Aes256) {
            Ok(pdf) => pdf,
            Err(e) if std::env::var("IMMCASE_TEST_QPDF").as_deref() != Ok("required") => {
                eprintln!("SKIPPED: qpdf could not be run ({e})");
                return;
            }
            Err(e) => panic!("qpdf is required: {e}"),
        };
        let doc = crate::document::Document::open(&pdf).unwrap();
        let sec = doc.security.as_ref().unwrap();
        assert_eq!(
            (sec.key.len(), sec.streams, sec.strings),
            (32, Method::AesV3, Method::AesV3)
        );
        let encrypt = doc.load(doc.encrypt_ref.unwrap().num).unwrap().1;
        let perms = get(encrypt.as_dict().unwrap(), "Perms")
            .and_then(Object::as_str)
            .unwrap();
        let mut block = aes::Block::try_from(&perms[..16]).unwrap();
        Aes256::new_from_slice(&sec.key)
            .unwrap()
            .decrypt_block(&mut block);
        assert_eq!(&block[9..12], b"adb");
    }
}
