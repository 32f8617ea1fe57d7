//! The practice's mailboxes: each person's and each shared mailbox's mail,
//! fetched from the practice's own mail server.
//!
//! - `imap`: the protocol side, a self-contained IMAP client. It signs in
//!   over TLS (or STARTTLS), fetches the messages a folder gained since the
//!   state it is given (UIDVALIDITY and the last UID taken), and files sent
//!   mail in the mailbox's Sent folder. It keeps nothing itself: the caller
//!   stores the state it returns together with the messages.

pub mod fetch;
pub mod imap;
pub mod store;
