//! Reply templates: text with tokens the module fills in,
//! `Dear {{applicant.given_name}}, …`.
//!
//! The syntax, all of it:
//!
//! - `{{name}}` is replaced by the value of `name`; spaces inside the
//!   braces are allowed (`{{ case.folio }}`). A name is words of letters,
//!   digits and `_`, joined by dots, and must be one of [`KNOWN`].
//! - `\{{` writes `{{` as it is (the backslash goes): `\{{case.folio}}`
//!   gives `{{case.folio}}`. A `}}` alone, or braces alone, are plain text.
//! - A `{{` without its `}}` is an error, and so is a name that is not
//!   one (`{{ case folio }}`).
//!
//! A template is checked when it is saved ([`check`]: its syntax and
//! [`unknown_tokens`]) and again when it is used ([`render`]), where a token
//! without a value is an error too: a message never goes out with a blank
//! where a name should be.

/// The tokens a template may use, and what they are:
///
/// - `applicant.given_name`, `applicant.family_name`, `applicant.email`:
///   the applicant the message is to;
/// - `case.folio` (`CAS014`), `case.program` (the immigration program),
///   `case.stage` (intake, preparation, submitted, decision, closed): the
///   case it is about;
/// - `practice.name`: the practice's name;
/// - `me.display_name`, `me.signature`: the person writing.
pub const KNOWN: &[&str] = &[
    "applicant.given_name",
    "applicant.family_name",
    "applicant.email",
    "case.folio",
    "case.program",
    "case.stage",
    "practice.name",
    "me.display_name",
    "me.signature",
];

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{{` on this line (from 1) has no `}}` after it.
    #[error("line {line}: `{{{{` is not closed with `}}}}`")]
    Unclosed { line: usize },
    /// What is between `{{` and `}}` is not a name.
    #[error(
        "`{{{{{token}}}}}` is not a token name (use words and dots, such as {{{{case.folio}}}})"
    )]
    Malformed { token: String },
    /// Tokens that are not in [`KNOWN`], in order, each once.
    #[error("unknown tokens: {}", braced(.tokens))]
    Unknown { tokens: Vec<String> },
    /// Tokens without a value here (or not in [`KNOWN`]), in order, each once.
    #[error("no value for {}", braced(.tokens))]
    Unresolved { tokens: Vec<String> },
}

/// `{{a}}, {{b}}`
fn braced(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|token| format!("{{{{{token}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A template's text and tokens.
enum Piece<'a> {
    Text(&'a str),
    Token(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        if let Some(before) = rest[..at].strip_suffix('\\') {
            pieces.push(Piece::Text(before));
            pieces.push(Piece::Text("{{"));
            rest = &rest[at + 2..];
            continue;
        }
        pieces.push(Piece::Text(&rest[..at]));
        let inside = &rest[at + 2..];
        let Some(close) = inside.find("}}") else {
            let offset = template.len() - rest.len() + at;
            let line = template[..offset].matches('\n').count() + 1;
            return Err(TemplateError::Unclosed { line });
        };
        let token = inside[..close].trim();
        if !is_name(token) {
            return Err(TemplateError::Malformed {
                token: token.to_owned(),
            });
        }
        pieces.push(Piece::Token(token));
        rest = &inside[close + 2..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// `word(.word)*`, a word being ASCII letters, digits and `_`, not
/// starting with a digit.
fn is_name(token: &str) -> bool {
    token.split('.').all(|word| {
        word.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn unique<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut unique: Vec<String> = Vec::new();
    for token in tokens {
        if !unique.iter().any(|seen| seen == token) {
            unique.push(token.to_owned());
        }
    }
    unique
}

/// The template with its tokens replaced by their `values`.
///
/// Every token must be in [`KNOWN`] and have a value (an empty one is a
/// value); if not, the error names all those that do not, in order of
/// appearance, each once.
pub fn render(
    template: &str,
    values: &impl Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    let pieces = pieces(template)?;
    let mut rendered = String::with_capacity(template.len());
    let mut unresolved = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => rendered.push_str(text),
            Piece::Token(token) => match values(token).filter(|_| KNOWN.contains(&token)) {
                Some(value) => rendered.push_str(&value),
                None => unresolved.push(token),
            },
        }
    }
    if unresolved.is_empty() {
        Ok(rendered)
    } else {
        Err(TemplateError::Unresolved {
            tokens: unique(unresolved.into_iter()),
        })
    }
}

/// The tokens `template` uses, in order, each once. Malformed tokens are
/// skipped, and nothing after an unclosed `{{` is read ([`check`] tells
/// those mistakes).
pub fn tokens(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    // Like `pieces`, but going on past mistakes.
    while let Some(at) = rest.find("{{") {
        let escaped = rest[..at].ends_with('\\');
        let inside = &rest[at + 2..];
        if escaped {
            rest = inside;
            continue;
        }
        let Some(close) = inside.find("}}") else {
            break;
        };
        let token = inside[..close].trim();
        if is_name(token) {
            found.push(token);
        }
        rest = &inside[close + 2..];
    }
    unique(found.into_iter())
}

/// The tokens `template` uses that are not in [`KNOWN`], in order, each once.
pub fn unknown_tokens(template: &str) -> Vec<String> {
    tokens(template)
        .into_iter()
        .filter(|token| !KNOWN.contains(&token.as_str()))
        .collect()
}

/// Whether `template` can be saved: written correctly, and using only
/// [`KNOWN`] tokens.
pub fn check(template: &str) -> Result<(), TemplateError> {
    pieces(template)?;
    let unknown = unknown_tokens(template);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(TemplateError::Unknown { tokens: unknown })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(token: &str) -> Option<String> {
        match token {
            "applicant.given_name" => Some("Ana".into()),
            "case.folio" => Some("CAS014".into()),
            "me.display_name" => Some("Lee Park".into()),
            "me.signature" => Some(String::new()),
            "secret.token" => Some("s3cr3t".into()),
            _ => None,
        }
    }

    #[test]
    fn tokens_are_replaced_spaced_or_not() {
        let template = "Dear {{applicant.given_name}},\n\nYour file {{ case.folio }} ({{case.folio}}) is ready.\n{{me.display_name}}{{me.signature}}";
        assert_eq!(
            render(template, &values),
            Ok("Dear Ana,\n\nYour file CAS014 (CAS014) is ready.\nLee Park".into())
        );
        assert_eq!(
            render("No tokens { } }} {", &values),
            Ok("No tokens { } }} {".into())
        );
        // A value is not read as a template again.
        let braces = |_: &str| Some("{{case.folio}}".to_owned());
        assert_eq!(
            render("{{case.stage}}", &braces),
            Ok("{{case.folio}}".into())
        );
    }

    #[test]
    fn every_missing_or_unknown_token_is_named_once() {
        let error = render(
            "{{case.program}} {{applicant.given_name}} {{case.stage}} {{ case.program }} {{secret.token}}",
            &values,
        )
        .expect_err("missing");
        assert_eq!(
            error,
            TemplateError::Unresolved {
                tokens: vec![
                    "case.program".into(),
                    "case.stage".into(),
                    "secret.token".into()
                ]
            }
        );
        assert_eq!(
            error.to_string(),
            "no value for {{case.program}}, {{case.stage}}, {{secret.token}}"
        );
    }

    #[test]
    fn a_backslash_writes_braces_as_they_are() {
        assert_eq!(
            render(r"Type \{{case.folio}} to get {{case.folio}}", &values),
            Ok("Type {{case.folio}} to get CAS014".into())
        );
        assert_eq!(render(r"a \ b \{{", &values), Ok(r"a \ b {{".into()));
        assert_eq!(tokens(r"\{{case.folio}} {{case.stage}}"), ["case.stage"]);
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(
            render(
                "Dear {{applicant.given_name}},\n\nSee {{case.folio",
                &values
            ),
            Err(TemplateError::Unclosed { line: 3 })
        );
        assert_eq!(
            TemplateError::Unclosed { line: 3 }.to_string(),
            "line 3: `{{` is not closed with `}}`"
        );
        for (template, token) in [
            ("{{ case folio }}", "case folio"),
            ("{{}}", ""),
            ("{{case..folio}}", "case..folio"),
            ("{{1case}}", "1case"),
            ("{{{case.folio}}}", "{case.folio"),
        ] {
            assert_eq!(
                check(template),
                Err(TemplateError::Malformed {
                    token: token.into()
                }),
                "{template}"
            );
        }
        assert_eq!(
            TemplateError::Malformed {
                token: "case folio".into()
            }
            .to_string(),
            "`{{case folio}}` is not a token name (use words and dots, such as {{case.folio}})"
        );
    }

    #[test]
    fn templates_are_checked_when_saved() {
        let template =
            "{{applicant.givenname}} {{case.folio}} {{ Case.Folio }} {{applicant.givenname}} {{x}}";
        assert_eq!(
            tokens(template),
            ["applicant.givenname", "case.folio", "Case.Folio", "x"]
        );
        assert_eq!(
            unknown_tokens(template),
            ["applicant.givenname", "Case.Folio", "x"]
        );
        assert_eq!(
            check(template).map_err(|e| e.to_string()),
            Err("unknown tokens: {{applicant.givenname}}, {{Case.Folio}}, {{x}}".into())
        );
        let every_known: String = KNOWN.iter().map(|t| format!("{{{{{t}}}}}\n")).collect();
        assert_eq!(check(&every_known), Ok(()));
        assert_eq!(tokens("{{case.folio}} {{ broken"), ["case.folio"]);
    }
}
