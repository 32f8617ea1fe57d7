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
use super::store::check_id;
use crate::search::module_docs::{self as search_docs, ModuleSearchDoc};
use immcase_manifest::Manifest;
use immcase_manifest::checks::{self, SearchEntry, SearchEntryRefused};

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
        if let Err(reason) = check(&self.module.manifest, &doc) {
            return Ok(Err(Error::Invalid(reason.to_string())));
        }
        let (practice, module, now) = (
            self.practice.clone(),
            self.module.clone(),
            self.app.now_ms(),
        );
        let id = &module.manifest.id;
        let tx = self.tx().await?;
        search_docs::put(tx, &practice, id, &doc, now).await?;
        crate::change::reindex(tx, &practice, &search_docs::kind(id), &doc.id, now)
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
            crate::change::reindex(tx, &practice, &kind, &id, now)
                .await
                .map_err(trap)?;
            self.wake_search = true;
        }
        Ok(Ok(()))
    }
}

/// Checks a document `manifest`'s module wants to put, by the rule the
/// SDK's test host applies too; the error says why, for the module's author.
fn check(manifest: &Manifest, doc: &ModuleSearchDoc) -> Result<(), SearchEntryRefused> {
    checks::search_entry(
        manifest,
        &SearchEntry {
            id: &doc.id,
            title: &doc.title,
            body: &doc.body,
            path: &doc.path,
            permission: doc.permission.as_deref(),
            readers: doc.readers.as_deref(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use immcase_manifest::checks::{
        SEARCH_BODY_MAX_BYTES as MAX_BODY_BYTES, SEARCH_PATH_MAX_CHARS as MAX_PATH_CHARS,
        SEARCH_READERS_MAX as MAX_READERS, SEARCH_TITLE_MAX_CHARS as MAX_TITLE_CHARS,
    };

    const MANIFEST: &str = r#"
id = "notes"
name = "Notes"
version = "0.1.0"
host-api = "^0.1"

[capabilities]
search = true

[[permissions]]
name = "notes.manage_all"
"#;

    fn doc() -> ModuleSearchDoc {
        ModuleSearchDoc {
            id: "n-1".into(),
            title: "Call back".into(),
            body: "Ask about the passport".into(),
            path: "/notes/n-1".into(),
            permission: None,
            readers: None,
        }
    }

    #[test]
    fn entries_are_checked_with_reasons() {
        let m = Manifest::parse(MANIFEST).unwrap();
        check(&m, &doc()).unwrap();
        for permission in ["notes.manage_all", "module:notes", "applicants.read"] {
            let d = ModuleSearchDoc {
                permission: Some(permission.into()),
                ..doc()
            };
            check(&m, &d).unwrap_or_else(|e| panic!("{permission}: {e}"));
        }
        let bad = [
            (
                ModuleSearchDoc {
                    id: "".into(),
                    ..doc()
                },
                "document id",
            ),
            (
                ModuleSearchDoc {
                    id: "x".repeat(201),
                    ..doc()
                },
                "document id",
            ),
            (
                ModuleSearchDoc {
                    title: " ".into(),
                    ..doc()
                },
                "title",
            ),
            (
                ModuleSearchDoc {
                    title: "t".repeat(301),
                    ..doc()
                },
                "title",
            ),
            (
                ModuleSearchDoc {
                    body: "b".repeat(100 * 1024 + 1),
                    ..doc()
                },
                "body",
            ),
            (
                ModuleSearchDoc {
                    path: "notes/1".into(),
                    ..doc()
                },
                "path",
            ),
            (
                ModuleSearchDoc {
                    path: "/a/../b".into(),
                    ..doc()
                },
                "path",
            ),
            (
                ModuleSearchDoc {
                    path: "/a b".into(),
                    ..doc()
                },
                "path",
            ),
            (
                ModuleSearchDoc {
                    permission: Some("module:other".into()),
                    ..doc()
                },
                "permission",
            ),
            (
                ModuleSearchDoc {
                    permission: Some("helpdesk.assign".into()),
                    ..doc()
                },
                "permission",
            ),
        ];
        for (d, word) in bad {
            let err = check(&m, &d).unwrap_err().to_string();
            assert!(err.contains(word), "{word}: {err}");
        }
    }

    #[test]
    fn reasons_read_the_same_as_ever() {
        let m = Manifest::parse(MANIFEST).unwrap();
        let reason = |d: ModuleSearchDoc| check(&m, &d).unwrap_err().to_string();
        let title = ModuleSearchDoc {
            title: "".into(),
            ..doc()
        };
        assert_eq!(
            reason(title),
            format!("a title has 1 to {MAX_TITLE_CHARS} characters")
        );
        let body = ModuleSearchDoc {
            body: "b".repeat(MAX_BODY_BYTES + 1),
            ..doc()
        };
        assert_eq!(reason(body), "a body is at most 100 KiB");
        let path = ModuleSearchDoc {
            path: "/a b".into(),
            ..doc()
        };
        assert_eq!(
            reason(path),
            format!(
                "path \"/a b\": give a path below the module's pages, like \"/notes/42\": it starts \
                 with /, has no .., no spaces or backslashes, and at most {MAX_PATH_CHARS} characters"
            )
        );
        let readers = ModuleSearchDoc {
            readers: Some(vec![String::new()]),
            ..doc()
        };
        assert_eq!(
            reason(readers),
            format!("readers: give at most {MAX_READERS} people's ids (each 1 to 100 characters)")
        );
        let permission = ModuleSearchDoc {
            permission: Some("module:other".into()),
            ..doc()
        };
        assert_eq!(
            reason(permission),
            "permission \"module:other\" is neither declared under [[permissions]] in the plugin.toml \
             of `notes`, nor `module:notes`, nor a host permission"
        );
        let id = ModuleSearchDoc {
            id: "a b".into(),
            ..doc()
        };
        assert_eq!(
            reason(id),
            "document id \"a b\": use 1 to 200 letters, digits and - _ . : @"
        );
    }
}
