//! A registry in a folder, published to and read as a host reads it: every
//! tampering refused with its own error, older and expired documents
//! refused, versions resolved by the solver, installs switched atomically.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::BTreeMap;

use immcase_registry::client::{self, Source, TrustState};
use immcase_registry::documents::Revocation;
use immcase_registry::publish::{RootChanges, SNAPSHOT_VALID_FOR};
use immcase_registry::resolve::{self, Host, ResolveError};
use immcase_registry::{Catalog, FolderRegistry, RegistryError, SecretKey, Store, Want, package};
use jiff::{SignedDuration, Timestamp};
use semver::Version;

/// A component: the header and one section of "code" (a custom section
/// the host would not run, but whose bytes are signed like any code).
fn component(code: &str) -> Vec<u8> {
    let mut c = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    let name = b"code";
    c.push(0);
    c.push((1 + name.len() + code.len()) as u8);
    c.push(name.len() as u8);
    c.extend_from_slice(name);
    c.extend_from_slice(code.as_bytes());
    c
}

fn manifest(id: &str, version: &str, host_api: &str, deps: &[(&str, &str)]) -> String {
    let mut m = format!(
        "id = \"{id}\"\nname = \"{id}\"\nversion = \"{version}\"\nhost-api = \"{host_api}\"\n\n[capabilities]\nstore = [\"notes\"]\n"
    );
    if !deps.is_empty() {
        m.push_str("\n[dependencies]\n");
        for (d, r) in deps {
            m.push_str(&format!("{d} = \"{r}\"\n"));
        }
    }
    m
}

struct Fixture {
    dir: tempfile::TempDir,
    root_key: SecretKey,
    snapshot_key: SecretKey,
    publisher: SecretKey,
    now: Timestamp,
}

impl Fixture {
    fn new(modules: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (root_key, _) = SecretKey::generate(None).unwrap();
        let (snapshot_key, _) = SecretKey::generate(None).unwrap();
        let (publisher, _) = SecretKey::generate(None).unwrap();
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        let publishers: Vec<_> = modules
            .iter()
            .map(|m| (m.to_string(), publisher.public().clone()))
            .collect();
        FolderRegistry::init(
            &dir.path().join("registry"),
            &root_key,
            &snapshot_key,
            &publishers,
            now,
        )
        .unwrap();
        Fixture {
            dir,
            root_key,
            snapshot_key,
            publisher,
            now,
        }
    }

    fn registry(&self) -> FolderRegistry {
        FolderRegistry::at(&self.dir.path().join("registry"))
    }

    fn publish(&self, id: &str, version: &str, host_api: &str, deps: &[(&str, &str)]) {
        self.registry()
            .publish(
                &component("the code"),
                &manifest(id, version, host_api, deps),
                &self.publisher,
                self.now,
            )
            .unwrap();
    }

    fn refresh(&self) {
        self.registry()
            .refresh(&self.snapshot_key, None, RootChanges::default(), self.now)
            .unwrap();
    }

    fn source(&self) -> Source {
        Source::Folder(self.dir.path().join("registry"))
    }

    fn trust(&self) -> std::path::PathBuf {
        self.dir.path().join("trust.json")
    }

    async fn check(&self) -> Result<client::Checked, RegistryError> {
        client::check(
            &self.source(),
            self.root_key.public(),
            &self.trust(),
            self.now,
        )
        .await
    }

    fn package_path(&self, id: &str, version: &str) -> std::path::PathBuf {
        self.dir
            .path()
            .join(format!("registry/packages/{id}/{version}.wasm"))
    }
}

fn host() -> Host {
    Host {
        serves: vec![Version::new(0, 1, 2), Version::new(0, 2, 4)],
    }
}

