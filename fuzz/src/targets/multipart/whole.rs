//! A form with files read whole, as the host reads the two forms it holds
//! in memory before answering:
//!
//! - a form posted to a module's routes, whose token the CSRF check finds
//!   in its first `_csrf` part, read as text (`api::csrf`,
//!   `multipart_carries_token`);
//! - the practice's logo form, whose `logo` part is read as bytes
//!   (`web::settings::practice_logo`, `logo_part`) and then told by
//!   `practices::logo::image::checked_type`.
//!
//! Both readers are private to the host, so `multer` is driven here as
//! they drive it: the boundary from the Content-Type by
//! `multer::parse_boundary`, the whole body as one chunk, no constraints;
//! the logo's check is the host's own. A third reading keeps every part
//! whole: what an upload streamed is compared with it.

use bytes::Bytes;
use futures_util::stream;
use immcase_host::practices::logo::image;
use multer::Multipart;

/// The host's name of the form token's part.
const TOKEN: &str = immcase_host::api::csrf::FIELD;

/// One part of a form, read whole.
#[derive(Debug)]
pub struct Part {
    pub name: Option<String>,
    pub bytes: Bytes,
}

/// The form's parts in order, or `None` when the body cannot be read to
/// its end.
pub async fn parts(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let mut form = form(content_type, body)?;
    let mut parts = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().map(str::to_string);
                let bytes = field.bytes().await.ok()?;
                parts.push(Part { name, bytes });
            }
            Ok(None) => return Some(parts),
            Err(_) => return None,
        }
    }
}

/// The text of the first `_csrf` part, as the CSRF check reads it (the
/// parts before it skipped unread, a part that cannot be read as empty
/// text, a form it cannot read as none).
pub async fn form_token(content_type: &str, body: &[u8]) -> Option<String> {
    let mut form = form(content_type, body)?;
    while let Ok(Some(part)) = form.next_field().await {
        if part.name() == Some(TOKEN) {
            return Some(part.text().await.unwrap_or_default());
        }
    }
    None
}

/// The logo form's image, as its page reads it, and the host's check of
/// it: `None` when no image was chosen or the form cannot be read.
pub async fn logo(content_type: &str, body: &[u8]) -> Option<Result<&'static str, String>> {
    let mut form = form(content_type, body)?;
    loop {
        match form.next_field().await {
            Ok(Some(part)) if part.name() == Some("logo") => {
                let chosen = part.file_name().is_some_and(|n| !n.is_empty());
                let bytes = part.bytes().await.ok()?;
                if !chosen && bytes.is_empty() {
                    return None;
                }
                return Some(image::checked_type(&bytes).map_err(|e| e.to_string()));
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}

/// A reader of the whole body, when the Content-Type names a boundary.
fn form(content_type: &str, body: &[u8]) -> Option<Multipart<'static>> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let body = Bytes::copy_from_slice(body);
    let whole = stream::once(async move { Ok::<_, std::io::Error>(body) });
    Some(Multipart::new(whole, boundary))
}
