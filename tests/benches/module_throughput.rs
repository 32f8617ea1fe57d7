//! Module route against native route, on one server (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench module_throughput
//! ```
//!
//! The same JSON endpoint — "who am I", the caller as JSON — is served natively
//! (`/api/v1/bench/whoami`, a host route behind the same practice, session and
//! CSRF layers) and by the `recorder` test module (`/api/v1/m/recorder/whoami`).
//! It prints, measured in the same run:
//!
//! - throughput: concurrent keep-alive clients on loopback hammer each route
//!   for a fixed time, in alternating rounds; requests per second of each,
//!   their ratio, and each route's p50/p99 latency under that load;
//! - latency with one client (no queueing): each route's p50/p99, and the
//!   module's added cost per request (module minus native, in µs);
//! - the time to set up a fresh module instance (store, instantiation) as
//!   every module request does, and a whole `handle-http` call without HTTP.
//!
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::get;
use immcase_host::access::Caller;
use immcase_host::{AppState, Config};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api};
use serde_json::{Value, json};

/// The server binary's allocator, so the bench measures the server as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 16;
const WARMUP: Duration = Duration::from_secs(2);
const ROUND: Duration = Duration::from_secs(1);
const ROUNDS: usize = 10;
const INSTANTIATIONS: usize = 5_000;

async fn native_whoami(caller: Caller) -> Json<Value> {
    Json(json!({
        "practice": caller.practice.slug(),
        "user_id": caller.user_id,
        "email": caller.email,
        "display_name": caller.display_name,
        "time_zone": caller.time_zone,
        "permissions": caller.permissions,
    }))
}

/// What a round of requests on one route gave: how many completed, and the
/// latency of each in microseconds.
#[derive(Default)]
struct Round {
    done: u64,
    latencies_us: Vec<f64>,
}

impl Round {
    fn add(&mut self, other: Round) {
        self.done += other.done;
        self.latencies_us.extend(other.latencies_us);
    }
}

/// What `clients` concurrent clients complete on `path` in `duration`.
async fn burst(api: &Api, path: &str, clients: usize, duration: Duration) -> Round {
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (api, path) = (api.clone(), path.to_string());
            tokio::spawn(async move {
                let mut round = Round::default();
                let end = Instant::now() + duration;
                while Instant::now() < end {
                    let start = Instant::now();
                    let r = api.get(&path).await;
                    round.latencies_us.push(start.elapsed().as_secs_f64() * 1e6);
                    assert_eq!(r.status, 200, "{path}: {}", r.text);
                    round.done += 1;
                }
                round
            })
        })
        .collect();
    let mut total = Round::default();
    for t in tasks {
        total.add(t.await.unwrap());
    }
    total
}

/// Alternates short rounds of the two routes with `clients` clients, so
/// that load from anything else on the machine falls on both alike.
/// Returns the native route's and the module route's totals, and the
/// per-round ratios (module / native requests), sorted.
async fn interleaved(
    api: &Api,
    native: &str,
    module: &str,
    clients: usize,
) -> (Round, Round, Vec<f64>) {
    burst(api, native, clients, WARMUP / 2).await;
    burst(api, module, clients, WARMUP / 2).await;
    let (mut native_total, mut module_total, mut ratios) =
        (Round::default(), Round::default(), Vec::new());
    for _ in 0..ROUNDS {
        let n = burst(api, native, clients, ROUND).await;
        let m = burst(api, module, clients, ROUND).await;
        ratios.push(m.done as f64 / n.done as f64);
        native_total.add(n);
        module_total.add(m);
    }
    ratios.sort_by(f64::total_cmp);
    (native_total, module_total, ratios)
}

/// Microseconds to create a store and instantiate the module, as each
/// module request does: (mean, p50, p99).
async fn instantiation(state: &AppState) -> (f64, f64, f64) {
    let module = state.modules.get("recorder").unwrap();
    let practice = state.practice_by_slug("default").await.unwrap().unwrap();
    let mut samples = Vec::with_capacity(INSTANTIATIONS);
    for _ in 0..INSTANTIATIONS {
        let start = Instant::now();
        immcase_host::modules::call::run(
            state,
            &module,
            &practice,
            None,
            None,
            |_| false,
            |_m, _s| Box::pin(async { Ok(()) }),
        )
        .await
        .unwrap();
        samples.push(start.elapsed().as_secs_f64() * 1e6);
    }
    summarize(samples)
}

