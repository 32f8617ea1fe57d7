//! Applicants and cases as the `records` import reads them: the manifest's
//! capability, then the person's permission (a call the host makes on its
//! own reads with the module's rights), records in the trash or unknown are
//! not found, and a person sees them through the test's field rules.

use serde_json::Value;

use super::world::{Record, RecordKind, Shared};
use crate::wit::immcase::plugin::types::Error;

/// The most applicants `find-applicants-by-email` returns.
const MAX_BY_EMAIL: usize = 50;
/// Longer ids are no record's.
const MAX_ID_CHARS: usize = 200;

impl RecordKind {
    fn capability(self) -> &'static str {
        match self {
            RecordKind::Applicant => "applicants:read",
            RecordKind::Case => "cases:read",
        }
    }

    fn permission(self) -> &'static str {
        match self {
            RecordKind::Applicant => "applicants.read",
            RecordKind::Case => "cases.read",
        }
    }

    fn word(self) -> &'static str {
        match self {
            RecordKind::Applicant => "applicant",
            RecordKind::Case => "case",
        }
    }
}

fn not_found(kind: RecordKind, id: &str) -> Error {
    let shown: String = id.chars().take(MAX_ID_CHARS).collect();
    Error::NotFound(format!(
        "there is no {} {shown:?} in this practice",
        kind.word()
    ))
}

/// `CAS014`, any case, surrounding spaces ignored: its number.
fn folio_number(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .get(..3)
        .filter(|prefix| prefix.eq_ignore_ascii_case("CAS"))
        .and_then(|_| text.get(3..))?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

impl Shared {
    /// Whether the module and the caller may read records of `kind`.
    fn may_read(&self, kind: RecordKind) -> Result<(), Error> {
        immcase_manifest::checks::records(&self.manifest, kind.capability())
            .map_err(Error::Forbidden)?;
        match self.person() {
            Some(person) if !person.can(kind.permission()) => Err(Error::Forbidden(format!(
                "this needs the permission {}, which {} does not hold",
                kind.permission(),
                person.email
            ))),
            _ => Ok(()),
        }
    }

    /// The record as the caller sees it.
    fn shown(&self, kind: RecordKind, record: &Record) -> String {
        let mut json = record.json.clone();
        if let Some(person) = self.person() {
            let rules = self.field_rules.borrow().clone();
            if let Some(rules) = rules {
                rules(&person, kind, &mut json);
            }
        }
        json.to_string()
    }

    fn records(&self, kind: RecordKind) -> Vec<Record> {
        let world = self.world.borrow();
        let all = match kind {
            RecordKind::Applicant => &world.applicants,
            RecordKind::Case => &world.cases,
        };
        all.iter().filter(|r| !r.trashed).cloned().collect()
    }

    fn get_record(&self, kind: RecordKind, id: &str) -> Result<String, Error> {
        self.may_read(kind)?;
        self.records(kind)
            .iter()
            .find(|r| r.id == id)
            .map(|r| self.shown(kind, r))
            .ok_or_else(|| not_found(kind, id))
    }

    pub(crate) fn get_applicant(&self, id: &str) -> Result<String, Error> {
        self.get_record(RecordKind::Applicant, id)
    }

    pub(crate) fn get_case(&self, id: &str) -> Result<String, Error> {
        self.get_record(RecordKind::Case, id)
    }

    pub(crate) fn find_applicants_by_email(&self, email: &str) -> Result<Vec<String>, Error> {
        self.may_read(RecordKind::Applicant)?;
        if email.len() > 320 {
            return Err(Error::Invalid(
                "an email address has at most 320 characters".into(),
            ));
        }
        let wanted = email.trim().to_lowercase();
        Ok(self
            .records(RecordKind::Applicant)
            .iter()
            .filter(|r| {
                !wanted.is_empty()
                    && r.json["email"]
                        .as_str()
                        .is_some_and(|e| e.trim().to_lowercase() == wanted)
            })
            .take(MAX_BY_EMAIL)
            .map(|r| self.shown(RecordKind::Applicant, r))
            .collect())
    }

    pub(crate) fn find_case_by_folio(&self, folio: &str) -> Result<Option<String>, Error> {
        self.may_read(RecordKind::Case)?;
        let Some(number) = folio_number(folio) else {
            return Ok(None);
        };
        Ok(self
            .records(RecordKind::Case)
            .iter()
            .find(|r| r.json["folio"].as_str().and_then(folio_number) == Some(number))
            .map(|r| self.shown(RecordKind::Case, r)))
    }

    /// The applicant or case `id`, if it exists and is not in the trash (for
    /// the files import).
    pub(crate) fn record(&self, kind: RecordKind, id: &str) -> Option<Value> {
        self.records(kind)
            .into_iter()
            .find(|r| r.id == id)
            .map(|r| r.json)
    }
}

#[cfg(test)]
mod tests {
    use super::folio_number;

    #[test]
    fn folios_are_read_as_people_type_them() {
        assert_eq!(folio_number(" cas014 "), Some(14));
        assert_eq!(folio_number("CAS1"), Some(1));
        assert_eq!(folio_number("CAS0"), None);
        assert_eq!(folio_number("TKT014"), None);
        assert_eq!(folio_number("CAS"), None);
        assert_eq!(folio_number("CASé1"), None);
    }
}
