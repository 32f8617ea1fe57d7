//! The applicant or case a note is about, read through the host's records
//! import as the caller (or, for the reminder's timer, with the module's own
//! rights): it must exist when the note is written, and people see it by
//! name.

use immcase_sdk::{Case, Ctx, Error, Result};

use crate::rules::{About, Record, case_title, subject_record};

/// A case by its id, or by its folio as people type it (`case:CAS014`).
fn case_by_id_or_folio(ctx: &Ctx, id: &str) -> Result<Case> {
    match ctx.case(id) {
        Err(e) if e.status() == 404 => ctx.case_by_folio(id)?.ok_or(e),
        other => other,
    }
}

/// The subject a new note is stored under: `applicant:{id}` or
/// `case:{id}` for a record, so the record's page finds the note however
/// it was named (a case may be typed by folio: `case:CAS014`, `CAS014`);
/// other subjects are free text, kept as written (trimmed).
///
/// Refuses a record that does not exist: 422 naming `subject`. A person
/// who may not read it gets the host's 403 as it is.
pub fn canonical(ctx: &Ctx, subject: &str) -> Result<String> {
    let Some(record) = subject_record(subject) else {
        return Ok(subject.trim().to_owned());
    };
    let found = match record {
        Record::Applicant(id) => ctx
            .applicant(id)
            .map(|a| Record::Applicant(&a.id).subject()),
        Record::Case(id) => case_by_id_or_folio(ctx, id).map(|c| Record::Case(&c.id).subject()),
    };
    match found {
        Ok(subject) => Ok(subject),
        Err(e) if e.status() == 404 => Err(Error::invalid_field(
            "subject",
            &format!("there is no {} {} here", record.word(), id_of(record)),
        )),
        Err(e) if e.status() == 422 => Err(Error::invalid_field("subject", e.message())),
        Err(e) => Err(e),
    }
}

/// The note's subject as the caller may see it: an applicant by name
/// (`Ana Díaz`), a case by folio and its applicant's name
/// (`CAS014 (Ana Díaz)`), each with its page; the subject as written when
/// it names no record, or one the caller may not read or that is gone.
pub fn about(ctx: &Ctx, subject: &str) -> About {
    let as_written = || About::as_written(subject);
    let Some(record) = subject_record(subject) else {
        return as_written();
    };
    let found = match record {
        Record::Applicant(id) => ctx.applicant(id).map(|a| (a.display_name(), record.page())),
        Record::Case(id) => case_by_id_or_folio(ctx, id).map(|case| {
            let applicant = case
                .applicant_id
                .and_then(|id| ctx.applicant(&id).ok())
                .map(|a| a.display_name())
                .unwrap_or_default();
            let page = Record::Case(&case.id).page();
            (case_title(&case.folio, &applicant), page)
        }),
    };
    match found {
        Ok((text, page)) if !text.is_empty() => About {
            text,
            page: Some(page),
        },
        Ok(_) => as_written(),
        Err(e) => {
            if e.is_internal() {
                ctx.log_warn(&format!("could not read the subject {subject}: {e}"));
            }
            as_written()
        }
    }
}

fn id_of(record: Record<'_>) -> &str {
    match record {
        Record::Applicant(id) | Record::Case(id) => id,
    }
}
