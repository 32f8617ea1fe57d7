//! An applicant's data export (docs/personal-data.md): everything the
//! practice holds about one applicant, as a zip of JSON and files, for a
//! person who asks what is kept about them or takes their file elsewhere.
//!
//! It holds the applicant with every field (no field rule applies: the
//! exporter is an administrator), their cases, both timelines, their files'
//! descriptions and contents, the audit entries about them, and every
//! module document that names them or one of their cases. The zip is
//! written to an unnamed temporary file as the parts are read (file
//! contents are never held whole) and then sent; the export is audited.

use std::collections::BTreeSet;
use std::io::{Seek, Write};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sqlx::Row;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;

use crate::access::Caller;
use crate::api::Path;
use crate::error::{AppError, ErrorBody, Result};
use crate::files::{naming, store as file_store};
use crate::records::{applicant, applicant_store, audited, case_store, timeline};
use crate::state::AppState;

/// Who may export: an administrator of the practice, who sees every field.
pub const PERMISSION: &str = "practice.manage";

/// One part of the zip, sent to the thread that writes it.
enum Part {
    Start(String),
    Data(Bytes),
}

/// Everything held about an applicant, as a zip (needs `practice.manage`
/// and `applicants.read`).
#[utoipa::path(get, path = "/api/v1/applicants/{id}/export", tag = "applicants", params(("id" = String, Path)),
    responses((status = 200, description = "A zip of JSON and files", content_type = "application/zip"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response> {
    caller.require("applicants.read")?;
    caller.require(PERMISSION)?;
    let practice = &caller.practice;
    let db = state.db.pool();
    let a = applicant_store::find(db, practice, &id)
        .await?
        .ok_or(AppError::NotFound("applicant"))?;
    let everything = Default::default();

    let (parts, receive) = mpsc::channel::<Part>(8);
    let dir = state.config.data_dir.clone();
    let at = state.now_ms();
    let writer = tokio::task::spawn_blocking(move || write_zip(&dir, receive, at));
    let send = |name: String, value: &Value| {
        let text = serde_json::to_vec_pretty(value).unwrap_or_default();
        let parts = parts.clone();
        async move {
            parts.send(Part::Start(name)).await.ok();
            parts.send(Part::Data(Bytes::from(text))).await.ok();
        }
    };

    send("README.txt".into(), &Value::String(readme(&caller, &a, at))).await;
    send(
        "applicant.json".into(),
        &applicant::visible(&a, &everything),
    )
    .await;
    let history = timeline::of_record(db, practice, "applicant", &id, &everything).await?;
    send("applicant-timeline.json".into(), &json!(history)).await;

    let case_ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM cases WHERE practice_id = $1 AND applicant_id = $2 AND deleted_at IS NULL \
         ORDER BY folio_number",
    )
    .bind(practice.id())
    .bind(&id)
    .fetch_all(db)
    .await?;
    let mut owners = vec![("applicant".to_string(), id.clone(), "applicant".to_string())];
    for case_id in &case_ids {
        let Some(case) = case_store::find(db, practice, case_id).await? else {
            continue;
        };
        let history = timeline::of_record(db, practice, "case", case_id, &everything).await?;
        let record = crate::records::visible(&case, "case", &everything);
        send(
            format!("cases/{}.json", case.folio),
            &json!({ "case": record, "timeline": history }),
        )
        .await;
        owners.push((
            "case".into(),
            case.id.clone(),
            format!("cases/{}", case.folio),
        ));
    }

    // The files: their descriptions, then their contents.
    let mut described = Vec::new();
    let mut used = BTreeSet::new();
    let mut contents = Vec::new();
    for (kind, owner_id, folder) in &owners {
        for file in file_store::list_owner(db, practice, kind, owner_id).await? {
            let path = unique_path(&mut used, folder, &file.folder, &file.name);
            let mut info = serde_json::to_value(file.info(None)).unwrap_or(Value::Null);
            info["in_export"] = json!(path);
            described.push(info);
            contents.push((path, file));
        }
    }
    send("files.json".into(), &json!(described)).await;
    for (path, file) in contents {
        parts.send(Part::Start(path)).await.ok();
        let mut stream =
            state.blobs.read(&file.blob_key).await.map_err(|e| {
                anyhow::anyhow!("reading {} from the blob store: {e}", file.blob_key)
            })?;
        while let Some(chunk) = stream.try_next().await.map_err(anyhow::Error::new)? {
            parts.send(Part::Data(chunk)).await.ok();
        }
    }

    let audit = audit_entries(&state, &caller, &id).await?;
    send("audit.json".into(), &json!(audit)).await;
    let mut names = vec![id.clone()];
    names.extend(case_ids.iter().cloned());
    for (module, documents) in module_documents(&state, &caller, &names).await? {
        send(format!("modules/{module}.json"), &json!(documents)).await;
    }
    drop(parts);
    let file = writer
        .await
        .map_err(|e| anyhow::anyhow!("writing the export: {e}"))??;

    let mut tx = state.db.begin().await?;
    let with = json!({ "cases": case_ids.len(), "files": described.len() });
    audited::applicant(&mut tx, &caller, "applicant.exported", &a, with, at).await?;
    tx.commit().await?;

    let length = file.metadata().map_err(anyhow::Error::new)?.len();
    let mut response =
        Body::from_stream(read_chunks(tokio::fs::File::from_std(file))).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let name = format!(
        "{} {} - data export.zip",
        a.given_name.trim(),
        a.family_name.trim()
    );
    if let Ok(value) = HeaderValue::from_str(&naming::content_disposition(name.trim(), false)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// What the zip holds, for the person who opens it.
fn readme(caller: &Caller, a: &applicant::Applicant, at: i64) -> String {
    format!(
        "Everything {practice} holds about {given} {family}, exported by {by} on {when}.\n\n\
         applicant.json            the applicant's record, every field\n\
         applicant-timeline.json   who changed which field, from what to what, and when\n\
         cases/FOLIO.json          each case, with its own timeline\n\
         files.json                each file's name, folder, type, size and SHA-256\n\
         files/...                 the files' contents (applicant/ and cases/FOLIO/)\n\
         audit.json                the practice's audit entries about them\n\
         modules/MODULE.json       what each module keeps that names them or their cases\n",
        practice = caller.practice.name(),
        given = a.given_name,
        family = a.family_name,
        by = caller.email,
        when = crate::clock::rfc3339(at),
    )
}

/// A path in the zip for a file, not used by another (`name (2).ext`...).
fn unique_path(used: &mut BTreeSet<String>, owner: &str, folder: &str, name: &str) -> String {
    let base = if folder.is_empty() {
        format!("files/{owner}/")
    } else {
        format!("files/{owner}/{folder}/")
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let mut path = format!("{base}{name}");
    let mut n = 2;
    while !used.insert(path.clone()) {
        path = format!("{base}{stem} ({n}){ext}");
        n += 1;
    }
    path
}

/// The audit entries about the applicant (and their cases and files).
async fn audit_entries(state: &AppState, caller: &Caller, id: &str) -> Result<Vec<Value>> {
    let rows = sqlx::query(
        "SELECT at, actor_email, action, target, client_addr, details FROM audit_log \
         WHERE practice_id = $1 AND applicant_id = $2 ORDER BY id LIMIT 100000",
    )
    .bind(caller.practice.id())
    .bind(id)
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let details: String = row.try_get("details")?;
            Ok(json!({
                "at": crate::clock::rfc3339(row.try_get::<i64, _>("at")?),
                "by": row.try_get::<Option<String>, _>("actor_email")?,
                "action": row.try_get::<String, _>("action")?,
                "target": row.try_get::<Option<String>, _>("target")?,
                "from": row.try_get::<Option<String>, _>("client_addr")?,
                "details": serde_json::from_str::<Value>(&details).unwrap_or(Value::String(details)),
            }))
        })
        .collect()
}

/// The module documents of the practice that name one of `ids` (the
/// applicant's and their cases'), by module.
async fn module_documents(
    state: &AppState,
    caller: &Caller,
    ids: &[String],
) -> Result<Vec<(String, Vec<Value>)>> {
    let mut by_module: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let mut seen = BTreeSet::new();
    // One pass over the practice's documents per batch of ids (an
    // applicant and their cases are one batch), not one per id. Ids are
    // UUIDs: one found in a document's text is that record.
    for batch in ids.chunks(50) {
        let any_of: Vec<String> = (0..batch.len())
            .map(|i| format!("data LIKE ${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT module_id, collection, id, data, created_at, updated_at FROM module_documents \
             WHERE practice_id = $1 AND ({}) ORDER BY module_id, collection, id LIMIT 10000",
            any_of.join(" OR ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(caller.practice.id());
        for id in batch {
            query = query.bind(format!("%{id}%"));
        }
        for row in query.fetch_all(state.db.pool()).await? {
            let (module, collection, doc_id): (String, String, String) = (
                row.try_get("module_id")?,
                row.try_get("collection")?,
                row.try_get("id")?,
            );
            if !seen.insert((module.clone(), collection.clone(), doc_id.clone())) {
                continue;
            }
            let data: String = row.try_get("data")?;
            by_module.entry(module).or_default().push(json!({
                "collection": collection,
                "id": doc_id,
                "created_at": crate::clock::rfc3339(row.try_get::<i64, _>("created_at")?),
                "updated_at": crate::clock::rfc3339(row.try_get::<i64, _>("updated_at")?),
                "data": serde_json::from_str::<Value>(&data).unwrap_or(Value::String(data)),
            }));
        }
    }
    Ok(by_module.into_iter().collect())
}

/// Writes the parts it receives into a zip in an unnamed temporary file
/// in `dir`; the file, at its start, once the parts end.
fn write_zip(
    dir: &std::path::Path,
    mut parts: mpsc::Receiver<Part>,
    at: i64,
) -> anyhow::Result<std::fs::File> {
    let file = tempfile::tempfile_in(dir)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true)
        .last_modified_time(zip_time(at));
    while let Some(part) = parts.blocking_recv() {
        match part {
            Part::Start(name) => zip.start_file(name, options)?,
            Part::Data(bytes) => zip.write_all(&bytes)?,
        }
    }
    let mut file = zip.finish()?;
    file.rewind()?;
    Ok(file)
}

/// The zip's time of the export (UTC; zip times have no zone).
fn zip_time(at: i64) -> zip::DateTime {
    let when = jiff::Timestamp::from_millisecond(at)
        .unwrap_or_default()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC);
    zip::DateTime::from_date_and_time(
        u16::try_from(when.year()).unwrap_or(1980),
        u8::try_from(when.month()).unwrap_or(1),
        u8::try_from(when.day()).unwrap_or(1),
        u8::try_from(when.hour()).unwrap_or(0),
        u8::try_from(when.minute()).unwrap_or(0),
        u8::try_from(when.second()).unwrap_or(0),
    )
    .unwrap_or_default()
}

/// A file's contents as a stream of chunks.
fn read_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send {
    futures_util::stream::try_unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), file)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_the_zip_are_never_used_twice() {
        let mut used = BTreeSet::new();
        assert_eq!(
            unique_path(&mut used, "applicant", "", "scan.pdf"),
            "files/applicant/scan.pdf"
        );
        assert_eq!(
            unique_path(&mut used, "applicant", "", "scan.pdf"),
            "files/applicant/scan (2).pdf"
        );
        assert_eq!(
            unique_path(&mut used, "applicant", "", "scan.pdf"),
            "files/applicant/scan (3).pdf"
        );
        assert_eq!(
            unique_path(&mut used, "cases/CAS001", "Identity", "scan.pdf"),
            "files/cases/CAS001/Identity/scan.pdf"
        );
        assert_eq!(
            unique_path(&mut used, "applicant", "", ".profile"),
            "files/applicant/.profile"
        );
        assert_eq!(
            unique_path(&mut used, "applicant", "", ".profile"),
            "files/applicant/.profile (2)"
        );
    }
}
