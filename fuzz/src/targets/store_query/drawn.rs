//! Sessions drawn from random bytes: a module that declares a store, its
//! index lists sometimes replaced (fields repeated, misnamed, of another
//! collection), documents whose fields hold every kind of JSON value the
//! store indexes or does not (strings with control characters and the
//! range's edge bytes, `-0.0`, integers past 2^53, `1e308`, arrays,
//! `null`), ids valid and not, updates and deletes at right and wrong
//! versions, and queries with filters, orders, page sizes and cursors,
//! some forged.

use arbitrary::{Result, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::session::word;
use immcase_host::modules::store::Op;

/// A module's store as its `plugin.toml` declares it: each collection and
/// its indexed fields.
#[derive(Debug, Clone)]
pub struct Declared {
    pub module: String,
    pub collections: Vec<(String, Vec<String>)>,
}

const FIELDS: &[&str] = &[
    "status", "priority", "due", "subject", "first", "last", "ok", "a.b", "", "Upper", "_x",
];
const IDS: &[&str] = &[
    "t1",
    "t2",
    "t3",
    "t4",
    "t5",
    "019a-7b2c",
    "a@b:c.d_e-f",
    "",
    "with space",
    "\u{fc}",
    "t1\0",
];
const VALUES: &[&str] = &[
    "\"open\"",
    "\"closed\"",
    "\"\"",
    "\"s;\"",
    "\"\\u0000\"",
    "\"\\u007f\"",
    "\"\u{e9}t\u{e9}\"",
    "\"\u{10ffff}\"",
    "0",
    "-0.0",
    "0.0",
    "1",
    "-1",
    "1.5",
    "2",
    "9007199254740993",
    "9007199254740992",
    "18446744073709551615",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "5e-324",
    "true",
    "false",
    "null",
    "[1, 2]",
    "{\"a\": 1}",
];
const LIMITS: &[u32] = &[1, 1, 2, 2, 3, 5, 50, 500, 0, 501, u32::MAX];
const OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Lt, Op::Lte, Op::Gt, Op::Gte];

/// A whole input of the `store-query` target.
pub fn session(bytes: &[u8], declared: &[Declared]) -> Vec<u8> {
    let mut u = Unstructured::new(bytes);
    let mut out = String::new();
    let _ = lines(&mut u, declared, &mut out);
    out.into_bytes()
}

fn lines(u: &mut Unstructured, declared: &[Declared], out: &mut String) -> Result<()> {
    let Some(module) = declared.get(u.choose_index(declared.len().max(1))?) else {
        return Ok(());
    };
    out.push_str(&format!("module {}\n", module.module));
    let (collection, own) = u.choose(&module.collections)?;
    let mut fields: Vec<&str> = own.iter().map(String::as_str).collect();
    fields.extend_from_slice(FIELDS);
    if u.ratio(1, 3)? {
        let mut listed = Vec::new();
        for _ in 0..u.int_in_range(0..=5)? {
            listed.push(*u.choose(&fields)?);
        }
        out.push_str(&format!("indexes {collection} {}\n", listed.join(" ")));
    }
    let named = if u.ratio(1, 12)? {
        "undeclared"
    } else {
        collection.as_str()
    };
    out.push_str(&format!("collection {named}\n"));
    for _ in 0..u.int_in_range(0..=12)? {
        let id = *u.choose(IDS)?;
        match u.int_in_range(0..=9)? {
            0 => out.push_str(&format!("delete {id} {}\n", u.int_in_range(0..=3)?)),
            1 => out.push_str(&format!("delete {id}\n")),
            2 | 3 => {
                let version = u.int_in_range(0..=3)?;
                let data = document(u, &fields)?;
                out.push_str(&format!("update {id} {version} {data}\n"));
            }
            _ => out.push_str(&format!("put {id} {}\n", document(u, &fields)?)),
        }
    }
    for _ in 0..u.int_in_range(1..=3)? {
        query(u, &fields, out)?;
    }
    Ok(())
}

/// A document's JSON text: mostly an object of drawn fields.
fn document(u: &mut Unstructured, fields: &[&str]) -> Result<String> {
    if u.ratio(1, 16)? {
        return Ok((*u.choose(&["[]", "null", "\"text\"", "{", ""])?).to_string());
    }
    let mut members = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        let field = *u.choose(fields)?;
        members.push(format!("{field:?}: {}", u.choose(VALUES)?));
    }
    Ok(format!("{{{}}}", members.join(", ")))
}

fn query(u: &mut Unstructured, fields: &[&str], out: &mut String) -> Result<()> {
    for _ in 0..u.int_in_range(0..=3)? {
        let field = *u.choose(fields)?;
        let op = word(*u.choose(OPS)?);
        let value = if u.ratio(1, 12)? {
            "not json"
        } else {
            *u.choose(VALUES)?
        };
        out.push_str(&format!("filter {field} {op} {value}\n"));
    }
    if u.ratio(1, 2)? {
        out.push_str(&format!("order {}\n", u.choose(fields)?));
    }
    if u.ratio(1, 2)? {
        out.push_str("descending\n");
    }
    out.push_str(&format!("limit {}\n", u.choose(LIMITS)?));
    if u.ratio(1, 8)? {
        out.push_str(&format!("cursor {}\n", cursor(u)?));
    }
    out.push_str("query\n");
    Ok(())
}

/// A cursor a module passes back: forged from drawn JSON, or not one.
fn cursor(u: &mut Unstructured) -> Result<String> {
    let json = match u.int_in_range(0..=5)? {
        0 => return Ok((*u.choose(&["", "!!", "e30", "bnVsbA", "AAAA"])?).to_string()),
        1 => format!("{{\"v\": null, \"id\": {:?}}}", u.choose(IDS)?),
        2 => format!(
            "{{\"v\": {:?}, \"id\": {:?}}}",
            format!("s:{}", u.choose(FIELDS)?),
            u.choose(IDS)?
        ),
        3 => "{\"id\": 1}".to_string(),
        4 => format!(
            "{{\"v\": \"\", \"id\": {:?}, \"extra\": []}}",
            u.choose(IDS)?
        ),
        _ => "[\"v\", \"id\"]".to_string(),
    };
    Ok(URL_SAFE_NO_PAD.encode(json))
}
