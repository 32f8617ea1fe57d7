//! The form the host draws from a module's setting declarations, and its
//! reading back. Each input is named by its path (`categories[2].label`):
//! objects are fieldsets, lists are rows with a "Remove" box each and one
//! spare empty row to add another (no script needed), enums, people and
//! time zones are selects, booleans are boxes beside their words, and
//! durations are typed in hours and minutes (`8h 30m`). What a person typed
//! is read back as it is, so a value that is not a number stays text: the
//! check then names it and the form shows it again as typed. Mistakes are
//! said beside their fields and, in a list above the form, with the path
//! in the page's own labels ("Business hours → Opening hours → Monday").
//!
//! The parts: this file draws objects, lists and boxes; `inputs.rs` draws
//! one value's input (text, select, time zone, duration); `labels.rs` names
//! rows and paths in words; `read.rs` reads the form back.

mod inputs;
mod labels;
mod read;

use std::fmt::Write;

use immcase_manifest::settings::{Declarations, Kind, Schema};
use serde_json::{Map, Value};

use crate::access::people::Person;
use crate::error::FieldErrors;
use crate::web::escape as esc;

pub use read::{Posted, read};

/// What the form needs besides the declarations.
pub struct FormContext<'a> {
    pub errors: &'a FieldErrors,
    /// The practice's people, to pick from.
    pub people: &'a [Person],
}

/// The inputs of every setting, filled with `values`.
pub fn draw(declarations: &Declarations, values: &Map<String, Value>, cx: &FormContext) -> String {
    let mut form = Form {
        html: String::new(),
        cx,
        first_error: !cx.errors.is_empty(),
        durations_said: false,
    };
    for (name, schema) in declarations.iter() {
        form.one(schema, &schema.label(name), name, name, values.get(name));
    }
    form.html
}

/// The list of mistakes shown above the form, each linking to its field
/// and naming it by the page's labels.
pub fn summary(declarations: &Declarations, errors: &FieldErrors) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<div class=\"form-error settings-mistakes\" role=\"alert\" id=\"settings-mistakes\"><p>",
    );
    html.push_str(&if errors.len() == 1 {
        "One setting needs fixing; nothing was saved:".to_string()
    } else {
        format!("{} settings need fixing; nothing was saved:", errors.len())
    });
    html.push_str("</p><ul>");
    for (path, message) in errors {
        let _ = write!(
            html,
            "<li><a href=\"#{}\">{}: {}</a></li>",
            esc(&field_id(path)),
            esc(&labels::path_in_words(declarations, path)),
            esc(message)
        );
    }
    html.push_str("</ul></div>");
    html
}

fn field_id(path: &str) -> String {
    format!("s-{path}")
}

/// The form being drawn.
struct Form<'a> {
    html: String,
    cx: &'a FormContext<'a>,
    /// Whether the next wrong field is the first (it takes the focus).
    first_error: bool,
    /// Whether a group around the inputs drawn now already said how
    /// durations are written.
    durations_said: bool,
}

/// How the page says durations are written.
const DURATION_HINT: &str = "In hours and minutes, like 8h 30m.";

/// Whether an object has durations among its members, at any depth.
fn has_durations(schema: &Schema) -> bool {
    schema
        .properties
        .iter()
        .any(|(_, member)| member.is_duration() || has_durations(member))
}

