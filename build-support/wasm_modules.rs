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

/// Builds the crates with the workspace's `module` profile.
pub fn build(workspace: &Path, target: &Path, crates: &[String]) {
    if crates.is_empty() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args([
            "build",
            "--locked",
            "--target",
            "wasm32-wasip2",
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
}
