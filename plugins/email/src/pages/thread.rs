//! A conversation: each message with its headers, its text or its HTML
//! (sanitised; remote images blocked until "Show images" for that
//! message), its attachments to download, and the records it is linked to
//! with why; links made and removed by hand; Reply, Reply all, Forward.

use immcase_sdk::html::{Element, Html, el};
use immcase_sdk::{Ctx, Doc, Error, Request, Response, Result};

use super::{
    BASE, Labels, Section, alert, chip, field, form_pairs, frame, named_button_form, size,
    text_body,
};
use crate::access::Reader;
use crate::api::messages::{link_by_hand, unlink_by_hand};
use crate::api::threads::messages_of;
use crate::data::{State, StoredMessage};
use crate::keep;
use crate::linking;
use crate::outgoing::prepare::when;
use crate::rules::html::sanitise;
use crate::rules::link::{FolioKind, folios};
use crate::rules::parse;
use crate::seen::mark_seen;

/// `GET /threads/{id}` (`?images=MESSAGE` shows that message's remote
/// images).
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let thread = reader.thread(ctx, request.require_param("id")?)?;
    let images = request.query_param("images").unwrap_or_default();
    let mut labels = Labels::default();
    let candidates = candidates(ctx, &thread.data.addresses);
    let mut articles = Vec::new();
    for message in messages_of(ctx, &thread.id)? {
        let show_images = images == message.id;
        articles.push(article(
            ctx,
            &thread.id,
            &message,
            show_images,
            &mut labels,
            &candidates,
        )?);
    }
    mark_seen(ctx, reader.person()?, &thread.data.mailbox_id, &thread.id)?;
    let title = if thread.data.subject.is_empty() {
        "(no subject)"
    } else {
        thread.data.subject.as_str()
    };
    let back = el("p").child(
        el("a")
            .attr(
                "href",
                format!("{BASE}/?mailbox={}", thread.data.mailbox_id),
            )
            .text("← Inbox"),
    );
    Ok(frame(
        Section::None,
        title,
        el("div")
            .class("em-thread-view")
            .child(back)
            .children(articles),
    ))
}

fn header(label: &str, value: &str) -> [Element; 2] {
    [el("dt").text(label), el("dd").text(value)]
}

