//! Access: users, roles, permissions and field rules. A role is a set of
//! permission strings plus field rules; a person's permissions are the union
//! of their roles'. A missing permission is a 403 that names it.

mod caller;
pub mod list_views;
pub mod operators;
pub mod people;
pub mod permissions;
pub mod roles;
pub mod users;

pub use caller::Acting;
pub use caller::{Caller, SignedIn};

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use crate::db::Tx;
use crate::error::{AppError, Result};
use crate::practices::Practice;

/// The permissions that make a practice manageable; some enabled user must
/// always hold both, or nobody could fix the practice's access again.
const ADMIN_PERMISSIONS: [&str; 2] = ["users.manage", "roles.manage"];

/// Refuses (409) a change that would leave no enabled user holding both
/// `users.manage` and `roles.manage`. Called inside the changing transaction.
pub async fn ensure_an_administrator_remains(tx: &mut Tx, practice: &Practice) -> Result<()> {
    let rows = sqlx::query(
        "SELECT ur.user_id, r.permissions FROM user_roles ur \
         JOIN users u ON u.id = ur.user_id AND u.practice_id = ur.practice_id \
         JOIN roles r ON r.id = ur.role_id AND r.practice_id = ur.practice_id \
         WHERE ur.practice_id = $1 AND u.disabled_at IS NULL",
    )
    .bind(practice.id())
    .fetch_all(&mut **tx)
    .await?;
    let mut held: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        let perms: Vec<String> =
            serde_json::from_str(row.try_get("permissions")?).unwrap_or_default();
        held.entry(row.try_get("user_id")?)
            .or_default()
            .extend(perms);
    }
    let someone = held.values().any(|perms| {
        ADMIN_PERMISSIONS
            .iter()
            .all(|p| permissions::grants(perms, p))
    });
    if someone {
        Ok(())
    } else {
        Err(AppError::conflict(
            "this would leave nobody able to manage users and roles; keep at least one enabled user with users.manage and roles.manage",
        ))
    }
}
