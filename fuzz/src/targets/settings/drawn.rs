//! Settings declarations and values drawn from random bytes: every kind,
//! every attribute (sometimes on the wrong kind, sometimes misspelt),
//! nesting past the allowed depth, patterns that are slow or not regular
//! expressions, bounds at the float edges, and values that mostly follow
//! their declarations and sometimes do not.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Value, json};

use super::VALUES;

const KINDS: &[&str] = &[
    "string", "integer", "number", "boolean", "array", "object", "date",
];
const NAMES: &[&str] = &[
    "sla_hours",
    "categories",
    "key",
    "label",
    "time_zone",
    "owner",
    "x",
    "a-b",
    "Upper",
    "with space",
    "",
    "ünï",
    "0",
];
const PATTERNS: &[&str] = &[
    "^[a-z]+$",
    "^[A-Z]{3}[0-9]{3}$",
    "(a+)+$",
    "(a|aa)*b",
    "\\p{L}+",
    "[",
    "(?i)x",
    "a{1000}{1000}",
    "^$",
    "\\",
    "(?P<n>x)(?P<n>y)",
    "[[:alpha:]]",
];
const FORMATS: &[&str] = &["person", "time-zone", "duration-minutes", "email"];
const STRINGS: &[&str] = &[
    "",
    "a",
    "abc",
    "America/Toronto",
    "Europe/Nowhere",
    "UTC",
    "8h 30m",
    "99999999999999999999h",
    "1.5h",
    "1e400h",
    "8:30",
    "-3m",
    "ana",
    "\u{0}",
    "é漢字",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac",
];
const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    59.0,
    60.0,
    1e15,
    9.223_372_036_854_776e18,
    -9.223_372_036_854_776e18,
    1e308,
    -1e308,
    f64::MAX,
    f64::MIN_POSITIVE,
];

/// A whole input of the settings target: a manifest with drawn settings,
/// then drawn values.
pub fn settings(bytes: &[u8]) -> Vec<u8> {
    let mut u = Unstructured::new(bytes);
    let mut declared = toml::Table::new();
    let count = u.int_in_range(1..=4).unwrap_or(1);
    for _ in 0..count {
        let name = pick(&mut u, NAMES).unwrap_or("x");
        if let Ok(schema) = schema(&mut u, 0) {
            declared.insert(name.to_string(), toml::Value::Table(schema));
        }
    }
    let values = values(&mut u, &declared).unwrap_or_default();
    let mut manifest = toml::Table::new();
    for (key, value) in [
        ("id", "drawn"),
        ("name", "Drawn"),
        ("version", "0.1.0"),
        ("host-api", "^0.2"),
    ] {
        manifest.insert(key.into(), toml::Value::String(value.into()));
    }
    manifest.insert("settings".into(), toml::Value::Table(declared));
    let text = toml::to_string(&manifest).unwrap_or_default();
    format!("{text}{VALUES}{}", Value::Object(values)).into_bytes()
}

fn pick<'a>(u: &mut Unstructured, items: &[&'a str]) -> Result<&'a str> {
    u.choose(items).copied()
}

fn number(u: &mut Unstructured) -> Result<f64> {
    Ok(if u.ratio(1, 2)? {
        *u.choose(NUMBERS)?
    } else {
        f64::from(u.int_in_range(-100..=100_000)?)
    })
}

