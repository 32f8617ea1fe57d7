//! File names, folders and content types: what is accepted on upload and
//! what is said on download. Plain functions.

/// At most this many bytes in a file name.
pub const MAX_NAME_BYTES: usize = 255;
/// At most this many folder levels below the owner's folder.
pub const MAX_FOLDER_DEPTH: usize = 5;
/// At most this many bytes in one folder name.
pub const MAX_FOLDER_PART_BYTES: usize = 100;

/// Why an uploaded file's name is refused. Its text is shown to the person
/// who sent the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameRefused {
    /// Nothing is left once the path and spaces are taken off.
    #[error("choose a file (its name is empty)")]
    Empty,
    #[error("a file name cannot contain control characters")]
    ControlCharacters,
    /// A character that changes how the name is shown without being seen
    /// (`crate::input::hidden_character`).
    #[error(
        "a file name cannot contain the invisible character U+{0:04X}, which changes how it is shown; rename the file"
    )]
    HiddenCharacter(u32),
    /// `.` or `..`, which name folders.
    #[error("{name:?} is not a file name")]
    Reserved { name: String },
    #[error("a file name is at most {max} bytes; rename the file")]
    TooLong { max: usize },
}

/// Why a folder path is refused. Its text is shown to the person who chose
/// the folder.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FolderRefused {
    /// A part is `.` or `..`, which would climb out of the owner's folder.
    #[error("{part:?} cannot be a folder name")]
    Reserved { part: String },
    #[error("a folder name cannot contain backslashes or control characters")]
    ForbiddenCharacters,
    #[error(
        "a folder name cannot contain the invisible character U+{0:04X}, which changes how it is shown"
    )]
    HiddenCharacter(u32),
    #[error("a folder name is at most {max} bytes")]
    PartTooLong { max: usize },
    #[error("folders go at most {max} levels deep")]
    TooDeep { max: usize },
}

/// The name to keep for an uploaded file: the last part of what the browser
/// sent (some send a whole path), trimmed. Refuses an empty name, control
/// characters, `.` and `..`, and names over 255 bytes, saying which.
pub fn file_name(sent: &str) -> Result<String, NameRefused> {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if last.is_empty() {
        return Err(NameRefused::Empty);
    }
    if last.chars().any(char::is_control) {
        return Err(NameRefused::ControlCharacters);
    }
    if let Some(c) = crate::input::hidden_character(last) {
        return Err(NameRefused::HiddenCharacter(u32::from(c)));
    }
    if last == "." || last == ".." {
        return Err(NameRefused::Reserved { name: last.into() });
    }
    if last.len() > MAX_NAME_BYTES {
        return Err(NameRefused::TooLong {
            max: MAX_NAME_BYTES,
        });
    }
    Ok(last.to_string())
}

/// A sub-folder path below the owner's folder, as `a/b/c` (`""` for the
/// top). Empty parts and surrounding spaces are dropped; `.` and `..`,
/// backslashes, control characters, parts over 100 bytes and more than five
/// levels are refused.
pub fn folder(sent: &str) -> Result<String, FolderRefused> {
    let mut parts = Vec::new();
    for part in sent.split('/') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if part == "." || part == ".." {
            return Err(FolderRefused::Reserved { part: part.into() });
        }
        if part.contains('\\') || part.chars().any(char::is_control) {
            return Err(FolderRefused::ForbiddenCharacters);
        }
        if let Some(c) = crate::input::hidden_character(part) {
            return Err(FolderRefused::HiddenCharacter(u32::from(c)));
        }
        if part.len() > MAX_FOLDER_PART_BYTES {
            return Err(FolderRefused::PartTooLong {
                max: MAX_FOLDER_PART_BYTES,
            });
        }
        parts.push(part);
    }
    if parts.len() > MAX_FOLDER_DEPTH {
        return Err(FolderRefused::TooDeep {
            max: MAX_FOLDER_DEPTH,
        });
    }
    Ok(parts.join("/"))
}

/// The content type to store: the one the client declared when it is a
/// well-formed `type/subtype` other than the generic octet stream, else a
/// guess from the name's extension, else `application/octet-stream`.
pub fn content_type(declared: Option<&str>, name: &str) -> String {
    let declared = declared
        .map(|d| {
            d.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|d| is_media_type(d) && d != "application/octet-stream");
    declared.unwrap_or_else(|| {
        mime_guess::from_path(name)
            .first()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_else(|| "application/octet-stream".into())
    })
}

fn is_media_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 100
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(s.split_once('/'), Some((a, b)) if token(a) && token(b))
}

/// Types a browser may show in the page itself when asked (`?inline=true`);
/// anything else is always a download. HTML, SVG, XML and scripts are never
/// shown inline: they could run in the server's origin.
pub fn may_show_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "text/plain"
    )
}

