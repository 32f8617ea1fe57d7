//! The host side of the `records` import: the applicants and cases of the
//! call's practice, as typed records (0.2; `contract_0_1` serves them as
//! JSON of the JSON API's shape to 0.1 modules, from the same lookups).
//!
//! - The manifest must list the capability: `applicants:read` for
//!   `get-applicant` and `find-applicants-by-email`, `cases:read` for
//!   `get-case` and `find-case-by-folio` (`forbidden` naming the plugin.toml
//!   key otherwise).
//! - A call for a person acts as that person: it needs `applicants.read` or
//!   `cases.read` (`forbidden` naming it), and their field rules hide fields
//!   as the JSON API does: empty, and named in the record's `hidden`. A
//!   record's identity (id, version, folio, times) is never hidden.
//! - A call the host makes on its own (events, timers) acts with the
//!   module's own rights: its capability alone lets it read the practice's
//!   records, with no field hidden.
//! - Records in the trash, and those of other practices, are `not-found`.
//! - Once the call has written something, reads go through its transaction,
//!   so the module sees its own call's changes.

use super::bindings::Error;
use super::bindings::immcase::plugin::records;
use super::call::CallState;
use super::imports::HostResult;
use crate::access::permissions::{FieldAccess, FieldRules};
use crate::records::applicant::Applicant;
use crate::records::case::Case;
use crate::records::reading;

/// The most applicants `find-applicants-by-email` returns.
const MAX_BY_EMAIL: i64 = 50;
/// Longer ids are no record's.
const MAX_ID_CHARS: usize = 200;
/// Longer texts are no email address.
const MAX_EMAIL_CHARS: usize = 320;

/// What a read is of: the manifest capability and the person's permission.
#[derive(Clone, Copy)]
enum Reading {
    Applicants,
    Cases,
}

impl Reading {
    fn capability(self) -> &'static str {
        match self {
            Reading::Applicants => "applicants:read",
            Reading::Cases => "cases:read",
        }
    }

    fn permission(self) -> &'static str {
        match self {
            Reading::Applicants => "applicants.read",
            Reading::Cases => "cases.read",
        }
    }
}

/// Record errors are the host's own failures (the database): they trap.
fn trap(e: crate::error::AppError) -> wasmtime::Error {
    wasmtime::Error::new(e).context("reading records")
}

fn not_found(what: &str, id: &str) -> Error {
    let shown: String = id.chars().take(MAX_ID_CHARS).collect();
    Error::NotFound(format!("there is no {what} {shown:?} in this practice"))
}

/// What a lookup found, with the field rules of the reader.
pub(super) type Read<T> = wasmtime::Result<Result<(T, FieldRules), Error>>;

impl CallState {
    /// Whether the module and the caller may read; the field rules to apply.
    fn may_read(&self, reading: Reading) -> Result<FieldRules, Error> {
        immcase_manifest::checks::records(&self.module.manifest, reading.capability())
            .map_err(Error::Forbidden)?;
        match &self.caller {
            Some(person) if !person.can(reading.permission()) => Err(Error::Forbidden(format!(
                "this needs the permission {}, which {} does not hold",
                reading.permission(),
                person.email
            ))),
            Some(person) => Ok(person.field_rules.clone()),
            None => Ok(FieldRules::new()),
        }
    }

    pub(super) async fn read_applicant(&mut self, id: &str) -> Read<Applicant> {
        let rules = match self.may_read(Reading::Applicants) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if id.chars().count() > MAX_ID_CHARS {
            return Ok(Err(not_found("applicant", id)));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::applicant(&mut **tx, &practice, id).await,
            None => reading::applicant(self.app.db.pool(), &practice, id).await,
        };
        Ok(found
            .map_err(trap)?
            .map(|a| (a, rules))
            .ok_or_else(|| not_found("applicant", id)))
    }

    pub(super) async fn read_case(&mut self, id: &str) -> Read<Case> {
        let rules = match self.may_read(Reading::Cases) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if id.chars().count() > MAX_ID_CHARS {
            return Ok(Err(not_found("case", id)));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::case(&mut **tx, &practice, id).await,
            None => reading::case(self.app.db.pool(), &practice, id).await,
        };
        Ok(found
            .map_err(trap)?
            .map(|c| (c, rules))
            .ok_or_else(|| not_found("case", id)))
    }

    pub(super) async fn read_case_by_folio(&mut self, folio: &str) -> Read<Option<Case>> {
        let rules = match self.may_read(Reading::Cases) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        let Some(number) = crate::records::case::folio_number(folio) else {
            return Ok(Ok((None, rules)));
        };
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::case_by_folio(&mut **tx, &practice, number).await,
            None => reading::case_by_folio(self.app.db.pool(), &practice, number).await,
        };
        Ok(Ok((found.map_err(trap)?, rules)))
    }

    pub(super) async fn read_applicants_by_email(&mut self, email: &str) -> Read<Vec<Applicant>> {
        let rules = match self.may_read(Reading::Applicants) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if email.len() > MAX_EMAIL_CHARS {
            return Ok(Err(Error::Invalid(format!(
                "an email address has at most {MAX_EMAIL_CHARS} characters"
            ))));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => {
                reading::applicants_by_email(&mut **tx, &practice, email, MAX_BY_EMAIL).await
            }
            None => {
                let pool = self.app.db.pool();
                reading::applicants_by_email(pool, &practice, email, MAX_BY_EMAIL).await
            }
        };
        Ok(Ok((found.map_err(trap)?, rules)))
    }
}

