//! The document store as the host keeps it: versions, conflicts, indexed
//! fields in the host's sortable encoding (strings by bytes, numbers
//! numerically, a type never compared with another), order, limits and
//! cursors.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use immcase_manifest::checks::{document_id, index_value};
use serde_json::Value;

use super::imports::json_text;
use super::world::{Shared, StoredDoc};
use crate::wit::immcase::plugin::store::{Document, Op, Page, QuerySpec};
use crate::wit::immcase::plugin::types::Error;

/// Largest document, as JSON text.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
const MAX_PAGE: u32 = 500;
const MAX_FILTERS: usize = 8;

fn document(id: &str, stored: &StoredDoc) -> Document {
    Document {
        id: id.to_owned(),
        version: stored.version,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
        data: stored.data.clone(),
    }
}

impl Shared {
    fn declared(&self, collection: &str) -> Result<(), Error> {
        immcase_manifest::checks::collection(&self.manifest, collection).map_err(Error::Forbidden)
    }

    fn indexed(&self, collection: &str) -> Vec<String> {
        self.manifest
            .indexes
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn store_get(&self, collection: &str, id: &str) -> Result<Option<Document>, Error> {
        self.declared(collection)?;
        let world = self.world.borrow();
        Ok(world
            .documents
            .get(collection)
            .and_then(|docs| docs.get(id))
            .map(|stored| document(id, stored)))
    }

    pub(crate) fn store_put(
        &self,
        collection: &str,
        id: &str,
        data: &str,
        expected: Option<u64>,
    ) -> Result<Document, Error> {
        self.declared(collection)?;
        document_id(id).map_err(Error::Invalid)?;
        if data.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::Invalid(format!(
                "documents are at most {MAX_DOCUMENT_BYTES} bytes of JSON"
            )));
        }
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(data) else {
            return Err(Error::Invalid("a document is a JSON object".into()));
        };
        let indexed: BTreeMap<String, String> = self
            .indexed(collection)
            .into_iter()
            .filter_map(|field| {
                let value = object.get(&field).and_then(index_value)?;
                Some((field, value))
            })
            .collect();
        let mut world = self.world.borrow_mut();
        let now = world.now;
        let docs = world.documents.entry(collection.to_owned()).or_default();
        let (version, created_at) = match (expected, docs.get(id)) {
            (None, None) => (1, now),
            (None, Some(_)) => {
                return Err(Error::Conflict(format!("document {id:?} already exists")));
            }
            (Some(_), None) => return Err(Error::NotFound(format!("no document {id:?}"))),
            (Some(v), Some(current)) if v != current.version => {
                return Err(Error::Conflict(format!(
                    "document {id:?} is at version {}, not {v}",
                    current.version
                )));
            }
            (Some(_), Some(current)) => (current.version + 1, current.created_at),
        };
        let stored = StoredDoc {
            version,
            created_at,
            updated_at: now,
            data: data.to_owned(),
            indexed,
        };
        let answer = document(id, &stored);
        docs.insert(id.to_owned(), stored);
        Ok(answer)
    }

    pub(crate) fn store_delete(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
    ) -> Result<bool, Error> {
        self.declared(collection)?;
        let mut world = self.world.borrow_mut();
        let Some(docs) = world.documents.get_mut(collection) else {
            return Ok(false);
        };
        let Some(current) = docs.get(id) else {
            return Ok(false);
        };
        if let Some(v) = expected
            && v != current.version
        {
            return Err(Error::Conflict(format!(
                "document {id:?} is at version {}, not {v}",
                current.version
            )));
        }
        docs.remove(id);
        Ok(true)
    }

    pub(crate) fn store_query(&self, collection: &str, q: &QuerySpec) -> Result<Page, Error> {
        self.declared(collection)?;
        let mut filters = Vec::with_capacity(q.filters.len());
        for f in &q.filters {
            filters.push((
                &f.field,
                f.op,
                json_text(
                    "filter value",
                    &f.value,
                    immcase_manifest::checks::FILTER_VALUE_MAX_BYTES,
                )?,
            ));
        }
        if q.limit == 0 || q.limit > MAX_PAGE {
            return Err(Error::Invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        if filters.len() > MAX_FILTERS {
            return Err(Error::Invalid(format!("at most {MAX_FILTERS} filters")));
        }
        let indexed = self.indexed(collection);
        let not_indexed = |f: &str| {
            Error::Invalid(format!(
                "field {f:?} is not indexed for collection {collection:?}; declare it under [indexes] in plugin.toml"
            ))
        };
        if let Some(field) = &q.order_by
            && !indexed.contains(field)
        {
            return Err(not_indexed(field));
        }
        let mut conditions = Vec::with_capacity(filters.len());
        for (field, op, value) in filters {
            if !indexed.contains(field) {
                return Err(not_indexed(field));
            }
            let value = index_value(&value).ok_or_else(|| {
                Error::Invalid(format!(
                    "filter on {field:?}: compare with a string, number or boolean"
                ))
            })?;
            conditions.push((field.clone(), op, value));
        }
        let after = q
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, q.order_by.is_some()))
            .transpose()?;
        let world = self.world.borrow();
        let empty = BTreeMap::new();
        let docs = world.documents.get(collection).unwrap_or(&empty);
        let sort_value = |stored: &StoredDoc| match &q.order_by {
            Some(field) => stored.indexed.get(field).cloned().unwrap_or_default(),
            None => String::new(),
        };
        let order = |a: (&str, &str), b: (&str, &str)| {
            let ordering = a.cmp(&b);
            if q.descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        let mut found: Vec<(String, &String, &StoredDoc)> = docs
            .iter()
            .filter(|(_, stored)| conditions.iter().all(|c| matches(stored, c)))
            .map(|(id, stored)| (sort_value(stored), id, stored))
            .filter(|(value, id, _)| match &after {
                Some(cursor) => {
                    order((value, id), (&cursor.value, &cursor.id)) == Ordering::Greater
                }
                None => true,
            })
            .collect();
        found.sort_by(|a, b| order((&a.0, a.1), (&b.0, b.1)));
        let limit = q.limit as usize;
        let more = found.len() > limit;
        found.truncate(limit);
        let next_cursor = match found.last() {
            Some((value, id, _)) if more => Some(
                Cursor {
                    value: value.clone(),
                    id: (*id).clone(),
                }
                .encode(q.order_by.is_some()),
            ),
            _ => None,
        };
        Ok(Page {
            documents: found
                .into_iter()
                .map(|(_, id, stored)| document(id, stored))
                .collect(),
            next_cursor,
        })
    }
}

