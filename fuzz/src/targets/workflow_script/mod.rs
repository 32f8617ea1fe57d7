//! Workflow scripts checked on save: a condition and a script as an
//! administrator writes them, checked by `workflows::check_sources`, the
//! function saving a workflow (and the editor's check) calls. It compiles
//! the condition as an expression and the script as statements on the
//! checking engine (rhai with the sandbox's limits and every function a
//! script may call), and refuses a call to a function that does not exist
//! with that many arguments, each problem with its line and column.
//!
//! An input is the condition, a line `%%script%%`, then the script; with no
//! such line it is all script. Inputs are the host's example workflows
//! (`workflows::examples::EXAMPLES`), the end-to-end tests' scripts
//! (`seeds/workflow-script/`), their mutants, and scripts drawn from a
//! grammar of the script language (`drawn.rs`).
//!
//! Besides panics, hangs and memory, a finding is a problem without its
//! part, or whose line lies outside its source.

mod drawn;

use immcase_host::workflows::{self, examples::EXAMPLES};

use super::host::OpenHost;
use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

/// The line between the condition and the script.
pub const SCRIPT: &str = "\n%%script%%\n";

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"let ",
        b"const ",
        b"fn ",
        b"if ",
        b" else ",
        b"for ",
        b" in ",
        b"while ",
        b"loop ",
        b"do ",
        b" until ",
        b"switch ",
        b"try ",
        b" catch ",
        b"throw ",
        b"return ",
        b"break;",
        b"import ",
        b"eval(",
        b"Fn(\"",
        b".call(",
        b".curry(",
        b"|x| ",
        b"#{",
        b"${",
        b"`",
        b"/*",
        b"*/",
        b"//",
        b"\\u{",
        b"'",
        b"=>",
        b"..=",
        b"?.",
        b"??",
        b"!in",
        b"this",
        b"global::",
        b"event.payload",
        b"record",
        b"today()",
        b"people()",
        b"send_email(",
        b"action(",
        b"((((((((((((((((",
        b"[[[[[[[[[[[[[[[[",
        b"{{{{{{{{{{{{{{{{",
    ],
    max_len: 66 * 1024,
};

/// The check a workflow's condition and script pass when it is saved.
pub struct WorkflowScriptTarget {
    seeds: Vec<Vec<u8>>,
    host: Option<OpenHost>,
}

impl WorkflowScriptTarget {
    pub fn new() -> WorkflowScriptTarget {
        let mut seeds: Vec<Vec<u8>> = EXAMPLES
            .iter()
            .map(|e| format!("{}{SCRIPT}{}", e.condition, e.script).into_bytes())
            .collect();
        seeds.extend(corpus::files(&corpus::seeds_dir("workflow-script"), "rhai"));
        WorkflowScriptTarget { seeds, host: None }
    }
}

impl Target for WorkflowScriptTarget {
    fn name(&self) -> &'static str {
        "workflow-script"
    }

    fn extension(&self) -> &'static str {
        "rhai"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 2, 3, |bytes| {
            drawn::sources(bytes)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(input);
        let (condition, script) = text.split_once(SCRIPT).unwrap_or(("", &text));
        let host = self.host.get_or_insert_with(|| OpenHost::open(|_| {}));
        let problems = workflows::check_sources(&host.state, condition, script);
        for problem in &problems {
            let source = match problem.part.as_str() {
                "condition" => condition,
                "script" => script,
                other => panic!("a problem of {other:?}, neither condition nor script: {problem}"),
            };
            if let Some(line) = problem.line {
                let lines = lines(source);
                assert!(
                    (1..=lines).contains(&line),
                    "a problem on line {line} of a {} of {lines} lines: {problem}",
                    problem.part
                );
            }
        }
        if problems.is_empty() {
            Outcome::Accepted
        } else {
            Outcome::Refused
        }
    }

    fn reset(&mut self) {
        self.host = None;
    }
}

/// The lines of `source`, broken by LF, CRLF or a lone CR.
fn lines(source: &str) -> usize {
    let bytes = source.as_bytes();
    let breaks = (0..bytes.len())
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}
