//! What a module implements, and how the host's calls reach it.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::router::Router;
use crate::wit;
use crate::wit::immcase::plugin::types as wit_types;

/// A module. Implement it on a unit struct and export it with
/// [`crate::export_plugin!`]. Only [`Plugin::router`] is required.
///
/// A fresh instance answers every call, so nothing survives between calls:
/// keep state in the store. Events and timers are delivered at least once,
/// so their handlers must be idempotent; an `Err` makes the host retry later.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Ctx, Event, Plugin, Response, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// struct Notes;
///
/// impl Plugin for Notes {
///     fn router() -> Router {
///         Router::new().get("/count", |ctx, _| {
///             let notes = ctx.collection::<Value>("notes").query().fetch()?;
///             Ok(Response::json(&json!({ "notes": notes.items.len() })))
///         })
///     }
///
///     fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
///         ctx.collection("notes").insert(&event.id, &json!({ "case": event.payload["id"] }))?;
///         Ok(())
///     }
/// }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\nevents = { subscribe = [\"case.closed\"] }");
/// host.deliver_event("case.closed", &json!({ "id": "c1" }))?;
/// let ana = Caller::person("ana", &["module:notes"]);
/// assert_eq!(host.get(&ana, "/count").body(), br#"{"notes":1}"#);
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
pub trait Plugin {
    /// The module's routes (built once per call).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Response, Router, testing::TestHost};
    /// struct Hello;
    ///
    /// impl Plugin for Hello {
    ///     fn router() -> Router {
    ///         Router::new().get("/hello/:name", |_, request| {
    ///             Ok(Response::text(&format!("Hello, {}", request.param("name").unwrap_or("you"))))
    ///         })
    ///     }
    /// }
    /// # let host = TestHost::<Hello>::from_manifest("id = \"hello\"\nname = \"Hello\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// let ana = Caller::person("ana", &["module:hello"]);
    /// assert_eq!(host.get(&ana, "/hello/Ana").body(), b"Hello, Ana");
    /// assert_eq!(host.get(&ana, "/goodbye").status_code(), 404);
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    fn router() -> Router;

    /// An event the manifest subscribes to (`[capabilities] events.subscribe`).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Ctx, Event, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::json;
    /// struct Closer;
    ///
    /// impl Plugin for Closer {
    ///     fn router() -> Router {
    ///         Router::new()
    ///     }
    ///
    ///     fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
    ///         let case = event.payload["id"].as_str().unwrap_or_default();
    ///         ctx.emit("closer.archived", &json!({ "case": case }))?;
    ///         Ok(())
    ///     }
    /// }
    /// # let host = TestHost::<Closer>::from_manifest("id = \"closer\"\nname = \"Closer\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { emit = [\"closer.*\"], subscribe = [\"case.closed\"] }");
    /// host.deliver_event("case.closed", &json!({ "id": "c1" }))?;
    /// assert_eq!(host.events()[0].payload, json!({ "case": "c1" }));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        let _ = (ctx, event);
        Ok(())
    }

    /// A timer of this module is due (see [`Ctx::schedule_at`]).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Ctx, Plugin, Result, Router, Timer, testing::{START, TestHost}};
    /// struct Reminders;
    ///
    /// impl Plugin for Reminders {
    ///     fn router() -> Router {
    ///         Router::new()
    ///     }
    ///
    ///     fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
    ///         let to: String = timer.payload_as()?;
    ///         ctx.send_mail(&to, "Reminder", &format!("{} is due", timer.key))
    ///     }
    /// }
    /// # let host = TestHost::<Reminders>::from_manifest("id = \"reminders\"\nname = \"Reminders\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true\nmail = true");
    /// let due = START + 60_000;
    /// let to = "ana@example.com";
    /// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(due, "visa-renewal", &to))?;
    /// host.set_now(due);
    /// assert_eq!(host.run_due_timers().len(), 1);
    /// assert_eq!(host.mail()[0].body, "visa-renewal is due");
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        let _ = (ctx, timer);
        Ok(())
    }

    /// A named operation for workflows and other modules. By default there
    /// are none: [`Error::NotFound`] naming the action.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Ctx, Error, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// struct Folios;
    ///
    /// impl Plugin for Folios {
    ///     fn router() -> Router {
    ///         Router::new()
    ///     }
    ///
    ///     fn action(_ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
    ///         match name {
    ///             "next-folio" => {
    ///                 let last = input["last"].as_u64().unwrap_or(0);
    ///                 Ok(json!(format!("CAS{:03}", last + 1)))
    ///             }
    ///             _ => Err(Error::NotFound(format!("no action {name}"))),
    ///         }
    ///     }
    /// }
    /// # let host = TestHost::<Folios>::from_manifest("id = \"folios\"\nname = \"Folios\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"");
    /// let folio = host.call_action(&Caller::host(), "next-folio", &json!({ "last": 13 }))?;
    /// assert_eq!(folio, "CAS014");
    /// let unknown = host.call_action(&Caller::host(), "renumber", &json!({}));
    /// assert_eq!(unknown.map_err(|e| e.status()), Err(404));
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        let _ = (ctx, input);
        Err(Error::NotFound(format!("no action {name}")))
    }
}

