//! The web app over plain HTTP: form tokens, redirects to the sign-in page,
//! error pages, the frame around module pages, the security headers, the
//! assets, and the profile API the pages use. (What a person sees and does
//! in a browser is in `browser.rs`.)

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Backend, TestServer, on_both_databases};
use serde_json::json;

on_both_databases!(
    forms_need_their_token,
    signed_out_visitors_are_sent_to_sign_in_and_back,
    pages_have_security_headers_and_assets_are_cached,
    errors_on_pages_are_pages_and_api_errors_stay_json,
    module_pages_are_framed_in_the_shell,
    profile_changes_through_the_api,
    page_routes_are_in_the_openapi_document,
);

/// Signs in through the sign-in form, as a browser does.
async fn sign_in_with_form(api: &Api, email: &str, password: &str) -> immcase_tests::Resp {
    let page = api.get("/sign-in").await.expect_status(200);
    let token = page.form_token();
    api.post_form(
        "/sign-in",
        &[
            ("_csrf", &token),
            ("email", email),
            ("password", password),
            ("next", "/settings/users"),
        ],
    )
    .await
}

async fn forms_need_their_token(backend: Backend) {
    let server = TestServer::start(backend).await;

    // Signed out: the sign-in form's token is the one its page set in a cookie.
    let api = server.api();
    let refused = api
        .post_form(
            "/sign-in",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
        )
        .await
        .expect_status(403);
    assert!(
        refused.text.contains("this form has expired"),
        "{}",
        refused.text
    );
    let other = server.api();
    let foreign_token = other.get("/sign-in").await.form_token();
    api.get("/sign-in").await.expect_status(200);
    api.post_form(
        "/sign-in",
        &[
            ("_csrf", &foreign_token),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await
    .expect_status(403);
    let signed_in = sign_in_with_form(&api, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect_status(303);
    assert_eq!(
        signed_in.header("location").as_deref(),
        Some("/settings/users")
    );
    assert!(signed_in.session_cookie().is_some());

    // Signed in: the token comes from the session; another session's is refused.
    let page = api.get("/settings/roles/new").await.expect_status(200);
    let token = page.form_token();
    let admin2 = server.admin().await;
    let token2 = admin2.get("/settings/roles/new").await.form_token();
    assert_ne!(token, token2, "each session has its own form token");
    let create = |token: String| {
        let api = api.clone();
        async move {
            api.post_form(
                "/settings/roles",
                &[
                    ("_csrf", &token),
                    ("name", "Reviewer"),
                    ("permissions", "cases.read"),
                ],
            )
            .await
        }
    };
    create(token2).await.expect_status(403);
    create(String::new()).await.expect_status(403);
    let made = create(token.clone()).await.expect_status(303);
    assert_eq!(made.header("location").as_deref(), Some("/settings/roles"));

    // A browser that says the post comes from another site is refused, even
    // with the header.
    let res = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{}/api/v1/auth/sign-out",
            server.addr.port()
        ))
        .header("x-requested-with", "immcase")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A form from a sibling host (another practice) is refused, even with
    // the session and its token; from the page's own origin it goes through.
    let session = server
        .api()
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .session_cookie()
        .unwrap();
    let token = Api::with_session(server.addr, None, &session)
        .get("/settings/roles/new")
        .await
        .form_token();
    let post_from = |site: &'static str, name: &'static str| {
        let (session, token) = (session.clone(), token.clone());
        let url = format!("http://localhost:{}/settings/roles", server.addr.port());
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(url)
                .header("cookie", format!("immcase_session={session}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", site)
                .body(format!("_csrf={token}&name={name}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post_from("same-site", "Sibling").await, 403);
    assert_eq!(post_from("same-origin", "Own").await, 303);

    // Refusals are audited.
    let audit = api
        .get("/api/v1/audit?action=access.csrf_refused")
        .await
        .expect_status(200);
    assert!(
        audit.body["items"].as_array().unwrap().len() >= 4,
        "{}",
        audit.text
    );
    server.stop().await;
}

async fn signed_out_visitors_are_sent_to_sign_in_and_back(backend: Backend) {
    let server = TestServer::start(backend).await;
    let api = server.api();
    let sent = api.get("/settings/users?cursor=x").await.expect_status(303);
    assert_eq!(
        sent.header("location").as_deref(),
        Some("/sign-in?next=%2Fsettings%2Fusers%3Fcursor%3Dx")
    );
    api.get("/").await.expect_status(303);
    api.get("/m/notes/").await.expect_status(303);
    // The sign-in page carries `next` into its form, and only follows local paths.
    let page = api.get("/sign-in?next=%2Fprofile").await.expect_status(200);
    assert!(
        page.text.contains(r#"name="next" value="/profile""#),
        "{}",
        page.text
    );
    let page = api
        .get("/sign-in?next=https%3A%2F%2Fevil.example%2F")
        .await
        .expect_status(200);
    assert!(
        page.text.contains(r#"name="next" value="/""#),
        "{}",
        page.text
    );
    // A wrong password shows the form again, the email kept, the password not.
    let token = page.form_token();
    let wrong = api
        .post_form(
            "/sign-in",
            &[
                ("_csrf", &token),
                ("email", ADMIN_EMAIL),
                ("password", "not the password"),
            ],
        )
        .await
        .expect_status(401);
    assert!(
        wrong.text.contains("wrong email or password"),
        "{}",
        wrong.text
    );
    assert!(wrong.text.contains(&format!(r#"value="{ADMIN_EMAIL}""#)));
    assert!(!wrong.text.contains("not the password"));
    // Signed in, the sign-in page goes straight on.
    let admin = server.admin().await;
    let on = admin
        .get("/sign-in?next=%2Fprofile")
        .await
        .expect_status(303);
    assert_eq!(on.header("location").as_deref(), Some("/profile"));
    server.stop().await;
}

async fn pages_have_security_headers_and_assets_are_cached(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let page = admin.get("/").await.expect_status(200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        page.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    // The stylesheet and script the page links to, cacheable for a year.
    for (attribute, kind) in [("href", "text/css"), ("src", "text/javascript")] {
        let marker = format!("{attribute}=\"/assets/app.");
        let start = page.text.find(&marker).unwrap() + attribute.len() + 2;
        let link = page.text[start..].split('"').next().unwrap();
        let asset = server.api().get(link).await.expect_status(200);
        assert!(
            asset.header("content-type").unwrap().starts_with(kind),
            "{link}"
        );
        assert!(asset.header("cache-control").unwrap().contains("immutable"));
        assert!(!asset.text.is_empty());
    }
    server
        .api()
        .get("/assets/app.000000000000.css")
        .await
        .expect_status(404);
    server.stop().await;
}

async fn errors_on_pages_are_pages_and_api_errors_stay_json(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let missing = admin.get("/no-such-page").await.expect_status(404);
    assert!(
        missing
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text.contains("Not found") && missing.text.contains("id=\"sidebar\""));
    let api_missing = admin.get("/api/v1/no-such-route").await.expect_status(404);
    assert_eq!(api_missing.code(), "not_found");

    // A person without the permission sees a page naming it.
    let created = admin
        .post(
            "/api/v1/users",
            json!({ "email": "asst@immcase.test", "display_name": "Asst", "password": "assistant's long passphrase",
                    "roles": [admin.role_id("Assistant").await] }),
        )
        .await
        .expect_status(201);
    assert_eq!(created.body["email"], "asst@immcase.test");
    let asst = server.api();
    asst.sign_in("asst@immcase.test", "assistant's long passphrase")
        .await
        .expect_status(200);
    let refused = asst.get("/settings/users").await.expect_status(403);
    assert!(refused.text.contains("users.manage"), "{}", refused.text);
    assert!(
        refused.text.contains("You don&#39;t have access")
            || refused.text.contains("You don't have access")
    );
    // Its sidebar shows only what the role reaches.
    assert!(!refused.text.contains("href=\"/settings/users\""));
    server.stop().await;
}

async fn module_pages_are_framed_in_the_shell(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["trapping"]).await;
    let admin = server.admin().await;
    admin.set_module("notes", true).await;
    admin.set_module("trapping", true).await;
    // The note below is about the practice's first case, named by folio.
    let applicant = admin.add_applicant("Lindqvist").await;
    let case = admin.open_case(&applicant, "visitor_visa").await;
    let page = admin.get("/m/notes/").await.expect_status(200);
    assert!(page.text.starts_with("<!doctype html>"), "{}", page.text);
    assert!(page.text.contains("<title>Notes · "), "{}", page.text);
    assert!(
        page.text
            .contains(r#"<a href="/m/notes/" aria-current="page">Notes</a>"#)
    );
    assert!(page.text.contains("<h1>Notes</h1>"));
    // The module's own form posts with the session's form token, which the
    // host puts in every post form of a module's page.
    let token = page.form_token();
    assert!(
        page.text.contains(&format!(
            r#"<form class="new-note" method="post" action="/m/notes/notes"><input type="hidden" name="_csrf" value="{token}">"#
        )),
        "{}",
        page.text
    );
    let added = admin
        .post_form(
            "/m/notes/notes",
            &[
                ("_csrf", &token),
                ("subject", "case:CAS001"),
                ("text", "Call the client"),
                ("follow_up", ""),
            ],
        )
        .await
        .expect_status(303);
    assert_eq!(added.header("location").as_deref(), Some("/m/notes/"));
    assert!(
        added.header("x-immcase-flash").is_none(),
        "the shell takes its headers"
    );
    let after = admin.get("/m/notes/").await.expect_status(200);
    assert!(
        after
            .text
            .contains(r#"<p class="flash" role="status">Note added.</p>"#),
        "{}",
        after.text
    );
    assert!(after.text.contains("Call the client"));
    // Named by folio, it is about the case all the same: the case's Notes
    // tab lists it.
    let tab = admin
        .get(&format!(
            "/m/notes/?subject=case:{}",
            case["id"].as_str().unwrap()
        ))
        .await
        .expect_status(200);
    assert!(tab.text.contains("Call the client"), "{}", tab.text);
    let again = admin.get("/m/notes/").await.expect_status(200);
    assert!(
        !again.text.contains("class=\"flash\""),
        "a flash shows once"
    );
    // A module that fails shows a message in the shell, not a blank page.
    let failed = admin.get("/m/trapping/trap").await.expect_status(500);
    assert!(failed.text.contains("A module failed"), "{}", failed.text);
    assert!(
        failed.text.contains("trapping"),
        "the message names the module"
    );
    assert!(failed.text.contains("id=\"sidebar\""));
    // The module's JSON API is untouched by the shell.
    let json = admin.get("/api/v1/m/trapping/ok").await.expect_status(200);
    assert_eq!(json.body, json!({ "ok": true }));
    server.stop().await;
}

async fn profile_changes_through_the_api(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let me = admin.get("/api/v1/me").await.expect_status(200);
    let version = me.body["user"]["version"].as_i64().unwrap();
    let changed = admin
        .patch(
            "/api/v1/me",
            json!({ "time_zone": "America/Vancouver", "email_signature": "Ana\nLicensed consultant", "version": version }),
        )
        .await
        .expect_status(200);
    assert_eq!(changed.body["user"]["time_zone"], "America/Vancouver");
    assert_eq!(
        changed.body["user"]["email_signature"],
        "Ana\nLicensed consultant"
    );
    let stale = admin
        .patch(
            "/api/v1/me",
            json!({ "display_name": "Late", "version": version }),
        )
        .await
        .expect_status(409);
    assert_eq!(
        stale.body["error"]["current"]["user"]["time_zone"],
        "America/Vancouver"
    );
    let bad = admin
        .patch(
            "/api/v1/me",
            json!({ "time_zone": "Mars/Olympus", "email_signature": "x".repeat(2001), "version": version + 1 }),
        )
        .await
        .expect_status(422);
    assert!(bad.body["error"]["fields"]["time_zone"].is_string());
    assert!(bad.body["error"]["fields"]["email_signature"].is_string());
    server.stop().await;
}

async fn page_routes_are_in_the_openapi_document(backend: Backend) {
    let server = TestServer::start(backend).await;
    let doc = server
        .api()
        .get("/api/v1/openapi.json")
        .await
        .expect_status(200);
    let paths = &doc.body["paths"];
    for (path, method) in [
        ("/sign-in", "get"),
        ("/sign-in", "post"),
        ("/sign-out", "post"),
        ("/forgot-password", "post"),
        ("/reset-password", "post"),
        ("/", "get"),
        ("/profile", "post"),
        ("/profile/password", "post"),
        ("/settings/users", "post"),
        ("/settings/users/{id}", "post"),
        ("/settings/roles", "post"),
        ("/settings/roles/{id}", "post"),
        ("/settings/roles/{id}/delete", "post"),
        ("/settings/modules/{id}", "post"),
        ("/settings/audit", "get"),
        ("/assets/{file}", "get"),
        ("/api/v1/me", "patch"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    let form = &paths["/settings/users"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        ["schema"];
    assert!(form.is_object(), "form posts say their shape: {form}");
    assert!(paths["/settings/users"]["post"]["responses"]["422"].is_object());
    server.stop().await;
}
