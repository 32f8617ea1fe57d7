//! A module's public paths (`public = ["/feeds/"]`, contract 0.2.2), as a
//! calendar app subscribing to a feed reaches them: answered without a
//! session, anonymously even when a session comes along, only for `GET` and
//! `HEAD`, without a body, and not at all while the module is disabled.
//! The `almanac` test module answers `/feeds/s3cret` with what it saw.

use immcase_tests::{Backend, TestServer, on_both_databases};
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    a_public_path_answers_without_a_session_and_anonymously,
    a_public_path_takes_only_reads_and_only_while_enabled,
);

const FEED: &str = "/api/v1/m/almanac/feeds/s3cret";

async fn a_public_path_answers_without_a_session_and_anonymously(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    admin.set_module("almanac", true).await;
    let practice = admin.get("/api/v1/practice").await.expect_status(200);
    admin
        .put(
            "/api/v1/practice",
            json!({ "version": practice.body["version"], "time_zone": "America/Vancouver" }),
        )
        .await
        .expect_status(200);

    // Nobody signed in: the module answers, for nobody.
    let nobody = server.api();
    let feed = nobody.get(FEED).await.expect_status(200);
    let caller = &feed.body["caller"];
    assert_eq!(caller["user_id"], json!(null), "{}", feed.text);
    assert_eq!(caller["permissions"], json!([]));
    assert_eq!(
        (caller["email"].as_str(), caller["display_name"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(caller["time_zone"], "America/Vancouver", "the practice's");
    assert_eq!(
        caller["practice_url"],
        format!("http://localhost:{}", server.addr.port())
    );
    assert_eq!(feed.body["path"], "/feeds/s3cret");
    assert_eq!(feed.body["method"], "GET");
    // The module checks its own token.
    nobody
        .get("/api/v1/m/almanac/feeds/guessed")
        .await
        .expect_status(404);
    // Its other routes still need a session.
    nobody
        .get("/api/v1/m/almanac/invitations")
        .await
        .expect_status(401);
    let head = nobody.send(Method::HEAD, FEED, None, false).await;
    assert_eq!(head.status, 200);
    assert!(head.text.is_empty(), "HEAD has no body: {}", head.text);

    // A signed-in person's request is anonymous there too, and their
    // session does not reach the module.
    let signed_in = admin.get(FEED).await.expect_status(200);
    assert_eq!(
        signed_in.body["caller"]["user_id"],
        json!(null),
        "{}",
        signed_in.text
    );
    assert_eq!(signed_in.body["caller"]["permissions"], json!([]));
    let headers = signed_in.body["headers"].as_array().unwrap();
    assert!(
        !headers
            .iter()
            .any(|h| h == "cookie" || h == "authorization"),
        "{headers:?}"
    );
    server.stop().await;
}

async fn a_public_path_takes_only_reads_and_only_while_enabled(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    let nobody = server.api();
    // Administrators see that the module answers people who are not signed in.
    let settings = admin.get("/settings/modules").await.expect_status(200);
    for told in [
        "Answers anyone without signing in",
        "Serves clients signed in with app passwords",
    ] {
        assert!(settings.text.contains(told), "{told}: {}", settings.text);
    }
    // Not enabled yet: nothing there.
    nobody.get(FEED).await.expect_status(404);
    admin.set_module("almanac", true).await;
    nobody.get(FEED).await.expect_status(200);

    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let refused = nobody
            .send(method.clone(), FEED, Some(json!({})), true)
            .await;
        assert_eq!(refused.status, 405, "{method}: {}", refused.text);
        assert_eq!(refused.code(), "method_not_allowed");
        assert_eq!(refused.header("allow").as_deref(), Some("GET, HEAD"));
    }
    let signed_in_post = admin.post(FEED, json!({})).await;
    assert_eq!(signed_in_post.status, 405, "{}", signed_in_post.text);

    // A body is refused before it is read.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let with_body = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}{FEED}", server.addr.port()))
        .body(vec![b'x'; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(with_body.status(), 413);

    admin.set_module("almanac", false).await;
    nobody.get(FEED).await.expect_status(404);
    server.stop().await;
}
