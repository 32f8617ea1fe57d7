//! What a test sets up before its calls: the practice's people, its
//! applicants and cases (and the roles' field rules), files, other modules'
//! actions, and the module's settings.

use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

use super::TestHost;
use super::world::{Record, RecordKind};
use crate::caller::Caller;
use crate::error::Result;
use crate::people::Person;
use crate::plugin::Plugin;

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
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n\
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
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n[capabilities]\ndirectory = true");
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

    /// Adds an applicant, shaped like `GET /api/v1/applicants/{id}`; it
    /// needs a string `id` (and an `email` for
    /// [`crate::Ctx::applicants_by_email`]).
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&json!({ "id": "a1", "name": "Ana Díaz", "email": "ana@example.com" }));
    /// let found = host.with_ctx(&Caller::host(), |ctx| ctx.applicants_by_email("ana@example.com"))?;
    /// assert_eq!(found[0]["name"], "Ana Díaz");
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_applicant(&self, applicant: &impl Serialize) {
        let record = record_of(applicant, "applicant");
        self.shared.world.borrow_mut().applicants.push(record);
    }

    /// Adds a case, shaped like `GET /api/v1/cases/{id}`; it needs a string
    /// `id`, and a `folio` (`CAS014`) for [`crate::Ctx::case_by_folio`];
    /// an `applicant_id` lists the applicant's files with the case's.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::TestHost};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n[capabilities]\nrecords = [\"cases:read\"]\nfiles = true");
    /// host.add_applicant(&json!({ "id": "a1" }));
    /// host.add_case(&json!({ "id": "c1", "folio": "CAS014", "applicant_id": "a1" }));
    /// host.add_file("applicant:a1", "passport.pdf", "application/pdf", b"%PDF-1.7");
    /// let files = host.with_ctx(&Caller::host(), |ctx| ctx.files("case:c1"))?;
    /// assert_eq!(files[0]["name"], "passport.pdf");
    /// assert_eq!(files[0]["from"], "applicant"); // listed with the case's own
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_case(&self, case: &impl Serialize) {
        let record = record_of(case, "case");
        self.shared.world.borrow_mut().cases.push(record);
    }

    /// Puts an applicant or a case in the trash: reads say not found.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Router, testing::{RecordKind, TestHost}};
    /// # use serde_json::json;
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&json!({ "id": "a1" }));
    /// assert!(host.with_ctx(&Caller::host(), |ctx| ctx.applicant("a1")).is_ok());
    /// host.trash(RecordKind::Applicant, "a1");
    /// let read = host.with_ctx(&Caller::host(), |ctx| ctx.applicant("a1"));
    /// assert_eq!(read.map_err(|e| e.status()), Err(404));
    /// ```
    pub fn trash(&self, kind: RecordKind, id: &str) {
        let mut world = self.shared.world.borrow_mut();
        let records = match kind {
            RecordKind::Applicant => &mut world.applicants,
            RecordKind::Case => &mut world.cases,
        };
        for record in records.iter_mut().filter(|r| r.id == id) {
            record.trashed = true;
        }
    }

    /// The field rules of the practice's roles: `rules` may hide (remove)
    /// or change fields of a record read for a person, as their roles'
    /// field rules do. Calls the host makes on its own see every field.
    ///
    /// ```
    /// # use immcase_sdk::testing::{RecordKind, TestHost};
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<M>::from_manifest("id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"\n[capabilities]\nrecords = [\"applicants:read\"]");
    /// host.add_applicant(&serde_json::json!({ "id": "a1", "name": "Ana", "passport": "X1" }));
    /// host.field_rules(|caller, kind, record| {
    ///     if kind == RecordKind::Applicant && !caller.can("passports.read") {
    ///         record.as_object_mut().map(|r| r.remove("passport"));
    ///     }
    /// });
    /// let clerk = Caller::person("clerk", &["applicants.read"]);
    /// let seen = host.with_ctx(&clerk, |ctx| ctx.applicant("a1"))?;
    /// assert_eq!(seen, serde_json::json!({ "id": "a1", "name": "Ana" }));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn field_rules(&self, rules: impl Fn(&Caller, RecordKind, &mut Value) + 'static) {
        *self.shared.field_rules.borrow_mut() = Some(Rc::new(rules));
    }

    /// A file of `owner` (`applicant:{id}`, `case:{id}` or `module:{key}`),
    /// as if uploaded; returns its description.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n\
    ///      [capabilities]\nrecords = [\"cases:read\"]\nfiles = true",
    /// );
    /// host.add_case(&serde_json::json!({ "id": "c1", "folio": "CAS001" }));
    /// host.add_file("case:c1", "passport.pdf", "application/pdf", b"%PDF-1.7");
    /// let clerk = Caller::person("clerk", &["cases.read", "files.read"]);
    /// let files = host.with_ctx(&clerk, |ctx| ctx.files("case:c1"))?;
    /// assert_eq!(files[0]["name"], "passport.pdf");
    /// let outsider = Caller::person("out", &["cases.read"]);
    /// assert!(host.with_ctx(&outsider, |ctx| ctx.files("case:c1")).is_err());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn add_file(&self, owner: &str, name: &str, content_type: &str, content: &[u8]) -> Value {
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
    /// enabled in the practice.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct M;
    /// # impl Plugin for M { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<M>::from_manifest(
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n\
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
    ///     "id = \"m\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.1.2\"\n\
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

fn record_of(value: &impl Serialize, what: &str) -> Record {
    let json = serde_json::to_value(value).unwrap_or(Value::Null);
    let id = json["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an {what} needs a string `id`: {json}"))
        .to_owned();
    Record {
        id,
        json,
        trashed: false,
    }
}
