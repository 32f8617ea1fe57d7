//! A person's signature, added once under what they write (replies and
//! forwards put it above the quoted text). Kept by the module for each
//! person: the host's contract gives modules no signature of its own.

use immcase_sdk::html::el;
use immcase_sdk::{Ctx, Error, Request, Response, Result};

use super::{BASE, Section, field, form_pairs, frame, textarea};
use crate::data::{self, SIGNATURES, Signature, signature_id};

/// The longest signature kept.
const MAX_SIGNATURE: usize = 2000;

fn person(ctx: &Ctx) -> Result<String> {
    ctx.caller()
        .user_id
        .clone()
        .ok_or_else(|| Error::Forbidden("a person's call".into()))
}

/// `GET /signature`.
pub fn show(ctx: &Ctx, _request: Request) -> Result<Response> {
    let current = data::signature_of(ctx, &person(ctx)?)?;
    let form = el("form")
        .attr("method", "post")
        .attr("action", format!("{BASE}/signature"))
        .class("em-compose")
        .child(textarea("signature", "Your signature", &current, 6))
        .child(
            el("p")
                .class("em-soft")
                .text("Added under the `-- ` line of every message you write."),
        )
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text("Save"),
        );
    Ok(frame(Section::Signature, "Signature", form))
}

/// `POST /signature`.
pub fn save(ctx: &Ctx, request: Request) -> Result<Response> {
    let person = person(ctx)?;
    let pairs = form_pairs(&request);
    let text = field(&pairs, "signature").replace("\r\n", "\n");
    if text.len() > MAX_SIGNATURE {
        return Err(Error::invalid_field(
            "signature",
            "at most 2,000 characters",
        ));
    }
    let signatures = ctx.collection::<Signature>(SIGNATURES);
    let id = signature_id(&person);
    let signature = Signature {
        text: text.trim_end().to_owned(),
    };
    match signatures.get(&id)? {
        Some(doc) => signatures.update(&id, &signature, doc.version)?,
        None => signatures.insert(&id, &signature)?,
    };
    Ok(Response::redirect(&format!("{BASE}/signature")).flash("Signature saved."))
}
