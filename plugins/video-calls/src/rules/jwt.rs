//! JSON Web Tokens signed with HS256 (RFC 7519, HMAC-SHA256), and the
//! claims Jitsi's token authentication reads.
//!
//! A self-hosted Jitsi with token authentication (`jitsi-meet-tokens`, the
//! Prosody `token` plugin) is configured with an `app_id` and an
//! `app_secret`; it lets a browser in when the link carries `?jwt=` signed
//! with that secret, whose `iss` is the app id, whose `room` is the room
//! (or `*`) and whose `exp` and `nbf` hold. `aud` is checked against the
//! server's accepted audiences (the app id here), and `sub` against the
//! server's domain or tenant, `*` meaning any, which is what a module that
//! knows only the server's public address can honestly say.
//!
//! Who is moderator: the server gives the owner's rights (moderator) to a
//! token whose `context.user.moderator` is `"true"`: a string, as 8x8's
//! Jitsi as a Service documents it and as the `token_affiliation` plugin
//! of jitsi-contrib accepts it (it accepts the boolean too, but Jitsi's
//! `presence_identity` module copies each `context.user` member into XML
//! text and fails on anything but a string, so every member here is one).
//! `affiliation` (`owner` or `member`) says the same to the plugins that
//! read that instead.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// The header names another algorithm than HS256.
    Algorithm,
    /// The signature does not match the secret.
    Signature,
    /// Not valid yet (`nbf`) or any more (`exp`).
    Time,
}

/// Signs `claims` with `secret`: `header.payload.signature`, each part
/// base64url without padding, the header `{"alg":"HS256","typ":"JWT"}`.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac(secret, signed.as_bytes()));
    format!("{signed}.{signature}")
}

/// The claims of `token` when its header says HS256 and its signature is
/// `secret`'s (compared in constant time). Times are not checked here:
/// see [`check_time`].
pub fn verify(token: &str, secret: &[u8]) -> Result<Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(head), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header = decode_json(head)?;
    if header["alg"] != "HS256" {
        return Err(JwtError::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| JwtError::Signature)?;
    mac.update(format!("{head}.{payload}").as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| JwtError::Signature)?;
    decode_json(payload)
}

/// The claims of `token` without checking its signature: only to show or
/// test what a token says, never to trust it.
pub fn claims_unverified(token: &str) -> Option<Value> {
    decode_json(token.split('.').nth(1)?).ok()
}

/// Whether the token's `nbf` and `exp` (seconds since the epoch) hold at
/// `now` (seconds): `nbf <= now < exp`; a missing `exp` is refused.
pub fn check_time(claims: &Value, now: i64) -> Result<(), JwtError> {
    let exp = claims["exp"].as_i64().ok_or(JwtError::Time)?;
    let nbf = claims["nbf"].as_i64().unwrap_or(i64::MIN);
    if nbf <= now && now < exp {
        Ok(())
    } else {
        Err(JwtError::Time)
    }
}

/// Who a Jitsi token is for, and what it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitsiToken<'a> {
    /// The server's `app_id`: `iss` and `aud`.
    pub app_id: &'a str,
    /// The room's name (lowercase).
    pub room: &'a str,
    /// `context.user.id`: the person's id, or `guest:{call id}`.
    pub user_id: &'a str,
    /// `context.user.name` and `email`, left out when empty (a guest types
    /// their own name in Jitsi).
    pub name: &'a str,
    pub email: &'a str,
    pub moderator: bool,
    /// Seconds since the epoch: `nbf` and `exp`.
    pub not_before: i64,
    pub expires: i64,
}

/// The claims of a Jitsi token.
pub fn jitsi_claims(token: &JitsiToken) -> Value {
    let mut user = json!({
        "id": token.user_id,
        "moderator": if token.moderator { "true" } else { "false" },
        "affiliation": if token.moderator { "owner" } else { "member" },
    });
    if !token.name.is_empty() {
        user["name"] = json!(token.name);
    }
    if !token.email.is_empty() {
        user["email"] = json!(token.email);
    }
    json!({
        "aud": token.app_id,
        "iss": token.app_id,
        "sub": "*",
        "room": token.room,
        "nbf": token.not_before,
        "exp": token.expires,
        "context": { "user": user },
    })
}

