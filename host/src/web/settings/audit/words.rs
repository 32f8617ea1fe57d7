//! An audit entry in the practice's words: "Ana Ruiz moved applicant Ana
//! García to the trash", "Lee Park downloaded passport.pdf of case CAS014".
//! People, roles, modules and records are named as they are now when they
//! still exist, and as the entry stored them otherwise. Plain functions of
//! the entry and the names looked up for its page.

use std::collections::HashMap;

use serde_json::Value;

use crate::audit::AuditRow;
use crate::records::audited;

/// The names a page of entries needs, looked up once for the page.
#[derive(Default)]
pub struct Names {
    /// People by user id.
    pub people: HashMap<String, String>,
    /// Roles by id.
    pub roles: HashMap<String, String>,
    /// Modules by id.
    pub modules: HashMap<String, String>,
    pub records: audited::Names,
}

/// A piece of a sentence: words, or a name (shown strong), perhaps a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub name: bool,
    pub href: Option<String>,
}

fn words(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        name: false,
        href: None,
    }
}

fn name(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        name: true,
        href: None,
    }
}

/// The actions the filter offers, in groups, each with its words (the log
/// may hold others, from modules).
pub const ACTIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "Applicants and cases",
        &[
            ("applicant.created", "Applicant added"),
            ("applicant.updated", "Applicant changed"),
            ("applicant.deleted", "Applicant moved to the trash"),
            ("applicant.restored", "Applicant restored"),
            ("applicant.purged", "Applicant deleted for good"),
            ("applicant.merged", "Applicants merged"),
            ("applicant.unmerged", "Merge of applicants undone"),
            ("case.created", "Case opened"),
            ("case.updated", "Case changed"),
            ("case.deleted", "Case moved to the trash"),
            ("case.restored", "Case restored"),
            ("case.purged", "Case deleted for good"),
        ],
    ),
    (
        "Files",
        &[
            ("file.uploaded", "File uploaded"),
            ("file.downloaded", "File downloaded or viewed"),
            ("file.deleted", "File moved to the trash"),
            ("file.moved", "File renamed or moved"),
            ("file.restored", "File restored"),
            ("file.purged", "File deleted for good"),
        ],
    ),
    (
        "Signing in",
        &[
            ("auth.sign_in", "Signed in"),
            ("auth.sign_in_failed", "Sign-in failed"),
            (
                "auth.sign_in_throttled",
                "Sign-in refused after too many attempts",
            ),
            ("auth.sign_out", "Signed out"),
            ("auth.password_changed", "Password changed"),
            ("auth.password_reset_requested", "Password reset asked for"),
            ("auth.password_reset", "Password reset"),
        ],
    ),
    (
        "People and roles",
        &[
            ("user.created", "Person added"),
            ("user.invitation_resent", "Invitation sent again"),
            ("user.updated", "Person's account changed"),
            ("user.profile_updated", "Own profile changed"),
            ("user.disabled", "Person disabled"),
            ("user.enabled", "Person enabled again"),
            ("role.created", "Role created"),
            ("role.updated", "Role changed"),
            ("role.deleted", "Role deleted"),
        ],
    ),
    (
        "Practice and modules",
        &[
            ("practice.created", "Practice created"),
            ("practice.updated", "Practice details changed"),
            ("practice.logo_saved", "Practice logo uploaded"),
            ("practice.logo_removed", "Practice logo removed"),
            ("search.settings_updated", "Searchable fields changed"),
            ("case_program.created", "Case program added"),
            ("case_program.updated", "Case program changed"),
            ("case_program.deleted", "Case program removed"),
            ("module.enabled", "Module switched on"),
            ("module.disabled", "Module switched off"),
            ("module.settings_changed", "Module settings changed"),
            (
                "module.settings_carried_over",
                "Module settings carried over",
            ),
        ],
    ),
    (
        "Refusals",
        &[
            ("access.denied", "Refused for want of a permission"),
            ("access.csrf_refused", "Form refused: no valid token"),
        ],
    ),
];

