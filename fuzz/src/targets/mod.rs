//! The fuzz targets: one per reader of input from outside, each calling
//! the project's own code.
//!
//! - `manifest`: a module's `plugin.toml` through
//!   `immcase_manifest::Manifest::parse`, then what the host asks of a
//!   manifest it loaded;
//! - `settings`: settings declarations (`[settings.*]`) and the values an
//!   administrator saves, through `Manifest::parse` and
//!   `immcase_manifest::settings::check`;
//! - `pdf-forms`: a PDF through `immcase_pdf_forms::{inspect,
//!   read_values, last_revision, packet_bytes, fill}`, and the filled file
//!   read back;
//! - `ics`: an iCalendar file through the calendar module's reader
//!   (`calendar::ics::read::events`), and each event it finds through the
//!   rules an import applies (the rule's check, the series' last end,
//!   its occurrences);
//! - `mail`: a raw message handed to the email module as the host's
//!   fetcher does (`mailbox.received`), on the SDK's in-memory host: read,
//!   stored, threaded, linked, indexed and announced;
//! - `multipart`: an upload through `files::upload::receive` on an open
//!   host (`host.rs`), and the same form read whole as the CSRF check and
//!   the logo's form read theirs (`multer`, `practices::logo::image`);
//! - `store-query`: a module's writes and queries through
//!   `modules::store::{put, delete, query}` on the host's database, the
//!   pages checked against what the store promises;
//! - `workflow-script`: a workflow's condition and script through
//!   `workflows::check_sources`, the check saving a workflow makes.

mod host;
mod ics;
mod mail;
mod manifest;
mod multipart;
mod pdf_forms;
mod settings;
mod store_query;
mod workflow_script;

use crate::dice::Dice;
use crate::mutate::Mutator;

/// What the project's code did with an input (a panic is a finding, not
/// an outcome).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Read and kept (or filled, stored...).
    Accepted,
    /// Refused with an error.
    Refused,
}

/// A reader of untrusted input, and how to make inputs for it.
pub trait Target {
    /// The target's name on the command line.
    fn name(&self) -> &'static str;

    /// The extension of a saved input (`toml`, `pdf`, `ics`, `eml`).
    fn extension(&self) -> &'static str;

    /// Input number `index` of a run, made with its own dice: the seeds
    /// as they are first, then mutants and generated inputs.
    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8>;

    /// Runs the project's code on `input`.
    fn run(&mut self, input: &[u8]) -> Outcome;

    /// Forgets state a panic may have left half-changed.
    fn reset(&mut self) {}
}

/// The targets' names, in the order `all` runs them.
pub const NAMES: [&str; 8] = [
    "manifest",
    "settings",
    "pdf-forms",
    "ics",
    "mail",
    "multipart",
    "store-query",
    "workflow-script",
];

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn Target>> {
    Some(match name {
        "manifest" => Box::new(manifest::ManifestTarget::new()),
        "settings" => Box::new(settings::SettingsTarget::new()),
        "pdf-forms" => Box::new(pdf_forms::PdfFormsTarget::new()),
        "ics" => Box::new(ics::IcsTarget::new()),
        "mail" => Box::new(mail::MailTarget::new()),
        "multipart" => Box::new(multipart::MultipartTarget::new()),
        "store-query" => Box::new(store_query::StoreQueryTarget::new()),
        "workflow-script" => Box::new(workflow_script::WorkflowScriptTarget::new()),
        _ => return None,
    })
}

/// Input `index` from `seeds`: the seed itself for the first ones, then a
/// mutant of one of them.
pub(crate) fn seed_or_mutant(
    seeds: &[Vec<u8>],
    mutator: &Mutator,
    index: u64,
    dice: &mut Dice,
) -> Vec<u8> {
    if let Some(seed) = usize::try_from(index).ok().and_then(|i| seeds.get(i)) {
        return seed.clone();
    }
    match dice.pick(seeds) {
        Some(seed) => mutator.mutate(seed, seeds, dice),
        None => {
            let n = dice.small(256);
            dice.bytes(n)
        }
    }
}

/// An input of a target that also draws inputs from their structure: past
/// the seeds, one in `drawn_in` is drawn by `draw` from fresh entropy (and
/// one in `mutated_in` of those is mutated as well); every other is a seed
/// or a mutant of one ([`seed_or_mutant`]).
pub(crate) fn drawn_seed_or_mutant(
    seeds: &[Vec<u8>],
    mutator: &Mutator,
    index: u64,
    dice: &mut Dice,
    drawn_in: u32,
    mutated_in: u32,
    draw: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    if index >= seeds.len() as u64 && dice.one_in(drawn_in) {
        let drawn = draw(&entropy(dice));
        return if dice.one_in(mutated_in) {
            mutator.mutate(&drawn, seeds, dice)
        } else {
            drawn
        };
    }
    seed_or_mutant(seeds, mutator, index, dice)
}

/// Random bytes for `arbitrary::Unstructured`: enough for a generated
/// input of moderate size.
pub(crate) fn entropy(dice: &mut Dice) -> Vec<u8> {
    let n = dice.between(64, 4096);
    dice.bytes(n)
}
