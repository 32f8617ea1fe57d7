//! What a script may do, registered on its engine. Each function works for
//! the workflow's own identity (`Caller` with the role the administrator
//! chose), through the same paths as the API: permissions, field rules,
//! validation and version checks apply as they would to a person with that
//! role.
//!
//! Writes go into the run's one transaction, started at the first write:
//! the run's effects commit together when the script succeeds, and none of
//! them when it fails or when it is only tried. Every write is listed in
//! the run's effects.
//!
//! The engine is synchronous; each function waits for the database on the
//! run's own blocking thread (`Handle::block_on`).

use std::sync::Arc;

use tokio::sync::Mutex;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map};
use serde_json::{Value, json};

use crate::access::Caller;
use crate::error::AppError;
use crate::mail::message::{OutgoingMessage, enqueue_message};
use crate::modules::call::Effects;
use crate::records::{applicants, cases, reading, timeline};
use crate::state::AppState;

type Answer<T> = Result<T, Box<EvalAltResult>>;

/// Most log lines, and effects, a run keeps.
pub const MAX_LOG_LINES: usize = 200;
pub const MAX_EFFECTS: usize = 200;
/// Longest log line kept.
const MAX_LOG_LINE: usize = 2_000;
/// Most cases `cases()` gives.
const MAX_CASES: usize = 1_000;

/// A run in progress: who it acts as, and what it did so far.
pub struct Live {
    pub state: AppState,
    pub caller: Caller,
    pub workflow_id: String,
    pub handle: tokio::runtime::Handle,
    pub work: Mutex<Work>,
}

/// What a run wrote (its transaction and the workers to wake), listed, and
/// logged.
#[derive(Default)]
pub struct Work {
    pub effects: Effects,
    pub done: Vec<Value>,
    pub logs: Vec<String>,
}

impl Work {
    fn did(&mut self, effect: Value) -> Answer<()> {
        if self.done.len() >= MAX_EFFECTS {
            return Err(format!("a run may make at most {MAX_EFFECTS} changes").into());
        }
        self.done.push(effect);
        Ok(())
    }

    pub fn log(&mut self, line: String) {
        if self.logs.len() < MAX_LOG_LINES {
            let mut line = line;
            if line.len() > MAX_LOG_LINE {
                let mut end = MAX_LOG_LINE;
                while !line.is_char_boundary(end) {
                    end -= 1;
                }
                line.truncate(end);
                line.push('…');
            }
            self.logs.push(line);
        } else if self.logs.len() == MAX_LOG_LINES {
            self.logs.push(format!(
                "(more than {MAX_LOG_LINES} lines: the rest was not kept)"
            ));
        }
    }

    /// The run's transaction, begun at its first write.
    async fn tx(&mut self, state: &AppState) -> Answer<&mut crate::db::Tx> {
        if self.effects.tx.is_none() {
            self.effects.tx = Some(state.db.begin().await.map_err(words)?);
        }
        self.effects
            .tx
            .as_mut()
            .ok_or_else(|| "the run's transaction was lost".into())
    }
}

/// An error of the host's paths in the script's words.
fn words(e: impl Into<AppError>) -> Box<EvalAltResult> {
    let e: AppError = e.into();
    let text = match &e {
        AppError::Forbidden { permission } => {
            format!("the workflow's role lacks the permission `{permission}`")
        }
        AppError::EditConflict { .. } => {
            "the record changed since the script read it (its version is not the one given): read it again".into()
        }
        AppError::Invalid { message, .. } => message.clone(),
        AppError::Internal(_) | AppError::Database(_) => {
            tracing::warn!(error = %e, "a workflow's call failed");
            "something went wrong in the server (see its log)".into()
        }
        other => other.to_string(),
    };
    text.into()
}

fn to_dynamic(value: &Value) -> Answer<Dynamic> {
    rhai::serde::to_dynamic(value)
}

fn to_json(value: &Dynamic) -> Answer<Value> {
    rhai::serde::from_dynamic(value)
}

fn map_json(map: &Map) -> Answer<serde_json::Map<String, Value>> {
    match to_json(&Dynamic::from_map(map.clone()))? {
        Value::Object(m) => Ok(m),
        _ => Err("expected a map".into()),
    }
}

/// A record as a script sees it: the fields the role shows, with `kind`.
fn record_value(record: &impl serde::Serialize, kind: &str, caller: &Caller) -> Value {
    let mut v = crate::records::visible(record, kind, &caller.field_rules);
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), Value::from(kind));
    }
    v
}

