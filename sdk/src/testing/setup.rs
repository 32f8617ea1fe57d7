//! What a test sets up before its calls: the practice's people, its
//! applicants and cases (and the roles' field rules), files, other modules'
//! actions, and the module's settings.

use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

use super::TestHost;
use super::world::{RecordKind, Seeded};
use crate::caller::Caller;
use crate::error::Result;
use crate::files::FileInfo;
use crate::people::Person;
use crate::plugin::Plugin;
use crate::practice::Letterhead;
use crate::records::{Applicant, Case};

impl<P: Plugin> TestHost<P> {
    /// Adds a person to the practice's directory (active), holding the
    /// caller's permissions for [`crate::Ctx::people_holding`].
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\ndirectory = true",
    /// );
    /// host.add_person(&Caller::person("lee", &["m.manage"]).named("Lee"));
    /// host.add_person(&Caller::person("kim", &[]));
    /// let managers = host.with_ctx(&Caller::host(), |ctx| ctx.people_holding("m.manage"))?;
    /// assert_eq!(managers.len(), 1);
    /// assert_eq!(managers[0].display_name, "Lee");
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_person(&self, person: &Caller) {
        let id = person
            .user_id
            .clone()
            .unwrap_or_else(|| panic!("add_person needs a person (Caller::person), not the host"));
        let entry = Person {
            id: id.clone(),
            email: person.email.clone(),
            display_name: person.display_name.clone(),
            time_zone: person.time_zone.clone(),
            active: true,
        };
        let mut world = self.shared.world.borrow_mut();
        world.people.insert(id, (entry, person.permissions.clone()));
    }

