//! A module's settings as `plugin.toml` declares them (`[settings.NAME]`), a
//! small subset of JSON Schema: strings, whole numbers, numbers, booleans,
//! lists (`items`, `min-items`, `max-items`) and objects (`properties`,
//! `required`), with `enum`, lengths, a `pattern`, bounds, `default`,
//! `title` and `description`, and a `format`: `person` for the id of a
//! person of the practice, `time-zone` for an IANA time zone, and
//! `duration-minutes` for a whole number of minutes that people read and
//! write in hours and minutes ([`formats`]). A flat setting (`type`,
//! `default`, `min`, `max`, `max-length`, `choices`) is the simple case of
//! the same declaration.
//!
//! [`check`] takes the values an administrator saves and gives them back
//! with every default filled in, or every mistake named by its path
//! (`categories[2].sla_hours: at least 1`). References to people are not
//! looked up here (the crate knows nothing of a practice): they come back
//! with their paths for the host to check.

pub mod formats;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// How deep declarations may nest: settings are a form, not a data model.
const MAX_DEPTH: usize = 8;

/// The settings a module declares, in the order `plugin.toml` lists them.
#[derive(Clone, Debug, Default)]
pub struct Declarations(Vec<(String, Schema)>);

/// One setting, or one part of a nested setting.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Schema {
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Taken when the value is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// The label on the settings page (else the name, in words).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Numbers: the smallest and largest accepted (`min`, `max` too).
    #[serde(default, alias = "min", skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(default, alias = "max", skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// Strings: lengths in characters, and a regular expression they must
    /// contain a match of (anchor it with `^…$` to match the whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Strings: the only values accepted (`choices` too).
    #[serde(
        default,
        rename = "enum",
        alias = "choices",
        skip_serializing_if = "Option::is_none"
    )]
    pub choices: Option<Vec<String>>,
    /// Strings: `person` or `time-zone`; integers: `duration-minutes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Lists: what each entry is, and how many entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<usize>,
    /// Objects: their members, in order, and which must be given.
    #[serde(default, skip_serializing_if = "Declarations::is_empty")]
    pub properties: Declarations,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A string: the id of a person of the practice (a select of its
    /// people on the page).
    Person,
    /// A string: an IANA time zone the tz database knows, such as
    /// `America/Toronto` (a select of canonical zones on the page).
    TimeZone,
    /// An integer: minutes, shown and typed in hours and minutes
    /// (`8h 30m`) on the page.
    DurationMinutes,
}

/// Where an earlier version of the module kept its settings: one document
/// of its document store. The host moves it into the module's settings once
/// per practice that has none saved (`[earlier-settings]`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EarlierSettings {
    pub collection: String,
    pub id: String,
}

/// Checks `settings-permission` (one of the module's own permissions) and
/// `[earlier-settings]` (a collection name and a document id).
pub fn check_access(
    module: &str,
    permissions: &[crate::PermissionDecl],
    settings_permission: Option<&str>,
    earlier: Option<&EarlierSettings>,
) -> Result<(), Mistake> {
    if let Some(p) = settings_permission
        && !permissions.iter().any(|d| d.name == p)
    {
        return Err(mistake(
            "settings-permission",
            format!("{p:?} is not one of the module's [[permissions]] (like \"{module}.manage\")"),
        ));
    }
    if let Some(e) = earlier {
        if !is_setting_name(&e.collection) {
            return Err(mistake(
                "earlier-settings.collection",
                format!(
                    "{:?} is not a collection name (lowercase letters, digits, _ and -)",
                    e.collection
                ),
            ));
        }
        let id_chars = |c: char| c.is_ascii_alphanumeric() || "-_.:@".contains(c);
        if e.id.is_empty() || e.id.len() > 200 || !e.id.chars().all(id_chars) {
            return Err(mistake(
                "earlier-settings.id",
                format!(
                    "{:?} is not a document id (1 to 200 letters, digits and - _ . : @)",
                    e.id
                ),
            ));
        }
    }
    Ok(())
}

/// A wrong value, named by its path from the settings' top.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Mistake {
    pub path: String,
    pub message: String,
}

/// The id of a person a value names, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRef {
    pub path: String,
    pub id: String,
}

