//! The host side of every WIT import (`records` and `search` are in
//! `imports_records` and `imports_search`). Each checks the module's manifest
//! (and, for records, the caller the host holds), works inside the practice
//! and module of the call, and writes through the call's transaction.
//! Database failures trap the call; domain failures are `error` values.

use immcase_manifest::checks::{self, Refused};
use serde_json::Value;

use super::bindings::Error;
use super::bindings::immcase::plugin::{events, log, mail, schedule, settings, store, types};
use super::call::CallState;
use super::store::{self as docs, Scope, StoreError};
use crate::jobs;

pub(super) type HostResult<T> = wasmtime::Result<Result<T, Error>>;

/// Domain errors become `error` values; database errors trap.
fn domain<T>(r: Result<T, StoreError>) -> HostResult<T> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(StoreError::NotFound(m)) => Ok(Err(Error::NotFound(m))),
        Err(StoreError::Invalid(m)) => Ok(Err(Error::Invalid(m))),
        Err(StoreError::Conflict(m)) => Ok(Err(Error::Conflict(m))),
        Err(StoreError::Db(e)) => Err(wasmtime::Error::new(e).context("the module store")),
    }
}

fn json_text(what: &str, text: &str, max: usize) -> Result<Value, Error> {
    checks::json_text(what, text, max).map_err(Error::Invalid)
}

impl CallState {
    fn collection(&self, name: &str) -> Result<(), Error> {
        checks::collection(&self.module.manifest, name).map_err(Error::Forbidden)
    }

    fn indexed(&self, collection: &str) -> Vec<String> {
        self.module
            .manifest
            .indexes
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }

    fn to_document(d: docs::StoredDocument) -> store::Document {
        store::Document {
            id: d.id,
            version: u64::try_from(d.version).unwrap_or(0),
            created_at: d.created_at,
            updated_at: d.updated_at,
            data: d.data,
        }
    }
}

impl types::Host for CallState {}

impl store::Host for CallState {
    async fn get(&mut self, collection: String, id: String) -> HostResult<Option<store::Document>> {
        if let Err(e) = self.collection(&collection) {
            return Ok(Err(e));
        }
        let (practice, module) = (self.practice.clone(), self.module.clone());
        let scope = Scope {
            practice: &practice,
            module: &module.manifest.id,
            collection: &collection,
        };
        let found = match self.tx_if_started() {
            Some(tx) => docs::get(&mut **tx, &scope, &id).await,
            None => docs::get(self.app.db.pool(), &scope, &id).await,
        };
        domain(found.map(|d| d.map(Self::to_document)))
    }

    async fn put(
        &mut self,
        collection: String,
        id: String,
        data: String,
        expected: Option<u64>,
    ) -> HostResult<store::Document> {
        if let Err(e) = self.collection(&collection) {
            return Ok(Err(e));
        }
        let indexed = self.indexed(&collection);
        let (practice, module, now) = (
            self.practice.clone(),
            self.module.clone(),
            self.app.now_ms(),
        );
        let scope = Scope {
            practice: &practice,
            module: &module.manifest.id,
            collection: &collection,
        };
        let expected = expected.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        let tx = self.tx().await?;
        domain(
            docs::put(tx, &scope, &id, &data, &indexed, expected, now)
                .await
                .map(Self::to_document),
        )
    }

    async fn delete(
        &mut self,
        collection: String,
        id: String,
        expected: Option<u64>,
    ) -> HostResult<bool> {
        if let Err(e) = self.collection(&collection) {
            return Ok(Err(e));
        }
        let (practice, module) = (self.practice.clone(), self.module.clone());
        let scope = Scope {
            practice: &practice,
            module: &module.manifest.id,
            collection: &collection,
        };
        let expected = expected.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        let tx = self.tx().await?;
        domain(docs::delete(tx, &scope, &id, expected).await)
    }

    async fn query(&mut self, collection: String, q: store::QuerySpec) -> HostResult<store::Page> {
        if let Err(e) = self.collection(&collection) {
            return Ok(Err(e));
        }
        let mut filters = Vec::with_capacity(q.filters.len());
        for f in q.filters {
            let value = match json_text("filter value", &f.value, checks::FILTER_VALUE_MAX_BYTES) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let op = match f.op {
                store::Op::Eq => docs::Op::Eq,
                store::Op::Ne => docs::Op::Ne,
                store::Op::Lt => docs::Op::Lt,
                store::Op::Lte => docs::Op::Lte,
                store::Op::Gt => docs::Op::Gt,
                store::Op::Gte => docs::Op::Gte,
            };
            filters.push(docs::Filter {
                field: f.field,
                op,
                value,
            });
        }
        let query = docs::Query {
            filters,
            order_by: q.order_by,
            descending: q.descending,
            limit: q.limit,
            cursor: q.cursor,
        };
        let indexed = self.indexed(&collection);
        let (practice, module) = (self.practice.clone(), self.module.clone());
        let scope = Scope {
            practice: &practice,
            module: &module.manifest.id,
            collection: &collection,
        };
        let found = match self.tx_if_started() {
            Some(tx) => docs::query(&mut **tx, &scope, &indexed, &query).await,
            None => docs::query(self.app.db.pool(), &scope, &indexed, &query).await,
        };
        domain(found.map(|(documents, next_cursor)| store::Page {
            documents: documents.into_iter().map(Self::to_document).collect(),
            next_cursor,
        }))
    }
}

