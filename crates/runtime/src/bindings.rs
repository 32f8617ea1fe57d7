//! Bindings of the WIT package `immcase:plugin`, generated from `sdk/wit/`. Every
//! import is async (the host's side may touch the database) and trappable (a
//! host failure traps the call instead of lying to the module). The host
//! implements the import traits for its own call state.

wasmtime::component::bindgen!({
    path: "../../sdk/wit",
    world: "module",
    imports: { default: async | trappable },
    exports: { default: async },
});
