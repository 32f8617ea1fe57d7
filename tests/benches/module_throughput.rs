//! Module route against native route, on one server (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench module_throughput
//! ```
//!
//! The same JSON endpoint — "who am I", the caller as JSON — is served natively
//! (`/api/v1/bench/whoami`, a host route behind the same practice, session and
//! CSRF layers) and by the `recorder` test module (`/api/v1/m/recorder/whoami`).
//! Concurrent keep-alive clients on loopback hammer each for a fixed time;
//! the bench prints requests per second of each and their ratio, then the
//! time to set up a fresh module instance (store, WASI context, instantiation)
//! as every module request does. Not part of CI: it measures, it does not
//! assert.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::get;
use immcase_host::auth::Caller;
use immcase_host::{AppState, Config};
use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api};
use serde_json::{Value, json};

const CLIENTS: usize = 16;
const WARMUP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(8);
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

/// Requests per second that `CLIENTS` concurrent clients get from `path`.
async fn throughput(api: &Api, path: &str) -> f64 {
    let count = Arc::new(AtomicU64::new(0));
    let run = |duration: Duration, count: Arc<AtomicU64>| {
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (api, path, count) = (api.clone(), path.to_string(), count.clone());
                tokio::spawn(async move {
                    let end = Instant::now() + duration;
                    while Instant::now() < end {
                        let r = api.get(&path).await;
                        assert_eq!(r.status, 200, "{path}: {}", r.text);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        async move {
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
    run(WARMUP, Arc::new(AtomicU64::new(0))).await;
    let start = Instant::now();
    run(MEASURE, count.clone()).await;
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Microseconds to create a store and WASI context and instantiate the
/// module, as each module request does: (mean, p50, p99).
async fn instantiation(state: &AppState) -> (f64, f64, f64) {
    let module = state.modules.get("recorder").cloned().unwrap();
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

    println!(
        "module_throughput: {CLIENTS} keep-alive clients on loopback, {}s per endpoint after {}s warm-up",
        MEASURE.as_secs(),
        WARMUP.as_secs()
    );
    let native_rps = throughput(&api, "/api/v1/bench/whoami").await;
    let module_rps = throughput(&api, "/api/v1/m/recorder/whoami").await;
    println!("native route  GET /api/v1/bench/whoami      {native_rps:>10.0} req/s");
    println!("module route  GET /api/v1/m/recorder/whoami {module_rps:>10.0} req/s");
    println!(
        "ratio module/native                          {:>10.1} %  (target >= 60 %)",
        module_rps / native_rps * 100.0
    );

    let state = immcase_host::open(config).await.unwrap();
    let (mean, p50, p99) = instantiation(&state).await;
    println!(
        "instantiate per request ({INSTANTIATIONS} runs): mean {mean:.1} us, p50 {p50:.1} us, p99 {p99:.1} us  (target < 50 us)"
    );
}