/// The words of an action, if it is one the filter offers.
pub fn action_words(action: &str) -> Option<&'static str> {
    ACTIONS
        .iter()
        .flat_map(|(_, actions)| actions.iter())
        .find(|(a, _)| *a == action)
        .map(|(_, w)| *w)
}

/// The id after `kind:` in a target such as `user:{id}`.
fn target_id<'a>(row: &'a AuditRow, kind: &str) -> Option<&'a str> {
    row.target.as_deref()?.strip_prefix(kind)?.strip_prefix(':')
}

fn detail<'a>(row: &'a AuditRow, key: &str) -> Option<&'a str> {
    row.details.get(key)?.as_str().filter(|s| !s.is_empty())
}

impl Names {
    /// Who did it: the person as named now; an email for an attempt; the
    /// command line, a module acting alone, or ImmCase itself.
    fn who(&self, row: &AuditRow) -> Part {
        if let Some(id) = &row.actor_user_id {
            return match self.people.get(id) {
                Some(person) => name(person),
                None => name(row.actor_email.clone().unwrap_or_else(|| "someone".into())),
            };
        }
        match row.actor_email.as_deref() {
            Some("command line") => words("an administrator at the command line"),
            Some(email) => name(email),
            None => match detail(row, "by") {
                Some(by) => name(by),
                None => name("ImmCase"),
            },
        }
    }

    fn person(&self, id: Option<&str>, fallback: Option<&str>) -> Part {
        match id.and_then(|id| self.people.get(id)) {
            Some(person) => name(person),
            None => name(fallback.unwrap_or("a person no longer listed")),
        }
    }

    fn module(&self, id: Option<&str>) -> Part {
        let id = id.unwrap_or_default();
        name(self.modules.get(id).map_or(id, String::as_str))
    }

    fn role(&self, row: &AuditRow) -> Part {
        let stored = detail(row, "name").or_else(|| row.details["after"]["name"].as_str());
        match target_id(row, "role").and_then(|id| self.roles.get(id)) {
            Some(role) => name(role),
            None => name(stored.unwrap_or("a role since deleted")),
        }
    }

    /// "applicant Ana García" (their name now, or as stored), linked to
    /// their page unless they are in the trash; "an applicant since
    /// deleted" when neither is known.
    fn applicant(&self, id: Option<&str>, stored: Option<&str>) -> Vec<Part> {
        let found = id.and_then(|id| self.records.applicants.get(id).map(|n| (id, n)));
        let part = match (found, stored) {
            (Some((id, named)), _) => Part {
                text: named.label.clone(),
                name: true,
                href: (!named.in_trash).then(|| format!("/applicants/{id}")),
            },
            (None, Some(stored)) => name(stored),
            (None, None) => return vec![words("an applicant since deleted")],
        };
        vec![words("applicant "), part]
    }

    /// "case CAS014", as [`Names::applicant`].
    fn case(&self, id: Option<&str>, stored: Option<&str>) -> Vec<Part> {
        let found = id.and_then(|id| self.records.cases.get(id).map(|n| (id, n)));
        let part = match (found, stored) {
            (Some((id, named)), _) => Part {
                text: named.label.clone(),
                name: true,
                href: (!named.in_trash).then(|| format!("/cases/{id}")),
            },
            (None, Some(stored)) => name(stored),
            (None, None) => return vec![words("a case since deleted")],
        };
        vec![words("case "), part]
    }

    /// The record an entry is about: its case if it names one, else its
    /// applicant.
    fn record(&self, row: &AuditRow) -> Vec<Part> {
        if row.case_id.is_some() || detail(row, "case").is_some() {
            self.case(row.case_id.as_deref(), detail(row, "case"))
        } else {
            self.applicant(row.applicant_id.as_deref(), detail(row, "applicant"))
        }
    }
}

