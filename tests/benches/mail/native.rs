//! The baseline of the module's half: the email module's own rules, run
//! natively on the same raw messages, with the store's lookups as maps.
//! Per message, what `receive.rs` and `linking.rs` of the module do: parse
//! it, find its thread by its ids (or its subject, under the strict rule),
//! and link it by the addresses of its people, the folios of its subject
//! and the links of its thread.

use std::collections::{HashMap, HashSet};

use email::rules::link::{self, FolioKind};
use email::rules::parse::{self, Limits};
use email::rules::thread::{self, MessageIds, RecentThread, ThreadDecision, ThreadId};

/// The module's `keep::limits()`: 25 MiB read, and a MiB of headroom.
const LIMITS: Limits = Limits {
    max_message_bytes: (25 << 20) + (1 << 20),
    max_attachments: 50,
    max_attachment_bytes: 25 << 20,
};
/// How many of a mailbox's latest threads the subject rule looks at.
const RECENT_THREADS: usize = 50;

/// The practice's records as the module looks them up.
#[derive(Default)]
pub struct Records {
    /// An address (lowercased) to the applicants who have it.
    pub by_address: HashMap<String, Vec<String>>,
    /// A case's folio to its id and its applicant's.
    pub by_folio: HashMap<String, (String, String)>,
}

/// What the rules made of the messages.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub threads: usize,
    pub to_applicant: usize,
    pub to_case: usize,
}

pub fn run(raws: &[Vec<u8>], own: &[String], records: &Records) -> Outcome {
    let mut thread_of_key: HashMap<String, ThreadId> = HashMap::new();
    let mut links_of_thread: HashMap<ThreadId, Vec<String>> = HashMap::new();
    let mut recent: Vec<RecentThread> = Vec::new();
    let (mut started, mut to_applicant, mut to_case) = (0, 0, 0);
    for raw in raws {
        let parsed = parse::parse(raw, LIMITS).expect("a message");
        let addresses = link::addresses_to_match(&parsed, own);
        let ids = MessageIds::from(&parsed);
        let decision = thread::decide(ids, |key| thread_of_key.get(key).cloned());
        let thread = match decision {
            ThreadDecision::Existing(thread) => thread,
            ThreadDecision::Merge { into, merge } => {
                for thread in thread_of_key.values_mut() {
                    if merge.contains(thread) {
                        *thread = into.clone();
                    }
                }
                for gone in merge {
                    let moved = links_of_thread.remove(&gone).unwrap_or_default();
                    links_of_thread
                        .entry(into.clone())
                        .or_default()
                        .extend(moved);
                }
                into
            }
            ThreadDecision::New => {
                thread::by_subject(&parsed, &addresses, &recent).unwrap_or_else(|| {
                    started += 1;
                    ThreadId(format!("thread-{started}"))
                })
            }
        };
        for key in thread::thread_keys(ids) {
            thread_of_key.insert(key, thread.clone());
        }
        // The thread, now the mailbox's latest.
        recent.retain(|r| r.thread != thread);
        recent.push(RecentThread {
            thread: thread.clone(),
            subject_key: thread::normalize_subject(&parsed.subject).key(),
            last_date: parsed.date.unwrap_or_default(),
            addresses: addresses.clone(),
        });
        if recent.len() > RECENT_THREADS {
            recent.remove(0);
        }

        let mut found: Vec<String> = Vec::new();
        let mut add = |record: String| {
            if !found.contains(&record) {
                found.push(record);
            }
        };
        for address in &addresses {
            if link::address_reason(&parsed, address).is_some() {
                for applicant in records.by_address.get(address).into_iter().flatten() {
                    add(format!("applicant:{applicant}"));
                }
            }
        }
        for folio in link::folios(&parsed.subject) {
            if folio.kind == FolioKind::Case
                && let Some((case, applicant)) = records.by_folio.get(&folio.to_string())
            {
                add(format!("case:{case}"));
                add(format!("applicant:{applicant}"));
            } else if folio.kind == FolioKind::Ticket {
                add(format!("ticket:{folio}"));
            }
        }
        let of_thread = links_of_thread.entry(thread).or_default();
        for record in of_thread.iter() {
            add(record.clone());
        }
        to_applicant += usize::from(found.iter().any(|r| r.starts_with("applicant:")));
        to_case += usize::from(found.iter().any(|r| r.starts_with("case:")));
        let known: HashSet<String> = of_thread.iter().cloned().collect();
        of_thread.extend(found.into_iter().filter(|r| !known.contains(r)));
    }
    Outcome {
        threads: thread_of_key.values().collect::<HashSet<_>>().len(),
        to_applicant,
        to_case,
    }
}
