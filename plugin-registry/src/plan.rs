//! What installing or upgrading would change on a server: the versions the
//! solver chooses, every module running now kept at its version unless it
//! is asked for, and what each new version asks for compared with the one
//! it replaces (what the operator consents to).

use std::collections::BTreeMap;

use immcase_manifest::Manifest;
use semver::Version;

use crate::RegistryError;
use crate::client::Checked;
use crate::documents::IndexLine;
use crate::resolve::{self, Candidate, Host, Want};

/// A module running on the server now (bundled, from a folder or installed).
#[derive(Clone, Debug)]
pub struct Running {
    pub manifest: Manifest,
    /// Installed from a registry (not bundled or from a folder): the same
    /// version from the registry replaces nothing.
    pub from_registry: bool,
}

/// One module to install or to move to another version.
#[derive(Clone, Debug)]
pub struct Step {
    pub line: IndexLine,
    /// The version running now, when one is.
    pub from: Option<Version>,
}

impl Step {
    /// `helpdesk 1.0.0 → 1.1.0`, or `helpdesk 1.1.0`.
    pub fn describe(&self) -> String {
        match &self.from {
            Some(from) if *from == self.line.version => {
                format!(
                    "{} {} (from the registry, in place of the one running)",
                    self.line.id, from
                )
            }
            Some(from) => format!("{} {from} → {}", self.line.id, self.line.version),
            None => format!("{} {}", self.line.id, self.line.version),
        }
    }
}

/// The steps that give `wants`, the running modules kept as they are.
pub async fn plan(
    checked: &Checked,
    running: &BTreeMap<String, Running>,
    wants: BTreeMap<String, Want>,
    host: &Host,
) -> Result<Vec<Step>, RegistryError> {
    let asked: Vec<String> = wants.keys().cloned().collect();
    let (catalog, all) = with_running(checked.catalog().await?, running, wants);
    let chosen = resolve::resolve(&catalog, host, &all)?;
    let mut steps = Vec::new();
    for (id, version) in chosen {
        let now = running.get(&id);
        // Kept as it runs; only a module asked for by name is taken from
        // the registry at the version a bundled copy of it runs.
        let same = now.is_some_and(|r| r.manifest.version == version);
        if same && (now.is_some_and(|r| r.from_registry) || !asked.contains(&id)) {
            continue;
        }
        let from = now.map(|r| r.manifest.version.clone());
        let line = checked
            .index(&id)
            .await?
            .into_iter()
            .find(|l| l.version == version)
            .ok_or_else(|| resolve::ResolveError::NoSuchVersion {
                module: id.clone(),
                version: version.clone(),
            })?;
        steps.push(Step { line, from });
    }
    Ok(steps)
}

/// `catalog` with the running modules' versions in it, and `wants` with
/// every running module not asked for kept at its version.
pub fn with_running(
    mut catalog: crate::Catalog,
    running: &BTreeMap<String, Running>,
    mut wants: BTreeMap<String, Want>,
) -> (crate::Catalog, BTreeMap<String, Want>) {
    for (id, r) in running {
        catalog.add(
            id,
            r.manifest.version.clone(),
            Candidate {
                host_api: r.manifest.host_api.clone(),
                dependencies: r.manifest.dependencies.clone(),
                yanked: false,
            },
        );
        wants
            .entry(id.clone())
            .or_insert_with(|| Want::Kept(r.manifest.version.clone()));
    }
    (catalog, wants)
}

/// What a version asks for, and on an upgrade what changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Asks {
    /// Everything it asks for, in words.
    pub all: Vec<String>,
    /// What it asks for that the version it replaces did not.
    pub added: Vec<String>,
    /// What the version it replaces asked for that it no longer does.
    pub dropped: Vec<String>,
}

pub fn asks(before: Option<&Manifest>, after: &Manifest) -> Asks {
    let all = after.asks_for();
    let Some(before) = before else {
        return Asks {
            all,
            ..Asks::default()
        };
    };
    let was = before.asks_for();
    Asks {
        added: all.iter().filter(|l| !was.contains(l)).cloned().collect(),
        dropped: was.iter().filter(|l| !all.contains(l)).cloned().collect(),
        all,
    }
}
