//! A message's attachments: their bytes, types and safe file names, within
//! the [`Limits`].

use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};

use super::Limits;

/// A file that came with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// A name safe to save and download under ([`safe_file_name`]).
    pub name: String,
    /// `type/subtype`, lowercased, without parameters.
    pub content_type: String,
    /// `bytes.len()`.
    pub size: usize,
    /// The decoded content. Text attachments are given in UTF-8, whatever
    /// their charset was; a forwarded message is its raw RFC 5322 bytes.
    pub bytes: Vec<u8>,
    /// The Content-ID without `<>`: what `cid:` URLs in the HTML refer to.
    pub content_id: Option<String>,
    /// Meant to be shown within the body (an image the HTML refers to)
    /// rather than listed: disposition `inline`, or no disposition and a
    /// Content-ID.
    pub inline: bool,
}

/// An attachment the [`Limits`] left out: what people are told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmittedAttachment {
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

/// The attachments of `message` (read from `raw`) that fit in `limits`,
/// and the ones that did not.
pub(super) fn collect(
    message: &Message<'_>,
    raw: &[u8],
    limits: Limits,
) -> (Vec<Attachment>, Vec<OmittedAttachment>) {
    let mut kept: Vec<Attachment> = Vec::new();
    let mut omitted = Vec::new();
    let mut total = 0usize;
    for part in message.attachments() {
        let Some(attachment) = attachment(part, raw) else {
            continue;
        };
        let fits = kept.len() < limits.max_attachments
            && total.saturating_add(attachment.size) <= limits.max_attachment_bytes;
        if fits {
            total += attachment.size;
            kept.push(attachment);
        } else {
            omitted.push(OmittedAttachment {
                name: attachment.name,
                content_type: attachment.content_type,
                size: attachment.size,
            });
        }
    }
    (kept, omitted)
}

fn attachment(part: &MessagePart<'_>, raw: &[u8]) -> Option<Attachment> {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(subtype) => format!("{}/{}", ct.ctype(), subtype),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| "text/plain".into())
        .to_ascii_lowercase();
    let (bytes, name) = match &part.body {
        PartType::Multipart(_) => return None,
        PartType::Message(nested) => {
            // A message/rfc822 part that is not encoded is read in place:
            // its bytes are the part's own stretch of the raw message.
            let bytes = match part.encoding {
                Encoding::None => raw
                    .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)
                    .unwrap_or_default()
                    .to_vec(),
                _ => nested.raw_message().to_vec(),
            };
            let name = part.attachment_name().map(str::to_owned).or_else(|| {
                nested
                    .subject()
                    .map(|subject| format!("{}.eml", subject.trim()))
            });
            (bytes, name)
        }
        _ => (
            part.contents().to_vec(),
            part.attachment_name().map(str::to_owned),
        ),
    };
    let content_id = part
        .content_id()
        .map(|id| id.trim().trim_start_matches('<').trim_end_matches('>'))
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let inline = match part.content_disposition() {
        Some(disposition) if disposition.is_inline() => true,
        Some(disposition) if disposition.is_attachment() => false,
        _ => content_id.is_some(),
    };
    Some(Attachment {
        name: safe_file_name(name.as_deref(), &content_type),
        size: bytes.len(),
        bytes,
        content_type,
        content_id,
        inline,
    })
}

/// The longest name kept, in characters (the extension is kept when a
/// longer one is cut).
const MAX_NAME_CHARS: usize = 120;

/// A file name safe to save and to offer for download: the last part of
/// `name` after any `/` or `\`, without control characters, without the
/// characters Windows refuses (`<>:"|?*`, made `_`), whitespace collapsed,
/// no leading dots (no hidden files, no `..`), no trailing dots or spaces,
/// at most 120 characters. A missing or empty name gets one from the
/// content type: `attachment.pdf`, `image.png`, `forwarded message.eml`.
pub fn safe_file_name(name: Option<&str>, content_type: &str) -> String {
    let last = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if cleaned.is_empty() {
        return default_name(content_type);
    }
    shorten(cleaned)
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| ext.chars().count() <= 10)
        .unwrap_or_default();
    let keep = MAX_NAME_CHARS - extension.chars().count() - usize::from(!extension.is_empty());
    let stem: String = name.chars().take(keep).collect();
    let stem = stem.trim_end_matches(['.', ' ']);
    if extension.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{extension}")
    }
}

/// `attachment.pdf`, `image.png`, `forwarded message.eml`, `attachment`.
fn default_name(content_type: &str) -> String {
    let stem = if content_type.starts_with("image/") {
        "image"
    } else if content_type == "message/rfc822" || content_type == "message/global" {
        "forwarded message"
    } else {
        "attachment"
    };
    match extension(content_type) {
        Some(extension) => format!("{stem}.{extension}"),
        None => stem.to_owned(),
    }
}

fn extension(content_type: &str) -> Option<&'static str> {
    Some(match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/tiff" => "tif",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "text/calendar" => "ics",
        "message/rfc822" | "message/global" => "eml",
        "application/zip" => "zip",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_their_folder_or_hide() {
        assert_eq!(
            safe_file_name(Some("../../etc/passwd"), "text/plain"),
            "passwd"
        );
        assert_eq!(
            safe_file_name(Some(r"..\..\windows\evil.exe"), "application/octet-stream"),
            "evil.exe"
        );
        assert_eq!(safe_file_name(Some(".htaccess"), "text/plain"), "htaccess");
        assert_eq!(
            safe_file_name(Some(".."), "application/pdf"),
            "attachment.pdf"
        );
        assert_eq!(
            safe_file_name(Some("a\u{0}b\r\nc\t d?.pdf "), "application/pdf"),
            "abc d_.pdf"
        );
        assert_eq!(
            safe_file_name(Some("Lettre d'invitation <final>.pdf."), "application/pdf"),
            "Lettre d'invitation _final_.pdf"
        );
        assert_eq!(
            safe_file_name(Some("passeport  José.jpg"), "image/jpeg"),
            "passeport José.jpg"
        );
    }

    #[test]
    fn missing_names_come_from_the_content_type() {
        assert_eq!(safe_file_name(None, "application/pdf"), "attachment.pdf");
        assert_eq!(safe_file_name(Some("  "), "image/png"), "image.png");
        assert_eq!(
            safe_file_name(None, "message/rfc822"),
            "forwarded message.eml"
        );
        assert_eq!(safe_file_name(None, "application/x-unknown"), "attachment");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let name = safe_file_name(Some(&long), "application/pdf");
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("éé.pdf"), "{name}");
        let no_extension = "x".repeat(300);
        assert_eq!(
            safe_file_name(Some(&no_extension), "text/plain").len(),
            MAX_NAME_CHARS
        );
    }
}
