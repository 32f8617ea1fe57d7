//! Rendering to PDF: missing values, valid PDFs, literal values, pages, logo,
//! identical bytes. Uses `qpdf` and `pdftotext` when installed.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use immcase_doc_templates::{Letterhead, Logo, LogoFormat, RenderError, Vocabulary, render};

fn letterhead(logo: Option<Logo>) -> Letterhead {
    Letterhead {
        name: "Northbridge Immigration Consulting".into(),
        address: "480 University Avenue, Suite 1500\nToronto ON M5G 1V2".into(),
        phone: "+1 416 555 0100".into(),
        email: "office@northbridge.example".into(),
        website: "northbridge.example".into(),
        logo,
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// Every standard token with its sample value.
fn sample_values() -> BTreeMap<String, String> {
    let vocabulary = Vocabulary::standard();
    vocabulary
        .names()
        .map(|name| {
            (
                name.to_owned(),
                vocabulary.sample(name).unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const LETTER: &str = "#letterhead()\n\
    #set text(font: \"Liberation Sans\")\n\
    {{today}}\n\n\
    Dear {{applicant.given_name}} {{applicant.family_name}},\n\n\
    Your file {{case.folio}} with {{practice.name}} is at the stage: {{case.stage}}.\n\n\
    Regards, \\\n{{user.name}}";

/// `pdftotext` output, or `None` (with a message) when it is not installed;
/// required when `IMMCASE_TEST_PDFTOTEXT=required`.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let child = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(
                std::env::var("IMMCASE_TEST_PDFTOTEXT").as_deref() != Ok("required"),
                "pdftotext is required: {error}"
            );
            eprintln!("pdftotext not available ({error}): text of the PDF not checked");
            return None;
        }
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pdf)
        .expect("write to pdftotext");
    let output = child.wait_with_output().expect("pdftotext runs");
    assert!(output.status.success(), "pdftotext failed");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `qpdf --check` when qpdf is installed.
fn qpdf_check(pdf: &[u8]) {
    let dir = std::env::temp_dir().join(format!("immcase-doc-templates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("letter.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    match Command::new("qpdf").arg("--check").arg(&path).output() {
        Ok(output) => assert!(
            output.status.success(),
            "qpdf --check: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => eprintln!("qpdf not available ({error}): structure not checked"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_values_are_named_in_order_once() {
    let given = values(&[
        ("applicant.given_name", "Amara"),
        ("case.stage", ""),
        ("case.folio", " \n "),
    ]);
    let error = render(LETTER, &given, &letterhead(None)).expect_err("missing values");
    // practice.name comes from the letterhead; an empty or blank value is missing.
    assert_eq!(
        error,
        RenderError::Missing(vec![
            "today".into(),
            "applicant.family_name".into(),
            "case.folio".into(),
            "case.stage".into(),
            "user.name".into(),
        ])
    );
    assert!(
        error.to_string().starts_with("no value for {{today}}, "),
        "{error}"
    );
}

#[test]
fn a_letter_is_a_valid_pdf_with_the_names_and_hostile_values_literal() {
    let hostile = "O'Brien #1 *x* $y$ [z] <l> @r \\ \"q\" {{today}} _u_ `c` // no";
    let mut given = sample_values();
    given.insert("applicant.family_name".into(), hostile.into());
    let rendered = render(LETTER, &given, &letterhead(None)).expect("renders");
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert_eq!(rendered.pages, 1);
    qpdf_check(&rendered.pdf);
    if let Some(text) = pdf_text(&rendered.pdf) {
        assert!(text.contains("Amara"), "{text}");
        assert!(
            text.contains("Northbridge Immigration Consulting"),
            "{text}"
        );
        assert!(text.contains(hostile), "{text}");
        assert!(text.contains("480 University Avenue"), "{text}");
    }
}

#[test]
fn a_two_page_letter_has_two_pages() {
    let source = format!("{LETTER}\n#pagebreak()\nPage two for {{{{applicant.full_name}}}}.");
    let rendered = render(&source, &sample_values(), &letterhead(None)).expect("renders");
    assert_eq!(rendered.pages, 2);
    if let Some(text) = pdf_text(&rendered.pdf) {
        assert!(
            text.contains("Page two for Amara Okafor-Lindqvist."),
            "{text}"
        );
    }
}

#[test]
fn the_logo_is_an_image_in_the_pdf() {
    let png = Logo {
        bytes: include_bytes!("logo.png").to_vec(),
        format: LogoFormat::Png,
    };
    let with = render(LETTER, &sample_values(), &letterhead(Some(png))).expect("renders");
    let without = render(LETTER, &sample_values(), &letterhead(None)).expect("renders");
    let has_image = |pdf: &[u8]| {
        pdf.windows(13)
            .any(|window| window == b"/Subtype /Ima" || window == b"/Subtype/Imag")
    };
    assert!(has_image(&with.pdf), "no image XObject with a logo");
    assert!(!has_image(&without.pdf), "an image XObject without a logo");
    qpdf_check(&with.pdf);

    let svg = Logo {
        bytes: br##"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><rect width="60" height="20" fill="#1f3a5f"/></svg>"##.to_vec(),
        format: LogoFormat::Svg,
    };
    render(LETTER, &sample_values(), &letterhead(Some(svg))).expect("renders with an SVG logo");
}

#[test]
fn a_bad_logo_is_a_template_problem_not_a_panic() {
    let broken = Logo {
        bytes: b"not a png".to_vec(),
        format: LogoFormat::Png,
    };
    let error = render(LETTER, &sample_values(), &letterhead(Some(broken))).expect_err("bad logo");
    assert!(matches!(error, RenderError::Template(_)), "{error}");
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let first = render(LETTER, &sample_values(), &letterhead(None)).expect("renders");
    let second = render(LETTER, &sample_values(), &letterhead(None)).expect("renders");
    assert!(first.pdf == second.pdf, "two renders differ");
}

#[test]
fn practice_values_override_the_letterhead() {
    let mut given = sample_values();
    given.insert("practice.name".into(), "Other Name LLP".into());
    let rendered = render(LETTER, &given, &letterhead(None)).expect("renders");
    if let Some(text) = pdf_text(&rendered.pdf) {
        assert!(text.contains("with Other Name LLP is"), "{text}");
    }
}

#[test]
fn a_template_error_at_render_time_is_refused() {
    let error = render(
        "#set text(colour: red)\n{{today}}",
        &sample_values(),
        &letterhead(None),
    )
    .expect_err("template error");
    match error {
        RenderError::Template(problems) => assert_eq!(problems[0].position.line, 1),
        other => panic!("{other}"),
    }
}

/// Timing of a two-page letter (run with `--ignored --nocapture`, in release).
#[test]
#[ignore]
fn time_a_two_page_letter() {
    let source = format!("{LETTER}\n#pagebreak()\nPage two for {{{{applicant.full_name}}}}.");
    let given = sample_values();
    let started = Instant::now();
    render(&source, &given, &letterhead(None)).expect("renders");
    eprintln!(
        "first render (fonts parsed, caches cold): {:?}",
        started.elapsed()
    );
    for starter in immcase_doc_templates::starters() {
        let started = Instant::now();
        let rendered = render(starter.source, &given, &letterhead(None)).expect("renders");
        eprintln!(
            "{}: {} pages, {} bytes, {:?}",
            starter.key,
            rendered.pages,
            rendered.pdf.len(),
            started.elapsed()
        );
    }
    let started = Instant::now();
    let runs = 10;
    for _ in 0..runs {
        render(&source, &given, &letterhead(None)).expect("renders");
    }
    eprintln!("two-page letter: {:?} per render", started.elapsed() / runs);
}

#[test]
fn tokens_in_code_and_strings_are_plain_text_too() {
    let source = "#let line = \"File {{case.folio}} of {{applicant.family_name}}.\"\n\
                  #line\n\n\
                  #upper({{applicant.given_name}})\n\n\
                  #text(weight: \"bold\")[Dear {{applicant.given_name}}]";
    let mut given = sample_values();
    given.insert(
        "applicant.family_name".into(),
        "D'Arcy \" + \"x\\\" #y".into(),
    );
    given.insert("applicant.given_name".into(), "Zoë *a*".into());
    let rendered = render(source, &given, &letterhead(None)).expect("renders");
    if let Some(text) = pdf_text(&rendered.pdf) {
        assert!(
            text.contains("File 2026-0142 of D'Arcy \" + \"x\\\" #y."),
            "{text}"
        );
        assert!(text.contains("ZOË *A*"), "{text}");
        assert!(text.contains("Dear Zoë *a*"), "{text}");
    }
}
