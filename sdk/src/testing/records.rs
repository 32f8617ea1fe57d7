//! Applicants and cases as the `records` import reads them: the manifest's
//! capability, then the person's permission (a call the host makes on its
//! own reads with the module's rights), records in the trash or unknown are
//! not found, and a person sees them through the test's field rules: the
//! fields they hide are empty and named in `hidden`, the identity never.

use super::world::{RecordKind, Seeded, Shared};
use crate::records::{Applicant, Case, Outcome, Stage};
use crate::wit::immcase::plugin::records as wit;
use crate::wit::immcase::plugin::types::Error;

/// The most applicants `find-applicants-by-email` returns.
const MAX_BY_EMAIL: usize = 50;
/// Longer ids are no record's.
const MAX_ID_CHARS: usize = 200;

/// An applicant's fields a role may hide, in the record's order.
const APPLICANT_FIELDS: &[&str] = &[
    "given_name",
    "family_name",
    "other_names",
    "emails",
    "phones",
    "date_of_birth",
    "country_of_birth",
    "citizenship",
    "passport_number",
    "passport_country",
    "passport_expiry",
    "address",
    "preferred_language",
    "notes",
];

/// A case's fields a role may hide, in the record's order.
const CASE_FIELDS: &[&str] = &[
    "applicant_id",
    "program",
    "stage",
    "responsible_user_id",
    "opened_on",
    "submitted_on",
    "decision_on",
    "closing_date",
    "outcome",
];