/// The changed fields of an entry in words: "passport number, address and
/// notes".
fn fields(row: &AuditRow) -> String {
    let named: Vec<String> = row.details["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(Value::as_str)
                .map(|f| match f {
                    "responsible_user_id" => "responsible person".to_string(),
                    "applicant_id" => "applicant".to_string(),
                    other => other.replace('_', " "),
                })
                .collect()
        })
        .unwrap_or_default();
    match named.as_slice() {
        [] => "details".into(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// The sentence of an entry.
pub fn sentence(row: &AuditRow, names: &Names) -> Vec<Part> {
    let mut parts = said(row, names);
    // A sentence starts with a capital, whoever it starts with.
    if let Some(first) = parts.first_mut()
        && !first.name
    {
        let mut chars = first.text.chars();
        if let Some(c) = chars.next() {
            first.text = c.to_uppercase().chain(chars).collect();
        }
    }
    parts
}

fn said(row: &AuditRow, names: &Names) -> Vec<Part> {
    let who = names.who(row);
    let user = || names.person(target_id(row, "user"), detail(row, "email"));
    let module = || names.module(target_id(row, "module"));
    let trashed_with = || {
        let cases: Vec<&str> = row.details["cases"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match cases.as_slice() {
            [] => String::new(),
            [one] => format!(", with case {one}"),
            many => format!(", with cases {}", many.join(", ")),
        }
    };
    let file = || name(detail(row, "file").unwrap_or("a file"));
    let mut parts = match row.action.as_str() {
        "auth.sign_in" => vec![who, words(" signed in")],
        "auth.sign_in_failed" => {
            let reason = detail(row, "reason").unwrap_or("refused");
            vec![who, words(format!(" could not sign in: {reason}"))]
        }
        "auth.sign_in_throttled" => vec![
            who,
            words(" could not sign in: too many attempts, asked to wait"),
        ],
        "auth.sign_out" => vec![who, words(" signed out")],
        "auth.password_changed" => vec![who, words(" changed their password")],
        "auth.password_reset_requested" => {
            vec![who, words(" asked for a link to set a new password")]
        }
        "auth.password_reset" if row.actor_user_id.is_none() => vec![
            words("A new password for "),
            user(),
            words(" was set at the command line"),
        ],
        "auth.password_reset" => vec![who, words(" set a new password with an emailed link")],
        "user.created" => vec![who, words(" added "), user(), words(" to the practice")],
        "user.invitation_resent" => vec![who, words(" sent "), user(), words(" a new invitation")],
        "user.updated" => vec![who, words(" changed the account of "), user()],
        "user.disabled" => vec![who, words(" disabled the account of "), user()],
        "user.enabled" => vec![
            who,
            words(" enabled the account of "),
            user(),
            words(" again"),
        ],
        "user.profile_updated" => vec![who, words(" changed their own profile")],
        "role.created" => vec![who, words(" created the role "), names.role(row)],
        "role.updated" => match detail(row, "because").and_then(|m| m.strip_prefix("module:")) {
            Some(m) => vec![
                who,
                words(" gave the role "),
                names.role(row),
                words(" the permissions of "),
                names.module(Some(m)),
            ],
            None => vec![who, words(" changed the role "), names.role(row)],
        },
        "role.deleted" => vec![who, words(" deleted the role "), names.role(row)],
        "module.enabled" => vec![who, words(" switched on "), module()],
        "module.disabled" => vec![who, words(" switched off "), module()],
        "module.settings_changed" => {
            vec![who, words(" changed the "), module(), words(" settings")]
        }
        "module.settings_carried_over" => vec![
            words("The earlier settings of "),
            module(),
            words(" were carried over into its settings"),
        ],
        "case_program.created" | "case_program.updated" | "case_program.deleted" => {
            let did = match row.action.as_str() {
                "case_program.created" => " added the case program ",
                "case_program.updated" => " changed the case program ",
                _ => " removed the case program ",
            };
            let program = detail(row, "label")
                .or_else(|| target_id(row, "case_program"))
                .unwrap_or_default();
            vec![who, words(did), name(program)]
        }
        "practice.updated" => {
            let fields: Vec<&str> = row.details["fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(Value::as_str)
                        .map(crate::practices::settings::label)
                        .collect()
                })
                .unwrap_or_default();
            let what = if fields.is_empty() {
                "the practice's details".to_string()
            } else {
                format!("the practice's {}", fields.join(", ").to_lowercase())
            };
            vec![who, words(" changed "), words(what)]
        }
        "practice.logo_saved" => {
            let kind = detail(row, "content_type").unwrap_or("image");
            let did = if row.details["replaced"].is_string() {
                " replaced the practice's logo"
            } else {
                " uploaded the practice's logo"
            };
            vec![who, words(did), words(format!(" ({kind})"))]
        }
        "practice.logo_removed" => vec![who, words(" removed the practice's logo")],
        "search.settings_updated" => {
            let fields: Vec<&str> = row.details["after"]["applicant_fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(Value::as_str)
                        .map(crate::search::settings::label)
                        .collect()
                })
                .unwrap_or_default();
            let what = if fields.is_empty() {
                " changed the fields search finds applicants by".to_string()
            } else {
                format!(
                    " made search find applicants by {}",
                    fields.join(", ").to_lowercase()
                )
            };
            vec![who, words(what)]
        }
        "practice.created" => vec![
            words("The practice was created, with "),
            name(detail(row, "administrator").unwrap_or("an administrator")),
            words(" as its administrator"),
        ],
        "access.denied" => {
            let why = match (detail(row, "permission"), detail(row, "field")) {
                (Some(p), _) => format!(": it needs the permission {p}"),
                (None, Some(f)) => format!(": the field {f} is read-only for them"),
                _ => String::new(),
            };
            let what = row.target.clone().unwrap_or_default();
            vec![who, words(" was refused "), name(what), words(why)]
        }
        "access.csrf_refused" => {
            let what = row.target.clone().unwrap_or_default();
            let reason = detail(row, "reason").unwrap_or("no valid form token");
            vec![
                who,
                words(" was refused "),
                name(what),
                words(format!(": {reason}")),
            ]
        }
        "applicant.created" => {
            let mut parts = vec![who, words(" added ")];
            parts.extend(names.record(row));
            parts
        }
        "case.created" => {
            let mut parts = vec![who, words(" opened ")];
            parts.extend(names.record(row));
            if let Some(id) = row.applicant_id.as_deref()
                && names.records.applicants.contains_key(id)
            {
                parts.push(words(" for "));
                parts.extend(names.applicant(Some(id), None));
            }
            parts
        }
        "applicant.updated" | "case.updated" => {
            let mut parts = vec![who, words(format!(" changed {} of ", fields(row)))];
            parts.extend(names.record(row));
            parts
        }
        "applicant.deleted" | "case.deleted" => {
            let mut parts = vec![who, words(" moved ")];
            parts.extend(names.record(row));
            parts.push(words(format!(" to the trash{}", trashed_with())));
            parts
        }
        "applicant.restored" | "case.restored" => {
            let mut parts = vec![who, words(" restored ")];
            parts.extend(names.record(row));
            parts.push(words(" from the trash"));
            parts
        }
        "applicant.purged" | "case.purged" if row.actor_user_id.is_some() => {
            let mut parts = vec![who, words(" deleted ")];
            parts.extend(names.record(row));
            parts.push(words(" for good from the trash"));
            parts
        }
        "applicant.purged" | "case.purged" => {
            let mut parts = names.record(row);
            parts.push(words(" was deleted for good after its time in the trash"));
            parts
        }
        "applicant.merged" | "applicant.unmerged" => {
            let other = detail(row, "merged")
                .unwrap_or("another applicant")
                .to_string();
            let mut parts = if row.action == "applicant.merged" {
                vec![who, words(" merged "), name(other), words(" into ")]
            } else {
                vec![
                    who,
                    words(" undid the merge of "),
                    name(other),
                    words(" into "),
                ]
            };
            parts.extend(names.record(row));
            parts
        }
        "file.moved" => {
            let to = detail(row, "to").unwrap_or_default().to_string();
            let mut parts = vec![who, words(" moved "), file(), words(" of ")];
            parts.extend(names.record(row));
            parts.push(words(" to "));
            parts.push(name(to));
            parts
        }
        "file.uploaded" => {
            let mut parts = vec![who, words(" uploaded "), file(), words(" to ")];
            parts.extend(names.record(row));
            parts
        }
        "file.downloaded" => {
            let how = if row.details["inline"] == true {
                " viewed "
            } else {
                " downloaded "
            };
            let mut parts = vec![who, words(how), file(), words(" of ")];
            parts.extend(names.record(row));
            parts
        }
        "file.deleted" | "file.restored" => {
            let mut parts = vec![who, words(" moved "), file(), words(" of ")];
            if row.action == "file.restored" {
                parts[1] = words(" restored ");
            }
            parts.extend(names.record(row));
            parts.push(words(if row.action == "file.restored" {
                " from the trash"
            } else {
                " to the trash"
            }));
            parts
        }
        "file.purged" if row.actor_user_id.is_some() => {
            let mut parts = vec![who, words(" deleted "), file(), words(" of ")];
            parts.extend(names.record(row));
            parts.push(words(" for good from the trash"));
            parts
        }
        "file.purged" => {
            let mut parts = vec![file(), words(" of ")];
            parts.extend(names.record(row));
            parts.push(words(" was deleted for good after its time in the trash"));
            parts
        }
        other => {
            let mut parts = vec![who, words(" – "), name(other)];
            if let Some(target) = &row.target {
                parts.push(words(format!(" ({target})")));
            }
            parts
        }
    };
    parts.retain(|p| !p.text.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(action: &str, target: &str, details: Value) -> AuditRow {
        AuditRow {
            id: 1,
            at: String::new(),
            at_ms: 0,
            actor_user_id: Some("u-ana".into()),
            actor_email: Some("ana@example.com".into()),
            action: action.into(),
            target: Some(target.into()),
            client_addr: None,
            details,
            applicant_id: None,
            case_id: None,
        }
    }

    fn names() -> Names {
        let mut names = Names::default();
        names.people.insert("u-ana".into(), "Ana Ruiz".into());
        names.people.insert("u-lee".into(), "Lee Park".into());
        names.modules.insert("helpdesk".into(), "Helpdesk".into());
        let named = |label: &str, in_trash| audited::Named {
            label: label.into(),
            in_trash,
        };
        let records = &mut names.records;
        records
            .applicants
            .insert("a1".into(), named("Ana García", true));
        records.cases.insert("c14".into(), named("CAS014", false));
        names
    }

    fn text(parts: &[Part]) -> String {
        parts.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn entries_read_as_sentences_with_names() {
        let names = names();
        let mut deleted = row(
            "applicant.deleted",
            "applicant:a1",
            json!({ "applicant": "Ana Garcia", "cases": ["CAS014"] }),
        );
        deleted.applicant_id = Some("a1".into());
        let said = sentence(&deleted, &names);
        assert_eq!(
            text(&said),
            "Ana Ruiz moved applicant Ana García to the trash, with case CAS014"
        );
        assert_eq!(said[3].text, "Ana García", "named as they are now");
        assert_eq!(said[3].href, None, "no link to a page in the trash");

        let mut download = row(
            "file.downloaded",
            "file:f1",
            json!({ "file": "passport.pdf", "case": "CAS014", "inline": false }),
        );
        download.actor_user_id = Some("u-lee".into());
        download.applicant_id = Some("a1".into());
        download.case_id = Some("c14".into());
        let said = sentence(&download, &names);
        assert_eq!(
            text(&said),
            "Lee Park downloaded passport.pdf of case CAS014"
        );
        assert_eq!(said.last().unwrap().href.as_deref(), Some("/cases/c14"));

        let settings = row(
            "module.settings_changed",
            "module:helpdesk",
            json!({ "auto_close_days": 5 }),
        );
        assert_eq!(
            text(&sentence(&settings, &names)),
            "Ana Ruiz changed the Helpdesk settings"
        );
    }

    #[test]
    fn merges_and_moved_files_read_as_sentences() {
        let names = names();
        let mut merged = row(
            "applicant.merged",
            "applicant:a1",
            json!({ "applicant": "Ana García", "merged": "Ana Garcia", "cases": [], "files": 0 }),
        );
        merged.applicant_id = Some("a1".into());
        assert_eq!(
            text(&sentence(&merged, &names)),
            "Ana Ruiz merged Ana Garcia into applicant Ana García"
        );
        let mut moved = row(
            "file.moved",
            "file:f1",
            json!({ "file": "a.pdf", "case": "CAS014", "from": "a.pdf", "to": "Identity/a.pdf" }),
        );
        moved.case_id = Some("c14".into());
        assert_eq!(
            text(&sentence(&moved, &names)),
            "Ana Ruiz moved a.pdf of case CAS014 to Identity/a.pdf"
        );
    }

    #[test]
    fn purged_records_keep_the_names_stored_with_them() {
        let names = names();
        let mut purged = row("file.purged", "file:f9", json!({ "file": "visa.pdf" }));
        purged.actor_user_id = None;
        purged.actor_email = None;
        purged.case_id = Some("gone".into());
        assert_eq!(
            text(&sentence(&purged, &names)),
            "visa.pdf of a case since deleted was deleted for good after its time in the trash"
        );
        purged.details["case"] = json!("CAS009");
        assert_eq!(
            text(&sentence(&purged, &names)),
            "visa.pdf of case CAS009 was deleted for good after its time in the trash"
        );
        let practice = row(
            "practice.updated",
            "practice:p1",
            json!({ "fields": ["phone", "max_file_mb"] }),
        );
        assert_eq!(
            text(&sentence(&practice, &names)),
            "Ana Ruiz changed the practice's phone, largest file per upload"
        );
        let search = row(
            "search.settings_updated",
            "practice:p1",
            json!({ "after": { "applicant_fields": ["given_name", "family_name"] } }),
        );
        assert_eq!(
            text(&sentence(&search, &names)),
            "Ana Ruiz made search find applicants by given name, family name"
        );
        purged.actor_user_id = Some("u-lee".into());
        assert_eq!(
            text(&sentence(&purged, &names)),
            "Lee Park deleted visa.pdf of case CAS009 for good from the trash"
        );
        let mut changed = row(
            "applicant.updated",
            "applicant:gone",
            json!({ "applicant": "Bo Chen", "fields": ["passport_number", "address", "notes"] }),
        );
        changed.applicant_id = Some("gone".into());
        assert_eq!(
            text(&sentence(&changed, &names)),
            "Ana Ruiz changed passport number, address and notes of applicant Bo Chen"
        );
    }

    #[test]
    fn attempts_and_the_command_line_are_named_as_they_can_be() {
        let names = names();
        let mut failed = row(
            "auth.sign_in_failed",
            "email:x@example.com",
            json!({ "reason": "wrong email or password" }),
        );
        failed.actor_user_id = None;
        failed.actor_email = Some("x@example.com".into());
        assert_eq!(
            text(&sentence(&failed, &names)),
            "x@example.com could not sign in: wrong email or password"
        );
        let mut reset = row("auth.password_reset", "user:u-lee", json!({}));
        reset.actor_user_id = None;
        reset.actor_email = Some("command line".into());
        assert_eq!(
            text(&sentence(&reset, &names)),
            "A new password for Lee Park was set at the command line"
        );
        let odd = row("helpdesk.exported", "ticket:t1", json!({}));
        assert_eq!(
            text(&sentence(&odd, &names)),
            "Ana Ruiz – helpdesk.exported (ticket:t1)"
        );
    }
}
