//! What the email module's native tests share: the practice with its
//! mailboxes (info@, shared by Ana and Ben; Ana's and Ben's own), its
//! people, an applicant with two addresses and her case, and raw
//! messages written as mail clients send them.

#![allow(dead_code)] // Each test binary uses its own share of these.

use email::Email;
use immcase_sdk::testing::TestHost;
use immcase_sdk::{Applicant, Caller, Case, Mailbox, Request, Response};
use serde_json::Value;

pub const INFO: &str = "mb-info";
pub const ANA_BOX: &str = "mb-ana";
pub const BEN_BOX: &str = "mb-ben";

pub struct Practice {
    pub host: TestHost<Email>,
    /// Reads info@ and her own mailbox; keeps templates.
    pub ana: Caller,
    /// Reads info@ and his own mailbox.
    pub ben: Caller,
    /// Has the module but reads no mailbox.
    pub carl: Caller,
}

fn mailbox(id: &str, name: &str, address: &str, owner: Option<&str>) -> Mailbox {
    Mailbox {
        id: id.to_owned(),
        name: name.to_owned(),
        address: address.to_owned(),
        shared: owner.is_none(),
        owner_id: owner.map(str::to_owned),
        fetched_at: None,
        problem: None,
    }
}

impl Practice {
    pub fn new() -> Self {
        let host = TestHost::<Email>::new();
        let reader = [
            "module:email",
            "applicants.read",
            "cases.read",
            "files.read",
            "files.write",
        ];
        let ana = Caller::person("ana", &[&reader[..], &["email.templates"]].concat())
            .named("Ana Diaz")
            .with_email("ana@practice.example");
        let ben = Caller::person("ben", &reader)
            .named("Ben Roy")
            .with_email("ben@practice.example");
        let carl = Caller::person("carl", &reader).named("Carl Hale");
        for person in [&ana, &ben, &carl] {
            host.add_person(person);
        }
        host.add_mailbox(
            mailbox(INFO, "Info", "info@practice.example", None),
            &["ana", "ben"],
        );
        host.add_mailbox(
            mailbox(ANA_BOX, "Ana Diaz", "ana@practice.example", Some("ana")),
            &["ana"],
        );
        host.add_mailbox(
            mailbox(BEN_BOX, "Ben Roy", "ben@practice.example", Some("ben")),
            &["ben"],
        );
        host.add_applicant(&Applicant {
            emails: vec!["maria@gmail.example".into(), "m.lopez@work.example".into()],
            ..Applicant::new("a1", "Maria", "Lopez")
        });
        host.add_case(&Case {
            applicant_id: Some("a1".into()),
            program: Some("study_permit".into()),
            ..Case::new("c1", "CAS014")
        });
        host.add_applicant(&Applicant {
            emails: vec!["jo@example.org".into()],
            ..Applicant::new("a2", "Jo", "Park")
        });
        host.add_case(&Case {
            applicant_id: Some("a2".into()),
            ..Case::new("c2", "CAS015")
        });
        Practice {
            host,
            ana,
            ben,
            carl,
        }
    }

    /// The stored messages, as JSON.
    pub fn messages(&self) -> Vec<Value> {
        self.host
            .documents("messages")
            .into_iter()
            .map(|doc| {
                let mut data = doc.data;
                data["id"] = doc.id.into();
                data
            })
            .collect()
    }

    /// The stored message with this Message-ID.
    pub fn message(&self, message_id: &str) -> Value {
        self.messages()
            .into_iter()
            .find(|m| m["message_id"] == message_id)
            .unwrap_or_else(|| panic!("no message {message_id}"))
    }

    /// `(record, reason)` of the message's links, sorted.
    pub fn links_of(&self, message_doc: &str) -> Vec<(String, String)> {
        let mut links: Vec<(String, String)> = self
            .host
            .documents("links")
            .into_iter()
            .filter(|l| l.data["message"] == message_doc)
            .map(|l| {
                (
                    l.data["record"].as_str().unwrap_or_default().to_owned(),
                    l.data["reason"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        links.sort();
        links
    }

    /// Names of the events emitted so far.
    pub fn event_names(&self) -> Vec<String> {
        self.host.events().into_iter().map(|e| e.name).collect()
    }

    pub fn page(&self, caller: &Caller, path: &str) -> (u16, String) {
        let answer = self.host.get_page(caller, path);
        (answer.status_code(), body(&answer))
    }

    pub fn post_form(&self, caller: &Caller, path: &str, form: &[(&str, &str)]) -> Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.host.request(
            caller,
            Request::new("POST", path)
                .with_header("content-type", "application/x-www-form-urlencoded")
                .with_body(body)
                .as_page(),
        )
    }
}

pub fn body(answer: &Response) -> String {
    String::from_utf8_lossy(answer.body()).into_owned()
}

/// A raw message with `\r\n` line ends.
pub struct Raw {
    pub from: String,
    pub to: String,
    pub cc: Option<String>,
    pub subject: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub date: String,
    pub body: String,
    /// A whole MIME body with its Content-Type header, instead of `body`.
    pub mime: Option<(String, String)>,
}

impl Raw {
    pub fn new(from: &str, to: &str, subject: &str, message_id: &str) -> Self {
        Raw {
            from: from.to_owned(),
            to: to.to_owned(),
            cc: None,
            subject: subject.to_owned(),
            message_id: message_id.to_owned(),
            in_reply_to: None,
            date: "Fri, 06 Mar 2026 11:00:00 +0000".to_owned(),
            body: "Hello,\n\nPlease find my documents.\n\n-- \nMaria\n".to_owned(),
            mime: None,
        }
    }

    pub fn replying_to(mut self, id: &str) -> Self {
        self.in_reply_to = Some(id.to_owned());
        self
    }

    pub fn cc(mut self, cc: &str) -> Self {
        self.cc = Some(cc.to_owned());
        self
    }

    pub fn dated(mut self, date: &str) -> Self {
        self.date = date.to_owned();
        self
    }

    pub fn mime(mut self, content_type: &str, body: &str) -> Self {
        self.mime = Some((content_type.to_owned(), body.to_owned()));
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut text = format!(
            "From: {}\nTo: {}\nSubject: {}\nDate: {}\nMessage-ID: <{}>\nMIME-Version: 1.0\n",
            self.from, self.to, self.subject, self.date, self.message_id
        );
        if let Some(cc) = &self.cc {
            text.push_str(&format!("Cc: {cc}\n"));
        }
        if let Some(parent) = &self.in_reply_to {
            text.push_str(&format!(
                "In-Reply-To: <{parent}>\nReferences: <{parent}>\n"
            ));
        }
        match &self.mime {
            Some((content_type, body)) => {
                text.push_str(&format!("Content-Type: {content_type}\n\n{body}"));
            }
            None => {
                text.push_str("Content-Type: text/plain; charset=utf-8\n\n");
                text.push_str(&self.body);
            }
        }
        text.replace('\n', "\r\n").into_bytes()
    }
}

/// The first message from Maria's second address to info@, naming her
/// case and a ticket.
pub fn documents_from_maria() -> Raw {
    Raw::new(
        "Maria Lopez <M.Lopez@work.example>",
        "Info <info@practice.example>",
        "Documents for CAS014 [TKT012]",
        "first@work.example",
    )
}
