//! Field maps: for each field of an edition, where its value comes from and
//! how it is written.
//!
//! A map is text an administrator can read and edit, one field per line:
//!
//! ```text
//! # IMM 5257: personal details
//! form1.Page1.PersonalDetails.Name.FamilyName <- applicant.family_name | upper | required
//! form1.Page1.PersonalDetails.DOBYear         <- applicant.date_of_birth | year
//! form1.Page1.PersonalDetails.Sex             <- ask "Sex (F, M, U or X)" | codes
//! form1.Page2.Family.Child[*].GivenName       <- family.child.given_name
//! form1.Page1.Language                        <- "English"
//! ```
//!
//! On the left the field: its XFA data path from the data root (`[*]` marks
//! a repeating row, filled once per family member), or an AcroForm field's
//! full name. On the right its [`Source`], then [`Transform`]s applied in
//! order, and `required` when the form cannot go without it.

mod apply;
pub mod check;
mod parse;
pub mod shipped;
pub mod store;
mod suggest;

pub use apply::{Answers, Filling, NotFilled, Reason, Record, values_for};
pub use check::check;
pub use parse::parse;
pub use suggest::{Suggestion, suggest};

use serde::{Deserialize, Serialize};

/// One line of a map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapField {
    /// The line it was read from (1-based).
    pub line: usize,
    /// The field's data path; `[*]` where rows repeat.
    pub path: String,
    pub source: Source,
    pub transforms: Vec<Transform>,
    pub required: bool,
}

impl MapField {
    /// Whether the field is a repeating row's (filled once per member).
    pub fn repeats(&self) -> bool {
        self.path.contains("[*]")
    }
}

/// Where a field's value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A field of the case's applicant (`applicant.family_name`).
    Applicant { field: String },
    /// A field of the case (`case.folio`).
    Case { field: String },
    /// A field of each family member with this relationship, one row each
    /// (`family.child.given_name`).
    Family { relationship: String, field: String },
    /// The same text on every form (`"English"`).
    Constant { value: String },
    /// Asked of the person filling (`ask "Purpose of visit"`).
    Ask { question: String },
}

impl Source {
    /// As written in a map.
    pub fn written(&self) -> String {
        match self {
            Source::Applicant { field } => format!("applicant.{field}"),
            Source::Case { field } => format!("case.{field}"),
            Source::Family {
                relationship,
                field,
            } => format!("family.{relationship}.{field}"),
            Source::Constant { value } => quoted(value),
            Source::Ask { question } => format!("ask {}", quoted(question)),
        }
    }
}

/// How a value is written into the form, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    /// A date as `YYYY-MM-DD` (from `2024-03-09`, `2024/3/9` or `9 March 2024`…).
    IsoDate,
    /// One part of a date: `year` (`2024`), `month` (`03`), `day` (`09`).
    DatePart {
        part: DatePart,
    },
    /// `Y` or `N`.
    YesNo,
    /// `1` (yes) or `2` (no), as IRCC's radio buttons save them.
    OneTwo,
    /// The code the form saves for the text (`India` → `205`), from the
    /// form's own code list for the field.
    Codes,
    Upper,
    /// At most this many characters: longer is not filled.
    MaxLength {
        max: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    Year,
    Month,
    Day,
}

impl Transform {
    /// As written in a map.
    pub fn written(&self) -> String {
        match self {
            Transform::IsoDate => "date".into(),
            Transform::DatePart { part } => match part {
                DatePart::Year => "year",
                DatePart::Month => "month",
                DatePart::Day => "day",
            }
            .into(),
            Transform::YesNo => "yes-no".into(),
            Transform::OneTwo => "one-two".into(),
            Transform::Codes => "codes".into(),
            Transform::Upper => "upper".into(),
            Transform::MaxLength { max } => format!("max {max}"),
        }
    }
}

/// A map's mistake, on its line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MapProblem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for MapProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The map's line for `field`, as [`parse`] reads it back.
pub fn line_of(field: &MapField) -> String {
    let mut line = format!("{} <- {}", field.path, field.source.written());
    for transform in &field.transforms {
        line.push_str(" | ");
        line.push_str(&transform.written());
    }
    if field.required {
        line.push_str(" | required");
    }
    line
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The applicant's fields a map may name, with what they are.
pub const APPLICANT_FIELDS: &[(&str, &str)] = &[
    ("family_name", "Family name"),
    ("given_name", "Given name"),
    ("full_name", "Given and family name"),
    ("other_names", "Other names used"),
    ("date_of_birth", "Date of birth"),
    ("country_of_birth", "Country of birth"),
    ("citizenship", "Citizenship"),
    ("passport_number", "Passport number"),
    ("passport_country", "Passport country"),
    ("passport_expiry", "Passport expiry"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("address", "Address"),
    ("preferred_language", "Preferred language"),
];

/// The case's fields a map may name.
pub const CASE_FIELDS: &[(&str, &str)] = &[
    ("folio", "Folio"),
    ("program", "Program"),
    ("opened_on", "Opened on"),
    ("submitted_on", "Submitted on"),
];

/// The relationships a family member may have.
pub const RELATIONSHIPS: &[(&str, &str)] = &[
    ("spouse", "Spouse or common-law partner"),
    ("mother", "Mother"),
    ("father", "Father"),
    ("child", "Child"),
    ("sibling", "Brother or sister"),
];

/// A family member's fields a map may name.
pub const MEMBER_FIELDS: &[(&str, &str)] = &[
    ("family_name", "Family name"),
    ("given_name", "Given name"),
    ("date_of_birth", "Date of birth"),
    ("country_of_birth", "Country of birth"),
    ("marital_status", "Marital status"),
    ("address", "Address"),
    ("occupation", "Occupation"),
    ("accompanying", "Coming to Canada (yes or no)"),
];
