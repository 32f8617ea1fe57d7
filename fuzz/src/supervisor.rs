//! The supervisor: runs a target's inputs in worker processes (this same
//! program with `--worker`), and goes on after a worker dies. A worker
//! that stopped on a hanging input, or was killed by a stack overflow,
//! memory past its ceiling or an abort, is followed by a new one from the
//! next input; the supervisor saves the input that killed it (made again
//! from its number, which the worker left in its progress file).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::dice::Dice;
use crate::finding::{self, Finding, Kind};
use crate::targets;
use crate::worker::HANG_EXIT;

/// How long and how hard to fuzz, and the bounds of one input.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    /// Stop after this many inputs per target...
    pub inputs: Option<u64>,
    /// ...or after this many seconds per target.
    pub seconds: Option<f64>,
    pub time_limit: Duration,
    /// Memory a worker may take, in bytes.
    pub memory: usize,
    /// The folder failing inputs are saved in.
    pub found: PathBuf,
}

/// What a target's run came to.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub target: String,
    pub inputs: u64,
    pub accepted: u64,
    pub refused: u64,
    pub seconds: f64,
    /// Workers started after one died or stopped on a hang.
    pub restarts: u32,
    pub findings: Vec<Finding>,
    /// What the workers wrote to standard error (backtraces, in replays).
    pub stderr: String,
}

/// A run stops after this many workers died: something is wrong with the
/// run itself rather than with one input.
const MOST_RESTARTS: u32 = 1000;

/// Fuzzes `target` as `plan` says.
pub fn fuzz(target: &str, plan: &Plan) -> Report {
    let mut report = Report {
        target: target.to_string(),
        ..Report::default()
    };
    let clock = Instant::now();
    let mut first = 0;
    loop {
        let count = plan.inputs.map(|n| n.saturating_sub(first));
        let seconds = plan.seconds.map(|s| s - clock.elapsed().as_secs_f64());
        if count == Some(0) || seconds.is_some_and(|s| s <= 0.0) {
            break;
        }
        let mut args = vec![
            "--first".to_string(),
            first.to_string(),
            "--seed".into(),
            plan.seed.to_string(),
        ];
        if let Some(count) = count {
            args.extend(["--inputs".into(), count.to_string()]);
        }
        if let Some(seconds) = seconds {
            args.extend(["--seconds".into(), format!("{seconds:.3}")]);
        }
        for place in report.findings.iter().filter_map(Finding::panic_place) {
            args.extend(["--known-place".into(), place.to_string()]);
        }
        let ended = run_worker(target, plan, &args, &mut report);
        match ended {
            WorkerEnd::Done => break,
            WorkerEnd::StoppedAt(index) => first = index + 1,
            WorkerEnd::Failed(why) => {
                report.findings.push(Finding {
                    kind: Kind::Crash,
                    path: PathBuf::from("(no input)"),
                    message: why,
                });
                break;
            }
        }
        report.restarts += 1;
        if report.restarts >= MOST_RESTARTS {
            break;
        }
    }
    report.seconds = clock.elapsed().as_secs_f64();
    report
}

/// Replays a saved input in a worker: its finding, if it still fails.
pub fn replay(path: &Path, plan: &Plan) -> Result<Option<Finding>, String> {
    let target = finding::target_of(path)
        .ok_or_else(|| format!("{}: not named after a target", path.display()))?;
    let mut report = Report::default();
    let args = vec!["--replay".to_string(), path.display().to_string()];
    let ended = run_worker(target, plan, &args, &mut report);
    eprint!("{}", report.stderr);
    match ended {
        WorkerEnd::Failed(why) => Err(why),
        _ => Ok(report.findings.pop().map(|mut f| {
            f.path = path.to_path_buf();
            f
        })),
    }
}

/// Prints each target's figures, then its findings.
pub fn print_table(reports: &[Report]) {
    println!(
        "\n{:<10} {:>10} {:>8} {:>9} {:>9} {:>9}",
        "target", "inputs", "seconds", "inputs/s", "accepted", "findings"
    );
    for r in reports {
        let rate = r.inputs as f64 / r.seconds.max(0.001);
        let accepted = 100.0 * r.accepted as f64 / (r.accepted + r.refused).max(1) as f64;
        println!(
            "{:<10} {:>10} {:>8.1} {:>9.0} {:>8.1}% {:>9}",
            r.target,
            r.inputs,
            r.seconds,
            rate,
            accepted,
            r.findings.len()
        );
    }
    for r in reports {
        for f in &r.findings {
            println!(
                "{} {}: {}\n  {}",
                r.target,
                f.kind.word(),
                f.path.display(),
                f.message
            );
        }
    }
}

