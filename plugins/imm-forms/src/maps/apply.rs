//! A map applied to a case: the value of every field, and why each field
//! that gets none gets none.

use std::collections::BTreeMap;

use immcase_pdf_forms::{FieldInfo, FieldValue};
use serde::{Deserialize, Serialize};

use super::check::find;
use super::{DatePart, MapField, Source, Transform};

/// What a form is filled from: the applicant's and the case's fields by
/// their names in maps, and the family's members.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub applicant: BTreeMap<String, String>,
    pub case: BTreeMap<String, String>,
    /// Each member's relationship and fields, in the order they were added.
    pub family: Vec<(String, BTreeMap<String, String>)>,
}

/// What the person filling answered, by question.
pub type Answers = BTreeMap<String, String>;

/// The values to write, and the fields left empty.
#[derive(Clone, Debug, Default)]
pub struct Filling {
    pub values: Vec<(FieldValue, usize)>,
    pub not_filled: Vec<NotFilled>,
}

/// A field the form gets no value for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotFilled {
    pub path: String,
    /// The map's line.
    pub line: usize,
    pub required: bool,
    pub reason: Reason,
}

/// Why a field was not filled. Shown to the person filling, never logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The record has no value for it (`what` names the source).
    Missing { what: String },
    /// The value is not in the form's list.
    NoCodeMatch { value: String },
    /// Longer than the form or the map allows.
    TooLong { length: usize, max: usize },
    /// Characters the form does not take.
    RefusedCharacters { characters: String },
    /// A date was expected.
    NotADate { value: String },
    /// Yes or no was expected.
    NotYesOrNo { value: String },
    /// More family members than the form has rows.
    TooManyRows { max: u32 },
    /// The form has no such field (the map was written for another edition).
    NotInForm,
}

impl Reason {
    /// The reason in words.
    pub fn said(&self) -> String {
        match self {
            Reason::Missing { what } => format!("no {what}"),
            Reason::NoCodeMatch { value } => format!("“{value}” is not in the form's list"),
            Reason::TooLong { length, max } => {
                format!("{length} characters; the form takes at most {max}")
            }
            Reason::RefusedCharacters { characters } => {
                format!("the form does not take the characters {characters}")
            }
            Reason::NotADate { value } => format!("“{value}” is not a date"),
            Reason::NotYesOrNo { value } => format!("“{value}” is not yes or no"),
            Reason::TooManyRows { max } => format!("the form has rows for {max} only"),
            Reason::NotInForm => "the form has no such field".into(),
        }
    }
}

/// Every field of `map` for `record` and `answers`, checked against the
/// form's own fields (`form`). The value comes with its map line.
pub fn values_for(
    map: &[MapField],
    form: &[FieldInfo],
    record: &Record,
    answers: &Answers,
) -> Filling {
    let mut filling = Filling::default();
    for field in map {
        let info = find(form, &field.path);
        let not_filled = |reason: Reason| NotFilled {
            path: field.path.clone(),
            line: field.line,
            required: field.required,
            reason,
        };
        let Some(info) = info else {
            filling.not_filled.push(not_filled(Reason::NotInForm));
            continue;
        };
        for (path, value, row) in sources(field, record, answers) {
            let rows = info
                .repeat_max
                .filter(|max| row.is_some_and(|row| row >= *max as usize));
            let outcome = match (rows, value) {
                (Some(max), _) => Err(Reason::TooManyRows { max }),
                (None, None) => Err(Reason::Missing {
                    what: what(&field.source),
                }),
                (None, Some(value)) => written(&value, field, info),
            };
            match outcome {
                Ok(value) => filling
                    .values
                    .push((FieldValue { path, value }, field.line)),
                Err(reason) => filling.not_filled.push(NotFilled {
                    path,
                    ..not_filled(reason)
                }),
            }
        }
    }
    filling
}

/// Each path the field fills (one per family member for a row) with its
/// value, if the record has one, and its row.
fn sources(
    field: &MapField,
    record: &Record,
    answers: &Answers,
) -> Vec<(String, Option<String>, Option<usize>)> {
    let single = |value: Option<&String>| {
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        vec![(field.path.replace("[*]", "[0]"), value, None)]
    };
    match &field.source {
        Source::Applicant { field: name } => single(record.applicant.get(name)),
        Source::Case { field: name } => single(record.case.get(name)),
        Source::Constant { value } => single(Some(value)),
        Source::Ask { question } => single(answers.get(question)),
        Source::Family {
            relationship,
            field: name,
        } => {
            let members: Vec<&BTreeMap<String, String>> = record
                .family
                .iter()
                .filter(|(r, _)| r == relationship)
                .map(|(_, fields)| fields)
                .collect();
            if !field.repeats() || members.is_empty() {
                return single(members.first().and_then(|m| m.get(name)));
            }
            members
                .iter()
                .enumerate()
                .map(|(row, member)| {
                    let value = member.get(name).map(|v| v.trim().to_owned());
                    (
                        field.path.replacen("[*]", &format!("[{row}]"), 1),
                        value.filter(|v| !v.is_empty()),
                        Some(row),
                    )
                })
                .collect()
        }
    }
}

