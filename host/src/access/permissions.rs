//! Permission strings and field rules: what a role is made of.
//!
//! A permission is a string such as `users.manage` or `module:helpdesk`. A
//! role may hold a wildcard ending in `*` (`module:*` grants every module).
//! Field rules name a record field (`applicant.passport_number`) and make it
//! `hidden` or `read_only` for the role's members.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldErrors;

/// The host's own permissions, with what each lets a person do (kept with
/// the rules modules are held to, which name them too).
pub use immcase_manifest::checks::HOST_PERMISSIONS;

/// What every module permission starts with: `module:{id}` lets a role reach
/// the module at all.
pub const MODULE_PREFIX: &str = "module:";

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldAccess {
    /// Absent from responses and search results.
    Hidden,
    /// Shown, but writes to it are refused.
    ReadOnly,
}

pub type FieldRules = BTreeMap<String, FieldAccess>;

/// Whether a set of held permissions grants `wanted`.
pub fn grants(held: &BTreeSet<String>, wanted: &str) -> bool {
    held.contains(wanted)
        || held.iter().any(|p| {
            p.strip_suffix('*')
                .is_some_and(|prefix| !prefix.is_empty() && wanted.starts_with(prefix))
        })
}

/// Checks permission strings: host permissions, `module:{id}`, `module:*`, or
/// a module's own dotted permission (`helpdesk.ticket.assign`).
pub fn validate_permissions(perms: &[String], errors: &mut FieldErrors) {
    let bad: Vec<&str> = perms
        .iter()
        .filter(|p| !is_valid_permission(p))
        .map(String::as_str)
        .collect();
    if !bad.is_empty() {
        errors.insert(
            "permissions".into(),
            format!("not a permission: {}", bad.join(", ")),
        );
    }
}

fn is_valid_permission(p: &str) -> bool {
    if p.len() > 100 {
        return false;
    }
    if HOST_PERMISSIONS.iter().any(|(name, _)| *name == p) {
        return true;
    }
    if let Some(module) = p.strip_prefix(MODULE_PREFIX) {
        return module == "*" || is_name(module, false);
    }
    // A module's own permission: at least two dotted parts, the first being a
    // module id; a trailing `*` part is a wildcard.
    let parts: Vec<&str> = p.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .enumerate()
            .all(|(i, part)| (i == parts.len() - 1 && *part == "*") || is_name(part, i > 0))
}

fn is_name(s: &str, underscores: bool) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (underscores && c == '_')
        })
}

/// Checks field rule keys: `record.field`, lowercase.
pub fn validate_field_rules(rules: &FieldRules, errors: &mut FieldErrors) {
    let bad: Vec<&str> = rules
        .keys()
        .filter(|k| !is_field_key(k))
        .map(String::as_str)
        .collect();
    if !bad.is_empty() {
        errors.insert(
            "field_rules".into(),
            format!(
                "name fields as record.field (e.g. applicant.passport_number): {}",
                bad.join(", ")
            ),
        );
    }
    if rules.len() > 500 {
        errors.insert(
            "field_rules".into(),
            "at most 500 field rules per role".into(),
        );
    }
}

fn is_field_key(key: &str) -> bool {
    key.split_once('.')
        .is_some_and(|(record, field)| is_name(record, true) && is_name(field, true))
}

/// The field rules of a person with several roles: a field is restricted only
/// if every role restricts it, and then as little as the most open of them.
pub fn merge_field_rules<'a>(roles: impl IntoIterator<Item = &'a FieldRules>) -> FieldRules {
    let roles: Vec<&FieldRules> = roles.into_iter().collect();
    let Some((first, rest)) = roles.split_first() else {
        return FieldRules::new();
    };
    first
        .iter()
        .filter_map(|(field, access)| {
            let mut least = *access;
            for other in rest {
                match other.get(field) {
                    None => return None,
                    Some(a) => least = least.max(*a),
                }
            }
            Some((field.clone(), least))
        })
        .collect()
}

/// The roles every new practice starts with: name, description, permissions.
pub fn default_roles() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let all: Vec<String> = HOST_PERMISSIONS
        .iter()
        .map(|(p, _)| p.to_string())
        .chain(["module:*".to_string()])
        .collect();
    let owned = |ps: &[&str]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    vec![
        (
            "Administrator",
            "Everything, including users, roles, modules and the audit log",
            all,
        ),
        (
            "Consultant",
            "Works on applicants, cases and files, and uses every enabled module",
            owned(&[
                "applicants.read",
                "applicants.write",
                "cases.read",
                "cases.write",
                "files.read",
                "files.write",
                "module:*",
            ]),
        ),
        (
            "Assistant",
            "Keeps applicants and files up to date; reads cases, and works on those they are responsible for",
            owned(&[
                "applicants.read",
                "applicants.write",
                "cases.read",
                "cases.write_responsible",
                "files.read",
                "files.write",
                "module:calendar",
                "module:helpdesk",
            ]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ps: &[&str]) -> BTreeSet<String> {
        ps.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn wildcards_grant_what_they_prefix() {
        let held = set(&["users.manage", "module:*"]);
        assert!(grants(&held, "users.manage"));
        assert!(grants(&held, "module:helpdesk"));
        assert!(!grants(&held, "roles.manage"));
        assert!(
            !grants(&set(&["*"]), "users.manage"),
            "a bare * is not a wildcard"
        );
    }

    #[test]
    fn permission_strings_are_checked() {
        for ok in [
            "users.manage",
            "module:helpdesk",
            "module:*",
            "helpdesk.ticket.assign",
            "helpdesk.*",
        ] {
            assert!(is_valid_permission(ok), "{ok}");
        }
        for bad in ["", "users", "module:", "Users.manage", "a b.c", "x.", "*"] {
            assert!(!is_valid_permission(bad), "{bad}");
        }
    }

    #[test]
    fn field_rule_keys_are_record_dot_field() {
        let mut errors = FieldErrors::new();
        let rules: FieldRules =
            [("applicant.passport_number".to_string(), FieldAccess::Hidden)].into();
        validate_field_rules(&rules, &mut errors);
        assert!(errors.is_empty());
        let rules: FieldRules = [("passport".to_string(), FieldAccess::Hidden)].into();
        validate_field_rules(&rules, &mut errors);
        assert!(errors["field_rules"].contains("passport"));
    }

    #[test]
    fn a_field_is_restricted_only_if_every_role_restricts_it() {
        let a: FieldRules = [
            ("applicant.passport_number".into(), FieldAccess::Hidden),
            ("applicant.notes".into(), FieldAccess::Hidden),
        ]
        .into();
        let b: FieldRules = [("applicant.passport_number".into(), FieldAccess::ReadOnly)].into();
        let merged = merge_field_rules([&a, &b]);
        assert_eq!(
            merged.get("applicant.passport_number"),
            Some(&FieldAccess::ReadOnly)
        );
        assert_eq!(merged.get("applicant.notes"), None);
        assert_eq!(merge_field_rules([&a]), a);
        assert!(merge_field_rules([]).is_empty());
    }
}
