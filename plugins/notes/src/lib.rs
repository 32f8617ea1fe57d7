//! # Notes
//!
//! Notes and follow-up reminders on anything: an applicant, a case, a ticket.
//! A note is about a `subject`, any string such as `applicant:ID`,
//! `case:ID` or `ticket:7`. A note with a follow-up time (`follow_up_at`,
//! milliseconds since the epoch) reminds its author at that time, unless it
//! is done by then: a notification under their bell (kind
//! `notes.follow_up`) and, unless they turned that kind's email off, the
//! email `"{reminder_prefix} {first line}"`.
//!
//! ## Applicants and cases
//!
//! A subject `applicant:{id}` or `case:{id}` names a record of the practice,
//! read through the host's `records` import as the person writing or reading
//! the note. A new note about one that does not exist (or is in the trash)
//! is refused with 422 naming `subject`; a person who may not read it gets
//! the host's 403 (`applicants.read` or `cases.read`) as it is. A case may
//! be named by its folio (`case:CAS014`, or `CAS014` alone); the note is
//! stored about `case:{id}` all the same, so the case's Notes tab lists it.
//! The note's
//! page names it, linked to its page: "About Ana Díaz" (`/applicants/{id}`)
//! or "About CAS014 (Ana Díaz)" (`/cases/{id}`), as far as the reader may
//! see it (the subject as written otherwise). The reminder email names it
//! the same way, with every field, since the timer reads with the module's
//! own rights.
//!
//! ## JSON API (below `/api/v1/m/notes`)
//!
//! | request | answer |
//! |---|---|
//! | `GET /notes?subject=&limit=&cursor=` | `{"items":[note...],"next_cursor":...}`, newest first |
//! | `POST /notes` `{subject, text, follow_up_at?}` | 201 with the note; 422 for an `applicant:`/`case:` subject that does not exist |
//! | `GET /notes/:id` | the note |
//! | `PUT /notes/:id` `{text, follow_up_at, done, version}` | the note; 409 with `current` when `version` is stale |
//! | `DELETE /notes/:id?version=` | 204; only the author or a holder of `notes.manage_all` |
//!
//! A note is `{id, version, subject, text, author_id, author_name,
//! follow_up_at, done, created_at, updated_at}`. Invalid input answers 422
//! naming the fields: `{"error":{"code":"invalid","message":"text: required","fields":{"text":"required"}}}`.
//!
//! ## Pages (below `/m/notes`)
//!
//! `/` lists the latest notes with a form to add one: its subject picks an
//! applicant or a case as one types (the host's record picker), and its
//! follow-up date is empty unless wanted (the form says what
//! `default_follow_up_days` ahead would be; the reminder goes out at 9:00 in
//! the author's time zone). `/notes/:id` shows one note and, to its author
//! (or a holder of `notes.manage_all`), "Mark done" / "Open again", a form
//! to change its text and follow-up (`POST /notes/:id`) and "Delete note"
//! (`POST /notes/:id/delete`).
//!
//! ## Events
//!
//! Emits `notes.created`, `notes.updated` (the note), `notes.deleted`
//! (`{id, subject}`) and `notes.follow_up_due`
//! (`{id, subject, author_id, follow_up_at}`). Listens to `case.closed`
//! (logged for now).
//!
//! ## Settings
//!
//! `reminder_prefix` (text, default `Follow up:`) and
//! `default_follow_up_days` (1 to 365, default 7).