#[tokio::test]
async fn a_published_package_is_checked_and_every_kind_of_tampering_has_its_own_refusal() {
    let f = Fixture::new(&["notes"]);
    f.publish("notes", "1.0.0", "^0.2", &[]);
    f.publish("notes", "1.1.0", "^0.2", &[]);
    f.refresh();
    let checked = f.check().await.unwrap();
    let lines = checked.index("notes").await.unwrap();
    assert_eq!(lines.len(), 2);
    let good = checked.download(&lines[1]).await.unwrap();
    assert_eq!(good.line.version, Version::new(1, 1, 0));
    assert!(good.manifest.contains("version = \"1.1.0\""));
    assert_eq!(good.signed_by, f.publisher.public().id());
    let original = std::fs::read(f.package_path("notes", "1.1.0")).unwrap();

    // A byte of the code flipped on the way: the signature no longer matches.
    let mut flipped = original.clone();
    let at = original.windows(8).position(|w| w == b"the code").unwrap();
    flipped[at] ^= 0x20;
    std::fs::write(f.package_path("notes", "1.1.0"), &flipped).unwrap();
    let err = checked.download(&lines[1]).await.unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Tampered {
                part: "its code",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the package of notes 1.1.0 was changed after its publisher signed it: its code differs"
    );

    // A byte of the manifest's custom section flipped.
    let mut flipped = original.clone();
    let at = original.windows(7).position(|w| w == b"\"notes\"").unwrap();
    flipped[at + 1] = b'N';
    std::fs::write(f.package_path("notes", "1.1.0"), &flipped).unwrap();
    let err = checked.download(&lines[1]).await.unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Tampered {
                part: "the plugin.toml it carries",
                ..
            }
        ),
        "{err}"
    );

    // The validly signed package of 1.0.0 (same size) offered as 1.1.0.
    for ext in ["wasm", "wasm.minisig"] {
        std::fs::copy(
            f.dir
                .path()
                .join(format!("registry/packages/notes/1.0.0.{ext}")),
            f.dir
                .path()
                .join(format!("registry/packages/notes/1.1.0.{ext}")),
        )
        .unwrap();
    }
    let err = checked.download(&lines[1]).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::SignedForAnother { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("notes 1.0.0"), "{err}");

    // A package of another size than the index says.
    std::fs::write(
        f.package_path("notes", "1.1.0"),
        &original[..original.len() - 1],
    )
    .unwrap();
    let err = checked.download(&lines[1]).await.unwrap_err();
    assert!(matches!(err, RegistryError::PackageSize { .. }), "{err}");

    // Signed by a key the root does not list for the module.
    let (stranger, _) = SecretKey::generate(None).unwrap();
    std::fs::write(f.package_path("notes", "1.1.0"), &original).unwrap();
    let sig = stranger.sign(&original, &lines[1].statement()).unwrap();
    std::fs::write(
        f.dir
            .path()
            .join("registry/packages/notes/1.1.0.wasm.minisig"),
        sig,
    )
    .unwrap();
    let err = checked.download(&lines[1]).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::PackageSignature { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("not one of the keys trusted"),
        "{err}"
    );
}

#[tokio::test]
async fn an_index_changed_behind_the_snapshot_and_a_revoked_version_are_refused() {
    let f = Fixture::new(&["notes"]);
    f.publish("notes", "1.0.0", "^0.2", &[]);
    f.refresh();
    // Marked yanked without a new snapshot: the index no longer matches it.
    f.registry()
        .yank("notes", &Version::new(1, 0, 0), true)
        .unwrap();
    let checked = f.check().await.unwrap();
    let err = checked.index("notes").await.unwrap_err();
    assert!(matches!(err, RegistryError::IndexHash { .. }), "{err}");
    f.refresh();
    let checked = f.check().await.unwrap();
    assert!(checked.index("notes").await.unwrap()[0].yanked);

    let changes = RootChanges {
        revoke: vec![Revocation {
            module: "notes".into(),
            version: Version::new(1, 0, 0),
            reason: "it loses replies".into(),
        }],
        ..RootChanges::default()
    };
    f.registry()
        .refresh(&f.snapshot_key, Some(&f.root_key), changes, f.now)
        .unwrap();
    let checked = f.check().await.unwrap();
    assert_eq!(
        checked.root.revocation("notes", &Version::new(1, 0, 0)),
        Some("it loses replies")
    );
    let line = checked.index("notes").await.unwrap().remove(0);
    let err = checked.download(&line).await.unwrap_err();
    assert_eq!(err.to_string(), "notes 1.0.0 is revoked: it loses replies");
}

