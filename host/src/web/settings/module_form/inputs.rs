//! One value's input: a select of people, of an enum's values or of time
//! zones, a duration in hours and minutes, or a text input.

use std::fmt::Write;

use immcase_manifest::settings::formats::{duration, time_zone};
use immcase_manifest::settings::{Kind, Schema};
use serde_json::Value;

use super::{FormContext, esc, field_id};

/// The input of a string or number at `path`, showing `value` (as typed
/// when it was refused); `invalid` holds the attributes of a wrong one.
pub fn scalar(
    html: &mut String,
    schema: &Schema,
    path: &str,
    value: Option<&Value>,
    cx: &FormContext,
    invalid: &str,
) {
    let text = match value {
        Some(Value::Number(n)) if schema.is_duration() => {
            n.as_i64().map_or_else(|| n.to_string(), duration::words)
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let id = field_id(path);
    if schema.is_time_zone() {
        return time_zones(html, schema, &id, path, &text, invalid);
    }
    if let Some(choices) = choices(schema, &text, cx) {
        return select(html, &id, path, &text, invalid, choices);
    }
    let (kind, class) = match schema.kind {
        _ if schema.is_duration() => ("", " class=\"duration\""),
        Kind::Integer => (" inputmode=\"numeric\"", ""),
        Kind::Number => (" inputmode=\"decimal\"", ""),
        _ => ("", ""),
    };
    let _ = write!(
        html,
        "<input id=\"{}\" name=\"{}\" value=\"{}\"{kind}{class}",
        esc(&id),
        esc(path),
        esc(&text),
    );
    if let Some(max) = schema.max_length {
        let _ = write!(html, " maxlength=\"{max}\"");
    }
    if let Some(d) = schema.default.as_ref().filter(|d| !d.is_null()) {
        let shown = match d {
            Value::Number(n) if schema.is_duration() => {
                n.as_i64().map_or_else(|| n.to_string(), duration::words)
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = write!(html, " placeholder=\"{}\"", esc(&shown));
    }
    html.push_str(invalid);
    html.push('>');
}

/// The values to pick from, for a person or an enum: `(value, words)`.
fn choices(schema: &Schema, current: &str, cx: &FormContext) -> Option<Vec<(String, String)>> {
    let mut choices: Vec<(String, String)> = if schema.is_person() {
        cx.people
            .iter()
            .filter(|p| !p.disabled || p.id == current)
            .map(|p| {
                let name = if p.disabled {
                    format!("{} (disabled)", p.display_name)
                } else {
                    p.display_name.clone()
                };
                (p.id.clone(), name)
            })
            .collect()
    } else {
        let values = schema.choices.as_ref()?;
        values
            .iter()
            .map(|c| (c.clone(), c.replace('_', " ")))
            .collect()
    };
    if !current.is_empty() && !choices.iter().any(|(v, _)| v == current) {
        choices.push((current.to_string(), format!("{current} (unknown)")));
    }
    Some(choices)
}

fn select(
    html: &mut String,
    id: &str,
    path: &str,
    current: &str,
    invalid: &str,
    choices: Vec<(String, String)>,
) {
    let _ = write!(
        html,
        "<select id=\"{}\" name=\"{}\"{invalid}><option value=\"\">—</option>",
        esc(id),
        esc(path)
    );
    for (v, shown) in choices {
        option(html, &v, &shown, v == current);
    }
    html.push_str("</select>");
}

fn option(html: &mut String, value: &str, shown: &str, selected: bool) {
    let _ = write!(
        html,
        "<option value=\"{}\"{}>{}</option>",
        esc(value),
        if selected { " selected" } else { "" },
        esc(shown)
    );
}

/// A select of time zones: Canada's and UTC first, then every canonical
/// zone. A value saved before that the list does not offer (an alias such
/// as `America/Montreal`) stays chosen, said as saved.
fn time_zones(
    html: &mut String,
    schema: &Schema,
    id: &str,
    path: &str,
    current: &str,
    invalid: &str,
) {
    let _ = write!(
        html,
        "<select id=\"{}\" name=\"{}\"{invalid}>",
        esc(id),
        esc(path)
    );
    let common = time_zone::COMMON.iter().map(|(name, _)| *name);
    let offered = common.chain(time_zone::all()).any(|name| name == current);
    if schema.default.is_none() || current.is_empty() {
        option(html, "", "—", current.is_empty());
    }
    if !offered && !current.is_empty() {
        let shown = format!("{current} (as saved)");
        option(html, current, &shown, true);
    }
    html.push_str("<optgroup label=\"Canada and UTC\">");
    for (name, words) in time_zone::COMMON {
        option(html, name, &format!("{words} ({name})"), name == current);
    }
    html.push_str("</optgroup><optgroup label=\"Every time zone\">");
    let first_pick = time_zone::COMMON.iter().any(|(name, _)| *name == current);
    for name in time_zone::all() {
        // Chosen once: where it first appears.
        let chosen = name == current && !first_pick;
        option(html, name, &name.replace('_', " "), chosen);
    }
    html.push_str("</optgroup></select>");
}
