//! The practice's people as the `directory` import gives them.

use serde::Serialize;

use crate::wit::immcase::plugin::directory::Person as WitPerson;

/// A person of the practice, as [`Ctx::person`](crate::Ctx::person) gives
/// them.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\ndirectory = true");
/// host.add_person(&Caller::person("lee", &[]).named("Lee Park").in_time_zone("America/Toronto"));
/// let lee = host.with_ctx(&Caller::host(), |ctx| ctx.person("lee"))?.expect("in the directory");
/// assert_eq!((lee.id.as_str(), lee.email.as_str()), ("lee", "lee@example.com"));
/// assert_eq!((lee.display_name.as_str(), lee.time_zone.as_str()), ("Lee Park", "America/Toronto"));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The person's user id, as [`Caller::user_id`](crate::Caller::user_id) holds it.
    pub id: String,
    /// Their email address.
    pub email: String,
    /// Their name as the practice shows it.
    pub display_name: String,
    /// IANA name, e.g. `America/Toronto`.
    pub time_zone: String,
    /// False for a disabled account.
    pub active: bool,
}

impl From<WitPerson> for Person {
    fn from(p: WitPerson) -> Person {
        Person {
            id: p.id,
            email: p.email,
            display_name: p.display_name,
            time_zone: p.time_zone,
            active: p.active,
        }
    }
}