#[tokio::test]
async fn older_and_expired_documents_are_refused() {
    let f = Fixture::new(&["notes"]);
    f.publish("notes", "1.0.0", "^0.2", &[]);
    f.refresh();
    let registry = f.dir.path().join("registry");
    let old_snapshot = std::fs::read(registry.join("snapshot.json")).unwrap();
    let old_sig = std::fs::read(registry.join("snapshot.json.minisig")).unwrap();
    f.publish("notes", "1.1.0", "^0.2", &[]);
    f.refresh();
    let seen = f.check().await.unwrap().snapshot.version;
    assert_eq!(TrustState::load(&f.trust()).unwrap().snapshot_version, seen);

    // A mirror serving the older snapshot (validly signed) is refused.
    std::fs::write(registry.join("snapshot.json"), &old_snapshot).unwrap();
    std::fs::write(registry.join("snapshot.json.minisig"), &old_sig).unwrap();
    let err = f.check().await.unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Rollback {
                what: "snapshot",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("older than version {seen}")),
        "{err}"
    );

    // A registry nobody refreshed: its snapshot expires.
    f.refresh();
    let later = f.now + SNAPSHOT_VALID_FOR + SignedDuration::from_secs(1);
    let err = client::check(&f.source(), f.root_key.public(), &f.trust(), later)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegistryError::Expired {
                what: "snapshot",
                ..
            }
        ),
        "{err}"
    );

    // A root signed by another key than the pinned one.
    let (other, _) = SecretKey::generate(None).unwrap();
    let err = client::check(&f.source(), other.public(), &f.trust(), f.now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::DocumentSignature { .. }),
        "{err}"
    );

    // A snapshot passed off as the root is refused by what its signature states.
    let root = std::fs::read(registry.join("root.json")).unwrap();
    let sig = f.snapshot_key.sign(&root, "immcase-snapshot 9").unwrap();
    let trusted = [f.snapshot_key.public().clone()];
    assert!(immcase_registry::keys::verify(&trusted, &root, &sig).is_ok());
}

#[test]
fn publishing_is_refused_to_strangers_and_twice() {
    let f = Fixture::new(&["notes"]);
    f.publish("notes", "1.0.0", "^0.2", &[]);
    let again = f
        .registry()
        .publish(
            &component("x"),
            &manifest("notes", "1.0.0", "^0.2", &[]),
            &f.publisher,
            f.now,
        )
        .unwrap_err();
    assert!(
        matches!(again, RegistryError::AlreadyPublished { .. }),
        "{again}"
    );
    let (stranger, _) = SecretKey::generate(None).unwrap();
    let err = f
        .registry()
        .publish(
            &component("x"),
            &manifest("notes", "2.0.0", "^0.2", &[]),
            &stranger,
            f.now,
        )
        .unwrap_err();
    assert!(matches!(err, RegistryError::NotAPublisher { .. }), "{err}");
    let err = f
        .registry()
        .publish(
            &component("x"),
            &manifest("tickets", "1.0.0", "^0.2", &[]),
            &f.publisher,
            f.now,
        )
        .unwrap_err();
    assert!(matches!(err, RegistryError::NotAPublisher { .. }), "{err}");
    // The package is the component with its manifest carried in it.
    let bytes = std::fs::read(f.package_path("notes", "1.0.0")).unwrap();
    assert!(
        package::embedded_manifest(&bytes)
            .unwrap()
            .contains("id = \"notes\"")
    );
}