fn what(source: &Source) -> String {
    match source {
        Source::Applicant { field } => {
            format!("applicant's {} on the record", field.replace('_', " "))
        }
        Source::Case { field } => format!("case {} on the record", field.replace('_', " ")),
        Source::Family {
            relationship,
            field,
        } => format!("{relationship}'s {} on the record", field.replace('_', " ")),
        Source::Constant { .. } => "value".into(),
        Source::Ask { question } => format!("answer to “{question}”"),
    }
}

/// The value as the form gets it, after the map's changes and the form's
/// own limits.
fn written(value: &str, field: &MapField, info: &FieldInfo) -> Result<String, Reason> {
    let mut value = value.to_owned();
    for transform in &field.transforms {
        value = match transform {
            Transform::IsoDate => iso_date(&value)?,
            Transform::DatePart { part } => {
                let date = iso_date(&value)?;
                match part {
                    DatePart::Year => date[0..4].to_owned(),
                    DatePart::Month => date[5..7].to_owned(),
                    DatePart::Day => date[8..10].to_owned(),
                }
            }
            Transform::YesNo => if yes(&value)? { "Y" } else { "N" }.to_owned(),
            Transform::OneTwo => if yes(&value)? { "1" } else { "2" }.to_owned(),
            Transform::Codes => code_for(&value, info)?,
            Transform::Upper => value.to_uppercase(),
            Transform::MaxLength { max } => {
                let length = value.chars().count();
                if length > *max {
                    return Err(Reason::TooLong { length, max: *max });
                }
                value
            }
        };
    }
    if let Some(max) = info.max_chars {
        let length = value.chars().count();
        if length > max as usize {
            return Err(Reason::TooLong {
                length,
                max: max as usize,
            });
        }
    }
    let value = plain_punctuation(&value);
    let refused: String = value.chars().filter(|c| !form_takes(*c)).collect();
    if !refused.is_empty() {
        return Err(Reason::RefusedCharacters {
            characters: refused,
        });
    }
    Ok(value)
}

/// IRCC's forms take Latin letters (with their accents), digits and the
/// usual punctuation; not other scripts, emoji or control characters.
pub fn form_takes(c: char) -> bool {
    matches!(c, '\n' | '\t') || (!c.is_control() && (c as u32) < 0x0180)
}

/// Typographic quotes, dashes and spaces as their plain forms
/// (`O’Brien` is `O'Brien`): what a word processor puts in is what the
/// form means, in characters it takes.
pub fn plain_punctuation(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' => ' ',
            c => c,
        })
        .collect()
}

/// `2024-03-09` from `2024-03-09`, `2024-3-9` or `2024/03/09`.
fn iso_date(value: &str) -> Result<String, Reason> {
    let not_a_date = || Reason::NotADate {
        value: value.to_owned(),
    };
    let parts: Vec<&str> = value.trim().split(['-', '/']).collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(not_a_date());
    };
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>())
    else {
        return Err(not_a_date());
    };
    let date = jiff::civil::Date::new(year, month, day).map_err(|_| not_a_date())?;
    Ok(date.to_string())
}

fn yes(value: &str) -> Result<bool, Reason> {
    match value.trim().to_lowercase().as_str() {
        "y" | "yes" | "true" | "1" | "oui" | "o" => Ok(true),
        "n" | "no" | "false" | "0" | "non" | "2" => Ok(false),
        _ => Err(Reason::NotYesOrNo {
            value: value.to_owned(),
        }),
    }
}

/// The code the form saves for `value`: a code of its list as it is, or the
/// code of the label that matches, whatever the case and spaces.
fn code_for(value: &str, info: &FieldInfo) -> Result<String, Reason> {
    let folded = fold(value);
    info.code_list
        .iter()
        .find(|item| item.code == value.trim())
        .or_else(|| {
            info.code_list
                .iter()
                .find(|item| fold(&item.label) == folded)
        })
        .map(|item| item.code.clone())
        .ok_or_else(|| Reason::NoCodeMatch {
            value: value.to_owned(),
        })
}

fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::parse;
    use immcase_pdf_forms::{CodeItem, FieldKind};

    fn info(path: &str, max_chars: Option<u32>, codes: &[(&str, &str)]) -> FieldInfo {
        FieldInfo {
            path: path.into(),
            kind: FieldKind::Text,
            max_chars,
            code_list: codes
                .iter()
                .map(|(code, label)| CodeItem {
                    code: (*code).into(),
                    label: (*label).into(),
                })
                .collect(),
            repeat_max: None,
            required: false,
        }
    }

    fn record() -> Record {
        let mut record = Record::default();
        for (k, v) in [
            ("family_name", "Díaz"),
            ("date_of_birth", "1990-04-07"),
            ("citizenship", "india"),
            ("passport_number", "AB1234567890123"),
            ("address", "Calle 3 — 東京"),
            ("given_name", "D’Arcy"),
        ] {
            record.applicant.insert(k.into(), v.into());
        }
        record.case.insert("folio".into(), "CAS001".into());
        for name in ["Luis", "Eva"] {
            let member = BTreeMap::from([("given_name".to_string(), name.to_string())]);
            record.family.push(("child".into(), member));
        }
        record
    }

    #[test]
    fn values_follow_the_map_and_each_empty_field_has_its_reason() {
        let form = [
            info("f.Name", None, &[]),
            info("f.Given", None, &[]),
            info("f.Year", None, &[]),
            info("f.Month", None, &[]),
            info("f.Country", None, &[("205", "India"), ("511", "Canada")]),
            info("f.Passport", Some(12), &[]),
            info("f.Address", None, &[]),
            info("f.Purpose", None, &[]),
            info("f.Previous", None, &[]),
            info("f.Child[*].Given", None, &[]),
            info("f.Spouse", None, &[]),
            info("f.Birthplace", None, &[("205", "India")]),
        ];
        let map = parse::parse(
            "f.Name <- applicant.family_name | upper | required\n\
             f.Given <- applicant.given_name\n\
             f.Year <- applicant.date_of_birth | year\n\
             f.Month <- applicant.date_of_birth | month\n\
             f.Country <- applicant.citizenship | codes\n\
             f.Passport <- applicant.passport_number\n\
             f.Address <- applicant.address\n\
             f.Purpose <- ask \"Purpose\" | required\n\
             f.Previous <- ask \"Applied before?\" | one-two\n\
             f.Child[*].Given <- family.child.given_name\n\
             f.Spouse <- family.spouse.given_name\n\
             f.Birthplace <- \"Inde\" | codes\n\
             f.Gone <- case.folio",
        )
        .unwrap();
        let answers = Answers::from([("Applied before?".to_string(), "no".to_string())]);
        let filling = values_for(&map, &form, &record(), &answers);
        let values: Vec<(&str, &str)> = filling
            .values
            .iter()
            .map(|(v, _)| (v.path.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(
            values,
            [
                ("f.Name", "DÍAZ"),
                ("f.Given", "D'Arcy"),
                ("f.Year", "1990"),
                ("f.Month", "04"),
                ("f.Country", "205"),
                ("f.Previous", "2"),
                ("f.Child[0].Given", "Luis"),
                ("f.Child[1].Given", "Eva"),
            ]
        );
        let reasons: Vec<(&str, String)> = filling
            .not_filled
            .iter()
            .map(|n| (n.path.as_str(), n.reason.said()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "f.Passport",
                    "15 characters; the form takes at most 12".to_string()
                ),
                (
                    "f.Address",
                    "the form does not take the characters 東京".to_string()
                ),
                ("f.Purpose", "no answer to “Purpose”".to_string()),
                (
                    "f.Spouse",
                    "no spouse's given name on the record".to_string()
                ),
                (
                    "f.Birthplace",
                    "“Inde” is not in the form's list".to_string()
                ),
                ("f.Gone", "the form has no such field".to_string()),
            ]
        );
        assert!(filling.not_filled[2].required);
    }

    #[test]
    fn dates_and_yes_or_no_are_read_as_people_write_them() {
        assert_eq!(iso_date("2024/3/9").unwrap(), "2024-03-09");
        assert!(iso_date("2024-02-30").is_err());
        assert!(iso_date("March").is_err());
        assert!(yes("Oui").unwrap());
        assert!(!yes(" N ").unwrap());
        assert!(yes("maybe").is_err());
    }
}
