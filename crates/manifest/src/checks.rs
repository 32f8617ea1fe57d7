//! Rules the host applies to what a module passes to its imports, as plain
//! functions: the host calls them, and so does the SDK's native test host,
//! so both refuse the same things with the same words and order indexed
//! values the same way.

use serde_json::Value;

use crate::Manifest;

mod mail;
pub use mail::{
    LETTER_RECIPIENTS_MAX, LETTER_REFERENCES_MAX, MAIL_ATTACHMENTS_MAX, MAIL_ATTACHMENTS_MAX_BYTES,
    MAIL_BODY_MAX_BYTES, MAIL_RECIPIENTS_MAX, MAIL_SUBJECT_MAX_CHARS, MailAttachment, MailMessage,
    is_content_type, is_message_id, letter_extras, mail_body, mail_message, mail_subject,
};

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
    (
        "applicants.merge",
        "Merge duplicate applicants: one takes the other's cases, files and contacts",
    ),
    ("cases.read", "See cases"),
    ("cases.write", "Create, change and delete cases"),
    (
        "cases.write_responsible",
        "Change the cases they are responsible for (not who is responsible)",
    ),
    ("files.read", "See and download files"),
    ("files.write", "Upload and delete files"),
    ("trash.manage", "List the trash and restore from it"),
    (
        "settings.manage",
        "Change the practice's lists, such as its case programs",
    ),
    ("workflows.manage", "Write and run workflows"),
    (
        "practice.manage",
        "Change the practice's name, time zone, contact details and largest file per upload",
    ),
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

/// Largest event payload, in bytes of JSON.
pub const EVENT_PAYLOAD_MAX_BYTES: usize = 256 * 1024;
/// Largest timer payload, in bytes of JSON.
pub const TIMER_PAYLOAD_MAX_BYTES: usize = 64 * 1024;
/// Largest value of a store query's filter, in bytes of JSON.
pub const FILTER_VALUE_MAX_BYTES: usize = 10_000;

/// JSON text a module passes (`what` names it in the error): at most `max`
/// bytes, and JSON.
pub fn json_text(what: &str, text: &str, max: usize) -> Result<Value, String> {
    if text.len() > max {
        return Err(format!("{what} is larger than {max} bytes"));
    }
    serde_json::from_str(text).map_err(|e| format!("{what} is not JSON: {e}"))
}

/// A refusal of what a module asked, before anything is done: wrong input,
/// or something its manifest does not allow. The text is what the module
/// gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Invalid(String),
    Forbidden(String),
}

/// The collection `name` is one `manifest` declares under
/// `[capabilities] store`.
pub fn collection(manifest: &Manifest, name: &str) -> Result<(), String> {
    if manifest.capabilities.store.iter().any(|c| c == name) {
        Ok(())
    } else {
        Err(format!(
            "collection `{name}` is not declared under [capabilities] store in the plugin.toml of `{}`",
            manifest.id
        ))
    }
}

/// The event `name` is an event name and one `manifest` may emit.
pub fn emit(manifest: &Manifest, name: &str) -> Result<(), Refused> {
    if !is_event_name(name) {
        return Err(Refused::Invalid(format!(
            "{name:?} is not an event name like \"notes.created\""
        )));
    }
    if !manifest.may_emit(name) {
        return Err(Refused::Forbidden(format!(
            "`{}` may not emit {name:?}: it is not under [capabilities] events.emit in its plugin.toml",
            manifest.id
        )));
    }
    Ok(())
}

/// `manifest` declares the records `capability` (`applicants:read`,
/// `cases:read`) under `[capabilities] records`.
pub fn records(manifest: &Manifest, capability: &str) -> Result<(), String> {
    if manifest
        .capabilities
        .records
        .iter()
        .any(|c| c == capability)
    {
        Ok(())
    } else {
        Err(format!(
            "`{}` may not read these records: add \"{capability}\" under [capabilities] records in its plugin.toml",
            manifest.id
        ))
    }
}

/// Most characters in a search document's title.
pub const SEARCH_TITLE_MAX_CHARS: usize = 300;
/// Largest search document body, in bytes.
pub const SEARCH_BODY_MAX_BYTES: usize = 100 * 1024;
/// Most characters in a search document's path.
pub const SEARCH_PATH_MAX_CHARS: usize = 1000;
/// At most this many named readers per search document.
pub const SEARCH_READERS_MAX: usize = 1000;

/// A module's document for global search, as the `search` import takes it.
#[derive(Clone, Copy, Debug)]
pub struct SearchEntry<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Below the module's page mount, starting with `/`.
    pub path: &'a str,
    pub permission: Option<&'a str>,
    /// The people who see it besides the holders of `permission`, if any.
    pub readers: Option<&'a [String]>,
}

