//! `immcase-fuzz`: fuzzes ImmCase's readers of untrusted input.
//!
//! ```text
//! cargo run --release -p immcase-fuzz -- all --seconds 120
//! cargo run --release -p immcase-fuzz -- pdf-forms --seconds 600 --seed 7
//! cargo run --release -p immcase-fuzz -- --replay fuzz/found/ics-0123456789abcdef.ics
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use immcase_fuzz::finding;
use immcase_fuzz::supervisor::{self, Plan};
use immcase_fuzz::targets::NAMES;
use immcase_fuzz::worker::{self, Inputs, Job};

/// Fuzzes ImmCase's readers of untrusted input: a target's inputs for a
/// time or a number of inputs, with a fixed seed.
#[derive(Parser, Debug)]
#[command(name = "immcase-fuzz")]
struct Cli {
    /// manifest, settings, pdf-forms, ics, mail, multipart, store-query,
    /// workflow-script, or all.
    target: Option<String>,
    /// Seconds per target (60 when neither this nor --inputs is given).
    #[arg(long)]
    seconds: Option<f64>,
    /// Inputs per target.
    #[arg(long)]
    inputs: Option<u64>,
    /// The run's seed: the same seed makes the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The longest one input may run, in milliseconds (default 2000 in a
    /// release build, 10000 in a debug build).
    #[arg(long)]
    time_limit_ms: Option<u64>,
    /// The memory a worker may take, in MiB.
    #[arg(long, default_value_t = 2048)]
    memory_mb: usize,
    /// Replays saved inputs (from fuzz/found/) instead of fuzzing.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    replay: Vec<PathBuf>,
    /// The folder failing inputs are saved in (fuzz/found/ by default).
    #[arg(long, value_name = "DIR")]
    found: Option<PathBuf>,
    /// Makes the PDF seeds' encrypted variants again with qpdf.
    #[arg(long)]
    write_pdf_seeds: bool,
    /// Runs as a worker of a supervisor.
    #[arg(long, hide = true)]
    worker: bool,
    #[arg(long, hide = true, default_value_t = 0)]
    first: u64,
    #[arg(long, hide = true)]
    progress: Option<PathBuf>,
    #[arg(long, hide = true)]
    known_place: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let time_limit =
        Duration::from_millis(cli.time_limit_ms.unwrap_or(if cfg!(debug_assertions) {
            10_000
        } else {
            2_000
        }));
    let memory = cli.memory_mb << 20;
    if cli.worker {
        return ExitCode::from(work(&cli, time_limit, memory) as u8);
    }
    if cli.write_pdf_seeds {
        return match immcase_fuzz::corpus::write_pdf_seeds() {
            Ok(files) => {
                files.iter().for_each(|f| println!("{}", f.display()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    let seconds = match (cli.seconds, cli.inputs) {
        (None, None) => Some(60.0),
        (seconds, _) => seconds,
    };
    let plan = Plan {
        seed: cli.seed,
        inputs: cli.inputs,
        seconds,
        time_limit,
        memory,
        found: cli.found.clone().unwrap_or_else(finding::found_dir),
    };
    if !cli.replay.is_empty() {
        return replay(&cli.replay, &plan);
    }
    let targets: Vec<&str> = match cli.target.as_deref() {
        Some("all") => NAMES.to_vec(),
        Some(name) if NAMES.contains(&name) => vec![name],
        other => {
            eprintln!("name a target ({} or all), not {other:?}", NAMES.join(", "));
            return ExitCode::from(2);
        }
    };
    let mut reports = Vec::new();
    for target in targets {
        println!("{target}: fuzzing (seed {})", plan.seed);
        reports.push(supervisor::fuzz(target, &plan));
    }
    supervisor::print_table(&reports);
    if reports.iter().all(|r| r.findings.is_empty()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn work(cli: &Cli, time_limit: Duration, memory: usize) -> i32 {
    let inputs = match cli.replay.first() {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Inputs::Saved(bytes),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return 2;
            }
        },
        None => Inputs::Drawn {
            seed: cli.seed,
            first: cli.first,
            count: cli.inputs,
            seconds: cli.seconds,
        },
    };
    worker::work(Job {
        target: cli.target.clone().unwrap_or_default(),
        inputs,
        time_limit,
        memory,
        progress: cli.progress.clone(),
        found: cli.found.clone().unwrap_or_else(finding::found_dir),
        known_places: cli.known_place.clone(),
    })
}

fn replay(files: &[PathBuf], plan: &Plan) -> ExitCode {
    let mut failing = 0;
    for file in files {
        match supervisor::replay(file, plan) {
            Ok(None) => println!("{}: passes", file.display()),
            Ok(Some(finding)) => {
                failing += 1;
                println!(
                    "{}: {} {}",
                    file.display(),
                    finding.kind.word(),
                    finding.message
                );
            }
            Err(e) => {
                failing += 1;
                println!("{}: {e}", file.display());
            }
        }
    }
    if failing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
