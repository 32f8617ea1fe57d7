//! The module document store: what a module writes and how its queries
//! (filters, the field ordered by, descending, the page's size, the
//! cursor it passes back) are checked and turned into SQL, on the host's
//! SQLite database.
//!
//! An input is a session of one module call (`session.rs`): a module's
//! own `plugin.toml`, its `[indexes]` sometimes replaced (the manifest is
//! read again by `Manifest::parse`, so only lists a module could declare
//! are used), documents written and deleted, queries. Each step goes
//! through the host's code as the `store` import does: the collection by
//! `checks::collection`, filter values by `checks::json_text`, then
//! `modules::store::{put, delete, query}` inside one transaction of
//! `Db::begin`, rolled back after the input.
//!
//! Besides panics, hangs and memory, a finding is: a step that fails with
//! a database error (which traps the module's call); a query whose pages,
//! followed cursor after cursor, do not hold exactly the documents the
//! store promises (`model.rs`), or that never end; a document read back
//! with other data or version than was written.

mod drawn;
mod model;
pub mod session;

use std::collections::BTreeMap;

use immcase_host::db::Tx;
use immcase_host::modules::store::{self, Filter, Query, Scope, StoreError};
use immcase_manifest::Manifest;
use immcase_manifest::checks;

use super::host::OpenHost;
use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;
use drawn::Declared;
use model::Collection;
use session::{QueryLines, Step};

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"\nput ",
        b"\nupdate ",
        b"\ndelete ",
        b"\nfilter ",
        b" eq ",
        b" ne ",
        b" lt ",
        b" gte ",
        b"\norder ",
        b"\ndescending\n",
        b"\nlimit ",
        b"\ncursor ",
        b"\nquery\n",
        b"\nindexes ",
        b"\ncollection ",
        b"{\"",
        b"\":",
        b"null",
        b"true",
        b"-0.0",
        b"1e308",
        b"[1]",
        b"\"\\u0000\"",
        b"\"s;\"",
        b"eyJ2IjpudWxsLCJpZCI6IiJ9",
    ],
    max_len: 32 * 1024,
};

/// The module store's writes and queries.
pub struct StoreQueryTarget {
    seeds: Vec<Vec<u8>>,
    /// The `plugin.toml`s of the modules that declare a store, by id.
    modules: BTreeMap<String, String>,
    /// Their collections and indexes, for drawn sessions.
    declared: Vec<Declared>,
    host: Option<OpenHost>,
}

impl StoreQueryTarget {
    pub fn new() -> StoreQueryTarget {
        let mut modules = BTreeMap::new();
        let mut declared = Vec::new();
        for toml in corpus::plugin_tomls() {
            let Ok(text) = String::from_utf8(toml) else {
                continue;
            };
            let Ok(manifest) = Manifest::parse(&text) else {
                continue;
            };
            if manifest.capabilities.store.is_empty() {
                continue;
            }
            let collections = manifest
                .capabilities
                .store
                .iter()
                .map(|c| {
                    (
                        c.clone(),
                        manifest.indexes.get(c).cloned().unwrap_or_default(),
                    )
                })
                .collect();
            declared.push(Declared {
                module: manifest.id.clone(),
                collections,
            });
            modules.insert(manifest.id, text);
        }
        StoreQueryTarget {
            seeds: corpus::files(&corpus::seeds_dir("store-query"), "store"),
            modules,
            declared,
            host: None,
        }
    }

    /// The manifest of the session's module, its indexes replaced; `None`
    /// when the host would not load it.
    fn manifest(
        &self,
        module: Option<&str>,
        indexes: &[(String, Vec<String>)],
    ) -> Option<Manifest> {
        let text = match module {
            Some(id) => self.modules.get(id)?,
            None => self.modules.values().next()?,
        };
        if indexes.is_empty() {
            return Manifest::parse(text).ok();
        }
        let mut table: toml::Table = toml::from_str(text).ok()?;
        let mut declared = toml::Table::new();
        if let Some(toml::Value::Table(own)) = table.get("indexes") {
            declared = own.clone();
        }
        for (collection, fields) in indexes {
            let list = fields.iter().cloned().map(toml::Value::String).collect();
            declared.insert(collection.clone(), toml::Value::Array(list));
        }
        table.insert("indexes".into(), toml::Value::Table(declared));
        Manifest::parse(&toml::to_string(&table).ok()?).ok()
    }
}

