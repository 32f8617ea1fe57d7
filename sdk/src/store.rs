//! The module's document store: collections of JSON documents with versions.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::imports::store as wit;

/// One stored document with its data decoded as `T`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc<T> {
    pub id: String,
    /// Starts at 1; every successful write adds 1. Pass it back to update.
    pub version: u64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    pub data: T,
}

/// One page of a query; `next_cursor` asks for the next one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<Doc<T>>,
    pub next_cursor: Option<String>,
}

/// How a filter compares an indexed field with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
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
#[derive(Debug, Clone)]
pub struct Collection<T> {
    name: String,
    data: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Collection<T> {
    /// The collection called `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            data: PhantomData,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document `id`, if it exists.
    pub fn get(&self, id: &str) -> Result<Option<Doc<T>>> {
        wit::get(&self.name, id)?.map(decode).transpose()
    }

    /// Creates the document `id`; [`Error::Conflict`] if it exists.
    pub fn insert(&self, id: &str, data: &T) -> Result<Doc<T>> {
        self.put(id, data, None)
    }

    /// Replaces the document `id` if it is still at `expected_version`;
    /// [`Error::Conflict`] if someone changed it since.
    pub fn update(&self, id: &str, data: &T, expected_version: u64) -> Result<Doc<T>> {
        self.put(id, data, Some(expected_version))
    }

    /// Deletes the document `id` (only at `expected_version` when given);
    /// returns whether it existed.
    pub fn delete(&self, id: &str, expected_version: Option<u64>) -> Result<bool> {
        Ok(wit::delete(&self.name, id, expected_version)?)
    }

    /// A query on the fields the manifest indexes for this collection.
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
    pub const DEFAULT_LIMIT: u32 = 50;
    /// The most documents a page may hold.
    pub const MAX_LIMIT: u32 = 500;

    /// Keeps documents whose indexed `field` compares with `value` (a string,
    /// number or boolean).
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
    pub fn where_eq(self, field: &str, value: impl Serialize) -> Self {
        self.where_op(field, Op::Eq, value)
    }

    /// `field != value`.
    pub fn where_ne(self, field: &str, value: impl Serialize) -> Self {
        self.where_op(field, Op::Ne, value)
    }

    /// `from <= field < to`.
    pub fn where_range(self, field: &str, from: impl Serialize, to: impl Serialize) -> Self {
        self.where_op(field, Op::Gte, from)
            .where_op(field, Op::Lt, to)
    }

    /// Orders by an indexed field (by id when not called).
    pub fn order_by(mut self, field: &str) -> Self {
        self.order_by = Some(field.to_owned());
        self
    }

    /// Largest first.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// At most `limit` documents (1 to 500; others are clamped).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, Self::MAX_LIMIT);
        self
    }

    /// Continues after a previous page (`next_cursor`); `None` starts at the beginning.
    pub fn after(mut self, cursor: impl Into<Option<String>>) -> Self {
        self.cursor = cursor.into();
        self
    }

    /// Runs the query.
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
