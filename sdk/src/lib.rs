//! Write ImmCase modules: WebAssembly components that the ImmCase host serves
//! below `/api/v1/m/{id}/` (JSON) and `/m/{id}/` (pages), and calls for
//! events, timers and workflow actions.
//!
//! A module is a `cdylib` crate built with
//! `cargo build --target wasm32-wasip2 --profile module` (or `--release`),
//! plus a `plugin.toml` beside its `Cargo.toml` that names what it may use
//! (see the SDK's README). Its code implements [`Plugin`] and calls
//! [`export_plugin!`]:
//!
//! ```no_run
//! // plugin.toml:
//! //   id = "visits"
//! //   name = "Visits"
//! //   version = "0.1.0"
//! //   host-api = "^0.2"
//! //   description = "Who visited the office, and a reminder to follow up"
//! //   [capabilities]
//! //   store = ["visits"]
//! //   events = { emit = ["visits.*"] }
//! //   schedule = true
//! //   mail = true
//! //   [indexes]
//! //   visits = ["applicant"]
//! //   [settings.greeting]
//! //   type = "string"
//! //   default = "Thanks for visiting"
//! use immcase_sdk::html::{el, text};
//! use immcase_sdk::{
//!     Ctx, Error, Plugin, Request, Response, Result, Router, Timer, export_plugin, new_id,
//! };
//! use serde::{Deserialize, Serialize};
//!
//! struct Visits;
//!
//! impl Plugin for Visits {
//!     fn router() -> Router {
//!         Router::new()
//!             .get("/", page)
//!             .get("/visits", list)
//!             .post("/visits", record)
//!     }
//!
//!     fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
//!         let due: FollowUp = timer.payload_as()?;
//!         let settings: Settings = ctx.settings()?;
//!         ctx.send_mail(&due.email, &settings.greeting, "Can we help with anything else?")
//!     }
//! }
//!
//! export_plugin!(Visits);
//!
//! // Handlers
//!
//! fn list(ctx: &Ctx, request: Request) -> Result<Response> {
//!     let mut query = ctx.collection::<Visit>("visits").query().descending().limit(20);
//!     if let Some(applicant) = request.query_param("applicant") {
//!         query = query.where_eq("applicant", applicant);
//!     }
//!     Ok(Response::json(&query.fetch()?))
//! }
//!
//! fn record(ctx: &Ctx, request: Request) -> Result<Response> {
//!     let visit: Visit = request.json()?;
//!     if visit.applicant.is_empty() {
//!         return Err(Error::invalid_field("applicant", "required"));
//!     }
//!     let doc = ctx.collection("visits").insert(&new_id(), &visit)?;
//!     ctx.emit("visits.recorded", &doc)?;
//!     let week = 7 * 24 * 60 * 60 * 1000;
//!     let follow_up = FollowUp { email: visit.email.clone() };
//!     ctx.schedule_at(ctx.now() + week, &format!("visit:{}", doc.id), &follow_up)?;
//!     Ok(Response::created(&doc))
//! }
//!
//! fn page(ctx: &Ctx, _request: Request) -> Result<Response> {
//!     let visits = ctx.collection::<Visit>("visits").query().descending().fetch()?;
//!     let items = visits.items.iter().map(|v| el("li").text(&v.data.applicant));
//!     Ok(Response::html(
//!         el("section")
//!             .child(el("h1").child(text("Visits")))
//!             .child(el("ul").children(items))
//!             .render(),
//!     ))
//! }
//!
//! // Domain types
//!
//! #[derive(Serialize, Deserialize)]
//! struct Visit {
//!     applicant: String,
//!     email: String,
//! }
//!
//! #[derive(Serialize, Deserialize)]
//! struct FollowUp {
//!     email: String,
//! }
//!
//! #[derive(Deserialize)]
//! struct Settings {
//!     greeting: String,
//! }
//! ```
//!
//! Domain rules are plain functions: test them natively with `cargo test`.
//! The imports (store, mail, ...) exist only inside the host; a native test
//! reaches the module's handlers, events, timers and actions through
//! `testing::TestHost` (feature `testing`), an in-memory host read from the
//! module's `plugin.toml`. Without it, an import called natively panics.

