//! In-app notifications, as [`Ctx::notify`](crate::Ctx::notify) sends them.

/// A line under a person's bell, and the email they get when they want its
/// kind by email.
///
/// ```
/// use immcase_sdk::Notification;
///
/// let n = Notification::new("ana", "helpdesk.assigned", "TKT001 is assigned to you", "/m/helpdesk/tickets/t1")
///     .with_email("[TKT001] Assigned to you: Printer jammed", "Bo assigned TKT001 to you.");
/// assert_eq!(n.email_subject, "[TKT001] Assigned to you: Printer jammed");
/// // Without an email of its own, the email says the text.
/// let plain = Notification::new("ana", "helpdesk.assigned", "TKT001 is assigned to you", "/m/helpdesk/tickets/t1");
/// assert_eq!(plain.email_subject, "TKT001 is assigned to you");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// A person of the practice (their id); someone disabled is skipped.
    pub person_id: String,
    /// One of the kinds declared under `[[notifications]]` in `plugin.toml`.
    pub kind: String,
    /// What happened, in the practice's words: one line, 1 to 300 characters.
    pub text: String,
    /// Where it is seen: a path in the app.
    pub link: String,
    /// The email's subject, one line.
    pub email_subject: String,
    /// The email's plain-text body.
    pub email_body: String,
}

impl Notification {
    /// A notification whose email, when the person wants it, says `text`.
    pub fn new(person_id: &str, kind: &str, text: &str, link: &str) -> Notification {
        Notification {
            person_id: person_id.to_owned(),
            kind: kind.to_owned(),
            text: text.to_owned(),
            link: link.to_owned(),
            email_subject: text.chars().take(300).collect(),
            email_body: text.to_owned(),
        }
    }

    /// The email sent when the person wants this kind by email.
    pub fn with_email(mut self, subject: &str, body: &str) -> Notification {
        self.email_subject = subject.to_owned();
        self.email_body = body.to_owned();
        self
    }
}
