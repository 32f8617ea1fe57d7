//! Findings: inputs on which the project's code panicked, ran over the
//! time allowed, or took its process down (a stack overflow, memory past
//! the ceiling, an abort). Each input is saved under `found/` as
//! `{target}-{hash}.{extension}` (the first 16 hex digits of its SHA-256),
//! so it can be replayed with `--replay`.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::corpus;
use crate::targets::{NAMES, Target};

/// How an input failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The code panicked (the message says where).
    Panic,
    /// One input ran longer than the time allowed.
    Hang,
    /// The worker died: a stack overflow, memory past the ceiling or an
    /// abort.
    Crash,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::Hang => "hang",
            Kind::Crash => "crash",
        }
    }

    pub fn from_word(word: &str) -> Option<Kind> {
        [Kind::Panic, Kind::Hang, Kind::Crash]
            .into_iter()
            .find(|k| k.word() == word)
    }
}

/// One failing input, saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// Where the input is saved.
    pub path: PathBuf,
    /// What happened: the panic's place and message, the time, the signal.
    pub message: String,
}

impl Finding {
    /// The line a worker prints for its supervisor.
    pub fn line(&self) -> String {
        format!(
            "finding {} {}\t{}",
            self.kind.word(),
            self.path.display(),
            self.message.replace(['\n', '\t'], " ")
        )
    }

    /// A panic's place (`file:line:column`), which its message starts with.
    pub fn panic_place(&self) -> Option<&str> {
        if self.kind != Kind::Panic {
            return None;
        }
        let mut colons = self.message.match_indices(':').map(|(i, _)| i);
        let end = colons.nth(2)?;
        Some(&self.message[..end])
    }

    /// A finding from a worker's line.
    pub fn parse(line: &str) -> Option<Finding> {
        let rest = line.strip_prefix("finding ")?;
        let (word, rest) = rest.split_once(' ')?;
        let (path, message) = rest.split_once('\t').unwrap_or((rest, ""));
        Some(Finding {
            kind: Kind::from_word(word)?,
            path: PathBuf::from(path),
            message: message.to_string(),
        })
    }
}

/// The folder findings are saved in unless told otherwise: `fuzz/found/`.
pub fn found_dir() -> PathBuf {
    corpus::crate_dir().join("found")
}

/// Saves `input` of `target` in `dir`, named by its hash.
pub fn save(dir: &Path, target: &dyn Target, input: &[u8]) -> io::Result<PathBuf> {
    let hash = Sha256::digest(input);
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{}-{hex}.{}", target.name(), target.extension()));
    std::fs::write(&path, input)?;
    Ok(path)
}

/// The target a saved input belongs to, from its file name.
pub fn target_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let (target, _) = name.rsplit_once('-')?;
    NAMES.into_iter().find(|n| *n == target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_survives_its_line_and_its_file_names_its_target() {
        let finding = Finding {
            kind: Kind::Hang,
            path: found_dir().join("pdf-forms-0123456789abcdef.pdf"),
            message: "input ran over 2 s\nstill".into(),
        };
        let back = Finding::parse(&finding.line()).expect("a finding line");
        assert_eq!(back.kind, Kind::Hang);
        assert_eq!(back.path, finding.path);
        assert_eq!(back.message, "input ran over 2 s still");
        assert_eq!(target_of(&finding.path), Some("pdf-forms"));
        assert_eq!(target_of(Path::new("found/mail-00ff.eml")), Some("mail"));
        assert_eq!(target_of(Path::new("found/other-00ff.eml")), None);
    }
}
