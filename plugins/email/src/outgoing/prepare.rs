//! What the compose form starts with: a reply's or a forward's recipients,
//! subject and quoted text, the writer's signature once, and templates
//! filled in with the applicant and case the message is about.
//!
//! The signature is the writer's own, as they keep it in Settings → My
//! email account (`ctx.signature()`).

use immcase_sdk::{Applicant, Case, Ctx, Error, Result};
use serde::Deserialize;

use super::as_parsed;
use crate::data::StoredMessage;
use crate::rules::compose;
use crate::rules::template::{self, TemplateError};

/// What is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    New,
    Reply,
    ReplyAll,
    Forward,
}

impl Mode {
    pub fn parse(text: &str) -> Mode {
        match text {
            "reply" => Mode::Reply,
            "reply_all" => Mode::ReplyAll,
            "forward" => Mode::Forward,
            _ => Mode::New,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::New => "new",
            Mode::Reply => "reply",
            Mode::ReplyAll => "reply_all",
            Mode::Forward => "forward",
        }
    }

    pub fn is_reply(self) -> bool {
        matches!(self, Mode::Reply | Mode::ReplyAll)
    }
}

/// The form's first values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefill {
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
}

/// `ms` since the epoch in the IANA zone `zone`: `2026-03-06 06:00 EST`;
/// in UTC when the zone is unknown.
pub fn when(ms: i64, zone: &str) -> String {
    let Ok(instant) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    instant
        .to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The empty body signed: what a new message starts with.
pub fn signed(signature: &str) -> String {
    let block = compose::with_signature("", signature);
    if block.is_empty() {
        String::new()
    } else {
        format!("\n\n{block}\n")
    }
}

/// A reply (to all, with `mode`) or a forward of `parent`.
/// Dates are written in `zone` (the writer's).
pub fn prefill(
    mode: Mode,
    parent: &StoredMessage,
    own: &[String],
    signature: &str,
    zone: &str,
) -> Prefill {
    let parsed = as_parsed(parent);
    let from = parent
        .from
        .as_ref()
        .map(|f| f.display_name().to_owned())
        .unwrap_or_else(|| "Someone".to_owned());
    let date = when(parent.at, zone);
    // Addresses alone: a name may hold a comma ("Dupont, Marie").
    let join = |list: &[crate::rules::parse::Mailbox]| {
        list.iter()
            .map(|m| m.address.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match mode {
        Mode::Forward => {
            let to = parent
                .to
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let header = format!(
                "---------- Forwarded message ----------\nFrom: {}\nDate: {date}\nSubject: {}\nTo: {to}\n\n",
                parent
                    .from
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                parent.subject,
            );
            Prefill {
                subject: compose::forward_subject(&parent.subject),
                body: format!("{}\n{header}{}", signed(signature), parent.text),
                ..Prefill::default()
            }
        }
        _ => {
            let (to, cc) = compose::reply_recipients(&parsed, own, mode == Mode::ReplyAll);
            let quoted = compose::quote(&parent.text, &from, Some(&date));
            Prefill {
                to: join(&to),
                cc: join(&cc),
                subject: compose::reply_subject(&parent.subject),
                body: format!("{}\n{quoted}", signed(signature)),
            }
        }
    }
}

/// The module's settings.
#[derive(Debug, Deserialize, Default)]
struct Settings {
    #[serde(default)]
    practice_name: String,
}

/// `body` (a template's) filled in for the applicant and case the message
/// is about, read as the caller. A token without a value is an error that
/// names every such token.
pub fn fill(
    ctx: &Ctx,
    field: &str,
    body: &str,
    applicant_id: Option<&str>,
    case_id: Option<&str>,
    signature: &str,
) -> Result<String> {
    let case: Option<Case> = case_id.map(|id| ctx.case(id)).transpose()?;
    let applicant_id = applicant_id
        .map(str::to_owned)
        .or_else(|| case.as_ref().and_then(|c| c.applicant_id.clone()));
    let applicant: Option<Applicant> = applicant_id.map(|id| ctx.applicant(&id)).transpose()?;
    let settings: Settings = ctx.settings().unwrap_or_default();
    let me = ctx.caller();
    let value = |token: &str| -> Option<String> {
        let present = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        match token {
            "applicant.given_name" => applicant.as_ref().and_then(|a| present(&a.given_name)),
            "applicant.family_name" => applicant.as_ref().and_then(|a| present(&a.family_name)),
            "applicant.email" => applicant.as_ref().and_then(|a| a.emails.first().cloned()),
            "case.folio" => case.as_ref().map(|c| c.folio.clone()),
            "case.program" => case.as_ref().and_then(|c| present(&c.program)),
            "case.stage" => case.as_ref().and_then(|c| {
                let stage = serde_json::to_value(c.stage?).ok()?;
                stage.as_str().map(str::to_owned)
            }),
            "practice.name" => Some(settings.practice_name.clone()).filter(|n| !n.is_empty()),
            "me.display_name" => Some(me.display_name.clone()).filter(|n| !n.is_empty()),
            "me.signature" => Some(signature.to_owned()),
            _ => None,
        }
    };
    template::render(body, &value).map_err(|problem| template_error(field, problem))
}

/// A message's `body` with the tokens it holds filled in, when it holds
/// any of the [`template::KNOWN`] ones (typed by hand, or left from a
/// template): a message never goes out with `{{applicant.given_name}}` in
/// it. A token without a value is an error on `body` naming it.
pub fn fill_tokens(
    ctx: &Ctx,
    body: &str,
    applicant_id: Option<&str>,
    case_id: Option<&str>,
    signature: &str,
) -> Result<String> {
    let has_known = template::tokens(body)
        .iter()
        .any(|token| template::KNOWN.contains(&token.as_str()));
    if has_known {
        fill(ctx, "body", body, applicant_id, case_id, signature)
    } else {
        Ok(body.to_owned())
    }
}

/// A template's mistake as a form error on `field`.
pub fn template_error(field: &str, problem: TemplateError) -> Error {
    let tokens = match &problem {
        TemplateError::Unknown { tokens } | TemplateError::Unresolved { tokens } => tokens.clone(),
        _ => Vec::new(),
    };
    let error = Error::invalid_field(field, &problem.to_string());
    if tokens.is_empty() {
        error
    } else {
        error.with("tokens", tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_the_readers_zone() {
        assert_eq!(when(0, "UTC"), "1970-01-01 00:00 UTC");
        assert_eq!(
            when(1_772_794_800_000, "America/Toronto"),
            "2026-03-06 06:00 EST"
        );
        assert_eq!(
            when(1_772_794_800_000, "Nowhere/Else"),
            "2026-03-06 11:00 UTC"
        );
    }

    #[test]
    fn modes_read_back() {
        for mode in [Mode::New, Mode::Reply, Mode::ReplyAll, Mode::Forward] {
            assert_eq!(Mode::parse(mode.as_str()), mode);
        }
    }
}
