//! What an administrator configures (declared in `plugin.toml`, saved on the
//! host's settings page), and the Jitsi set-up it makes.
//!
//! The host checks each setting on its own (the address's shape, the
//! lifetime's bounds). What needs several settings together, or more than a
//! pattern, is checked here: a JWT app id without its secret (or the other
//! way round) makes links the server refuses, so no meeting is made until
//! it is fixed, and the pages say so to those who can fix it.

use serde::{Deserialize, Serialize};

use super::Problems;

/// The public Jitsi service: the default address.
pub const PUBLIC_JITSI: &str = "https://meet.jit.si";

/// The settings, with the host's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub base_url: String,
    pub jwt_app_id: String,
    pub jwt_secret: String,
    pub lobby: bool,
    /// Minutes.
    pub token_minutes: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_url: PUBLIC_JITSI.into(),
            jwt_app_id: String::new(),
            jwt_secret: String::new(),
            lobby: false,
            token_minutes: 240,
        }
    }
}

/// A usable Jitsi set-up, from [`Settings::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jitsi {
    /// The address without a trailing slash: `https://meet.jit.si`.
    pub base_url: String,
    /// The app id and secret, when the server wants tokens.
    pub jwt: Option<Jwt>,
    pub lobby: bool,
    /// How long a moderator's token lasts, and a guest's after the call's
    /// end, in milliseconds.
    pub token_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwt {
    pub app_id: String,
    pub secret: String,
}

impl Settings {
    /// The Jitsi set-up, or every setting that stops links from working.
    pub fn check(&self) -> Result<Jitsi, Problems> {
        let mut problems = Problems::new();
        let base_url = match check_base_url(&self.base_url) {
            Ok(url) => url,
            Err(message) => {
                problems.push(("base_url".into(), message));
                String::new()
            }
        };
        let app_id = self.jwt_app_id.trim();
        let secret = self.jwt_secret.trim();
        let jwt = match (app_id.is_empty(), secret.is_empty()) {
            (true, true) => None,
            (false, false) => Some(Jwt {
                app_id: app_id.into(),
                secret: secret.into(),
            }),
            (false, true) => {
                problems.push(("jwt_secret".into(), "required with the JWT app id".into()));
                None
            }
            (true, false) => {
                problems.push(("jwt_app_id".into(), "required with the JWT secret".into()));
                None
            }
        };
        if !(5..=10_080).contains(&self.token_minutes) {
            problems.push((
                "token_minutes".into(),
                "between 5 minutes and 7 days".into(),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Jitsi {
            base_url,
            jwt,
            lobby: self.lobby,
            token_ms: self.token_minutes * 60_000,
        })
    }

    /// What works but deserves a look, for those who change the settings.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let url = self.base_url.trim().to_ascii_lowercase();
        if url.starts_with("http://") && !is_local(&url["http://".len()..]) {
            warnings.push(
                "The Jitsi address starts with http://: browsers give a page camera and microphone only over https, so calls there have neither."
                    .into(),
            );
        }
        let secret = self.jwt_secret.trim();
        if !secret.is_empty() && secret.len() < 32 {
            warnings.push(
                "The JWT secret is shorter than 32 characters: a longer one is much harder to guess."
                    .into(),
            );
        }
        if !self.jwt_app_id.trim().is_empty() && url.trim_end_matches('/') == PUBLIC_JITSI {
            warnings.push(
                "The public Jitsi service (meet.jit.si) accepts no tokens of ours: leave the JWT settings empty for it, or use your own server's address."
                    .into(),
            );
        }
        warnings
    }
}

/// The address as links use it (no trailing slash, the scheme in
/// lowercase), or why it is refused: an `http://` or `https://` address of a
/// host (with a port and a path if need be), without user name, query
/// (`?`), fragment (`#`) or spaces.
pub fn check_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https://", &url["https://".len()..])
    } else if lower.starts_with("http://") {
        ("http://", &url["http://".len()..])
    } else {
        return Err("must start with https:// (or http://)".into());
    };
    if rest.contains(['?', '#']) {
        return Err("must not have a query (?) or fragment (#)".into());
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".into());
    }
    if rest.contains('@') {
        return Err("must not contain a user name (@)".into());
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let server_name = "needs a server name, like meet.example.com";
    let (host, port) = if authority.starts_with('[') {
        // An IPv6 address: `[::1]` or `[::1]:8443`.
        let end = authority.find(']').ok_or(server_name)?;
        let (host, after) = authority.split_at(end + 1);
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(server_name.into()),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = if let Some(ip) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !ip.is_empty()
            && ip
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !host.starts_with(['.', '-'])
            && !host.contains("..")
    };
    if !host_ok {
        return Err(server_name.into());
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err("has a port that is not a number from 1 to 65535".into());
    }
    if path.split('/').any(|segment| segment == "..") {
        return Err("must not contain ..".into());
    }
    Ok(format!("{scheme}{authority}{}", path.trim_end_matches('/')))
}