use immcase_sdk::{
    Ctx, Doc, Error, Event, Notification, Plugin, Request, Response, Result, Router, SearchEntry,
    Timer, export_plugin, new_id,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod merges;
mod pages;
pub mod rules;
mod subjects;

pub struct Notes;

impl Plugin for Notes {
    fn router() -> Router {
        Router::new()
            .get("/", pages::home)
            .get("/notes", list)
            .post("/notes", create)
            .get("/notes/:id", show)
            .put("/notes/:id", update)
            .post("/notes/:id", save_from_page)
            .delete("/notes/:id", delete)
            .post("/notes/:id/delete", delete_from_page)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        if event.name == "applicant.merged" || event.name == "applicant.unmerged" {
            return merges::on_event(ctx, &event);
        }
        if event.name == "case.closed" {
            ctx.log_info(&format!(
                "case closed (event {}): nothing to do for notes yet",
                event.id
            ));
        }
        Ok(())
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        let Some(id) = timer.key.strip_prefix("note:") else {
            ctx.log_warn(&format!("unknown timer {}", timer.key));
            return Ok(());
        };
        send_reminder(ctx, id, timer.due_at)
    }
}

export_plugin!(Notes);

const COLLECTION: &str = "notes";

// Handlers ------------------------------------------------------------------

/// `GET /notes`: newest first (ids are time-ordered), optionally for one subject.
fn list(ctx: &Ctx, request: Request) -> Result<Response> {
    let filter: ListQuery = request.query_as()?;
    let limit = filter.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Error::invalid_field("limit", "must be 1 to 500"));
    }
    let mut query = notes(ctx)
        .query()
        .descending()
        .limit(limit)
        .after(filter.cursor);
    if let Some(subject) = filter.subject.filter(|s| !s.is_empty()) {
        query = query.where_eq("subject", subject);
    }
    let page = query.fetch()?;
    let items: Vec<NoteView> = page.items.iter().map(NoteView::of).collect();
    Ok(Response::json(
        &json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

/// `POST /notes`: JSON from the API, or the page's form (answered with a
/// redirect back to the page).
fn create(ctx: &Ctx, request: Request) -> Result<Response> {
    if request.is_page() {
        let form: NoteForm = request.form()?;
        let follow_up_at = rules::follow_up_from_date(&form.follow_up, &ctx.caller().time_zone);
        let new = follow_up_at.and_then(|follow_up_at| {
            add_note(
                ctx,
                NewNote {
                    subject: form.subject.clone(),
                    text: form.text.clone(),
                    follow_up_at,
                },
            )
        });
        return match new {
            Ok(doc) => {
                // From a record's tab: back to it.
                let back = (form.from == "tab")
                    .then(|| rules::subject_record(&doc.data.subject))
                    .flatten()
                    .map(|record| format!("{}?tab=notes#tab", record.page()));
                let to = back.unwrap_or_else(|| "/m/notes/".to_owned());
                Ok(Response::redirect(&to).flash("Note added."))
            }
            Err(error) if error.status() == 422 => pages::home_with_problem(ctx, &form, &error),
            Err(error) => Err(error),
        };
    }
    let doc = add_note(ctx, request.json()?)?;
    Ok(Response::created(&NoteView::of(&doc)))
}

/// `GET /notes/:id`: the note (as JSON, or as a page).
fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let doc = find(ctx, request.require_param("id")?)?;
    if request.is_page() {
        return Ok(pages::note(ctx, &doc));
    }
    Ok(Response::json(&NoteView::of(&doc)))
}

/// `PUT /notes/:id`: new text, follow-up and done flag, at a known version.
fn update(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let change: NoteChange = request.json()?;
    let doc = change_note(ctx, id, &change)?;
    Ok(Response::json(&NoteView::of(&doc)))
}

/// `POST /notes/:id` (the note page's forms): the text, follow-up date and
/// done box, or "Mark done" / "Open again"; back to the note.
fn save_from_page(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let form: NoteEditForm = request.form()?;
    let current = find(ctx, id)?;
    let follow_up_at = match &form.follow_up {
        Some(date) => rules::follow_up_from_date(date, &ctx.caller().time_zone),
        None => Ok(current.data.follow_up_at),
    };
    let change = follow_up_at.map(|follow_up_at| NoteChange {
        text: form
            .text
            .clone()
            .unwrap_or_else(|| current.data.text.clone()),
        follow_up_at,
        done: form
            .done
            .as_deref()
            .is_some_and(|d| !d.is_empty() && d != "no"),
        version: form.version,
    });
    match change.and_then(|change| change_note(ctx, id, &change)) {
        Ok(doc) => {
            let said = if doc.data.done && !current.data.done {
                "Note marked done."
            } else if !doc.data.done && current.data.done {
                "Note open again."
            } else {
                "Note saved."
            };
            Ok(Response::redirect(&format!("/m/notes/notes/{id}")).flash(said))
        }
        Err(error) if matches!(error.status(), 409 | 422) => Ok(pages::note_with_problem(
            ctx,
            &find(ctx, id)?,
            &form,
            &error,
        )),
        Err(error) => Err(error),
    }
}

/// `POST /notes/:id/delete` (the note page's button): back to the notes.
fn delete_from_page(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    remove_note(ctx, id, None)?;
    Ok(Response::redirect("/m/notes/").flash("Note deleted."))
}

/// Changes a note as `change` says, by its author or a holder of
/// `notes.manage_all`, at the version it names.
fn change_note(ctx: &Ctx, id: &str, change: &NoteChange) -> Result<Doc<Note>> {
    rules::check_change(change)?;
    let current = find(ctx, id)?;
    if !rules::may_change(ctx.caller(), &current.data) {
        return Err(Error::Forbidden(format!(
            "only the author or someone with {} may change this note",
            rules::MANAGE_ALL
        )));
    }
    let version = change.version.unwrap_or_default();
    if current.version != version {
        return Err(stale(&current));
    }
    let note = rules::apply_change(&current.data, change);
    let doc = match notes(ctx).update(id, &note, version) {
        Err(Error::Conflict(_)) => return Err(stale(&find(ctx, id)?)),
        other => other?,
    };
    sync_reminder(ctx, &doc)?;
    ctx.emit("notes.updated", &NoteView::of(&doc))?;
    index(ctx, &doc);
    Ok(doc)
}

/// `DELETE /notes/:id`: by the author or a holder of `notes.manage_all`.
fn delete(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let version = match request.query_param("version") {
        Some(v) => Some(
            v.parse()
                .map_err(|_| Error::invalid_field("version", "must be a number"))?,
        ),
        None => None,
    };
    remove_note(ctx, id, version)?;
    Ok(Response::no_content())
}

/// Deletes a note (at `version`, or as it is), by its author or a holder of
/// `notes.manage_all`, with its reminder and search entry.
fn remove_note(ctx: &Ctx, id: &str, version: Option<u64>) -> Result<()> {
    let current = find(ctx, id)?;
    if !rules::may_change(ctx.caller(), &current.data) {
        return Err(Error::Forbidden(format!(
            "only the author or someone with {} may delete this note",
            rules::MANAGE_ALL
        )));
    }
    let version = version.unwrap_or(current.version);
    if !notes(ctx).delete(id, Some(version))? {
        return Err(not_found(id));
    }
    ctx.cancel_timer(&rules::timer_key(id))?;
    ctx.emit(
        "notes.deleted",
        &json!({ "id": id, "subject": current.data.subject }),
    )?;
    if let Err(e) = ctx.search_remove(id) {
        ctx.log_warn(&format!("note {id} stays in search for now: {e}"));
    }
    Ok(())
}

/// Validates and stores a new note by the caller, with its timer, event and
/// search entry.
fn add_note(ctx: &Ctx, new: NewNote) -> Result<Doc<Note>> {
    rules::check_new(&new.subject, &new.text, new.follow_up_at)?;
    let subject = subjects::canonical(ctx, &new.subject)?;
    let caller = ctx.caller();
    let author_id = caller
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("only a signed-in person can write notes".into()))?;
    let note = Note {
        subject,
        text: new.text,
        author_id,
        author_name: caller.display_name.clone(),
        author_email: caller.email.clone(),
        follow_up_at: new.follow_up_at,
        done: false,
        reminded_for: None,
        moved_by_merge: None,
    };
    let doc = notes(ctx).insert(&new_id(), &note)?;
    sync_reminder(ctx, &doc)?;
    ctx.emit("notes.created", &NoteView::of(&doc))?;
    index(ctx, &doc);
    Ok(doc)
}

