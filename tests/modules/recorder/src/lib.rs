//! Test module that records what the host delivers.
//!
//! - Events (`notes.*`): each is stored in `received` under its id, once
//!   (redeliveries change nothing). With the setting `refuse_for_secs = N`,
//!   deliveries fail on purpose until N seconds after the event occurred (by
//!   the host's clock), so retries and backoff can be tested.
//! - `GET /received` → `{"items":[{id,name,payload,source,occurred_at}]}`.
//! - `POST /timers` `{key, due, payload}` schedules a timer;
//!   `DELETE /timers/:key` → `{"cancelled":bool}`; a due timer is stored in
//!   `fired` as `{key}:{due_at}`; `GET /fired` → `{"items":[...]}`. A timer
//!   whose payload has `again_at` schedules its own key again for then.
//! - `GET /store/:collection/:id` reads a document of its own store (404 when
//!   absent, 403 with the host's message for an undeclared collection).
//! - `GET /whoami` → the caller.
//! - `PUT /items/:id` and `POST /items/query` put and query documents of
//!   `items` (indexed on `n`, `s`, `flag`) so tests can exercise the store.

use immcase_sdk::{
    Collection, Ctx, Error, Event, Op, Plugin, Request, Response, Result, Router, Timer,
    export_plugin,
};
use serde::Deserialize;
use serde_json::{Value, json};

struct Recorder;

impl Plugin for Recorder {
    fn router() -> Router {
        Router::new()
            .get("/received", received)
            .post("/timers", schedule)
            .delete("/timers/:key", cancel)
            .get("/fired", fired)
            .get("/store/:collection/:id", read)
            .get("/whoami", whoami)
            .put("/items/:id", put_item)
            .post("/items/query", query_items)
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        let settings: Settings = ctx.settings()?;
        let store = collection(ctx, "received");
        // A failed delivery's writes are rolled back, so refusals are decided
        // by time (the host's clock, which tests move) rather than counted.
        if ctx.now() < event.occurred_at + settings.refuse_for_secs * 1000 {
            return Err(Error::Invalid(
                "refusing deliveries on purpose for now".into(),
            ));
        }
        let record = json!({
            "name": event.name,
            "payload": event.payload,
            "source": event.source,
            "occurred_at": event.occurred_at,
        });
        insert_once(&store, &event.id, &record)
    }

    /// `migrate`: marks every item with the version it was migrated from
    /// (a data migration run when a new version is installed);
    /// `refuse-migration`: a migration that fails.
    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        match name {
            "migrate" => {
                let items = collection(ctx, "items");
                let mut migrated = 0;
                for doc in items.query().limit(500).fetch()?.items {
                    let mut data = doc.data.clone();
                    data["migrated_from"] = input["from"].clone();
                    items.update(&doc.id, &data, doc.version)?;
                    migrated += 1;
                }
                Ok(json!({ "migrated": migrated }))
            }
            "refuse-migration" => Err(Error::Invalid("this data cannot be migrated".into())),
            _ => Err(Error::NotFound(format!("no action {name}"))),
        }
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        let record = json!({
            "key": timer.key,
            "payload": timer.payload,
            "due_at": timer.due_at,
            "fired_at": ctx.now(),
        });
        let id = format!("{}:{}", timer.key, timer.due_at);
        insert_once(&collection(ctx, "fired"), &id, &record)?;
        // `{"again_at": ms}`: the timer schedules its own key once more.
        if let Some(again) = timer.payload["again_at"].as_i64() {
            ctx.schedule_at(again, &timer.key, &json!({ "after": timer.due_at }))?;
        }
        Ok(())
    }
}

export_plugin!(Recorder);

fn received(ctx: &Ctx, _request: Request) -> Result<Response> {
    let items: Vec<Value> = all(&collection(ctx, "received"))?
        .into_iter()
        .filter(|item| {
            !item["id"]
                .as_str()
                .unwrap_or_default()
                .starts_with("attempts:")
        })
        .collect();
    Ok(Response::json(&json!({ "items": items })))
}

