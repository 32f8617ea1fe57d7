//! The search document of every kind of record: applicants, cases, files
//! and modules' own documents (`module_docs`). A document carries every
//! searchable field under its key, so a reader's field rules decide which
//! ones a query may match; title, subtitle and link are shown to anyone who
//! may see the record. An applicant's searchable fields are those the
//! practice chose in Settings → Search (`settings`).

use std::collections::HashMap;

use immcase_search_index::SearchDoc;

use super::module_docs;
use super::settings::{self, SearchSettings};
use crate::access::permissions::MODULE_PREFIX;
use crate::error::Result;
use crate::practices::Practice;
use crate::records::applicant::Applicant;
use crate::records::{applicant_store, audited, case, case_store, program_store};

/// Kinds of records in search, in the order a rebuild indexes them.
pub const SEARCH_KINDS: &[&str] = &["applicant", "case", "file"];

/// The search document of a record as it is now; `None` when it is gone
/// (deleted, or moved to the trash) or of an unknown kind. Kind
/// `module:{id}` is a module's own document (`modules::search_docs`).
pub async fn document(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    id: &str,
) -> Result<Option<SearchDoc>> {
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let found = module_docs::find(db, practice, module, id).await?;
        return Ok(found.map(|d| module_docs::search_doc(practice, module, &d)));
    }
    match kind {
        "applicant" => {
            let fields = settings::find(db, practice).await?;
            Ok(applicant_store::find(db, practice, id)
                .await?
                .map(|a| applicant_doc(practice, &fields, &a)))
        }
        "case" => {
            let Some(c) = case_store::find(db, practice, id).await? else {
                return Ok(None);
            };
            let applicant = applicant_store::find(db, practice, &c.applicant_id).await?;
            // The practice's label (it may have been renamed), else the key.
            let program = program_store::find(db, practice, &c.program)
                .await?
                .map(|p| p.label)
                .unwrap_or_else(|| c.program.replace('_', " "));
            let name = applicant.as_ref().map(audited::applicant_label);
            Ok(Some(case_search_doc(
                practice,
                &c,
                &program,
                name.as_deref(),
            )))
        }
        "file" => file_doc(db, practice, id).await,
        _ => Ok(None),
    }
}

fn case_search_doc(
    practice: &Practice,
    c: &case::Case,
    program: &str,
    applicant_name: Option<&str>,
) -> SearchDoc {
    let name = applicant_name.unwrap_or_default().to_string();
    SearchDoc {
        practice_id: practice.id().to_string(),
        kind: "case".into(),
        id: c.id.clone(),
        title: c.folio.clone(),
        subtitle: program.to_string(),
        link: format!("/cases/{}", c.id),
        fields: vec![
            ("case.folio".into(), c.folio.clone()),
            ("case.program".into(), program.to_string()),
            ("case.applicant_name".into(), name),
        ],
    }
}

/// A page of a practice's records of `kind` as search documents, by id
/// after `after` (for rebuilding the index), read in a few queries
/// whatever the page's size; and the last id read, where the next page
/// starts (`None` past the last page). A file whose owner is gone is left
/// out.
pub async fn page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<SearchDoc>, Option<String>)> {
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let found = module_docs::page(db, practice, module, after, limit).await?;
        let last = found.last().map(|d| d.id.clone());
        let doc = |d: &module_docs::ModuleSearchDoc| module_docs::search_doc(practice, module, d);
        return Ok((found.iter().map(doc).collect(), last));
    }
    match kind {
        "applicant" => {
            let fields = settings::find(db, practice).await?;
            applicant_page(db, practice, &fields, after, limit).await
        }
        "case" => {
            let cases = case_store::in_id_order(db, practice, after, limit).await?;
            let last = cases.last().map(|c| c.id.clone());
            let applicants: Vec<String> = cases.iter().map(|c| c.applicant_id.clone()).collect();
            let names = live_names(db, practice, &applicants, &[]).await?.0;
            let programs: HashMap<String, String> = program_store::list(db, practice)
                .await?
                .into_iter()
                .map(|p| (p.key, p.label))
                .collect();
            let docs = cases
                .iter()
                .map(|c| {
                    let program = programs
                        .get(&c.program)
                        .cloned()
                        .unwrap_or_else(|| c.program.replace('_', " "));
                    let name = names.get(&c.applicant_id).map(String::as_str);
                    case_search_doc(practice, c, &program, name)
                })
                .collect();
            Ok((docs, last))
        }
        "file" => {
            let files = crate::files::store::in_id_order(db, practice, after, limit).await?;
            let last = files.last().map(|f| f.id.clone());
            let of = |kind: &str| -> Vec<String> {
                files
                    .iter()
                    .filter(|f| f.owner_kind == kind)
                    .map(|f| f.owner_id.clone())
                    .collect()
            };
            let (applicants, folios) =
                live_names(db, practice, &of("applicant"), &of("case")).await?;
            let docs = files
                .iter()
                .filter_map(|f| {
                    let owner = match f.owner_kind.as_str() {
                        "case" => folios.get(&f.owner_id),
                        _ => applicants.get(&f.owner_id),
                    }?;
                    Some(file_search_doc(practice, f, &f.owner_kind, owner))
                })
                .collect();
            Ok((docs, last))
        }
        _ => Ok((Vec::new(), None)),
    }
}

