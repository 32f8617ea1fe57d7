//! The host's one error type. Every handler returns `Result<T, AppError>`; the
//! response is the JSON shape API.md fixes:
//! `{"error": {"code": ..., "message": ..., "fields": {...}}}`.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Field name → what is wrong with it, in words a person can act on.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Invalid {
        message: String,
        fields: FieldErrors,
    },
    #[error("sign in first")]
    Unauthenticated,
    /// A sign-in that did not succeed, with the reason a person may see.
    #[error("{0}")]
    SignInRefused(String),
    #[error("missing permission `{permission}`")]
    Forbidden { permission: String },
    #[error("{0}")]
    ForbiddenOther(String),
    /// A write to a field the caller's role makes read-only or hidden, e.g.
    /// `applicant.passport_number`.
    #[error("{0} is read-only for your role")]
    ReadOnlyField(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        message: String,
        /// The current state of the record, so the client can show it.
        current: Option<serde_json::Value>,
    },
    /// A write to an applicant or case based on a version others changed
    /// since: the record now, and field by field what they changed.
    #[error("{message}")]
    EditConflict {
        message: String,
        current: serde_json::Value,
        /// The fields changed since the writer's version (see
        /// `records::timeline::FieldChange`).
        changes: serde_json::Value,
    },
    /// A new record that looks like existing ones: created only when the
    /// request confirms it.
    #[error(
        "{count} possible duplicate(s): check them, or send confirm_duplicates: true to create it anyway"
    )]
    PossibleDuplicates {
        count: usize,
        candidates: serde_json::Value,
    },
    #[error("{0}")]
    TooLarge(String),
    /// A method the route does not take; `allow` lists those it does.
    #[error("{method} is not allowed here; use {allow}")]
    MethodNotAllowed { method: String, allow: &'static str },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    QuotaExceeded(String),
    /// A module trapped, ran out of memory or time; the message names it.
    #[error("{message}")]
    ModuleFailed {
        module: String,
        status: u16,
        message: String,
    },
    /// The request's handler panicked; the panic was logged with the
    /// request's id, which the person is told.
    #[error("something went wrong on the server (request {request_id}); it has been logged")]
    Panicked { request_id: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Marker put on a refused response so the session layer, which knows the
/// caller and the client address, writes the audit row for it.
#[derive(Clone, Debug)]
pub struct Refusal {
    /// The audit action, e.g. `access.denied`.
    pub action: &'static str,
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of `invalid`, `unauthenticated`, `forbidden`, `not_found`,
    /// `conflict`, `too_large`, `rate_limited`, `quota_exceeded`,
    /// `module_failed`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// Per-field messages for `invalid`; absent otherwise.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
    /// For `forbidden`: the permission that was missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// For `conflict`: the record as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub current: Option<serde_json::Value>,
    /// For `conflict` on changing an applicant or a case: each field others
    /// changed since the version written against, `{field, from, to,
    /// by_user_id, by_name, at, collides}`, `collides` when the refused
    /// write set it to another value than it has now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub changes: Option<serde_json::Value>,
    /// For `conflict` on creating a record that looks like existing ones:
    /// each candidate with the reasons it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub candidates: Option<serde_json::Value>,
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid {
            message: message.into(),
            fields: FieldErrors::new(),
        }
    }

    /// A validation error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Invalid {
            message: format!("{field}: {message}"),
            fields: FieldErrors::from([(field.to_string(), message)]),
        }
    }

    /// A validation error from several fields; `Ok` when there are none.
    pub fn check_fields(fields: FieldErrors) -> Result<()> {
        if fields.is_empty() {
            return Ok(());
        }
        let message = fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(AppError::Invalid { message, fields })
    }

    /// The validation error of a non-empty set of field errors.
    pub fn check_fields_err(fields: FieldErrors) -> Self {
        match Self::check_fields(fields) {
            Err(e) => e,
            Ok(()) => AppError::invalid("the input is not valid"),
        }
    }

    pub fn forbidden(permission: &str) -> Self {
        AppError::Forbidden {
            permission: permission.to_string(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
            current: None,
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::SignInRefused(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. }
            | AppError::ForbiddenOther(_)
            | AppError::ReadOnlyField(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. }
            | AppError::EditConflict { .. }
            | AppError::PossibleDuplicates { .. } => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::QuotaExceeded(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::ModuleFailed { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            AppError::Database(_) | AppError::Internal(_) | AppError::Panicked { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::Unauthenticated | AppError::SignInRefused(_) => "unauthenticated",
            AppError::Forbidden { .. }
            | AppError::ForbiddenOther(_)
            | AppError::ReadOnlyField(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict { .. }
            | AppError::EditConflict { .. }
            | AppError::PossibleDuplicates { .. } => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::QuotaExceeded(_) => "quota_exceeded",
            AppError::ModuleFailed { .. } => "module_failed",
            AppError::Database(_) | AppError::Internal(_) | AppError::Panicked { .. } => "internal",
        }
    }
}

impl AppError {
    /// What the person who made the request is told. Server errors are
    /// hidden (and logged here), except those that are answers in
    /// themselves: a failing module, a full quota.
    pub fn message_for_people(&self) -> String {
        let told = matches!(
            self,
            AppError::ModuleFailed { .. } | AppError::QuotaExceeded(_) | AppError::Panicked { .. }
        );
        if self.status_code().is_server_error() && !told {
            tracing::error!(error = ?self, "request failed");
            "something went wrong on the server; it has been logged".to_string()
        } else {
            self.to_string()
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let message = self.message_for_people();
        let code = self.code();
        let mut fields = FieldErrors::new();
        let (mut permission, mut current, mut candidates, mut retry_after) =
            (None, None, None, None);
        let mut changes = None;
        let mut denied = None;
        let mut allow = None;
        match self {
            AppError::Invalid { fields: f, .. } => fields = f,
            AppError::Forbidden { permission: p } => {
                denied = Some(serde_json::json!({ "permission": p }));
                permission = Some(p);
            }
            AppError::ReadOnlyField(field) => {
                denied = Some(serde_json::json!({ "field": field }));
                fields.insert(field, "read-only for your role".into());
            }
            AppError::Conflict { current: c, .. } => current = c,
            AppError::EditConflict {
                current: c,
                changes: ch,
                ..
            } => {
                current = Some(c);
                changes = Some(ch);
            }
            AppError::PossibleDuplicates { candidates: c, .. } => candidates = Some(c),
            AppError::RateLimited { retry_after_secs } => retry_after = Some(retry_after_secs),
            AppError::MethodNotAllowed { allow: a, .. } => allow = Some(a),
            _ => {}
        }
        let denied = denied.map(|details| Refusal {
            action: "access.denied",
            details,
        });
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                fields,
                permission,
                current,
                changes,
                candidates,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(allow) = allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(denied) = denied {
            response.extensions_mut().insert(denied);
        }
        response
    }
}

/// Turns a unique-constraint violation into a field error; anything else stays
/// a database error. The one place constraint names become user messages.
pub fn unique_violation(err: sqlx::Error, field: &str, message: &str) -> AppError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return AppError::field(field, message);
    }
    AppError::Database(err)
}
