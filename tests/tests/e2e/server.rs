//! The server as a whole: health, the OpenAPI document, unknown routes.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{Backend, TestServer, on_both_databases};

on_both_databases!(
    health_and_openapi,
    unknown_routes_are_json_404s,
    oversized_requests_get_413,
    a_panicking_handler_is_a_logged_500_naming_the_request
);

/// A route that panics, as a bug in a handler would.
async fn panics() -> &'static str {
    panic!("a bug in a handler")
}

async fn a_panicking_handler_is_a_logged_500_naming_the_request(backend: Backend) {
    let routes = axum::Router::new()
        .route("/api/v1/test/panic", axum::routing::get(panics))
        .route("/test/panic", axum::routing::get(panics));
    let server = TestServer::start_with_routes(backend, routes).await;
    let api = server.api();

    // JSON: 500, the request's id in the message and the header.
    let failed = api.get("/api/v1/test/panic").await.expect_status(500);
    assert_eq!(failed.body["error"]["code"], "internal", "{}", failed.text);
    let id = failed.header("x-request-id").expect("a request id");
    let message = failed.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&id), "{message} names {id}");
    assert!(!message.contains("a bug in a handler"), "{message}");

    // A client's own id is kept; a malformed one is replaced.
    let mine = api
        .get_with_headers(
            "/api/v1/test/panic",
            &[("x-request-id", "support-ticket-42")],
        )
        .await
        .expect_status(500);
    assert_eq!(
        mine.header("x-request-id").as_deref(),
        Some("support-ticket-42")
    );
    assert!(mine.text.contains("support-ticket-42"), "{}", mine.text);
    let odd = api
        .get_with_headers("/healthz", &[("x-request-id", "no spaces; please")])
        .await
        .expect_status(200);
    let given = odd.header("x-request-id").expect("a request id");
    assert!(given != "no spaces; please" && !given.is_empty());

    // A page: a person sees a page of the shell naming the request.
    let admin = server.admin().await;
    let page = admin.get("/test/panic").await.expect_status(500);
    let id = page.header("x-request-id").expect("a request id");
    assert!(
        page.text.contains("<html") && page.text.contains(&id),
        "{}",
        page.text
    );

    // The server goes on answering.
    api.get("/healthz").await.expect_status(200);
    server.stop().await;
}

async fn health_and_openapi(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let health = api.get("/healthz").await.expect_status(200);
    assert_eq!(health.body, serde_json::json!({ "status": "ok" }));
    let doc = api.get("/api/v1/openapi.json").await.expect_status(200);
    let paths = doc.body["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/auth/sign-in", "post"),
        ("/api/v1/auth/sign-out", "post"),
        ("/api/v1/auth/forgot-password", "post"),
        ("/api/v1/auth/reset-password", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/password", "put"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/roles", "post"),
        ("/api/v1/roles/{id}", "put"),
        ("/api/v1/audit", "get"),
        ("/healthz", "get"),
    ] {
        let op = &paths[path][method];
        assert!(
            op.is_object(),
            "{method} {path} is missing from the OpenAPI document"
        );
        let responses = op["responses"].as_object().unwrap();
        assert!(
            !responses.is_empty(),
            "{method} {path} documents no responses"
        );
    }
    // Every parameter a path names is declared by each of its operations,
    // under the same name.
    for (path, item) in paths {
        let named: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for name in &named {
                assert!(
                    declared.contains(name),
                    "{method} {path} does not declare its path parameter {name:?}"
                );
            }
        }
    }
    // Request and error shapes are in the document.
    let sign_in = &paths["/api/v1/auth/sign-in"]["post"];
    assert!(sign_in["requestBody"].is_object());
    assert!(sign_in["responses"]["429"].is_object());
    assert!(doc.body["components"]["schemas"]["ErrorBody"].is_object());
    server.stop().await;
}

async fn unknown_routes_are_json_404s(backend: Backend) {
    let server = TestServer::start(backend).await;
    let missing = server
        .api()
        .get("/api/v1/nothing-here")
        .await
        .expect_status(404);
    assert_eq!(missing.code(), "not_found");
    server.stop().await;
}

async fn oversized_requests_get_413(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let big = "x".repeat(3 * 1024 * 1024);
    for _ in 0..3 {
        let refused = admin
            .post(
                "/api/v1/roles",
                serde_json::json!({ "name": "Big", "description": big }),
            )
            .await
            .expect_status(413);
        assert_eq!(refused.code(), "too_large");
        assert!(
            refused.body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("1048576 bytes"),
            "{}",
            refused.text
        );
    }
    // The connection and the session are still good.
    admin.get("/api/v1/me").await.expect_status(200);
    server.stop().await;
}