impl Form<'_> {
    /// The input(s) of one value: `label` on the page, `name` its key (for
    /// naming a list's rows), `path` its input's name.
    fn one(&mut self, schema: &Schema, label: &str, name: &str, path: &str, value: Option<&Value>) {
        match schema.kind {
            Kind::Object => self.object(schema, label, path, value),
            Kind::Array => self.list(schema, label, name, path, value),
            Kind::Boolean => self.boolean(schema, label, path, value),
            Kind::String | Kind::Integer | Kind::Number => {
                self.html.push_str("<div class=\"settings-field\">");
                let _ = write!(
                    self.html,
                    "<label for=\"{}\">{}</label>",
                    esc(&field_id(path)),
                    esc(label)
                );
                let invalid = self.invalid(path);
                inputs::scalar(&mut self.html, schema, path, value, self.cx, &invalid);
                self.error_text(path);
                self.hint(schema);
                self.html.push_str("</div>");
            }
        }
    }

    fn object(&mut self, schema: &Schema, label: &str, path: &str, value: Option<&Value>) {
        let _ = write!(
            self.html,
            "<fieldset class=\"settings-group\" id=\"{}\"",
            esc(&field_id(path))
        );
        let invalid = self.invalid(path);
        self.html.push_str(&invalid);
        let _ = write!(self.html, "><legend>{}</legend>", esc(label));
        self.error_text(path);
        self.hint(schema);
        // Said once for the group rather than under each of its durations.
        let said_before = self.durations_said;
        if !said_before && has_durations(schema) {
            let _ = write!(self.html, "<p class=\"hint\">{DURATION_HINT}</p>");
            self.durations_said = true;
        }
        let members = value.and_then(Value::as_object);
        for (member, inner) in schema.properties.iter() {
            self.one(
                inner,
                &inner.label(member),
                member,
                &format!("{path}.{member}"),
                members.and_then(|m| m.get(member)),
            );
        }
        self.durations_said = said_before;
        self.html.push_str("</fieldset>");
    }

    /// A list's rows, each named by its item and number (`Category 2`)
    /// with a box to remove it, and a spare empty row to add one.
    fn list(
        &mut self,
        schema: &Schema,
        label: &str,
        name: &str,
        path: &str,
        value: Option<&Value>,
    ) {
        let _ = write!(
            self.html,
            "<fieldset class=\"settings-list\" id=\"{}\"",
            esc(&field_id(path))
        );
        let invalid = self.invalid(path);
        self.html.push_str(&invalid);
        let _ = write!(self.html, "><legend>{}</legend>", esc(label));
        self.error_text(path);
        self.hint(schema);
        let Some(items) = &schema.items else {
            self.html.push_str("</fieldset>");
            return;
        };
        let entries: &[Value] = value.and_then(Value::as_array).map_or(&[], Vec::as_slice);
        let item_name = labels::item_name(schema, name);
        let lower = item_name.to_lowercase();
        for (i, entry) in entries
            .iter()
            .chain(std::iter::once(&Value::Null))
            .enumerate()
        {
            let row = format!("{path}[{i}]");
            let spare = i == entries.len();
            let _ = write!(
                self.html,
                "<div class=\"settings-row{}\" data-row=\"{}\">",
                if spare { " is-spare" } else { "" },
                esc(&row)
            );
            if spare {
                let _ = write!(
                    self.html,
                    "<p class=\"settings-row-title\">New {}: fill in to add</p>",
                    esc(&lower)
                );
            }
            let entry = (!entry.is_null()).then_some(entry);
            let row_label = if spare {
                item_name.clone()
            } else {
                labels::row_label(&item_name, i)
            };
            self.one(items, &row_label, &item_name, &row, entry);
            if !spare {
                let _ = write!(
                    self.html,
                    "<label class=\"check settings-remove\"><input type=\"checkbox\" name=\"{}._remove\" value=\"true\"> <span>Remove {}</span></label>",
                    esc(&row),
                    esc(&labels::row_label(&lower, i))
                );
            }
            self.html.push_str("</div>");
        }
        self.html.push_str("</fieldset>");
    }

    /// A box with its words beside it (`label.check`).
    fn boolean(&mut self, schema: &Schema, label: &str, path: &str, value: Option<&Value>) {
        let on = value
            .and_then(Value::as_bool)
            .or_else(|| schema.default.as_ref().and_then(Value::as_bool))
            .unwrap_or(false);
        let _ = write!(
            self.html,
            "<div class=\"settings-field\"><label class=\"check\"><input type=\"checkbox\" id=\"{}\" name=\"{}\" value=\"true\"{}",
            esc(&field_id(path)),
            esc(path),
            if on { " checked" } else { "" }
        );
        let invalid = self.invalid(path);
        self.html.push_str(&invalid);
        let _ = write!(self.html, "> <span>{}</span></label>", esc(label));
        self.error_text(path);
        self.hint(schema);
        self.html.push_str("</div>");
    }

    /// The attributes of a wrong input (the first one takes the focus).
    fn invalid(&mut self, path: &str) -> String {
        if !self.cx.errors.contains_key(path) {
            return String::new();
        }
        let mut attributes = format!(
            " aria-invalid=\"true\" aria-describedby=\"{}-error\"",
            esc(&field_id(path))
        );
        if std::mem::take(&mut self.first_error) {
            attributes.push_str(" autofocus");
        }
        attributes
    }

    fn error_text(&mut self, path: &str) {
        if let Some(e) = self.cx.errors.get(path) {
            let _ = write!(
                self.html,
                "<span class=\"field-error\" id=\"{}-error\">{}</span>",
                esc(&field_id(path)),
                esc(e)
            );
        }
    }

    fn hint(&mut self, schema: &Schema) {
        if !schema.description.is_empty() {
            let _ = write!(
                self.html,
                "<p class=\"hint\">{}</p>",
                esc(&schema.description)
            );
        }
        if schema.is_duration() && !self.durations_said {
            let _ = write!(self.html, "<p class=\"hint\">{DURATION_HINT}</p>");
        }
    }
}

#[cfg(test)]
mod tests;
