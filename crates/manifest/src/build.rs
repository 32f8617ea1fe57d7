//! The check a module crate's build script runs, so that `cargo build`
//! refuses a `plugin.toml` the server would refuse, in the server's words,
//! before anything is compiled:
//!
//! ```text
//! // build.rs of a module crate, with `immcase-manifest` under
//! // [build-dependencies]:
//! fn main() {
//!     immcase_manifest::build::check_plugin_toml();
//! }
//! ```
//!
//! What it cannot see before the component exists (an import the manifest
//! does not declare) is for `immcase plugin check` after the build.

use std::path::{Path, PathBuf};

use crate::Manifest;

/// Checks `plugin.toml` beside the crate being built (its
/// `CARGO_MANIFEST_DIR`) and stops the build with one error line when the
/// server would refuse it; the build runs again when the file changes.
pub fn check_plugin_toml() {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let path = dir.join("plugin.toml");
    println!("cargo::rerun-if-changed={}", path.display());
    if let Err(message) = check_file(&path) {
        println!("cargo::error={message}");
    }
}

/// The manifest at `path` if the server would accept it (its host API
/// included: this crate's version is the contract the module is built
/// against), else the server's reason, on one line.
pub fn check_file(path: &Path) -> Result<Manifest, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let manifest = Manifest::parse(&text).map_err(|e| e.to_string())?;
    manifest.check_host_api().map_err(|e| e.to_string())?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plugin.toml");
        std::fs::write(&path, text).expect("write plugin.toml");
        (dir, path)
    }

    const GOOD: &str = "id = \"visits\"\nname = \"Visits\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"\ndescription = \"Who visited\"\n[capabilities]\nstore = [\"visits\"]\n";

    #[test]
    fn a_good_manifest_passes() {
        let (_dir, path) = write(GOOD);
        assert_eq!(check_file(&path).map(|m| m.id), Ok("visits".to_owned()));
    }

    #[test]
    fn refusals_are_the_servers_on_one_line() {
        let (_dir, path) = write(&format!("{GOOD}[indexes]\nsecrets = [\"owner\"]\n"));
        let refused = check_file(&path).expect_err("undeclared collection");
        assert!(refused.starts_with("plugin.toml: "), "{refused}");
        assert!(refused.contains("secrets"), "{refused}");
        assert!(!refused.contains('\n'), "{refused}");

        let (_dir, path) = write(&GOOD.replace("^0.1", "^0.9"));
        let refused = check_file(&path).expect_err("another host API");
        assert!(refused.contains("^0.9"), "{refused}");

        let missing = check_file(Path::new("/nonexistent/plugin.toml")).expect_err("no file");
        assert!(missing.contains("/nonexistent/plugin.toml"), "{missing}");
    }
}
