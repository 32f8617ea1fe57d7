//! The practice's applicants and cases as the `records` import gives them:
//! typed records whose JSON uses the names of the host's JSON API.

use serde::{Deserialize, Serialize};

use crate::wit::immcase::plugin::records::{
    Applicant as WitApplicant, Case as WitCase, Outcome as WitOutcome, Stage as WitStage,
};

/// An applicant, as [`Ctx::applicant`](crate::Ctx::applicant) reads them for
/// the caller.
///
/// The fields the caller's roles hide are empty (`None`, or an empty list)
/// and named in `hidden` by their JSON API names (`passport_number`); the
/// identity (`id`, `version`, the times) is never hidden. A call the host
/// makes on its own (an event, a timer) sees every field.
///
/// As JSON (serde) it has the JSON API's field names, with the times in
/// milliseconds since the epoch.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Applicant, Caller, Plugin, Router, testing::{RecordKind, TestHost}};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"applicants:read\"]");
/// host.add_applicant(&Applicant {
///     passport_number: Some("AB123456".into()),
///     ..Applicant::new("a1", "Ana", "Díaz")
/// });
/// host.field_rules(|caller, kind| match kind {
///     RecordKind::Applicant if !caller.can("passports.read") => vec!["passport_number"],
///     _ => vec![],
/// });
/// let clerk = Caller::person("clerk", &["applicants.read"]);
/// let ana = host.with_ctx(&clerk, |ctx| ctx.applicant("a1"))?;
/// assert_eq!(ana.display_name(), "Ana Díaz");
/// assert_eq!((ana.passport_number, ana.hidden), (None, vec!["passport_number".to_owned()]));
/// let json = serde_json::to_value(host.with_ctx(&Caller::host(), |ctx| ctx.applicant("a1"))?)?;
/// assert_eq!((&json["given_name"], &json["passport_number"]), (&"Ana".into(), &"AB123456".into()));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Applicant {
    /// The applicant's id.
    pub id: String,
    /// Starts at 1; every change adds 1.
    pub version: u64,
    /// The given name (first name).
    pub given_name: Option<String>,
    /// The family name (last name).
    pub family_name: Option<String>,
    /// Other names they are known by.
    pub other_names: Vec<String>,
    /// Email addresses, lowercase.
    pub emails: Vec<String>,
    /// Phone numbers in E.164, e.g. `+14165550100`.
    pub phones: Vec<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// As people typed it.
    pub country_of_birth: Option<String>,
    /// As people typed it.
    pub citizenship: Option<String>,
    /// As printed on the passport.
    pub passport_number: Option<String>,
    /// The country that issued the passport, as people typed it.
    pub passport_country: Option<String>,
    /// `YYYY-MM-DD`.
    pub passport_expiry: Option<String>,
    /// The postal address.
    pub address: Option<String>,
    /// As people typed it.
    pub preferred_language: Option<String>,
    /// The practice's notes on the applicant.
    pub notes: Option<String>,
    /// Milliseconds since the epoch, UTC.
    pub created_at: i64,
    /// Milliseconds since the epoch, UTC.
    pub updated_at: i64,
    /// The fields the caller may not see, by their JSON API names; each is
    /// empty here.
    pub hidden: Vec<String>,
}

impl Applicant {
    /// An applicant with these names at version 1, every other field empty
    /// (an empty name is `None`): to seed a test host, or as the base of a
    /// struct update.
    ///
    /// ```
    /// use immcase_sdk::Applicant;
    ///
    /// let ana = Applicant {
    ///     emails: vec!["ana@example.com".into()],
    ///     ..Applicant::new("a1", "Ana", "Díaz")
    /// };
    /// assert_eq!((ana.id.as_str(), ana.version), ("a1", 1));
    /// assert_eq!(ana.given_name.as_deref(), Some("Ana"));
    /// assert_eq!(Applicant::new("a2", "", "Díaz").given_name, None);
    /// ```
    pub fn new(id: &str, given_name: &str, family_name: &str) -> Applicant {
        let name = |n: &str| (!n.trim().is_empty()).then(|| n.to_owned());
        Applicant {
            id: id.to_owned(),
            version: 1,
            given_name: name(given_name),
            family_name: name(family_name),
            ..Applicant::default()
        }
    }

