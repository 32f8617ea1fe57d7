//! The module's documents in global search, checked as the host checks
//! them (id, title, body, path, readers, permission), with its words.

use immcase_manifest::checks;

use super::world::{SearchDoc, Shared};
use crate::search::SearchEntry;
use crate::wit::immcase::plugin::search::Entry;
use crate::wit::immcase::plugin::types::Error;

impl Shared {
    /// Why the host would refuse this document, in its words.
    fn refused(&self, entry: &Entry, readers: Option<&[String]>) -> Option<String> {
        let entry = checks::SearchEntry {
            id: &entry.id,
            title: &entry.title,
            body: &entry.body,
            path: &entry.path,
            permission: entry.permission.as_deref(),
            readers,
        };
        checks::search_entry(&self.manifest, &entry)
            .err()
            .map(|refused| refused.to_string())
    }

    pub(crate) fn search_put(
        &self,
        entry: &Entry,
        readers: Option<&[String]>,
    ) -> Result<(), Error> {
        if let Some(reason) = self.refused(entry, readers) {
            return Err(Error::Invalid(reason));
        }
        let doc = SearchDoc {
            entry: SearchEntry {
                id: entry.id.clone(),
                title: entry.title.clone(),
                body: entry.body.clone(),
                path: entry.path.clone(),
                permission: entry.permission.clone(),
            },
            readers: readers.map(<[String]>::to_vec),
        };
        self.world.borrow_mut().search.insert(entry.id.clone(), doc);
        Ok(())
    }

    pub(crate) fn search_remove(&self, id: &str) -> Result<(), Error> {
        immcase_manifest::checks::document_id(id).map_err(Error::Invalid)?;
        self.world.borrow_mut().search.remove(id);
        Ok(())
    }
}