/// How a worker ended.
enum WorkerEnd {
    /// It ran all it was given.
    Done,
    /// It stopped, or died, on this input.
    StoppedAt(u64),
    /// It could not run at all.
    Failed(String),
}

fn run_worker(target: &str, plan: &Plan, args: &[String], report: &mut Report) -> WorkerEnd {
    let progress = std::env::temp_dir().join(format!(
        "immcase-fuzz-{}-{target}.progress",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&progress);
    let program = match std::env::current_exe() {
        Ok(program) => program,
        Err(e) => return WorkerEnd::Failed(format!("cannot find this program: {e}")),
    };
    let child = Command::new(program)
        .arg(target)
        .arg("--worker")
        .args(args)
        .arg("--time-limit-ms")
        .arg(plan.time_limit.as_millis().to_string())
        .arg("--memory-mb")
        .arg((plan.memory >> 20).to_string())
        .arg("--progress")
        .arg(&progress)
        .arg("--found")
        .arg(&plan.found)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return WorkerEnd::Failed(format!("cannot start a worker: {e}")),
    };
    let stderr = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        })
    });
    let mut hung_at = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(finding) = Finding::parse(&line) {
                println!(
                    "  {target}: {} {}",
                    finding.kind.word(),
                    finding.path.display()
                );
                report.findings.push(finding);
            } else if let Some(index) = line.strip_prefix("hung ") {
                hung_at = index.trim().parse().ok();
            } else if let Some(tally) = line.strip_prefix("tally ") {
                let n: Vec<u64> = tally.split(' ').filter_map(|w| w.parse().ok()).collect();
                if let [inputs, accepted, refused, ..] = n[..] {
                    report.inputs += inputs;
                    report.accepted += accepted;
                    report.refused += refused;
                }
            }
        }
    }
    let status = child.wait();
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    report.stderr.push_str(&stderr);
    let ended = match status {
        Ok(status) if status.success() => WorkerEnd::Done,
        // A replayed input that still panics.
        Ok(status) if status.code() == Some(1) => WorkerEnd::Done,
        Ok(status) if status.code() == Some(HANG_EXIT) => match hung_at {
            Some(index) => WorkerEnd::StoppedAt(index),
            None => WorkerEnd::Done,
        },
        Ok(status) => died(target, plan, args, &progress, status, &stderr, report),
        Err(e) => WorkerEnd::Failed(format!("lost the worker: {e}")),
    };
    let _ = std::fs::remove_file(&progress);
    ended
}

/// A worker that died: the input it was running, saved and reported.
fn died(
    target: &str,
    plan: &Plan,
    args: &[String],
    progress: &Path,
    status: ExitStatus,
    stderr: &str,
    report: &mut Report,
) -> WorkerEnd {
    let why = cause(status, stderr);
    let seen = report
        .findings
        .iter()
        .any(|f| f.kind == Kind::Crash && f.message.ends_with(&why));
    let Some(index) = std::fs::read(progress)
        .ok()
        .and_then(|b| b.get(..8).map(|b| b.try_into().map(u64::from_le_bytes)))
        .and_then(Result::ok)
    else {
        return WorkerEnd::Failed(format!("the worker died before any input: {why}"));
    };
    let replayed = args.first().is_some_and(|a| a == "--replay");
    let path = match targets::by_name(target) {
        _ if seen => PathBuf::new(),
        Some(t) if !replayed => {
            let input = t.input(index, &mut Dice::for_input(plan.seed, index));
            finding::save(&plan.found, t.as_ref(), &input)
                .unwrap_or_else(|e| PathBuf::from(format!("(not saved: {e})")))
        }
        _ => PathBuf::from("(replayed)"),
    };
    let first: u64 = args
        .iter()
        .position(|a| a == "--first")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    report.inputs += index.saturating_sub(first) + 1;
    if seen {
        return WorkerEnd::StoppedAt(index);
    }
    let finding = Finding {
        kind: Kind::Crash,
        path,
        message: format!("input #{index}: {why}"),
    };
    println!("  {target}: crash {}", finding.path.display());
    report.findings.push(finding);
    if replayed {
        WorkerEnd::Done
    } else {
        WorkerEnd::StoppedAt(index)
    }
}

/// Why a worker died, from its exit status and the end of what it wrote.
fn cause(status: ExitStatus, stderr: &str) -> String {
    use std::os::unix::process::ExitStatusExt;
    let said = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let what = if stderr.contains("has overflowed its stack") {
        "stack overflow"
    } else if stderr.contains("memory allocation of") {
        "memory past the ceiling"
    } else {
        "died"
    };
    match status.signal() {
        Some(signal) => format!("{what} (signal {signal}): {said}"),
        None => format!("{what} (exit code {:?}): {said}", status.code()),
    }
}