/// Which record a map from the script is: its `kind`, `id` and `version`.
fn which(record: &Map) -> Answer<(String, String, Option<i64>)> {
    let text = |key: &str| record.get(key).and_then(|v| v.clone().into_string().ok());
    let kind = text("kind")
        .ok_or("the record has no `kind`: pass a record read with get_applicant() or get_case()")?;
    if kind != "applicant" && kind != "case" {
        return Err(format!("`{kind}` records cannot be changed by workflows").into());
    }
    let id = text("id").ok_or("the record has no `id`")?;
    let version = record.get("version").and_then(|v| v.as_int().ok());
    Ok((kind, id, version))
}

impl Live {
    /// Runs `f` on the run's thread, for the workflow's practice only
    /// (`db::scope`), whoever started the run.
    fn block<T>(&self, f: impl std::future::Future<Output = Answer<T>>) -> Answer<T> {
        let practice = self.caller.practice.id();
        self.handle
            .block_on(crate::db::scope::for_practice(practice, f))
    }

    fn applicant(&self, id: &str) -> Answer<Dynamic> {
        self.caller.require("applicants.read").map_err(words)?;
        let found = self.block(async {
            let mut work = self.work.lock().await;
            let practice = &self.caller.practice;
            match work.effects.tx.as_mut() {
                Some(tx) => reading::applicant(&mut **tx, practice, id)
                    .await
                    .map_err(words),
                None => reading::applicant(self.state.db.pool(), practice, id)
                    .await
                    .map_err(words),
            }
        })?;
        let a = found.ok_or_else(|| format!("there is no applicant {id}"))?;
        to_dynamic(&record_value(&a, "applicant", &self.caller))
    }

    fn case(&self, id: &str) -> Answer<Dynamic> {
        self.caller.require("cases.read").map_err(words)?;
        let found = self.block(async {
            let mut work = self.work.lock().await;
            let practice = &self.caller.practice;
            match work.effects.tx.as_mut() {
                Some(tx) => reading::case(&mut **tx, practice, id).await.map_err(words),
                None => reading::case(self.state.db.pool(), practice, id)
                    .await
                    .map_err(words),
            }
        })?;
        let c = found.ok_or_else(|| format!("there is no case {id}"))?;
        to_dynamic(&record_value(&c, "case", &self.caller))
    }

    fn cases(&self, filter: Map) -> Answer<Array> {
        let filter = map_json(&filter)?;
        let text = |key: &str| filter.get(key).and_then(Value::as_str).map(str::to_string);
        for key in filter.keys() {
            if !["applicant_id", "stage", "status", "program", "responsible"]
                .contains(&key.as_str())
            {
                return Err(format!(
                    "cases() filters by applicant_id, stage, status, program and responsible, not `{key}`"
                )
                .into());
            }
        }
        let mut query = cases::CaseQuery {
            applicant_id: text("applicant_id"),
            stage: text("stage"),
            status: text("status"),
            program: text("program"),
            responsible: text("responsible"),
            sort: Some("oldest".into()),
            cursor: None,
            limit: Some(200),
        };
        let mut found = Array::new();
        loop {
            let page = self.block(async {
                cases::page(&self.state, &self.caller, &query)
                    .await
                    .map_err(words)
            })?;
            for c in &page.items {
                if found.len() >= MAX_CASES {
                    return Err(format!(
                        "cases() gives at most {MAX_CASES} cases: narrow the filter"
                    )
                    .into());
                }
                found.push(to_dynamic(&record_value(c, "case", &self.caller))?);
            }
            match page.next_cursor {
                Some(next) => query.cursor = Some(next),
                None => return Ok(found),
            }
        }
    }

    fn files(&self, record: Map) -> Answer<Array> {
        let (kind, id, _) = which(&record)?;
        let listed = self.block(async {
            let owner = crate::files::visible_owner(&self.state, &self.caller, &kind, &id)
                .await
                .map_err(words)?;
            crate::files::listing(&self.state, &self.caller, &owner)
                .await
                .map_err(words)
        })?;
        listed
            .iter()
            .map(|f| to_dynamic(&serde_json::to_value(f).unwrap_or_default()))
            .collect()
    }

