//! Applicants merged and unmerged by the host (`applicant.merged`,
//! `applicant.unmerged`): the tickets about the applicant merged in move to
//! the kept one, each with a line on its history naming the merge; undoing
//! the merge moves back the tickets that merge moved and that are still
//! with the kept applicant. Delivered at least once: a ticket already moved
//! is not found again, so a second delivery changes nothing.

use immcase_sdk::{ApplicantMerge, Ctx, Event, Result};

use crate::data::{self, now};
use crate::effects;
use crate::rules::ticket::What;

/// Tickets moved per query; the query is made again until none is left.
const PAGE: u32 = 100;

pub fn on_event(ctx: &Ctx, event: &Event) -> Result<()> {
    let merge: ApplicantMerge = event.payload_as()?;
    match event.name.as_str() {
        "applicant.merged" => moved(ctx, &merge),
        "applicant.unmerged" => moved_back(ctx, &merge),
        _ => Ok(()),
    }
}

fn moved(ctx: &Ctx, merge: &ApplicantMerge) -> Result<()> {
    let settings = data::settings(ctx)?;
    loop {
        let page = data::tickets(ctx)
            .query()
            .where_eq("applicant_id", &merge.merged_id)
            .limit(PAGE)
            .fetch()?;
        if page.items.is_empty() {
            return Ok(());
        }
        for doc in page.items {
            let mut ticket = doc.data;
            ticket.applicant_id = Some(merge.id.clone());
            ticket.record(
                now(ctx),
                None,
                What::Applicant {
                    from: Some(merge.merged_id.clone()),
                    to: Some(merge.id.clone()),
                    merge_id: merge.merge_id.clone(),
                    undone: false,
                },
            );
            effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
        }
    }
}

fn moved_back(ctx: &Ctx, merge: &ApplicantMerge) -> Result<()> {
    let settings = data::settings(ctx)?;
    let mut after: Option<String> = None;
    loop {
        let page = data::tickets(ctx)
            .query()
            .where_eq("applicant_id", &merge.id)
            .limit(PAGE)
            .after(after.take())
            .fetch()?;
        for doc in page.items {
            let by_this_merge = doc.data.history.iter().any(|change| {
                matches!(&change.what, What::Applicant { merge_id, undone: false, .. } if *merge_id == merge.merge_id)
            });
            let undone = doc.data.history.iter().any(|change| {
                matches!(&change.what, What::Applicant { merge_id, undone: true, .. } if *merge_id == merge.merge_id)
            });
            if !by_this_merge || undone {
                continue;
            }
            let mut ticket = doc.data;
            ticket.applicant_id = Some(merge.merged_id.clone());
            ticket.record(
                now(ctx),
                None,
                What::Applicant {
                    from: Some(merge.id.clone()),
                    to: Some(merge.merged_id.clone()),
                    merge_id: merge.merge_id.clone(),
                    undone: true,
                },
            );
            effects::save(ctx, &doc.id, &mut ticket, Some(doc.version), &settings)?;
        }
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}
