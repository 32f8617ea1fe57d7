//! Reading a map's text (see the module's documentation for its form).

use super::{
    APPLICANT_FIELDS, CASE_FIELDS, DatePart, MEMBER_FIELDS, MapField, MapProblem, RELATIONSHIPS,
    Source, Transform,
};

/// The longest map, in lines, and the longest line.
pub const MAX_LINES: usize = 5_000;
pub const MAX_LINE_CHARS: usize = 1_000;

/// The map's fields, or every line's mistake. Blank lines and lines
/// starting with `#` are skipped.
pub fn parse(text: &str) -> Result<Vec<MapField>, Vec<MapProblem>> {
    let mut fields = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if line > MAX_LINES {
            problems.push(problem(
                line,
                format!("a map has at most {MAX_LINES} lines"),
            ));
            break;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.chars().count() > MAX_LINE_CHARS {
            problems.push(problem(
                line,
                format!("longer than {MAX_LINE_CHARS} characters"),
            ));
            continue;
        }
        match parse_line(line, trimmed) {
            Ok(field) => match seen.insert(field.path.clone(), line) {
                Some(first) => problems.push(problem(
                    line,
                    format!("{} is already mapped on line {first}", field.path),
                )),
                None => fields.push(field),
            },
            Err(message) => problems.push(problem(line, message)),
        }
    }
    if problems.is_empty() {
        Ok(fields)
    } else {
        Err(problems)
    }
}

fn problem(line: usize, message: String) -> MapProblem {
    MapProblem { line, message }
}

fn parse_line(line: usize, text: &str) -> Result<MapField, String> {
    let (path, rest) = text
        .split_once("<-")
        .ok_or("write the field, then `<-`, then where its value comes from")?;
    let path = path.trim();
    check_path(path)?;
    let (source, rest) = source(rest.trim())?;
    let mut transforms = Vec::new();
    let mut required = false;
    if !rest.trim().is_empty() {
        let rest = rest
            .trim()
            .strip_prefix('|')
            .ok_or_else(|| format!("after the source, `|` and a change, not {:?}", rest.trim()))?;
        for step in rest.split('|').map(str::trim) {
            if step == "required" {
                required = true;
            } else {
                transforms.push(transform(step)?);
            }
        }
    }
    Ok(MapField {
        line,
        path: path.to_owned(),
        source,
        transforms,
        required,
    })
}

/// A data path: names of letters, digits, `_` and `-`, joined by dots, each
/// perhaps with a row `[n]` or `[*]`.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the field's path is missing before `<-`".into());
    }
    for segment in path.split('.') {
        let name = match segment.split_once('[') {
            Some((name, row)) => {
                let row = row
                    .strip_suffix(']')
                    .ok_or_else(|| format!("{segment}: a row is written [0] or [*]"))?;
                if row != "*" && row.parse::<u32>().is_err() {
                    return Err(format!("{segment}: a row is written [0] or [*]"));
                }
                name
            }
            None => segment,
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "{path:?} is not a field path (names joined by dots)"
            ));
        }
    }
    Ok(())
}

/// The source at the start of `text`, and what follows it.
fn source(text: &str) -> Result<(Source, &str), String> {
    if text.starts_with('"') {
        let (value, rest) = quoted(text)?;
        return Ok((Source::Constant { value }, rest));
    }
    if let Some(question) = text.strip_prefix("ask") {
        let question = question.trim_start();
        if !question.starts_with('"') {
            return Err("write the question in quotes: ask \"Purpose of visit\"".into());
        }
        let (question, rest) = quoted(question)?;
        if question.trim().is_empty() {
            return Err("the question is empty".into());
        }
        return Ok((Source::Ask { question }, rest));
    }
    let end = text.find('|').unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    let name = name.trim();
    let parts: Vec<&str> = name.split('.').collect();
    let known = |list: &[(&str, &str)], field: &str| list.iter().any(|(key, _)| *key == field);
    let source = match parts.as_slice() {
        ["applicant", field] if known(APPLICANT_FIELDS, field) => Source::Applicant {
            field: (*field).into(),
        },
        ["applicant", field] => return Err(unknown("an applicant", field, APPLICANT_FIELDS)),
        ["case", field] if known(CASE_FIELDS, field) => Source::Case {
            field: (*field).into(),
        },
        ["case", field] => return Err(unknown("a case", field, CASE_FIELDS)),
        ["family", relationship, field] => {
            if !known(RELATIONSHIPS, relationship) {
                return Err(unknown(
                    "a family relationship",
                    relationship,
                    RELATIONSHIPS,
                ));
            }
            if !known(MEMBER_FIELDS, field) {
                return Err(unknown("a family member", field, MEMBER_FIELDS));
            }
            Source::Family {
                relationship: (*relationship).into(),
                field: (*field).into(),
            }
        }
        _ => {
            return Err(format!(
                "{name:?} is no source: use applicant.…, case.…, family.…, \"text\" or ask \"question\""
            ));
        }
    };
    Ok((source, rest))
}

