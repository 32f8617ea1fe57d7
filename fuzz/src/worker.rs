//! A worker: the process that runs one target's inputs, under a
//! supervisor (`supervisor.rs`) that restarts it if it dies.
//!
//! Inputs run one at a time on a thread with the 2 MiB stack the host's
//! threads have, inside `catch_unwind`; the worker's main thread watches
//! the clock and, when one input runs past the time allowed, saves it and
//! ends the worker. Memory is capped by the global allocator (`MEMORY`):
//! an allocation past the ceiling aborts the worker, and its supervisor
//! finds the input by its number, which the worker writes to its progress
//! file before each input. A panicking input is made smaller (as long as
//! it panics at the same place) and saved.
//!
//! On its standard output the worker writes a line per finding and, at
//! the end, a `tally` line.

use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::dice::Dice;
use crate::finding::{self, Finding, Kind};
use crate::panics::{self, Caught};
use crate::shrink;
use crate::targets::{self, Outcome, Target};

/// The exit code of a worker that stopped on an input that hung.
pub const HANG_EXIT: i32 = 70;
/// The stack of the thread inputs run on: a Tokio worker's.
const STACK: usize = 2 << 20;
/// `started` when no input is running.
const IDLE: u64 = u64::MAX;

/// Where a worker's inputs come from.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// Made from the run's seed, from input number `first`, until `count`
    /// inputs or `seconds` have gone by (whichever comes first).
    Drawn {
        seed: u64,
        first: u64,
        count: Option<u64>,
        seconds: Option<f64>,
    },
    /// One saved input, replayed.
    Saved(Vec<u8>),
}

/// What a worker is asked to do.
#[derive(Debug, Clone)]
pub struct Job {
    pub target: String,
    pub inputs: Inputs,
    /// The longest one input may run.
    pub time_limit: Duration,
    /// Memory the worker may take beyond what it holds at its start.
    pub memory: usize,
    /// The file the number of the running input is written to.
    pub progress: Option<PathBuf>,
    /// The folder failing inputs are saved in.
    pub found: PathBuf,
    /// Places that panicked in earlier workers of the run: reported once.
    pub known_places: Vec<String>,
}

/// What the inputs run so far did; shared between the two threads.
#[derive(Default)]
struct Watch {
    running: AtomicU64,
    started: AtomicU64,
    inputs: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
}

impl Job {
    /// The input number `index` of this job.
    pub fn input(&self, target: &dyn Target, index: u64) -> Vec<u8> {
        match &self.inputs {
            Inputs::Drawn { seed, .. } => target.input(index, &mut Dice::for_input(*seed, index)),
            Inputs::Saved(bytes) => bytes.clone(),
        }
    }
}

/// Runs the job and prints its findings and tally; returns the process's
/// exit code (0, or 1 when a saved input still fails).
pub fn work(job: Job) -> i32 {
    crate::limit_memory(job.memory);
    panics::capture(matches!(job.inputs, Inputs::Saved(_)));
    if !targets::NAMES.contains(&job.target.as_str()) {
        eprintln!("no target {:?}", job.target);
        return 2;
    }
    let watch = Arc::new(Watch {
        started: AtomicU64::new(IDLE),
        ..Watch::default()
    });
    let clock = Instant::now();
    let runner = {
        let (job, watch) = (job.clone(), Arc::clone(&watch));
        std::thread::Builder::new()
            .name("inputs".into())
            .stack_size(STACK)
            .spawn(move || run_inputs(&job, &watch, clock))
    };
    let runner = match runner {
        Ok(runner) => runner,
        Err(e) => {
            eprintln!("cannot start the inputs' thread: {e}");
            return 2;
        }
    };
    while !runner.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
        let started = watch.started.load(Ordering::SeqCst);
        let now = clock.elapsed().as_millis() as u64;
        if started != IDLE && now.saturating_sub(started) > job.time_limit.as_millis() as u64 {
            hung(&job, &watch);
            return HANG_EXIT;
        }
    }
    let failed = runner.join().unwrap_or(1);
    print_tally(&watch, clock.elapsed());
    failed
}