    fn people(&self) -> Answer<Array> {
        let rows: Vec<(String, String, String, Option<String>)> = self.block(async {
            sqlx::query_as(
                "SELECT u.id, u.display_name, u.email, r.name FROM users u \
                 LEFT JOIN user_roles ur ON ur.practice_id = u.practice_id AND ur.user_id = u.id \
                 LEFT JOIN roles r ON r.practice_id = ur.practice_id AND r.id = ur.role_id \
                 WHERE u.practice_id = $1 AND u.disabled_at IS NULL ORDER BY u.display_name, u.id",
            )
            .bind(self.caller.practice.id())
            .fetch_all(self.state.db.pool())
            .await
            .map_err(words)
        })?;
        let mut people: Vec<Value> = Vec::new();
        for (id, name, email, role) in rows {
            if people.last().is_none_or(|p| p["id"] != id.as_str()) {
                people.push(json!({"id": id, "name": name, "email": email, "roles": []}));
            }
            if let (Some(role), Some(last)) = (role, people.last_mut())
                && let Some(roles) = last["roles"].as_array_mut()
            {
                roles.push(Value::from(role));
            }
        }
        people.iter().map(to_dynamic).collect()
    }

    fn update(&self, record: Map, changes: Map) -> Answer<Dynamic> {
        let (kind, id, version) = which(&record)?;
        let version = version.ok_or(
            "the record has no `version`: pass a record read with get_applicant() or get_case()",
        )?;
        let body = map_json(&changes)?;
        let fields: Vec<String> = body.keys().cloned().collect();
        let after = self.block(async {
            let mut work = self.work.lock().await;
            let tx = work.tx(&self.state).await?;
            let (state, caller) = (&self.state, &self.caller);
            let after = if kind == "case" {
                let c = cases::change_in(state, tx, caller, &id, version, body.clone()).await.map_err(words)?;
                record_value(&c, "case", caller)
            } else {
                let a = applicants::change_in(state, tx, caller, &id, version, body.clone()).await.map_err(words)?;
                record_value(&a, "applicant", caller)
            };
            work.effects.wake_jobs = true;
            work.effects.wake_search = true;
            work.did(json!({"kind": "update", "record": format!("{kind}:{id}"), "fields": fields, "changes": body}))?;
            Ok(after)
        })?;
        to_dynamic(&after)
    }

    fn create_case(&self, fields: Map) -> Answer<Dynamic> {
        let body = map_json(&fields)?;
        let created = self.block(async {
            let mut work = self.work.lock().await;
            let tx = work.tx(&self.state).await?;
            let c = cases::open_in(&self.state, tx, &self.caller, body.clone()).await.map_err(words)?;
            work.effects.wake_jobs = true;
            work.effects.wake_search = true;
            work.did(json!({"kind": "create_case", "record": format!("case:{}", c.id), "folio": c.folio, "fields": body}))?;
            Ok(record_value(&c, "case", &self.caller))
        })?;
        to_dynamic(&created)
    }

    fn add_note(&self, record: Map, text: &str) -> Answer<()> {
        let (kind, id, _) = which(&record)?;
        let text = text.trim();
        if text.is_empty() || text.len() > timeline::MAX_NOTE {
            return Err(format!("a note has 1 to {} characters", timeline::MAX_NOTE).into());
        }
        let permission = if kind == "case" {
            "cases.write"
        } else {
            "applicants.write"
        };
        self.caller.require(permission).map_err(words)?;
        self.block(async {
            let mut work = self.work.lock().await;
            let practice = self.caller.practice.clone();
            let now = self.state.now_ms();
            let tx = work.tx(&self.state).await?;
            let exists = crate::records::find_owner(&mut **tx, &practice, &kind, &id)
                .await
                .map_err(words)?;
            if exists.is_none() {
                return Err(format!("there is no {kind} {id}").into());
            }
            timeline::note(tx, &self.caller, &kind, &id, text, now)
                .await
                .map_err(words)?;
            work.did(json!({"kind": "note", "record": format!("{kind}:{id}"), "text": text}))
        })
    }

    fn send_email(&self, template: &str, to: Dynamic, data: Map) -> Answer<()> {
        let to = addresses(&to)?;
        let data = map_json(&data)?;
        self.block(async {
            let practice = &self.caller.practice;
            let found = super::store::template(self.state.db.pool(), practice, template)
                .await
                .map_err(words)?;
            let t = found.ok_or_else(|| {
                format!("there is no email template `{template}` (Settings → Workflows → Email templates)")
            })?;
            let subject = super::store::fill(&t.subject, &data);
            let body = super::store::fill(&t.body, &data);
            let origin = format!("workflow:{}", self.workflow_id);
            let message = OutgoingMessage {
                to: &to,
                cc: &[],
                reply_to: None,
                subject: subject.trim(),
                body: &body,
                attachments: &[],
                sent_by: None,
                origin: &origin,
                // Its `mail.sent` continues the run's chain.
                chain: crate::change::cause(Some(&self.caller), "host").chain,
                letter: None,
            };
            message.check().map_err(|e| format!("send_email: {e}"))?;
            let now = self.state.now_ms();
            let mut work = self.work.lock().await;
            let tx = work.tx(&self.state).await?;
            let id = enqueue_message(tx, practice, &message, now).await.map_err(words)?;
            work.effects.wake_mail = true;
            work.did(json!({"kind": "email", "outbox_id": id, "template": template, "to": to, "subject": subject.trim()}))
        })
    }

