//! What a case program is, and the programs a new practice starts with.

use serde::Serialize;
use utoipa::ToSchema;

/// What a new practice starts with: key and label.
pub const DEFAULT_PROGRAMS: &[(&str, &str)] = &[
    ("study_permit", "Study permit"),
    ("work_permit", "Work permit"),
    ("visitor_visa", "Visitor visa"),
    ("express_entry", "Express Entry"),
    ("family_sponsorship", "Family sponsorship"),
    ("citizenship", "Citizenship"),
    ("other", "Other"),
];

#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
pub struct CaseProgram {
    /// What a case stores in `program`, e.g. `study_permit`; never changes.
    pub key: String,
    /// What people read, e.g. `Study permit`.
    pub label: String,
    /// Only active programs can be given to a case.
    pub active: bool,
    /// Cases that have this program (those in the trash included).
    pub cases: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}
