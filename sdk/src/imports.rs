//! The one way to the host's imports: a function per WIT import, with the
//! generated types, grouped by interface as in `wit/plugin.wit`.
//!
//! - Built for `wasm32`, each calls the generated binding: the real host.
//! - Built natively with the `testing` feature, each calls the
//!   `crate::testing::TestHost` installed on the current thread by the
//!   call a test makes through it.
//! - Built natively without it, each panics saying so: imports exist only
//!   inside the host.
//!
//! `Ctx` and `Collection` use nothing else.

// Natively without `testing` the arguments go nowhere.
#![cfg_attr(
    all(not(target_arch = "wasm32"), not(feature = "testing")),
    allow(unused_variables)
)]

use crate::wit::immcase::plugin::types::Error;

/// Runs the generated binding in a component, the test host natively with
/// `testing`, and panics otherwise.
macro_rules! import {
    ($wit:expr, $test:expr) => {{
        #[cfg(target_arch = "wasm32")]
        {
            $wit
        }
        #[cfg(all(not(target_arch = "wasm32"), feature = "testing"))]
        {
            $test
        }
        #[cfg(all(not(target_arch = "wasm32"), not(feature = "testing")))]
        {
            crate::imports::outside_the_host()
        }
    }};
}

/// What a native build without the test host does on any import.
#[cfg(all(not(target_arch = "wasm32"), not(feature = "testing")))]
#[track_caller]
pub(crate) fn outside_the_host() -> ! {
    panic!(
        "the host's imports exist only inside the ImmCase host: to call them in a native test, \
         enable the SDK's `testing` feature and make the call through `immcase_sdk::testing::TestHost`"
    )
}

#[cfg(all(not(target_arch = "wasm32"), feature = "testing"))]
use crate::testing::imports as test;

pub mod store {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::store as wit;
    pub use crate::wit::immcase::plugin::store::{Document, Filter, Op, Page, QuerySpec};

    pub fn get(collection: &str, id: &str) -> Result<Option<Document>, Error> {
        import!(
            wit::get(collection, id),
            super::test::store_get(collection, id)
        )
    }

    pub fn put(
        collection: &str,
        id: &str,
        data: &str,
        expected_version: Option<u64>,
    ) -> Result<Document, Error> {
        import!(
            wit::put(collection, id, data, expected_version),
            super::test::store_put(collection, id, data, expected_version)
        )
    }

    pub fn delete(
        collection: &str,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<bool, Error> {
        import!(
            wit::delete(collection, id, expected_version),
            super::test::store_delete(collection, id, expected_version)
        )
    }

    pub fn query(collection: &str, q: &QuerySpec) -> Result<Page, Error> {
        import!(
            wit::query(collection, q),
            super::test::store_query(collection, q)
        )
    }
}

pub mod records {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::records as wit;
    use crate::wit::immcase::plugin::records::{Applicant, Case};

    pub fn get_applicant(id: &str) -> Result<Applicant, Error> {
        import!(wit::get_applicant(id), super::test::get_applicant(id))
    }

    pub fn get_case(id: &str) -> Result<Case, Error> {
        import!(wit::get_case(id), super::test::get_case(id))
    }

    pub fn find_applicants_by_email(email: &str) -> Result<Vec<Applicant>, Error> {
        import!(
            wit::find_applicants_by_email(email),
            super::test::find_applicants_by_email(email)
        )
    }

    pub fn find_case_by_folio(folio: &str) -> Result<Option<Case>, Error> {
        import!(
            wit::find_case_by_folio(folio),
            super::test::find_case_by_folio(folio)
        )
    }
}

pub mod files {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::files as wit;
    use crate::wit::immcase::plugin::files::FileInfo;

    pub fn list(owner: &str) -> Result<Vec<FileInfo>, Error> {
        import!(wit::list(owner), super::test::files_list(owner))
    }

    pub fn read(id: &str) -> Result<Vec<u8>, Error> {
        import!(wit::read(id), super::test::files_read(id))
    }

    pub fn attach(
        owner: &str,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<FileInfo, Error> {
        import!(
            wit::attach(owner, name, content_type, content),
            super::test::files_attach(owner, name, content_type, content)
        )
    }
}

pub mod search {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::search as wit;
    pub use crate::wit::immcase::plugin::search::Entry;

    pub fn put(entry: &Entry) -> Result<(), Error> {
        import!(wit::put(entry), super::test::search_put(entry, None))
    }

