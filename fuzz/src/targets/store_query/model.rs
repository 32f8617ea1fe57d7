//! What a query should find, worked out apart from SQL: the documents the
//! store accepted, each with the sortable values of its indexed fields
//! (the host's own `store::index_value`), filtered and ordered as the
//! store promises modules: a filter matches a document whose field has an
//! indexed value that compares so (a range never crossing types), and
//! documents come ordered by the field's value (none first) and then by
//! id, both reversed when descending.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use immcase_host::modules::store::{Filter, Op, Query, index_value};
use serde_json::{Map, Value};

/// A document as the store keeps it.
#[derive(Debug, Clone)]
pub struct Kept {
    pub version: i64,
    pub data: String,
    object: Map<String, Value>,
}

/// The documents of one collection, by id.
#[derive(Debug, Default)]
pub struct Collection {
    pub documents: BTreeMap<String, Kept>,
}

impl Collection {
    /// Keeps what the store says it wrote.
    pub fn written(&mut self, id: &str, version: i64, data: &str) {
        let object = match serde_json::from_str(data) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        };
        self.documents.insert(
            id.to_string(),
            Kept {
                version,
                data: data.to_string(),
                object,
            },
        );
    }

    /// The ids `query` should find, in order, over all its pages.
    pub fn found(&self, query: &Query) -> Vec<String> {
        let indexed = |kept: &Kept, field: &str| kept.object.get(field).and_then(index_value);
        let mut found: Vec<(String, &String)> =
            self.documents
                .iter()
                .filter(|(_, kept)| {
                    query.filters.iter().all(|filter| {
                        indexed(kept, &filter.field).is_some_and(|v| matches(&v, filter))
                    })
                })
                .map(|(id, kept)| {
                    let sort = query
                        .order_by
                        .as_deref()
                        .and_then(|field| indexed(kept, field))
                        .unwrap_or_default();
                    (sort, id)
                })
                .collect();
        found.sort();
        if query.descending {
            found.reverse();
        }
        found.into_iter().map(|(_, id)| id.clone()).collect()
    }
}

/// Whether a document's indexed `value` passes `filter`.
fn matches(value: &str, filter: &Filter) -> bool {
    let Some(wanted) = index_value(&filter.value) else {
        return false;
    };
    let order = value.as_bytes().cmp(wanted.as_bytes());
    let same_type = value.as_bytes().first() == wanted.as_bytes().first()
        && value.as_bytes().get(1) == Some(&b':');
    match filter.op {
        Op::Eq => order == Ordering::Equal,
        Op::Ne => order != Ordering::Equal,
        Op::Lt => same_type && order == Ordering::Less,
        Op::Lte => same_type && order != Ordering::Greater,
        Op::Gt => same_type && order == Ordering::Greater,
        Op::Gte => same_type && order != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(filters: Vec<Filter>, order_by: Option<&str>, descending: bool) -> Query {
        Query {
            filters,
            order_by: order_by.map(str::to_string),
            descending,
            limit: 10,
            cursor: None,
        }
    }

    #[test]
    fn ranges_stay_within_a_type_and_order_puts_missing_values_first() {
        let mut tickets = Collection::default();
        tickets.written("a", 1, r#"{"priority": 2, "status": "open"}"#);
        tickets.written("b", 1, r#"{"priority": "2"}"#);
        tickets.written("c", 1, r#"{"priority": -1.5}"#);
        tickets.written("d", 1, r#"{"status": "closed"}"#);
        let at_most_two = Filter {
            field: "priority".into(),
            op: Op::Lte,
            value: json!(2),
        };
        assert_eq!(
            tickets.found(&query(vec![at_most_two], None, false)),
            ["a", "c"]
        );
        let not_open = Filter {
            field: "status".into(),
            op: Op::Ne,
            value: json!("open"),
        };
        assert_eq!(tickets.found(&query(vec![not_open], None, false)), ["d"]);
        assert_eq!(
            tickets.found(&query(Vec::new(), Some("priority"), false)),
            ["d", "c", "a", "b"]
        );
        assert_eq!(
            tickets.found(&query(Vec::new(), Some("priority"), true)),
            ["b", "a", "c", "d"]
        );
    }
}
