//! The stylesheet and script of the pages, built into the binary and served
//! under names that carry a hash of their content: a browser may keep them
//! forever, and a new release changes the names.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::api::Path;
use crate::error::{AppError, ErrorBody};

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");

pub struct Urls {
    pub css: String,
    pub js: String,
}

fn named(stem: &str, ext: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/assets/{stem}.{short}.{ext}")
}

static URLS: LazyLock<Urls> = LazyLock::new(|| Urls {
    css: named("app", "css", CSS),
    js: named("app", "js", JS),
});

/// Where the pages find the stylesheet and the script.
pub fn urls() -> &'static Urls {
    &URLS
}

/// The page stylesheet or script, by its hashed name.
#[utoipa::path(get, path = "/assets/{file}", tag = "pages", params(("file" = String, Path, description = "A name the pages link to, such as app.1a2b3c4d5e6f.css")),
    responses((status = 200, description = "The stylesheet or script; cacheable for a year", content_type = "text/css"),
        (status = 404, body = ErrorBody, description = "No such asset (names change with each release)")))]
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    let urls = urls();
    let path = format!("/assets/{file}");
    let (content, kind) = if path == urls.css {
        (CSS, "text/css; charset=utf-8")
    } else if path == urls.js {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return AppError::NotFound("asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        content,
    )
        .into_response()
}
