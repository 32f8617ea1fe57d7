//! Rules the host applies to what a module passes to its imports, as plain
//! functions: the host calls them, and so does the SDK's native test host,
//! so both refuse the same things with the same words and order indexed
//! values the same way.

use serde_json::Value;

/// The host's own permissions, with what each lets a person do. A module's
/// search entry may name one as the permission its readers need.
pub const HOST_PERMISSIONS: &[(&str, &str)] = &[
    (
        "users.manage",
        "Create users, assign their roles, disable them",
    ),
    (
        "roles.manage",
        "Create and change roles, their permissions and field rules",
    ),
    ("audit.read", "Read the audit log"),
    (
        "modules.manage",
        "Enable and disable modules and change their settings",
    ),
    ("applicants.read", "See applicants"),
    ("applicants.write", "Create, change and delete applicants"),
    ("cases.read", "See cases"),
    ("cases.write", "Create, change and delete cases"),
    ("files.read", "See and download files"),
    ("files.write", "Upload and delete files"),
    ("trash.manage", "List the trash and restore from it"),
    (
        "settings.manage",
        "Change the practice's lists, such as its case programs",
    ),
    ("workflows.manage", "Write and run workflows"),
];

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

/// A timer's key: 1 to 200 characters. The error is the text the module
/// gets.
pub fn timer_key(key: &str) -> Result<(), String> {
    if (1..=200).contains(&key.chars().count()) {
        Ok(())
    } else {
        Err("a timer key has 1 to 200 characters".into())
    }
}

/// Who a file belongs to, as a module names it to the `files` import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOwner<'a> {
    /// `applicant:{id}`.
    Applicant(&'a str),
    /// `case:{id}`.
    Case(&'a str),
    /// `module:{key}`: the module's own files.
    Module(&'a str),
}

/// Reads a file owner: `applicant:{id}`, `case:{id}` or `module:{key}` (a
/// key is 1 to 200 letters, digits and `- _ . : @`). The error is the text
/// the module gets.
pub fn file_owner(owner: &str) -> Result<FileOwner<'_>, String> {
    match owner.split_once(':') {
        Some(("applicant", id)) if !id.is_empty() => Ok(FileOwner::Applicant(id)),
        Some(("case", id)) if !id.is_empty() => Ok(FileOwner::Case(id)),
        Some(("module", key)) if own_file_key(key) => Ok(FileOwner::Module(key)),
        _ => Err(format!(
            "{owner:?} is not an owner: use applicant:{{id}}, case:{{id}} or module:{{key}} \
             (a key is 1 to 200 letters, digits and - _ . : @)"
        )),
    }
}

fn own_file_key(key: &str) -> bool {
    (1..=200).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timer_keys_count_characters() {
        assert_eq!(timer_key(&"é".repeat(200)), Ok(()));
        assert!(timer_key(&"é".repeat(201)).is_err());
        assert_eq!(
            timer_key(""),
            Err("a timer key has 1 to 200 characters".into())
        );
    }

    #[test]
    fn file_owners() {
        assert_eq!(file_owner("applicant:a1"), Ok(FileOwner::Applicant("a1")));
        assert_eq!(file_owner("case:c1"), Ok(FileOwner::Case("c1")));
        assert_eq!(
            file_owner("module:ticket:7"),
            Ok(FileOwner::Module("ticket:7"))
        );
        for wrong in ["applicant:", "module:", "module:a b", "person:1", "case"] {
            let refused = file_owner(wrong).expect_err(wrong);
            assert!(refused.contains("is not an owner"), "{refused}");
        }
        assert!(file_owner(&format!("module:{}", "k".repeat(201))).is_err());
    }

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
