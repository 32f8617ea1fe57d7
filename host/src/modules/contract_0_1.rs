//! The contract 0.1.x for modules built against it: every import of the
//! frozen 0.1.2 bindings, served by the same code as 0.2.
//!
//! What did not change is passed through, its types converted field by
//! field. What did:
//!
//! - `records` and `files` answer JSON of the JSON API's shape, as 0.1
//!   promised, from the same lookups as the typed records of 0.2;
//! - 0.1 has no `error.internal`: it travels as `invalid`, its text
//!   starting `internal error: `.

use immcase_runtime::bindings::v0_1::immcase::plugin as old;
use immcase_runtime::contract::old_error;
use std::convert::identity;

use serde_json::Value;

use super::bindings::immcase::plugin as new;
use super::call::CallState;
use crate::records::applicant;

type OldResult<T> = wasmtime::Result<Result<T, old::types::Error>>;

/// A 0.2 answer for a 0.1 module: its value converted by `f`, its error
/// brought down to 0.1's.
fn down<T, U>(
    answer: wasmtime::Result<Result<T, new::types::Error>>,
    f: impl FnOnce(T) -> U,
) -> OldResult<U> {
    Ok(answer?.map(f).map_err(old_error))
}

fn document(d: new::store::Document) -> old::store::Document {
    old::store::Document {
        id: d.id,
        version: d.version,
        created_at: d.created_at,
        updated_at: d.updated_at,
        data: d.data,
    }
}

fn query_spec(q: old::store::QuerySpec) -> new::store::QuerySpec {
    let op = |op| match op {
        old::store::Op::Eq => new::store::Op::Eq,
        old::store::Op::Ne => new::store::Op::Ne,
        old::store::Op::Lt => new::store::Op::Lt,
        old::store::Op::Lte => new::store::Op::Lte,
        old::store::Op::Gt => new::store::Op::Gt,
        old::store::Op::Gte => new::store::Op::Gte,
    };
    new::store::QuerySpec {
        filters: q
            .filters
            .into_iter()
            .map(|f| new::store::Filter {
                field: f.field,
                op: op(f.op),
                value: f.value,
            })
            .collect(),
        order_by: q.order_by,
        descending: q.descending,
        limit: q.limit,
        cursor: q.cursor,
    }
}

fn entry(e: old::search::Entry) -> new::search::Entry {
    new::search::Entry {
        id: e.id,
        title: e.title,
        body: e.body,
        path: e.path,
        permission: e.permission,
    }
}

fn person(p: new::directory::Person) -> old::directory::Person {
    old::directory::Person {
        id: p.id,
        email: p.email,
        display_name: p.display_name,
        time_zone: p.time_zone,
        active: p.active,
    }
}

impl old::types::Host for CallState {}

impl old::store::Host for CallState {
    async fn get(
        &mut self,
        collection: String,
        id: String,
    ) -> OldResult<Option<old::store::Document>> {
        let answer = new::store::Host::get(self, collection, id).await;
        down(answer, |d| d.map(document))
    }

    async fn put(
        &mut self,
        collection: String,
        id: String,
        data: String,
        expected: Option<u64>,
    ) -> OldResult<old::store::Document> {
        let answer = new::store::Host::put(self, collection, id, data, expected).await;
        down(answer, document)
    }

    async fn delete(
        &mut self,
        collection: String,
        id: String,
        expected: Option<u64>,
    ) -> OldResult<bool> {
        down(
            new::store::Host::delete(self, collection, id, expected).await,
            |b| b,
        )
    }

