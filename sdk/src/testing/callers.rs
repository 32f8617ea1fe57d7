//! Callers a test makes calls for: a person with the permissions their
//! roles would give, or the host itself (events, timers, workflows).

use crate::caller::Caller;
use crate::wit::immcase::plugin::types::Caller as WitCaller;

impl Caller {
    /// A signed-in person of the practice holding `permissions` (wildcards
    /// as the host reads them: `module:*`, `*`). Their email is
    /// `{user_id}@example.com`, their name `user_id` and their time zone
    /// UTC until changed with [`Caller::named`], [`Caller::with_email`] and
    /// [`Caller::in_time_zone`].
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let ana = Caller::person("ana", &["module:notes"]).named("Ana Díaz");
    /// assert!(ana.can("module:notes") && !ana.can("notes.manage_all"));
    /// assert_eq!(ana.email, "ana@example.com");
    /// ```
    pub fn person(user_id: &str, permissions: &[&str]) -> Self {
        Self {
            practice: super::PRACTICE.to_owned(),
            user_id: Some(user_id.to_owned()),
            email: format!("{user_id}@example.com"),
            display_name: user_id.to_owned(),
            time_zone: "UTC".to_owned(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            practice_url: super::PRACTICE_URL.to_owned(),
        }
    }

    /// The host on its own, as it calls `on_event`, `on_timer` and actions
    /// of workflows: no person, no permissions, reading with the module's
    /// own rights.
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// assert!(!Caller::host().is_person());
    /// ```
    pub fn host() -> Self {
        Self {
            practice: super::PRACTICE.to_owned(),
            user_id: None,
            email: String::new(),
            display_name: "ImmCase".to_owned(),
            time_zone: "UTC".to_owned(),
            permissions: Vec::new(),
            practice_url: super::PRACTICE_URL.to_owned(),
        }
    }

    /// Nobody signed in, as the host calls `handle_http` for a request to a
    /// public path of the manifest (`public = ["/feeds/"]`, host API 0.2.2):
    /// no person, no permissions, an empty email and name, and the
    /// practice's time zone (UTC here).
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let nobody = Caller::anonymous();
    /// assert!(!nobody.is_person());
    /// assert!(nobody.display_name.is_empty() && nobody.permissions.is_empty());
    /// ```
    pub fn anonymous() -> Self {
        Self {
            display_name: String::new(),
            ..Self::host()
        }
    }

    /// The same caller with this display name.
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let ana = Caller::person("ana", &[]).named("Ana Díaz");
    /// assert_eq!((ana.display_name.as_str(), ana.user_id.as_deref()), ("Ana Díaz", Some("ana")));
    /// ```
    pub fn named(mut self, display_name: &str) -> Self {
        self.display_name = display_name.to_owned();
        self
    }

    /// The same caller with this email address.
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// let ana = Caller::person("ana", &[]).with_email("ana.diaz@northlegal.example");
    /// assert_eq!(ana.email, "ana.diaz@northlegal.example");
    /// ```
    pub fn with_email(mut self, email: &str) -> Self {
        self.email = email.to_owned();
        self
    }

    /// The same caller in this IANA time zone.
    ///
    /// ```
    /// use immcase_sdk::Caller;
    ///
    /// assert_eq!(Caller::person("ana", &[]).time_zone, "UTC");
    /// let ana = Caller::person("ana", &[]).in_time_zone("America/Toronto");
    /// assert_eq!(ana.time_zone, "America/Toronto");
    /// ```
    pub fn in_time_zone(mut self, time_zone: &str) -> Self {
        self.time_zone = time_zone.to_owned();
        self
    }
}

impl From<&Caller> for WitCaller {
    fn from(caller: &Caller) -> Self {
        Self {
            // The host names its own practice, whatever the copy says.
            practice: super::PRACTICE.to_owned(),
            user_id: caller.user_id.clone(),
            email: caller.email.clone(),
            display_name: caller.display_name.clone(),
            time_zone: caller.time_zone.clone(),
            permissions: caller.permissions.clone(),
            practice_url: super::PRACTICE_URL.to_owned(),
        }
    }
}
