use std::collections::HashMap;

use super::*;
use crate::rules::parse::{Limits, parse};
use crate::rules::samples::{GMAIL, eml};

/// The module's store of keys, in memory: key → thread.
#[derive(Default)]
struct Threads {
    keys: HashMap<String, ThreadId>,
    next: usize,
}

impl Threads {
    /// Files a message the way the module does, and says where it went.
    fn file(&mut self, message_id: &str, in_reply_to: &[&str], references: &[&str]) -> ThreadId {
        let in_reply_to: Vec<String> = in_reply_to.iter().map(|id| id.to_string()).collect();
        let references: Vec<String> = references.iter().map(|id| id.to_string()).collect();
        let ids = MessageIds {
            message_id,
            in_reply_to: &in_reply_to,
            references: &references,
        };
        let thread = match decide(ids, |key| self.keys.get(key).cloned()) {
            ThreadDecision::New => {
                self.next += 1;
                ThreadId(format!("t{}", self.next))
            }
            ThreadDecision::Existing(thread) => thread,
            ThreadDecision::Merge { into, merge } => {
                for thread in self.keys.values_mut() {
                    if merge.contains(thread) {
                        *thread = into.clone();
                    }
                }
                into
            }
        };
        for key in thread_keys(ids) {
            self.keys.insert(key, thread.clone());
        }
        thread
    }
}

#[test]
fn replies_join_their_parents_thread() {
    let mut threads = Threads::default();
    let root = threads.file("root@x", &[], &[]);
    assert_eq!(threads.file("r1@y", &["root@x"], &["root@x"]), root);
    // Only References (some clients), only In-Reply-To (others).
    assert_eq!(threads.file("r2@x", &[], &["root@x", "r1@y"]), root);
    assert_eq!(threads.file("r3@y", &["r2@x"], &[]), root);
    // Another conversation.
    assert_ne!(threads.file("other@z", &[], &[]), root);
}

#[test]
fn a_parent_arriving_after_its_reply_joins_the_reply() {
    let mut threads = Threads::default();
    let reply = threads.file("r1@y", &["root@x"], &["root@x"]);
    assert_eq!(threads.file("root@x", &[], &[]), reply);
}

#[test]
fn two_early_replies_merge_when_their_parent_arrives() {
    let mut threads = Threads::default();
    // Two replies to "b@x", each naming only its own parent.
    let first = threads.file("c1@y", &["b@x"], &["b@x"]);
    let second = threads.file("d1@z", &["a@x"], &["a@x"]);
    assert_ne!(first, second);
    // "b@x" answers "a@x": it ties both threads together.
    let b_ids = [String::from("a@x")];
    let ids = MessageIds {
        message_id: "b@x",
        in_reply_to: &b_ids,
        references: &b_ids,
    };
    let decision = decide(ids, |key| threads.keys.get(key).cloned());
    // The thread holding the oldest reference, "a@x", is kept.
    assert_eq!(
        decision,
        ThreadDecision::Merge {
            into: second.clone(),
            merge: vec![first.clone()],
        }
    );
    assert_eq!(threads.file("b@x", &["a@x"], &["a@x"]), second);
    assert_eq!(threads.file("e@q", &["c1@y"], &[]), second);
}

#[test]
fn keys_are_the_references_in_reply_to_and_own_id_once() {
    let message = parse(&eml(GMAIL), Limits::default()).expect("message");
    assert_eq!(
        thread_keys((&message).into()),
        [
            "root-1@immcase.example",
            "reply-2@immcase.example",
            "CAH7x+9Qz3kP@mail.gmail.com"
        ]
    );
    let none: [String; 0] = [];
    let ids = MessageIds {
        message_id: "solo@x",
        in_reply_to: &none,
        references: &none,
    };
    assert_eq!(thread_keys(ids), ["solo@x"]);
    assert_eq!(decide(ids, |_| None), ThreadDecision::New);
}

fn reply(subject: &str, date: i64) -> ParsedMessage {
    let raw = format!("From: Ana <ana@example.com>\nSubject: {subject}\nMessage-ID: <m@x>\n\nHi\n");
    let mut message = parse(raw.as_bytes(), Limits::default()).expect("message");
    message.date = Some(date);
    message
}

#[test]
fn subjects_match_only_replies_of_the_same_people_in_a_short_while() {
    const DAY: i64 = 86_400;
    let now = 1_772_547_302;
    let ana = vec!["ana@example.com".to_string()];
    let thread = |id: &str, subject: &str, last_date: i64, addresses: &[String]| RecentThread {
        thread: ThreadId(id.into()),
        subject_key: normalize_subject(subject).key(),
        last_date,
        addresses: addresses.to_vec(),
    };
    let bob = vec!["bob@example.com".to_string()];
    let recent = [
        thread("old", "Documents", now - 20 * DAY, &ana),
        thread("ana", "[TKT012] Documents", now - 3 * DAY, &ana),
        thread("ana-older", "Documents", now - 5 * DAY, &ana),
        thread("bob", "Documents", now - DAY, &bob),
    ];
    let matched = by_subject(&reply("RE: Documents", now), &ana, &recent);
    assert_eq!(matched, Some(ThreadId("ana".into())));
    // Not a reply; someone else; too late; ids present.
    assert_eq!(by_subject(&reply("Documents", now), &ana, &recent), None);
    let carl = vec!["carl@example.com".to_string()];
    assert_eq!(
        by_subject(&reply("Re: Documents", now), &carl, &recent),
        None
    );
    assert_eq!(
        by_subject(&reply("Re: Documents", now + 30 * DAY), &ana, &recent),
        None
    );
    let mut with_ids = reply("Re: Documents", now);
    with_ids.in_reply_to = vec!["lost@x".into()];
    assert_eq!(by_subject(&with_ids, &ana, &recent), None);
    assert_eq!(by_subject(&reply("Re:", now), &ana, &recent), None);
}
