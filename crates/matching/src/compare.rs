//! Comparing two applicants: what they have in common, and whether that is
//! enough to show them to a person as possibly the same client.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::contacts::{normalize_email, normalize_passport};
use super::name_match::{NameMatch, name_match};
use super::names::{name_keys, name_tokens};

/// What duplicate detection looks at in an applicant's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    pub given_name: String,
    pub family_name: String,
    /// Middle names, maiden names, aliases.
    pub other_names: Vec<String>,
    /// As typed; compared after [`normalize_email`].
    pub emails: Vec<String>,
    /// In E.164 form, as [`super::normalize_phone`] returns them.
    pub phones: Vec<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// As typed; compared after [`normalize_passport`].
    pub passport_number: Option<String>,
}

impl Probe {
    /// The folded tokens of all the applicant's names (see [`name_tokens`]).
    pub fn name_tokens(&self) -> Vec<String> {
        name_tokens(&self.given_name, &self.family_name, &self.other_names)
    }

    /// The blocking keys of the applicant's names (see [`name_keys`]).
    pub fn name_keys(&self) -> Vec<String> {
        name_keys(&self.name_tokens())
    }
}

/// One thing two applicants have in common, with what a person needs to see
/// to judge it. Serialised tagged by `kind`, e.g.
/// `{"kind": "email", "value": "jose@example.com"}` or
/// `{"kind": "name", "how": "transposed"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The same passport number (letters and digits, any case).
    Passport {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        value: String,
    },
    /// The same email address, ignoring case.
    Email {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        value: String,
    },
    /// The same phone number in E.164 form.
    Phone {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        value: String,
    },
    /// Names that look like the same person's.
    Name { how: NameMatch },
    /// The same date of birth.
    DateOfBirth {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        value: String,
    },
}

impl Reason {
    /// The applicant field the reason is about.
    pub fn field(&self) -> &'static str {
        match self {
            Reason::Passport { .. } => "passport_number",
            Reason::Email { .. } => "emails",
            Reason::Phone { .. } => "phones",
            Reason::Name { .. } => "given_name",
            Reason::DateOfBirth { .. } => "date_of_birth",
        }
    }

    /// The reason without the matched value when `hidden` says its field
    /// is hidden from the reader (the kind still says what matched).
    pub fn without_value_if(mut self, hidden: impl Fn(&str) -> bool) -> Reason {
        if hidden(self.field()) {
            match &mut self {
                Reason::Passport { value }
                | Reason::Email { value }
                | Reason::Phone { value }
                | Reason::DateOfBirth { value } => value.clear(),
                Reason::Name { .. } => {}
            }
        }
        self
    }
}

/// What `new` and `existing` have in common, strongest first: passport,
/// emails, phones, name, date of birth. Empty values never match.
pub fn reasons(new: &Probe, existing: &Probe) -> Vec<Reason> {
    let mut found = Vec::new();
    let passport = |probe: &Probe| probe.passport_number.as_deref().map(normalize_passport);
    if let (Some(a), Some(b)) = (passport(new), passport(existing))
        && !a.is_empty()
        && a == b
    {
        found.push(Reason::Passport { value: a });
    }
    for value in shared(&new.emails, &existing.emails, normalize_email) {
        found.push(Reason::Email { value });
    }
    for value in shared(&new.phones, &existing.phones, |p| p.trim().to_owned()) {
        found.push(Reason::Phone { value });
    }
    if let Some(how) = name_match(new, existing) {
        found.push(Reason::Name { how });
    }
    if let (Some(a), Some(b)) = (birth(new), birth(existing))
        && !a.is_empty()
        && a == b
    {
        found.push(Reason::DateOfBirth {
            value: a.to_owned(),
        });
    }
    found
}

fn birth(probe: &Probe) -> Option<&str> {
    probe.date_of_birth.as_deref().map(str::trim)
}

/// Whether the reasons are enough to show the two applicants to a person as
/// possibly the same client: a shared passport, email or phone, or alike
/// names. A date of birth on its own is not enough, since many people share
/// one; it is still reported beside a name, where it makes the case stronger.
pub fn is_candidate(reasons: &[Reason]) -> bool {
    reasons.iter().any(|reason| match reason {
        Reason::Passport { .. }
        | Reason::Email { .. }
        | Reason::Phone { .. }
        | Reason::Name { .. } => true,
        Reason::DateOfBirth { .. } => false,
    })
}

