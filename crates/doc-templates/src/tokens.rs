//! Finding `{{ name }}` tokens in a template.

use crate::position::{Position, Problem};

/// A well-formed token found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The name, without braces or spaces (`applicant.family_name`).
    pub name: String,
    /// Byte range of the whole token, braces included.
    pub start: usize,
    pub end: usize,
    /// Where its `{{` is.
    pub position: Position,
}

/// Every token in `source`, in order, and a problem for each malformed one.
///
/// A token is `{{`, a name, `}}` on one line; spaces around the name are
/// allowed. A name is lowercase ASCII letters and underscores, in parts
/// separated by dots: `[a-z_]+(\.[a-z_]+)*`.
pub(crate) fn scan(source: &str) -> (Vec<Found>, Vec<Problem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut from = 0;
    while let Some(relative) = source[from..].find("{{") {
        let start = from + relative;
        let position = Position::at(source, start);
        let rest = &source[start + 2..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let Some(close) = rest[..line_end].find("}}") else {
            problems.push(Problem::new(
                position,
                "unclosed {{: a token ends with }} on the same line",
            ));
            from = start + 2;
            continue;
        };
        let end = start + 2 + close + 2;
        let inner = &rest[..close];
        let name = inner.trim_matches(' ');
        if is_name(name) {
            found.push(Found {
                name: name.to_owned(),
                start,
                end,
                position,
            });
        } else {
            problems.push(Problem::new(
                position,
                format!(
                    "malformed token {{{{{inner}}}}}: a token's name is lowercase letters and \
                     underscores, in parts separated by dots, like {{{{applicant.family_name}}}}"
                ),
            ));
        }
        from = end;
    }
    (found, problems)
}

/// Whether `name` is `[a-z_]+(\.[a-z_]+)*`.
pub(crate) fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
}

/// Every well-formed `{{…}}` token used in `source`, in order (repeats
/// included), with the position of its `{{`. Malformed ones are left out:
/// [`check`](crate::check) reports them.
pub fn tokens(source: &str) -> Vec<(String, Position)> {
    scan(source)
        .0
        .into_iter()
        .map(|found| (found.name, found.position))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_spaces_inside_braces() {
        let (found, problems) = scan("Dear {{ applicant.given_name }},\n{{today}}");
        assert!(problems.is_empty());
        let names: Vec<_> = found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["applicant.given_name", "today"]);
        assert_eq!(found[1].position, Position { line: 2, column: 1 });
    }

    #[test]
    fn malformed_and_unclosed_tokens_are_problems() {
        let (found, problems) = scan("{{Applicant}} {{a..b}} {{x\n{{ok}}");
        assert_eq!(found.len(), 1);
        let columns: Vec<_> = problems.iter().map(|p| p.position.column).collect();
        assert_eq!(columns, [1, 15, 24]);
        assert!(problems[2].message.starts_with("unclosed"));
    }

    #[test]
    fn name_rule() {
        assert!(is_name("case.opened_on"));
        assert!(!is_name("case."));
        assert!(!is_name("case-x"));
        assert!(!is_name(""));
    }
}
