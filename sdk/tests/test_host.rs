//! The test host against a small module that uses every import: what it
//! keeps, what it refuses (in the host's words) and what a failed call undoes.
#![cfg(feature = "testing")]

use immcase_sdk::testing::{LogLevel, RecordKind, TestHost};
use immcase_sdk::{
    Applicant, Caller, Ctx, Error, Event, Plugin, Request, Response, Result, Router, SearchEntry,
    Timer,
};
use serde_json::{Value, json};

struct Desk;

impl Plugin for Desk {
    fn router() -> Router {
        Router::new()
            .post("/items/:id", |ctx, request| {
                let id = request.require_param("id")?;
                let data: Value = request.json()?;
                let doc = ctx.collection("items").insert(id, &data)?;
                ctx.emit("desk.item.added", &json!({ "id": id }))?;
                ctx.send_mail("ops@example.com", "New item", id)?;
                Ok(Response::created(&doc))
            })
            .post("/fail/:status", |ctx, request| {
                ctx.collection("items").insert("doomed", &json!({}))?;
                ctx.emit("desk.doomed", &json!({}))?;
                ctx.log_warn("about to fail");
                let status: u16 = request.require_param("status")?.parse().unwrap_or(500);
                Ok(Response::text("no").status(status))
            })
            .get("/items", |ctx, request| {
                let mut query = ctx.collection::<Value>("items").query().limit(2);
                if let Some(field) = request.query_param("order") {
                    query = query.order_by(&field);
                }
                if request.query_param("desc").is_some() {
                    query = query.descending();
                }
                if let Some(min) = request.query_param("min") {
                    query = query.where_op(
                        "rank",
                        immcase_sdk::Op::Gte,
                        min.parse::<f64>().unwrap_or(0.0),
                    );
                }
                Ok(Response::json(
                    &query.after(request.query_param("cursor")).fetch()?,
                ))
            })
    }

    fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
        ctx.collection("items")
            .insert("from-event", &event.payload)?;
        if event.payload["fail"] == true {
            return Err(Error::Invalid("told to fail".into()));
        }
        Ok(())
    }

    fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
        let items = ctx.collection::<Value>("items");
        let count = items.get("ticks")?;
        match count {
            None => items.insert("ticks", &json!({ "n": 1 }))?,
            Some(doc) => items.update(
                "ticks",
                &json!({ "n": doc.data["n"].as_i64().unwrap_or(0) + 1 }),
                doc.version,
            )?,
        };
        if timer.payload["again"] == true {
            ctx.schedule_at(ctx.now() + 1000, &timer.key, &json!({ "again": false }))?;
        }
        if timer.payload["fail"] == true {
            return Err(Error::Internal("timer broke".into()));
        }
        Ok(())
    }

    fn action(ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
        match name {
            "forward" => ctx.call_action("notes", "add", &input),
            "remember" => {
                ctx.collection("items").insert("remembered", &input)?;
                Err(Error::Conflict("changed my mind".into()))
            }
            _ => Err(Error::NotFound(format!("no action {name}"))),
        }
    }
}

const MANIFEST: &str = r#"
id = "desk"
name = "Desk"
version = "0.1.0"
host-api = "^0.2"

[capabilities]
store = ["items"]
records = ["applicants:read"]
events = { emit = ["desk.*"], subscribe = ["case.closed"] }
schedule = true
mail = true
search = true
files = true
directory = true
actions = ["notes.add"]

[indexes]
items = ["rank", "name"]

[[permissions]]
name = "desk.manage"

[settings.greeting]
type = "string"
default = "Hello"
max-length = 10
"#;

fn host() -> TestHost<Desk> {
    TestHost::from_manifest(MANIFEST)
}

fn ana() -> Caller {
    Caller::person("ana", &["module:desk", "module:notes", "applicants.read"]).named("Ana")
}

fn message(error: Error) -> String {
    error.message().to_owned()
}

