//! A module's DAV mount (`dav = ["calendars"]`, contract 0.2.2): CalDAV
//! clients reach `/dav/calendars/...` with HTTP Basic and an app password,
//! as the files' WebDAV does, and the `almanac` test module answers with
//! what it was handed (method, whole path, headers, body, the person), a
//! body over its request limit being 413. It is refused without the
//! password or with a wrong one, for a person without `module:almanac`, and
//! while the module is disabled, where it still never falls into the files'
//! tree; `/.well-known/caldav` leads to it.

use immcase_tests::{ADMIN_EMAIL, Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_caldav_client_reaches_the_module_with_an_app_password,
    the_mount_is_refused_to_whoever_may_not_reach_the_module,
);

/// A new app password of `api`'s person.
async fn app_password(api: &Api) -> String {
    let made = api
        .post(
            "/api/v1/me/app-passwords",
            json!({ "name": "Calendar app" }),
        )
        .await
        .expect_status(201);
    made.body["password"].as_str().unwrap().to_string()
}

/// A plain HTTP client that follows no redirects.
fn raw() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn method(name: &str) -> reqwest::Method {
    reqwest::Method::from_bytes(name.as_bytes()).unwrap()
}

/// The value of `name` among the headers the module saw.
fn seen_header<'a>(seen: &'a Value, name: &str) -> Option<&'a str> {
    seen["headers"]
        .as_array()?
        .iter()
        .find(|h| h[0] == name)
        .and_then(|h| h[1].as_str())
}

async fn a_caldav_client_reaches_the_module_with_an_app_password(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    admin.set_module("almanac", true).await;
    let secret = app_password(&admin).await;
    let base = format!("http://127.0.0.1:{}", server.addr.port());
    let http = raw();

    let propfind = http
        .request(method("PROPFIND"), format!("{base}/dav/calendars/u1/"))
        .basic_auth(ADMIN_EMAIL, Some(&secret))
        .header("depth", "1")
        .header("content-type", "application/xml; charset=utf-8")
        .body("<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\"><d:allprop/></d:propfind>")
        .send()
        .await
        .unwrap();
    assert_eq!(propfind.status(), 207);
    assert_eq!(propfind.headers()["dav"], "1, 3, calendar-access");
    let seen: Value = propfind.json().await.unwrap();
    assert_eq!(seen["method"], "PROPFIND");
    assert_eq!(seen["path"], "/dav/calendars/u1/", "the whole path");
    assert_eq!(seen["page"], false);
    assert_eq!(seen_header(&seen, "depth"), Some("1"));
    assert!(seen["body"].as_str().unwrap().contains("<d:allprop/>"));
    assert!(seen_header(&seen, "authorization").is_none(), "{seen}");
    assert_eq!(seen["caller"]["email"], ADMIN_EMAIL);
    assert!(seen["caller"]["user_id"].is_string());

    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:abc\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let put = http
        .put(format!("{base}/dav/calendars/u1/personal/abc.ics?x=1"))
        .basic_auth(ADMIN_EMAIL, Some(&secret))
        .header("if-none-match", "*")
        .header("content-type", "text/calendar; charset=utf-8")
        .body(ics)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    assert_eq!(put.headers()["etag"], "\"e1\"");
    let seen: Value = put.json().await.unwrap();
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["path"], "/dav/calendars/u1/personal/abc.ics");
    assert_eq!(seen["query"], "x=1");
    assert_eq!(seen["body"], ics);
    assert_eq!(seen_header(&seen, "if-none-match"), Some("*"));
    assert_eq!(
        seen_header(&seen, "content-type"),
        Some("text/calendar; charset=utf-8")
    );

    // A body over the module's request limit (`request-mb = 16`) is refused.
    let too_big = http
        .put(format!("{base}/dav/calendars/u1/personal/big.ics"))
        .basic_auth(ADMIN_EMAIL, Some(&secret))
        .body(vec![b'x'; 16 * 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);

    // Any method, the mount's root included.
    for name in ["OPTIONS", "REPORT", "MKCALENDAR", "DELETE"] {
        let answer = http
            .request(method(name), format!("{base}/dav/calendars"))
            .basic_auth(ADMIN_EMAIL, Some(&secret))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{name}");
        let seen: Value = answer.json().await.unwrap();
        assert_eq!(seen["method"], name);
    }

    // CalDAV discovery; the files' tree never shows the mount.
    let found = http
        .get(format!("{base}/.well-known/caldav"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 301);
    assert_eq!(found.headers()["location"], "/dav/calendars/");
    let top = http
        .request(method("PROPFIND"), format!("{base}/dav/"))
        .basic_auth(ADMIN_EMAIL, Some(&secret))
        .header("depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(top.status(), 207);
    let listing = top.text().await.unwrap();
    assert!(listing.contains("Applicants"), "{listing}");
    assert!(!listing.to_lowercase().contains("calendars"), "{listing}");
    server.stop().await;
}

async fn the_mount_is_refused_to_whoever_may_not_reach_the_module(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["almanac"]).await;
    let admin = server.admin().await;
    let base = format!("http://127.0.0.1:{}", server.addr.port());
    let http = raw();
    let propfind = |user: &str, password: Option<&str>| {
        let mut request = http
            .request(method("PROPFIND"), format!("{base}/dav/calendars/"))
            .header("depth", "0");
        if let Some(password) = password {
            request = request.basic_auth(user, Some(password));
        }
        request.send()
    };
    let secret = app_password(&admin).await;

    // Disabled: not there, and not the files' tree either.
    let disabled = propfind(ADMIN_EMAIL, Some(&secret)).await.unwrap();
    assert_eq!(disabled.status(), 404);
    let nowhere = http
        .get(format!("{base}/.well-known/caldav"))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    admin.set_module("almanac", true).await;

    // Without a password, or with a wrong one: asked for it.
    let anonymous = propfind(ADMIN_EMAIL, None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(
        anonymous.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let wrong = propfind(ADMIN_EMAIL, Some("not the password"))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // A session is no way in either.
    let with_cookie = admin
        .send(method("PROPFIND"), "/dav/calendars/", None, false)
        .await;
    assert_eq!(with_cookie.status, 401);

    // Someone whose roles do not open the module.
    let role = json!({ "name": "Files only", "permissions": ["files.read", "cases.read"] });
    let clerk = server
        .sign_in_with_role(&admin, role, "clerk@immcase.test")
        .await;
    let clerk_secret = app_password(&clerk).await;
    let refused = propfind("clerk@immcase.test", Some(&clerk_secret))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["permission"], "module:almanac");
    // ... while the module's users reach it.
    let ok = propfind(ADMIN_EMAIL, Some(&secret)).await.unwrap();
    assert_eq!(ok.status(), 207);
    server.stop().await;
}