    /// The name as people read it, `Given Family`: the names the caller may
    /// see, so only the family name when the given name is hidden or empty,
    /// and an empty string when both are.
    ///
    /// ```
    /// use immcase_sdk::Applicant;
    ///
    /// assert_eq!(Applicant::new("a1", "Ana", "Díaz").display_name(), "Ana Díaz");
    /// let hidden = Applicant {
    ///     given_name: None,
    ///     hidden: vec!["given_name".into()],
    ///     ..Applicant::new("a1", "Ana", "Díaz")
    /// };
    /// assert_eq!(hidden.display_name(), "Díaz");
    /// assert_eq!(Applicant::new("a2", "", "").display_name(), "");
    /// ```
    pub fn display_name(&self) -> String {
        [&self.given_name, &self.family_name]
            .into_iter()
            .flatten()
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl From<WitApplicant> for Applicant {
    fn from(a: WitApplicant) -> Applicant {
        Applicant {
            id: a.id,
            version: a.version,
            given_name: a.given_name,
            family_name: a.family_name,
            other_names: a.other_names,
            emails: a.emails,
            phones: a.phones,
            date_of_birth: a.date_of_birth,
            country_of_birth: a.country_of_birth,
            citizenship: a.citizenship,
            passport_number: a.passport_number,
            passport_country: a.passport_country,
            passport_expiry: a.passport_expiry,
            address: a.address,
            preferred_language: a.preferred_language,
            notes: a.notes,
            created_at: a.created_at,
            updated_at: a.updated_at,
            hidden: a.hidden,
        }
    }
}

/// A case, as [`Ctx::case`](crate::Ctx::case) reads it for the caller: the
/// work the practice does for an applicant.
///
/// The fields the caller's roles hide are `None` and named in `hidden` by
/// their JSON API names (`responsible_user_id`); the identity (`id`,
/// `version`, `folio`, the times) is never hidden. As JSON (serde) it has
/// the JSON API's field names, the stage and outcome in lowercase
/// (`"submitted"`), and the times in milliseconds since the epoch.
///
/// ```
/// # #[cfg(feature = "testing")] {
/// # use immcase_sdk::{Case, Caller, Plugin, Router, Stage, testing::TestHost};
/// # struct Notes;
/// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
/// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nrecords = [\"cases:read\"]");
/// host.add_case(&Case {
///     applicant_id: Some("a1".into()),
///     program: Some("study_permit".into()),
///     stage: Some(Stage::Submitted),
///     ..Case::new("c1", "CAS014")
/// });
/// let case = host.with_ctx(&Caller::host(), |ctx| ctx.case("c1"))?;
/// assert_eq!((case.folio.as_str(), case.stage), ("CAS014", Some(Stage::Submitted)));
/// let json = serde_json::to_value(&case)?;
/// assert_eq!((&json["stage"], &json["applicant_id"]), (&"submitted".into(), &"a1".into()));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Case {
    /// The case's id.
    pub id: String,
    /// Starts at 1; every change adds 1.
    pub version: u64,
    /// `CAS001`, `CAS002`, ...: per practice, never reused.
    pub folio: String,
    /// The applicant the case is for.
    pub applicant_id: Option<String>,
    /// The key of one of the practice's case programs.
    pub program: Option<String>,
    /// Where the case is in its life.
    pub stage: Option<Stage>,
    /// The user id of the person responsible for it.
    pub responsible_user_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub opened_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub submitted_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub decision_on: Option<String>,
    /// `YYYY-MM-DD`; set when the case is closed.
    pub closing_date: Option<String>,
    /// How it ended; set when the case is closed.
    pub outcome: Option<Outcome>,
    /// Milliseconds since the epoch, UTC.
    pub created_at: i64,
    /// Milliseconds since the epoch, UTC.
    pub updated_at: i64,
    /// The fields the caller may not see, by their JSON API names; each is
    /// empty here.
    pub hidden: Vec<String>,
}

impl Case {
    /// A case with this folio at version 1, in the stage
    /// [`Stage::Intake`], every other field empty: to seed a test host, or
    /// as the base of a struct update.
    ///
    /// ```
    /// use immcase_sdk::{Case, Stage};
    ///
    /// let case = Case { applicant_id: Some("a1".into()), ..Case::new("c1", "CAS014") };
    /// assert_eq!((case.folio.as_str(), case.version), ("CAS014", 1));
    /// assert_eq!((case.stage, case.outcome), (Some(Stage::Intake), None));
    /// ```
    pub fn new(id: &str, folio: &str) -> Case {
        Case {
            id: id.to_owned(),
            version: 1,
            folio: folio.to_owned(),
            stage: Some(Stage::Intake),
            ..Case::default()
        }
    }
}

impl From<WitCase> for Case {
    fn from(c: WitCase) -> Case {
        Case {
            id: c.id,
            version: c.version,
            folio: c.folio,
            applicant_id: c.applicant_id,
            program: c.program,
            stage: c.stage.map(Stage::from),
            responsible_user_id: c.responsible_user_id,
            opened_on: c.opened_on,
            submitted_on: c.submitted_on,
            decision_on: c.decision_on,
            closing_date: c.closing_date,
            outcome: c.outcome.map(Outcome::from),
            created_at: c.created_at,
            updated_at: c.updated_at,
            hidden: c.hidden,
        }
    }
}

/// Where a case is in its life; in JSON, lowercase (`"intake"`).
///
/// ```
/// use immcase_sdk::Stage;
///
/// assert_eq!(serde_json::to_value(Stage::Decision)?, "decision");
/// assert_eq!(serde_json::from_value::<Stage>("closed".into())?, Stage::Closed);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Just opened: gathering what the case needs.
    Intake,
    /// The application is being prepared.
    Preparation,
    /// Submitted, waiting for a decision.
    Submitted,
    /// Decided.
    Decision,
    /// Closed, with an [`Outcome`].
    Closed,
}

