//! Builds the test modules under `tests/modules/` for wasm32-wasip2 (into the
//! shared `target/modules`) and tells the harness where each component and
//! plugin.toml are.

#[path = "../build-support/wasm_modules.rs"]
mod wasm_modules;

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let tests_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = tests_dir.parent().expect("workspace").to_path_buf();
    let modules_dir = tests_dir.join("modules");
    for watched in [
        "tests/modules",
        "sdk/src",
        "sdk/Cargo.toml",
        "sdk/wit",
        "Cargo.toml",
        "Cargo.lock",
        "build-support",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&modules_dir)
        .map(|e| e.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    let modules: Vec<(String, String)> = dirs
        .iter()
        .filter_map(|dir| {
            let name = wasm_modules::crate_name(&dir.join("Cargo.toml"))?;
            Some((dir.file_name()?.to_string_lossy().to_string(), name))
        })
        .collect();
    let target = wasm_modules::target_dir(&root);
    let names: Vec<String> = modules.iter().map(|(_, name)| name.clone()).collect();
    if !wasm_modules::build(&root, &target, &names) {
        return;
    }

    let mut code = String::from(
        "/// (folder, plugin.toml path, component path) of each test module.\npub const TEST_MODULES: &[(&str, &str, &str)] = &[\n",
    );
    for (folder, name) in &modules {
        let wasm = wasm_modules::component_path(&target, name);
        let manifest = modules_dir.join(folder).join("plugin.toml");
        writeln!(
            code,
            "    ({folder:?}, {:?}, {:?}),",
            manifest.display().to_string(),
            wasm.display().to_string()
        )
        .expect("write");
    }
    code.push_str("];\n");
    writeln!(code, "/// Compiled modules shared by every test server (keyed by content and engine).\npub const MODULE_CACHE: &str = {:?};", target.join("test-cache").display().to_string()).expect("write");
    std::fs::write(
        PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("test_modules.rs"),
        code,
    )
    .expect("write test_modules.rs");
}
