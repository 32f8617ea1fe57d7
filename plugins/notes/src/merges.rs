//! Applicants merged and unmerged by the host (`applicant.merged`,
//! `applicant.unmerged`): notes about the applicant merged in
//! (`applicant:{id}`) move to the kept one, remembering where they were;
//! undoing the merge moves back those that merge moved. Delivered at least
//! once: a note already moved is not found again.

use immcase_sdk::{ApplicantMerge, Ctx, Event, Result};

use crate::{MovedByMerge, index, notes};

const PAGE: u32 = 100;

pub fn on_event(ctx: &Ctx, event: &Event) -> Result<()> {
    let merge: ApplicantMerge = event.payload_as()?;
    let kept = format!("applicant:{}", merge.id);
    let merged = format!("applicant:{}", merge.merged_id);
    if event.name == "applicant.merged" {
        loop {
            let page = notes(ctx)
                .query()
                .where_eq("subject", &merged)
                .limit(PAGE)
                .fetch()?;
            if page.items.is_empty() {
                return Ok(());
            }
            for doc in page.items {
                let mut note = doc.data;
                note.moved_by_merge = Some(MovedByMerge {
                    merge_id: merge.merge_id.clone(),
                    from: note.subject.clone(),
                });
                note.subject = kept.clone();
                let saved = notes(ctx).update(&doc.id, &note, doc.version)?;
                index(ctx, &saved);
            }
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = notes(ctx)
            .query()
            .where_eq("subject", &kept)
            .limit(PAGE)
            .after(after.take())
            .fetch()?;
        for doc in page.items {
            let Some(moved) = doc
                .data
                .moved_by_merge
                .as_ref()
                .filter(|m| m.merge_id == merge.merge_id)
            else {
                continue;
            };
            let mut note = doc.data.clone();
            note.subject = moved.from.clone();
            note.moved_by_merge = None;
            let saved = notes(ctx).update(&doc.id, &note, doc.version)?;
            index(ctx, &saved);
        }
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}
