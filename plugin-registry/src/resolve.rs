//! Which version of each module to install, by the PubGrub solver: the
//! newest compatible versions, module-to-module requirements honoured, and a
//! refusal that explains itself. The host API is a package with one version
//! (the newest contract this host serves); a module needs it when one of the
//! contracts the host serves meets the module's `host-api`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyProvider, PackageResolutionStatistics,
    PubGrubError, Ranges, Reporter,
};
use semver::{Comparator, Op, Version, VersionReq};

use crate::documents::IndexLine;

/// The versions the solver may choose from, per module, and what each needs.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    modules: BTreeMap<String, BTreeMap<Version, Candidate>>,
}

/// One version the solver may choose.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub host_api: VersionReq,
    pub dependencies: BTreeMap<String, VersionReq>,
    pub yanked: bool,
}

impl Catalog {
    /// Every version an index lists.
    pub fn add_index(&mut self, lines: &[IndexLine]) {
        for line in lines {
            self.add(
                &line.id,
                line.version.clone(),
                Candidate {
                    host_api: line.host_api.clone(),
                    dependencies: line.dependencies.clone(),
                    yanked: line.yanked,
                },
            );
        }
    }

    /// A version known otherwise (installed, bundled).
    pub fn add(&mut self, id: &str, version: Version, candidate: Candidate) {
        self.modules
            .entry(id.to_string())
            .or_default()
            .insert(version, candidate);
    }

    pub fn versions(&self, id: &str) -> impl DoubleEndedIterator<Item = (&Version, &Candidate)> {
        self.modules.get(id).into_iter().flatten()
    }
}

/// What is asked for one module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// The newest compatible version.
    Newest,
    /// The newest compatible version that meets a requirement (`^1.2`).
    Matching(VersionReq),
    /// This version, even yanked or a pre-release.
    Exactly(Version),
    /// The version installed now, kept as it is.
    Kept(Version),
}

impl Want {
    /// `1.2.3` or `=1.2.3` is exact; any other requirement is matched; none
    /// is the newest.
    pub fn parse(text: Option<&str>) -> Result<Want, semver::Error> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Want::Newest);
        };
        if let Ok(v) = Version::parse(text.trim_start_matches('=')) {
            return Ok(Want::Exactly(v));
        }
        VersionReq::parse(text).map(Want::Matching)
    }
}

/// Why no set of versions fits.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("no module `{0}` in the registry")]
    Unknown(String),
    #[error("{module} {version} is not in the registry")]
    NoSuchVersion { module: String, version: Version },
    #[error("{module} {version} needs host API {needs}, and this host provides {provides}")]
    HostApi {
        module: String,
        version: Version,
        needs: VersionReq,
        provides: String,
    },
    #[error("{0}")]
    NoSolution(String),
}

/// The host's side of the solve: the contracts it serves, oldest first.
#[derive(Clone, Debug)]
pub struct Host {
    pub serves: Vec<Version>,
}

impl Host {
    pub fn this_host() -> Host {
        Host {
            serves: immcase_manifest::SERVED_HOST_APIS.to_vec(),
        }
    }

    fn version(&self) -> Version {
        self.serves
            .iter()
            .max()
            .cloned()
            .unwrap_or(Version::new(0, 0, 0))
    }

    /// Whether one of the contracts served meets `req`.
    pub fn meets(&self, req: &VersionReq) -> bool {
        self.serves.iter().any(|v| req.matches(v))
    }

    fn in_words(&self) -> String {
        match immcase_manifest::versions_in_words(&self.serves) {
            none if none.is_empty() => "none".into(),
            words => words,
        }
    }
}

/// The versions chosen, by module id (the host API left out).
pub type Chosen = BTreeMap<String, Version>;

/// Chooses a version of every module in `wants` and of everything they need.
pub fn resolve(
    catalog: &Catalog,
    host: &Host,
    wants: &BTreeMap<String, Want>,
) -> Result<Chosen, ResolveError> {
    // An exact ask names its three versions when the host API is the reason.
    for (id, want) in wants {
        if catalog.modules.get(id).is_none_or(BTreeMap::is_empty) {
            return Err(ResolveError::Unknown(id.clone()));
        }
        if let Want::Exactly(v) | Want::Kept(v) = want {
            let Some(c) = catalog.modules.get(id).and_then(|vs| vs.get(v)) else {
                return Err(ResolveError::NoSuchVersion {
                    module: id.clone(),
                    version: v.clone(),
                });
            };
            if !host.meets(&c.host_api) {
                return Err(ResolveError::HostApi {
                    module: id.clone(),
                    version: v.clone(),
                    needs: c.host_api.clone(),
                    provides: host.in_words(),
                });
            }
        }
    }
    let provider = Provider {
        catalog,
        host,
        wants,
    };
    match pubgrub::resolve(&provider, Package::Request, Version::new(0, 0, 0)) {
        Ok(solution) => Ok(solution
            .into_iter()
            .filter_map(|(p, v)| match p {
                Package::Module(id) => Some((id, v)),
                _ => None,
            })
            .collect()),
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            let report = DefaultStringReporter::report(&tree)
                .replace("the request 0.0.0", "the request")
                .replace(
                    "the request is forbidden",
                    "no set of versions fits the request",
                );
            Err(ResolveError::NoSolution(report))
        }
        Err(other) => Err(ResolveError::NoSolution(other.to_string())),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Package {
    /// What was asked for (the solve's root).
    Request,
    HostApi,
    Module(String),
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Package::Request => f.write_str("the request"),
            Package::HostApi => f.write_str("the host API"),
            Package::Module(id) => f.write_str(id),
        }
    }
}