fn article(
    ctx: &Ctx,
    thread_id: &str,
    doc: &Doc<StoredMessage>,
    show_images: bool,
    labels: &mut Labels,
    candidates: &[(String, String)],
) -> Result<Element> {
    let m = &doc.data;
    let join = |list: &[parse::Mailbox]| {
        list.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut headers = Vec::new();
    headers.extend(header(
        "From",
        &m.from.as_ref().map(ToString::to_string).unwrap_or_default(),
    ));
    headers.extend(header("To", &join(&m.to)));
    if !m.cc.is_empty() {
        headers.extend(header("Cc", &join(&m.cc)));
    }
    headers.extend(header("Date", &when(m.at, &ctx.caller().time_zone)));
    if m.state != State::Received {
        let state = match &m.reason {
            Some(reason) => format!("{}: {reason}", m.state.label()),
            None => m.state.label().to_owned(),
        };
        headers.extend(header("State", &state));
    }
    let mut body = el("div").class("em-body");
    match html_of(ctx, m)? {
        Some(html) => {
            let id = doc.id.clone();
            let attachments = m.attachments.clone();
            let clean = sanitise(&html, show_images, |cid| {
                attachments
                    .iter()
                    .position(|a| a.content_id.as_deref() == Some(cid))
                    .map(|n| format!("{BASE}/messages/{id}/attachments/{n}"))
            });
            if clean.blocked_images > 0 {
                body = body.child(
                    el("p")
                        .class("em-blocked")
                        .child(el("span").text(&format!(
                            "{} remote image(s) blocked to protect your privacy. ",
                            clean.blocked_images
                        )))
                        .child(
                            el("a")
                                .attr(
                                    "href",
                                    format!(
                                        "{BASE}/threads/{thread_id}?images={}#m-{}",
                                        doc.id, doc.id
                                    ),
                                )
                                .text("Show images"),
                        ),
                );
            }
            body = body.child(el("div").class("em-html").child(Html::trusted(clean.html)));
        }
        None => body = body.child(text_body(&m.text)),
    }
    let files = m
        .attachments
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.inline)
        .map(|(n, a)| {
            el("li").child(
                el("a")
                    .attr(
                        "href",
                        format!("{BASE}/messages/{}/attachments/{n}", doc.id),
                    )
                    .attr("download", &a.name)
                    .text(&format!("{} ({})", a.name, size(a.size))),
            )
        });
    let omitted = m.omitted.iter().map(|(name, bytes)| {
        el("li").text(&format!(
            "{name} ({}) — too large to keep here",
            size(*bytes)
        ))
    });
    let links = linking::of_message(ctx, &doc.id)?;
    let link_items = links
        .iter()
        .map(|link| {
            let label = labels.of(ctx, &link.record);
            el("li")
                .child(chip(ctx, labels, &link.record))
                .child(
                    el("span")
                        .class("em-soft")
                        .text(&format!(" {}", link.reason.describe())),
                )
                .child(named_button_form(
                    &format!("{BASE}/messages/{}/links/{}/delete", doc.id, link.record),
                    "Unlink",
                    &format!("Unlink {label}"),
                ))
        })
        .collect::<Vec<_>>();
    let actions = el("nav")
        .class("em-actions")
        .attr("aria-label", "Answer")
        .children(
            [
                ("reply", "Reply"),
                ("reply_all", "Reply all"),
                ("forward", "Forward"),
            ]
            .map(|(mode, label)| {
                el("a")
                    .class("button")
                    .attr(
                        "href",
                        format!("{BASE}/compose?mode={mode}&parent={}", doc.id),
                    )
                    .text(label)
            }),
        );
    let mut article = el("article")
        .class("em-message")
        .attr("id", format!("m-{}", doc.id))
        .child(el("h2").class("em-msg-subject").text(&m.subject))
        .child(el("dl").class("em-headers").children(headers))
        .child(body);
    if m.attachments.iter().any(|a| !a.inline) || !m.omitted.is_empty() {
        article = article
            .child(el("h3").text("Attachments"))
            .child(el("ul").class("em-files").children(files).children(omitted));
    }
    article = article
        .child(el("h3").text("Linked to"))
        .child(if link_items.is_empty() {
            el("p").class("em-soft").text("Nothing yet.")
        } else {
            el("ul").class("em-links").children(link_items)
        })
        .child(link_form(&doc.id, candidates))
        .child(actions);
    Ok(article)
}

/// The most addresses of a thread looked up for "Link to…".
const CANDIDATE_ADDRESSES: usize = 10;

/// The applicants who have one of the thread's addresses, as the reader
/// may see them: what "Link to…" offers to pick. `(record, label)`.
fn candidates(ctx: &Ctx, addresses: &[String]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for address in addresses.iter().take(CANDIDATE_ADDRESSES) {
        for applicant in ctx.applicants_by_email(address).unwrap_or_default() {
            let record = linking::applicant(&applicant.id);
            if !found.iter().any(|(known, _)| *known == record) {
                let label = format!("{} ({address})", applicant.display_name());
                found.push((record, label));
            }
        }
    }
    found
}

/// "Link to…": an applicant of the thread's people, or a case or ticket
/// folio (or `applicant:ID`, `case:ID`) typed.
fn link_form(message: &str, candidates: &[(String, String)]) -> Element {
    let pick = format!("pick-{message}");
    let typed = format!("link-{message}");
    let mut form = el("form")
        .attr("method", "post")
        .attr("action", format!("{BASE}/messages/{message}/links"))
        .class("em-link-form")
        .attr("aria-label", "Link to a record");
    if !candidates.is_empty() {
        let options = candidates
            .iter()
            .map(|(record, label)| el("option").attr("value", record).text(label));
        form = form
            .child(
                el("label")
                    .attr("for", pick.clone())
                    .text("Link to an applicant"),
            )
            .child(
                el("select")
                    .attr("id", pick)
                    .attr("name", "record")
                    .child(el("option").attr("value", "").text("Choose…"))
                    .children(options),
            );
    }
    form.child(
        el("label")
            .attr("for", typed.clone())
            .text("Link to a case or ticket (CAS014, TKT012, applicant:ID or case:ID)"),
    )
    .child(el("input").attr("id", typed).attr("name", "folio"))
    .child(el("button").attr("type", "submit").text("Link"))
}

