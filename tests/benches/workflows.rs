//! Workflows (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench workflows [-- --events 100000 --runs 200]
//! ```
//!
//! It prints, measured in the same run:
//!
//! - **matching**: `--events` events (25 names, payloads of a stage change
//!   or a ticket) through trigger matching (`events::matches`) against 100
//!   active workflows, and the condition of every workflow that matches
//!   evaluated on the sandboxed engine (`workflows::sandbox`), with the
//!   event and its record as the script sees them: events/s. The baseline
//!   is the same matching with the same conditions written in Rust over the
//!   JSON; and the ratio engine ÷ native.
//! - **a run**: a server on SQLite; `--runs` cases moved to `submitted`,
//!   each triggering a workflow that changes one field of the case
//!   (`update(record, #{decision_on: …})`), timed until every run has
//!   ended: runs/s through the worker and the mean of the runs' own
//!   durations. The baseline is the same change made through the API
//!   (`PATCH /api/v1/cases/{id}`), one after another; and the ratio.
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use immcase_host::config::WorkflowLimits;
use immcase_host::events::matches;
use immcase_host::workflows::{dates, run, sandbox};
use immcase_tests::{Backend, TestServer};
use serde_json::{Value, json};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn wanted(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|n| n.replace(['_', ','], "").parse().expect("a number"))
        .unwrap_or(default)
}

const NAMES: [&str; 25] = [
    "case.created",
    "case.updated",
    "case.stage_changed",
    "case.closed",
    "applicant.created",
    "applicant.updated",
    "applicant.merged",
    "file.uploaded",
    "file.moved",
    "file.deleted",
    "helpdesk.ticket.created",
    "helpdesk.ticket.updated",
    "helpdesk.ticket.assigned",
    "helpdesk.ticket.resolved",
    "helpdesk.ticket.sla_breached",
    "helpdesk.reply.added",
    "calendar.event.created",
    "calendar.event.updated",
    "calendar.event.deleted",
    "calendar.reminder.sent",
    "email.received",
    "mail.sent",
    "mail.failed",
    "module.settings_changed",
    "mailbox.received",
];

/// A condition written in Rust, over the event and the record.
type Native = fn(&Value, &Value) -> bool;

/// One of the 100 workflows: its trigger, its condition as a script, and
/// the same condition in Rust.
struct Listening {
    trigger: String,
    condition: &'static str,
    native: Native,
}

fn workflows() -> Vec<Listening> {
    let conditions: [(&'static str, Native); 5] = [
        ("", |_, _| true),
        ("event.payload.to == \"submitted\"", |e, _| {
            e["payload"]["to"] == "submitted"
        }),
        (
            "event.payload.to == \"submitted\" && record.program == \"express_entry\"",
            |e, r| e["payload"]["to"] == "submitted" && r["program"] == "express_entry",
        ),
        (
            "event.payload.priority == \"urgent\" && event.payload.category == \"technical_support\"",
            |e, _| {
                e["payload"]["priority"] == "urgent"
                    && e["payload"]["category"] == "technical_support"
            },
        ),
        (
            "record.stage != \"closed\" && record.responsible_user_id != ()",
            |_, r| r["stage"] != "closed" && !r["responsible_user_id"].is_null(),
        ),
    ];
    (0..100)
        .map(|i| {
            let trigger = match i % 4 {
                0 => "case.*".to_string(),
                1 => "helpdesk.ticket.*".to_string(),
                _ => NAMES[(i * 7) % NAMES.len()].to_string(),
            };
            let (condition, native) = conditions[i % conditions.len()];
            Listening {
                trigger,
                condition,
                native,
            }
        })
        .collect()
}

fn event(i: usize) -> (Value, Value) {
    let name = NAMES[(i * 13) % NAMES.len()];
    let payload = if name.starts_with("helpdesk") {
        json!({ "id": format!("t{i}"), "priority": if i.is_multiple_of(3) { "urgent" } else { "low" }, "category": "technical_support" })
    } else {
        json!({ "id": format!("c{i}"), "folio": format!("CAS{i:05}"), "from": "preparation",
                "to": if i.is_multiple_of(2) { "submitted" } else { "decision" } })
    };
    let event = json!({ "id": format!("e{i}"), "name": name, "payload": payload, "source": "host",
                        "occurred_at": "2026-12-04T15:00:00Z" });
    let record = json!({ "kind": "case", "id": format!("c{i}"), "version": 3, "folio": format!("CAS{i:05}"),
                         "applicant_id": "a1", "program": if i.is_multiple_of(3) { "express_entry" } else { "study_permit" },
                         "stage": "submitted", "responsible_user_id": if i.is_multiple_of(2) { Value::from("u1") } else { Value::Null },
                         "opened_on": "2026-01-05", "submitted_on": null, "decision_on": null });
    (event, record)
}

fn matching(events: usize) {
    let all = workflows();
    let limits = WorkflowLimits::default();
    let mut engine = sandbox::engine(&limits, None);
    dates::register(&mut engine, Arc::new(|| 0), jiff::tz::TimeZone::UTC);
    let compiled: Vec<Option<rhai::AST>> = all
        .iter()
        .map(|w| {
            (!w.condition.is_empty()).then(|| {
                sandbox::compile(&engine, "condition", w.condition, &run::VARIABLES).unwrap()
            })
        })
        .collect();
    let sample: Vec<(Value, Value)> = (0..1_000).map(event).collect();

    let started = Instant::now();
    let (mut matched, mut passed) = (0usize, 0usize);
    for i in 0..events {
        let (event, record) = &sample[i % sample.len()];
        let name = event["name"].as_str().unwrap();
        let mut scope: Option<rhai::Scope> = None;
        for (w, ast) in all.iter().zip(&compiled) {
            if !matches(&w.trigger, name) {
                continue;
            }
            matched += 1;
            let Some(ast) = ast else {
                passed += 1;
                continue;
            };
            let scope = scope.get_or_insert_with(|| {
                let mut s = rhai::Scope::new();
                s.push_dynamic("event", rhai::serde::to_dynamic(event).unwrap());
                s.push_dynamic("record", rhai::serde::to_dynamic(record).unwrap());
                s.push_dynamic("workflow", rhai::Dynamic::UNIT);
                s
            });
            if engine.eval_ast_with_scope::<bool>(scope, ast).unwrap() {
                passed += 1;
            }
        }
    }
    let engine_time = started.elapsed();

    let started = Instant::now();
    let (mut native_matched, mut native_passed) = (0usize, 0usize);
    for i in 0..events {
        let (event, record) = &sample[i % sample.len()];
        let name = event["name"].as_str().unwrap();
        for w in &all {
            if !matches(&w.trigger, name) {
                continue;
            }
            native_matched += 1;
            if (w.native)(event, record) {
                native_passed += 1;
            }
        }
    }
    let native_time = started.elapsed();
    assert_eq!(
        (matched, passed),
        (native_matched, native_passed),
        "the engine and Rust disagree"
    );
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "matching: {events} events × 100 workflows: {matched} matches, {passed} conditions true"
    );
    println!(
        "  engine {:>12.0} events/s   native {:>12.0} events/s   engine ÷ native {:.3}",
        rate(engine_time),
        rate(native_time),
        rate(engine_time) / rate(native_time)
    );
}