mod caller;
mod ctx;
mod error;
mod files;
pub mod html;
mod http;
mod imports;
mod letter;
mod mail;
mod multipart;
mod notifications;
mod people;
mod plugin;
mod practice;
mod records;
mod router;
mod search;
mod store;
#[cfg(all(feature = "testing", not(target_arch = "wasm32")))]
pub mod testing;

pub use caller::Caller;
pub use ctx::Ctx;
pub use error::{Error, Result};
pub use files::FileInfo;
pub use http::{PLACEMENT_HEADER, Placement, Request, Response};
pub use letter::{Letter, Mailbox, Queued};
pub use mail::{Attachment, Message};
pub use multipart::{Multipart, Part};
pub use notifications::Notification;
pub use people::Person;
pub use plugin::{Event, Plugin, Timer};
pub use practice::{Letterhead, Logo};
pub use records::{Applicant, ApplicantMerge, Case, Outcome, Stage};
pub use router::{Handler, Router};
pub use search::SearchEntry;
pub use store::{Collection, Doc, Op, Page, Query};

/// A new unique id: a UUIDv7, so ids sort by creation time (to the
/// millisecond; ids made within one millisecond sort at random).
///
/// ```
/// let first = immcase_sdk::new_id();
/// std::thread::sleep(std::time::Duration::from_millis(2));
/// let second = immcase_sdk::new_id();
/// assert!(first < second);
/// assert_eq!(first.len(), 36); // 8-4-4-4-12 hexadecimal digits
/// assert_eq!(&first[14..15], "7"); // the UUID's version
/// ```
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Exports a [`Plugin`] as the component's implementation of the WIT world
/// `immcase:plugin/module`. Call it once, at the crate root:
/// `export_plugin!(Notes);`. The crate must depend on this SDK under its
/// own name, `immcase-sdk`.
///
/// ```standalone_crate
/// use immcase_sdk::{Plugin, Response, Router, export_plugin};
///
/// pub struct Hello;
///
/// impl Plugin for Hello {
///     fn router() -> Router {
///         Router::new().get("/", |ctx, _| Ok(Response::text(&ctx.caller().display_name)))
///     }
/// }
///
/// export_plugin!(Hello);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[allow(unsafe_code)] // generated bindings
        const _: () = {
            type ImmcaseExports = $crate::__private::Exports<$plugin>;
    $crate::wit::__export_module!(ImmcaseExports with_types_in $crate::wit);
        };
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::plugin::Exports;
}

/// The bindings generated from the WIT contract. Not for modules' code: use
/// the SDK's types.
#[doc(hidden)]
#[allow(unsafe_code)] // generated bindings
pub mod wit {
    wit_bindgen::generate!({
        path: "wit",
        world: "module",
        pub_export_macro: true,
        export_macro_name: "__export_module",
        default_bindings_module: "::immcase_sdk::wit",
        runtime_path: "::immcase_sdk::wit::__rt",
    });

    pub use wit_bindgen::rt as __rt;
}

// The generated code names this crate `::immcase_sdk`, also inside it.
extern crate self as immcase_sdk;

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(feature = "testing")]
    fn the_test_host_serves_the_contract_of_the_wit() {
        let wit = include_str!("../wit/plugin.wit");
        let package = format!("package immcase:plugin@{};", crate::testing::HOST_API);
        assert!(wit.contains(&package), "{package}");
    }

    #[test]
    fn ids_are_unique_and_sort_by_time() {
        let first = super::new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = super::new_id();
        assert_ne!(first, second);
        assert!(first < second, "{first} < {second}");
        assert_eq!(first.len(), 36);
    }
}
