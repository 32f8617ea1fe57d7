//! Checking templates: tokens, Typst errors at the administrator's positions, starters.

use immcase_doc_templates::{Letterhead, Position, Vocabulary, check, starters, tokens};

fn letterhead() -> Letterhead {
    Letterhead {
        name: "Northbridge Immigration Consulting".into(),
        address: "480 University Avenue, Suite 1500\nToronto ON M5G 1V2".into(),
        phone: "+1 416 555 0100".into(),
        email: "office@northbridge.example".into(),
        website: "northbridge.example".into(),
        logo: None,
    }
}

fn at(line: u32, column: u32) -> Position {
    Position { line, column }
}

#[test]
fn a_good_template_lists_its_tokens_and_pages() {
    let source = "#letterhead()\nDear {{ applicant.given_name }} {{applicant.family_name}},\n\n\
                  Your file {{case.folio}}. {{applicant.given_name}}";
    let checked = check(source, &Vocabulary::standard(), &letterhead())
        .unwrap_or_else(|problems| panic!("{problems:?}"));
    assert_eq!(
        checked.tokens,
        [
            "applicant.given_name",
            "applicant.family_name",
            "case.folio"
        ]
    );
    assert_eq!(checked.pages, 1);
    assert_eq!(tokens(source).len(), 4);
    assert_eq!(tokens(source)[1].1, at(2, 33));
}

#[test]
fn an_unknown_token_is_a_problem_at_its_position() {
    let source = "Dear {{applicant.given_name}},\n\nYour colour: {{applicant.favourite_colour}}.";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("an unknown token");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].position, at(3, 14));
    assert_eq!(
        problems[0].to_string(),
        "line 3, column 14: unknown token {{applicant.favourite_colour}}"
    );
    let extended = Vocabulary::standard().with("applicant.favourite_colour", "teal");
    assert!(check(source, &extended, &letterhead()).is_ok());
}

#[test]
fn an_unclosed_token_is_a_problem() {
    let source = "Dear {{applicant.given_name}},\nFile {{case.folio\nThanks.";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("an unclosed token");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].position, at(2, 6));
    assert!(problems[0].message.contains("unclosed"), "{}", problems[0]);
}

#[test]
fn a_malformed_token_is_a_problem() {
    let problems = check(
        "Hi {{Applicant Name}}",
        &Vocabulary::standard(),
        &letterhead(),
    )
    .expect_err("a malformed token");
    assert_eq!(problems[0].position, at(1, 4));
}

#[test]
fn a_syntax_error_is_reported_at_its_line_and_column_past_tokens() {
    // Tokens before and on line 4 are rewritten to longer Typst code; the
    // error must still point at the administrator's column.
    let source = "#letterhead()\n\
                  Dear {{applicant.given_name}} {{applicant.family_name}},\n\
                  \n\
                  Fichier {{case.folio}}, {{case.program}} : #text(1, 2]\n\
                  Regards";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("a syntax error");
    let bracket = "Fichier {{case.folio}}, {{case.program}} : #text(1, 2"
        .chars()
        .count() as u32
        + 1;
    let messages: Vec<_> = problems.iter().map(ToString::to_string).collect();
    assert!(
        messages.contains(&format!("line 4, column {bracket}: unexpected closing bracket; hint: try using a backslash escape: \\]")),
        "{messages:?}"
    );
    // The same error without tokens is at the same place in that line.
    let plain = "#letterhead()\n\n\nFichier 2026-0142, Express Entry : #text(1, 2]";
    let problems =
        check(plain, &Vocabulary::standard(), &letterhead()).expect_err("a syntax error");
    assert!(
        problems
            .iter()
            .any(|p| p.position.line == 4 && p.message.starts_with("unexpected closing"))
    );
}

#[test]
fn an_error_after_a_token_in_a_content_block_is_at_its_column() {
    let source = "#text(fill: red)[{{case.folio}} #nope]";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("unknown variable");
    assert_eq!(
        problems[0].to_string(),
        "line 1, column 34: unknown variable: nope"
    );
}