/// The inputs' loop; returns 1 if an input failed.
fn run_inputs(job: &Job, watch: &Watch, clock: Instant) -> i32 {
    let Some(mut target) = targets::by_name(&job.target) else {
        return 2;
    };
    let mut progress = job.progress.as_ref().and_then(|p| File::create(p).ok());
    let (first, count, seconds) = match &job.inputs {
        Inputs::Drawn {
            first,
            count,
            seconds,
            ..
        } => (*first, *count, *seconds),
        Inputs::Saved(_) => (0, Some(1), None),
    };
    let mut failed = 0;
    // Places that panicked already: a place is reported once per worker.
    let mut places: BTreeSet<String> = job.known_places.iter().cloned().collect();
    for index in first.. {
        if count.is_some_and(|n| index - first >= n)
            || seconds.is_some_and(|s| clock.elapsed().as_secs_f64() >= s)
        {
            break;
        }
        let input = job.input(target.as_ref(), index);
        if let Some(file) = progress.as_mut() {
            let _ = file.write_all_at(&index.to_le_bytes(), 0);
        }
        watch.running.store(index, Ordering::SeqCst);
        let outcome = attempt(target.as_mut(), &input, watch, clock);
        watch.inputs.fetch_add(1, Ordering::SeqCst);
        match outcome {
            Ok(Outcome::Accepted) => {
                watch.accepted.fetch_add(1, Ordering::SeqCst);
            }
            Ok(Outcome::Refused) => {
                watch.refused.fetch_add(1, Ordering::SeqCst);
            }
            Err(caught) => {
                failed = 1;
                if places.insert(caught.place.clone()) {
                    panicked(job, target.as_mut(), &input, caught, watch, clock);
                }
            }
        }
    }
    failed
}

/// Runs one input under the watch: its outcome, or the panic it caused
/// (after which the target forgets its state).
fn attempt(
    target: &mut dyn Target,
    input: &[u8],
    watch: &Watch,
    clock: Instant,
) -> Result<Outcome, Caught> {
    watch
        .started
        .store(clock.elapsed().as_millis() as u64, Ordering::SeqCst);
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(input)));
    watch.started.store(IDLE, Ordering::SeqCst);
    outcome.map_err(|_| {
        target.reset();
        panics::take().unwrap_or_default()
    })
}

/// Reports a panicking input: made smaller and saved (a saved input being
/// replayed is only reported).
fn panicked(
    job: &Job,
    target: &mut dyn Target,
    input: &[u8],
    caught: Caught,
    watch: &Watch,
    clock: Instant,
) {
    let path = match job.inputs {
        Inputs::Saved(_) => PathBuf::from("(replayed)"),
        Inputs::Drawn { .. } => {
            let smaller = shrink::smaller(input, |candidate| {
                attempt(target, candidate, watch, clock).is_err_and(|c| c.place == caught.place)
            });
            finding::save(&job.found, target, &smaller)
                .unwrap_or_else(|e| PathBuf::from(format!("(not saved: {e})")))
        }
    };
    let finding = Finding {
        kind: Kind::Panic,
        path,
        message: caught.to_string(),
    };
    println!("{}", finding.line());
}

/// Reports the input that ran over the time allowed, and the tally.
fn hung(job: &Job, watch: &Watch) {
    let index = watch.running.load(Ordering::SeqCst);
    let path = match (&job.inputs, targets::by_name(&job.target)) {
        (Inputs::Drawn { .. }, Some(target)) => {
            let input = job.input(target.as_ref(), index);
            finding::save(&job.found, target.as_ref(), &input)
                .unwrap_or_else(|e| PathBuf::from(format!("(not saved: {e})")))
        }
        _ => PathBuf::from("(replayed)"),
    };
    let finding = Finding {
        kind: Kind::Hang,
        path,
        message: format!(
            "input #{index} ran over {:.1} s",
            job.time_limit.as_secs_f64()
        ),
    };
    println!("{}", finding.line());
    println!("hung {index}");
    print_tally(watch, Duration::ZERO);
}

fn print_tally(watch: &Watch, elapsed: Duration) {
    println!(
        "tally {} {} {} {}",
        watch.inputs.load(Ordering::SeqCst),
        watch.accepted.load(Ordering::SeqCst),
        watch.refused.load(Ordering::SeqCst),
        elapsed.as_millis()
    );
}