    async fn query(
        &mut self,
        collection: String,
        q: old::store::QuerySpec,
    ) -> OldResult<old::store::Page> {
        let answer = new::store::Host::query(self, collection, query_spec(q)).await;
        down(answer, |page| old::store::Page {
            documents: page.documents.into_iter().map(document).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

/// Records as 0.1 gives them: JSON of the JSON API's shape, without the
/// fields the reader's rules hide.
impl old::records::Host for CallState {
    async fn get_applicant(&mut self, id: String) -> OldResult<String> {
        let read = self.read_applicant(&id).await;
        down(read, |(a, rules)| {
            applicant::visible(&a, &rules).to_string()
        })
    }

    async fn get_case(&mut self, id: String) -> OldResult<String> {
        let read = self.read_case(&id).await;
        down(read, |(c, rules)| {
            crate::records::visible(&c, "case", &rules).to_string()
        })
    }

    async fn find_applicants_by_email(&mut self, email: String) -> OldResult<Vec<String>> {
        let read = self.read_applicants_by_email(&email).await;
        down(read, |(found, rules)| {
            found
                .iter()
                .map(|a| applicant::visible(a, &rules))
                .map(|json: Value| json.to_string())
                .collect()
        })
    }

    async fn find_case_by_folio(&mut self, folio: String) -> OldResult<Option<String>> {
        let read = self.read_case_by_folio(&folio).await;
        down(read, |(found, rules)| {
            found.map(|c| crate::records::visible(&c, "case", &rules).to_string())
        })
    }
}

/// Files as 0.1 gives them: JSON of the JSON API's shape.
impl old::files::Host for CallState {
    async fn list(&mut self, owner: String) -> OldResult<Vec<String>> {
        let seen = self.list_files(&owner).await;
        down(seen, |all| all.iter().map(|f| f.json()).collect())
    }

    async fn read(&mut self, id: String) -> OldResult<Vec<u8>> {
        down(self.read_file(id).await, identity)
    }

    async fn attach(
        &mut self,
        owner: String,
        name: String,
        content_type: String,
        content: Vec<u8>,
    ) -> OldResult<String> {
        let seen = self.attach_file(owner, name, content_type, content).await;
        down(seen, |f| f.json())
    }
}

impl old::search::Host for CallState {
    async fn put(&mut self, e: old::search::Entry) -> OldResult<()> {
        down(new::search::Host::put(self, entry(e)).await, identity)
    }

    async fn put_visible_to(
        &mut self,
        e: old::search::Entry,
        readers: Vec<String>,
    ) -> OldResult<()> {
        let answer = new::search::Host::put_visible_to(self, entry(e), readers).await;
        down(answer, identity)
    }

    async fn remove(&mut self, id: String) -> OldResult<()> {
        down(new::search::Host::remove(self, id).await, identity)
    }
}

impl old::events::Host for CallState {
    async fn emit(&mut self, name: String, payload: String) -> OldResult<String> {
        down(new::events::Host::emit(self, name, payload).await, identity)
    }
}

impl old::schedule::Host for CallState {
    async fn at(&mut self, due: i64, key: String, payload: String) -> OldResult<()> {
        down(
            new::schedule::Host::at(self, due, key, payload).await,
            identity,
        )
    }

    async fn cancel(&mut self, key: String) -> OldResult<bool> {
        down(new::schedule::Host::cancel(self, key).await, identity)
    }

    async fn now(&mut self) -> wasmtime::Result<i64> {
        new::schedule::Host::now(self).await
    }
}

impl old::mail::Host for CallState {
    async fn send(&mut self, to: String, subject: String, body: String) -> OldResult<()> {
        down(
            new::mail::Host::send(self, to, subject, body).await,
            identity,
        )
    }
}

impl old::directory::Host for CallState {
    async fn get(&mut self, id: String) -> OldResult<Option<old::directory::Person>> {
        down(new::directory::Host::get(self, id).await, |p| p.map(person))
    }

    async fn holding(&mut self, permission: String) -> OldResult<Vec<old::directory::Person>> {
        let answer = new::directory::Host::holding(self, permission).await;
        down(answer, |all| all.into_iter().map(person).collect())
    }
}

impl old::actions::Host for CallState {
    async fn call(&mut self, module: String, name: String, input: String) -> OldResult<String> {
        down(
            new::actions::Host::call(self, module, name, input).await,
            |out| out,
        )
    }
}

impl old::settings::Host for CallState {
    async fn get(&mut self) -> OldResult<String> {
        down(new::settings::Host::get(self).await, identity)
    }
}

impl old::log::Host for CallState {
    async fn write(&mut self, level: old::log::Level, message: String) -> wasmtime::Result<()> {
        let level = match level {
            old::log::Level::Debug => new::log::Level::Debug,
            old::log::Level::Info => new::log::Level::Info,
            old::log::Level::Warn => new::log::Level::Warn,
            old::log::Level::Error => new::log::Level::Error,
        };
        new::log::Host::write(self, level, message).await
    }
}
