//! Host-side bindings of the WIT package `immcase:plugin`, generated from
//! `wit/`. Every import is async (it may touch the database) and trappable (a
//! database failure traps the call instead of lying to the module).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "module",
    imports: { default: async | trappable },
    exports: { default: async },
});