/// The kind of notification a reminder is (`[[notifications]]`).
const FOLLOW_UP: &str = "notes.follow_up";

/// A due reminder: tell the author (under their bell, and by email unless
/// they turned it off), tell subscribers, remember it was sent.
/// Redelivered or moved timers find nothing to do.
fn send_reminder(ctx: &Ctx, id: &str, due_at: i64) -> Result<()> {
    let Some(doc) = notes(ctx).get(id)? else {
        ctx.log_info(&format!("reminder for note {id}, which is gone"));
        return Ok(());
    };
    if !rules::timer_sends_reminder(&doc.data, due_at) {
        ctx.log_debug(&format!("reminder for note {id} is no longer due"));
        return Ok(());
    }
    let settings: Settings = ctx.settings()?;
    let note = &doc.data;
    // Under the author's bell, and by email unless they turned it off.
    let subject = rules::reminder_subject(&settings.reminder_prefix, &note.text);
    let body = rules::reminder_body(
        &ctx.caller().practice_url,
        id,
        note,
        &subjects::about(ctx, &note.subject),
    );
    let line = format!("Follow up: {}", rules::first_line(&note.text, 200));
    let reminder = Notification::new(
        &note.author_id,
        FOLLOW_UP,
        &line,
        &format!("/m/notes/notes/{id}"),
    )
    .with_email(&subject, &body);
    ctx.notify(&reminder)?;
    ctx.emit(
        "notes.follow_up_due",
        &json!({
            "id": id,
            "subject": note.subject,
            "author_id": note.author_id,
            "follow_up_at": note.follow_up_at,
        }),
    )?;
    let mut reminded = note.clone();
    reminded.reminded_for = Some(due_at);
    // A conflict fails the call: mail and event are dropped and the host retries.
    notes(ctx).update(id, &reminded, doc.version)?;
    Ok(())
}