#[test]
fn a_request_keeps_its_document_event_and_mail() {
    let host = host();
    let answer = host.post_json(&ana(), "/items/a1", &json!({ "rank": 3 }));
    assert_eq!(answer.status_code(), 201);
    let doc = host.document("items", "a1").expect("stored");
    assert_eq!((doc.version, doc.data["rank"].clone()), (1, json!(3)));
    assert_eq!(doc.created_at, host.now());
    assert_eq!(host.events()[0].name, "desk.item.added");
    assert_eq!(host.mail()[0].subject, "New item");
    let again = host.post_json(&ana(), "/items/a1", &json!({}));
    assert_eq!(again.status_code(), 409);
    assert_eq!(
        again.body_json().expect("JSON")["error"]["message"],
        "document \"a1\" already exists"
    );
    let bad = host.post_json(&ana(), "/items/a%20b", &json!({}));
    assert_eq!(
        bad.body_json().expect("JSON")["error"]["message"],
        "document id \"a b\": use 1 to 200 letters, digits and - _ . : @"
    );
}

#[test]
fn a_person_without_the_module_is_refused_by_the_host() {
    let host = host();
    let answer = host.post_json(&Caller::person("bo", &[]), "/items/a1", &json!({}));
    assert_eq!(answer.status_code(), 403);
    assert_eq!(
        answer.body_json().expect("JSON")["error"]["message"],
        "missing permission `module:desk`"
    );
    assert!(host.documents("items").is_empty());
}

#[test]
fn answers_of_500_and_more_keep_nothing_but_the_log() {
    let host = host();
    let failed = host.request(&ana(), Request::new("POST", "/fail/503"));
    assert_eq!(failed.status_code(), 503);
    assert!(host.documents("items").is_empty() && host.events().is_empty());
    assert_eq!(host.logs()[0].level, LogLevel::Warn);
    // The host commits answers below 500, as it does.
    let refused = host.request(&ana(), Request::new("POST", "/fail/422"));
    assert_eq!(refused.status_code(), 422);
    assert_eq!(host.documents("items").len(), 1);
    assert_eq!(host.events().len(), 1);
}

#[test]
fn versions_guard_updates_and_deletes() {
    let host = host();
    host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
        let items = ctx.collection::<Value>("items");
        let doc = items.insert("x", &json!({ "n": 1 }))?;
        let moved = items.update("x", &json!({ "n": 2 }), doc.version)?;
        assert_eq!(moved.version, 2);
        let stale = items.update("x", &json!({ "n": 3 }), 1).expect_err("stale");
        assert_eq!(message(stale), "document \"x\" is at version 2, not 1");
        let missing = items.update("y", &json!({}), 1).expect_err("missing");
        assert_eq!(
            (missing.status(), message(missing)),
            (404, "no document \"y\"".into())
        );
        assert!(items.delete("x", Some(1)).is_err());
        assert!(items.delete("x", Some(2))?);
        assert!(!items.delete("x", None)?);
        let not_object = ctx
            .collection::<Value>("items")
            .insert("z", &json!([1]))
            .expect_err("array");
        assert_eq!(message(not_object), "a document is a JSON object");
        Ok(())
    })
    .expect("store");
}

#[test]
fn queries_filter_order_and_page_as_the_host() {
    let host = host();
    host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
        let items = ctx.collection::<Value>("items");
        for (id, rank, name) in [
            ("a", 10, "b"),
            ("b", 9, "B"),
            ("c", -1, "a"),
            ("d", 100, "é"),
        ] {
            items.insert(id, &json!({ "rank": rank, "name": name }))?;
        }
        items.insert("e", &json!({ "rank": "high" }))?;
        Ok(())
    })
    .expect("seeded");
    let ids = |query: &str| -> (Vec<String>, Option<String>) {
        let page = host
            .get(&ana(), &format!("/items?{query}"))
            .body_json()
            .expect("JSON");
        let ids = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        (ids, page["next_cursor"].as_str().map(str::to_owned))
    };
    // Numbers numerically; the string rank is not in a numeric range.
    let (first, cursor) = ids("order=rank&min=9");
    assert_eq!(first, ["b", "a"]);
    let (second, end) = ids(&format!(
        "order=rank&min=9&cursor={}",
        cursor.expect("more")
    ));
    assert_eq!((second, end), (vec!["d".to_owned()], None));
    // Strings by bytes: "B" < "a" < "b" < "é"; documents without the field first.
    let (by_name, cursor) = ids("order=name");
    assert_eq!(by_name, ["e", "b"]);
    let (rest, _) = ids(&format!("order=name&cursor={}", cursor.expect("more")));
    assert_eq!(rest, ["c", "a"]);
    let (descending, _) = ids("order=name&desc");
    assert_eq!(descending, ["d", "a"]);
    let refused = |query: &str| {
        host.get(&ana(), &format!("/items?{query}"))
            .body_json()
            .expect("JSON")["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        refused("order=colour"),
        "field \"colour\" is not indexed for collection \"items\"; declare it under [indexes] in plugin.toml"
    );
    assert_eq!(refused("cursor=zz"), "cursor: not a cursor from this query");
    let (_, by_id_cursor) = ids("");
    assert_eq!(
        refused(&format!(
            "order=rank&cursor={}",
            by_id_cursor.expect("more")
        )),
        "cursor: not a cursor from this query"
    );
}

