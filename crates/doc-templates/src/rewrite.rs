//! Turning a template into Typst source: each token becomes a read of
//! `sys.inputs`, so a value is always inserted as plain text; and a map back
//! from the rewritten text to the administrator's lines and columns.

use typst::syntax::{LinkedNode, Side, SyntaxKind};

use crate::position::{Position, Problem};
use crate::tokens::Found;

/// What every template starts with, before the administrator's first line:
/// the letterhead function.
pub(crate) const PRELUDE: &str = "#import \"/letterhead.typ\": letterhead\n";

/// A template rewritten for Typst.
#[derive(Debug)]
pub(crate) struct Rewritten {
    /// The Typst source.
    pub text: String,
    /// Replacements, in order: the original byte range, and the rewritten
    /// byte range that took its place.
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy)]
struct Edit {
    original: (usize, usize),
    rewritten: (usize, usize),
}

/// Where a token sits in the template's Typst syntax.
enum Place {
    /// In markup, math, a content block: `#sys.inputs.at("name");`
    Markup,
    /// In code (`#{{x}}`, a function's argument): `(sys.inputs.at("name"))`.
    Code,
    /// Inside a string literal: the string becomes a sum of strings.
    Str { start: usize, end: usize },
    /// Inside a comment: left as it is.
    Comment,
    /// Inside raw text, where nothing can be inserted.
    Raw,
    /// After a backslash (`\{{x}}`): an escaped brace, not a token.
    Escaped,
}

/// Rewrites `source`, whose tokens are `found` (in order), for Typst.
/// Tokens that cannot be replaced where they are (inside raw text) are problems.
pub(crate) fn rewrite(source: &str, found: &[Found]) -> Result<Rewritten, Vec<Problem>> {
    let root = typst::syntax::parse(source);
    let root = LinkedNode::new(&root);
    let mut replacements: Vec<(usize, usize, String)> = Vec::new();
    let mut problems = Vec::new();
    let mut open_string: Option<(usize, usize)> = None;
    for token in found {
        let place = place(&root, token.start);
        if let Some((start, end)) = open_string
            && !matches!(place, Place::Str { start: s, .. } if s == start)
        {
            replacements.push((end - 1, end, "\")".into()));
            open_string = None;
        }
        let read = format!("sys.inputs.at(\"{}\")", token.name);
        match place {
            Place::Markup => {
                replacements.push((token.start, token.end, format!("#{read};")));
            }
            Place::Code => {
                replacements.push((token.start, token.end, format!("({read})")));
            }
            Place::Str { start, end } => {
                if open_string.is_none() {
                    replacements.push((start, start + 1, "(\"".into()));
                    open_string = Some((start, end));
                }
                replacements.push((token.start, token.end, format!("\" + {read} + \"")));
            }
            Place::Comment => {}
            Place::Raw => problems.push(Problem::new(
                token.position,
                format!(
                    "the token {{{{{}}}}} is inside raw text (between backticks), where it \
                     cannot be replaced",
                    token.name
                ),
            )),
            Place::Escaped => problems.push(Problem::new(
                token.position,
                format!(
                    "a backslash before the token {{{{{}}}}}: a token cannot be escaped, \
                     and a template cannot show {{{{ literally",
                    token.name
                ),
            )),
        }
    }
    if let Some((_, end)) = open_string {
        replacements.push((end - 1, end, "\")".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // A string's closing quote is replaced once its last token is seen.
    replacements.sort_by_key(|(start, end, _)| (*start, *end));

    let mut text = String::with_capacity(PRELUDE.len() + source.len() + 32 * found.len());
    let mut edits = vec![Edit {
        original: (0, 0),
        rewritten: (0, PRELUDE.len()),
    }];
    text.push_str(PRELUDE);
    let mut copied = 0;
    for (start, end, replacement) in replacements {
        text.push_str(&source[copied..start]);
        let at = text.len();
        text.push_str(&replacement);
        edits.push(Edit {
            original: (start, end),
            rewritten: (at, text.len()),
        });
        copied = end;
    }
    text.push_str(&source[copied..]);
    Ok(Rewritten { text, edits })
}

/// Where the token starting at byte `start` sits.
fn place(root: &LinkedNode, start: usize) -> Place {
    let Some(leaf) = root.leaf_at(start + 1, Side::Before) else {
        return Place::Markup;
    };
    match leaf.kind() {
        SyntaxKind::Str => Place::Str {
            start: leaf.offset(),
            end: leaf.offset() + leaf.len(),
        },
        SyntaxKind::LineComment | SyntaxKind::BlockComment => Place::Comment,
        SyntaxKind::LeftBrace => Place::Code,
        SyntaxKind::Escape => Place::Escaped,
        _ => {
            let mut node = Some(leaf);
            while let Some(current) = node {
                if current.kind() == SyntaxKind::Raw {
                    return Place::Raw;
                }
                node = current.parent().cloned();
            }
            Place::Markup
        }
    }
}

impl Rewritten {
    /// The byte offset in the original template of the rewritten byte
    /// `offset` (a replacement maps to the start of what it replaced).
    pub(crate) fn original_offset(&self, offset: usize) -> usize {
        let mut delta: isize = 0;
        for edit in &self.edits {
            if offset < edit.rewritten.0 {
                break;
            }
            if offset < edit.rewritten.1 {
                return edit.original.0;
            }
            delta = edit.rewritten.1 as isize - edit.original.1 as isize;
        }
        (offset as isize - delta).max(0) as usize
    }

    /// The position in the original template of the rewritten byte `offset`.
    pub(crate) fn position(&self, source: &str, offset: usize) -> Position {
        Position::at(source, self.original_offset(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::scan;

    fn rewritten(source: &str) -> Rewritten {
        let (found, problems) = scan(source);
        assert!(problems.is_empty());
        rewrite(source, &found).unwrap_or_else(|problems| panic!("{problems:?}"))
    }

    #[test]
    fn markup_code_and_string_tokens() {
        let source = "Dear {{ a.b }},\n#text(fill: red, {{c}})\n#let t = \"x {{d}} y {{e}}\"";
        let text = rewritten(source).text;
        assert!(text.contains("Dear #sys.inputs.at(\"a.b\");,"), "{text}");
        assert!(text.contains("red, (sys.inputs.at(\"c\")))"), "{text}");
        assert!(
            text.contains(
                "= (\"x \" + sys.inputs.at(\"d\") + \" y \" + sys.inputs.at(\"e\") + \"\")"
            ),
            "{text}"
        );
    }

    #[test]
    fn offsets_map_back() {
        let source = "ab {{x}} cd";
        let rewritten = rewritten(source);
        let cd = rewritten.text.find("cd").unwrap_or_default();
        assert_eq!(rewritten.original_offset(cd), 9);
        let inside = rewritten.text.find("inputs").unwrap_or_default();
        assert_eq!(rewritten.original_offset(inside), 3);
        assert_eq!(rewritten.original_offset(2), 0);
    }

    #[test]
    fn raw_text_cannot_hold_a_token_nor_can_it_be_escaped() {
        for source in ["`{{x}}`", "```\n{{x}}\n```", "\\{{x}}"] {
            let (found, _) = scan(source);
            assert!(rewrite(source, &found).is_err(), "{source}");
        }
    }
}