/// The names of the applicants and the folios of the cases of these ids
/// that are not in the trash, by id (looked up as the audit log does, a
/// query per kind and hundred ids).
async fn live_names(
    db: &sqlx::AnyPool,
    practice: &Practice,
    applicant_ids: &[String],
    case_ids: &[String],
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let mut conn = db.acquire().await?;
    let found = audited::names(&mut conn, practice, applicant_ids, case_ids).await?;
    let live = |named: HashMap<String, audited::Named>| -> HashMap<String, String> {
        named
            .into_iter()
            .filter(|(_, n)| !n.in_trash)
            .map(|(id, n)| (id, n.label))
            .collect()
    };
    Ok((live(found.applicants), live(found.cases)))
}

/// A page of a practice's applicants as search documents with `fields`
/// searchable, by id after `after` (for rebuilding the index), in one
/// query, and the last id read: where the next page starts (`None` past the
/// last page).
pub async fn applicant_page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    fields: &SearchSettings,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<SearchDoc>, Option<String>)> {
    let applicants = applicant_store::in_id_order(db, practice, after, limit).await?;
    let last = applicants.last().map(|a| a.id.clone());
    let docs = applicants
        .iter()
        .map(|a| applicant_doc(practice, fields, a))
        .collect();
    Ok((docs, last))
}

/// The applicant in global search: each field the practice searches by
/// under its key, so a reader's field rules decide which ones a query may
/// match. Title, subtitle and link are the same whatever the fields.
fn applicant_doc(practice: &Practice, searched: &SearchSettings, a: &Applicant) -> SearchDoc {
    let name = audited::applicant_label(a);
    let values = [
        ("given_name", a.given_name.clone()),
        ("family_name", a.family_name.clone()),
        ("other_names", a.other_names.join(" ")),
        ("emails", a.emails.join(" ")),
        ("phones", a.phones.join(", ")),
        (
            "passport_number",
            a.passport_number.clone().unwrap_or_default(),
        ),
    ];
    let fields = values
        .into_iter()
        .filter(|(field, value)| searched.finds(field) && !value.is_empty())
        .map(|(field, value)| (format!("applicant.{field}"), value))
        .collect();
    SearchDoc {
        practice_id: practice.id().to_string(),
        kind: "applicant".into(),
        id: a.id.clone(),
        title: name,
        subtitle: "Applicant".into(),
        link: format!("/applicants/{}", a.id),
        fields,
    }
}

/// A file's search document: found by its name, shown with its owner.
async fn file_doc(db: &sqlx::AnyPool, practice: &Practice, id: &str) -> Result<Option<SearchDoc>> {
    let Some(file) = crate::files::store::find(db, practice, id).await? else {
        return Ok(None);
    };
    let Some(owner) =
        crate::records::find_owner(db, practice, &file.owner_kind, &file.owner_id).await?
    else {
        return Ok(None);
    };
    Ok(Some(file_search_doc(
        practice,
        &file,
        owner.kind,
        &owner.label,
    )))
}

/// A file's search document, its owner (`applicant` or `case`) named by
/// `owner_label` (the applicant's name, the case's folio).
fn file_search_doc(
    practice: &Practice,
    file: &crate::files::store::StoredFile,
    owner_kind: &str,
    owner_label: &str,
) -> SearchDoc {
    let place = if file.folder.is_empty() {
        owner_label.to_string()
    } else {
        format!("{owner_label} · {}", file.folder)
    };
    let page = if owner_kind == "case" {
        "cases"
    } else {
        "applicants"
    };
    SearchDoc {
        practice_id: practice.id().to_string(),
        kind: "file".into(),
        id: file.id.clone(),
        title: file.name.clone(),
        subtitle: place,
        link: format!("/{page}/{}#files", file.owner_id),
        fields: vec![("file.name".into(), file.name.clone())],
    }
}