#[test]
fn undeclared_collections_and_events_are_forbidden() {
    let host = host();
    host.with_ctx(&ana(), |ctx| {
        let other = ctx.collection::<Value>("secrets").get("x").expect_err("undeclared");
        assert_eq!(
            message(other),
            "collection `secrets` is not declared under [capabilities] store in the plugin.toml of `desk`"
        );
        let event = ctx.emit("notes.created", &json!({})).expect_err("not ours");
        assert_eq!(
            message(event),
            "`desk` may not emit \"notes.created\": it is not under [capabilities] events.emit in its plugin.toml"
        );
        let bad = ctx.emit("Desk", &json!({})).expect_err("bad name");
        assert_eq!(message(bad), "\"Desk\" is not an event name like \"notes.created\"");
        let mail = ctx.send_mail("nobody", "Hi", "").expect_err("address");
        assert_eq!(message(mail), "\"nobody\" is not an email address");
        let subject = ctx.send_mail("a@example.com", "two\nlines", "").expect_err("subject");
        assert_eq!(message(subject), "a subject has 1 to 300 characters on one line");
    });
}

#[test]
#[should_panic(
    expected = "module `bare` imports the `store` interface, which its plugin.toml does not declare under [capabilities]"
)]
fn an_undeclared_interface_is_refused_as_the_host_refuses_to_load_it() {
    let host = TestHost::<Desk>::from_manifest(
        "id = \"bare\"\nname = \"Bare\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"",
    );
    let ana = Caller::person("ana", &["module:bare"]);
    let _ = host.post_json(&ana, "/items/a", &json!({}));
}

#[test]
fn events_are_delivered_and_a_failure_undoes_the_call() {
    let host = host();
    host.deliver_event("case.closed", &json!({ "case": 1 }))
        .expect("handled");
    assert!(host.document("items", "from-event").is_some());
    let host = self::host();
    let failed = host.deliver_event("case.closed", &json!({ "fail": true }));
    assert_eq!(failed, Err(Error::Invalid("told to fail".into())));
    assert!(host.documents("items").is_empty());
}

#[test]
#[should_panic(expected = "`desk` does not subscribe to \"case.opened\"")]
fn events_not_subscribed_to_are_never_delivered() {
    let _ = host().deliver_event("case.opened", &json!({}));
}

#[test]
fn timers_fire_once_when_due_and_failures_stay_pending() {
    let host = host();
    host.with_ctx(&Caller::host(), |ctx| -> Result<()> {
        ctx.schedule_at(ctx.now() + 5000, "tick", &json!({ "again": true }))?;
        ctx.schedule_at(ctx.now() + 9000, "gone", &json!({}))?;
        assert!(ctx.cancel_timer("gone")?);
        assert!(!ctx.cancel_timer("gone")?);
        Ok(())
    })
    .expect("scheduled");
    assert!(host.run_due_timers().is_empty());
    host.advance(5000);
    let fired = host.run_due_timers();
    assert_eq!(fired.len(), 1);
    assert_eq!((fired[0].key.as_str(), &fired[0].result), ("tick", &Ok(())));
    // It set itself again, a second later, inside its own firing.
    assert_eq!(host.timers()[0].due_at, host.now() + 1000);
    assert!(host.run_due_timers().is_empty());
    host.advance(1000);
    assert_eq!(host.run_due_timers().len(), 1);
    assert_eq!(host.document("items", "ticks").expect("ticks").data["n"], 2);
    assert!(host.timers().is_empty());

    host.with_ctx(&Caller::host(), |ctx| {
        ctx.schedule_at(ctx.now(), "broken", &json!({ "fail": true }))
    })
    .expect("scheduled");
    let fired = host.run_due_timers();
    assert_eq!(fired[0].result, Err(Error::Internal("timer broke".into())));
    assert_eq!(host.timers().len(), 1, "kept for another try");
    assert_eq!(host.document("items", "ticks").expect("ticks").data["n"], 2);
    assert_eq!(
        host.logs().last().map(|l| l.message.clone()),
        Some("timer failed: timer broke".into())
    );
}

