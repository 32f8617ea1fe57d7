//! The logo's forms of Settings → Practice: an upload
//! (`multipart/form-data`, the form token in `_csrf`, the image in `logo`)
//! and "Remove logo", on the functions of `/api/v1/practice/logo`. A
//! refusal shows the page again with the reason at the top of the logo's
//! form; success goes back to the page with a message.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::practice::logo_refused;
use crate::access::Caller;
use crate::error::{AppError, Result};
use crate::practices::logo;
use crate::practices::settings::MANAGE;
use crate::state::AppState;
use crate::web::form::is_for_the_form;
use crate::web::shell::saved;

const PAGE: &str = "/settings/practice";

/// The upload form: the token, then the image.
#[derive(Deserialize, ToSchema)]
pub struct LogoForm {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
    /// `logo`: a PNG, JPEG or SVG image of at most 512 KiB.
    #[serde(rename = "logo")]
    #[schema(value_type = String, format = Binary)]
    _logo: Option<String>,
}

/// The form token.
#[derive(Deserialize, ToSchema)]
pub struct RemoveLogoForm {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
}

/// The bytes of the `logo` part of a multipart body; none when it has no
/// such part or the person chose no file.
async fn logo_part(headers: &HeaderMap, body: Bytes) -> Result<Option<Vec<u8>>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::invalid("send the form as multipart/form-data"))?;
    let whole = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(whole, boundary);
    loop {
        match parts.next_field().await {
            Ok(Some(part)) if part.name() == Some("logo") => {
                let chosen = part.file_name().is_some_and(|n| !n.is_empty());
                let bytes = part
                    .bytes()
                    .await
                    .map_err(|e| AppError::invalid(format!("the form could not be read: {e}")))?;
                return Ok((chosen || !bytes.is_empty()).then(|| bytes.to_vec()));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(AppError::invalid(format!(
                    "the form could not be read: {e}"
                )));
            }
        }
    }
}

/// Uploads the practice's logo, replacing the one before; back to the page
/// with "Logo saved.", or the page again with the reason at the top of the
/// logo's form.
#[utoipa::path(post, path = "/settings/practice/logo", tag = "pages",
    request_body(content = LogoForm, content_type = "multipart/form-data"),
    responses((status = 303, description = "Saved: back to the page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or the form token is stale", content_type = "text/html"),
        (status = 422, description = "The page again, the reason at the top of the logo's form", content_type = "text/html")))]
pub(super) async fn save(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    caller.require(MANAGE)?;
    let attempt = async {
        let image = logo_part(&headers, body)
            .await?
            .ok_or_else(|| AppError::invalid("Choose an image file to upload as the logo"))?;
        logo::save(&state, &caller, &image).await
    };
    match attempt.await {
        Ok(_) => Ok(saved(PAGE, "Logo saved.")),
        Err(e) if is_for_the_form(&e) => logo_refused(&state, &caller, e.to_string()).await,
        Err(e) => Err(e),
    }
}

/// Removes the practice's logo; back to the page with a message.
#[utoipa::path(post, path = "/settings/practice/logo/remove", tag = "pages",
    request_body(content = RemoveLogoForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Removed (or there was none): back to the page, with a message"),
        (status = 403, description = "A page saying `practice.manage` is needed, or the form token is stale", content_type = "text/html")))]
pub(super) async fn remove(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    caller.require(MANAGE)?;
    match logo::remove(&state, &caller).await {
        Ok(()) => Ok(saved(PAGE, "Logo removed.")),
        Err(AppError::NotFound(_)) => Ok(saved(PAGE, "The practice has no logo.")),
        Err(e) => Err(e),
    }
}
