//! Email to several people, with copies and attachments, as
//! [`Ctx::send_message`](crate::Ctx::send_message) queues it (host API
//! 0.2.2).

/// An email: its recipients, copies, where answers go, subject, plain-text
/// body and attachments. Built step by step; the host checks it when it is
/// sent (1 to 50 addresses in `to`, at most 50 in `cc`, a one-line subject,
/// at most 20 attachments of 10 MiB together) and refuses it with `Invalid`
/// naming what is wrong.
///
/// ```
/// use immcase_sdk::Message;
///
/// let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
/// let invite = Message::new("Appointment on Tuesday", "The invitation is attached.")
///     .to("ana@example.com")
///     .cc("bo@northlegal.example")
///     .reply_to("desk@northlegal.example")
///     .attach("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ics);
/// assert_eq!(invite.to, ["ana@example.com"]);
/// assert_eq!(invite.attachments[0].content_type, "text/calendar; method=REQUEST; charset=UTF-8");
/// assert_eq!(invite.attachments[0].content, ics.as_bytes());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub reply_to: Option<String>,
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// A file sent with a [`Message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees: `invite.ics`.
    pub name: String,
    /// The MIME type, sent exactly as given with its parameters:
    /// `text/calendar; method=REQUEST; charset=UTF-8`.
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Message {
    /// A message with this subject and body, to nobody yet.
    pub fn new(subject: &str, body: &str) -> Message {
        Message {
            subject: subject.to_owned(),
            body: body.to_owned(),
            ..Message::default()
        }
    }

    /// Adds a recipient.
    pub fn to(mut self, address: &str) -> Message {
        self.to.push(address.to_owned());
        self
    }

    /// Adds a recipient of a copy.
    pub fn cc(mut self, address: &str) -> Message {
        self.cc.push(address.to_owned());
        self
    }

    /// Where answers go instead of the practice's sending address.
    pub fn reply_to(mut self, address: &str) -> Message {
        self.reply_to = Some(address.to_owned());
        self
    }

    /// Attaches a file.
    pub fn attach(
        mut self,
        name: &str,
        content_type: &str,
        content: impl Into<Vec<u8>>,
    ) -> Message {
        self.attachments.push(Attachment {
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            content: content.into(),
        });
        self
    }
}

impl From<&Message> for crate::wit::immcase::plugin::mail::Message {
    fn from(m: &Message) -> Self {
        crate::wit::immcase::plugin::mail::Message {
            to: m.to.clone(),
            cc: m.cc.clone(),
            reply_to: m.reply_to.clone(),
            subject: m.subject.clone(),
            body: m.body.clone(),
            attachments: m
                .attachments
                .iter()
                .map(|a| crate::wit::immcase::plugin::mail::Attachment {
                    name: a.name.clone(),
                    content_type: a.content_type.clone(),
                    content: a.content.clone(),
                })
                .collect(),
        }
    }
}

impl From<crate::wit::immcase::plugin::mail::Message> for Message {
    fn from(m: crate::wit::immcase::plugin::mail::Message) -> Self {
        Message {
            to: m.to,
            cc: m.cc,
            reply_to: m.reply_to,
            subject: m.subject,
            body: m.body,
            attachments: m
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    name: a.name,
                    content_type: a.content_type,
                    content: a.content,
                })
                .collect(),
        }
    }
}
