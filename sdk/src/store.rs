//! The module's document store: collections of JSON documents with versions.
//!
//! The examples that reach the store run on the test host (feature
//! `testing`), with a manifest that declares `store = ["notes"]` and, where
//! they filter or order, indexes its documents' `due` and `done`.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::imports::store as wit;

/// One stored document with its data decoded as `T`.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::{START, TestHost}};
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Note { text: String }
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
/// let doc = host.with_ctx(&Caller::host(), |ctx| -> Result<_> {
///     let notes = ctx.collection("notes");
///     let first = notes.insert("n1", &Note { text: "Call back".into() })?;
///     notes.update("n1", &Note { text: "Called".into() }, first.version)
/// })?;
/// assert_eq!((doc.id.as_str(), doc.version, doc.data.text.as_str()), ("n1", 2, "Called"));
/// assert_eq!((doc.created_at, doc.updated_at), (START, START));
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc<T> {
    /// The id it was inserted under, unique in its collection.
    pub id: String,
    /// Starts at 1; every successful write adds 1. Pass it back to update.
    pub version: u64,
    /// When it was inserted: milliseconds since the Unix epoch.
    pub created_at: i64,
    /// When it was last written: milliseconds since the Unix epoch.
    pub updated_at: i64,
    /// The document itself.
    pub data: T,
}

/// One page of a query; `next_cursor` asks for the next one.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
/// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
///     let notes = ctx.collection::<Value>("notes");
///     for id in ["n1", "n2", "n3"] {
///         notes.insert(id, &json!({}))?;
///     }
///     let first = notes.query().limit(2).fetch()?;
///     assert_eq!(first.items.len(), 2);
///     let rest = notes.query().limit(2).after(first.next_cursor).fetch()?;
///     assert_eq!((rest.items[0].id.as_str(), rest.next_cursor), ("n3", None));
///     Ok(())
/// })?;
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The documents of this page, in the query's order.
    pub items: Vec<Doc<T>>,
    /// Pass it to [`Query::after`] for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// How a filter compares an indexed field with a value. Values of different
/// types (a string and a number) are never equal, smaller or larger.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Op, Plugin, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\"]");
/// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
///     let notes = ctx.collection::<Value>("notes");
///     notes.insert("soon", &json!({ "due": 10 }))?;
///     notes.insert("later", &json!({ "due": 30 }))?;
///     let due = notes.query().where_op("due", Op::Lte, 20).fetch()?;
///     assert_eq!(due.items.len(), 1);
///     assert_eq!(due.items[0].id, "soon");
///     Ok(())
/// })?;
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `field == value`
    Eq,
    /// `field != value`
    Ne,
    /// `field < value`
    Lt,
    /// `field <= value`
    Lte,
    /// `field > value`
    Gt,
    /// `field >= value`
    Gte,
}

impl From<Op> for wit::Op {
    fn from(op: Op) -> Self {
        match op {
            Op::Eq => Self::Eq,
            Op::Ne => Self::Ne,
            Op::Lt => Self::Lt,
            Op::Lte => Self::Lte,
            Op::Gt => Self::Gt,
            Op::Gte => Self::Gte,
        }
    }
}

