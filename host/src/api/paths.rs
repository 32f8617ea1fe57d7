//! Where routes are mounted, for the layers that treat some paths apart:
//! modules' routes (`/api/v1/m/{id}/…`, `/m/{id}/…`), with their own body
//! limit and form handling, and the upload targets of files.

use crate::state::AppState;

/// Whether `path` is one where files are uploaded (the API's and the pages'
/// form targets), for the CSRF check of browser upload forms.
pub fn is_upload_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["api", "v1", "applicants" | "cases", id, "files"] | ["applicants" | "cases", id, "files"]
            if !id.is_empty()
    )
}

/// The form of Settings → Practice that uploads the logo
/// (`multipart/form-data`, read whole within the request limit).
pub fn is_logo_form_path(path: &str) -> bool {
    path.trim_end_matches('/') == "/settings/practice/logo"
}

/// The module whose routes `path` belongs to: `/api/v1/m/{id}/…` or
/// `/m/{id}/…`.
pub fn module_of_path(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/api/v1/m/")
        .or_else(|| path.strip_prefix("/m/"))?;
    let id = rest.split('/').next().unwrap_or_default();
    (!id.is_empty()).then_some(id)
}

/// The largest raw message a mail server may post to a mailbox's pipe.
pub const MAIL_PIPE_MAX_BYTES: usize = 25 * 1024 * 1024;

/// Whether `path` is a mailbox's pipe (`/api/v1/mailboxes/{id}/messages`).
pub fn is_mail_pipe_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["api", "v1", "mailboxes", id, "messages"] if !id.is_empty())
}

/// The largest request body `path` takes: for a module's routes, the
/// module's `limits.request-mb` when that is more than the server's limit;
/// for a mailbox's pipe, a whole message.
pub fn request_limit(state: &AppState, path: &str) -> usize {
    if is_mail_pipe_path(path) {
        return MAIL_PIPE_MAX_BYTES;
    }
    match module_of_path(path).and_then(|id| state.modules.get(id)) {
        Some(module) => module_request_limit(state, &module),
        None => state.config.max_body_bytes,
    }
}

/// The largest request body `module`'s routes take.
pub fn module_request_limit(state: &AppState, module: &crate::state::call::LoadedModule) -> usize {
    let own = module.manifest.limits.request_mb as usize * 1024 * 1024;
    own.max(state.config.max_body_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_paths_are_the_owners_files_routes_only() {
        assert!(is_upload_path("/api/v1/applicants/abc/files"));
        assert!(is_upload_path("/api/v1/cases/abc/files"));
        assert!(is_upload_path("/applicants/abc/files"));
        assert!(is_upload_path("/cases/abc/files/"));
        assert!(!is_upload_path("/api/v1/applicants/abc"));
        assert!(!is_upload_path("/api/v1/files/abc"));
        assert!(!is_upload_path("/api/v1/trash/file/abc/restore"));
        assert!(!is_upload_path("/api/v1/users/abc/files"));
    }
}
