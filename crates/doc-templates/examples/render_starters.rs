//! Renders the starter templates with the standard sample values into a
//! folder, and times a two-page letter.
//!
//! `cargo run --release -p immcase-doc-templates --example render_starters -- OUT_DIR`

use std::collections::BTreeMap;
use std::time::Instant;

use immcase_doc_templates::{Letterhead, Vocabulary, render, starters};

const TWO_PAGES: &str = "#letterhead()\n{{today}}\n\nDear {{applicant.full_name}},\n\n\
    #lorem(400)\n\n#lorem(300)\n\nYours truly, \\\n{{user.name}}";

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let vocabulary = Vocabulary::standard();
    let values: BTreeMap<String, String> = vocabulary
        .names()
        .map(|name| {
            (
                name.to_owned(),
                vocabulary.sample(name).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let letterhead = Letterhead {
        name: "Northbridge Immigration Consulting".into(),
        address: "480 University Avenue, Suite 1500\nToronto ON M5G 1V2".into(),
        phone: "+1 416 555 0100".into(),
        email: "office@northbridge.example".into(),
        website: "northbridge.example".into(),
        logo: None,
    };
    for starter in starters() {
        let started = Instant::now();
        match render(starter.source, &values, &letterhead) {
            Ok(rendered) => {
                let path = format!("{out}/{}.pdf", starter.key);
                if let Err(error) = std::fs::write(&path, &rendered.pdf) {
                    eprintln!("{path}: {error}");
                }
                println!(
                    "{}: {} pages, {} bytes, {:?}",
                    starter.key,
                    rendered.pages,
                    rendered.pdf.len(),
                    started.elapsed()
                );
            }
            Err(error) => eprintln!("{}: {error}", starter.key),
        }
    }
    let runs: u32 = 20;
    let started = Instant::now();
    let mut pages = 0;
    let mut values = values;
    for run in 0..runs {
        // A different name each time, as for different cases.
        values.insert(
            "applicant.full_name".into(),
            format!("Applicant Number {run}"),
        );
        match render(TWO_PAGES, &values, &letterhead) {
            Ok(rendered) => pages = rendered.pages,
            Err(error) => eprintln!("two-page letter: {error}"),
        }
    }
    println!(
        "two-page letter ({pages} pages): {:?} per render, mean of {runs} (a different name each), after the starters",
        started.elapsed() / runs
    );
}