/// The fields of one record a reader's rules hide, noted as they are asked.
struct Shown<'r> {
    rules: &'r FieldRules,
    kind: &'static str,
    hidden: Vec<String>,
}

impl<'r> Shown<'r> {
    fn new(rules: &'r FieldRules, kind: &'static str) -> Self {
        Shown {
            rules,
            kind,
            hidden: Vec::new(),
        }
    }

    fn shows(&mut self, field: &str) -> bool {
        let hidden =
            self.rules.get(&format!("{}.{field}", self.kind)) == Some(&FieldAccess::Hidden);
        if hidden {
            self.hidden.push(field.to_owned());
        }
        !hidden
    }

    fn text(&mut self, field: &str, value: String) -> Option<String> {
        self.shows(field).then_some(value)
    }

    fn option<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if self.shows(field) { value } else { None }
    }

    fn list(&mut self, field: &str, value: Vec<String>) -> Vec<String> {
        if self.shows(field) { value } else { Vec::new() }
    }
}

/// Milliseconds of a time the records keep as RFC 3339.
fn millis(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .unwrap_or(0)
}

fn version(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// An applicant as a reader with `rules` sees it.
pub(super) fn typed_applicant(a: Applicant, rules: &FieldRules) -> records::Applicant {
    let mut shown = Shown::new(rules, "applicant");
    records::Applicant {
        given_name: shown.text("given_name", a.given_name),
        family_name: shown.text("family_name", a.family_name),
        other_names: shown.list("other_names", a.other_names),
        emails: shown.list("emails", a.emails),
        phones: shown.list("phones", a.phones),
        date_of_birth: shown.option("date_of_birth", a.date_of_birth),
        country_of_birth: shown.option("country_of_birth", a.country_of_birth),
        citizenship: shown.option("citizenship", a.citizenship),
        passport_number: shown.option("passport_number", a.passport_number),
        passport_country: shown.option("passport_country", a.passport_country),
        passport_expiry: shown.option("passport_expiry", a.passport_expiry),
        address: shown.option("address", a.address),
        preferred_language: shown.option("preferred_language", a.preferred_language),
        notes: shown.option("notes", a.notes),
        created_at: millis(&a.created_at),
        updated_at: millis(&a.updated_at),
        id: a.id,
        version: version(a.version),
        hidden: shown.hidden,
    }
}

/// A case as a reader with `rules` sees it.
pub(super) fn typed_case(c: Case, rules: &FieldRules) -> records::Case {
    let mut shown = Shown::new(rules, "case");
    let stage = match c.stage.as_str() {
        "intake" => Some(records::Stage::Intake),
        "preparation" => Some(records::Stage::Preparation),
        "submitted" => Some(records::Stage::Submitted),
        "decision" => Some(records::Stage::Decision),
        "closed" => Some(records::Stage::Closed),
        _ => None,
    };
    let outcome = c.outcome.as_deref().and_then(|o| match o {
        "approved" => Some(records::Outcome::Approved),
        "refused" => Some(records::Outcome::Refused),
        "withdrawn" => Some(records::Outcome::Withdrawn),
        "other" => Some(records::Outcome::Other),
        _ => None,
    });
    records::Case {
        applicant_id: shown.text("applicant_id", c.applicant_id),
        program: shown.text("program", c.program),
        stage: shown.option("stage", stage),
        responsible_user_id: shown.option("responsible_user_id", c.responsible_user_id),
        opened_on: shown.option("opened_on", c.opened_on),
        submitted_on: shown.option("submitted_on", c.submitted_on),
        decision_on: shown.option("decision_on", c.decision_on),
        closing_date: shown.option("closing_date", c.closing_date),
        outcome: shown.option("outcome", outcome),
        created_at: millis(&c.created_at),
        updated_at: millis(&c.updated_at),
        id: c.id,
        version: version(c.version),
        folio: c.folio,
        hidden: shown.hidden,
    }
}

impl records::Host for CallState {
    async fn get_applicant(&mut self, id: String) -> HostResult<records::Applicant> {
        Ok(self
            .read_applicant(&id)
            .await?
            .map(|(a, rules)| typed_applicant(a, &rules)))
    }

    async fn get_case(&mut self, id: String) -> HostResult<records::Case> {
        Ok(self
            .read_case(&id)
            .await?
            .map(|(c, rules)| typed_case(c, &rules)))
    }

    async fn find_case_by_folio(&mut self, folio: String) -> HostResult<Option<records::Case>> {
        Ok(self
            .read_case_by_folio(&folio)
            .await?
            .map(|(c, rules)| c.map(|c| typed_case(c, &rules))))
    }

    async fn find_applicants_by_email(
        &mut self,
        email: String,
    ) -> HostResult<Vec<records::Applicant>> {
        Ok(self
            .read_applicants_by_email(&email)
            .await?
            .map(|(found, rules)| {
                found
                    .into_iter()
                    .map(|a| typed_applicant(a, &rules))
                    .collect()
            }))
    }
}
