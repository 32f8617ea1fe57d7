//! The search document of every kind of record: applicants, cases, files
//! and modules' own documents (`module_docs`). A document carries every
//! searchable field under its key, so a reader's field rules decide which
//! ones a query may match; title, subtitle and link are shown to anyone who
//! may see the record. An applicant's searchable fields are those the
//! practice chose in Settings → Search (`settings`).

use immcase_search_index::SearchDoc;

use super::module_docs;
use super::settings::{self, SearchSettings};
use crate::access::permissions::MODULE_PREFIX;
use crate::error::Result;
use crate::practices::Practice;
use crate::records::applicant::Applicant;
use crate::records::{applicant_store, case, case_store, program_store};

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
            Ok(Some(case_search_doc(
                practice,
                &c,
                &program,
                applicant.as_ref(),
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
    applicant: Option<&Applicant>,
) -> SearchDoc {
    let name = applicant
        .map(|a| {
            format!("{} {}", a.given_name, a.family_name)
                .trim()
                .to_string()
        })
        .unwrap_or_default();
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
/// after `after` (for rebuilding the index).
pub async fn page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    kind: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SearchDoc>> {
    if let Some(module) = kind.strip_prefix(MODULE_PREFIX) {
        let found = module_docs::page(db, practice, module, after, limit).await?;
        let doc = |d: &module_docs::ModuleSearchDoc| module_docs::search_doc(practice, module, d);
        return Ok(found.iter().map(doc).collect());
    }
    if kind == "applicant" {
        let fields = settings::find(db, practice).await?;
        let (docs, _) = applicant_page(db, practice, &fields, after, limit).await?;
        return Ok(docs);
    }
    let ids: Vec<String> = match kind {
        "file" => sqlx::query_scalar(
            "SELECT id FROM files WHERE practice_id = $1 AND deleted_at IS NULL \
             AND owner_kind IN ('applicant', 'case') \
             AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
        ),
        _ => sqlx::query_scalar(
            "SELECT id FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
        ),
    }
    .bind(practice.id())
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut docs = Vec::with_capacity(ids.len());
    for id in ids {
        docs.extend(document(db, practice, kind, &id).await?);
    }
    Ok(docs)
}

/// A page of a practice's applicants as search documents with `fields`
/// searchable, by id after `after` (for rebuilding the index), and the last
/// id read: where the next page starts, even when that applicant was
/// deleted in between (`None` past the last page).
pub async fn applicant_page(
    db: &sqlx::AnyPool,
    practice: &Practice,
    fields: &SearchSettings,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<SearchDoc>, Option<String>)> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
         AND (CAST($2 AS TEXT) IS NULL OR id > $2) ORDER BY id LIMIT $3",
    )
    .bind(practice.id())
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut docs = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(a) = applicant_store::find(db, practice, id).await? {
            docs.push(applicant_doc(practice, fields, &a));
        }
    }
    Ok((docs, ids.last().cloned()))
}

/// The applicant in global search: each field the practice searches by
/// under its key, so a reader's field rules decide which ones a query may
/// match. Title, subtitle and link are the same whatever the fields.
fn applicant_doc(practice: &Practice, searched: &SearchSettings, a: &Applicant) -> SearchDoc {
    let name = format!("{} {}", a.given_name, a.family_name)
        .trim()
        .to_string();
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
    let place = if file.folder.is_empty() {
        owner.label.clone()
    } else {
        format!("{} · {}", owner.label, file.folder)
    };
    let page = if owner.kind == "case" {
        "cases"
    } else {
        "applicants"
    };
    Ok(Some(SearchDoc {
        practice_id: practice.id().to_string(),
        kind: "file".into(),
        id: file.id.clone(),
        title: file.name.clone(),
        subtitle: place,
        link: format!("/{page}/{}#files", owner.id),
        fields: vec![("file.name".into(), file.name.clone())],
    }))
}