#[test]
fn an_unknown_set_parameter_is_refused_with_its_position() {
    let source = "{{applicant.full_name}}\n#set text(colour: red)\nHello";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("an unknown parameter");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].position, at(2, 11), "{problems:?}");
    assert!(problems[0].message.contains("colour"), "{}", problems[0]);
}

#[test]
fn a_type_error_in_a_show_rule_is_refused() {
    let source = "#show heading: it => it.body + 1\n= {{case.program}}";
    let problems = check(source, &Vocabulary::standard(), &letterhead()).expect_err("a type error");
    assert_eq!(problems[0].position.line, 1, "{problems:?}");
}

#[test]
fn an_error_raised_while_laying_out_is_reported() {
    let source =
        "{{applicant.full_name}}\n#layout(size => assert(size.width < 1cm, message: \"too wide\"))";
    let problems =
        check(source, &Vocabulary::standard(), &letterhead()).expect_err("a layout-time error");
    assert_eq!(problems[0].position.line, 2, "{problems:?}");
    assert!(problems[0].message.contains("too wide"), "{problems:?}");
}

#[test]
fn the_clock_cannot_be_read() {
    let problems = check(
        "#datetime.today().display()",
        &Vocabulary::standard(),
        &letterhead(),
    )
    .expect_err("no clock");
    assert_eq!(problems[0].position, at(1, 2), "{problems:?}");
}

#[test]
fn unknown_tokens_and_typst_errors_are_reported_together() {
    let source = "{{applicant.nickname}}\n#set page(paper: \"a7-ish\")";
    let problems = check(source, &Vocabulary::standard(), &letterhead()).expect_err("two problems");
    let lines: Vec<u32> = problems.iter().map(|p| p.position.line).collect();
    assert_eq!(lines, [1, 2], "{problems:?}");
}

#[test]
fn tokens_work_in_code_strings_and_content_blocks() {
    let source = "#set document(title: \"Letter for {{applicant.full_name}}, {{case.folio}}\")\n\
                  #upper({{applicant.family_name}})\n\
                  #text(fill: blue)[Dear {{applicant.given_name}}]\n\
                  #let n = {{case.folio}}.len()\n\
                  // {{comment.only}} is left alone\n\
                  $ x = {{case.folio}} $";
    let vocabulary = Vocabulary::standard().with("comment.only", "-");
    check(source, &vocabulary, &letterhead()).unwrap_or_else(|problems| panic!("{problems:?}"));
}

#[test]
fn a_token_inside_raw_text_is_a_problem() {
    let problems = check(
        "Code: `{{case.folio}}`",
        &Vocabulary::standard(),
        &letterhead(),
    )
    .expect_err("raw text");
    assert_eq!(problems[0].position, at(1, 8));
}

#[test]
fn a_token_in_a_bare_url_is_refused_and_in_a_link_string_works() {
    let bare = "See https://example.com/{{case.folio}} now";
    assert!(check(bare, &Vocabulary::standard(), &letterhead()).is_err());
    let link = "See #link(\"https://example.com/{{case.folio}}\")[your file] now";
    check(link, &Vocabulary::standard(), &letterhead())
        .unwrap_or_else(|problems| panic!("{problems:?}"));
}

#[test]
fn the_starters_pass_check() {
    let starters = starters();
    let titles: Vec<_> = starters.iter().map(|s| s.title).collect();
    assert_eq!(
        titles,
        ["Retainer agreement", "Cover letter", "Document checklist"]
    );
    for starter in starters {
        let checked = check(starter.source, &Vocabulary::standard(), &letterhead())
            .unwrap_or_else(|problems| panic!("{}: {problems:#?}", starter.key));
        assert!(
            (1..=3).contains(&checked.pages),
            "{}: {}",
            starter.key,
            checked.pages
        );
        if starter.key == "document_checklist" {
            assert!(checked.tokens.iter().any(|t| t == "case.program"));
        }
    }
}
