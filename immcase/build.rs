//! Builds every module under `plugins/` for wasm32-wasip2 (with the
//! workspace's `module` profile, into `target/modules`) and writes
//! `bundled_modules.rs`, which embeds each component with its plugin.toml.
//! So `cargo run` serves the bundled modules with no extra step.
//!
//! Set `IMMCASE_SKIP_MODULE_BUILD=1` to build the server without them.
//! This crate holds only the command line and the embedded modules, so an
//! edit to a module rebuilds it and nothing of the host.

#[path = "../build-support/wasm_modules.rs"]
mod wasm_modules;

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = crate_dir
        .parent()
        .expect("the workspace folder")
        .to_path_buf();
    let plugins = root.join("plugins");
    for watched in [
        "plugins",
        "sdk/src",
        "sdk/Cargo.toml",
        "sdk/wit",
        // The workspace manifest holds the `module` profile.
        "Cargo.toml",
        "Cargo.lock",
        "build-support",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=IMMCASE_SKIP_MODULE_BUILD");

    let mut modules: Vec<(String, String, PathBuf)> = Vec::new();
    if env::var_os("IMMCASE_SKIP_MODULE_BUILD").is_none()
        && let Ok(entries) = std::fs::read_dir(&plugins)
    {
        let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let manifest = dir.join("plugin.toml");
            if let (Some(name), true) = (
                wasm_modules::crate_name(&dir.join("Cargo.toml")),
                manifest.exists(),
            ) {
                let folder = dir
                    .file_name()
                    .map(|f| f.to_string_lossy().to_string())
                    .unwrap_or_default();
                modules.push((folder, name, manifest));
            }
        }
    }
    let target = wasm_modules::target_dir(&root);
    let names: Vec<String> = modules.iter().map(|(_, name, _)| name.clone()).collect();
    if !wasm_modules::build(&root, &target, &names) {
        return;
    }

    let mut code = String::from("pub const BUNDLED: &[(&str, &str, &[u8])] = &[\n");
    for (folder, name, manifest) in &modules {
        let wasm = wasm_modules::component_path(&target, name);
        assert!(
            wasm.exists(),
            "the bundled module {name} did not produce {}",
            wasm.display()
        );
        writeln!(
            code,
            "    ({folder:?}, include_str!({:?}), include_bytes!({:?})),",
            manifest.display().to_string(),
            wasm.display().to_string()
        )
        .expect("write to a string");
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_modules.rs");
    std::fs::write(&out, code).expect("write bundled_modules.rs");
}