/// Whether the claims give moderator rights, as Jitsi reads them.
pub fn is_moderator(claims: &Value) -> bool {
    let user = &claims["context"]["user"];
    user["moderator"] == "true" || user["moderator"] == true || user["affiliation"] == "owner"
}

fn hmac(secret: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length: this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn decode_json(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a secret of the practice's jitsi server";

    fn guest(room: &str) -> Value {
        jitsi_claims(&JitsiToken {
            app_id: "immcase",
            room,
            user_id: "guest:c1",
            name: "",
            email: "",
            moderator: false,
            not_before: 1_000,
            expires: 2_000,
        })
    }

    #[test]
    fn signs_as_rfc_7515_says() {
        // RFC 7515's compact form: the signature is HMAC-SHA256 over
        // `header.payload`, every part base64url without padding.
        let token = sign(&json!({ "iss": "joe" }), SECRET);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).expect("base64"),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
        let expected = hmac(SECRET, format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).expect("base64"), expected);
        assert!(!token.contains('='), "no padding");
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231, test case 2.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signed_token_verifies_with_its_secret_only() {
        let claims = guest("visa-abc");
        let token = sign(&claims, SECRET);
        assert_eq!(verify(&token, SECRET), Ok(claims.clone()));
        assert_eq!(verify(&token, b"another secret"), Err(JwtError::Signature));
        // A changed payload breaks the signature.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims;
        forged["context"]["user"]["moderator"] = json!("true");
        parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
        assert_eq!(verify(&parts.join("."), SECRET), Err(JwtError::Signature));
        // Other algorithms and shapes are refused.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(verify(&none, SECRET), Err(JwtError::Algorithm));
        assert_eq!(verify("a.b", SECRET), Err(JwtError::Malformed));
        assert_eq!(verify("a.b.c.d", SECRET), Err(JwtError::Malformed));
        assert_eq!(verify("!.!.!", SECRET), Err(JwtError::Malformed));
    }

    #[test]
    fn times_hold_between_nbf_and_exp() {
        let claims = guest("r");
        assert_eq!(check_time(&claims, 999), Err(JwtError::Time));
        assert_eq!(check_time(&claims, 1_000), Ok(()));
        assert_eq!(check_time(&claims, 1_999), Ok(()));
        assert_eq!(check_time(&claims, 2_000), Err(JwtError::Time));
        assert_eq!(check_time(&json!({}), 1), Err(JwtError::Time));
    }

    #[test]
    fn jitsi_claims_say_who_and_which_room() {
        let claims = guest("visa-abc");
        assert_eq!(claims["iss"], "immcase");
        assert_eq!(claims["aud"], "immcase");
        assert_eq!(claims["sub"], "*");
        assert_eq!(claims["room"], "visa-abc");
        assert_eq!(
            (claims["nbf"].as_i64(), claims["exp"].as_i64()),
            (Some(1_000), Some(2_000))
        );
        let user = &claims["context"]["user"];
        assert_eq!(user["moderator"], "false");
        assert_eq!(user["affiliation"], "member");
        assert!(user.get("name").is_none() && user.get("email").is_none());
        assert!(!is_moderator(&claims));

        let host = jitsi_claims(&JitsiToken {
            app_id: "immcase",
            room: "visa-abc",
            user_id: "u1",
            name: "Ana Díaz",
            email: "ana@example.com",
            moderator: true,
            not_before: 1,
            expires: 2,
        });
        let user = &host["context"]["user"];
        assert_eq!(user["moderator"], "true");
        assert_eq!(user["affiliation"], "owner");
        assert_eq!(user["name"], "Ana Díaz");
        assert_eq!(user["email"], "ana@example.com");
        assert!(is_moderator(&host));
        // Every member of context.user is a string (presence_identity).
        for (_, value) in user.as_object().into_iter().flatten() {
            assert!(value.is_string(), "{value}");
        }
        let token = sign(&host, SECRET);
        assert_eq!(claims_unverified(&token), Some(host));
    }
}
