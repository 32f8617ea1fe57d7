//! The signed-in person making a request, as the host knows them: their
//! practice, roles, permissions and field rules. The session layer puts one
//! in each signed-in request; handlers, layers and module calls share it.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::permissions::{self, FieldRules};
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// A signed-in person; cheap to clone (clones share one [`SignedIn`]).
#[derive(Clone, Debug)]
pub struct Caller(Arc<SignedIn>);

impl Caller {
    pub fn new(signed_in: SignedIn) -> Caller {
        Caller(Arc::new(signed_in))
    }
}

impl Deref for Caller {
    type Target = SignedIn;

    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

/// Who a [`Caller`] is.
#[derive(Debug)]
pub struct SignedIn {
    pub practice: Practice,
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub time_zone: String,
    pub role_ids: Vec<String>,
    pub permissions: BTreeSet<String>,
    pub field_rules: FieldRules,
    /// The token HTML forms of this session carry (see `api::csrf`).
    pub form_token: String,
    /// A one-time message for the next page this session renders.
    pub flash: Option<String>,
    /// The address the request came from, for the audit log.
    pub client_addr: String,
    pub(crate) session_hash: String,
    /// Set when the caller is a workflow acting with its role.
    pub acting: Option<Acting>,
}

/// A workflow acting as a caller: which one, and how many workflow runs
/// led to this one (0 when a person's change or a schedule started it).
#[derive(Clone, Debug)]
pub struct Acting {
    pub workflow_id: String,
    pub chain: i64,
}

impl SignedIn {
    pub fn can(&self, permission: &str) -> bool {
        permissions::grants(&self.permissions, permission)
    }

    /// `Ok` when the caller holds `permission`; otherwise a 403 naming it.
    pub fn require(&self, permission: &str) -> Result<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(permission))
        }
    }

    /// `Ok` when the caller holds any of `permissions`; the 403 names the first.
    pub fn require_any(&self, permissions: &[&str]) -> Result<()> {
        if permissions.iter().any(|p| self.can(p)) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                permissions.first().copied().unwrap_or(""),
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Caller>().cloned())
    }
}
