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

/// Pairs of the practice's applicants looked at, at most, per way of
/// finding them (contacts, passport, name keys); pairs shown, at most.
const PAIRS_LOOKED_AT: i64 = 2_000;
const PAIRS_SHOWN: usize = 100;

/// Two applicants of the practice that may be the same person, and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Pair {
    /// Without the fields the caller's role hides.
    #[schema(value_type = Object)]
    pub one: Value,
    #[schema(value_type = Object)]
    pub other: Value,
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<matching::Reason>,
}

/// The likely duplicates among the practice's applicants (not those in the
/// trash), strongest first: pairs sharing an email, a phone, a passport
/// number or a name key, kept when `matching` finds them candidates, as
/// the check before creating does.
pub async fn pairs(state: &crate::state::AppState, caller: &Caller) -> Result<Vec<Pair>> {
    caller.require("applicants.read")?;
    let mut conn = state.db.pool().acquire().await?;
    let alive = "JOIN applicants x ON x.practice_id = a.practice_id AND x.id = a.{col} AND x.deleted_at IS NULL \
                 JOIN applicants y ON y.practice_id = b.practice_id AND y.id = b.{col} AND y.deleted_at IS NULL";
    let shared = [
        (
            "applicant_contacts",
            "applicant_id",
            "b.kind = a.kind AND b.value = a.value",
        ),
        (
            "applicant_name_keys",
            "applicant_id",
            "b.name_key = a.name_key",
        ),
        (
            "applicants",
            "id",
            "b.passport_key = a.passport_key AND a.passport_key <> ''",
        ),
    ];
    let mut found: Vec<(String, String)> = Vec::new();
    for (table, col, same) in shared {
        let sql = format!(
            "SELECT DISTINCT a.{col} AS one, b.{col} AS other FROM {table} a \
             JOIN {table} b ON b.practice_id = a.practice_id AND {same} AND b.{col} > a.{col} \
             {} WHERE a.practice_id = $1 LIMIT $2",
            alive.replace("{col}", col)
        );
        let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(caller.practice.id())
            .bind(PAIRS_LOOKED_AT)
            .fetch_all(&mut *conn)
            .await?;
        for pair in rows {
            if !found.contains(&pair) {
                found.push(pair);
            }
        }
    }
    let mut ids: Vec<String> = found
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let applicants = store::find_many(&mut conn, &caller.practice, &ids).await?;
    let by_id = |id: &str| applicants.iter().find(|a| a.id == id);
    let mut pairs: Vec<(usize, Pair)> = found
        .iter()
        .filter_map(|(a, b)| {
            let (one, other) = (by_id(a)?, by_id(b)?);
            let reasons = matching::reasons(
                &applicant::probe(&applicant::as_input(one)),
                &applicant::probe(&applicant::as_input(other)),
            );
            matching::is_candidate(&reasons).then(|| {
                let strength = reasons.len();
                (
                    strength,
                    Pair {
                        one: applicant::visible(one, &caller.field_rules),
                        other: applicant::visible(other, &caller.field_rules),
                        reasons: reasons.into_iter().map(|r| redact(r, caller)).collect(),
                    },
                )
            })
        })
        .collect();
    pairs.sort_by_key(|(strength, _)| std::cmp::Reverse(*strength));
    Ok(pairs
        .into_iter()
        .take(PAIRS_SHOWN)
        .map(|(_, pair)| pair)
        .collect())
}