#[test]
fn records_follow_the_callers_rights() {
    let host = host();
    let a1 = Applicant {
        emails: vec!["Ana@Example.com".into()],
        notes: Some("x".into()),
        ..Applicant::new("a1", "Ana", "Díaz")
    };
    host.add_applicant(&a1);
    host.add_applicant(&Applicant::new("a2", "", "Old"));
    host.trash(RecordKind::Applicant, "a2");
    host.field_rules(|caller, kind| match kind {
        RecordKind::Applicant if caller.can("module:notes") => vec!["notes", "version"],
        _ => vec![],
    });
    host.with_ctx(&ana(), |ctx| {
        let seen = ctx.applicant("a1").expect("read");
        let hidden = Applicant {
            notes: None,
            hidden: vec!["notes".into()],
            created_at: host.now(),
            updated_at: host.now(),
            ..a1.clone()
        };
        assert_eq!(seen, hidden, "the version is never hidden");
        let found = ctx.applicants_by_email(" ana@example.COM ").expect("found");
        assert_eq!(found, [hidden]);
        let trashed = ctx.applicant("a2").expect_err("trashed");
        assert_eq!(message(trashed), "there is no applicant \"a2\" in this practice");
        let cases = ctx.case("c1").expect_err("no capability");
        assert_eq!(
            message(cases),
            "`desk` may not read these records: add \"cases:read\" under [capabilities] records in its plugin.toml"
        );
    });
    let clerk = Caller::person("clerk", &["module:desk"]);
    host.with_ctx(&clerk, |ctx| {
        let refused = ctx.applicant("a1").expect_err("no permission");
        assert_eq!(
            message(refused),
            "this needs the permission applicants.read, which clerk@example.com does not hold"
        );
    });
    let everything = host
        .with_ctx(&Caller::host(), |ctx| ctx.applicant("a1"))
        .expect("host reads");
    assert_eq!(
        (everything.notes.as_deref(), everything.hidden.len()),
        (Some("x"), 0)
    );
}

#[test]
fn files_search_directory_actions_and_settings() {
    let host = host();
    host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    host.add_file("applicant:a1", "passport.pdf", "application/pdf", b"%PDF");
    let reader = Caller::person(
        "rita",
        &[
            "module:desk",
            "module:notes",
            "files.read",
            "applicants.read",
            "desk.manage",
        ],
    );
    host.add_person(&reader);
    host.add_person(&Caller::person("off", &["desk.manage"]));
    host.set_active("off", false);
    host.stub_action("notes.add", |caller, input| {
        Ok(json!({ "by": caller.user_id, "got": input }))
    });
    host.with_ctx(&reader, |ctx| -> Result<()> {
        let files = ctx.files("applicant:a1")?;
        assert_eq!(files[0].name, "passport.pdf");
        assert_eq!(ctx.read_file(&files[0].id)?, b"%PDF");
        let denied = ctx.attach_file("applicant:a1", "x.txt", "text/plain", b"x").expect_err("no files.write");
        assert_eq!(message(denied), "the person this call is for lacks `files.write`");
        let own = ctx.attach_file("module:t-1", "log.txt", "text/plain", b"hi")?;
        assert_eq!((own.owner.as_str(), own.download), ("module:t-1", None));
        assert_eq!(ctx.files("module:t-1")?.len(), 1);
        let entry = SearchEntry {
            id: "t-1".into(),
            title: "Ticket".into(),
            body: "Body".into(),
            path: "/t/1".into(),
            permission: Some("desk.manage".into()),
        };
        ctx.search_put_visible_to(&entry, &["rita".into()])?;
        let bad = SearchEntry { path: "t 1".into(), ..entry.clone() };
        assert!(message(ctx.search_put(&bad).expect_err("path")).starts_with("path \"t 1\": give a path"));
        let foreign = SearchEntry { permission: Some("module:other".into()), ..entry };
        assert_eq!(
            message(ctx.search_put(&foreign).expect_err("permission")),
            "permission \"module:other\" is neither declared under [[permissions]] in the plugin.toml of `desk`, nor `module:desk`, nor a host permission"
        );
        let managers = ctx.people_holding("desk.manage")?;
        assert_eq!(managers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["rita"]);
        assert!(ctx.person("off")?.is_some_and(|p| !p.active));
        assert_eq!(ctx.call_action("notes", "add", &json!(1))?, json!({ "by": "rita", "got": 1 }));
        let unlisted = ctx.call_action("notes", "remove", &json!(1)).expect_err("not listed");
        assert_eq!(
            message(unlisted),
            "module `desk` does not list the action `notes.remove` under [capabilities] actions"
        );
        let settings: Value = ctx.settings()?;
        assert_eq!(settings, json!({ "greeting": "Hello" }));
        Ok(())
    })
    .expect("imports");
    assert_eq!(host.search_docs()[0].readers, Some(vec!["rita".to_owned()]));
    host.set_setting("greeting", "Hi");
    let settings: Value = host
        .with_ctx(&reader, |ctx| ctx.settings())
        .expect("settings");
    assert_eq!(settings["greeting"], "Hi");
}

