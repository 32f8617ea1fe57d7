//! Rules the host applies to what a module passes to its imports, as plain
//! functions: the host calls them, and so does the SDK's native test host,
//! so both refuse the same things with the same words and order indexed
//! values the same way.

use serde_json::Value;

/// Longest event name.
pub const MAX_EVENT_NAME: usize = 100;

/// A document id of the module store (also a search entry's id): 1 to 200
/// letters, digits and `- _ . : @`. The error is the text the module gets.
pub fn document_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "document id {id:?}: use 1 to 200 letters, digits and - _ . : @"
        ))
    }
}

/// The sortable text form of an indexable JSON value, or `None` for values
/// that are not indexed (null, arrays, objects). Strings sort by their bytes,
/// numbers numerically, booleans false first; values of different types
/// never compare in a range (each type has its own prefix).
pub fn index_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(format!("s:{s}")),
        Value::Bool(b) => Some(format!("b:{}", u8::from(*b))),
        Value::Number(n) => n.as_f64().map(|f| {
            // Order-preserving map of f64 onto u64, then fixed-width hex.
            let bits = f.to_bits();
            let key = if bits >> 63 == 1 {
                !bits
            } else {
                bits | (1 << 63)
            };
            format!("n:{key:016x}")
        }),
        _ => None,
    }
}

/// An event name: at least two dotted parts of lowercase letters, digits,
/// `_` and `-`, each starting with a letter; at most [`MAX_EVENT_NAME`] bytes.
pub fn is_event_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    name.len() <= MAX_EVENT_NAME
        && parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_lowercase())
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn document_ids() {
        assert_eq!(document_id("applicant:0190-ab_c.d@x"), Ok(()));
        assert!(document_id(&"x".repeat(200)).is_ok());
        assert!(document_id(&"x".repeat(201)).is_err());
        assert!(document_id("").is_err());
        assert_eq!(
            document_id("a b"),
            Err("document id \"a b\": use 1 to 200 letters, digits and - _ . : @".into())
        );
    }

    #[test]
    fn numbers_sort_like_numbers() {
        let values = [-1e9, -2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 10.0, 1e12];
        let encoded: Vec<String> = values
            .iter()
            .filter_map(|v| index_value(&json!(v)))
            .collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(encoded.len(), values.len());
        assert_eq!(encoded, sorted);
    }

    #[test]
    fn only_scalars_are_indexed() {
        assert_eq!(index_value(&json!("a")).as_deref(), Some("s:a"));
        assert_eq!(index_value(&json!(true)).as_deref(), Some("b:1"));
        assert!(index_value(&json!(null)).is_none());
        assert!(index_value(&json!([1])).is_none());
        assert!(index_value(&json!({"a": 1})).is_none());
    }

    #[test]
    fn event_names_are_dotted_lowercase() {
        assert!(is_event_name("notes.created"));
        assert!(is_event_name("helpdesk.ticket.sla_breached"));
        assert!(!is_event_name("notes"));
        assert!(!is_event_name("Notes.Created"));
        assert!(!is_event_name("notes..x"));
        assert!(!is_event_name(&format!("a.{}", "b".repeat(100))));
    }
}
