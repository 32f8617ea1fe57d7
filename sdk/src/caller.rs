//! Who a call is for.

use serde::{Deserialize, Serialize};

use crate::wit::immcase::plugin::types::Caller as WitCaller;

/// The person (or the host itself, for events and timers) a call is for.
///
/// Informational: the host checks every import against the caller it holds,
/// so a module uses this to decide what to show and to refuse early.
///
/// A request to one of the module's public paths (`public = ["/feeds/"]` in
/// `plugin.toml`, host API 0.2.2) comes without a session and is anonymous,
/// even when the client sent one: `user_id` is `None`, there are no
/// permissions, `email` and `display_name` are empty and `time_zone` is the
/// practice's. [`Caller::is_person`] is false; the module checks the secret
/// token it put in the path before it answers.
///
/// ```
/// use immcase_sdk::{Caller, Ctx};
///
/// let caller = Caller {
///     practice: "north-legal".into(),
///     display_name: "Ana Ruiz".into(),
///     ..Caller::default()
/// };
/// let ctx = Ctx::new(caller);
/// assert_eq!(ctx.caller().display_name, "Ana Ruiz");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The practice's slug.
    pub practice: String,
    /// Absent for calls the host makes on its own (events, timers) and for
    /// anonymous requests to the module's public paths.
    pub user_id: Option<String>,
    /// The person's email address (empty for the host itself).
    pub email: String,
    /// The person's name as the practice shows it.
    pub display_name: String,
    /// IANA name, e.g. `America/Toronto`.
    pub time_zone: String,
    /// Every permission the caller holds.
    pub permissions: Vec<String>,
    /// The practice's address without a trailing `/`
    /// (`https://acme.immcase.example`), for links in mail; see
    /// [`Caller::link`].
    pub practice_url: String,
}

impl Caller {
    /// Whether the caller holds `permission`: listed exactly, or covered by a
    /// held entry ending in `*` (`module:*` covers `module:notes`; `*` covers
    /// everything). This is the host's rule.
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let caller = Caller {
    ///     permissions: vec!["module:*".into(), "notes.manage_all".into()],
    ///     ..Caller::default()
    /// };
    /// assert!(caller.can("module:notes"));
    /// assert!(caller.can("notes.manage_all"));
    /// assert!(!caller.can("cases:write"));
    /// ```
    pub fn can(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|held| match held.strip_suffix('*') {
                Some(prefix) => permission.starts_with(prefix),
                None => held == permission,
            })
    }

    /// Whether the call is for a signed-in person (not the host itself).
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let person = Caller {
    ///     user_id: Some("0190f1c2-7a4b-7c3d-9e8f-123456789abc".into()),
    ///     ..Caller::default()
    /// };
    /// assert!(person.is_person());
    /// assert!(!Caller::default().is_person()); // an event or a timer
    /// ```
    pub fn is_person(&self) -> bool {
        self.user_id.is_some()
    }

    /// An absolute link to `path` of the practice, for mail (a page links
    /// with the path alone).
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let caller = Caller {
    ///     practice_url: "https://acme.immcase.example".into(),
    ///     ..Caller::default()
    /// };
    /// assert_eq!(
    ///     caller.link("/m/notes/notes/n1"),
    ///     "https://acme.immcase.example/m/notes/notes/n1"
    /// );
    /// ```
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.practice_url.trim_end_matches('/'))
    }
}

impl From<WitCaller> for Caller {
    fn from(caller: WitCaller) -> Self {
        Self {
            practice: caller.practice,
            user_id: caller.user_id,
            email: caller.email,
            display_name: caller.display_name,
            time_zone: caller.time_zone,
            permissions: caller.permissions,
            practice_url: caller.practice_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(permissions: &[&str]) -> Caller {
        Caller {
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            ..Caller::default()
        }
    }

    #[test]
    fn exact_permissions() {
        let caller = holding(&["notes.manage_all", "module:notes"]);
        assert!(caller.can("notes.manage_all"));
        assert!(caller.can("module:notes"));
        assert!(!caller.can("notes.manage"));
        assert!(!caller.can("notes.manage_all.extra"));
        assert!(!caller.can("module:notes-extra"));
    }

    #[test]
    fn wildcards_cover_what_they_prefix() {
        let caller = holding(&["module:*", "notes.*"]);
        assert!(caller.can("module:notes"));
        assert!(caller.can("module:"));
        assert!(caller.can("notes.manage_all"));
        assert!(!caller.can("modules:notes"));
        assert!(!caller.can("helpdesk.ticket.assign"));
        assert!(holding(&["*"]).can("anything.at.all"));
        assert!(!holding(&[]).can("module:notes"));
    }

    #[test]
    fn a_star_inside_is_literal() {
        let caller = holding(&["a*b"]);
        assert!(caller.can("a*b"));
        assert!(!caller.can("axb"));
    }
}