/// The values, once normalised, found in both lists; sorted, without repeats
/// or empty values.
fn shared(a: &[String], b: &[String], normalize: impl Fn(&str) -> String) -> Vec<String> {
    let set = |values: &[String]| -> BTreeSet<String> {
        values
            .iter()
            .map(|v| normalize(v))
            .filter(|v| !v.is_empty())
            .collect()
    };
    set(a).intersection(&set(b)).cloned().collect()
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn hidden_values_are_left_out_but_the_kind_stays() {
        let reason = Reason::Passport {
            value: "AB123456".into(),
        };
        let shown = reason.clone().without_value_if(|f| f == "notes");
        assert_eq!(
            serde_json::to_value(&shown).unwrap(),
            serde_json::json!({ "kind": "passport", "value": "AB123456" })
        );
        let hidden = reason.without_value_if(|f| f == "passport_number");
        assert_eq!(
            serde_json::to_value(&hidden).unwrap(),
            serde_json::json!({ "kind": "passport" })
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(given: &str, family: &str) -> Probe {
        Probe {
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            ..Probe::default()
        }
    }

    #[test]
    fn different_people_do_not_match() {
        let jose = named("José", "Pérez");
        assert!(reasons(&jose, &named("Maria", "Smith")).is_empty());
        assert!(reasons(&jose, &named("José", "Gómez")).is_empty());
        // One shared given name is not enough.
        assert!(reasons(&named("José", ""), &named("José", "Pérez")).is_empty());
        assert!(reasons(&named("", ""), &named("", "")).is_empty());
    }

    #[test]
    fn emails_match_ignoring_case_and_spaces() {
        let a = Probe {
            emails: vec![
                " Jose.Perez@Example.com".to_owned(),
                "other@example.com".to_owned(),
            ],
            ..named("José", "Pérez")
        };
        let b = Probe {
            emails: vec!["jose.perez@example.COM".to_owned(), String::new()],
            ..named("Maria", "Smith")
        };
        let found = reasons(&a, &b);
        assert_eq!(
            found,
            vec![Reason::Email {
                value: "jose.perez@example.com".to_owned()
            }]
        );
        assert!(is_candidate(&found));
    }

    #[test]
    fn phones_match_on_their_e164_form() {
        let phone = |typed: &str| crate::normalize_phone(typed, "CA").expect(typed);
        let a = Probe {
            phones: vec![phone("(416) 555-0100")],
            ..Probe::default()
        };
        let b = Probe {
            phones: vec![phone("416.555.0100"), phone("+1 416-555-0199")],
            ..Probe::default()
        };
        let found = reasons(&a, &b);
        assert_eq!(
            found,
            vec![Reason::Phone {
                value: "+14165550100".to_owned()
            }]
        );
        assert!(is_candidate(&found));
    }

    #[test]
    fn passports_match_after_normalising_and_never_when_empty() {
        let passport = |number: &str| Probe {
            passport_number: Some(number.to_owned()),
            ..Probe::default()
        };
        let found = reasons(&passport("ab 123-456"), &passport("AB123456"));
        assert_eq!(
            found,
            vec![Reason::Passport {
                value: "AB123456".to_owned()
            }]
        );
        assert!(is_candidate(&found));
        assert!(reasons(&passport(" - "), &passport("")).is_empty());
        assert!(reasons(&passport("AB123456"), &passport("AB123457")).is_empty());
    }

    #[test]
    fn a_date_of_birth_alone_is_not_a_candidate() {
        let born = |given: &str, family: &str| Probe {
            date_of_birth: Some("1990-04-01".to_owned()),
            ..named(given, family)
        };
        let found = reasons(&born("José", "Pérez"), &born("Maria", "Smith"));
        let dob = Reason::DateOfBirth {
            value: "1990-04-01".to_owned(),
        };
        assert_eq!(found, vec![dob.clone()]);
        assert!(!is_candidate(&found));

        let with_name = reasons(&born("José", "Pérez"), &born("Jose", "Perez"));
        let same = Reason::Name {
            how: NameMatch::Same,
        };
        assert_eq!(with_name, vec![same, dob]);
        assert!(is_candidate(&with_name));
        assert!(!is_candidate(&[]));
    }

    #[test]
    fn reasons_serialise_tagged_by_kind() {
        let json = |reason: Reason| serde_json::to_value(reason).expect("serialises");
        assert_eq!(
            json(Reason::DateOfBirth {
                value: "1990-04-01".to_owned()
            }),
            serde_json::json!({"kind": "date_of_birth", "value": "1990-04-01"})
        );
        assert_eq!(
            json(Reason::Name {
                how: NameMatch::Transposed
            }),
            serde_json::json!({"kind": "name", "how": "transposed"})
        );
        let back: Reason =
            serde_json::from_value(serde_json::json!({"kind": "email", "value": "a@b.c"}))
                .expect("deserialises");
        assert_eq!(
            back,
            Reason::Email {
                value: "a@b.c".to_owned()
            }
        );
    }

    #[test]
    fn probe_keys_come_from_all_its_names() {
        let mut jose = named("José", "Pérez");
        jose.other_names = vec!["Li".to_owned()];
        assert_eq!(jose.name_tokens(), vec!["jose", "li", "perez"]);
        let keys = jose.name_keys();
        assert!(keys.contains(&"li".to_owned()));
        assert!(keys.contains(&"pere".to_owned()));
        let peres = named("Jose", "Peres").name_keys();
        assert!(keys.iter().any(|k| peres.contains(k)));
    }
}
