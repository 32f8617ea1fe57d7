//! A record's timeline as a page shows it: newest first, each line saying
//! when (in the reader's time zone), who, and what changed from what to
//! what. Changes to fields the reader's role hides were left out already by
//! `records::timeline`.

use serde_json::Value;

use super::applicant_form::shown;
use crate::records::timeline::Change;

pub struct Line {
    pub at: String,
    pub who: String,
    /// `created this applicant`, `changed`, ...
    pub what: String,
    /// For a change: the field's label, and its values before and after.
    pub field: Option<String>,
    pub from: String,
    pub to: String,
}

/// An RFC 3339 time in `time_zone`, as people read it.
pub fn local(at: &str, time_zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned_datetime(tz)
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// The lines of a timeline, newest first. `label` names a field; `value`
/// shows a field's value (a program's label rather than its key, say).
pub fn lines(
    changes: &[Change],
    time_zone: &str,
    record: &str,
    label: impl Fn(&str) -> String,
    value: impl Fn(&str, &Value) -> String,
) -> Vec<Line> {
    let show = |field: &str, v: &Option<Value>| {
        let text = v.as_ref().map(|v| value(field, v)).unwrap_or_default();
        if text.trim().is_empty() {
            "(empty)".to_string()
        } else {
            text.replace('\n', ", ")
        }
    };
    changes
        .iter()
        .rev()
        .map(|c| {
            let what = match c.action.as_str() {
                "created" => format!("created this {record}"),
                "updated" => "changed".to_string(),
                "deleted" => format!("moved this {record} to the trash"),
                "restored" => format!("restored this {record} from the trash"),
                "file_uploaded" | "file_deleted" => {
                    let name = c
                        .new_value
                        .as_ref()
                        .or(c.old_value.as_ref())
                        .and_then(Value::as_str)
                        .unwrap_or("a file");
                    if c.action == "file_uploaded" {
                        format!("uploaded {name}")
                    } else {
                        format!("moved {name} to the trash")
                    }
                }
                "merged_in" | "merged_into" | "unmerged" | "unmerged_from" => {
                    let text = |v: &Option<Value>| {
                        v.as_ref()
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string()
                    };
                    let (moved, who) = (text(&c.old_value), text(&c.new_value));
                    match c.action.as_str() {
                        "merged_in" => {
                            format!("merged {who} into this {record} ({moved} moved here)")
                        }
                        "merged_into" => {
                            format!("merged this {record} into {who} ({moved} moved there)")
                        }
                        "unmerged" => format!("undid the merge of {who} ({moved} moved back)"),
                        _ => format!("undid the merge into {who} ({moved} came back)"),
                    }
                }
                "note" => {
                    let text = c.new_value.as_ref().and_then(Value::as_str);
                    format!("added a note: {}", text.unwrap_or_default())
                }
                "file_moved" => {
                    let path = |v: &Option<Value>| {
                        v.as_ref()
                            .and_then(Value::as_str)
                            .unwrap_or("a file")
                            .to_string()
                    };
                    format!("moved {} to {}", path(&c.old_value), path(&c.new_value))
                }
                "applicant_merged" => "moved this case in a merge of applicants".to_string(),
                "merge_undone" => "moved this case back, undoing a merge of applicants".to_string(),
                other => other.replace('_', " "),
            };
            let field = c.field.as_deref().filter(|_| {
                !c.action.starts_with("file_")
                    && !matches!(
                        c.action.as_str(),
                        "merged_in" | "merged_into" | "unmerged" | "unmerged_from" | "note"
                    )
            });
            Line {
                at: local(&c.at, time_zone),
                who: c.actor_name.clone().unwrap_or_else(|| "ImmCase".into()),
                what,
                field: field.map(&label),
                from: field.map(|f| show(f, &c.old_value)).unwrap_or_default(),
                to: field.map(|f| show(f, &c.new_value)).unwrap_or_default(),
            }
        })
        .collect()
}

/// A value as stored, for fields without a better way to show it.
pub fn plain(_field: &str, value: &Value) -> String {
    shown(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_newest_first_in_the_readers_time() {
        let change = |action: &str, field: Option<&str>, old: Value, new: Value| Change {
            at: "2026-11-23T15:04:00Z".into(),
            actor_user_id: None,
            actor_name: Some("Ana".into()),
            action: action.into(),
            field: field.map(str::to_string),
            old_value: Some(old),
            new_value: Some(new),
        };
        let changes = vec![
            change("created", None, Value::Null, Value::Null),
            change(
                "updated",
                Some("emails"),
                json!(["a@x.ca"]),
                json!(["a@x.ca", "b@x.ca"]),
            ),
            change("updated", Some("notes"), Value::Null, json!("VIP")),
        ];
        let lines = lines(
            &changes,
            "America/Toronto",
            "applicant",
            |f| f.to_uppercase(),
            plain,
        );
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].field.as_deref(), Some("NOTES"));
        assert_eq!(
            (lines[0].from.as_str(), lines[0].to.as_str()),
            ("(empty)", "VIP")
        );
        assert_eq!(lines[1].to, "a@x.ca, b@x.ca");
        assert_eq!(lines[2].what, "created this applicant");
        assert_eq!(lines[2].at, "2026-11-23 10:04");
        assert_eq!(lines[2].who, "Ana");
    }
}