/// Microseconds for a whole `handle-http` call of the module's whoami route
/// (instance, call, response), without HTTP: (mean, p50, p99).
async fn module_call(state: &AppState) -> (f64, f64, f64) {
    use immcase_host::modules::bindings::{Caller as CallerRecord, HttpRequest};
    let module = state.modules.get("recorder").unwrap();
    let practice = state.practice_by_slug("default").await.unwrap().unwrap();
    let caller = CallerRecord {
        practice: "default".into(),
        user_id: Some("user".into()),
        email: ADMIN_EMAIL.into(),
        display_name: "Administrator".into(),
        time_zone: "America/Toronto".into(),
        permissions: vec!["module:*".into(), "users.manage".into()],
        practice_url: state.config.practice_url("default"),
    };
    let mut samples = Vec::with_capacity(INSTANTIATIONS);
    for _ in 0..INSTANTIATIONS {
        let (caller, request) = (
            caller.clone(),
            HttpRequest {
                method: "GET".into(),
                path: "/whoami".into(),
                query: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
                page: false,
            },
        );
        let start = Instant::now();
        let response = immcase_host::modules::call::run(
            state,
            &module,
            &practice,
            None,
            None,
            |_| false,
            move |m, s| Box::pin(async move { m.call_handle_http(s, &caller, &request).await }),
        )
        .await
        .unwrap();
        samples.push(start.elapsed().as_secs_f64() * 1e6);
        assert_eq!(response.status, 200);
    }
    summarize(samples)
}

fn summarize(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    (
        mean,
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
    )
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let modules = immcase_tests::install_test_modules(&dir.path().join("modules"), &["recorder"]);
    let mut config = Config::new(dir.path());
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.module_dirs.extend(modules);
    config.module_cache_dir = Some(immcase_tests::module_cache());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let extra = axum::Router::new().route("/api/v1/bench/whoami", get(native_whoami));
    tokio::spawn(immcase_host::serve_with(
        config.clone(),
        listener,
        std::future::pending(),
        extra,
    ));

    let api = Api::new(addr, None);
    api.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(200);
    api.set_module("recorder", true).await;
    let native = api
        .get("/api/v1/bench/whoami")
        .await
        .expect_status(200)
        .body;
    let module = api
        .get("/api/v1/m/recorder/whoami")
        .await
        .expect_status(200)
        .body;
    for key in ["practice", "user_id", "email", "display_name"] {
        assert_eq!(
            native[key], module[key],
            "both endpoints answer the same {key}"
        );
    }

    let (native_path, module_path) = ("/api/v1/bench/whoami", "/api/v1/m/recorder/whoami");
    println!(
        "module_throughput: {CLIENTS} keep-alive clients on loopback, {ROUNDS} alternating rounds of {}s per route after {}s warm-up",
        ROUND.as_secs(),
        WARMUP.as_secs()
    );
    let (native, module, ratios) = interleaved(&api, native_path, module_path, CLIENTS).await;
    let seconds = (ROUND * ROUNDS as u32).as_secs_f64();
    let (native_rps, module_rps) = (native.done as f64 / seconds, module.done as f64 / seconds);
    let (_, native_p50, native_p99) = summarize(native.latencies_us);
    let (_, module_p50, module_p99) = summarize(module.latencies_us);
    println!(
        "native route  GET {native_path:<26} {native_rps:>8.0} req/s   p50 {native_p50:>7.0} us  p99 {native_p99:>7.0} us"
    );
    println!(
        "module route  GET {module_path:<26} {module_rps:>8.0} req/s   p50 {module_p50:>7.0} us  p99 {module_p99:>7.0} us"
    );
    println!(
        "ratio module/native: overall {:.2}, per round median {:.2} (min {:.2}, max {:.2})  (target >= 0.85)",
        module_rps / native_rps,
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );

    println!(
        "one client, {ROUNDS} alternating rounds of {}s per route:",
        ROUND.as_secs()
    );
    let (native, module, _) = interleaved(&api, native_path, module_path, 1).await;
    let (native_mean, native_p50, native_p99) = summarize(native.latencies_us);
    let (module_mean, module_p50, module_p99) = summarize(module.latencies_us);
    println!(
        "native route  p50 {native_p50:>7.1} us  p99 {native_p99:>7.1} us  mean {native_mean:>7.1} us"
    );
    println!(
        "module route  p50 {module_p50:>7.1} us  p99 {module_p99:>7.1} us  mean {module_mean:>7.1} us"
    );
    println!(
        "module's added cost per request: p50 {:.1} us, mean {:.1} us  (target <= 40 us)",
        module_p50 - native_p50,
        module_mean - native_mean
    );

    // Beside the running server: its search index stays with it.
    let state = immcase_host::open_for_people(config).await.unwrap();
    let (mean, p50, p99) = instantiation(&state).await;
    println!(
        "instantiate per request ({INSTANTIATIONS} runs): mean {mean:.1} us, p50 {p50:.1} us, p99 {p99:.1} us  (target p50 <= 15 us)"
    );
    let (mean, p50, p99) = module_call(&state).await;
    println!(
        "whole handle-http call, no HTTP ({INSTANTIATIONS} runs): mean {mean:.1} us, p50 {p50:.1} us, p99 {p99:.1} us"
    );
}
