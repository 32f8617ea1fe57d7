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

/// The search documents of the practice's records of `kind` with these
/// ids as they are now, in a few queries whatever their number; a record
/// that is gone (deleted, or moved to the trash) or of an unknown kind has
/// none. Kind `module:{id}` is a module's own documents
/// (`modules::search_docs`).
pub async fn many(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    kind: &str,
    ids: &[String],
) -> Result<Vec<SearchDoc>> {
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let mut docs = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(d) = module_docs::find(&mut *conn, practice, module, id).await? {
                docs.push(module_docs::search_doc(practice, module, &d));
            }
        }
        return Ok(docs);
    }
    match kind {
        "applicant" => {
            let fields = settings::find(&mut *conn, practice).await?;
            let applicants = applicant_store::find_many(conn, practice, ids).await?;
            Ok(applicants
                .iter()
                .map(|a| applicant_doc(practice, &fields, a))
                .collect())
        }
        "case" => {
            let cases = case_store::find_many(conn, practice, ids).await?;
            case_docs(conn, practice, &cases).await
        }
        "file" => {
            let files = crate::files::store::find_many(conn, practice, ids).await?;
            file_docs(conn, practice, &files).await
        }
        _ => Ok(Vec::new()),
    }
}

/// The search documents of these cases: each with its program's label
/// (the practice may have renamed it) and its applicant's name.
async fn case_docs(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    cases: &[case::Case],
) -> Result<Vec<SearchDoc>> {
    let applicants: Vec<String> = cases.iter().map(|c| c.applicant_id.clone()).collect();
    let names = live_names(conn, practice, &applicants, &[]).await?.0;
    let programs: HashMap<String, String> = program_store::list(&mut *conn, practice)
        .await?
        .into_iter()
        .map(|p| (p.key, p.label))
        .collect();
    Ok(cases
        .iter()
        .map(|c| {
            let program = programs
                .get(&c.program)
                .cloned()
                .unwrap_or_else(|| c.program.replace('_', " "));
            let name = names.get(&c.applicant_id).map(String::as_str);
            case_search_doc(practice, c, &program, name)
        })
        .collect())
}

/// The search documents of these files, each shown with its owner; a file
/// whose owner is in the trash has none.
async fn file_docs(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    files: &[crate::files::store::StoredFile],
) -> Result<Vec<SearchDoc>> {
    let of = |kind: &str| -> Vec<String> {
        files
            .iter()
            .filter(|f| f.owner_kind == kind)
            .map(|f| f.owner_id.clone())
            .collect()
    };
    let (applicants, folios) = live_names(conn, practice, &of("applicant"), &of("case")).await?;
    Ok(files
        .iter()
        .filter_map(|f| {
            let owner = match f.owner_kind.as_str() {
                "case" => folios.get(&f.owner_id),
                _ => applicants.get(&f.owner_id),
            }?;
            Some(file_search_doc(practice, f, &f.owner_kind, owner))
        })
        .collect())
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
            let mut conn = db.acquire().await?;
            Ok((case_docs(&mut conn, practice, &cases).await?, last))
        }
        "file" => {
            let files = crate::files::store::in_id_order(db, practice, after, limit).await?;
            let last = files.last().map(|f| f.id.clone());
            let mut conn = db.acquire().await?;
            Ok((file_docs(&mut conn, practice, &files).await?, last))
        }
        _ => Ok((Vec::new(), None)),
    }
}

/// The names of the applicants and the folios of the cases of these ids
/// that are not in the trash, by id (looked up as the audit log does, a
/// query per kind and hundred ids).
async fn live_names(
    conn: &mut sqlx::AnyConnection,
    practice: &Practice,
    applicant_ids: &[String],
    case_ids: &[String],
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let found = audited::names(conn, practice, applicant_ids, case_ids).await?;
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