/// A named collection of the module (declared under `[capabilities] store`),
/// whose documents are `T`. Get one with [`crate::Ctx::collection`].
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
/// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
///     let notes = ctx.collection::<Value>("notes");
///     notes.insert("n1", &json!({ "text": "Call back" }))?;
///     assert_eq!(notes.get("n1")?.map(|doc| doc.version), Some(1));
///     Ok(())
/// })?;
/// assert_eq!(host.documents("notes")[0].data["text"], "Call back");
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Collection<T> {
    name: String,
    data: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Collection<T> {
    /// The collection called `name`.
    ///
    /// ```
    /// use immcase_sdk::Collection;
    ///
    /// let visits = Collection::<serde_json::Value>::new("visits");
    /// assert_eq!(visits.name(), "visits");
    /// ```
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            data: PhantomData,
        }
    }

    /// Its name.
    ///
    /// ```
    /// # use immcase_sdk::Ctx;
    /// let notes = Ctx::new(Default::default()).collection::<serde_json::Value>("notes");
    /// assert_eq!(notes.name(), "notes");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document `id`, if it exists.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("n1", &json!({ "text": "Call back" }))?;
    ///     let doc = notes.get("n1")?.expect("just inserted");
    ///     assert_eq!(doc.data["text"], "Call back");
    ///     assert_eq!(notes.get("n2")?, None);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn get(&self, id: &str) -> Result<Option<Doc<T>>> {
        wit::get(&self.name, id)?.map(decode).transpose()
    }

    /// Creates the document `id`; [`Error::Conflict`] if it exists.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     let doc = notes.insert("n1", &json!({ "text": "Call back" }))?;
    ///     assert_eq!(doc.version, 1);
    ///     let again = notes.insert("n1", &json!({ "text": "Something else" }));
    ///     assert_eq!(again.map_err(|e| e.status()), Err(409));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn insert(&self, id: &str, data: &T) -> Result<Doc<T>> {
        self.put(id, data, None)
    }

    /// Replaces the document `id` if it is still at `expected_version`;
    /// [`Error::Conflict`] if someone changed it since.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     let doc = notes.insert("n1", &json!({ "text": "Call back" }))?;
    ///     let doc = notes.update("n1", &json!({ "text": "Called" }), doc.version)?;
    ///     assert_eq!((doc.version, &doc.data["text"]), (2, &json!("Called")));
    ///     let stale = notes.update("n1", &json!({ "text": "Lost" }), 1);
    ///     assert_eq!(stale.map_err(|e| e.status()), Err(409));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn update(&self, id: &str, data: &T, expected_version: u64) -> Result<Doc<T>> {
        self.put(id, data, Some(expected_version))
    }

    /// Deletes the document `id` (only at `expected_version` when given);
    /// returns whether it existed.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     let doc = notes.insert("n1", &json!({ "text": "Call back" }))?;
    ///     let stale = notes.delete("n1", Some(doc.version + 1));
    ///     assert_eq!(stale.map_err(|e| e.status()), Err(409));
    ///     assert!(notes.delete("n1", Some(doc.version))?);
    ///     assert!(!notes.delete("n1", None)?); // already gone
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn delete(&self, id: &str, expected_version: Option<u64>) -> Result<bool> {
        Ok(wit::delete(&self.name, id, expected_version)?)
    }

    /// A query on the fields the manifest indexes for this collection.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("a", &json!({ "due": 30 }))?;
    ///     notes.insert("b", &json!({ "due": 10 }))?;
    ///     let page = notes.query().order_by("due").fetch()?;
    ///     let ids: Vec<&str> = page.items.iter().map(|d| d.id.as_str()).collect();
    ///     assert_eq!(ids, ["b", "a"]);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn query(&self) -> Query<T> {
        Query {
            collection: self.name.clone(),
            filters: Vec::new(),
            order_by: None,
            descending: false,
            limit: Query::<T>::DEFAULT_LIMIT,
            cursor: None,
            problem: None,
            data: PhantomData,
        }
    }

    fn put(&self, id: &str, data: &T, expected_version: Option<u64>) -> Result<Doc<T>> {
        let json = serde_json::to_string(data)
            .map_err(|e| Error::Internal(format!("{} {id} is not JSON: {e}", self.name)))?;
        decode(wit::put(&self.name, id, &json, expected_version)?)
    }
}

