//! Join links: the Jitsi address, the room, a token when the server wants
//! one (`?jwt=`), and options for Jitsi's page after `#`.
//!
//! Jitsi reads options from the link's fragment as `name=value` pairs, each
//! value JSON (so a string is quoted), URL-encoded:
//! `#config.lobby.autoKnock=true&userInfo.displayName=%22Ana%22`. Only
//! options its whitelist allows take effect; the two used here are on it.

use serde_json::Value;

/// The room's page on the Jitsi server: `https://meet.jit.si/visa-k3x…`.
/// `base` is an address as [`super::settings::check_base_url`] keeps it.
pub fn room_url(base: &str, room: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), encode(room))
}

/// What a join link carries besides the room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkOptions<'a> {
    /// A signed token, for a server with token authentication.
    pub token: Option<&'a str>,
    /// Knock at once when the room has a lobby, instead of asking the
    /// guest to press a button (`config.lobby.autoKnock`).
    pub knock: bool,
    /// The name Jitsi shows for this person, for servers without tokens
    /// (`userInfo.displayName`; with a token, the token names them).
    pub display_name: Option<&'a str>,
}

/// The join link: [`room_url`], then `?jwt=` and the fragment's options.
pub fn join_link(base: &str, room: &str, options: &LinkOptions) -> String {
    let mut link = room_url(base, room);
    if let Some(token) = options.token {
        link.push_str("?jwt=");
        link.push_str(&encode(token));
    }
    let mut fragment: Vec<String> = Vec::new();
    if options.knock {
        fragment.push(option("config.lobby.autoKnock", &Value::Bool(true)));
    }
    if let Some(name) = options.display_name.filter(|n| !n.trim().is_empty()) {
        fragment.push(option("userInfo.displayName", &Value::from(name.trim())));
    }
    if !fragment.is_empty() {
        link.push('#');
        link.push_str(&fragment.join("&"));
    }
    link
}

/// The token of a join link, if it carries one.
pub fn token_of(link: &str) -> Option<&str> {
    let query = link.split('#').next()?.split_once('?')?.1;
    query.split('&').find_map(|pair| pair.strip_prefix("jwt="))
}

/// One option of the fragment: its name, `=`, its JSON value URL-encoded.
fn option(name: &str, value: &Value) -> String {
    format!("{name}={}", encode(&value.to_string()))
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_goes_after_the_address() {
        assert_eq!(
            room_url("https://meet.jit.si", "visa-abc"),
            "https://meet.jit.si/visa-abc"
        );
        assert_eq!(
            room_url("https://meet.example.com/video/", "visa-abc"),
            "https://meet.example.com/video/visa-abc"
        );
    }

    #[test]
    fn a_plain_link_is_only_the_room() {
        let link = join_link("https://meet.jit.si", "visa-abc", &LinkOptions::default());
        assert_eq!(link, "https://meet.jit.si/visa-abc");
        assert_eq!(token_of(&link), None);
    }

    #[test]
    fn tokens_go_in_the_query_and_options_in_the_fragment() {
        let options = LinkOptions {
            token: Some("aaa.bbb.ccc"),
            knock: true,
            display_name: None,
        };
        let link = join_link("https://meet.example.com", "visa-abc", &options);
        assert_eq!(
            link,
            "https://meet.example.com/visa-abc?jwt=aaa.bbb.ccc#config.lobby.autoKnock=true"
        );
        assert_eq!(token_of(&link), Some("aaa.bbb.ccc"));
    }

    #[test]
    fn names_are_json_strings_url_encoded() {
        let options = LinkOptions {
            display_name: Some(" Ana Díaz & co "),
            ..LinkOptions::default()
        };
        let link = join_link("https://meet.jit.si", "r", &options);
        assert_eq!(
            link,
            "https://meet.jit.si/r#userInfo.displayName=%22Ana%20D%C3%ADaz%20%26%20co%22"
        );
        let blank = LinkOptions {
            display_name: Some("  "),
            ..LinkOptions::default()
        };
        assert_eq!(
            join_link("https://meet.jit.si", "r", &blank),
            "https://meet.jit.si/r"
        );
    }
}
