//! Bindings of the WIT package `immcase:plugin`, one module per contract the
//! host serves: [`v0_2`] from `sdk/wit/` (the newest, re-exported here) and
//! [`v0_1`] from a frozen copy of 0.1.2 in `crates/runtime/wit-0.1/`, for
//! modules built against 0.1.x. Every import is async (the host's side may
//! touch the database) and trappable (a host failure traps the call instead
//! of lying to the module). The host implements the import traits of both
//! for its own call state; [`ModulePre`] and [`Module`] call a module of
//! either with the newest types.

/// The contract 0.1.2, frozen: never edit `wit-0.1/plugin.wit`.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "wit-0.1",
        world: "module",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

/// The contract 0.2.4, as the SDK builds against it.
pub mod v0_2 {
    wasmtime::component::bindgen!({
        path: "../../sdk/wit",
        world: "module",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub use crate::contract::{Contract, Module, ModulePre};
pub use v0_2::immcase;
pub use v0_2::immcase::plugin::types::{Caller, Error, Event, HttpRequest, HttpResponse, Timer};
