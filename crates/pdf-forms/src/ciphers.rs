//! The ciphers the standard security handler uses: RC4 and AES-CBC
//! (128 and 256 bits, PKCS#5 padding, IV first).

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes256};

use crate::error::PdfError;

/// AES-128-CBC without padding (`data` is a multiple of 16 bytes).
pub fn aes128_cbc_raw(key: &[u8], data: &[u8], iv: [u8; 16]) -> Vec<u8> {
    let Ok(cipher) = Aes128::new_from_slice(key) else {
        return Vec::new();
    };
    let mut prev = iv;
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(16) {
        let mut block = aes::Block::default();
        for (i, b) in chunk.iter().enumerate() {
            block[i] = b ^ prev[i];
        }
        cipher.encrypt_block(&mut block);
        prev.copy_from_slice(&block);
        out.extend_from_slice(&block);
    }
    out
}

enum AesKey {
    K128(Box<Aes128>),
    K256(Box<Aes256>),
}

impl AesKey {
    fn new(key: &[u8]) -> Result<AesKey, PdfError> {
        match key.len() {
            16 => Aes128::new_from_slice(key).map(|c| AesKey::K128(Box::new(c))),
            _ => Aes256::new_from_slice(key).map(|c| AesKey::K256(Box::new(c))),
        }
        .map_err(|_| PdfError::UnsupportedEncryption(format!("AES key of {} bytes", key.len())))
    }
    fn encrypt(&self, block: &mut aes::Block) {
        match self {
            AesKey::K128(c) => c.encrypt_block(block),
            AesKey::K256(c) => c.encrypt_block(block),
        }
    }
    fn decrypt(&self, block: &mut aes::Block) {
        match self {
            AesKey::K128(c) => c.decrypt_block(block),
            AesKey::K256(c) => c.decrypt_block(block),
        }
    }
}

/// AES-CBC with the IV as the first 16 bytes and PKCS#5 padding.
pub fn aes_cbc_decrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, PdfError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    if data.len() < 32 || !data.len().is_multiple_of(16) {
        return Err(PdfError::BadStream(format!(
            "AES data of {} bytes is not whole blocks",
            data.len()
        )));
    }
    let cipher = AesKey::new(key)?;
    let mut prev: &[u8] = &data[..16];
    let mut out = Vec::with_capacity(data.len() - 16);
    for chunk in data[16..].chunks(16) {
        let mut block = aes::Block::default();
        block.copy_from_slice(chunk);
        cipher.decrypt(&mut block);
        out.extend(block.iter().zip(prev).map(|(a, b)| a ^ b));
        prev = chunk;
    }
    let pad = usize::from(out.last().copied().unwrap_or(0));
    if (1..=16).contains(&pad) && pad <= out.len() {
        out.truncate(out.len() - pad);
    }
    Ok(out)
}

/// AES-CBC encryption: IV, then the data with PKCS#5 padding.
pub fn aes_cbc_encrypt(key: &[u8], data: &[u8], iv: [u8; 16]) -> Vec<u8> {
    let Ok(cipher) = AesKey::new(key) else {
        return Vec::new();
    };
    let pad = 16 - data.len() % 16;
    let mut plain = data.to_vec();
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = iv.to_vec();
    let mut prev = iv;
    for chunk in plain.chunks(16) {
        let mut block = aes::Block::default();
        for (i, b) in chunk.iter().enumerate() {
            block[i] = b ^ prev[i];
        }
        cipher.encrypt(&mut block);
        prev.copy_from_slice(&block);
        out.extend_from_slice(&block);
    }
    out
}

/// RC4 (symmetric: encrypts and decrypts).
pub fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            let k = s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))];
            b ^ k
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rc4_test_vectors() {
        assert_eq!(rc4(b"Key", b"Plaintext"), hex("BBF316E8D940AF0AD3"));
        assert_eq!(rc4(b"Wiki", b"pedia"), hex("1021BF0420"));
        assert_eq!(
            rc4(b"Secret", b"Attack at dawn"),
            hex("45A01F645FC35B383552544B9BF5")
        );
    }

    #[test]
    fn aes128_fips197_vector() {
        // FIPS-197 C.1, as one CBC block with a zero IV.
        let key = hex("000102030405060708090a0b0c0d0e0f");
        let plain = hex("00112233445566778899aabbccddeeff");
        let out = aes128_cbc_raw(&key, &plain, [0; 16]);
        assert_eq!(out, hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
    }

    #[test]
    fn aes_cbc_round_trips_with_padding() {
        for key in [vec![7u8; 16], vec![9u8; 32]] {
            for len in [0usize, 1, 15, 16, 17, 100] {
                let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let enc = aes_cbc_encrypt(&key, &data, [3; 16]);
                assert_eq!(enc.len() % 16, 0);
                assert_eq!(aes_cbc_decrypt(&key, &enc).unwrap(), data);
            }
        }
    }
}