/// What identifies a record: never hidden.
const IDENTITY: &[&str] = &["id", "version", "folio", "created_at", "updated_at"];

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

    fn hideable(self) -> &'static [&'static str] {
        match self {
            RecordKind::Applicant => APPLICANT_FIELDS,
            RecordKind::Case => CASE_FIELDS,
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

/// The hideable fields of `kind` that `named` hides, in the record's order.
///
/// # Panics
///
/// When a name is no field of the record: a mistake in the test.
fn hidden_fields(kind: RecordKind, named: &[&str]) -> Vec<String> {
    for name in named {
        assert!(
            kind.hideable().contains(name) || IDENTITY.contains(name),
            "a field rule hides {name:?}, which no {} has (the fields a rule may hide: {})",
            kind.word(),
            kind.hideable().join(", ")
        );
    }
    kind.hideable()
        .iter()
        .filter(|field| named.contains(field))
        .map(|field| (*field).to_owned())
        .collect()
}

/// The applicant with the fields in `hidden` emptied and named.
fn applicant_hiding(applicant: &Applicant, hidden: Vec<String>) -> Applicant {
    let mut shown = applicant.clone();
    for field in &hidden {
        match field.as_str() {
            "given_name" => shown.given_name = None,
            "family_name" => shown.family_name = None,
            "other_names" => shown.other_names.clear(),
            "emails" => shown.emails.clear(),
            "phones" => shown.phones.clear(),
            "date_of_birth" => shown.date_of_birth = None,
            "country_of_birth" => shown.country_of_birth = None,
            "citizenship" => shown.citizenship = None,
            "passport_number" => shown.passport_number = None,
            "passport_country" => shown.passport_country = None,
            "passport_expiry" => shown.passport_expiry = None,
            "address" => shown.address = None,
            "preferred_language" => shown.preferred_language = None,
            "notes" => shown.notes = None,
            _ => {}
        }
    }
    shown.hidden = hidden;
    shown
}

/// The case with the fields in `hidden` emptied and named.
fn case_hiding(case: &Case, hidden: Vec<String>) -> Case {
    let mut shown = case.clone();
    for field in &hidden {
        match field.as_str() {
            "applicant_id" => shown.applicant_id = None,
            "program" => shown.program = None,
            "stage" => shown.stage = None,
            "responsible_user_id" => shown.responsible_user_id = None,
            "opened_on" => shown.opened_on = None,
            "submitted_on" => shown.submitted_on = None,
            "decision_on" => shown.decision_on = None,
            "closing_date" => shown.closing_date = None,
            "outcome" => shown.outcome = None,
            _ => {}
        }
    }
    shown.hidden = hidden;
    shown
}

pub(crate) fn wit_applicant(a: Applicant) -> wit::Applicant {
    wit::Applicant {
        id: a.id,
        version: a.version,
        given_name: a.given_name,
        family_name: a.family_name,
        other_names: a.other_names,
        emails: a.emails,
        phones: a.phones,
        date_of_birth: a.date_of_birth,
        country_of_birth: a.country_of_birth,
        citizenship: a.citizenship,
        passport_number: a.passport_number,
        passport_country: a.passport_country,
        passport_expiry: a.passport_expiry,
        address: a.address,
        preferred_language: a.preferred_language,
        notes: a.notes,
        created_at: a.created_at,
        updated_at: a.updated_at,
        hidden: a.hidden,
    }
}

pub(crate) fn wit_case(c: Case) -> wit::Case {
    wit::Case {
        id: c.id,
        version: c.version,
        folio: c.folio,
        applicant_id: c.applicant_id,
        program: c.program,
        stage: c.stage.map(|stage| match stage {
            Stage::Intake => wit::Stage::Intake,
            Stage::Preparation => wit::Stage::Preparation,
            Stage::Submitted => wit::Stage::Submitted,
            Stage::Decision => wit::Stage::Decision,
            Stage::Closed => wit::Stage::Closed,
        }),
        responsible_user_id: c.responsible_user_id,
        opened_on: c.opened_on,
        submitted_on: c.submitted_on,
        decision_on: c.decision_on,
        closing_date: c.closing_date,
        outcome: c.outcome.map(|outcome| match outcome {
            Outcome::Approved => wit::Outcome::Approved,
            Outcome::Refused => wit::Outcome::Refused,
            Outcome::Withdrawn => wit::Outcome::Withdrawn,
            Outcome::Other => wit::Outcome::Other,
        }),
        created_at: c.created_at,
        updated_at: c.updated_at,
        hidden: c.hidden,
    }
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

    /// The fields of `kind` the caller's roles hide (none for the host's
    /// own calls).
    fn hidden(&self, kind: RecordKind) -> Vec<String> {
        let Some(person) = self.person() else {
            return Vec::new();
        };
        let rules = self.field_rules.borrow().clone();
        match rules {
            Some(rules) => hidden_fields(kind, &rules(&person, kind)),
            None => Vec::new(),
        }
    }

    fn shown_applicant(&self, applicant: &Applicant) -> wit::Applicant {
        wit_applicant(applicant_hiding(
            applicant,
            self.hidden(RecordKind::Applicant),
        ))
    }

    fn shown_case(&self, case: &Case) -> wit::Case {
        wit_case(case_hiding(case, self.hidden(RecordKind::Case)))
    }

    /// The applicants not in the trash, every field.
    pub(crate) fn applicants(&self) -> Vec<Applicant> {
        live(&self.world.borrow().applicants)
    }

    /// The cases not in the trash, every field.
    pub(crate) fn cases(&self) -> Vec<Case> {
        live(&self.world.borrow().cases)
    }

    pub(crate) fn get_applicant(&self, id: &str) -> Result<wit::Applicant, Error> {
        let kind = RecordKind::Applicant;
        self.may_read(kind)?;
        self.applicants()
            .iter()
            .find(|a| a.id == id)
            .map(|a| self.shown_applicant(a))
            .ok_or_else(|| not_found(kind, id))
    }

    pub(crate) fn get_case(&self, id: &str) -> Result<wit::Case, Error> {
        let kind = RecordKind::Case;
        self.may_read(kind)?;
        self.cases()
            .iter()
            .find(|c| c.id == id)
            .map(|c| self.shown_case(c))
            .ok_or_else(|| not_found(kind, id))
    }

    pub(crate) fn find_applicants_by_email(
        &self,
        email: &str,
    ) -> Result<Vec<wit::Applicant>, Error> {
        self.may_read(RecordKind::Applicant)?;
        if email.len() > 320 {
            return Err(Error::Invalid(
                "an email address has at most 320 characters".into(),
            ));
        }
        let wanted = email.trim().to_lowercase();
        Ok(self
            .applicants()
            .iter()
            .filter(|a| {
                !wanted.is_empty() && a.emails.iter().any(|e| e.trim().to_lowercase() == wanted)
            })
            .take(MAX_BY_EMAIL)
            .map(|a| self.shown_applicant(a))
            .collect())
    }

    pub(crate) fn find_case_by_folio(&self, folio: &str) -> Result<Option<wit::Case>, Error> {
        self.may_read(RecordKind::Case)?;
        let Some(number) = folio_number(folio) else {
            return Ok(None);
        };
        Ok(self
            .cases()
            .iter()
            .find(|c| folio_number(&c.folio) == Some(number))
            .map(|c| self.shown_case(c)))
    }
}

fn live<T: Clone>(seeded: &[Seeded<T>]) -> Vec<T> {
    seeded
        .iter()
        .filter(|s| !s.trashed)
        .map(|s| s.record.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folios_are_read_as_people_type_them() {
        assert_eq!(folio_number(" cas014 "), Some(14));
        assert_eq!(folio_number("CAS1"), Some(1));
        assert_eq!(folio_number("CAS0"), None);
        assert_eq!(folio_number("TKT014"), None);
        assert_eq!(folio_number("CAS"), None);
        assert_eq!(folio_number("CASé1"), None);
    }

    #[test]
    fn hidden_fields_are_emptied_and_named_in_the_records_order() {
        let ana = Applicant {
            emails: vec!["ana@example.com".into()],
            passport_number: Some("AB1".into()),
            ..Applicant::new("a1", "Ana", "Díaz")
        };
        let named = hidden_fields(
            RecordKind::Applicant,
            &["passport_number", "id", "emails", "created_at"],
        );
        assert_eq!(named, ["emails", "passport_number"]);
        let shown = applicant_hiding(&ana, named);
        assert_eq!((shown.emails.len(), shown.passport_number), (0, None));
        assert_eq!((shown.id.as_str(), shown.version), ("a1", 1));
        assert_eq!(shown.given_name.as_deref(), Some("Ana"));
        let case = Case {
            stage: Some(Stage::Closed),
            outcome: Some(Outcome::Refused),
            ..Case::new("c1", "CAS001")
        };
        let shown = case_hiding(
            &case,
            hidden_fields(RecordKind::Case, &["outcome", "folio"]),
        );
        assert_eq!((shown.outcome, shown.stage), (None, Some(Stage::Closed)));
        assert_eq!(
            (shown.folio.as_str(), shown.hidden),
            ("CAS001", vec!["outcome".to_owned()])
        );
    }

    #[test]
    #[should_panic(expected = "a field rule hides \"passport\", which no applicant has")]
    fn a_rule_on_no_field_is_a_mistake() {
        hidden_fields(RecordKind::Applicant, &["passport"]);
    }
}