fn fired(ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(
        &json!({ "items": all(&collection(ctx, "fired"))? }),
    ))
}

fn schedule(ctx: &Ctx, request: Request) -> Result<Response> {
    let timer: NewTimer = request.json()?;
    ctx.schedule_at(timer.due, &timer.key, &timer.payload)?;
    Ok(Response::json(
        &json!({ "scheduled": true, "key": timer.key, "due": timer.due }),
    ))
}

fn cancel(ctx: &Ctx, request: Request) -> Result<Response> {
    let cancelled = ctx.cancel_timer(request.require_param("key")?)?;
    Ok(Response::json(&json!({ "cancelled": cancelled })))
}

fn read(ctx: &Ctx, request: Request) -> Result<Response> {
    let name = request.require_param("collection")?;
    let id = request.require_param("id")?;
    match collection(ctx, name).get(id)? {
        Some(doc) => Ok(Response::json(&doc)),
        None => Err(Error::NotFound(format!("{name}/{id} not found"))),
    }
}

fn whoami(ctx: &Ctx, _request: Request) -> Result<Response> {
    Ok(Response::json(ctx.caller()))
}

/// `PUT /items/:id` `{data, version}`: creates (no version) or updates the
/// document, so tests can exercise the store directly.
fn put_item(ctx: &Ctx, request: Request) -> Result<Response> {
    let input: PutItem = request.json()?;
    let id = request.require_param("id")?;
    let items = collection(ctx, "items");
    let doc = match input.version {
        None => items.insert(id, &input.data)?,
        Some(v) => items.update(id, &input.data, v)?,
    };
    Ok(Response::json(
        &json!({ "id": doc.id, "version": doc.version }),
    ))
}

/// `POST /items/query` `{filters: [{field, op, value}], order_by, descending,
/// limit, cursor}` → `{"ids": [...], "next_cursor": ...}`.
fn query_items(ctx: &Ctx, request: Request) -> Result<Response> {
    let spec: QueryItems = request.json()?;
    let mut query = collection(ctx, "items")
        .query()
        .limit(spec.limit.unwrap_or(100));
    for f in spec.filters {
        let op = match f.op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            other => {
                return Err(Error::invalid_field(
                    "op",
                    &format!("unknown operator {other:?}"),
                ));
            }
        };
        query = query.where_op(&f.field, op, f.value);
    }
    if let Some(field) = &spec.order_by {
        query = query.order_by(field);
    }
    if spec.descending {
        query = query.descending();
    }
    let page = query.after(spec.cursor).fetch()?;
    let ids: Vec<String> = page.items.into_iter().map(|d| d.id).collect();
    Ok(Response::json(
        &json!({ "ids": ids, "next_cursor": page.next_cursor }),
    ))
}

#[derive(Deserialize)]
struct PutItem {
    data: Value,
    version: Option<u64>,
}

#[derive(Deserialize)]
struct QueryItems {
    #[serde(default)]
    filters: Vec<FilterSpec>,
    order_by: Option<String>,
    #[serde(default)]
    descending: bool,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct FilterSpec {
    field: String,
    op: String,
    value: Value,
}

fn collection(ctx: &Ctx, name: &str) -> Collection<Value> {
    ctx.collection(name)
}

/// Stores `data` as `id` unless it is there already (at-least-once delivery).
fn insert_once(store: &Collection<Value>, id: &str, data: &Value) -> Result<()> {
    if store.get(id)?.is_some() {
        return Ok(());
    }
    match store.insert(id, data) {
        Ok(_) | Err(Error::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every document of a collection as `{id, ...data}`, in id order.
fn all(store: &Collection<Value>) -> Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query().limit(500).after(cursor).fetch()?;
        for doc in page.items {
            let mut item = json!({ "id": doc.id });
            if let (Some(item), Value::Object(data)) = (item.as_object_mut(), doc.data) {
                item.extend(data);
            }
            items.push(item);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

#[derive(Deserialize)]
struct NewTimer {
    key: String,
    due: i64,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Settings {
    refuse_for_secs: i64,
}
