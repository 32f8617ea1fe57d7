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
    ("build.rs", include_str!("../../sdk/template/build.rs.tmpl")),
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

/// Where the new crate takes the SDK from.
#[derive(Clone, Debug, Default)]
pub enum SdkSource {
    /// This source tree's SDK when it is still where the command was built
    /// from, else the SDK release of this command's version (the version
    /// `cargo package` gives the SDK of this tree).
    #[default]
    Default,
    /// An SDK checked out at this path.
    Path(PathBuf),
    /// The SDK in this git repository (at `rev`, a commit, tag or branch,
    /// when given).
    Git { url: String, rev: Option<String> },
}

/// The dependency lines' values for the SDK and for the manifest crate
/// (the new crate's build script checks its plugin.toml with it).
struct Dependencies {
    sdk: String,
    manifest: String,
}

fn dependencies(sdk: &SdkSource) -> anyhow::Result<Dependencies> {
    let release = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    let path = match sdk {
        SdkSource::Path(path) => Some(path.clone()),
        SdkSource::Default => local_sdk(),
        SdkSource::Git { url, rev } => {
            // Both crates are found by name in the same repository.
            let git = match rev {
                Some(rev) => format!("{{ git = {url:?}, rev = {rev:?} }}"),
                None => format!("{{ git = {url:?} }}"),
            };
            return Ok(Dependencies {
                sdk: git.clone(),
                manifest: git,
            });
        }
    };
    let Some(path) = path else {
        return Ok(Dependencies {
            sdk: release.clone(),
            manifest: release,
        });
    };
    let path = path
        .canonicalize()
        .with_context(|| format!("finding the SDK at {}", path.display()))?;
    if !path.join("Cargo.toml").exists() {
        bail!("{} holds no crate (no Cargo.toml)", path.display());
    }
    // An SDK in a source tree has the manifest crate beside it; an SDK
    // unpacked on its own pairs with the manifest crate's release.
    let manifest = path
        .parent()
        .map(|tree| tree.join("crates/manifest"))
        .filter(|crate_dir| crate_dir.join("Cargo.toml").exists())
        .map_or(release, |crate_dir| {
            format!("{{ path = {:?} }}", crate_dir.display().to_string())
        });
    Ok(Dependencies {
        sdk: format!("{{ path = {:?} }}", path.display().to_string()),
        manifest,
    })
}

/// Writes the crate into `parent/id` and returns its folder.
pub fn plugin_new(id: &str, parent: &Path, sdk: &SdkSource) -> anyhow::Result<PathBuf> {
    if !is_module_id(id) {
        bail!(
            "{id:?} is not a module id: use lowercase letters, digits and inner hyphens, starting with a letter"
        );
    }
    let folder = parent.join(id);
    if folder.exists() {
        bail!("{} already exists", folder.display());
    }
    let dependencies = dependencies(sdk)?;
    for (file, template) in TEMPLATE {
        let text = template
            .replace("{{id}}", id)
            .replace("{{crate_name}}", &id.replace('-', "_"))
            .replace("{{name}}", &human_name(id))
            .replace("{{sdk_dependency}}", &dependencies.sdk)
            .replace("{{sdk_test_dependency}}", &with_testing(&dependencies.sdk))
            .replace("{{manifest_dependency}}", &dependencies.manifest);
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
        let folder = plugin_new("case-checklist", dir.path(), &SdkSource::Default).unwrap();
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
            plugin_new("case-checklist", dir.path(), &SdkSource::Default).is_err(),
            "no overwrite"
        );
        assert!(plugin_new("Bad Name", dir.path(), &SdkSource::Default).is_err());
    }

    #[test]
    fn the_sdk_comes_from_where_the_command_is_told() {
        let git = SdkSource::Git {
            url: "https://example.org/immcase.git".into(),
            rev: Some("v0.1.0".into()),
        };
        let from_git = dependencies(&git).unwrap();
        assert_eq!(
            from_git.sdk,
            r#"{ git = "https://example.org/immcase.git", rev = "v0.1.0" }"#
        );
        assert_eq!(from_git.manifest, from_git.sdk);

        let tree = local_sdk().expect("this source tree's SDK");
        let from_tree = dependencies(&SdkSource::Path(tree)).unwrap();
        assert!(from_tree.sdk.contains("/sdk\""), "{}", from_tree.sdk);
        assert!(
            from_tree.manifest.contains("/crates/manifest\""),
            "{}",
            from_tree.manifest
        );

        // An SDK on its own pairs with the manifest crate's release.
        let dir = tempfile::tempdir().unwrap();
        let alone = dir.path().join("immcase-sdk");
        std::fs::create_dir_all(&alone).unwrap();
        std::fs::write(alone.join("Cargo.toml"), "").unwrap();
        let unpacked = dependencies(&SdkSource::Path(alone)).unwrap();
        assert_eq!(
            unpacked.manifest,
            format!("\"{}\"", env!("CARGO_PKG_VERSION"))
        );

        let error = dependencies(&SdkSource::Path(dir.path().into()))
            .err()
            .expect("no crate there")
            .to_string();
        assert!(error.contains("no Cargo.toml"), "{error}");
        assert!(dependencies(&SdkSource::Path(dir.path().join("nowhere"))).is_err());
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
