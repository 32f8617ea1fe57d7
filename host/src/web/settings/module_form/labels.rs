//! What the page calls each input: a setting's title (or its name in
//! words), a list's rows by their item's name and number (`Category 3`),
//! and a whole path in those words for a mistake:
//! `business_hours.week.monday[0].end` is
//! "Business hours → Opening hours → Monday → Opening 1 → Closes".

use immcase_manifest::settings::{Declarations, Schema};

/// Between the parts of a path in words.
pub const ARROW: &str = " → ";

/// What one row of a list is called: its items' title, else the list's
/// name made singular (`categories` → `Category`, `members` → `Member`).
pub fn item_name(list: &Schema, name: &str) -> String {
    match &list.items {
        Some(items) if !items.title.is_empty() => items.title.clone(),
        _ => singular(name),
    }
}

/// Row `index` (from 0) as people count it: `Category 3`.
pub fn row_label(item_name: &str, index: usize) -> String {
    format!("{item_name} {}", index + 1)
}

/// `path` (`categories[2].team.members[0]`) in the labels the page shows:
/// "Categories → Category 3 → Team → Members → Member 1". A part that is
/// not declared (a name the check refused) stays as it was written.
pub fn path_in_words(declarations: &Declarations, path: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    // The schema reached so far and the name it was reached by.
    let mut at: Option<(&Schema, String)> = None;
    let mut rest = path;
    while !rest.is_empty() {
        let step;
        (step, rest) = next_step(rest);
        let found = match (step, &at) {
            (Step::Name(name), None) => declarations.get(name).map(|s| (s, name.to_string())),
            (Step::Name(name), Some((schema, _))) => {
                schema.properties.get(name).map(|s| (s, name.to_string()))
            }
            (Step::Index(i), Some((schema, name))) => schema.items.as_deref().map(|items| {
                let row = row_label(&item_name(schema, name), i);
                (items, row)
            }),
            (Step::Index(_), None) => None,
        };
        match found {
            Some((schema, name)) => {
                words.push(match step {
                    Step::Index(_) => name.clone(),
                    Step::Name(_) => schema.label(&name),
                });
                at = Some((schema, name));
            }
            None => {
                let undeclared = match step {
                    Step::Name(name) => format!("{name}{rest}"),
                    Step::Index(i) => format!("[{i}]{rest}"),
                };
                words.push(undeclared);
                break;
            }
        }
    }
    words.join(ARROW)
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    Index(usize),
}

/// The first step of a path, and what follows it.
fn next_step(path: &str) -> (Step<'_>, &str) {
    let path = path.strip_prefix('.').unwrap_or(path);
    if let Some(inside) = path.strip_prefix('[')
        && let Some((digits, rest)) = inside.split_once(']')
        && let Ok(i) = digits.parse()
    {
        return (Step::Index(i), rest);
    }
    let end = path
        .find(['.', '['])
        .filter(|&e| e > 0)
        .unwrap_or(path.len());
    let (name, rest) = path.split_at(end);
    (Step::Name(name), rest)
}

/// `categories` → `Category`, `members` → `Member`: what one row is.
pub fn singular(name: &str) -> String {
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
