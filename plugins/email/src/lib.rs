//! # Email
//!
//! The practice's email client: the mail the host fetches for each
//! mailbox (a person's own, or a shared one such as info@), kept in
//! conversations, every message linked to the applicants, cases and
//! tickets it is about, and answered from here with templates.
//!
//! - **Receiving** (`mailbox.received`): the raw message is read, stored
//!   once per mailbox and Message-ID, put in its thread, linked (by the
//!   applicants' addresses, by the case and ticket folios of its subject,
//!   by its thread) and announced (`email.received`, `email.linked`).
//! - **Reading**: an inbox per mailbox the person reads, with unread
//!   counts, threads newest first with their linked records; a thread
//!   with each message's text and its HTML sanitised, remote images
//!   blocked until asked, attachments to download, links with reasons.
//! - **Writing**: new messages, replies, replies to all and forwards, from
//!   a mailbox the person reads, with their signature, templates, and the
//!   applicant's or case's files as attachments; drafts.
//! - **Records**: an Emails tab on applicants and cases.
//!
//! ## How the code is laid out
//!
//! - [`rules`]: parsing, sanitising, threading, linking, templates and
//!   replies, as plain functions tested natively;
//! - `data`: the documents and their ids; `access`: who sees what;
//! - `receive`: a fetched message stored; `threads`: conversations with
//!   the store; `linking`: links with the store; `keep`: attachments kept
//!   as the records' files; `search`: messages in global search;
//! - `outgoing`: sending, and what the compose form starts with;
//! - `api`: the JSON API; `pages`: the pages.
//!
//! The JSON API and pages are described in the module's README.

use immcase_sdk::{Ctx, Event, Plugin, Request, Response, Result, Router, Timer, export_plugin};

mod access;
pub mod api;
pub mod data;
mod keep;
pub mod linking;
pub mod outgoing;
mod pages;
pub mod receive;
pub mod rules;
mod search;
mod seen;
mod threads;

pub struct Email;

impl Plugin for Email {
    fn router() -> Router {
        Router::new()
            .get("/", pages::inbox::show)
            .get("/email.css", pages::stylesheet)
            .post("/mailboxes/:id/fetch", pages::inbox::fetch_now)
            .get(
                "/threads",
                page_or_api(pages::inbox::show, api::threads::list),
            )
            .get(
                "/threads/:id",
                page_or_api(pages::thread::show, api::threads::show),
            )
            .post(
                "/messages",
                page_or_api(pages::compose::submit, api::messages::create),
            )
            .get("/messages/:id/attachments/:n", pages::thread::attachment)
            .post(
                "/messages/:id/links",
                page_or_api(pages::thread::link, api::messages::link),
            )
            .post("/messages/:id/links/:record/delete", pages::thread::unlink)
            .delete("/messages/:id/links/:record", api::messages::unlink)
            .get("/compose", pages::compose::show)
            .get(
                "/drafts",
                page_or_api(pages::drafts::list, api::drafts::list),
            )
            .post("/drafts", api::drafts::create)
            .get("/drafts/:id", api::drafts::show)
            .put("/drafts/:id", api::drafts::update)
            .delete("/drafts/:id", api::drafts::delete)
            .post("/drafts/:id/delete", pages::drafts::delete)
            .get(
                "/templates",
                page_or_api(pages::templates::list, api::templates::list),
            )
            .post(
                "/templates",
                page_or_api(pages::templates::create, api::templates::create),
            )
            .get("/templates/:id/edit", pages::templates::edit)
            .post("/templates/:id", pages::templates::update)
            .put("/templates/:id", api::templates::update)
            .delete("/templates/:id", api::templates::delete)
            .post("/templates/:id/delete", pages::templates::delete)
            .get("/records", pages::records::tab)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        match event.name.as_str() {
            "mailbox.received" => receive::on_received(ctx, event.payload_as()?),
            "mail.sent" | "mail.failed" => outgoing::on_outbox_event(ctx, &event),
            "applicant.created" | "applicant.updated" => linking::on_applicant_changed(ctx, &event),
            _ => Ok(()),
        }
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        if timer.key.starts_with("keep:") {
            return keep::fire(ctx, &timer);
        }
        ctx.log_warn(&format!("unknown timer {}", timer.key));
        Ok(())
    }
}

export_plugin!(Email);

type Handler = fn(&Ctx, Request) -> Result<Response>;

/// One route, answered by `page` for page requests (`/m/email/...`) and by
/// `api` for the JSON API (`/api/v1/m/email/...`).
fn page_or_api(page: Handler, api: Handler) -> impl Fn(&Ctx, Request) -> Result<Response> {
    move |ctx, request| {
        if request.is_page() {
            page(ctx, request)
        } else {
            api(ctx, request)
        }
    }
}