/// Whether a document passes one condition: it has the field, and for a
/// range the values are of one type.
fn matches(stored: &StoredDoc, (field, op, value): &(String, Op, String)) -> bool {
    let Some(have) = stored.indexed.get(field) else {
        return false;
    };
    let same_type = have.as_bytes().first() == value.as_bytes().first();
    let have = have.as_str();
    let value = value.as_str();
    match op {
        Op::Eq => have == value,
        Op::Ne => have != value,
        Op::Lt => same_type && have < value,
        Op::Lte => same_type && have <= value,
        Op::Gt => same_type && have > value,
        Op::Gte => same_type && have >= value,
    }
}

/// Where a page ended: the last document's sort value and id.
struct Cursor {
    value: String,
    id: String,
}

impl Cursor {
    fn encode(&self, ordered: bool) -> String {
        let json = if ordered {
            serde_json::json!({ "v": self.value, "id": self.id })
        } else {
            serde_json::json!({ "id": self.id })
        };
        json.to_string()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn decode(text: &str, ordered: bool) -> Result<Self, Error> {
        let bad = || Error::Invalid("cursor: not a cursor from this query".into());
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        let json: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let id = json["id"].as_str().ok_or_else(bad)?.to_owned();
        match (ordered, json.get("v")) {
            (true, Some(Value::String(value))) => Ok(Self {
                value: value.clone(),
                id,
            }),
            (false, None) => Ok(Self {
                value: String::new(),
                id,
            }),
            _ => Err(bad()),
        }
    }
}
