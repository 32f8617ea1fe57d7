//! Where a WebDAV path leads, as plain functions:
//!
//! ```text
//! /                                  Applicants/ and Cases/ (those the person may read)
//! /Applicants/                       one folder per applicant: "Ana Moreau (id)"
//! /Applicants/Ana Moreau (id)/a/b/f  the applicant's file f in sub-folder a/b
//! /Cases/                            one folder per case, by folio: "CAS001"
//! /Cases/CAS001/a/f                  the case's file f in sub-folder a
//! ```
//!
//! An applicant's folder is found by the id in its last parentheses, so a
//! client holding an old name (the applicant renamed since) still reaches it.

use std::collections::BTreeSet;

/// The two kinds of owner of files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shelf {
    Applicants,
    Cases,
}

impl Shelf {
    pub const ALL: [Shelf; 2] = [Shelf::Applicants, Shelf::Cases];

    /// The folder's name at the top.
    pub fn name(self) -> &'static str {
        match self {
            Shelf::Applicants => "Applicants",
            Shelf::Cases => "Cases",
        }
    }

    /// The owner kind of the files below it (`applicant`, `case`).
    pub fn owner_kind(self) -> &'static str {
        match self {
            Shelf::Applicants => "applicant",
            Shelf::Cases => "case",
        }
    }

    /// The permission to read the records it lists.
    pub fn read_permission(self) -> &'static str {
        match self {
            Shelf::Applicants => "applicants.read",
            Shelf::Cases => "cases.read",
        }
    }
}

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// `/`
    Top,
    /// `/Applicants/` or `/Cases/`
    Shelf(Shelf),
    /// An applicant's or a case's folder, by its name's part in the path,
    /// and the parts below it (none for the folder itself).
    Owner {
        shelf: Shelf,
        folder: String,
        below: Vec<String>,
    },
}

/// The place a decoded path (without the `/dav` prefix) names; `None` for a
/// path outside the tree (an unknown top folder, `.` or `..`, not UTF-8).
pub fn place(path: &[u8]) -> Option<Place> {
    let path = std::str::from_utf8(path).ok()?;
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let Some(top) = parts.next() else {
        return Some(Place::Top);
    };
    let shelf = Shelf::ALL
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(top))?;
    let Some(folder) = parts.next() else {
        return Some(Place::Shelf(shelf));
    };
    let below: Vec<String> = parts.map(str::to_string).collect();
    if std::iter::once(folder)
        .chain(below.iter().map(String::as_str))
        .any(|p| p == "." || p == "..")
    {
        return None;
    }
    Some(Place::Owner {
        shelf,
        folder: folder.to_string(),
        below,
    })
}

/// An applicant's folder name: their name as the person may see it, then
/// the id in parentheses (only the id when the name is hidden from them).
pub fn applicant_folder(name: &str, id: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| if c == '/' || c.is_control() { '_' } else { c })
        .collect();
    let name = name.trim();
    if name.is_empty() {
        id.to_string()
    } else {
        format!("{name} ({id})")
    }
}

/// The applicant id of an applicant's folder name.
pub fn applicant_id(folder: &str) -> &str {
    match folder.strip_suffix(')').and_then(|f| f.rsplit_once('(')) {
        Some((_, id)) => id.trim(),
        None => folder.trim(),
    }
}

/// Every folder that exists below an owner's folder: each file's folder and
/// each folder made empty, with all the folders above them.
pub fn all_folders<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for path in paths {
        let mut above = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            if !above.is_empty() {
                above.push('/');
            }
            above.push_str(part);
            all.insert(above.clone());
        }
    }
    all
}

/// The names of the folders directly inside `parent` (`""` for the top).
pub fn child_folders<'a>(all: &'a BTreeSet<String>, parent: &str) -> Vec<&'a str> {
    all.iter()
        .filter_map(|path| {
            let rest = if parent.is_empty() {
                path.as_str()
            } else {
                path.strip_prefix(parent)?.strip_prefix('/')?
            };
            (!rest.contains('/')).then_some(rest)
        })
        .collect()
}

/// Whether a file name is one that desktop clients write on their own into
/// every folder they open (Finder's `.DS_Store` and `._` companions,
/// Explorer's `Thumbs.db` and `desktop.ini`): such files are refused, so
/// that browsing a case does not add files to it.
pub fn is_client_clutter(name: &str) -> bool {
    name.starts_with("._")
        || [".DS_Store", "Thumbs.db", "desktop.ini"]
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_top_the_shelves_and_owners() {
        assert_eq!(place(b"/"), Some(Place::Top));
        assert_eq!(place(b""), Some(Place::Top));
        assert_eq!(place(b"/Cases/"), Some(Place::Shelf(Shelf::Cases)));
        assert_eq!(place(b"/applicants"), Some(Place::Shelf(Shelf::Applicants)));
        assert_eq!(
            place("/Cases/CAS001/Identity/passport é.pdf".as_bytes()),
            Some(Place::Owner {
                shelf: Shelf::Cases,
                folder: "CAS001".into(),
                below: vec!["Identity".into(), "passport é.pdf".into()],
            })
        );
        assert_eq!(place(b"/Other/"), None);
        assert_eq!(place(b"/Cases/CAS001/../CAS002"), None);
        assert_eq!(place(&[b'/', 0xff]), None);
    }

    #[test]
    fn applicant_folders_carry_the_id() {
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let folder = applicant_folder("Ana Moreau", id);
        assert_eq!(folder, format!("Ana Moreau ({id})"));
        assert_eq!(applicant_id(&folder), id);
        assert_eq!(applicant_id(&format!("Old name (x) ({id})")), id);
        assert_eq!(applicant_folder("", id), id);
        assert_eq!(applicant_id(id), id);
        assert_eq!(applicant_folder("A/B", "1"), "A_B (1)");
    }

    #[test]
    fn desktop_clutter_is_told_from_files() {
        assert!(is_client_clutter(".DS_Store"));
        assert!(is_client_clutter("._passport.pdf"));
        assert!(is_client_clutter("thumbs.db"));
        assert!(is_client_clutter("Desktop.ini"));
        assert!(!is_client_clutter("passport.pdf"));
        assert!(!is_client_clutter(".hidden notes.txt"));
    }

    #[test]
    fn folders_come_from_files_and_empty_folders() {
        let all = all_folders(["Identity/Passports", "", "Forms", "Identity"]);
        let listed: Vec<&str> = all.iter().map(String::as_str).collect();
        assert_eq!(listed, ["Forms", "Identity", "Identity/Passports"]);
        assert_eq!(child_folders(&all, ""), ["Forms", "Identity"]);
        assert_eq!(child_folders(&all, "Identity"), ["Passports"]);
        assert!(child_folders(&all, "Forms").is_empty());
    }
}
