//! Loading a module under development into a running local server, for
//! `immcase plugin dev`: a server started with `--dev` writes a token to
//! `DATA_DIR/plugins/dev.token` (readable by its owner only), and answers
//! `POST /api/v1/server/dev/modules` from this machine with that token: the
//! body is a package (the component carrying its plugin.toml), compiled and
//! linked beside the running modules and swapped in when it loads, so the
//! version before serves until then. A refusal is the loader's own words.
//! Nothing is kept: a restart serves what was installed.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{ClientAddr, Json};
use crate::error::{AppError, ErrorBody, Result};
use crate::state::AppState;

/// The largest package loaded this way.
pub const MAX_DEV_PACKAGE: usize = 256 * 1024 * 1024;

/// The file the token is kept in, in the data folder.
pub fn token_file(config: &crate::config::Config) -> std::path::PathBuf {
    config.plugins_dir().join("dev.token")
}

/// Writes a new token for this start of the server (with `--dev`).
pub fn write_token(config: &crate::config::Config) -> anyhow::Result<()> {
    let path = token_file(config);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(&path);
    crate::secrets::write_private(&path, &crate::secrets::random_token())?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct DevLoaded {
    pub id: String,
    pub version: String,
    /// Its pages, when it has any (`/m/{id}/`).
    pub page: String,
    pub compile_ms: u64,
}

/// Loads a module under development (the server runs with `--dev`; from
/// this machine, with the token in `DATA_DIR/plugins/dev.token`).
#[utoipa::path(post, path = "/api/v1/server/dev/modules", tag = "server",
    request_body(content = Vec<u8>, content_type = "application/wasm", description = "The package: the component carrying its plugin.toml"),
    responses((status = 200, body = DevLoaded), (status = 403, body = ErrorBody, description = "Not from this machine, a wrong token, or the server runs without --dev"),
        (status = 409, body = ErrorBody, description = "The server's refusal: the manifest, the host API, an import"),
        (status = 413, body = ErrorBody)))]
pub async fn load(
    State(state): State<AppState>,
    client: ClientAddr,
    req: Request<Body>,
) -> Result<Json<DevLoaded>> {
    if !state.config.dev_modules {
        return Err(AppError::ForbiddenOther(
            "this server does not load modules under development: start it with --dev".into(),
        ));
    }
    let local = client
        .0
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    let expected = std::fs::read_to_string(token_file(&state.config)).unwrap_or_default();
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    // Checked before a byte of the body is read.
    // Compared as digests: the time taken says nothing about the token.
    let digest = |t: &str| ring::digest::digest(&ring::digest::SHA256, t.trim().as_bytes());
    let matches = digest(&expected).as_ref() == digest(&given).as_ref();
    if !local || expected.trim().is_empty() || !matches {
        return Err(AppError::ForbiddenOther(
            "modules under development are loaded from this machine, with the token in DATA_DIR/plugins/dev.token".into(),
        ));
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_DEV_PACKAGE)
        .await
        .map_err(|_| AppError::TooLarge(format!("a package is at most {MAX_DEV_PACKAGE} bytes")))?;
    let manifest = immcase_registry::package::embedded_manifest(&bytes)
        .map_err(|e| AppError::conflict(format!("not a package: {e}")))?;
    let parsed = immcase_manifest::Manifest::parse(&manifest)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    let source = super::ModuleSource {
        origin: format!("dev:{}", parsed.id),
        manifest: manifest.into(),
        wasm: bytes.to_vec().into(),
    };
    let started = std::time::Instant::now();
    let loaded = super::installs::load(&state, source).await?;
    let compile_ms = started.elapsed().as_millis() as u64;
    state.modules.replace(|rt| rt.with_module(loaded.clone()));
    super::installs::refresh(&state).await;
    tracing::info!(module = %parsed.id, version = %parsed.version, compile_ms, "module under development loaded");
    Ok(Json(DevLoaded {
        page: format!("/m/{}/", parsed.id),
        id: parsed.id,
        version: parsed.version.to_string(),
        compile_ms,
    }))
}
