//! Duplicate detection before an applicant is created: candidates that share
//! an email, a phone or a passport number, or whose name is close (accents,
//! case, given and family names swapped, a small typo), each with the
//! reasons it matched. The lookup is indexed (contacts, passport key, name
//! keys); the reasons are worked out by `matching` on the few rows found.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::applicant::{self, Applicant};
use super::applicant_store as store;
use crate::access::Caller;
use crate::access::permissions::FieldAccess;
use crate::db::Tx;
use crate::error::Result;
use immcase_matching as matching;

/// Rows looked at, at most; candidates shown, at most.
const LOOK_AT: usize = 200;
const SHOW: usize = 20;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Candidate {
    /// The existing applicant, without the fields the caller's role hides.
    #[schema(value_type = Object)]
    pub applicant: Value,
    /// Why it may be the same person.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<matching::Reason>,
}

/// The applicants `probe` may duplicate, strongest first. Reasons that would
/// show a field the caller's role hides name the field without its value.
pub async fn find(tx: &mut Tx, caller: &Caller, probe: &matching::Probe) -> Result<Vec<Candidate>> {
    let ids = store::possible_duplicates(tx, &caller.practice, probe, LOOK_AT).await?;
    let rows: Vec<Applicant> = store::find_many(tx, &caller.practice, &ids).await?;
    let mut found: Vec<(usize, Candidate)> = rows
        .iter()
        .filter_map(|existing| {
            let theirs = applicant::probe(&applicant::as_input(existing));
            let reasons = matching::reasons(probe, &theirs);
            matching::is_candidate(&reasons).then(|| {
                let strength = reasons.len();
                let reasons = reasons.into_iter().map(|r| redact(r, caller)).collect();
                (
                    strength,
                    Candidate {
                        applicant: applicant::visible(existing, &caller.field_rules),
                        reasons,
                    },
                )
            })
        })
        .collect();
    found.sort_by_key(|c| std::cmp::Reverse(c.0));
    Ok(found.into_iter().take(SHOW).map(|(_, c)| c).collect())
}

fn redact(reason: matching::Reason, caller: &Caller) -> matching::Reason {
    let hidden = |field: &str| {
        caller.field_rules.get(&format!("applicant.{field}")) == Some(&FieldAccess::Hidden)
    };
    reason.without_value_if(hidden)
}
