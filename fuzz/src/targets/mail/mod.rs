//! Incoming mail: a raw message handed to the email module as the host's
//! fetcher hands it (`mailbox.received`), on the SDK's in-memory test
//! host. The module reads it with its own parser (`rules::parse`, on
//! `mail-parser`), stores it once per Message-ID, threads, links, indexes
//! and announces it: its `receive::on_received`, the function that turns
//! raw bytes into what the module keeps. Then the attachments' timer runs
//! (it reads the raw message again to keep attachments as files), and the
//! message's thread is shown to a reader (its HTML sanitised).
//!
//! The email crate builds natively as an rlib, so this is the module's
//! real code, as its native tests run it. A message the module fails on
//! (an error from `mailbox.received`, which the host would deliver again
//! and again) and a thread page that fails are findings, as panics are.

mod drawn;

use std::collections::BTreeSet;

use email::Email;
use immcase_sdk::testing::TestHost;
use immcase_sdk::{Applicant, Caller, Case, Mailbox};

use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"\r\n",
        b"\r\n\r\n",
        b"\r\n ",
        b"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
        b"Content-Type: message/rfc822\r\n",
        b"Content-Type: text/html; charset=\"iso-2022-jp\"\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Disposition: attachment; filename*=utf-8''%E2%80%AE..%2F..%2Fx.exe\r\n",
        b"Content-ID: <a@b>\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"=?utf-8?B?",
        b"=?iso-8859-1?Q?",
        b"?=",
        b"=\r\n",
        b"=C3=A9",
        b"Message-ID: <",
        b"In-Reply-To: <",
        b"References: ",
        b"From: ",
        b"Date: ",
        b"Subject: Re: Fwd: CAS014 ",
        b"<",
        b">",
        b"\"",
        b",",
        b";",
        b":",
        b"<img src=\"cid:a@b\">",
        b"<script>",
    ],
    max_len: 256 * 1024,
};

/// A new test host every this many messages, so its state (copied before
/// every call) stays small.
const MESSAGES_PER_HOST: u32 = 32;

/// The email module's receiving of mail.
pub struct MailTarget {
    seeds: Vec<Vec<u8>>,
    practice: Option<Practice>,
}

/// The practice the messages arrive in: a shared mailbox read by Ana, and
/// an applicant with a case, so messages are linked.
struct Practice {
    host: TestHost<Email>,
    ana: Caller,
    received: u32,
}

const INFO: &str = "mb-info";

impl Practice {
    fn new() -> Practice {
        let manifest = corpus::workspace_dir().join("plugins/email/plugin.toml");
        let host = TestHost::<Email>::from_manifest_file(manifest);
        let ana = Caller::person(
            "ana",
            &[
                "module:email",
                "applicants.read",
                "cases.read",
                "files.read",
                "files.write",
            ],
        )
        .named("Ana Diaz")
        .with_email("ana@practice.example");
        host.add_person(&ana);
        host.add_mailbox(
            Mailbox {
                id: INFO.into(),
                name: "Info".into(),
                address: "info@practice.example".into(),
                shared: true,
                owner_id: None,
                fetched_at: None,
                problem: None,
            },
            &["ana"],
        );
        host.add_applicant(&Applicant {
            emails: vec!["maria@gmail.example".into()],
            ..Applicant::new("a1", "Maria", "Lopez")
        });
        host.add_case(&Case {
            applicant_id: Some("a1".into()),
            ..Case::new("c1", "CAS014")
        });
        Practice {
            host,
            ana,
            received: 0,
        }
    }
}

impl MailTarget {
    pub fn new() -> MailTarget {
        MailTarget {
            seeds: corpus::files(&corpus::seeds_dir("mail"), "eml"),
            practice: None,
        }
    }
}

impl Target for MailTarget {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn extension(&self) -> &'static str {
        "eml"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 3, 3, |bytes| {
            drawn::message(bytes)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        if self
            .practice
            .as_ref()
            .is_none_or(|p| p.received >= MESSAGES_PER_HOST)
        {
            self.practice = Some(Practice::new());
        }
        let Some(practice) = self.practice.as_mut() else {
            return Outcome::Refused;
        };
        practice.received += 1;
        let host = &practice.host;
        let before: BTreeSet<String> = host
            .documents("messages")
            .into_iter()
            .map(|doc| doc.id)
            .collect();
        // Panics, with the module's error, if `mailbox.received` fails.
        host.receive_mail(INFO, input);
        let stored: Vec<_> = host
            .documents("messages")
            .into_iter()
            .filter(|doc| !before.contains(&doc.id))
            .collect();
        if stored.is_empty() {
            return Outcome::Refused;
        }
        host.advance(60 * 60 * 1000);
        let _ = host.run_due_timers();
        for message in &stored {
            let Some(thread) = message.data["thread_id"].as_str() else {
                continue;
            };
            let page = host.get_page(&practice.ana, &format!("/threads/{thread}"));
            assert!(
                page.status_code() < 500,
                "the thread page fails with {}: {}",
                page.status_code(),
                String::from_utf8_lossy(page.body())
            );
        }
        Outcome::Accepted
    }

    fn reset(&mut self) {
        self.practice = None;
    }
}