fn unknown(what: &str, name: &str, list: &[(&str, &str)]) -> String {
    let names: Vec<&str> = list.iter().map(|(key, _)| *key).collect();
    format!(
        "{name:?} is not {what}'s field: one of {}",
        names.join(", ")
    )
}

/// A quoted text at the start of `text` (with `\"` and `\\`), and the rest.
fn quoted(text: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &text[at + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                _ => return Err("inside quotes, write \\\" or \\\\ only".into()),
            },
            c => value.push(c),
        }
    }
    Err("a quote is not closed".into())
}

fn transform(step: &str) -> Result<Transform, String> {
    Ok(match step {
        "date" => Transform::IsoDate,
        "year" => Transform::DatePart {
            part: DatePart::Year,
        },
        "month" => Transform::DatePart {
            part: DatePart::Month,
        },
        "day" => Transform::DatePart {
            part: DatePart::Day,
        },
        "yes-no" => Transform::YesNo,
        "one-two" => Transform::OneTwo,
        "codes" => Transform::Codes,
        "upper" => Transform::Upper,
        other => match other.strip_prefix("max ").map(str::trim) {
            Some(n) => match n.parse::<usize>() {
                Ok(max) if (1..=10_000).contains(&max) => Transform::MaxLength { max },
                _ => {
                    return Err(format!(
                        "max takes a number of characters from 1 to 10000, not {n:?}"
                    ));
                }
            },
            None => {
                return Err(format!(
                    "{other:?} is no change: date, year, month, day, yes-no, one-two, codes, upper, max N or required"
                ));
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::line_of;

    #[test]
    fn a_map_reads_sources_changes_and_required() {
        let text = "# personal\n\
            form1.P1.FamilyName <- applicant.family_name | upper | max 60 | required\n\
            \n\
            form1.P2.Child[*].DOBYear <- family.child.date_of_birth | year\n\
            form1.P1.Lang <- \"Eng \\\"lish\\\"\"\n\
            form1.P1.Purpose <- ask \"Purpose of visit\" | codes\n";
        let fields = parse(text).unwrap();
        assert_eq!(fields.len(), 4);
        assert_eq!(fields[0].line, 2);
        assert!(fields[0].required);
        assert_eq!(
            fields[0].transforms,
            [Transform::Upper, Transform::MaxLength { max: 60 }]
        );
        assert!(fields[1].repeats());
        assert_eq!(
            fields[2].source,
            Source::Constant {
                value: "Eng \"lish\"".into()
            }
        );
        assert_eq!(
            fields[3].source,
            Source::Ask {
                question: "Purpose of visit".into()
            }
        );
        // Written back, each line reads the same.
        for field in &fields {
            let again = parse(&line_of(field)).unwrap();
            assert_eq!(
                (&again[0].source, &again[0].transforms),
                (&field.source, &field.transforms)
            );
        }
    }

    #[test]
    fn each_mistake_is_named_on_its_line() {
        let text = "a.b <- applicant.favourite_colour\n\
            a.c applicant.family_name\n\
            a.d <- family.cousin.given_name\n\
            a.e <- case.folio | shout\n\
            a.e <- case.folio\n\
            a.f <- \"open\n\
            a..g <- case.folio\n";
        let problems = parse(text).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 6, 7]);
        assert!(
            problems[0].message.contains("favourite_colour"),
            "{}",
            problems[0]
        );
        assert!(problems[2].message.contains("cousin"), "{}", problems[2]);
        assert!(problems[3].message.contains("shout"), "{}", problems[3]);
        assert!(problems[4].message.contains("quote"), "{}", problems[4]);
        let twice = parse("a.e <- case.folio\na.e <- case.program").unwrap_err();
        assert_eq!(
            twice[0].to_string(),
            "line 2: a.e is already mapped on line 1"
        );
    }
}
