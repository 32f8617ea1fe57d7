//! A module's document in global search, as the `search` import takes it.

use serde::Serialize;

/// A module's document in global search (capability `search = true`).
/// People find it by its title and body while the module is enabled and
/// they hold `module:{id}` (and `permission`, when set).
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, SearchEntry, testing::TestHost};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nsearch = true\n[[permissions]]\nname = \"notes.read_all\"\ndescription = \"See everyone's notes\"");
/// let mut entry = SearchEntry {
///     id: "n1".into(),
///     title: "Call Ana back".into(),
///     body: "About her work permit\nDue on Friday".into(),
///     path: "/notes/n1".into(),
///     permission: Some("notes.read_all".into()),
/// };
/// host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&entry))?;
/// entry.permission = Some("billing.read".into()); // not the module's
/// assert!(host.with_ctx(&Caller::host(), |ctx| ctx.search_put(&entry)).is_err());
/// assert_eq!(host.search_docs()[0].entry.permission.as_deref(), Some("notes.read_all"));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchEntry {
    /// Unique within the module: 1 to 200 letters, digits and `- _ . : @`.
    pub id: String,
    /// 1 to 300 characters.
    pub title: String,
    /// At most 100 KiB; its first line is shown under the title.
    pub body: String,
    /// Where a result leads, below the module's page mount (`/m/{module}`):
    /// starts with `/`, without `..`, spaces or backslashes.
    pub path: String,
    /// The permission a person needs to see the result: one the module
    /// declares, `module:{id}`, or a host permission.
    pub permission: Option<String>,
}
