//! A subject's parts: the prefixes mail clients add (`Re:`, `Fwd:` and
//! their translations), the tags in brackets (`[TKT012]`, `[External]`),
//! and what is left, the subject people wrote.

/// A subject without its prefixes and leading tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedSubject {
    /// What is left, whitespace collapsed: `Passport copy`.
    pub base: String,
    /// The tags in brackets before it, without brackets, in order:
    /// `["TKT012"]`.
    pub tags: Vec<String>,
    /// A reply prefix was there (`Re:`, `RE:`, `AW:`, `SV:`, `Re[2]:`).
    pub reply: bool,
    /// A forward prefix was there (`Fwd:`, `FW:`, `TR:`, `RV:`, `WG:`, or
    /// `(fwd)` at the end).
    pub forward: bool,
}

impl NormalizedSubject {
    /// The base lowercased: what two subjects are compared by.
    pub fn key(&self) -> String {
        self.base.to_lowercase()
    }
}

/// Reply prefixes: English, German (`AW`, Antwort), Swedish and Norwegian
/// (`SV`), Dutch (`Antw`).
const REPLY: &[&str] = &["re", "aw", "sv", "antw"];
/// Forward prefixes: English, French (`TR`, transféré), Spanish (`RV`,
/// reenviado), German (`WG`, weitergeleitet).
const FORWARD: &[&str] = &["fwd", "fw", "tr", "rv", "wg"];

/// A prefix or leading tag of a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Prefix {
    Reply,
    Forward,
    Tag(String),
}

/// The prefixes and tags at the start of `subject`, each with the byte
/// offset where it ends.
pub(crate) fn split_prefixes(subject: &str) -> Vec<(Prefix, usize)> {
    let mut found = Vec::new();
    let mut at = 0;
    loop {
        let rest = &subject[at..];
        let start = at + (rest.len() - rest.trim_start().len());
        let rest = &subject[start..];
        let Some((prefix, length)) = tag(rest).or_else(|| word(rest)) else {
            return found;
        };
        at = start + length;
        found.push((prefix, at));
    }
}

/// `[TKT012]` at the start of `text`.
fn tag(text: &str) -> Option<(Prefix, usize)> {
    let inside = text.strip_prefix('[')?;
    let end = inside.find([']', '['])?;
    let tag = inside[..end].trim();
    (inside[end..].starts_with(']') && !tag.is_empty())
        .then(|| (Prefix::Tag(tag.to_owned()), end + 2))
}

/// `Re:`, `RE :`, `Re[2]:`, `Re(2):`, `Fwd:` at the start of `text`.
fn word(text: &str) -> Option<(Prefix, usize)> {
    let letters = text.len()
        - text
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    let word = text[..letters].to_ascii_lowercase();
    let prefix = if REPLY.contains(&word.as_str()) {
        Prefix::Reply
    } else if FORWARD.contains(&word.as_str()) {
        Prefix::Forward
    } else {
        return None;
    };
    let mut rest = &text[letters..];
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inside) = rest.strip_prefix(open)
            && let Some((count, after)) = inside.split_once(close)
            && !count.is_empty()
            && count.bytes().all(|b| b.is_ascii_digit())
        {
            rest = after;
        }
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(':')?;
    Some((prefix, text.len() - rest.len()))
}

/// `subject` without its `Re:`/`Fwd:`-like prefixes (also translated, and
/// numbered: `Re[2]:`) and leading `[tags]`, however many and in whatever
/// order, nor a trailing `(fwd)`; whitespace collapsed. The tags are kept
/// in [`NormalizedSubject::tags`].
pub fn normalize_subject(subject: &str) -> NormalizedSubject {
    let prefixes = split_prefixes(subject);
    let rest = prefixes.last().map_or(subject, |(_, end)| &subject[*end..]);
    let mut normalized = NormalizedSubject {
        base: String::new(),
        tags: Vec::new(),
        reply: false,
        forward: false,
    };
    for (prefix, _) in prefixes {
        match prefix {
            Prefix::Reply => normalized.reply = true,
            Prefix::Forward => normalized.forward = true,
            Prefix::Tag(tag) => normalized.tags.push(tag),
        }
    }
    let mut base = rest.split_whitespace().collect::<Vec<_>>().join(" ");
    while base.to_ascii_lowercase().ends_with("(fwd)") {
        base.truncate(base.len() - "(fwd)".len());
        base.truncate(base.trim_end().len());
        normalized.forward = true;
    }
    normalized.base = base;
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(subject: &str) -> String {
        normalize_subject(subject).base
    }

    #[test]
    fn prefixes_go_however_many_in_any_language() {
        for subject in [
            "Passport copy",
            "Re: Passport copy",
            "RE: Re: re:Passport copy",
            "Fwd: RE: FW: Passport copy",
            "AW: WG: Passport copy",
            "TR: RV: SV: Passport copy",
            "Re[2]: Re(3): Passport copy",
            "RE : Passport   copy ",
            "Fwd: Passport copy (fwd)",
            "  Re:\tPassport\r\n copy",
        ] {
            assert_eq!(base(subject), "Passport copy", "{subject}");
        }
        assert!(normalize_subject("Re: x").reply);
        assert!(!normalize_subject("Re: x").forward);
        assert!(normalize_subject("x (fwd)").forward);
        assert!(normalize_subject("TR: x").forward);
        assert!(!normalize_subject("x").reply);
    }

    #[test]
    fn words_that_only_look_like_prefixes_stay() {
        assert_eq!(base("Regarding: your visa"), "Regarding: your visa");
        assert_eq!(base("Re-submission of forms"), "Re-submission of forms");
        assert_eq!(base("Trip: dates"), "Trip: dates");
        assert_eq!(base("Re[x]: a"), "Re[x]: a");
        assert_eq!(base("Re: "), "");
        assert_eq!(base(""), "");
        assert_eq!(base("Status: Re: x"), "Status: Re: x");
    }

    #[test]
    fn leading_tags_are_kept_apart() {
        let subject = normalize_subject("[External] RE: [TKT012] Re: Passport copy");
        assert_eq!(subject.base, "Passport copy");
        assert_eq!(subject.tags, ["External", "TKT012"]);
        assert!(subject.reply);
        assert_eq!(subject.key(), "passport copy");
        // Tags later in the subject are part of it; broken ones too.
        assert_eq!(base("Passport [TKT012]"), "Passport [TKT012]");
        assert_eq!(base("[TKT012 Passport"), "[TKT012 Passport");
        assert_eq!(base("[] Passport"), "[] Passport");
        assert_eq!(normalize_subject("Ré: Pièces").base, "Ré: Pièces");
    }

    #[test]
    fn prefixes_end_where_they_end() {
        let subject = "Re: [TKT1] Fwd: x";
        let ends: Vec<_> = split_prefixes(subject)
            .into_iter()
            .map(|(_, end)| end)
            .collect();
        assert_eq!(ends, [3, 10, 15]);
        assert_eq!(&subject[15..], " x");
    }
}