/// A `Content-Disposition` value that every browser reads the same way: an
/// ASCII `filename` with anything unusual replaced by `_`, and the exact
/// name as UTF-8 in `filename*` (RFC 6266 and RFC 8187).
pub fn content_disposition(name: &str, inline: bool) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Bytes in words for messages: `50 MB`, `1.5 GB`, `900 bytes`.
pub fn size_in_words(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [
        (1024 * 1024 * 1024, "GB"),
        (1024 * 1024, "MB"),
        (1024, "KB"),
    ];
    for (unit, label) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 {
                format!("{whole} {label}")
            } else {
                format!("{whole}.{tenths} {label}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_last_part_and_refuse_what_cannot_be_a_name() {
        assert_eq!(
            file_name("C:\\Users\\ana\\passport.pdf").unwrap(),
            "passport.pdf"
        );
        assert_eq!(file_name("  scan 1.jpg ").unwrap(), "scan 1.jpg");
        assert_eq!(file_name("Résumé — été.docx").unwrap(), "Résumé — été.docx");
        assert_eq!(file_name(""), Err(NameRefused::Empty));
        assert_eq!(file_name("dir/"), Err(NameRefused::Empty));
        assert_eq!(
            file_name(".."),
            Err(NameRefused::Reserved { name: "..".into() })
        );
        assert_eq!(file_name("a\nb.pdf"), Err(NameRefused::ControlCharacters));
        let too_long = file_name(&"x".repeat(256)).unwrap_err();
        assert_eq!(too_long, NameRefused::TooLong { max: 255 });
        assert_eq!(
            too_long.to_string(),
            "a file name is at most 255 bytes; rename the file"
        );
        assert_eq!(
            file_name(".").unwrap_err().to_string(),
            "\".\" is not a file name"
        );
    }

    #[test]
    fn folders_are_normalised_and_cannot_climb() {
        assert_eq!(folder("").unwrap(), "");
        assert_eq!(
            folder(" Identity / Passports/ ").unwrap(),
            "Identity/Passports"
        );
        assert_eq!(folder("//a//b/").unwrap(), "a/b");
        assert_eq!(
            folder("a/../b"),
            Err(FolderRefused::Reserved { part: "..".into() })
        );
        assert_eq!(folder("a\\b"), Err(FolderRefused::ForbiddenCharacters));
        let too_deep = folder("1/2/3/4/5/6").unwrap_err();
        assert_eq!(too_deep, FolderRefused::TooDeep { max: 5 });
        assert_eq!(too_deep.to_string(), "folders go at most 5 levels deep");
        assert_eq!(
            folder(&"f".repeat(101)),
            Err(FolderRefused::PartTooLong { max: 100 })
        );
        assert_eq!(
            folder("..").unwrap_err().to_string(),
            "\"..\" cannot be a folder name"
        );
    }

    #[test]
    fn content_types_come_from_the_client_or_the_extension() {
        assert_eq!(
            content_type(Some("application/pdf"), "x.bin"),
            "application/pdf"
        );
        assert_eq!(
            content_type(Some("Text/Plain; charset=utf-8"), "x"),
            "text/plain"
        );
        assert_eq!(
            content_type(Some("application/octet-stream"), "a.png"),
            "image/png"
        );
        assert_eq!(content_type(Some("not a type"), "a.pdf"), "application/pdf");
        assert_eq!(
            content_type(None, "noextension"),
            "application/octet-stream"
        );
    }

    #[test]
    fn only_harmless_types_are_shown_inline() {
        assert!(may_show_inline("application/pdf"));
        assert!(!may_show_inline("text/html"));
        assert!(!may_show_inline("image/svg+xml"));
    }

    #[test]
    fn dispositions_quote_safely_and_keep_the_exact_name() {
        assert_eq!(
            content_disposition("plain.pdf", false),
            "attachment; filename=\"plain.pdf\"; filename*=UTF-8''plain.pdf"
        );
        let tricky = content_disposition("a\"b\\c;d é.pdf", true);
        assert!(tricky.starts_with("inline; filename=\"a_b_c;d _.pdf\"; "));
        assert!(tricky.ends_with("filename*=UTF-8''a%22b%5Cc%3Bd%20%C3%A9.pdf"));
        // No raw control characters or line breaks can reach the header.
        assert!(!content_disposition("x\r\ny", false).contains('\n'));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_in_words(50 * 1024 * 1024), "50 MB");
        assert_eq!(size_in_words(1536 * 1024 * 1024), "1.5 GB");
        assert_eq!(size_in_words(900), "900 bytes");
    }
}
