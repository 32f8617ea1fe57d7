//! An applicant's family members, for the rows of IRCC's family sections
//! (IMM 5645's parents, spouse, children and siblings; IMM 5257's spouse).
//! Kept per applicant; read by whoever may read the applicant, changed by
//! whoever may change applicants.

use std::collections::BTreeMap;

use immcase_sdk::{Collection, Ctx, Error, Request, Response, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::maps::{MEMBER_FIELDS, RELATIONSHIPS};
use crate::pages;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Family {
    pub members: Vec<Member>,
}

/// One family member, with the fields a map may name
/// ([`MEMBER_FIELDS`]), as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub relationship: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub country_of_birth: String,
    #[serde(default)]
    pub marital_status: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    pub accompanying: String,
}

impl Member {
    /// The fields by their names in maps.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let values = [
            &self.family_name,
            &self.given_name,
            &self.date_of_birth,
            &self.country_of_birth,
            &self.marital_status,
            &self.address,
            &self.occupation,
            &self.accompanying,
        ];
        MEMBER_FIELDS
            .iter()
            .zip(values)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|((key, _), v)| ((*key).to_owned(), v.trim().to_owned()))
            .collect()
    }

    pub fn name(&self) -> String {
        format!("{} {}", self.given_name.trim(), self.family_name.trim())
            .trim()
            .to_owned()
    }
}

/// At most this many members per applicant.
pub const MAX_MEMBERS: usize = 40;

fn families(ctx: &Ctx) -> Collection<Family> {
    ctx.collection("family")
}

/// The applicant's family and its version (0: none kept yet), after
/// checking the caller may read the applicant.
pub fn of(ctx: &Ctx, applicant_id: &str) -> Result<(Family, u64)> {
    ctx.applicant(applicant_id)?;
    Ok(families(ctx)
        .get(applicant_id)?
        .map(|doc| (doc.data, doc.version))
        .unwrap_or_default())
}

/// `GET /family/:id`: the applicant's family (JSON), or its tab.
pub fn show(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    let (family, version) = of(ctx, id)?;
    if request.is_page() {
        return pages::family::page(ctx, &request, id, &family, version, None);
    }
    Ok(Response::json(
        &json!({ "members": family.members, "version": version }),
    ))
}

#[derive(Clone, Debug, Default, Deserialize)]
struct FamilyChange {
    members: Vec<Member>,
    version: u64,
}

/// A page's post: a member to add, or the row of one to remove.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(flatten)]
    pub member: Member,
    pub remove: Option<usize>,
    #[serde(default)]
    pub version: u64,
}

/// `PUT /family/:id` `{members, version}`, or the tab's form (add one
/// member, or remove one).
pub fn save(ctx: &Ctx, request: Request) -> Result<Response> {
    let id = request.require_param("id")?;
    if !ctx.caller().can("applicants.write") {
        return Err(Error::Forbidden(
            "changing an applicant's family needs applicants.write".into(),
        ));
    }
    let (family, version) = of(ctx, id)?;
    if request.is_page() {
        let form: MemberForm = request.form()?;
        let mut members = family.members.clone();
        match form.remove {
            Some(row) if row < members.len() => {
                members.remove(row);
            }
            Some(_) => {}
            None => members.push(form.member.clone()),
        }
        return match store(ctx, id, members, form.version, version) {
            Ok(_) => Ok(
                Response::redirect(&format!("/applicants/{id}?tab=imm-forms#tab")).flash(
                    if form.remove.is_some() {
                        "Family member removed."
                    } else {
                        "Family member added."
                    },
                ),
            ),
            Err(error) if matches!(error.status(), 409 | 422) => pages::family::page(
                ctx,
                &request,
                id,
                &family,
                version,
                Some((&form.member, &error)),
            ),
            Err(error) => Err(error),
        };
    }
    let change: FamilyChange = request.json()?;
    let (family, version) = store(ctx, id, change.members, change.version, version)?;
    Ok(Response::json(
        &json!({ "members": family.members, "version": version }),
    ))
}

fn store(
    ctx: &Ctx,
    id: &str,
    members: Vec<Member>,
    seen: u64,
    version: u64,
) -> Result<(Family, u64)> {
    if seen != version {
        return Err(Error::Conflict(
            "the family was changed since you opened it: look again".into(),
        ));
    }
    let members = check(members)?;
    let family = Family { members };
    let doc = if version == 0 {
        families(ctx).insert(id, &family)?
    } else {
        families(ctx).update(id, &family, version)?
    };
    Ok((doc.data, doc.version))
}

/// The members trimmed, each checked.
pub fn check(members: Vec<Member>) -> Result<Vec<Member>> {
    if members.len() > MAX_MEMBERS {
        return Err(Error::invalid_field(
            "members",
            &format!("at most {MAX_MEMBERS}"),
        ));
    }
    let mut problems = Vec::new();
    let mut kept = Vec::new();
    for (row, mut member) in members.into_iter().enumerate() {
        for value in [
            &mut member.relationship,
            &mut member.family_name,
            &mut member.given_name,
            &mut member.date_of_birth,
            &mut member.country_of_birth,
            &mut member.marital_status,
            &mut member.address,
            &mut member.occupation,
            &mut member.accompanying,
        ] {
            *value = value.trim().to_owned();
            if value.chars().count() > 200 {
                problems.push((
                    format!("members[{row}]"),
                    "each field is at most 200 characters".to_string(),
                ));
            }
        }
        if !RELATIONSHIPS
            .iter()
            .any(|(key, _)| *key == member.relationship)
        {
            let keys: Vec<&str> = RELATIONSHIPS.iter().map(|(k, _)| *k).collect();
            problems.push((
                format!("members[{row}].relationship"),
                format!("one of {}", keys.join(", ")),
            ));
        }
        if member.family_name.is_empty() && member.given_name.is_empty() {
            problems.push((
                format!("members[{row}].given_name"),
                "a name is required".to_string(),
            ));
        }
        if !member.date_of_birth.is_empty()
            && jiff::civil::Date::strptime("%Y-%m-%d", &member.date_of_birth).is_err()
        {
            problems.push((
                format!("members[{row}].date_of_birth"),
                "a date, YYYY-MM-DD".to_string(),
            ));
        }
        kept.push(member);
    }
    if !problems.is_empty() {
        return Err(Error::invalid_fields(problems));
    }
    Ok(kept)
}
