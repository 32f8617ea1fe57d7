//! The form the host draws from a module's setting declarations, and its
//! reading back. Each input is named by its path (`categories[2].label`):
//! objects are fieldsets, lists are rows with a "Remove" box each and one
//! spare empty row to add another (no script needed), enums and people are
//! selects, booleans are checkboxes. What a person typed is read back as it
//! is, so a value that is not a number stays text: the check then names it
//! and the form shows it again as typed.

use std::collections::HashMap;
use std::fmt::Write;

use immcase_manifest::settings::{Declarations, Kind, Schema};
use serde_json::{Map, Number, Value};

use crate::access::people::Person;
use crate::error::FieldErrors;

/// What the form needs besides the declarations.
pub struct FormContext<'a> {
    pub errors: &'a FieldErrors,
    /// The practice's people, to pick from.
    pub people: &'a [Person],
}

// Drawing -------------------------------------------------------------------

/// The inputs of every setting, filled with `values`.
pub fn draw(declarations: &Declarations, values: &Map<String, Value>, cx: &FormContext) -> String {
    let mut html = String::new();
    let mut first_error = !cx.errors.is_empty();
    for (name, schema) in declarations.iter() {
        draw_one(
            &mut html,
            schema,
            name,
            name,
            values.get(name),
            cx,
            &mut first_error,
        );
    }
    html
}

/// The list of mistakes shown above the form, each linking to its field.
pub fn summary(errors: &FieldErrors) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<div class=\"form-error settings-mistakes\" role=\"alert\" id=\"settings-mistakes\"><p>",
    );
    let _ = write!(
        html,
        "{}",
        if errors.len() == 1 {
            "One setting needs fixing; nothing was saved:".to_string()
        } else {
            format!("{} settings need fixing; nothing was saved:", errors.len())
        }
    );
    html.push_str("</p><ul>");
    for (path, message) in errors {
        let _ = write!(
            html,
            "<li><a href=\"#{}\">{}: {}</a></li>",
            esc(&field_id(path)),
            esc(path),
            esc(message)
        );
    }
    html.push_str("</ul></div>");
    html
}

fn field_id(path: &str) -> String {
    format!("s-{path}")
}