    pub fn put_visible_to(entry: &Entry, readers: &[String]) -> Result<(), Error> {
        import!(
            wit::put_visible_to(entry, readers),
            super::test::search_put(entry, Some(readers))
        )
    }

    pub fn remove(id: &str) -> Result<(), Error> {
        import!(wit::remove(id), super::test::search_remove(id))
    }
}

pub mod events {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::events as wit;

    pub fn emit(name: &str, payload: &str) -> Result<String, Error> {
        import!(wit::emit(name, payload), super::test::emit(name, payload))
    }
}

pub mod schedule {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::schedule as wit;

    pub fn at(due: i64, key: &str, payload: &str) -> Result<(), Error> {
        import!(
            wit::at(due, key, payload),
            super::test::schedule_at(due, key, payload)
        )
    }

    pub fn cancel(key: &str) -> Result<bool, Error> {
        import!(wit::cancel(key), super::test::schedule_cancel(key))
    }

    pub fn now() -> i64 {
        import!(wit::now(), super::test::now())
    }
}

pub mod mail {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::mail as wit;

    pub use crate::wit::immcase::plugin::mail::Message;

    pub fn send(to: &str, subject: &str, body: &str) -> Result<(), Error> {
        import!(
            wit::send(to, subject, body),
            super::test::send_mail(to, subject, body)
        )
    }

    pub fn send_message(message: &Message) -> Result<(), Error> {
        import!(
            wit::send_message(message),
            super::test::send_message(message)
        )
    }

    pub use crate::wit::immcase::plugin::mail::{Letter, Queued};

    pub fn send_letter(letter: &Letter) -> Result<Queued, Error> {
        import!(wit::send_letter(letter), super::test::send_letter(letter))
    }
}

pub mod mailboxes {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::mailboxes as wit;
    pub use crate::wit::immcase::plugin::mailboxes::Mailbox;

    pub fn list() -> Result<Vec<Mailbox>, Error> {
        import!(wit::list(), super::test::mailboxes())
    }

    pub fn read_message(id: &str) -> Result<Vec<u8>, Error> {
        import!(wit::read_message(id), super::test::read_mailbox_message(id))
    }

    pub fn fetch_now(mailbox_id: &str) -> Result<(), Error> {
        import!(
            wit::fetch_now(mailbox_id),
            super::test::fetch_mailbox(mailbox_id)
        )
    }

    pub fn signature() -> Result<String, Error> {
        import!(wit::signature(), super::test::signature())
    }
}

pub mod notifications {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::notifications as wit;
    pub use crate::wit::immcase::plugin::notifications::Notification;

    pub fn notify(notification: &Notification) -> Result<(), Error> {
        import!(wit::notify(notification), super::test::notify(notification))
    }
}

pub mod directory {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::directory as wit;
    pub use crate::wit::immcase::plugin::directory::Person;

    pub fn get(id: &str) -> Result<Option<Person>, Error> {
        import!(wit::get(id), super::test::person(id))
    }

    pub fn holding(permission: &str) -> Result<Vec<Person>, Error> {
        import!(
            wit::holding(permission),
            super::test::people_holding(permission)
        )
    }
}

pub mod actions {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::actions as wit;

    pub fn call(module: &str, name: &str, input: &str) -> Result<String, Error> {
        import!(
            wit::call(module, name, input),
            super::test::call_action(module, name, input)
        )
    }
}

pub mod practice {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::practice as wit;
    pub use crate::wit::immcase::plugin::practice::Letterhead;

    pub fn letterhead() -> Result<Letterhead, Error> {
        import!(wit::get_letterhead(), super::test::letterhead())
    }
}

pub mod settings {
    use super::Error;
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::settings as wit;

    pub fn get() -> Result<String, Error> {
        import!(wit::get(), super::test::settings())
    }
}

pub mod log {
    #[cfg(target_arch = "wasm32")]
    use crate::wit::immcase::plugin::log as wit;
    pub use crate::wit::immcase::plugin::log::Level;

    pub fn write(level: Level, message: &str) {
        import!(wit::write(level, message), super::test::log(level, message))
    }
}

#[cfg(all(test, not(feature = "testing")))]
mod tests {
    #[test]
    #[should_panic(expected = "enable the SDK's `testing` feature")]
    fn outside_the_host_an_import_says_how_to_test_it() {
        let _ = super::settings::get();
    }
}