/// One declaration, nested up to a depth past the one allowed (8).
fn schema(u: &mut Unstructured, depth: usize) -> Result<toml::Table> {
    let mut s = toml::Table::new();
    let kind = if depth > 10 {
        "boolean"
    } else {
        pick(u, KINDS)?
    };
    s.insert("type".into(), kind.into());
    let drawn: [(&str, toml::Value); 9] = [
        ("minimum", number(u)?.into()),
        ("maximum", number(u)?.into()),
        ("min-length", i64::from(u.int_in_range(0..=20u8)?).into()),
        ("max-length", i64::from(u.int_in_range(0..=80u8)?).into()),
        ("pattern", pick(u, PATTERNS)?.into()),
        ("format", pick(u, FORMATS)?.into()),
        ("min-items", i64::from(u.int_in_range(0..=3u8)?).into()),
        ("max-items", i64::from(u.int_in_range(0..=5u8)?).into()),
        ("title", pick(u, STRINGS)?.into()),
    ];
    for (key, value) in drawn {
        if u.ratio(1, 4)? {
            s.insert(key.into(), value);
        }
    }
    if u.ratio(1, 6)? {
        let choices: Vec<toml::Value> = (0..u.int_in_range(0..=3)?)
            .map(|_| pick(u, STRINGS).map(toml::Value::from))
            .collect::<Result<_>>()?;
        s.insert("enum".into(), toml::Value::Array(choices));
    }
    if u.ratio(1, 20)? {
        s.insert("colour".into(), "red".into());
    }
    if (kind == "array" || u.ratio(1, 10)?) && depth <= 10 {
        s.insert("items".into(), toml::Value::Table(schema(u, depth + 1)?));
    }
    if (kind == "object" || u.ratio(1, 10)?) && depth <= 10 {
        let mut properties = toml::Table::new();
        let mut names = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            let name = pick(u, NAMES)?;
            names.push(toml::Value::from(name));
            properties.insert(name.into(), toml::Value::Table(schema(u, depth + 1)?));
        }
        s.insert("properties".into(), toml::Value::Table(properties));
        if u.ratio(1, 2)? {
            names.push(pick(u, NAMES)?.into());
            names.retain(|_| u.ratio(2, 3).unwrap_or(true));
            s.insert("required".into(), toml::Value::Array(names));
        }
    }
    if u.ratio(1, 3)? {
        let default = value_for(u, &s, depth)?;
        if let Ok(default) = toml::Value::try_from(default) {
            s.insert("default".into(), default);
        }
    }
    Ok(s)
}

/// Values for every declared setting (some left out, some unknown).
fn values(u: &mut Unstructured, declared: &toml::Table) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (name, schema) in declared {
        if u.ratio(3, 4)?
            && let Some(schema) = schema.as_table()
        {
            out.insert(name.clone(), value_for(u, schema, 0)?);
        }
    }
    if u.ratio(1, 8)? {
        out.insert(pick(u, NAMES)?.into(), Value::Null);
    }
    Ok(out)
}

/// A value that usually has the declaration's kind, and sometimes not.
fn value_for(u: &mut Unstructured, schema: &toml::Table, depth: usize) -> Result<Value> {
    let kind = schema.get("type").and_then(toml::Value::as_str);
    let kind = if u.ratio(1, 8)? {
        pick(u, KINDS)?
    } else {
        kind.unwrap_or("string")
    };
    Ok(match kind {
        "string" => json!(pick(u, STRINGS)?),
        "integer" => json!(u.int_in_range(-1_000_000i64..=i64::MAX)? >> u.int_in_range(0..=62)?),
        "number" => json!(number(u)?),
        "boolean" => json!(u.arbitrary::<bool>()?),
        "array" if depth < 12 => {
            let items = schema.get("items").and_then(toml::Value::as_table);
            let empty = toml::Table::new();
            let n = u.int_in_range(0..=4)?;
            let entries = (0..n)
                .map(|_| value_for(u, items.unwrap_or(&empty), depth + 1))
                .collect::<Result<Vec<_>>>()?;
            Value::Array(entries)
        }
        "object" if depth < 12 => {
            let mut out = Map::new();
            if let Some(properties) = schema.get("properties").and_then(toml::Value::as_table) {
                for (name, member) in properties {
                    if u.ratio(4, 5)?
                        && let Some(member) = member.as_table()
                    {
                        out.insert(name.clone(), value_for(u, member, depth + 1)?);
                    }
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    })
}
