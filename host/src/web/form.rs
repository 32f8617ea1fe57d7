//! HTML form posts: `application/x-www-form-urlencoded` bodies, where a
//! field may repeat (a group of checkboxes) and an unticked box is absent.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors};

/// A form body read into `T` (repeated fields into `Vec`s). The `_csrf`
/// field has been checked by the CSRF layer and is ignored here.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, AppError> {
        // The CSRF layer has already read (and limited) every form body.
        let body = axum::body::to_bytes(req.into_body(), 16 * 1024 * 1024)
            .await
            .map_err(|e| AppError::invalid(format!("the form could not be read: {e}")))?;
        serde_html_form::from_bytes(&body)
            .map(Form)
            .map_err(|e| AppError::invalid(format!("the form is not what this page takes: {e}")))
    }
}

/// The field errors of a validation error, or one general message for any
/// other error: what a form shows beside its fields and above them.
pub fn problems(error: &AppError) -> (FieldErrors, Option<String>) {
    match error {
        AppError::Invalid { fields, .. } if !fields.is_empty() => (fields.clone(), None),
        other => (FieldErrors::new(), Some(other.to_string())),
    }
}

/// Whether an error is something the person can correct in the form (shown
/// on the form) rather than a failure to report as an error page.
pub fn is_for_the_form(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::EditConflict { .. }
            | AppError::SignInRefused(_)
            | AppError::RateLimited { .. }
    )
}

/// A checkbox: ticked when present with any value.
pub fn ticked(value: &Option<String>) -> bool {
    value.is_some()
}