async fn a_run(count: usize) {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = server.admin().await;
    let applicant = admin.add_applicant("Bench").await;
    let mut cases = Vec::new();
    for _ in 0..count * 2 {
        cases.push(admin.open_case(&applicant, "express_entry").await);
    }
    let (through_api, through_runs) = cases.split_at(count);

    // Baseline: the same one-field change through the API.
    let started = Instant::now();
    for c in through_api {
        let id = c["id"].as_str().unwrap();
        admin
            .patch(
                &format!("/api/v1/cases/{id}"),
                json!({ "decision_on": "2027-03-04", "version": c["version"] }),
            )
            .await
            .expect_status(200);
    }
    let api_time = started.elapsed();

    let role = admin.role_id("Administrator").await;
    let body = json!({ "name": "Deadline", "trigger": "case.stage_changed", "active": true, "role_id": role,
                       "script": "update(record, #{ decision_on: add_days(today(), 90) });" });
    let w = admin
        .post("/api/v1/workflows", body)
        .await
        .expect_status(201)
        .body;
    let id = w["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    for c in through_runs {
        let case = c["id"].as_str().unwrap();
        admin
            .patch(
                &format!("/api/v1/cases/{case}"),
                json!({ "stage": "submitted", "version": c["version"] }),
            )
            .await
            .expect_status(200);
    }
    let triggered = started.elapsed();
    let durations: Vec<i64>;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let mut all = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = admin
                .get(&format!("/api/v1/workflows/{id}/runs?cursor={cursor}"))
                .await
                .expect_status(200)
                .body;
            all.extend(page["items"].as_array().unwrap().clone());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
            if cursor.is_empty() {
                break;
            }
        }
        if all.iter().filter(|r| r["outcome"] == "succeeded").count() >= count {
            durations = all
                .iter()
                .map(|r| r["duration_ms"].as_i64().unwrap_or(0))
                .collect();
            break;
        }
        assert!(Instant::now() < deadline, "the runs did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let runs_time = started.elapsed();
    let mean = durations.iter().sum::<i64>() as f64 / durations.len() as f64;
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / count as f64;
    println!("a run changing one record: {count} runs (SQLite)");
    println!(
        "  through the worker {:.1} runs/s ({:.2} ms each, the triggering changes taking {:.2} ms each); runs' own time {mean:.2} ms",
        count as f64 / runs_time.as_secs_f64(),
        per(runs_time),
        per(triggered)
    );
    println!(
        "  API change {:.2} ms each   run ÷ API change {:.2}",
        per(api_time),
        mean / per(api_time)
    );
    server.stop().await;
}

fn main() {
    matching(wanted("--events", 100_000));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(a_run(wanted("--runs", 200)));
}