#[test]
fn actions_run_through_the_module_and_undo_on_error() {
    let host = host();
    host.stub_action("notes.add", |_, input| Ok(input));
    let out = host
        .call_action(&ana(), "forward", &json!({ "x": 1 }))
        .expect("forwarded");
    assert_eq!(out, json!({ "x": 1 }));
    let refused = host.call_action(&ana(), "remember", &json!({}));
    assert_eq!(refused, Err(Error::Conflict("changed my mind".into())));
    assert!(host.documents("items").is_empty());
    let stranger = host.call_action(&Caller::person("bo", &[]), "forward", &json!({}));
    assert_eq!(
        stranger.map_err(message),
        Err("the person this call is for lacks `module:desk`".into())
    );
    let desk_only = Caller::person("cy", &["module:desk"]);
    let elsewhere = host.call_action(&desk_only, "forward", &json!({}));
    assert_eq!(
        elsewhere.map_err(message),
        Err("the person this call is for lacks `module:notes`".into())
    );
    let nobody = TestHost::<Desk>::from_manifest(MANIFEST);
    let disabled = nobody.call_action(&ana(), "forward", &json!({}));
    assert_eq!(
        disabled,
        Err(Error::NotFound("module `notes` is not enabled here".into()))
    );
}

#[test]
fn an_action_that_traps_or_fails_inside_is_internal() {
    let host = host();
    host.stub_action("notes.add", |_, _| panic!("out of fuel"));
    let trapped = host.call_action(&ana(), "forward", &json!({}));
    assert_eq!(
        trapped,
        Err(Error::Internal(
            "the action notes.add trapped: out of fuel".into()
        ))
    );
    assert_eq!(
        host.logs().last().map(|l| (l.level, l.message.clone())),
        Some((
            LogLevel::Error,
            "action failed: the action notes.add trapped: out of fuel".into()
        ))
    );
    host.stub_action("notes.add", |_, _| {
        Err(Error::Internal("the index is broken".into()))
    });
    let broken = host.call_action(&ana(), "forward", &json!({}));
    assert_eq!(broken, Err(Error::Internal("the index is broken".into())));
}

#[test]
#[should_panic(expected = "setting greeting: at most 10 characters")]
fn settings_are_checked_against_their_declaration() {
    host().set_setting("greeting", "much too long a greeting");
}

#[test]
#[should_panic(expected = "no ImmCase test host is running a call on this thread")]
fn imports_outside_a_call_say_how_to_make_one() {
    let _host = host();
    let _ = Ctx::new(ana()).now();
}

#[test]
fn too_many_filters_and_bad_limits_are_refused() {
    let host = host();
    host.with_ctx(&Caller::host(), |ctx| {
        let mut query = ctx.collection::<Value>("items").query();
        for rank in 0..9 {
            query = query.where_ne("rank", rank);
        }
        let refused = query.fetch().expect_err("nine filters");
        assert_eq!(message(refused), "at most 8 filters");
        let object = ctx
            .collection::<Value>("items")
            .query()
            .where_eq("name", json!(null))
            .fetch()
            .expect_err("null");
        assert!(message(object).contains("a filter value must be a string, number or boolean"));
    });
}
