//! Positions in the template the administrator wrote, and the problems found there.

use std::fmt;

/// Where something is in the template the administrator wrote: 1-based line
/// and column (columns in characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Position {
    /// The position of the byte `offset` in `source` (an offset past the end,
    /// or inside a character, counts as the end of the text before it).
    pub(crate) fn at(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Something wrong with a template, at a position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub position: Position,
    /// What is wrong (with Typst's hints, if any, after `hint:`).
    pub message: String,
}

impl Problem {
    pub(crate) fn new(position: Position, message: impl Into<String>) -> Problem {
        Problem {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        let source = "ab\nçé{{x}}";
        assert_eq!(Position::at(source, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::at(source, 3), Position { line: 2, column: 1 });
        let brace = source.find("{{").unwrap_or_default();
        assert_eq!(Position::at(source, brace), Position { line: 2, column: 3 });
    }

    #[test]
    fn a_problem_reads_as_position_then_message() {
        let problem = Problem::new(
            Position {
                line: 3,
                column: 14,
            },
            "unknown token {{applicant.favourite_colour}}",
        );
        assert_eq!(
            problem.to_string(),
            "line 3, column 14: unknown token {{applicant.favourite_colour}}"
        );
    }
}