/// Settings that follow their declarations.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The values with every default filled in.
    pub values: Map<String, Value>,
    /// Every person named, for the host to look up in the practice.
    pub people: Vec<PersonRef>,
}

impl Declarations {
    pub fn get(&self, name: &str) -> Option<&Schema> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Schema)> {
        self.0.iter().map(|(n, s)| (n.as_str(), s))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every setting's default (declared, or made of its members' defaults).
    pub fn defaults(&self) -> Map<String, Value> {
        self.iter()
            .filter_map(|(name, schema)| Some((name.to_string(), schema.implied_default()?)))
            .collect()
    }

    /// Checks the declarations themselves; the error names the setting
    /// (`settings.categories.items.properties.key.pattern`) and the rule.
    pub fn validate(&self, at: &str) -> Result<(), Mistake> {
        self.validate_at(at, 0)
    }

    fn validate_at(&self, at: &str, depth: usize) -> Result<(), Mistake> {
        for (name, schema) in self.iter() {
            let here = format!("{at}.{name}");
            if !is_setting_name(name) {
                return Err(mistake(
                    here,
                    "setting names are lowercase letters, digits, _ and -",
                ));
            }
            schema.validate(&here, depth)?;
        }
        Ok(())
    }
}

impl Schema {
    /// The declared default, or for an object without one, the object its
    /// members' defaults make when they give every required member.
    pub fn implied_default(&self) -> Option<Value> {
        if let Some(d) = &self.default {
            return Some(d.clone());
        }
        if self.kind != Kind::Object {
            return None;
        }
        let members = self.properties.defaults();
        self.required
            .iter()
            .all(|r| members.contains_key(r))
            .then_some(Value::Object(members))
    }