/// Why a module's search document is refused; the text is what the module
/// gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchEntryRefused {
    /// Not an id the module store accepts.
    #[error("{0}")]
    Id(String),
    /// Empty once trimmed, or too long.
    #[error("a title has 1 to {max} characters")]
    Title { max: usize },
    #[error("a body is at most {max_kib} KiB")]
    BodyTooLarge { max_kib: usize },
    /// Not a path below the module's pages.
    #[error(
        "path {path:?}: give a path below the module's pages, like \"/notes/42\": it starts with /, \
         has no .., no spaces or backslashes, and at most {max} characters"
    )]
    Path { path: String, max: usize },
    /// Too many readers, or an empty or overlong id among them.
    #[error("readers: give at most {max} people's ids (each 1 to 100 characters)")]
    Readers { max: usize },
    /// A permission the module may not ask of a document's readers.
    #[error(
        "permission {permission:?} is neither declared under [[permissions]] in the plugin.toml of `{module}`, \
         nor `module:{module}`, nor a host permission"
    )]
    UndeclaredPermission { permission: String, module: String },
}

/// Checks a search document `manifest`'s module wants to put.
pub fn search_entry(manifest: &Manifest, entry: &SearchEntry) -> Result<(), SearchEntryRefused> {
    document_id(entry.id).map_err(SearchEntryRefused::Id)?;
    let title = entry.title.trim();
    if title.is_empty() || title.chars().count() > SEARCH_TITLE_MAX_CHARS {
        return Err(SearchEntryRefused::Title {
            max: SEARCH_TITLE_MAX_CHARS,
        });
    }
    if entry.body.len() > SEARCH_BODY_MAX_BYTES {
        return Err(SearchEntryRefused::BodyTooLarge {
            max_kib: SEARCH_BODY_MAX_BYTES / 1024,
        });
    }
    let path = entry.path;
    let path_ok = path.starts_with('/')
        && !path.contains("..")
        && path.chars().count() <= SEARCH_PATH_MAX_CHARS
        && !path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !path_ok {
        return Err(SearchEntryRefused::Path {
            path: path.to_owned(),
            max: SEARCH_PATH_MAX_CHARS,
        });
    }
    if let Some(readers) = entry.readers
        && (readers.len() > SEARCH_READERS_MAX
            || readers.iter().any(|r| r.is_empty() || r.len() > 100))
    {
        return Err(SearchEntryRefused::Readers {
            max: SEARCH_READERS_MAX,
        });
    }
    if let Some(permission) = entry.permission
        && !may_require(manifest, permission)
    {
        return Err(SearchEntryRefused::UndeclaredPermission {
            permission: permission.to_owned(),
            module: manifest.id.clone(),
        });
    }
    Ok(())
}

/// The permissions a module's document may require: its own declared ones,
/// `module:{id}`, and the host's.
fn may_require(manifest: &Manifest, permission: &str) -> bool {
    manifest.permissions.iter().any(|p| p.name == permission)
        || permission.strip_prefix("module:") == Some(manifest.id.as_str())
        || HOST_PERMISSIONS.iter().any(|(name, _)| *name == permission)
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
    fn manifest_rules_name_what_to_declare() {
        let manifest = Manifest::parse(
            "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.1\"\n\
             [capabilities]\nstore = [\"notes\"]\nrecords = [\"cases:read\"]\nevents = { emit = [\"notes.*\"] }",
        )
        .expect("a good manifest");
        assert_eq!(collection(&manifest, "notes"), Ok(()));
        let refused = collection(&manifest, "secrets").expect_err("undeclared");
        assert!(
            refused.contains("`secrets`") && refused.contains("`notes`"),
            "{refused}"
        );
        assert_eq!(emit(&manifest, "notes.created"), Ok(()));
        assert!(matches!(emit(&manifest, "Notes"), Err(Refused::Invalid(_))));
        assert!(
            matches!(emit(&manifest, "case.closed"), Err(Refused::Forbidden(m)) if m.contains("events.emit"))
        );
        assert_eq!(records(&manifest, "cases:read"), Ok(()));
        let refused = records(&manifest, "applicants:read").expect_err("undeclared");
        assert!(refused.contains("\"applicants:read\""), "{refused}");
        assert!(json_text("the payload", "{}", 2).is_ok());
        assert_eq!(
            json_text("the payload", "[1,2]", 2),
            Err("the payload is larger than 2 bytes".into())
        );
        assert!(
            json_text("the payload", "{", 10)
                .is_err_and(|e| e.starts_with("the payload is not JSON"))
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