struct Provider<'a> {
    catalog: &'a Catalog,
    host: &'a Host,
    wants: &'a BTreeMap<String, Want>,
}

impl Provider<'_> {
    fn want_range(&self, want: &Want) -> Ranges<Version> {
        match want {
            Want::Newest => Ranges::full(),
            Want::Matching(req) => req_ranges(req),
            Want::Exactly(v) | Want::Kept(v) => Ranges::singleton(v.clone()),
        }
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Package;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Err = Infallible;
    /// Fewer versions to choose from first: conflicts show up sooner.
    type Priority = (u32, std::cmp::Reverse<usize>);

    fn prioritize(
        &self,
        package: &Package,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let count = match package {
            Package::Module(id) => self
                .catalog
                .versions(id)
                .filter(|(v, _)| range.contains(v))
                .count(),
            _ => 1,
        };
        (stats.conflict_count(), std::cmp::Reverse(count))
    }

    fn choose_version(
        &self,
        package: &Package,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, Infallible> {
        Ok(match package {
            Package::Request => Some(Version::new(0, 0, 0)),
            Package::HostApi => Some(self.host.version()).filter(|v| range.contains(v)),
            Package::Module(id) => {
                let asked = self.wants.get(id);
                self.catalog
                    .versions(id)
                    .rev()
                    .find(|(v, c)| {
                        let exact =
                            matches!(asked, Some(Want::Exactly(e) | Want::Kept(e)) if e == *v);
                        range.contains(v) && (exact || (!c.yanked && v.pre.is_empty()))
                    })
                    .map(|(v, _)| v.clone())
            }
        })
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Ranges<Version>, String>, Infallible> {
        let mut deps: Vec<(Package, Ranges<Version>)> = Vec::new();
        match package {
            Package::Request => {
                for (id, want) in self.wants {
                    deps.push((Package::Module(id.clone()), self.want_range(want)));
                }
            }
            Package::HostApi => {}
            Package::Module(id) => {
                let Some(c) = self.catalog.modules.get(id).and_then(|vs| vs.get(version)) else {
                    return Ok(Dependencies::Unavailable(format!(
                        "{id} {version} is not in the registry"
                    )));
                };
                // Met by one of the contracts served: any host version will
                // do; otherwise the requirement as written, which the host's
                // one version does not meet.
                let host = if self.host.meets(&c.host_api) {
                    Ranges::full()
                } else {
                    req_ranges(&c.host_api)
                };
                deps.push((Package::HostApi, host));
                for (dep, req) in &c.dependencies {
                    deps.push((Package::Module(dep.clone()), req_ranges(req)));
                }
            }
        }
        Ok(Dependencies::Available(deps.into_iter().collect()))
    }
}

/// The versions a requirement accepts, as ranges (pre-releases aside: the
/// solver chooses one only when asked for it exactly).
pub fn req_ranges(req: &VersionReq) -> Ranges<Version> {
    req.comparators.iter().fold(Ranges::full(), |acc, c| {
        acc.intersection(&comparator_ranges(c))
    })
}

fn comparator_ranges(c: &Comparator) -> Ranges<Version> {
    let (major, minor, patch) = (c.major, c.minor, c.patch);
    let at = |m: u64, n: u64, p: u64| Version::new(m, n, p);
    let lower = {
        let mut v = at(major, minor.unwrap_or(0), patch.unwrap_or(0));
        v.pre = c.pre.clone();
        v
    };
    let next_major = at(major + 1, 0, 0);
    let next_minor = at(major, minor.unwrap_or(0) + 1, 0);
    // The end of a partial version (`1.2` ends before 1.3.0, `1` before 2.0.0).
    let partial_end = match (minor, patch) {
        (None, _) => Some(next_major.clone()),
        (Some(_), None) => Some(next_minor.clone()),
        _ => None,
    };
    match c.op {
        Op::Exact | Op::Wildcard => match partial_end {
            Some(end) => Ranges::between(lower, end),
            None => Ranges::singleton(lower),
        },
        Op::Greater => match partial_end {
            Some(end) => Ranges::higher_than(end),
            None => Ranges::strictly_higher_than(lower),
        },
        Op::GreaterEq => Ranges::higher_than(lower),
        Op::Less => Ranges::strictly_lower_than(lower),
        Op::LessEq => match partial_end {
            Some(end) => Ranges::strictly_lower_than(end),
            None => Ranges::lower_than(lower),
        },
        Op::Tilde => match minor {
            None => Ranges::between(lower, next_major),
            Some(_) => Ranges::between(lower, next_minor),
        },
        Op::Caret => {
            let end = match (major, minor, patch) {
                (0, None, _) => next_major,
                (0, Some(0), Some(p)) => at(0, 0, p + 1),
                (0, Some(_), _) => next_minor,
                _ => next_major,
            };
            Ranges::between(lower, end)
        }
        // Future operators: what `matches` says of the versions around.
        _ => Ranges::full(),
    }
}
