//! `immcase plugin new NAME`: writes a module crate from the SDK's template,
//! ready to build for wasm32-wasip2 and load as it is.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use immcase_manifest::is_module_id;

const TEMPLATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../sdk/template/Cargo.toml.tmpl"),
    ),
    (
        "plugin.toml",
        include_str!("../../sdk/template/plugin.toml.tmpl"),
    ),
    (
        "README.md",
        include_str!("../../sdk/template/README.md.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../../sdk/template/src/lib.rs.tmpl"),
    ),
    (
        "src/tests.rs",
        include_str!("../../sdk/template/src/tests.rs.tmpl"),
    ),
];

/// The SDK in this source tree, when it is still where it was built from.
fn local_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    sdk.join("Cargo.toml")
        .exists()
        .then(|| sdk.canonicalize().ok())
        .flatten()
}

/// The SDK dependency with its `testing` feature, for the tests: an inline
/// table gains the feature, a version becomes a table with it.
fn with_testing(dependency: &str) -> String {
    let dependency = dependency.trim();
    match dependency.strip_suffix('}') {
        Some(table) => format!("{}, features = [\"testing\"] }}", table.trim_end()),
        None => format!("{{ version = {dependency}, features = [\"testing\"] }}"),
    }
}

/// "my-module" → "My module".
fn human_name(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// Writes the crate into `parent/id` and returns its folder. The SDK comes
/// from `sdk_path` when given, else from this source tree when present, else
/// from crates.io.
pub fn plugin_new(id: &str, parent: &Path, sdk_path: Option<&Path>) -> anyhow::Result<PathBuf> {
    if !is_module_id(id) {
        bail!(
            "{id:?} is not a module id: use lowercase letters, digits and inner hyphens, starting with a letter"
        );
    }
    let folder = parent.join(id);
    if folder.exists() {
        bail!("{} already exists", folder.display());
    }
    let sdk_dependency = match sdk_path.map(Path::to_path_buf).or_else(local_sdk) {
        Some(path) => {
            let path = path
                .canonicalize()
                .with_context(|| format!("finding the SDK at {}", path.display()))?;
            format!("{{ path = {:?} }}", path.display().to_string())
        }
        None => format!("\"{}\"", env!("CARGO_PKG_VERSION")),
    };
    for (file, template) in TEMPLATE {
        let text = template
            .replace("{{id}}", id)
            .replace("{{crate_name}}", &id.replace('-', "_"))
            .replace("{{name}}", &human_name(id))
            .replace("{{sdk_dependency}}", &sdk_dependency)
            .replace("{{sdk_test_dependency}}", &with_testing(&sdk_dependency));
        let path = folder.join(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_crate_with_the_names_filled_in() {
        let dir = tempfile::tempdir().unwrap();
        let folder = plugin_new("case-checklist", dir.path(), None).unwrap();
        let manifest = std::fs::read_to_string(folder.join("plugin.toml")).unwrap();
        assert!(manifest.contains("id = \"case-checklist\""), "{manifest}");
        let parsed = immcase_manifest::Manifest::parse(&manifest).unwrap();
        assert_eq!(parsed.name, "Case checklist");
        let cargo = std::fs::read_to_string(folder.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("immcase-sdk = { path = "), "{cargo}");
        let tests = cargo.split("[dev-dependencies]").nth(1).unwrap_or_default();
        assert!(tests.contains("features = [\"testing\"] }"), "{cargo}");
        let written = std::fs::read_to_string(folder.join("src/tests.rs")).unwrap();
        assert!(written.contains("module:case-checklist"), "{written}");
        assert!(!cargo.contains("{{") && !manifest.contains("{{"));
        assert!(
            plugin_new("case-checklist", dir.path(), None).is_err(),
            "no overwrite"
        );
        assert!(plugin_new("Bad Name", dir.path(), None).is_err());
    }

    #[test]
    fn the_tests_take_the_sdk_with_its_test_host() {
        assert_eq!(
            with_testing("{ path = \"/x/sdk\" }"),
            "{ path = \"/x/sdk\", features = [\"testing\"] }"
        );
        assert_eq!(
            with_testing("\"0.1.0\""),
            "{ version = \"0.1.0\", features = [\"testing\"] }"
        );
    }
}
