//! The host side of the `records` import: the applicants and cases of the
//! call's practice, as JSON of the same shape as the JSON API's.
//!
//! - The manifest must list the capability: `applicants:read` for
//!   `get-applicant` and `find-applicants-by-email`, `cases:read` for
//!   `get-case` and `find-case-by-folio` (`forbidden` naming the plugin.toml
//!   key otherwise).
//! - A call for a person acts as that person: it needs `applicants.read` or
//!   `cases.read` (`forbidden` naming it), and their field rules hide fields
//!   exactly as the JSON API does.
//! - A call the host makes on its own (events, timers) acts with the
//!   module's own rights: its capability alone lets it read the practice's
//!   records, with no field hidden.
//! - Records in the trash, and those of other practices, are `not-found`.
//! - Once the call has written something, reads go through its transaction,
//!   so the module sees its own call's changes.

use serde_json::Value;

use super::bindings::Error;
use super::bindings::immcase::plugin::records;
use super::call::CallState;
use super::imports::HostResult;
use crate::access::permissions::FieldRules;
use crate::records::reading;

/// The most applicants `find-applicants-by-email` returns.
const MAX_BY_EMAIL: i64 = 50;
/// Longer ids are no record's.
const MAX_ID_CHARS: usize = 200;

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
}

fn not_found(what: &str, id: &str) -> Error {
    let shown: String = id.chars().take(MAX_ID_CHARS).collect();
    Error::NotFound(format!("there is no {what} {shown:?} in this practice"))
}

impl records::Host for CallState {
    async fn get_applicant(&mut self, id: String) -> HostResult<String> {
        let rules = match self.may_read(Reading::Applicants) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if id.chars().count() > MAX_ID_CHARS {
            return Ok(Err(not_found("applicant", &id)));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::applicant(&mut **tx, &practice, &id, &rules).await,
            None => reading::applicant(self.app.db.pool(), &practice, &id, &rules).await,
        };
        Ok(found
            .map_err(trap)?
            .map(|a| a.to_string())
            .ok_or_else(|| not_found("applicant", &id)))
    }

    async fn get_case(&mut self, id: String) -> HostResult<String> {
        let rules = match self.may_read(Reading::Cases) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if id.chars().count() > MAX_ID_CHARS {
            return Ok(Err(not_found("case", &id)));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::case(&mut **tx, &practice, &id, &rules).await,
            None => reading::case(self.app.db.pool(), &practice, &id, &rules).await,
        };
        Ok(found
            .map_err(trap)?
            .map(|c| c.to_string())
            .ok_or_else(|| not_found("case", &id)))
    }

    async fn find_case_by_folio(&mut self, folio: String) -> HostResult<Option<String>> {
        let rules = match self.may_read(Reading::Cases) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        let Some(number) = crate::records::case::folio_number(&folio) else {
            return Ok(Ok(None));
        };
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => reading::case_by_folio(&mut **tx, &practice, number, &rules).await,
            None => reading::case_by_folio(self.app.db.pool(), &practice, number, &rules).await,
        };
        Ok(Ok(found.map_err(trap)?.map(|c| c.to_string())))
    }

    async fn find_applicants_by_email(&mut self, email: String) -> HostResult<Vec<String>> {
        let rules = match self.may_read(Reading::Applicants) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(e)),
        };
        if email.len() > 320 {
            return Ok(Err(Error::Invalid(
                "an email address has at most 320 characters".into(),
            )));
        }
        let practice = self.practice.clone();
        let found = match self.tx_if_started() {
            Some(tx) => {
                reading::applicants_by_email(&mut **tx, &practice, &email, &rules, MAX_BY_EMAIL)
                    .await
            }
            None => {
                let pool = self.app.db.pool();
                reading::applicants_by_email(pool, &practice, &email, &rules, MAX_BY_EMAIL).await
            }
        };
        let found: Vec<Value> = found.map_err(trap)?;
        Ok(Ok(found.iter().map(Value::to_string).collect()))
    }
}