    fn call_action(&self, module: &str, action: &str, input: Map) -> Answer<Dynamic> {
        let input = Value::Object(map_json(&input)?);
        let output = self.block(async {
            let mut work = self.work.lock().await;
            let effects = std::mem::take(&mut work.effects);
            let (answer, effects) = crate::modules::call_for_workflow(
                &self.state,
                &self.caller,
                module,
                action,
                input.to_string(),
                effects,
            )
            .await;
            work.effects = effects;
            let output = answer?;
            let output: Value = serde_json::from_str(&output).unwrap_or(Value::String(output));
            work.did(json!({"kind": "action", "module": module, "action": action, "input": input, "output": output}))?;
            Ok(output)
        })?;
        to_dynamic(&output)
    }

    fn link(&self, record: Map) -> Answer<String> {
        let (kind, id, _) = which(&record)?;
        let base = self.state.config.practice_url(self.caller.practice.slug());
        Ok(format!("{base}/{kind}s/{id}"))
    }
}

/// The addresses `to` names: an address, a person (`#{email: …}`), or an
/// array of those.
fn addresses(to: &Dynamic) -> Answer<Vec<String>> {
    let one = |d: &Dynamic| -> Answer<String> {
        if let Ok(s) = d.clone().into_string() {
            return Ok(s);
        }
        if let Some(m) = d.read_lock::<Map>()
            && let Some(e) = m.get("email").and_then(|e| e.clone().into_string().ok())
        {
            return Ok(e);
        }
        Err("send_email: `to` is an address, a person (with `email`), or an array of those".into())
    };
    match d_array(to) {
        Some(items) => items.iter().map(one).collect(),
        None => Ok(vec![one(to)?]),
    }
}

fn d_array(d: &Dynamic) -> Option<Array> {
    d.read_lock::<Array>().map(|a| a.clone())
}

/// Registers the script API. Without `live` (checking a script), the
/// functions exist with their arguments but are never called.
pub fn register(engine: &mut Engine, live: Option<Arc<Live>>) {
    let need = move || -> Answer<Arc<Live>> {
        live.clone()
            .ok_or_else(|| "only a run can call this".into())
    };
    let n = need.clone();
    engine.register_fn("get_applicant", move |id: &str| n()?.applicant(id));
    let n = need.clone();
    engine.register_fn("get_case", move |id: &str| n()?.case(id));
    let n = need.clone();
    engine.register_fn("cases", move |filter: Map| n()?.cases(filter));
    let n = need.clone();
    engine.register_fn("files", move |record: Map| n()?.files(record));
    let n = need.clone();
    engine.register_fn("people", move || n()?.people());
    let n = need.clone();
    engine.register_fn("update", move |record: Map, changes: Map| {
        n()?.update(record, changes)
    });
    let n = need.clone();
    engine.register_fn("create_case", move |fields: Map| n()?.create_case(fields));
    let n = need.clone();
    engine.register_fn("add_note", move |record: Map, text: &str| {
        n()?.add_note(record, text)
    });
    let n = need.clone();
    engine.register_fn(
        "send_email",
        move |template: &str, to: Dynamic, data: Map| n()?.send_email(template, to, data),
    );
    let n = need.clone();
    engine.register_fn("link", move |record: Map| n()?.link(record));
    let n = need.clone();
    engine.register_fn("action", move |module: &str, action: &str, input: Map| {
        n()?.call_action(module, action, input)
    });
    let n = need.clone();
    engine.register_fn("log", move |value: Dynamic| -> Answer<()> {
        if let Ok(live) = n() {
            live.work.blocking_lock().log(value.to_string());
        }
        Ok(())
    });
    let n = need;
    engine.on_print(move |text| {
        if let Ok(live) = n() {
            live.work.blocking_lock().log(text.to_string());
        }
    });
}
