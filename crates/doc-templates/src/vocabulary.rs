//! The tokens a template may use.

/// The standard tokens and their sample values, in the order they are listed
/// to administrators. This is the one place the list is kept.
const STANDARD: &[(&str, &str)] = &[
    ("applicant.given_name", "Amara"),
    ("applicant.family_name", "Okafor-Lindqvist"),
    ("applicant.full_name", "Amara Okafor-Lindqvist"),
    ("applicant.date_of_birth", "1991-04-17"),
    ("applicant.country_of_birth", "Nigeria"),
    ("applicant.citizenship", "Nigeria"),
    ("applicant.passport_number", "A12345678"),
    ("applicant.passport_country", "Nigeria"),
    ("applicant.passport_expiry", "2031-09-30"),
    ("applicant.email", "amara.okafor@example.com"),
    ("applicant.phone", "+1 416 555 0142"),
    (
        "applicant.address",
        "1200 Bay Street, Apt 804\nToronto ON M5R 2A5\nCanada",
    ),
    ("applicant.preferred_language", "English"),
    ("case.folio", "2026-0142"),
    ("case.program", "Express Entry (Canadian Experience Class)"),
    ("case.stage", "Document collection"),
    ("case.opened_on", "2026-03-02"),
    ("case.submitted_on", "2026-05-18"),
    ("case.decision_on", "2026-11-04"),
    ("case.responsible_name", "Jean-Luc Tremblay"),
    ("practice.name", "Northbridge Immigration Consulting"),
    (
        "practice.address",
        "480 University Avenue, Suite 1500\nToronto ON M5G 1V2",
    ),
    ("practice.phone", "+1 416 555 0100"),
    ("practice.email", "office@northbridge.example"),
    ("practice.website", "northbridge.example"),
    ("user.name", "Priya Raman"),
    ("user.email", "priya.raman@northbridge.example"),
    ("today", "2026-06-01"),
];

/// The tokens a template may use, each with a sample value used to check and
/// preview it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    /// Token name and sample value, in the order given.
    entries: Vec<(String, String)>,
}

impl Vocabulary {
    /// The tokens every practice has: the applicant, the case, the practice,
    /// the user generating the document, and `today`.
    pub fn standard() -> Vocabulary {
        Vocabulary {
            entries: STANDARD
                .iter()
                .map(|(name, sample)| ((*name).to_owned(), (*sample).to_owned()))
                .collect(),
        }
    }

    /// A vocabulary with no tokens.
    pub fn empty() -> Vocabulary {
        Vocabulary {
            entries: Vec::new(),
        }
    }

    /// The token names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// The sample value of a token, if it is in the vocabulary.
    pub fn sample(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, sample)| sample.as_str())
    }

    /// This vocabulary with one more token (or a new sample for a known one).
    pub fn with(mut self, name: impl Into<String>, sample: impl Into<String>) -> Vocabulary {
        let name = name.into();
        let sample = sample.into();
        match self.entries.iter_mut().find(|(known, _)| *known == name) {
            Some(entry) => entry.1 = sample,
            None => self.entries.push((name, sample)),
        }
        self
    }
}

impl Default for Vocabulary {
    fn default() -> Vocabulary {
        Vocabulary::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::is_name;

    #[test]
    fn standard_names_are_well_formed_and_have_samples() {
        let vocabulary = Vocabulary::standard();
        for name in vocabulary.names() {
            assert!(is_name(name), "{name}");
            assert!(!vocabulary.sample(name).unwrap_or_default().is_empty());
        }
        assert_eq!(vocabulary.names().count(), 28);
    }

    #[test]
    fn with_adds_or_replaces() {
        let vocabulary = Vocabulary::standard()
            .with("case.fee", "CAD 3,500")
            .with("today", "2027-01-01");
        assert_eq!(vocabulary.sample("case.fee"), Some("CAD 3,500"));
        assert_eq!(vocabulary.sample("today"), Some("2027-01-01"));
        assert_eq!(vocabulary.names().count(), 29);
    }
}