impl Target for StoreQueryTarget {
    fn name(&self) -> &'static str {
        "store-query"
    }

    fn extension(&self) -> &'static str {
        "store"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 2, 4, |bytes| {
            drawn::session(bytes, &self.declared)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let session = session::read(&text);
        let Some(manifest) = self.manifest(session.module.as_deref(), &session.indexes) else {
            return Outcome::Refused;
        };
        let host = &*self.host.get_or_insert_with(|| OpenHost::open(|_| {}));
        host.block_on(async {
            let mut tx = host
                .state
                .db
                .begin()
                .await
                .unwrap_or_else(|e| panic!("a transaction on the fuzzed host: {e}"));
            let mut call = Call {
                host,
                manifest: &manifest,
                collection: manifest.capabilities.store[0].clone(),
                kept: BTreeMap::new(),
                accepted: false,
            };
            for (at, step) in session.steps.iter().enumerate() {
                call.step(&mut tx, step, at as i64).await;
            }
            if call.accepted {
                Outcome::Accepted
            } else {
                Outcome::Refused
            }
        })
    }

    fn reset(&mut self) {
        self.host = None;
    }
}

/// One module call's steps, and what the store keeps meanwhile.
struct Call<'a> {
    host: &'a OpenHost,
    manifest: &'a Manifest,
    collection: String,
    kept: BTreeMap<String, Collection>,
    /// Whether any step was accepted.
    accepted: bool,
}

impl Call<'_> {
    async fn step(&mut self, tx: &mut Tx, step: &Step, now: i64) {
        if let Step::Collection(name) = step {
            self.collection = name.clone();
            return;
        }
        if checks::collection(self.manifest, &self.collection).is_err() {
            return;
        }
        let indexed = self
            .manifest
            .indexes
            .get(&self.collection)
            .cloned()
            .unwrap_or_default();
        let scope = Scope {
            practice: &self.host.practice,
            module: &self.manifest.id,
            collection: &self.collection,
        };
        let kept = self.kept.entry(self.collection.clone()).or_default();
        match step {
            Step::Collection(_) => {}
            Step::Put { id, expected, data } => {
                let put = store::put(tx, &scope, id, data, &indexed, *expected, now).await;
                if let Some(written) = allowed(put) {
                    self.accepted = true;
                    kept.written(&written.id, written.version, &written.data);
                }
            }
            Step::Delete { id, expected } => {
                if allowed(store::delete(tx, &scope, id, *expected).await) == Some(true) {
                    self.accepted = true;
                    kept.documents.remove(id);
                }
            }
            Step::Query(lines) => {
                let Some(query) = query(lines) else {
                    return;
                };
                let followed = lines.cursor.is_none();
                if pages(tx, &scope, &indexed, query, kept, followed).await {
                    self.accepted = true;
                }
            }
        }
    }
}

/// The query the `store` import makes of a module's lines: `None` when a
/// filter value is not JSON text the import takes.
fn query(lines: &QueryLines) -> Option<Query> {
    let mut filters = Vec::new();
    for (field, op, text) in &lines.filters {
        let value = checks::json_text("filter value", text, checks::FILTER_VALUE_MAX_BYTES).ok()?;
        filters.push(Filter {
            field: field.clone(),
            op: *op,
            value,
        });
    }
    Some(Query {
        filters,
        order_by: lines.order_by.clone(),
        descending: lines.descending,
        limit: lines.limit,
        cursor: lines.cursor.clone(),
    })
}

/// Runs `query` and, when `followed`, every next page its cursors give,
/// checking what they hold against `kept`. Whether the query was accepted.
async fn pages(
    tx: &mut Tx,
    scope: &Scope<'_>,
    indexed: &[String],
    mut query: Query,
    kept: &Collection,
    followed: bool,
) -> bool {
    let expected = kept.found(&query);
    let mut found: Vec<String> = Vec::new();
    let mut first = true;
    loop {
        let page = allowed(store::query(&mut **tx, scope, indexed, &query).await);
        let Some((documents, next)) = page else {
            assert!(first, "the store refused the cursor it gave");
            return false;
        };
        first = false;
        assert!(
            documents.len() <= query.limit as usize,
            "a page of {} documents for a limit of {}",
            documents.len(),
            query.limit
        );
        for document in &documents {
            let written = kept.documents.get(&document.id);
            assert!(
                written.is_some_and(|w| w.version == document.version && w.data == document.data),
                "document {:?} read back as version {} {:?}, written as {:?}",
                document.id,
                document.version,
                document.data,
                written.map(|w| (w.version, &w.data))
            );
            found.push(document.id.clone());
        }
        let Some(next) = next.filter(|_| followed) else {
            break;
        };
        assert!(
            found.len() <= kept.documents.len(),
            "the cursors go on past every document: {found:?}"
        );
        query.cursor = Some(next);
    }
    if followed {
        assert_eq!(
            found, expected,
            "the pages hold other documents than the query should find"
        );
    }
    true
}

/// What a store function gave; `None` when it refused (as a module is
/// told), a panic when the database failed (the module's call traps).
fn allowed<T>(result: Result<T, StoreError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(StoreError::Db(e)) => panic!("the module store failed with a database error: {e}"),
        Err(_) => None,
    }
}
