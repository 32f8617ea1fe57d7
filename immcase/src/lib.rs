//! The `immcase` command's library: the modules bundled in the binary (every
//! crate under `plugins/`, built for wasm32-wasip2 by `build.rs`),
//! `immcase plugin new` and `immcase plugin check`. The server itself is
//! `immcase-host`.

pub mod plugin_check;
pub mod plugin_new;
pub mod plugin_registry;

use std::borrow::Cow;

use immcase_host::modules::ModuleSource;

mod built {
    // `BUNDLED`: (crate folder, plugin.toml, component) of every module under
    // plugins/.
    include!(concat!(env!("OUT_DIR"), "/bundled_modules.rs"));
}

/// The modules bundled in this binary, as sources the host loads.
pub fn bundled_modules() -> Vec<ModuleSource> {
    built::BUNDLED
        .iter()
        .map(|(folder, manifest, wasm)| ModuleSource {
            origin: format!("bundled:{folder}"),
            manifest: Cow::Borrowed(manifest),
            wasm: Cow::Borrowed(wasm),
        })
        .collect()
}