    /// Disables (or enables again) a person's account.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\ndirectory = true");
    /// host.add_person(&Caller::person("lee", &[]));
    /// host.set_active("lee", false);
    /// let lee = host.with_ctx(&Caller::host(), |ctx| ctx.person("lee"))?;
    /// assert_eq!(lee.map(|p| p.active), Some(false));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn set_active(&self, person_id: &str, active: bool) {
        if let Some((person, _)) = self.shared.world.borrow_mut().people.get_mut(person_id) {
            person.active = active;
        }
    }

    /// Adds an applicant to the practice, as seen with every field (field
    /// rules apply when a person reads it; its own `hidden` is ignored).
    /// Times left at 0 are the host's clock.
    ///
    /// ```
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Router, testing::{START, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&Applicant {
    ///     emails: vec!["ana@example.com".into()],
    ///     ..Applicant::new("a1", "Ana", "Díaz")
    /// });
    /// let found = host.with_ctx(&Caller::host(), |ctx| ctx.applicants_by_email("ana@example.com"))?;
    /// assert_eq!((found[0].display_name().as_str(), found[0].created_at), ("Ana Díaz", START));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_applicant(&self, applicant: &Applicant) {
        let mut world = self.shared.world.borrow_mut();
        let now = world.now;
        let mut record = applicant.clone();
        record.hidden.clear();
        (record.created_at, record.updated_at) = times(record.created_at, record.updated_at, now);
        world.applicants.push(Seeded {
            record,
            trashed: false,
        });
    }

    /// Adds a case to the practice, as seen with every field (as for
    /// [`TestHost::add_applicant`]); [`crate::Ctx::case_by_folio`] finds it
    /// by its `folio`, and its `applicant_id` lists the applicant's files
    /// with the case's.
    ///
    /// ```
    /// # use immcase_sdk::{Applicant, Caller, Case, Plugin, Router, testing::TestHost};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"cases:read\"]\nfiles = true");
    /// host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    /// host.add_case(&Case { applicant_id: Some("a1".into()), ..Case::new("c1", "CAS014") });
    /// host.add_file("applicant:a1", "passport.pdf", "application/pdf", b"%PDF-1.7");
    /// let files = host.with_ctx(&Caller::host(), |ctx| ctx.files("case:c1"))?;
    /// assert_eq!(files[0].name, "passport.pdf");
    /// assert_eq!(files[0].owner, "applicant:a1"); // listed with the case's own
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_case(&self, case: &Case) {
        let mut world = self.shared.world.borrow_mut();
        let now = world.now;
        let mut record = case.clone();
        record.hidden.clear();
        (record.created_at, record.updated_at) = times(record.created_at, record.updated_at, now);
        world.cases.push(Seeded {
            record,
            trashed: false,
        });
    }

    /// Puts an applicant or a case in the trash: reads say not found.
    ///
    /// ```
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Router, testing::{RecordKind, TestHost}};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    /// assert!(host.with_ctx(&Caller::host(), |ctx| ctx.applicant("a1")).is_ok());
    /// host.trash(RecordKind::Applicant, "a1");
    /// let read = host.with_ctx(&Caller::host(), |ctx| ctx.applicant("a1"));
    /// assert_eq!(read.map_err(|e| e.status()), Err(404));
    /// ```
    pub fn trash(&self, kind: RecordKind, id: &str) {
        let mut world = self.shared.world.borrow_mut();
        match kind {
            RecordKind::Applicant => world
                .applicants
                .iter_mut()
                .filter(|a| a.record.id == id)
                .for_each(|a| a.trashed = true),
            RecordKind::Case => world
                .cases
                .iter_mut()
                .filter(|c| c.record.id == id)
                .for_each(|c| c.trashed = true),
        }
    }

    /// The field rules of the practice's roles: `rules` names the fields of
    /// a kind of record that a person's roles hide, by their JSON API names
    /// (`passport_number`, `responsible_user_id`). A person then reads them
    /// empty (`None`, or an empty list) and named in the record's `hidden`,
    /// as from the host; the identity (`id`, `version`, `folio`, the times)
    /// is never hidden, and calls the host makes on its own see every field.
    ///
    /// # Panics
    ///
    /// When a rule names no field of the record (on the read it applies to).
    ///
    /// ```
    /// # use immcase_sdk::testing::{RecordKind, TestHost};
    /// # use immcase_sdk::{Applicant, Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<M>::from_manifest("id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&Applicant {
    ///     passport_number: Some("X1".into()),
    ///     ..Applicant::new("a1", "Ana", "Díaz")
    /// });
    /// host.field_rules(|caller, kind| match kind {
    ///     RecordKind::Applicant if !caller.can("passports.read") => vec!["passport_number"],
    ///     _ => vec![],
    /// });
    /// let clerk = Caller::person("clerk", &["applicants.read"]);
    /// let seen = host.with_ctx(&clerk, |ctx| ctx.applicant("a1"))?;
    /// assert_eq!((seen.passport_number, seen.hidden), (None, vec!["passport_number".to_owned()]));
    /// let consul = Caller::person("consul", &["applicants.read", "passports.read"]);
    /// let seen = host.with_ctx(&consul, |ctx| ctx.applicant("a1"))?;
    /// assert_eq!(seen.passport_number.as_deref(), Some("X1"));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn field_rules(&self, rules: impl Fn(&Caller, RecordKind) -> Vec<&'static str> + 'static) {
        *self.shared.field_rules.borrow_mut() = Some(Rc::new(rules));
    }

    /// A file of `owner` (`applicant:{id}`, `case:{id}` or `module:{key}`),
    /// as if uploaded by nobody in particular; returns its description.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Case, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nrecords = [\"cases:read\"]\nfiles = true",
    /// );
    /// host.add_case(&Case::new("c1", "CAS001"));
    /// let added = host.add_file("case:c1", "passport.pdf", "application/pdf", b"%PDF-1.7");
    /// let clerk = Caller::person("clerk", &["cases.read", "files.read"]);
    /// let files = host.with_ctx(&clerk, |ctx| ctx.files("case:c1"))?;
    /// assert_eq!(files, [added]);
    /// let outsider = Caller::person("out", &["cases.read"]);
    /// assert!(host.with_ctx(&outsider, |ctx| ctx.files("case:c1")).is_err());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_file(
        &self,
        owner: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> FileInfo {
        let (kind, id) = owner
            .split_once(':')
            .unwrap_or_else(|| panic!("{owner:?} is not an owner"));
        let kind = if kind == "module" {
            format!("module:{}", self.shared.id())
        } else {
            kind.to_owned()
        };
        let file = self
            .shared
            .stored_file(&kind, id, name, content_type, content, None);
        let info = file.info.clone();
        self.shared.world.borrow_mut().files.push(file);
        info
    }

    /// Stands in for another module's action `{module}.{action}` (as the
    /// manifest lists it under `[capabilities] actions`): `stub` gets the
    /// caller and the input. An action without a stub is a module not
    /// enabled in the practice. The stub's errors come back to the module
    /// as they are; one that panics is an action that trapped, which the
    /// module sees as [`crate::Error::Internal`], as from the host.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nactions = [\"helpdesk.create-ticket\"]",
    /// );
    /// host.stub_action("helpdesk.create-ticket", |_, input| {
    ///     Ok(serde_json::json!({ "folio": "TKT001", "subject": input["subject"] }))
    /// });
    /// let boss = Caller::person("boss", &["module:m", "module:helpdesk"]);
    /// let ticket = host.with_ctx(&boss, |ctx| {
    ///     ctx.call_action("helpdesk", "create-ticket", &serde_json::json!({ "subject": "Scan" }))
    /// })?;
    /// assert_eq!(ticket["folio"], "TKT001");
    /// host.stub_action("helpdesk.create-ticket", |_, _| panic!("out of fuel"));
    /// let trapped = host.with_ctx(&boss, |ctx| ctx.call_action("helpdesk", "create-ticket", &()));
    /// assert!(trapped.is_err_and(|e| e.is_internal()));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn stub_action(
        &self,
        action: &str,
        stub: impl Fn(&Caller, Value) -> Result<Value> + 'static,
    ) {
        self.shared
            .stubs
            .borrow_mut()
            .insert(action.to_owned(), Rc::new(stub));
    }

    /// Sets a setting as the practice's administrator would.
    ///
    /// # Panics
    ///
    /// If the manifest does not declare it, or refuses the value (the host's
    /// words).
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [settings.prefix]\ntype = \"string\"\ndefault = \"Follow up:\"",
    /// );
    /// let read = || host.with_ctx(&Caller::host(), |ctx| ctx.settings::<serde_json::Value>());
    /// assert_eq!(read()?["prefix"], "Follow up:");
    /// host.set_setting("prefix", "Call back:");
    /// assert_eq!(read()?["prefix"], "Call back:");
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn set_setting(&self, name: &str, value: impl Serialize) {
        let decl = self
            .shared
            .manifest
            .settings
            .get(name)
            .unwrap_or_else(|| panic!("`{}` declares no setting {name:?}", self.shared.id()));
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        if let Err(refused) = immcase_manifest::check_setting(decl, &value) {
            panic!("setting {name}: {refused}");
        }
        self.shared
            .world
            .borrow_mut()
            .settings
            .insert(name.to_owned(), value);
    }
}

impl<P: Plugin> TestHost<P> {
    /// Sets the practice's letterhead, which
    /// [`Ctx::letterhead`](crate::Ctx::letterhead) gives every call after
    /// this; until then it has empty details and no logo.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Letterhead, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2.4\"",
    /// );
    /// let maple = Letterhead { name: "Maple Immigration".into(), ..Letterhead::default() };
    /// host.set_letterhead(&maple);
    /// assert_eq!(host.with_ctx(&Caller::host(), |ctx| ctx.letterhead())?, maple);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn set_letterhead(&self, letterhead: &Letterhead) {
        self.shared.world.borrow_mut().letterhead = letterhead.clone();
    }
}

/// A seeded record's times: those left at 0 are `now`.
fn times(created_at: i64, updated_at: i64, now: i64) -> (i64, i64) {
    let created_at = if created_at == 0 { now } else { created_at };
    let updated_at = if updated_at == 0 {
        created_at
    } else {
        updated_at
    };
    (created_at, updated_at)
}