/// A published version: id, version, host-api, dependencies, yanked.
type Entry<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], bool);

fn catalog(entries: &[Entry]) -> Catalog {
    let mut catalog = Catalog::default();
    for (id, version, host_api, deps, yanked) in entries {
        catalog.add(
            id,
            Version::parse(version).unwrap(),
            resolve::Candidate {
                host_api: host_api.parse().unwrap(),
                dependencies: deps
                    .iter()
                    .map(|(d, r)| (d.to_string(), r.parse().unwrap()))
                    .collect(),
                yanked: *yanked,
            },
        );
    }
    catalog
}

fn wants(list: &[(&str, Want)]) -> BTreeMap<String, Want> {
    list.iter()
        .map(|(id, w)| (id.to_string(), w.clone()))
        .collect()
}

#[test]
fn the_solver_skips_incompatible_yanked_and_pre_release_versions() {
    let c = catalog(&[
        ("notes", "1.0.0", "^0.2", &[], false),
        ("notes", "1.1.0", "^0.2.1", &[], false),
        ("notes", "1.2.0", "^0.2", &[], true),
        ("notes", "1.3.0-beta.1", "^0.2", &[], false),
        ("notes", "2.0.0", "^0.3", &[], false),
    ]);
    let chosen = resolve::resolve(&c, &host(), &wants(&[("notes", Want::Newest)])).unwrap();
    assert_eq!(chosen["notes"], Version::new(1, 1, 0));
    // Asked exactly, a yanked or pre-release version is given.
    for exact in ["1.2.0", "1.3.0-beta.1"] {
        let w = Want::parse(Some(exact)).unwrap();
        let chosen = resolve::resolve(&c, &host(), &wants(&[("notes", w)])).unwrap();
        assert_eq!(chosen["notes"].to_string(), exact);
    }
    // Asked exactly, the incompatible one is refused naming three versions.
    let w = Want::parse(Some("=2.0.0")).unwrap();
    let err = resolve::resolve(&c, &host(), &wants(&[("notes", w)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes 2.0.0 needs host API ^0.3, and this host provides 0.1.2 and 0.2.4"
    );
    // A requirement only the incompatible version meets.
    let w = Want::parse(Some("^2")).unwrap();
    let err = resolve::resolve(&c, &host(), &wants(&[("notes", w)])).unwrap_err();
    let ResolveError::NoSolution(text) = &err else {
        panic!("{err}")
    };
    assert!(
        text.contains("depends on the host API >=0.3.0, <0.4.0"),
        "{text}"
    );
    assert!(
        text.ends_with("no set of versions fits the request."),
        "{text}"
    );
    assert!(matches!(
        resolve::resolve(&c, &host(), &wants(&[("nothing", Want::Newest)])),
        Err(ResolveError::Unknown(_))
    ));
}

#[test]
fn module_dependencies_are_honoured_and_a_conflict_names_the_chain() {
    let c = catalog(&[
        ("helpdesk", "1.0.0", "^0.2", &[], false),
        ("helpdesk", "1.4.0", "^0.2", &[], false),
        ("helpdesk", "2.0.0", "^0.2", &[], false),
        ("reports", "1.0.0", "^0.2", &[("helpdesk", "^1.2")], false),
        ("billing", "1.0.0", "^0.2", &[("helpdesk", "^2")], false),
    ]);
    let chosen = resolve::resolve(&c, &host(), &wants(&[("reports", Want::Newest)])).unwrap();
    assert_eq!(chosen["reports"], Version::new(1, 0, 0));
    assert_eq!(
        chosen["helpdesk"],
        Version::new(1, 4, 0),
        "the newest that reports accepts"
    );

    let err = resolve::resolve(
        &c,
        &host(),
        &wants(&[("reports", Want::Newest), ("billing", Want::Newest)]),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("reports 1.0.0 depends on helpdesk >=1.2.0, <2.0.0"),
        "{text}"
    );
    assert!(
        text.contains("billing depends on helpdesk >=2.0.0, <3.0.0"),
        "{text}"
    );

    // An installed module kept at its version constrains the others.
    let err = resolve::resolve(
        &c,
        &host(),
        &wants(&[
            ("reports", Want::Newest),
            ("helpdesk", Want::Kept(Version::new(1, 0, 0))),
        ]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("helpdesk"), "{err}");
}

#[test]
fn requirements_become_the_ranges_semver_means() {
    let cases = [
        ("^1.2.3", ">=1.2.3, <2.0.0"),
        ("^0.2", ">=0.2.0, <0.3.0"),
        ("^0.0.3", ">=0.0.3, <0.0.4"),
        ("~1.2", ">=1.2.0, <1.3.0"),
        ("=1.2", ">=1.2.0, <1.3.0"),
        ("1.*", ">=1.0.0, <2.0.0"),
        (">1.2", ">=1.3.0"),
        ("<=1.2", "<1.3.0"),
        (">=1.0, <1.5", ">=1.0.0, <1.5.0"),
    ];
    for (req, want) in cases {
        assert_eq!(
            resolve::req_ranges(&req.parse().unwrap()).to_string(),
            want,
            "{req}"
        );
    }
}

fn verified(f: &Fixture, version: &str) -> immcase_registry::VerifiedPackage {
    let root = f.registry().root().unwrap();
    let line = f
        .registry()
        .index("notes")
        .unwrap()
        .into_iter()
        .find(|l| l.version.to_string() == version)
        .unwrap();
    let bytes = std::fs::read(f.package_path("notes", version)).unwrap();
    let sig = std::fs::read(
        f.dir
            .path()
            .join(format!("registry/packages/notes/{version}.wasm.minisig")),
    )
    .unwrap();
    client::verify_package(&root, &line, bytes, &sig).unwrap()
}

#[test]
fn the_store_switches_versions_by_rename_and_rolls_back_without_the_network() {
    let f = Fixture::new(&["notes"]);
    f.publish("notes", "1.0.0", "^0.2", &[]);
    f.publish("notes", "1.1.0", "^0.2", &[]);
    let dir = f.dir.path().join("plugins");
    let store = Store::open(&dir).unwrap();
    let v1 = Version::new(1, 0, 0);
    let v11 = Version::new(1, 1, 0);
    store.add(&verified(&f, "1.0.0")).unwrap();
    assert!(store.active().unwrap().is_empty(), "added is not active");
    store.activate("notes", &v1).unwrap();
    store.add(&verified(&f, "1.1.0")).unwrap();
    let state = store.activate("notes", &v11).unwrap();
    assert_eq!(state.previous, Some(v1.clone()));
    let active = store.active().unwrap();
    assert_eq!(active[0].state.active, v11);
    assert!(
        std::fs::read_to_string(active[0].manifest())
            .unwrap()
            .contains("1.1.0")
    );

    // No registry needed to go back.
    std::fs::remove_dir_all(f.dir.path().join("registry")).unwrap();
    let back = store.rollback("notes").unwrap();
    assert_eq!((back.active, back.previous), (v1.clone(), Some(v11)));
    assert_eq!(store.active().unwrap()[0].state.active, v1);

    // What an interrupted download left is cleared at the next start, and
    // the active version is untouched by it.
    std::fs::create_dir_all(dir.join("staging/notes-2.0.0-1-1")).unwrap();
    std::fs::write(dir.join("staging/notes-2.0.0-1-1/module.wasm"), b"half").unwrap();
    let store = Store::open(&dir).unwrap();
    assert_eq!(std::fs::read_dir(dir.join("staging")).unwrap().count(), 0);
    assert_eq!(store.active().unwrap()[0].state.active, v1);

    store.uninstall("notes").unwrap();
    assert!(store.active().unwrap().is_empty());
    assert!(matches!(
        store.rollback("notes"),
        Err(RegistryError::NotInstalled(_))
    ));
}