/// `localhost` and loopback addresses, where browsers allow the camera over
/// plain http.
fn is_local(authority_and_path: &str) -> bool {
    let host = authority_and_path
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut Settings)) -> Settings {
        let mut settings = Settings::default();
        change(&mut settings);
        settings
    }

    #[test]
    fn the_defaults_are_the_public_service_without_tokens() {
        let jitsi = Settings::default().check().expect("usable");
        assert_eq!(jitsi.base_url, "https://meet.jit.si");
        assert_eq!(jitsi.jwt, None);
        assert!(!jitsi.lobby);
        assert_eq!(jitsi.token_ms, 4 * 60 * 60 * 1000);
        assert!(Settings::default().warnings().is_empty());
    }

    #[test]
    fn addresses_are_http_or_https_of_a_host_without_query_or_fragment() {
        for (url, kept) in [
            ("https://meet.jit.si", "https://meet.jit.si"),
            ("https://meet.example.com/", "https://meet.example.com"),
            (
                "  HTTPS://meet.example.com:8443/video/ ",
                "https://meet.example.com:8443/video",
            ),
            ("http://localhost:8000", "http://localhost:8000"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            ("https://[::1]", "https://[::1]"),
        ] {
            assert_eq!(check_base_url(url).as_deref(), Ok(kept), "{url}");
        }
        for url in [
            "meet.jit.si",
            "ftp://meet.jit.si",
            "https://",
            "https:///room",
            "https://meet.jit.si/?lang=fr",
            "https://meet.jit.si#config",
            "https://meet jit.si",
            "https://user:pw@meet.jit.si",
            "https://meet.jit.si:99999",
            "https://meet.jit.si:0",
            "https://meet.jit.si:x",
            "https://-meet.jit.si",
            "https://meet..jit.si",
            "https://meet.jit.si/a/../b",
            "javascript:alert(1)",
            "https://[::1",
            "https://[::1]x",
        ] {
            assert!(check_base_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn tokens_need_both_the_app_id_and_the_secret() {
        let jwt = with(|s| {
            s.base_url = "https://meet.example.com".into();
            s.jwt_app_id = " immcase ".into();
            s.jwt_secret = "s".repeat(40);
        });
        let jitsi = jwt.check().expect("usable");
        let keys = jitsi.jwt.expect("tokens");
        assert_eq!(keys.app_id, "immcase");
        assert_eq!(keys.secret.len(), 40);

        let no_secret = with(|s| s.jwt_app_id = "immcase".into()).check();
        assert_eq!(
            no_secret,
            Err(vec![(
                "jwt_secret".into(),
                "required with the JWT app id".into()
            )])
        );
        let no_id = with(|s| s.jwt_secret = "secret".into()).check();
        assert_eq!(no_id.expect_err("refused")[0].0, "jwt_app_id");
    }

    #[test]
    fn every_problem_is_named() {
        let problems = with(|s| {
            s.base_url = "meet".into();
            s.jwt_app_id = "x".into();
            s.token_minutes = 1;
        })
        .check()
        .expect_err("refused");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["base_url", "jwt_secret", "token_minutes"]);
    }

    #[test]
    fn warnings_for_what_works_badly() {
        let plain_http = with(|s| s.base_url = "http://meet.example.com".into());
        assert!(plain_http.warnings()[0].contains("https"));
        assert!(
            with(|s| s.base_url = "http://localhost:8000".into())
                .warnings()
                .is_empty()
        );
        let short = with(|s| {
            s.base_url = "https://meet.example.com".into();
            s.jwt_app_id = "a".into();
            s.jwt_secret = "short".into();
        });
        assert!(short.warnings()[0].contains("32 characters"));
        let public = with(|s| {
            s.jwt_app_id = "a".into();
            s.jwt_secret = "s".repeat(40);
        });
        assert!(public.warnings()[0].contains("meet.jit.si"));
    }
}