fn draw_one(
    html: &mut String,
    schema: &Schema,
    name: &str,
    path: &str,
    value: Option<&Value>,
    cx: &FormContext,
    first_error: &mut bool,
) {
    let label = schema.label(name);
    let error = cx.errors.get(path);
    let id = field_id(path);
    let invalid = |html: &mut String, first_error: &mut bool| {
        if error.is_some() {
            let _ = write!(
                html,
                " aria-invalid=\"true\" aria-describedby=\"{}-error\"",
                esc(&id)
            );
            if std::mem::take(first_error) {
                html.push_str(" autofocus");
            }
        }
    };
    let error_text = |html: &mut String| {
        if let Some(e) = error {
            let _ = write!(
                html,
                "<span class=\"field-error\" id=\"{}-error\">{}</span>",
                esc(&id),
                esc(e)
            );
        }
    };
    let hint = |html: &mut String| {
        if !schema.description.is_empty() {
            let _ = write!(html, "<p class=\"hint\">{}</p>", esc(&schema.description));
        }
    };
    match schema.kind {
        Kind::Object => {
            let _ = write!(
                html,
                "<fieldset class=\"settings-group\" id=\"{}\"",
                esc(&id)
            );
            invalid(html, first_error);
            let _ = write!(html, "><legend>{}</legend>", esc(&label));
            error_text(html);
            hint(html);
            let members = value.and_then(Value::as_object);
            for (member, inner) in schema.properties.iter() {
                draw_one(
                    html,
                    inner,
                    member,
                    &format!("{path}.{member}"),
                    members.and_then(|m| m.get(member)),
                    cx,
                    first_error,
                );
            }
            html.push_str("</fieldset>");
        }
        Kind::Array => {
            let _ = write!(
                html,
                "<fieldset class=\"settings-list\" id=\"{}\"",
                esc(&id)
            );
            invalid(html, first_error);
            let _ = write!(html, "><legend>{}</legend>", esc(&label));
            error_text(html);
            hint(html);
            let Some(items) = &schema.items else {
                html.push_str("</fieldset>");
                return;
            };
            let entries: &[Value] = value.and_then(Value::as_array).map_or(&[], Vec::as_slice);
            let item_name = if items.title.is_empty() {
                singular(name)
            } else {
                items.title.clone()
            };
            for (i, entry) in entries
                .iter()
                .chain(std::iter::once(&Value::Null))
                .enumerate()
            {
                let row = format!("{path}[{i}]");
                let spare = i == entries.len();
                let _ = write!(
                    html,
                    "<div class=\"settings-row{}\" data-row=\"{}\">",
                    if spare { " is-spare" } else { "" },
                    esc(&row)
                );
                if spare {
                    let _ = write!(
                        html,
                        "<p class=\"settings-row-title\">New {}: fill in to add</p>",
                        esc(&item_name.to_lowercase())
                    );
                }
                let entry = (!entry.is_null()).then_some(entry);
                draw_one(html, items, &item_name, &row, entry, cx, first_error);
                if !spare {
                    let _ = write!(
                        html,
                        "<label class=\"check settings-remove\"><input type=\"checkbox\" name=\"{}._remove\" value=\"true\"> <span>Remove this {}</span></label>",
                        esc(&row),
                        esc(&item_name.to_lowercase())
                    );
                }
                html.push_str("</div>");
            }
            html.push_str("</fieldset>");
        }
        Kind::Boolean => {
            let on = value
                .and_then(Value::as_bool)
                .or_else(|| schema.default.as_ref().and_then(Value::as_bool))
                .unwrap_or(false);
            let _ = write!(
                html,
                "<div class=\"settings-field\"><label class=\"check\"><input type=\"checkbox\" id=\"{}\" name=\"{}\" value=\"true\"{}",
                esc(&id),
                esc(path),
                if on { " checked" } else { "" }
            );
            invalid(html, first_error);
            let _ = write!(html, "> <span>{}</span></label>", esc(&label));
            error_text(html);
            hint(html);
            html.push_str("</div>");
        }
        Kind::String | Kind::Integer | Kind::Number => {
            let text = match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => String::new(),
            };
            let _ = write!(
                html,
                "<div class=\"settings-field\"><label for=\"{}\">{}</label>",
                esc(&id),
                esc(&label)
            );
            let choices: Option<Vec<(String, String)>> = if schema.is_person() {
                Some(
                    cx.people
                        .iter()
                        .filter(|p| !p.disabled || p.id == text)
                        .map(|p| {
                            let name = if p.disabled {
                                format!("{} (disabled)", p.display_name)
                            } else {
                                p.display_name.clone()
                            };
                            (p.id.clone(), name)
                        })
                        .collect(),
                )
            } else {
                schema
                    .choices
                    .as_ref()
                    .map(|c| c.iter().map(|c| (c.clone(), c.replace('_', " "))).collect())
            };
            match choices {
                Some(mut choices) => {
                    if !text.is_empty() && !choices.iter().any(|(v, _)| *v == text) {
                        choices.push((text.clone(), format!("{text} (unknown)")));
                    }
                    let _ = write!(html, "<select id=\"{}\" name=\"{}\"", esc(&id), esc(path));
                    invalid(html, first_error);
                    html.push_str("><option value=\"\">—</option>");
                    for (v, shown) in choices {
                        let _ = write!(
                            html,
                            "<option value=\"{}\"{}>{}</option>",
                            esc(&v),
                            if v == text { " selected" } else { "" },
                            esc(&shown)
                        );
                    }
                    html.push_str("</select>");
                }
                None => {
                    let kind = match schema.kind {
                        Kind::Integer => " inputmode=\"numeric\"",
                        Kind::Number => " inputmode=\"decimal\"",
                        _ => "",
                    };
                    let _ = write!(
                        html,
                        "<input id=\"{}\" name=\"{}\" value=\"{}\"{}",
                        esc(&id),
                        esc(path),
                        esc(&text),
                        kind
                    );
                    if let Some(max) = schema.max_length {
                        let _ = write!(html, " maxlength=\"{max}\"");
                    }
                    if let Some(d) = schema.default.as_ref().filter(|d| !d.is_null()) {
                        let shown = match d {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let _ = write!(html, " placeholder=\"{}\"", esc(&shown));
                    }
                    invalid(html, first_error);
                    html.push('>');
                }
            }
            error_text(html);
            hint(html);
            html.push_str("</div>");
        }
    }
}

