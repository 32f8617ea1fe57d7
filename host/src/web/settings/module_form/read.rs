//! Reading the posted form back into settings values, as typed: a number
//! that is not one stays text for the check to name, a duration typed in
//! hours and minutes becomes its minutes.

use std::collections::HashMap;

use immcase_manifest::settings::formats::duration;
use immcase_manifest::settings::{Declarations, Kind, Schema};
use serde_json::{Map, Number, Value};

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

/// A number as typed: the number, or the text itself when it is not one.
fn scalar(schema: &Schema, text: &str) -> Value {
    let as_text = || Value::String(text.to_string());
    match schema.kind {
        Kind::Integer if schema.is_duration() => duration::parse(text)
            .map(Value::from)
            .unwrap_or_else(|_| as_text()),
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| as_text()),
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(|n| match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
                _ => Value::Number(n),
            })
            .unwrap_or_else(as_text),
        _ => as_text(),
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
            Read {
                value: Some(scalar(schema, text)),
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
