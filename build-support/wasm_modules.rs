//! Shared by the build scripts of the host (bundled modules) and the tests
//! (test modules): builds module crates of this workspace for wasm32-wasip2.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The package name in a crate's Cargo.toml.
pub fn crate_name(cargo_toml: &Path) -> Option<String> {
    let text = std::fs::read_to_string(cargo_toml).ok()?;
    let table: toml::Table = text.parse().ok()?;
    Some(table.get("package")?.get("name")?.as_str()?.to_string())
}

/// Where module components are built: `target/modules` (or under
/// `CARGO_TARGET_DIR`), away from the host's own build.
pub fn target_dir(workspace: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("modules")
}

/// The component a module crate builds to.
pub fn component_path(target: &Path, crate_name: &str) -> PathBuf {
    target
        .join("wasm32-wasip2/module")
        .join(format!("{}.wasm", crate_name.replace('-', "_")))
}

/// The target modules are built for.
const WASM_TARGET: &str = "wasm32-wasip2";

/// Whether the standard library for `wasm32-wasip2` is installed for the
/// compiler this build uses.
fn wasm_target_installed() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "target-libdir", "--target", WASM_TARGET])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .is_some_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libstd-")))
        })
}

/// Makes sure the `wasm32-wasip2` target is installed: adds it with rustup
/// (for the toolchain this build runs under) when it is missing, and when
/// that cannot be done, stops the build with one line saying what to run.
/// Returns false when the build must stop.
fn ensure_wasm_target() -> bool {
    if wasm_target_installed() {
        return true;
    }
    println!(
        "cargo::warning=adding the {WASM_TARGET} target with rustup (modules are built for it)"
    );
    let added = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if added && wasm_target_installed() {
        return true;
    }
    println!(
        "cargo::error=the {WASM_TARGET} target is not installed and could not be added; run `rustup target add {WASM_TARGET}` and build again"
    );
    false
}

/// Builds the crates with the workspace's `module` profile. Returns false
/// (having told cargo why) when they cannot be built here.
pub fn build(workspace: &Path, target: &Path, crates: &[String]) -> bool {
    if crates.is_empty() {
        return true;
    }
    if !ensure_wasm_target() {
        return false;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args([
            "build",
            "--locked",
            "--target",
            WASM_TARGET,
            "--profile",
            "module",
            "--target-dir",
        ])
        .arg(target)
        // The outer build's settings are for the host, not for wasm.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        // A build script's stdout is read by cargo as directives.
        .stdout(Stdio::null());
    for name in crates {
        cmd.args(["-p", name]);
    }
    let status = cmd
        .status()
        .expect("run cargo to build modules for wasm32-wasip2");
    assert!(
        status.success(),
        "building modules for wasm32-wasip2 failed (see the output above)"
    );
    true
}