/// `categories` → `Category`, `members` → `Member`: what one row is.
fn singular(name: &str) -> String {
    let one = if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if name.ends_with("ss") {
        name.to_string()
    } else {
        name.strip_suffix('s').unwrap_or(name).to_string()
    };
    let mut chars = one.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('_', " "),
        None => one,
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// Reading back --------------------------------------------------------------

/// The form's fields by name.
pub struct Posted(HashMap<String, String>);

impl Posted {
    pub fn new(pairs: Vec<(String, String)>) -> Posted {
        Posted(pairs.into_iter().collect())
    }

    fn get(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }

    fn has_row(&self, row: &str) -> bool {
        let dot = format!("{row}.");
        let bracket = format!("{row}[");
        self.0
            .keys()
            .any(|k| k == row || k.starts_with(&dot) || k.starts_with(&bracket))
    }
}

/// The settings as typed: empty inputs left out (their defaults apply),
/// unticked boxes false, rows ticked "Remove" and rows left empty dropped.
pub fn read(declarations: &Declarations, form: &Posted) -> Map<String, Value> {
    let mut values = Map::new();
    for (name, schema) in declarations.iter() {
        if let Some(v) = read_one(schema, name, form).kept() {
            values.insert(name.to_string(), v);
        }
    }
    values
}

/// A value read back, and whether anything was typed for it (a box ticked
/// or not does not count: a spare row with a box is still empty).
struct Read {
    value: Option<Value>,
    typed: bool,
}

impl Read {
    fn kept(self) -> Option<Value> {
        match self.value {
            Some(Value::Object(_)) if !self.typed => None,
            other => other,
        }
    }
}

fn read_one(schema: &Schema, path: &str, form: &Posted) -> Read {
    match schema.kind {
        Kind::Boolean => Read {
            value: Some(Value::Bool(form.get(path).is_some())),
            typed: false,
        },
        Kind::String | Kind::Integer | Kind::Number => {
            let text = form.get(path).map(str::trim).unwrap_or("");
            if text.is_empty() {
                return Read {
                    value: None,
                    typed: false,
                };
            }
            let value = match schema.kind {
                Kind::Integer => text
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(text.to_string())),
                Kind::Number => text
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(|n| match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
                        _ => Value::Number(n),
                    })
                    .unwrap_or_else(|| Value::String(text.to_string())),
                _ => Value::String(text.to_string()),
            };
            Read {
                value: Some(value),
                typed: true,
            }
        }
        Kind::Object => {
            let mut members = Map::new();
            let mut typed = false;
            for (name, inner) in schema.properties.iter() {
                let read = read_one(inner, &format!("{path}.{name}"), form);
                typed |= read.typed;
                if let Some(v) = read.kept() {
                    members.insert(name.to_string(), v);
                }
            }
            Read {
                value: Some(Value::Object(members)),
                typed,
            }
        }
        Kind::Array => {
            let mut entries = Vec::new();
            if let Some(items) = &schema.items {
                let mut i = 0;
                loop {
                    let row = format!("{path}[{i}]");
                    if !form.has_row(&row) {
                        break;
                    }
                    i += 1;
                    if form.get(&format!("{row}._remove")).is_some() {
                        continue;
                    }
                    let read = read_one(items, &row, form);
                    if read.typed
                        && let Some(v) = read.value
                    {
                        entries.push(v);
                    }
                }
            }
            let typed = !entries.is_empty();
            Read {
                value: Some(Value::Array(entries)),
                typed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declarations() -> Declarations {
        serde_json::from_value(json!({
            "categories": {"type": "array", "items": {"type": "object", "required": ["key"], "properties": {
                "key": {"type": "string"},
                "hours": {"type": "integer", "default": 8},
                "active": {"type": "boolean", "default": true},
                "owner": {"type": "string", "format": "person"},
                "team": {"type": "object", "required": ["members"], "properties": {
                    "members": {"type": "array", "items": {"type": "string", "format": "person"}},
                    "strategy": {"type": "string", "enum": ["round_robin", "least_open"]}
                }}
            }}},
            "share": {"type": "number"}
        }))
        .unwrap()
    }

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn rows_are_read_back_without_spare_and_removed_ones() {
        let form = posted(&[
            ("categories[0].key", "visa"),
            ("categories[0].hours", "12"),
            ("categories[0].active", "true"),
            ("categories[0].team.members[0]", "u1"),
            ("categories[0].team.members[1]", ""),
            ("categories[0].team.strategy", ""),
            ("categories[1].key", "old"),
            ("categories[1]._remove", "true"),
            ("categories[2].key", "work"),
            ("categories[2].hours", "eight"),
            ("categories[2].team.members[0]", ""),
            ("categories[2].team.strategy", ""),
            ("categories[3].key", ""),
            ("categories[3].active", "true"),
            ("share", "0.5"),
        ]);
        assert_eq!(
            Value::Object(read(&declarations(), &form)),
            json!({
                "categories": [
                    {"key": "visa", "hours": 12, "active": true, "team": {"members": ["u1"]}},
                    {"key": "work", "hours": "eight", "active": false}
                ],
                "share": 0.5
            })
        );
    }

    #[test]
    fn the_form_shows_values_rows_and_mistakes() {
        let values = json!({"categories": [{"key": "a<b", "hours": "eight", "active": false}]});
        let errors = FieldErrors::from([(
            "categories[0].hours".to_string(),
            "must be a whole number".to_string(),
        )]);
        let people = [Person {
            id: "u1".into(),
            display_name: "Ana".into(),
            disabled: false,
        }];
        let html = draw(
            &declarations(),
            values.as_object().unwrap(),
            &FormContext {
                errors: &errors,
                people: &people,
            },
        );
        assert!(
            html.contains("name=\"categories[0].key\" value=\"a&lt;b\""),
            "{html}"
        );
        assert!(html.contains("name=\"categories[0].hours\" value=\"eight\" inputmode=\"numeric\" placeholder=\"8\" aria-invalid=\"true\""), "{html}");
        assert!(html.contains("must be a whole number"), "{html}");
        assert!(html.contains("name=\"categories[0]._remove\""), "{html}");
        // The spare row to add one, with no "Remove" box.
        assert!(
            html.contains("name=\"categories[1].key\" value=\"\""),
            "{html}"
        );
        assert!(!html.contains("name=\"categories[1]._remove\""), "{html}");
        assert!(html.contains("<option value=\"u1\">Ana</option>"), "{html}");
        assert!(html.contains("New category: fill in to add"), "{html}");
        assert!(summary(&errors).contains("href=\"#s-categories[0].hours\""));
    }
}
