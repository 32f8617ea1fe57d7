//! The module's documents in global search, checked as the host checks
//! them (id, title, body, path, readers, permission), with its words.

use immcase_manifest::checks;

use super::world::{SearchDoc, Shared};
use crate::search::SearchEntry;
use crate::wit::immcase::plugin::search::Entry;
use crate::wit::immcase::plugin::types::Error;

const MAX_TITLE_CHARS: usize = 300;
const MAX_BODY_BYTES: usize = 100 * 1024;
const MAX_PATH_CHARS: usize = 1000;
const MAX_READERS: usize = 1000;

impl Shared {
    /// Why the host would refuse this document, for the module's author.
    fn refused(&self, entry: &Entry, readers: Option<&[String]>) -> Option<String> {
        if let Err(reason) = immcase_manifest::checks::document_id(&entry.id) {
            return Some(reason);
        }
        let title = entry.title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Some(format!("a title has 1 to {MAX_TITLE_CHARS} characters"));
        }
        if entry.body.len() > MAX_BODY_BYTES {
            return Some(format!("a body is at most {} KiB", MAX_BODY_BYTES / 1024));
        }
        let path = &entry.path;
        let path_ok = path.starts_with('/')
            && !path.contains("..")
            && path.chars().count() <= MAX_PATH_CHARS
            && !path
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
        if !path_ok {
            return Some(format!(
                "path {path:?}: give a path below the module's pages, like \"/notes/42\": it starts with /, \
                 has no .., no spaces or backslashes, and at most {MAX_PATH_CHARS} characters"
            ));
        }
        if let Some(readers) = readers
            && (readers.len() > MAX_READERS
                || readers.iter().any(|r| r.is_empty() || r.len() > 100))
        {
            return Some(format!(
                "readers: give at most {MAX_READERS} people's ids (each 1 to 100 characters)"
            ));
        }
        if let Some(permission) = &entry.permission {
            let module = self.id();
            let allowed = self
                .manifest
                .permissions
                .iter()
                .any(|p| &p.name == permission)
                || *permission == format!("module:{module}")
                || checks::HOST_PERMISSIONS
                    .iter()
                    .any(|(name, _)| *name == permission.as_str());
            if !allowed {
                return Some(format!(
                    "permission {permission:?} is neither declared under [[permissions]] in the plugin.toml of `{module}`, \
                     nor `module:{module}`, nor a host permission"
                ));
            }
        }
        None
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