/// The message's raw HTML, from its document or its raw message.
fn html_of(ctx: &Ctx, m: &StoredMessage) -> Result<Option<String>> {
    if let Some(html) = &m.html {
        return Ok(Some(html.clone()));
    }
    match (&m.raw_id, m.html_in_raw) {
        (Some(raw_id), true) => {
            let raw = ctx.read_mailbox_message(raw_id)?;
            Ok(parse::parse(&raw, keep::limits()).ok().and_then(|p| p.html))
        }
        _ => Ok(None),
    }
}

/// What `record` typed in "Link to…" means: a folio, or a record.
fn typed_record(ctx: &Ctx, typed: &str) -> Result<String> {
    let typed = typed.trim();
    if typed.contains(':') {
        return Ok(typed.to_owned());
    }
    match folios(typed).as_slice() {
        [folio] if folio.kind == FolioKind::Case => ctx
            .case_by_folio(&folio.to_string())?
            .map(|case| linking::case(&case.id))
            .ok_or_else(|| Error::invalid_field("record", &format!("no case {folio}"))),
        [folio] => Ok(format!("ticket:{folio}")),
        _ => Err(Error::invalid_field(
            "record",
            "a folio such as CAS014 or TKT012",
        )),
    }
}

/// `POST /messages/{id}/links` from the page.
pub fn link(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    let message = reader.message(ctx, id)?;
    let pairs = form_pairs(&request);
    let back = format!("{BASE}/threads/{}#m-{id}", message.data.thread_id);
    let typed = match field(&pairs, "folio").trim() {
        "" => field(&pairs, "record"),
        folio => folio,
    };
    let record =
        typed_record(ctx, typed).and_then(|record| link_by_hand(ctx, &reader, id, &record));
    match record {
        Ok(_) => Ok(Response::redirect(&back).flash("Linked.")),
        Err(Error::Invalid(problem)) | Err(Error::NotFound(problem)) => Ok(frame(
            Section::None,
            "Not linked",
            el("div")
                .child(alert(&problem))
                .child(el("p").child(el("a").attr("href", back).text("Back to the conversation"))),
        )
        .status(422)),
        Err(other) => Err(other),
    }
}

/// `POST /messages/{id}/links/{record}/delete` from the page.
pub fn unlink(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let id = request.require_param("id")?;
    let message = reader.message(ctx, id)?;
    unlink_by_hand(ctx, &reader, id, request.require_param("record")?)?;
    Ok(
        Response::redirect(&format!("{BASE}/threads/{}#m-{id}", message.data.thread_id))
            .flash("Unlinked."),
    )
}

/// Types a browser would run or show as a page: served as plain bytes.
fn risky(content_type: &str) -> bool {
    let t = content_type.to_ascii_lowercase();
    t.contains("html") || t.contains("xml") || t.contains("javascript") || t.contains("svg")
}

/// `GET /messages/{id}/attachments/{n}`: always a download.
pub fn attachment(ctx: &Ctx, request: Request) -> Result<Response> {
    let reader = Reader::of(ctx)?;
    let message = reader.message(ctx, request.require_param("id")?)?;
    let n: usize = request
        .require_param("n")?
        .parse()
        .map_err(|_| Error::NotFound("no such attachment".into()))?;
    let info = message
        .data
        .attachments
        .get(n)
        .ok_or_else(|| Error::NotFound("no such attachment".into()))?;
    let from_raw = |raw_id: &str, at: usize| -> Result<Vec<u8>> {
        let raw = ctx.read_mailbox_message(raw_id)?;
        let parsed = parse::parse(&raw, keep::limits())
            .map_err(|e| Error::Internal(format!("message {raw_id}: {e}")))?;
        parsed
            .attachments
            .into_iter()
            .nth(at)
            .map(|a| a.bytes)
            .ok_or_else(|| Error::NotFound("no such attachment".into()))
    };
    let bytes = match (&info.file_id, &info.forwarded_from, &message.data.raw_id) {
        (Some(file), _, _) => ctx.read_file(file)?,
        (None, Some((raw_id, at)), _) => from_raw(raw_id, *at)?,
        (None, None, Some(raw_id)) => from_raw(raw_id, n)?,
        (None, None, None) => return Err(Error::NotFound("no such attachment".into())),
    };
    let content_type = if risky(&info.content_type) {
        "application/octet-stream"
    } else {
        info.content_type.as_str()
    };
    Ok(Response::download(&info.name, content_type, bytes))
}
