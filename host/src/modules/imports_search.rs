//! The host side of the `search` import: the module's own documents in
//! global search (`search_docs`), for a module whose manifest says
//! `search = true`.
//!
//! A put or removal is written in the call's transaction together with the
//! `search_queue` row that tells every server's index about it, so it is
//! searchable once the call commits and gone if the call fails. Putting an
//! id again replaces the document; removing an id that is not there is not
//! an error.

use super::bindings::Error;
use super::bindings::immcase::plugin::search;
use super::call::CallState;
use super::imports::HostResult;
use super::search_docs::{self, ModuleSearchDoc};
use super::store::check_id;

/// Queue errors are the host's own failures (the database): they trap.
fn trap(e: crate::error::AppError) -> wasmtime::Error {
    wasmtime::Error::new(e).context("queueing a search document")
}

impl CallState {
    fn may_search(&self) -> Result<(), Error> {
        if self.module.manifest.capabilities.search {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "`{}` may not put documents in search: set search = true under [capabilities] in its plugin.toml",
                self.id()
            )))
        }
    }
}

impl CallState {
    /// Adds or replaces one of the module's documents, visible to holders of
    /// its permission and, when given, to the named `readers`.
    async fn put_document(
        &mut self,
        entry: search::Entry,
        readers: Option<Vec<String>>,
    ) -> HostResult<()> {
        if let Err(e) = self.may_search() {
            return Ok(Err(e));
        }
        let doc = ModuleSearchDoc {
            id: entry.id,
            title: entry.title,
            body: entry.body,
            path: entry.path,
            permission: entry.permission,
            readers,
        };
        if let Err(reason) = search_docs::check(&self.module.manifest, &doc) {
            return Ok(Err(Error::Invalid(reason)));
        }
        let (practice, module, now) = (
            self.practice.clone(),
            self.module.clone(),
            self.app.now_ms(),
        );
        let id = &module.manifest.id;
        let tx = self.tx().await?;
        search_docs::put(tx, &practice, id, &doc, now).await?;
        crate::search::feed::enqueue(tx, &practice, &search_docs::kind(id), &doc.id, now)
            .await
            .map_err(trap)?;
        self.wake_search = true;
        Ok(Ok(()))
    }
}

impl search::Host for CallState {
    async fn put(&mut self, entry: search::Entry) -> HostResult<()> {
        self.put_document(entry, None).await
    }

    async fn put_visible_to(
        &mut self,
        entry: search::Entry,
        readers: Vec<String>,
    ) -> HostResult<()> {
        self.put_document(entry, Some(readers)).await
    }

    async fn remove(&mut self, id: String) -> HostResult<()> {
        if let Err(e) = self.may_search() {
            return Ok(Err(e));
        }
        if let Err(e) = check_id(&id) {
            return Ok(Err(Error::Invalid(e.to_string())));
        }
        let (practice, module, now) = (
            self.practice.clone(),
            self.module.clone(),
            self.app.now_ms(),
        );
        let module_id = &module.manifest.id;
        let tx = self.tx().await?;
        if search_docs::remove(tx, &practice, module_id, &id).await? {
            let kind = search_docs::kind(module_id);
            crate::search::feed::enqueue(tx, &practice, &kind, &id, now)
                .await
                .map_err(trap)?;
            self.wake_search = true;
        }
        Ok(Ok(()))
    }
}
