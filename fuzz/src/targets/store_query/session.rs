//! A saved input of the `store-query` target: what one module call does
//! with its store, a line each, so a mutant of one line leaves the others
//! as they were.
//!
//! ```text
//! module helpdesk                  whose plugin.toml declares the store
//! indexes tickets status priority  a collection's [indexes], replacing the plugin.toml's
//! collection tickets               the collection the lines below use
//! put t1 {"status":"open"}         a new document (its JSON as the module passes it)
//! update t1 1 {"status":"closed"}  a new version of it, written over version 1
//! delete t1 2                      removed (at version 2; without one, at any)
//! filter status eq "open"          a filter: eq ne lt lte gt gte, and the value's JSON text
//! order priority                   the field the query is ordered by
//! descending
//! limit 20
//! cursor eyJ2IjpudWxsLCJpZCI6InQxIn0   a cursor the module passes back
//! query                            runs the query the lines since the last one make
//! ```
//!
//! Unknown lines are skipped; a query is run at the end when no line ran
//! one.

use immcase_host::modules::store::Op;

/// One thing the module does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Collection(String),
    Put {
        id: String,
        expected: Option<i64>,
        data: String,
    },
    Delete {
        id: String,
        expected: Option<i64>,
    },
    Query(QueryLines),
}

/// A query as the module's lines give it: filter values still JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryLines {
    pub filters: Vec<(String, Op, String)>,
    pub order_by: Option<String>,
    pub descending: bool,
    pub limit: u32,
    pub cursor: Option<String>,
}

impl Default for QueryLines {
    fn default() -> QueryLines {
        QueryLines {
            filters: Vec::new(),
            order_by: None,
            descending: false,
            // What the bundled modules ask for most.
            limit: 50,
            cursor: None,
        }
    }
}

/// A whole input: the module, the index lists that replace its own, and
/// its steps.
#[derive(Debug, Default)]
pub struct Session {
    pub module: Option<String>,
    pub indexes: Vec<(String, Vec<String>)>,
    pub steps: Vec<Step>,
}

/// The session an input's text describes.
pub fn read(text: &str) -> Session {
    let mut session = Session::default();
    let mut query = QueryLines::default();
    let mut ran = false;
    for line in text.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "module" => session.module = Some(rest.to_string()),
            "indexes" => {
                let mut words = rest.split(' ');
                let collection = words.next().unwrap_or_default().to_string();
                let fields = words.map(str::to_string).collect();
                session.indexes.push((collection, fields));
            }
            "collection" => session.steps.push(Step::Collection(rest.to_string())),
            "put" => {
                let (id, data) = rest.split_once(' ').unwrap_or((rest, ""));
                session.steps.push(Step::Put {
                    id: id.to_string(),
                    expected: None,
                    data: data.to_string(),
                });
            }
            "update" => {
                let mut words = rest.splitn(3, ' ');
                let id = words.next().unwrap_or_default().to_string();
                let expected = words.next().and_then(|v| v.parse().ok());
                let data = words.next().unwrap_or_default().to_string();
                session.steps.push(Step::Put { id, expected, data });
            }
            "delete" => {
                let (id, version) = rest.split_once(' ').unwrap_or((rest, ""));
                session.steps.push(Step::Delete {
                    id: id.to_string(),
                    expected: version.parse().ok(),
                });
            }
            "filter" => {
                let mut words = rest.splitn(3, ' ');
                let field = words.next().unwrap_or_default().to_string();
                let op = words.next().and_then(op);
                let value = words.next().unwrap_or_default().to_string();
                if let Some(op) = op {
                    query.filters.push((field, op, value));
                }
            }
            "order" => query.order_by = Some(rest.to_string()),
            "descending" => query.descending = true,
            "limit" => query.limit = rest.trim().parse().unwrap_or(query.limit),
            "cursor" => query.cursor = Some(rest.to_string()),
            "query" => {
                session.steps.push(Step::Query(std::mem::take(&mut query)));
                ran = true;
            }
            _ => {}
        }
    }
    if !ran {
        session.steps.push(Step::Query(query));
    }
    session
}

/// An operator by its word in a line.
pub fn op(word: &str) -> Option<Op> {
    Some(match word {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "lt" => Op::Lt,
        "lte" => Op::Lte,
        "gt" => Op::Gt,
        "gte" => Op::Gte,
        _ => return None,
    })
}

/// An operator's word in a line.
pub fn word(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ne => "ne",
        Op::Lt => "lt",
        Op::Lte => "lte",
        Op::Gt => "gt",
        Op::Gte => "gte",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_make_steps_and_a_last_query() {
        let session = read(
            "module notes\nindexes notes subject author_id\ncollection notes\n\
             put n1 {\"subject\": \"c1\"}\nupdate n1 1 {}\ndelete n1\nfilter subject eq \"c1\"\n\
             order author_id\ndescending\nlimit 3\n",
        );
        assert_eq!(session.module.as_deref(), Some("notes"));
        assert_eq!(
            session.indexes,
            vec![(
                "notes".to_string(),
                vec!["subject".into(), "author_id".into()]
            )]
        );
        assert_eq!(session.steps.len(), 5);
        assert_eq!(
            session.steps[1],
            Step::Put {
                id: "n1".into(),
                expected: None,
                data: "{\"subject\": \"c1\"}".into()
            }
        );
        let Step::Query(q) = &session.steps[4] else {
            panic!("no query: {:?}", session.steps);
        };
        assert_eq!(q.filters, vec![("subject".into(), Op::Eq, "\"c1\"".into())]);
        assert_eq!(
            (q.order_by.as_deref(), q.descending, q.limit),
            (Some("author_id"), true, 3)
        );
    }
}
