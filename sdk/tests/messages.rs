//! What contract 0.2.2 gives a module, on the test host: messages with
//! copies and attachments kept whole (and refused in the host's words),
//! an anonymous caller for public paths, and every method on a DAV mount.
#![cfg(feature = "testing")]

use immcase_sdk::testing::TestHost;
use immcase_sdk::{Caller, Error, Message, Plugin, Request, Response, Router};
use serde_json::json;

const INVITE_TYPE: &str = "text/calendar; method=REQUEST; charset=UTF-8";
const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";

struct Diary;

impl Plugin for Diary {
    fn router() -> Router {
        Router::new()
            .post("/events/:id/invite", |ctx, request| {
                let to = request.require_param("id")?.to_owned();
                let invite = Message::new("Appointment on Tuesday", "The invitation is attached.")
                    .to(&format!("{to}@example.com"))
                    .cc("desk@northlegal.example")
                    .reply_to("ana@northlegal.example")
                    .attach("invite.ics", INVITE_TYPE, ICS);
                ctx.send_message(&invite)?;
                if request.query_param("fail").is_some() {
                    return Ok(Response::text("broke after sending").status(500));
                }
                Ok(Response::no_content())
            })
            .get("/feeds/:token", |ctx, _| {
                Ok(Response::json(
                    &json!({ "person": ctx.caller().is_person() }),
                ))
            })
            .any("/dav/calendars/*rest", |_, request| {
                Ok(Response::text(request.method().to_owned()).status(207))
            })
    }
}

const MANIFEST: &str = r#"
id = "diary"
name = "Diary"
version = "0.1.0"
host-api = "^0.2.2"
public = ["/feeds/"]
dav = ["calendars"]

[capabilities]
mail = true
"#;

fn host() -> TestHost<Diary> {
    TestHost::from_manifest(MANIFEST)
}

fn ana() -> Caller {
    Caller::person("ana", &["module:diary"])
}

#[test]
fn a_message_is_kept_with_its_copy_and_attachment() {
    let host = host();
    let sent = host.post_json(&ana(), "/events/kim/invite", &json!({}));
    assert_eq!(sent.status_code(), 204);
    let messages = host.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.to, ["kim@example.com"]);
    assert_eq!(m.cc, ["desk@northlegal.example"]);
    assert_eq!(m.reply_to.as_deref(), Some("ana@northlegal.example"));
    assert_eq!(m.attachments.len(), 1);
    assert_eq!(m.attachments[0].name, "invite.ics");
    assert_eq!(m.attachments[0].content_type, INVITE_TYPE);
    assert_eq!(m.attachments[0].content, ICS.as_bytes());
    assert!(host.mail().is_empty(), "send_mail's list stays apart");

    // A call that fails sends nothing.
    let failed = host.post_json(&ana(), "/events/bo/invite?fail=1", &json!({}));
    assert_eq!(failed.status_code(), 500);
    assert_eq!(host.messages().len(), 1);
}

#[test]
fn a_message_out_of_shape_is_refused_in_the_hosts_words() {
    let host = host();
    let good = Message::new("Hello", "Body").to("ana@example.com");
    let cases = [
        (
            Message::new("Hello", "Body"),
            "to: a message goes to 1 to 50 addresses",
        ),
        (
            good.clone().cc("bo at example.com"),
            "cc: \"bo at example.com\" is not an email address",
        ),
        (
            good.clone().reply_to("desk"),
            "reply-to: \"desk\" is not an email address",
        ),
        (
            Message::new("Two\nlines", "").to("ana@example.com"),
            "a subject has 1 to 300 characters on one line",
        ),
        (
            good.clone().attach("a/b.ics", INVITE_TYPE, "x"),
            "attachment 1: a name has 1 to 200 characters",
        ),
        (
            good.clone().attach("invite.ics", "calendar", "x"),
            "attachment \"invite.ics\": \"calendar\" is not a content type",
        ),
        (
            good.clone()
                .attach("a.bin", "application/octet-stream", vec![0u8; 6 << 20])
                .attach("b.bin", "application/octet-stream", vec![0u8; 5 << 20]),
            "attachments: at most 10 MiB together",
        ),
    ];
    for (message, says) in cases {
        let refused = host
            .with_ctx(&Caller::host(), |ctx| ctx.send_message(&message))
            .expect_err(says);
        assert!(matches!(refused, Error::Invalid(_)), "{refused:?}");
        assert!(refused.message().starts_with(says), "{}", refused.message());
    }
    assert!(host.messages().is_empty());
}

#[test]
fn a_public_path_is_called_for_nobody_and_a_dav_mount_takes_every_method() {
    let host = host();
    let feed = host.request(&Caller::anonymous(), Request::new("GET", "/feeds/t0k3n"));
    assert_eq!(feed.body_json().expect("JSON")["person"], false);
    let head = host.request(&Caller::anonymous(), Request::new("HEAD", "/feeds/t0k3n"));
    assert_eq!(head.status_code(), 200, "HEAD is answered by the GET route");
    assert_eq!(host.manifest().public, ["/feeds/"]);
    assert!(host.manifest().serves_dav("calendars"));
    for method in ["PROPFIND", "REPORT", "PUT", "MKCALENDAR"] {
        let answer = host.request(&ana(), Request::new(method, "/dav/calendars/ana/a.ics"));
        assert_eq!(answer.status_code(), 207, "{method}");
        assert_eq!(answer.body(), method.as_bytes());
    }
}
