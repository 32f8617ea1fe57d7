//! Which generation of each practice's searchable fields this process's
//! index holds the practice's applicants for. Kept in a small JSON file
//! beside the index (`generations`), written after the index commit like
//! the position. A practice it does not name is at generation 0: the
//! fields every practice starts with, which a full rebuild also puts.
//!
//! The database holds each practice's generation now (`search_settings`);
//! a practice whose generation there is newer than here has applicants in
//! this index built with other fields, and `search::rebuild` redoes them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::Result;

/// The generation each practice's applicants were last built for here.
#[derive(Debug, Default)]
pub struct IndexGenerations {
    /// `None` for an index in memory, which keeps them in memory only.
    file: Option<PathBuf>,
    built: BTreeMap<String, i64>,
}

impl IndexGenerations {
    /// The generations kept in `file`; none (every practice at 0) when it
    /// is missing or cannot be read, so at worst a practice is rebuilt.
    pub fn load(file: PathBuf) -> IndexGenerations {
        let built = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        IndexGenerations {
            file: Some(file),
            built,
        }
    }

    /// Generations that live in memory only (an index in memory).
    pub fn in_memory() -> IndexGenerations {
        IndexGenerations::default()
    }

    /// The generation `practice_id`'s applicants were built for.
    pub fn of(&self, practice_id: &str) -> i64 {
        self.built.get(practice_id).copied().unwrap_or(0)
    }

    /// Of `wanted` (practice, generation now), those this index is behind
    /// on, in the order given.
    pub fn behind<'a>(&self, wanted: &'a [(String, i64)]) -> Vec<&'a (String, i64)> {
        wanted
            .iter()
            .filter(|(practice, generation)| self.of(practice) < *generation)
            .collect()
    }

    /// Notes that `practice_id`'s applicants are now built for `generation`.
    pub fn record(&mut self, practice_id: &str, generation: i64) -> Result<()> {
        self.built.insert(practice_id.to_string(), generation);
        self.save()
    }

    /// Replaces them all, after a full rebuild.
    pub fn replace_all(&mut self, built: BTreeMap<String, i64>) -> Result<()> {
        self.built = built;
        self.save()
    }

    /// Forgets them all (an index set aside is rebuilt from nothing).
    pub fn forget(file: &std::path::Path) {
        let _ = std::fs::remove_file(file);
    }

    fn save(&self) -> Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let text = serde_json::to_string(&self.built)
            .map_err(|e| anyhow::anyhow!("writing the index generations: {e}"))?;
        let temporary = file.with_extension("tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, file))
            .map_err(|e| anyhow::anyhow!("saving the index generations: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::IndexGenerations;

    #[test]
    fn a_practice_not_named_is_at_the_first_generation() {
        let dir = tempfile::tempdir().unwrap();
        let generations = IndexGenerations::load(dir.path().join("generations"));
        assert_eq!(generations.of("p1"), 0);
        let wanted = vec![("p1".to_string(), 0), ("p2".to_string(), 2)];
        let behind: Vec<&str> = generations
            .behind(&wanted)
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(behind, ["p2"], "only a practice changed since");
    }

    #[test]
    fn what_is_recorded_survives_a_restart_and_a_rebuild_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("generations");
        let mut generations = IndexGenerations::load(file.clone());
        generations.record("p1", 3).unwrap();
        generations.record("p2", 1).unwrap();
        let again = IndexGenerations::load(file.clone());
        assert_eq!((again.of("p1"), again.of("p2")), (3, 1));
        // A practice still rebuilding when the process stopped was never
        // recorded: it is behind after the restart and starts over.
        let wanted = vec![("p1".to_string(), 4), ("p2".to_string(), 1)];
        assert_eq!(again.behind(&wanted).len(), 1);

        let mut generations = again;
        let all = [("p2".to_string(), 5)].into_iter().collect();
        generations.replace_all(all).unwrap();
        let again = IndexGenerations::load(file.clone());
        assert_eq!((again.of("p1"), again.of("p2")), (0, 5));
        assert!(!dir.path().join("generations.tmp").exists());
    }

    #[test]
    fn an_unreadable_file_counts_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("generations");
        std::fs::write(&file, "{not json").unwrap();
        let generations = IndexGenerations::load(file);
        assert_eq!(generations.of("p1"), 0);
        let mut memory = IndexGenerations::in_memory();
        memory.record("p1", 2).unwrap();
        assert_eq!(memory.of("p1"), 2);
    }
}