    /// The label a page shows: the title, else the name in words.
    pub fn label(&self, name: &str) -> String {
        if !self.title.is_empty() {
            return self.title.clone();
        }
        let words = name.replace(['_', '-'], " ");
        let mut chars = words.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => words,
        }
    }

    pub fn is_person(&self) -> bool {
        self.format == Some(Format::Person)
    }

    pub fn is_time_zone(&self) -> bool {
        self.format == Some(Format::TimeZone)
    }

    pub fn is_duration(&self) -> bool {
        self.format == Some(Format::DurationMinutes)
    }

    fn validate(&self, at: &str, depth: usize) -> Result<(), Mistake> {
        if depth > MAX_DEPTH {
            return Err(mistake(at, format!("nested more than {MAX_DEPTH} deep")));
        }
        let only = |on: bool, what: &str, kinds: &str| {
            if on {
                Err(mistake(format!("{at}.{what}"), format!("only for {kinds}")))
            } else {
                Ok(())
            }
        };
        let numeric = matches!(self.kind, Kind::Integer | Kind::Number);
        only(
            self.minimum.is_some() && !numeric,
            "minimum",
            "integer and number",
        )?;
        only(
            self.maximum.is_some() && !numeric,
            "maximum",
            "integer and number",
        )?;
        let string = self.kind == Kind::String;
        only(self.min_length.is_some() && !string, "min-length", "string")?;
        only(self.max_length.is_some() && !string, "max-length", "string")?;
        only(self.pattern.is_some() && !string, "pattern", "string")?;
        only(self.choices.is_some() && !string, "enum", "string")?;
        match self.format {
            Some(Format::DurationMinutes) => only(
                self.kind != Kind::Integer,
                "format",
                "integer (duration-minutes)",
            )?,
            Some(_) => only(!string, "format", "string")?,
            None => {}
        }
        let array = self.kind == Kind::Array;
        only(self.items.is_some() && !array, "items", "array")?;
        only(self.min_items.is_some() && !array, "min-items", "array")?;
        only(self.max_items.is_some() && !array, "max-items", "array")?;
        let object = self.kind == Kind::Object;
        only(
            !self.properties.is_empty() && !object,
            "properties",
            "object",
        )?;
        only(!self.required.is_empty() && !object, "required", "object")?;
        if let (Some(lo), Some(hi)) = (self.minimum, self.maximum)
            && lo > hi
        {
            return Err(mistake(at, "minimum is more than maximum"));
        }
        if let (Some(lo), Some(hi)) = (self.min_length, self.max_length)
            && lo > hi
        {
            return Err(mistake(at, "min-length is more than max-length"));
        }
        if let (Some(lo), Some(hi)) = (self.min_items, self.max_items)
            && lo > hi
        {
            return Err(mistake(at, "min-items is more than max-items"));
        }
        if let Some(p) = &self.pattern
            && let Err(e) = regex::Regex::new(p)
        {
            return Err(mistake(
                format!("{at}.pattern"),
                format!("not a regular expression: {e}"),
            ));
        }
        if let Some(choices) = &self.choices
            && choices.is_empty()
        {
            return Err(mistake(format!("{at}.enum"), "lists no values"));
        }
        match self.kind {
            Kind::Array => match &self.items {
                None => return Err(mistake(at, "a list needs `items`, what each entry is")),
                Some(items) => items.validate(&format!("{at}.items"), depth + 1)?,
            },
            Kind::Object => {
                if self.properties.is_empty() {
                    return Err(mistake(at, "an object needs `properties`"));
                }
                self.properties
                    .validate_at(&format!("{at}.properties"), depth + 1)?;
                for r in &self.required {
                    if self.properties.get(r).is_none() {
                        return Err(mistake(
                            format!("{at}.required"),
                            format!("{r:?} is not one of the properties"),
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(default) = &self.default {
            let mut people = Vec::new();
            let mut mistakes = Vec::new();
            walk(self, default, "", &mut people, &mut mistakes);
            if let Some(first) = mistakes.into_iter().next() {
                let reason = if first.path.is_empty() {
                    first.message
                } else {
                    first.to_string()
                };
                return Err(mistake(format!("{at}.default"), reason));
            }
        }
        Ok(())
    }
}

fn mistake(path: impl Into<String>, message: impl Into<String>) -> Mistake {
    Mistake {
        path: path.into(),
        message: message.into(),
    }
}

fn is_setting_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Checks saved settings against their declarations: unknown names are
/// refused, a `null` is the same as leaving the value out, defaults are
/// filled in. Every mistake is named by its path, in the declarations'
/// order.
pub fn check(
    declarations: &Declarations,
    values: &Map<String, Value>,
) -> Result<Checked, Vec<Mistake>> {
    let mut people = Vec::new();
    let mut mistakes = Vec::new();
    let values = members(declarations, &[], values, "", &mut people, &mut mistakes);
    if mistakes.is_empty() {
        Ok(Checked { values, people })
    } else {
        Err(mistakes)
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

/// An object's members: each declared one checked or defaulted, any other
/// refused.
fn members(
    declared: &Declarations,
    required: &[String],
    given: &Map<String, Value>,
    at: &str,
    people: &mut Vec<PersonRef>,
    mistakes: &mut Vec<Mistake>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, schema) in declared.iter() {
        let path = join(at, name);
        match given.get(name).filter(|v| !v.is_null()) {
            Some(v) => {
                out.insert(name.to_string(), walk(schema, v, &path, people, mistakes));
            }
            None => match schema.implied_default() {
                Some(d) => {
                    out.insert(name.to_string(), walk(schema, &d, &path, people, mistakes));
                }
                None if required.iter().any(|r| r == name) => {
                    mistakes.push(mistake(path, "required"));
                }
                None => {}
            },
        }
    }
    for name in given.keys() {
        if declared.get(name).is_none() {
            mistakes.push(mistake(join(at, name), "no such setting"));
        }
    }
    out
}

/// One value checked against its declaration; the value with its defaults.
fn walk(
    schema: &Schema,
    value: &Value,
    at: &str,
    people: &mut Vec<PersonRef>,
    mistakes: &mut Vec<Mistake>,
) -> Value {
    let wrong_type = |mistakes: &mut Vec<Mistake>| {
        let what = match schema.kind {
            Kind::String => "must be a string",
            Kind::Integer => "must be a whole number",
            Kind::Number => "must be a number",
            Kind::Boolean => "must be true or false",
            Kind::Array => "must be a list",
            Kind::Object => "must be an object",
        };
        mistakes.push(mistake(at, what));
    };
    match (schema.kind, value) {
        (Kind::String, Value::String(s)) => {
            let length = s.chars().count();
            if let Some(min) = schema.min_length
                && length < min
            {
                mistakes.push(mistake(
                    at,
                    if s.is_empty() {
                        "required".to_string()
                    } else {
                        format!("at least {min} characters")
                    },
                ));
            } else if let Some(max) = schema.max_length
                && length > max
            {
                mistakes.push(mistake(at, format!("at most {max} characters")));
            } else if let Some(choices) = &schema.choices
                && !choices.contains(s)
            {
                mistakes.push(mistake(at, format!("one of {}", choices.join(", "))));
            } else if let Some(p) = &schema.pattern
                && !regex::Regex::new(p).is_ok_and(|re| re.is_match(s))
            {
                mistakes.push(mistake(at, format!("must match {p}")));
            } else if schema.is_person() {
                people.push(PersonRef {
                    path: at.to_string(),
                    id: s.clone(),
                });
            } else if schema.is_time_zone() && !formats::time_zone::is_known(s) {
                mistakes.push(mistake(
                    at,
                    format!("{s:?} is not a time zone: choose one such as America/Toronto"),
                ));
            }
        }
        (Kind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {
            bounds(schema, n.as_f64(), at, mistakes)
        }
        // Typed in hours and minutes on the page, but not readable as such.
        (Kind::Integer, Value::String(s)) if schema.is_duration() => {
            let message = match formats::duration::parse(s) {
                Err(why) => why,
                Ok(_) => "must be a whole number of minutes".to_string(),
            };
            mistakes.push(mistake(at, message));
        }
        (Kind::Number, Value::Number(n)) => bounds(schema, n.as_f64(), at, mistakes),
        (Kind::Boolean, Value::Bool(_)) => {}
        (Kind::Array, Value::Array(entries)) => {
            if let Some(min) = schema.min_items
                && entries.len() < min
            {
                mistakes.push(mistake(at, format!("at least {min} entries")));
            }
            if let Some(max) = schema.max_items
                && entries.len() > max
            {
                mistakes.push(mistake(at, format!("at most {max} entries")));
            }
            if let Some(items) = &schema.items {
                let checked = entries
                    .iter()
                    .enumerate()
                    .map(|(i, v)| walk(items, v, &format!("{at}[{i}]"), people, mistakes))
                    .collect();
                return Value::Array(checked);
            }
        }
        (Kind::Object, Value::Object(given)) => {
            return Value::Object(members(
                &schema.properties,
                &schema.required,
                given,
                at,
                people,
                mistakes,
            ));
        }
        _ => wrong_type(mistakes),
    }
    value.clone()
}

fn bounds(schema: &Schema, n: Option<f64>, at: &str, mistakes: &mut Vec<Mistake>) {
    let Some(n) = n else { return };
    // A duration's bounds are said as it is written: `at most 2080h`.
    let shown = |bound: f64| {
        if schema.is_duration() {
            formats::duration::words(bound as i64)
        } else {
            bound.to_string()
        }
    };
    if let Some(min) = schema.minimum
        && n < min
    {
        mistakes.push(mistake(at, format!("at least {}", shown(min))));
    } else if let Some(max) = schema.maximum
        && n > max
    {
        mistakes.push(mistake(at, format!("at most {}", shown(max))));
    }
}

/// One flat value against its declaration (the reason without a path).
pub fn check_one(schema: &Schema, value: &Value) -> Result<(), Mistake> {
    let mut people = Vec::new();
    let mut mistakes = Vec::new();
    walk(schema, value, "", &mut people, &mut mistakes);
    mistakes.into_iter().next().map_or(Ok(()), Err)
}

// Declarations keep the order plugin.toml gives them (a page shows them in
// that order), and serialize as a map.

impl<'de> Deserialize<'de> for Declarations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Declarations;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Declarations, A::Error> {
                let mut all: Vec<(String, Schema)> = Vec::new();
                while let Some((name, schema)) = map.next_entry::<String, Schema>()? {
                    if all.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom(format!(
                            "{name} is declared twice"
                        )));
                    }
                    all.push((name, schema));
                }
                Ok(Declarations(all))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

impl Serialize for Declarations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(n, s)| (n, s)))
    }
}

#[cfg(test)]
mod tests;
