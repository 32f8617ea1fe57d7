//! What each person has seen of each conversation, for the unread counts:
//! the number of its messages at their last visit.

use std::collections::HashMap;

use immcase_sdk::{Ctx, Doc, Result};

use crate::data::{SEEN, Seen, Thread, seen_id};

/// How many messages of each of `threads` `person` has seen: thread id →
/// count (a `get` each, so it holds however many threads they opened).
/// Counting messages rather than comparing dates: a message whose Date is
/// older than the last visit (it was fetched late) is still new.
pub fn seen_of(ctx: &Ctx, person: &str, threads: &[Doc<Thread>]) -> Result<HashMap<String, u32>> {
    let seen = ctx.collection::<Seen>(SEEN);
    let mut found = HashMap::new();
    for thread in threads {
        if let Some(doc) = seen.get(&seen_id(person, &thread.id))? {
            found.insert(thread.id.clone(), doc.data.count);
        }
    }
    Ok(found)
}

pub fn is_unread(thread: &Doc<Thread>, seen: &HashMap<String, u32>) -> bool {
    seen.get(&thread.id)
        .is_none_or(|count| *count < thread.data.count)
}

/// `person` has seen the thread as it is now.
pub fn mark_seen(ctx: &Ctx, person: &str, mailbox_id: &str, thread_id: &str) -> Result<()> {
    let seen = ctx.collection::<Seen>(SEEN);
    let id = seen_id(person, thread_id);
    let count = crate::data::threads(ctx)
        .get(thread_id)?
        .map(|t| t.data.count)
        .unwrap_or_default();
    let mark = Seen {
        person_id: person.to_owned(),
        mailbox_id: mailbox_id.to_owned(),
        thread_id: thread_id.to_owned(),
        at: ctx.now(),
        count,
    };
    match seen.get(&id)? {
        Some(doc) if doc.data.count == count => {}
        Some(doc) => {
            seen.update(&id, &mark, doc.version)?;
        }
        None => {
            seen.insert(&id, &mark)?;
        }
    }
    Ok(())
}