/// A query being built: `notes.query().where_eq("subject", s).descending().limit(20).fetch()`.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
/// # use serde_json::{Value, json};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
/// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
///     let notes = ctx.collection::<Value>("notes");
///     notes.insert("a", &json!({ "due": 10, "done": false }))?;
///     notes.insert("b", &json!({ "due": 20, "done": false }))?;
///     notes.insert("c", &json!({ "due": 30, "done": true }))?;
///     let open = notes.query().where_eq("done", false).order_by("due").descending().limit(20);
///     let ids: Vec<String> = open.fetch()?.items.into_iter().map(|d| d.id).collect();
///     assert_eq!(ids, ["b", "a"]);
///     Ok(())
/// })?;
/// # }
/// # Ok::<(), immcase_sdk::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until `fetch`"]
pub struct Query<T> {
    collection: String,
    filters: Vec<wit::Filter>,
    order_by: Option<String>,
    descending: bool,
    limit: u32,
    cursor: Option<String>,
    problem: Option<String>,
    data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Query<T> {
    /// Documents per page unless [`Query::limit`] says otherwise.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Query, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     for i in 0..60 {
    ///         notes.insert(&format!("n{i:02}"), &json!({}))?;
    ///     }
    ///     let page = notes.query().fetch()?;
    ///     assert_eq!(page.items.len(), Query::<Value>::DEFAULT_LIMIT as usize);
    ///     assert!(page.next_cursor.is_some());
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub const DEFAULT_LIMIT: u32 = 50;
    /// The most documents a page may hold.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Query, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     for i in 0..501 {
    ///         notes.insert(&format!("n{i:03}"), &json!({}))?;
    ///     }
    ///     let page = notes.query().limit(1000).fetch()?;
    ///     assert_eq!(page.items.len(), Query::<Value>::MAX_LIMIT as usize);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub const MAX_LIMIT: u32 = 500;

    /// Keeps documents whose indexed `field` compares with `value` (a string,
    /// number or boolean).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Op, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("n1", &json!({ "due": 10 }))?;
    ///     assert_eq!(notes.query().where_op("due", Op::Gt, 5).fetch()?.items.len(), 1);
    ///     assert_eq!(notes.query().where_op("due", Op::Gt, 10).fetch()?.items.len(), 0);
    ///     let list = notes.query().where_op("due", Op::Gt, [5]).fetch();
    ///     assert_eq!(list.map_err(|e| e.status()), Err(422)); // not a scalar
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn where_op(mut self, field: &str, op: Op, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(
                value @ (serde_json::Value::String(_)
                | serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)),
            ) => {
                self.filters.push(wit::Filter {
                    field: field.to_owned(),
                    op: op.into(),
                    value: value.to_string(),
                });
            }
            _ => {
                self.problem.get_or_insert_with(|| {
                    format!("{field}: a filter value must be a string, number or boolean")
                });
            }
        }
        self
    }

    /// `field == value`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("n1", &json!({ "done": true }))?;
    ///     notes.insert("n2", &json!({ "done": false }))?;
    ///     let open = notes.query().where_eq("done", false).fetch()?;
    ///     assert_eq!((open.items.len(), open.items[0].id.as_str()), (1, "n2"));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn where_eq(self, field: &str, value: impl Serialize) -> Self {
        self.where_op(field, Op::Eq, value)
    }

    /// `field != value`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("n1", &json!({ "due": 10 }))?;
    ///     notes.insert("n2", &json!({ "due": 20 }))?;
    ///     let others = notes.query().where_ne("due", 10).fetch()?;
    ///     assert_eq!((others.items.len(), others.items[0].id.as_str()), (1, "n2"));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn where_ne(self, field: &str, value: impl Serialize) -> Self {
        self.where_op(field, Op::Ne, value)
    }

    /// `from <= field < to`.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     for (id, due) in [("a", 5), ("b", 10), ("c", 15), ("d", 20)] {
    ///         notes.insert(id, &json!({ "due": due }))?;
    ///     }
    ///     let page = notes.query().where_range("due", 10, 20).fetch()?;
    ///     let ids: Vec<&str> = page.items.iter().map(|d| d.id.as_str()).collect();
    ///     assert_eq!(ids, ["b", "c"]); // 20 is left out
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn where_range(self, field: &str, from: impl Serialize, to: impl Serialize) -> Self {
        self.where_op(field, Op::Gte, from)
            .where_op(field, Op::Lt, to)
    }

    /// Orders by an indexed field (by id when not called).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("a", &json!({ "due": 30, "text": "Later" }))?;
    ///     notes.insert("b", &json!({ "due": 10, "text": "Sooner" }))?;
    ///     let page = notes.query().order_by("due").fetch()?;
    ///     assert_eq!(page.items[0].data["text"], "Sooner");
    ///     let unindexed = notes.query().order_by("text").fetch();
    ///     assert_eq!(unindexed.map_err(|e| e.status()), Err(422));
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn order_by(mut self, field: &str) -> Self {
        self.order_by = Some(field.to_owned());
        self
    }

    /// Largest first.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     notes.insert("a", &json!({ "due": 10 }))?;
    ///     notes.insert("b", &json!({ "due": 30 }))?;
    ///     let latest = notes.query().order_by("due").descending().limit(1).fetch()?;
    ///     assert_eq!(latest.items[0].id, "b");
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// At most `limit` documents (1 to 500; others are clamped).
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     for id in ["a", "b", "c"] {
    ///         notes.insert(id, &json!({}))?;
    ///     }
    ///     assert_eq!(notes.query().limit(2).fetch()?.items.len(), 2);
    ///     assert_eq!(notes.query().limit(0).fetch()?.items.len(), 1); // clamped to 1
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, Self::MAX_LIMIT);
        self
    }

    /// Continues after a previous page (`next_cursor`); `None` starts at the beginning.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     let notes = ctx.collection::<Value>("notes");
    ///     for id in ["a", "b", "c"] {
    ///         notes.insert(id, &json!({}))?;
    ///     }
    ///     let (mut seen, mut cursor) = (Vec::new(), None);
    ///     loop {
    ///         let page = notes.query().limit(2).after(cursor).fetch()?;
    ///         seen.extend(page.items.into_iter().map(|d| d.id));
    ///         let Some(next) = page.next_cursor else { break };
    ///         cursor = Some(next);
    ///     }
    ///     assert_eq!(seen, ["a", "b", "c"]);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn after(mut self, cursor: impl Into<Option<String>>) -> Self {
        self.cursor = cursor.into();
        self
    }

    /// Runs the query.
    ///
    /// ```
    /// # #[cfg(feature = "testing")] {
    /// # use immcase_sdk::{Caller, Plugin, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # #[derive(serde::Serialize, serde::Deserialize)]
    /// # struct Note { text: String }
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]\n[indexes]\nnotes = [\"due\", \"done\"]");
    /// host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
    ///     ctx.collection("notes").insert("n1", &json!({ "text": "Call back" }))?;
    ///     let page = ctx.collection::<Note>("notes").query().fetch()?;
    ///     assert_eq!(page.items[0].data.text, "Call back");
    ///     assert_eq!(page.next_cursor, None);
    ///     Ok(())
    /// })?;
    /// # }
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn fetch(self) -> Result<Page<T>> {
        if let Some(problem) = self.problem {
            return Err(Error::Invalid(problem));
        }
        let spec = wit::QuerySpec {
            filters: self.filters,
            order_by: self.order_by,
            descending: self.descending,
            limit: self.limit,
            cursor: self.cursor,
        };
        let page = wit::query(&self.collection, &spec)?;
        Ok(Page {
            items: page
                .documents
                .into_iter()
                .map(decode)
                .collect::<Result<_>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

fn decode<T: DeserializeOwned>(document: wit::Document) -> Result<Doc<T>> {
    let data = serde_json::from_str(&document.data).map_err(|e| {
        Error::Internal(format!(
            "stored document {} does not match the module's type: {e}",
            document.id
        ))
    })?;
    Ok(Doc {
        id: document.id,
        version: document.version,
        created_at: document.created_at,
        updated_at: document.updated_at,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_json_text() {
        let query = Collection::<serde_json::Value>::new("notes")
            .query()
            .where_eq("subject", "applicant:1")
            .where_range("follow_up_at", 10, 20)
            .where_ne("done", true)
            .limit(0);
        let values: Vec<&str> = query.filters.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["\"applicant:1\"", "10", "20", "true"]);
        assert_eq!(query.limit, 1);
        assert!(query.problem.is_none());
    }

    #[test]
    fn objects_cannot_be_filter_values() {
        let query = Collection::<serde_json::Value>::new("notes")
            .query()
            .where_eq("subject", serde_json::json!({"a": 1}));
        assert_eq!(query.filters.len(), 0);
        assert_eq!(
            query.fetch().err().map(|e| e.to_string()),
            Some("invalid: subject: a filter value must be a string, number or boolean".into())
        );
    }

    #[test]
    fn documents_decode_into_the_modules_type() {
        #[derive(Debug, serde::Deserialize)]
        struct Note {
            text: String,
        }
        let document = |data: &str| wit::Document {
            id: "n1".into(),
            version: 2,
            created_at: 5,
            updated_at: 6,
            data: data.into(),
        };
        let doc: Doc<Note> = decode(document("{\"text\":\"hi\"}")).expect("decodes");
        assert_eq!((doc.version, doc.data.text.as_str()), (2, "hi"));
        let bad = decode::<Note>(document("{\"txt\":1}")).expect_err("wrong shape");
        assert!(bad.is_internal());
    }
}
