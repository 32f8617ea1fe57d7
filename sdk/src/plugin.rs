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
pub trait Plugin {
    /// The module's routes (built once per call).
    fn router() -> Router;

    /// An event the manifest subscribes to (`[capabilities] events.subscribe`).
    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        let _ = (ctx, event);
        Ok(())
    }

    /// A timer of this module is due (see [`Ctx::schedule_at`]).
    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        let _ = (ctx, timer);
        Ok(())
    }

    /// A named operation for workflows and other modules. By default there
    /// are none: [`Error::NotFound`] naming the action.
    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        let _ = (ctx, input);
        Err(Error::NotFound(format!("no action {name}")))
    }
}

/// An event delivered to a subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    /// Dotted name, e.g. `notes.created`, `case.closed`.
    pub name: String,
    pub payload: Value,
    /// The module that emitted it, or `host`.
    pub source: String,
    /// Milliseconds since the Unix epoch.
    pub occurred_at: i64,
}

impl Event {
    /// The payload decoded as `T`; the wrong shape is [`Error::Invalid`].
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(T::deserialize(&self.payload)?)
    }
}

/// A due timer.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub key: String,
    pub payload: Value,
    /// When it was due (ms since the epoch); compare with [`Ctx::now`].
    pub due_at: i64,
}

impl Timer {
    /// The payload decoded as `T`; the wrong shape is [`Error::Invalid`].
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