/// Schedules, moves or cancels the note's reminder timer.
fn sync_reminder(ctx: &Ctx, doc: &Doc<Note>) -> Result<()> {
    let key = rules::timer_key(&doc.id);
    match rules::reminder_due(&doc.data) {
        Some(at) => ctx.schedule_at(at, &key, &json!({ "note_id": doc.id })),
        None => ctx.cancel_timer(&key).map(|_| ()),
    }
}

/// Puts the note in global search; search being unavailable is not fatal.
pub(crate) fn index(ctx: &Ctx, doc: &Doc<Note>) {
    let entry = SearchEntry {
        id: doc.id.clone(),
        title: format!(
            "{} ({})",
            rules::first_line(&doc.data.text, 80),
            doc.data.subject
        ),
        body: doc.data.text.clone(),
        path: format!("/notes/{}", doc.id),
        permission: Some("module:notes".into()),
    };
    if let Err(e) = ctx.search_put(&entry) {
        ctx.log_warn(&format!("note {} not in search for now: {e}", doc.id));
    }
}

pub(crate) fn notes(ctx: &Ctx) -> immcase_sdk::Collection<Note> {
    ctx.collection(COLLECTION)
}

fn find(ctx: &Ctx, id: &str) -> Result<Doc<Note>> {
    notes(ctx).get(id)?.ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("note {id} not found"))
}

fn stale(current: &Doc<Note>) -> Error {
    Error::Conflict(format!(
        "note {} was changed in the meantime; it is now at version {}",
        current.id, current.version
    ))
    .with(
        "current",
        serde_json::to_value(NoteView::of(current)).unwrap_or_default(),
    )
}

// Domain types --------------------------------------------------------------

/// A note as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub subject: String,
    pub text: String,
    pub author_id: String,
    pub author_name: String,
    /// Where the reminder goes (not shown in the API).
    #[serde(default)]
    pub author_email: String,
    pub follow_up_at: Option<i64>,
    pub done: bool,
    /// The follow-up time whose reminder was sent (not shown in the API).
    #[serde(default)]
    pub reminded_for: Option<i64>,
    /// When a merge of applicants moved it: the merge, and the subject it
    /// had, to go back to if the merge is undone (not shown in the API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_by_merge: Option<MovedByMerge>,
}

/// See [`Note::moved_by_merge`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovedByMerge {
    pub merge_id: String,
    pub from: String,
}

/// A note as the API shows it.
#[derive(Debug, Serialize)]
pub struct NoteView<'a> {
    pub id: &'a str,
    pub version: u64,
    pub subject: &'a str,
    pub text: &'a str,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub follow_up_at: Option<i64>,
    pub done: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl<'a> NoteView<'a> {
    pub fn of(doc: &'a Doc<Note>) -> Self {
        Self {
            id: &doc.id,
            version: doc.version,
            subject: &doc.data.subject,
            text: &doc.data.text,
            author_id: &doc.data.author_id,
            author_name: &doc.data.author_name,
            follow_up_at: doc.data.follow_up_at,
            done: doc.data.done,
            created_at: doc.created_at,
            updated_at: doc.updated_at,
        }
    }
}

/// `POST /notes` from the API. Missing strings count as empty, so the
/// answer names the field.
#[derive(Debug, Deserialize)]
pub struct NewNote {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub follow_up_at: Option<i64>,
}

/// `PUT /notes/:id`.
#[derive(Debug, Deserialize)]
pub struct NoteChange {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub follow_up_at: Option<i64>,
    #[serde(default)]
    pub done: bool,
    pub version: Option<u64>,
}

/// The note page's forms: the text, the follow-up date (`YYYY-MM-DD`, empty
/// for none), the done box (`yes`) and the version the page showed. "Mark
/// done" sends only `done` and `version`: what it leaves out stays.
#[derive(Debug, Default, Deserialize)]
pub struct NoteEditForm {
    pub text: Option<String>,
    pub follow_up: Option<String>,
    pub done: Option<String>,
    pub version: Option<u64>,
}

/// The page's form: `follow_up` is a date (`YYYY-MM-DD`) or empty.
#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub follow_up: String,
    /// `tab` when posted from a record's tab, which it goes back to.
    #[serde(default)]
    pub from: String,
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    subject: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The module's settings (`[settings]` in plugin.toml; the host fills in
/// the defaults, repeated here for safety).
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub reminder_prefix: String,
    pub default_follow_up_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            reminder_prefix: "Follow up:".into(),
            default_follow_up_days: 7,
        }
    }
}