/// An event delivered to a subscriber.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Ctx, Event, Plugin, Result, Router, testing::{START, TestHost}};
/// struct Audit;
///
/// impl Plugin for Audit {
///     fn router() -> Router {
///         Router::new()
///     }
///
///     fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
///         ctx.log_info(&format!("{} from {} at {}", event.name, event.source, event.occurred_at));
///         Ok(())
///     }
/// }
/// # let host = TestHost::<Audit>::from_manifest("id = \"audit\"\nname = \"Audit\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nevents = { subscribe = [\"case.*\"] }");
/// host.deliver_event("case.closed", &serde_json::json!({ "id": "c1" }))?;
/// assert_eq!(host.logs()[0].message, format!("case.closed from host at {START}"));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique: an event delivered again has the same id.
    pub id: String,
    /// Dotted name, e.g. `notes.created`, `case.closed`.
    pub name: String,
    /// What the emitter sent, as JSON; see [`Event::payload_as`].
    pub payload: Value,
    /// The module that emitted it, or `host`.
    pub source: String,
    /// Milliseconds since the Unix epoch.
    pub occurred_at: i64,
}

impl Event {
    /// The payload decoded as `T`; the wrong shape is [`Error::Invalid`].
    ///
    /// ```
    /// use immcase_sdk::Event;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Closed {
    ///     id: String,
    /// }
    /// let event = Event {
    ///     id: "e1".into(),
    ///     name: "case.closed".into(),
    ///     payload: json!({ "id": "c1" }),
    ///     source: "host".into(),
    ///     occurred_at: 0,
    /// };
    /// assert_eq!(event.payload_as::<Closed>()?.id, "c1");
    /// let wrong = event.payload_as::<Vec<String>>().expect_err("an object, not a list");
    /// assert_eq!(wrong.status(), 422);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(T::deserialize(&self.payload)?)
    }
}

/// A due timer.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Ctx, Plugin, Result, Router, Timer, testing::{START, TestHost}};
/// struct Digest;
///
/// impl Plugin for Digest {
///     fn router() -> Router {
///         Router::new()
///     }
///
///     fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
///         ctx.log_info(&format!("{} fired {} ms late", timer.key, ctx.now() - timer.due_at));
///         Ok(())
///     }
/// }
/// # let host = TestHost::<Digest>::from_manifest("id = \"digest\"\nname = \"Digest\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nschedule = true");
/// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(START + 1_000, "digest", &()))?;
/// host.advance(5_000);
/// host.run_due_timers();
/// assert_eq!(host.logs()[0].message, "digest fired 4000 ms late");
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    /// The key it was scheduled under (see [`Ctx::schedule_at`]).
    pub key: String,
    /// What was scheduled with it, as JSON; see [`Timer::payload_as`].
    pub payload: Value,
    /// When it was due (ms since the epoch); compare with [`Ctx::now`].
    pub due_at: i64,
}

impl Timer {
    /// The payload decoded as `T`; the wrong shape is [`Error::Invalid`].
    ///
    /// ```
    /// use immcase_sdk::Timer;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct FollowUp {
    ///     note: String,
    /// }
    /// let timer = Timer { key: "follow-up:n1".into(), payload: json!({ "note": "n1" }), due_at: 0 };
    /// assert_eq!(timer.payload_as::<FollowUp>()?.note, "n1");
    /// assert!(timer.payload_as::<u64>().is_err());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(T::deserialize(&self.payload)?)
    }
}

fn payload(json: &str, what: &str) -> Result<Value> {
    serde_json::from_str(json)
        .map_err(|e| Error::Internal(format!("{what} payload is not JSON: {e}")))
}

impl TryFrom<wit_types::Event> for Event {
    type Error = Error;

    fn try_from(event: wit_types::Event) -> Result<Self> {
        Ok(Self {
            payload: payload(&event.payload, "event")?,
            id: event.id,
            name: event.name,
            source: event.source,
            occurred_at: event.occurred_at,
        })
    }
}

impl TryFrom<wit_types::Timer> for Timer {
    type Error = Error;

    fn try_from(timer: wit_types::Timer) -> Result<Self> {
        Ok(Self {
            payload: payload(&timer.payload, "timer")?,
            key: timer.key,
            due_at: timer.due_at,
        })
    }
}

/// Implements the generated bindings for any [`Plugin`]; used by
/// [`crate::export_plugin!`].
#[doc(hidden)]
pub struct Exports<P>(PhantomData<P>);

impl<P: Plugin> wit::Guest for Exports<P> {
    fn handle_http(
        caller: wit_types::Caller,
        request: wit_types::HttpRequest,
    ) -> wit_types::HttpResponse {
        let ctx = Ctx::new(caller.into());
        P::router().handle(&ctx, request.into()).into()
    }

    fn on_event(
        caller: wit_types::Caller,
        event: wit_types::Event,
    ) -> std::result::Result<(), wit_types::Error> {
        let ctx = Ctx::new(caller.into());
        Event::try_from(event)
            .and_then(|event| P::on_event(&ctx, event))
            .map_err(|e| failed(&ctx, "event", e))
    }

    fn on_timer(
        caller: wit_types::Caller,
        timer: wit_types::Timer,
    ) -> std::result::Result<(), wit_types::Error> {
        let ctx = Ctx::new(caller.into());
        Timer::try_from(timer)
            .and_then(|timer| P::on_timer(&ctx, timer))
            .map_err(|e| failed(&ctx, "timer", e))
    }

    fn call_action(
        caller: wit_types::Caller,
        name: String,
        input: String,
    ) -> std::result::Result<String, wit_types::Error> {
        let ctx = Ctx::new(caller.into());
        serde_json::from_str(&input)
            .map_err(|e| Error::Invalid(format!("action input is not JSON: {e}")))
            .and_then(|input| P::action(&ctx, &name, input))
            .map(|output| output.to_string())
            .map_err(|e| failed(&ctx, "action", e))
    }
}

/// Logs an internal error (its details never reach people) and converts it.
fn failed(ctx: &Ctx, what: &str, error: Error) -> wit_types::Error {
    if error.is_internal() {
        ctx.log_error(&format!("{what} failed: {}", error.message()));
    }
    error.into_wit()
}