impl events::Host for CallState {
    async fn emit(&mut self, name: String, payload: String) -> HostResult<String> {
        match checks::emit(&self.module.manifest, &name) {
            Err(Refused::Invalid(m)) => return Ok(Err(Error::Invalid(m))),
            Err(Refused::Forbidden(m)) => return Ok(Err(Error::Forbidden(m))),
            Ok(()) => {}
        }
        if let Err(e) = json_text("the payload", &payload, checks::EVENT_PAYLOAD_MAX_BYTES) {
            return Ok(Err(e));
        }
        let (practice, module, now) = (
            self.practice.clone(),
            self.module.clone(),
            self.app.now_ms(),
        );
        let app = self.app.clone();
        let cause = crate::change::cause(self.caller.as_ref(), &module.manifest.id);
        let tx = self.tx().await?;
        let id = crate::events::emit(
            tx,
            app.subscribers(&name).iter().map(String::as_str),
            &practice,
            &name,
            &payload,
            &cause,
            now,
        )
        .await?;
        self.wake_jobs = true;
        Ok(Ok(id))
    }
}

impl schedule::Host for CallState {
    async fn at(&mut self, due: i64, key: String, payload: String) -> HostResult<()> {
        if let Err(refused) = immcase_manifest::checks::timer_key(&key) {
            return Ok(Err(Error::Invalid(refused)));
        }
        if let Err(e) = json_text("the payload", &payload, checks::TIMER_PAYLOAD_MAX_BYTES) {
            return Ok(Err(e));
        }
        let (practice, module) = (self.practice.clone(), self.module.clone());
        let tx = self.tx().await?;
        jobs::set_timer(tx, &practice, &module.manifest.id, &key, &payload, due).await?;
        self.wake_jobs = true;
        Ok(Ok(()))
    }

    async fn cancel(&mut self, key: String) -> HostResult<bool> {
        let (practice, module) = (self.practice.clone(), self.module.clone());
        let tx = self.tx().await?;
        Ok(Ok(jobs::cancel_timer(
            tx,
            &practice,
            &module.manifest.id,
            &key,
        )
        .await?))
    }

    async fn now(&mut self) -> wasmtime::Result<i64> {
        Ok(self.app.now_ms())
    }
}

impl mail::Host for CallState {
    async fn send(&mut self, to: String, subject: String, body: String) -> HostResult<()> {
        let to = [to];
        let message = crate::mail::OutgoingMessage {
            to: &to,
            cc: &[],
            reply_to: None,
            subject: &subject,
            body: &body,
            attachments: &[],
            sent_by: None,
            origin: "",
            chain: crate::change::cause(self.caller.as_ref(), "host").chain,
            letter: None,
        };
        // The words `send` always used: the address alone, without the list's name.
        if to[0].parse::<lettre::Address>().is_err() {
            return Ok(Err(Error::Invalid(format!(
                "{:?} is not an email address",
                to[0]
            ))));
        }
        self.queue(message).await
    }

    async fn send_letter(
        &mut self,
        letter: super::bindings::immcase::plugin::mail::Letter,
    ) -> HostResult<super::bindings::immcase::plugin::mail::Queued> {
        CallState::send_letter(self, letter).await
    }

    async fn send_message(&mut self, message: mail::Message) -> HostResult<()> {
        let attachments: Vec<crate::mail::Attachment> = message
            .attachments
            .into_iter()
            .map(|a| crate::mail::Attachment {
                name: a.name,
                content_type: a.content_type,
                content: a.content,
            })
            .collect();
        let message = crate::mail::OutgoingMessage {
            to: &message.to,
            cc: &message.cc,
            reply_to: message.reply_to.as_deref(),
            subject: &message.subject,
            body: &message.body,
            attachments: &attachments,
            sent_by: None,
            origin: "",
            chain: crate::change::cause(self.caller.as_ref(), "host").chain,
            letter: None,
        };
        self.queue(message).await
    }
}

impl CallState {
    /// Checks `message` and queues it in the call's transaction, as sent by
    /// the call's person (if it has one); it leaves after the commit.
    async fn queue(&mut self, message: crate::mail::OutgoingMessage<'_>) -> HostResult<()> {
        if let Err(refused) = message.check() {
            return Ok(Err(Error::Invalid(refused)));
        }
        let sent_by = self.caller.as_ref().map(|c| c.user_id.clone());
        let origin = format!("module:{}", self.module.manifest.id);
        let message = crate::mail::OutgoingMessage {
            sent_by: sent_by.as_deref(),
            origin: &origin,
            chain: crate::change::cause(self.caller.as_ref(), "host").chain,
            ..message
        };
        let (practice, now) = (self.practice.clone(), self.app.now_ms());
        let tx = self.tx().await?;
        crate::mail::enqueue_message(tx, &practice, &message, now)
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        self.wake_mail = true;
        Ok(Ok(()))
    }
}

impl settings::Host for CallState {
    async fn get(&mut self) -> HostResult<String> {
        let app = &self.app;
        let json = app
            .module_settings
            .get(app.db.pool(), &self.practice, &self.module.manifest)
            .await
            .map_err(|e| wasmtime::Error::msg(e.to_string()))?;
        Ok(Ok(json.to_string()))
    }
}

impl log::Host for CallState {
    async fn write(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        let message: String = message.chars().take(4000).collect();
        let (module, practice) = (self.id().to_string(), self.practice.slug().to_string());
        let user = self
            .caller
            .as_ref()
            .map(|c| c.email.clone())
            .unwrap_or_default();
        match level {
            log::Level::Debug => tracing::debug!(%module, %practice, %user, "{message}"),
            log::Level::Info => tracing::info!(%module, %practice, %user, "{message}"),
            log::Level::Warn => tracing::warn!(%module, %practice, %user, "{message}"),
            log::Level::Error => tracing::error!(%module, %practice, %user, "{message}"),
        }

        Ok(())
    }
}