impl From<WitStage> for Stage {
    fn from(stage: WitStage) -> Stage {
        match stage {
            WitStage::Intake => Stage::Intake,
            WitStage::Preparation => Stage::Preparation,
            WitStage::Submitted => Stage::Submitted,
            WitStage::Decision => Stage::Decision,
            WitStage::Closed => Stage::Closed,
        }
    }
}

/// How a closed case ended; in JSON, lowercase (`"approved"`).
///
/// ```
/// use immcase_sdk::{Case, Outcome, Stage};
///
/// let closed = Case {
///     stage: Some(Stage::Closed),
///     closing_date: Some("2026-03-02".into()),
///     outcome: Some(Outcome::Approved),
///     ..Case::new("c1", "CAS014")
/// };
/// assert_eq!(serde_json::to_value(&closed)?["outcome"], "approved");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The application was approved.
    Approved,
    /// The application was refused.
    Refused,
    /// The applicant withdrew.
    Withdrawn,
    /// It ended some other way.
    Other,
}

impl From<WitOutcome> for Outcome {
    fn from(outcome: WitOutcome) -> Outcome {
        match outcome {
            WitOutcome::Approved => Outcome::Approved,
            WitOutcome::Refused => Outcome::Refused,
            WitOutcome::Withdrawn => Outcome::Withdrawn,
            WitOutcome::Other => Outcome::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_the_api_names() {
        let ana = Applicant {
            created_at: 5,
            ..Applicant::new("a1", "Ana", "Díaz")
        };
        let json = serde_json::to_value(&ana).expect("JSON");
        assert_eq!(json["family_name"], "Díaz");
        assert_eq!(json["passport_number"], serde_json::Value::Null);
        assert_eq!(json["created_at"], 5);
        assert_eq!(json["hidden"], serde_json::json!([]));
        let back: Applicant = serde_json::from_value(json).expect("read back");
        assert_eq!(back, ana);
        let partial: Case =
            serde_json::from_value(serde_json::json!({ "id": "c1", "stage": "closed" }))
                .expect("missing fields are empty");
        assert_eq!(
            (partial.stage, partial.folio.as_str()),
            (Some(Stage::Closed), "")
        );
    }
}

/// What the host's `applicant.merged` and `applicant.unmerged` events carry:
/// the applicant `merged_id` was merged into `id` (the kept one), and
/// `applicant.unmerged` undoes merge `merge_id` (the merged applicant was
/// restored from the trash). A module subscribed to them moves what it holds
/// about `merged_id` to `id`, and back for those the merge moved.
///
/// ```
/// # use immcase_sdk::ApplicantMerge;
/// let merge: ApplicantMerge = serde_json::from_value(serde_json::json!({
///     "id": "a1", "merged_id": "a2", "merge_id": "m1", "cases": ["c7"]
/// }))?;
/// assert_eq!((merge.id.as_str(), merge.merged_id.as_str()), ("a1", "a2"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantMerge {
    /// The kept applicant.
    pub id: String,
    /// The applicant merged into it (in the trash until restored).
    pub merged_id: String,
    /// The merge, the same in both events.
    pub merge_id: String,
    /// The cases that moved (the host moves them itself).
    #[serde(default)]
    pub cases: Vec<String>,
}
