//! Calls into the module through its real entry points: the SDK's own
//! exports (`Exports<P>`, what the component runs) with the test host on
//! this thread. As in the host, a call that fails keeps none of its changes:
//! an HTTP answer of 500 or more (the host commits below 500), or an `Err`
//! from an event, a timer or an action.

use serde::Serialize;
use serde_json::{Value, json};

use super::TestHost;
use super::imports::Installed;
use super::world::FiredTimer;
use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::http::{Request, Response};
use crate::plugin::{Exports, Plugin};
use crate::wit::Guest;
use crate::wit::immcase::plugin::types as wit_types;

impl<P: Plugin> TestHost<P> {
    /// Runs `call` for `caller` on this thread's test host; puts the state
    /// back as it was unless `kept` approves the answer (log lines stay).
    fn call<R>(&self, caller: &Caller, call: impl FnOnce() -> R, kept: impl Fn(&R) -> bool) -> R {
        let before = self.shared.world.borrow().clone();
        let previous_caller = self.shared.caller.replace(caller.clone());
        let answer = {
            let _installed = Installed::new(&self.shared);
            call()
        };
        self.shared.caller.replace(previous_caller);
        if !kept(&answer) {
            let mut world = self.shared.world.borrow_mut();
            let logs = std::mem::take(&mut world.logs);
            *world = before;
            world.logs = logs;
        }
        answer
    }

    /// Sends `request` to the module's router for `caller`, as the host
    /// passes `/api/v1/m/{id}/...` (or a page, `/m/{id}/...`, for a request
    /// made with [`Request::as_page`]). A person without `module:{id}` is
    /// refused by the host before the module sees the request, with 403.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Router};
    /// # struct Hello;
    /// # impl Plugin for Hello {
    /// #     fn router() -> Router {
    /// #         Router::new().get("/hello", |ctx, _| Ok(Response::text(&ctx.caller().display_name)))
    /// #     }
    /// # }
    /// let host = TestHost::<Hello>::from_manifest(
    ///     "id = \"hello\"\nname = \"Hello\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"",
    /// );
    /// let ana = Caller::person("ana", &["module:hello"]).named("Ana");
    /// let answer = host.request(&ana, Request::new("GET", "/hello"));
    /// assert_eq!((answer.status_code(), answer.body()), (200, &b"Ana"[..]));
    ///
    /// let stranger = Caller::person("bo", &[]);
    /// assert_eq!(host.request(&stranger, Request::new("GET", "/hello")).status_code(), 403);
    /// ```
    pub fn request(&self, caller: &Caller, request: Request) -> Response {
        let permission = format!("module:{}", self.shared.id());
        if caller.is_person() && !caller.can(&permission) {
            let refused = Error::Forbidden(format!("missing permission `{permission}`"));
            return if request.is_page() {
                refused.to_response(true)
            } else {
                refused.with("permission", permission).to_response(false)
            };
        }
        let http = wit_types::HttpRequest {
            method: request.method().to_owned(),
            path: request.path().to_owned(),
            query: request.query().to_owned(),
            headers: request.headers().to_vec(),
            body: request.body().to_vec(),
            page: request.is_page(),
        };
        let record = wit_types::Caller::from(caller);
        let answer = self.call(
            caller,
            || Exports::<P>::handle_http(record, http),
            |answer| answer.status < 500,
        );
        Response::from(answer)
    }

    /// `GET path` (with `?query`) for `caller`, as a JSON API request.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new()
    /// #             .get("/", |_, _| Ok(Response::html("<h1>Notes</h1>").page_title("Notes")))
    /// #             .get("/notes", |_, request| Ok(Response::json(&json!({ "done": request.query_param("done") }))))
    /// #             .post("/notes", |ctx, request| {
    /// #                 let doc = ctx.collection("notes").insert("n1", &request.json::<Value>()?)?;
    /// #                 Ok(Response::created(&doc))
    /// #             })
    /// #             .put("/notes/:id", |ctx, request| {
    /// #                 let (id, body) = (request.require_param("id")?, request.json::<Value>()?);
    /// #                 let version = body["version"].as_u64().unwrap_or(0);
    /// #                 Ok(Response::json(&ctx.collection("notes").update(id, &body["data"], version)?))
    /// #             })
    /// #             .delete("/notes/:id", |ctx, request| {
    /// #                 match ctx.collection::<Value>("notes").delete(request.require_param("id")?, None)? {
    /// #                     true => Ok(Response::no_content()),
    /// #                     false => Err(immcase_sdk::Error::NotFound("no such note".into())),
    /// #                 }
    /// #             })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// let answer = host.get(&ana, "/notes?done=true");
    /// assert_eq!(answer.status_code(), 200);
    /// assert_eq!(answer.body_json()?, json!({ "done": "true" }));
    /// assert_eq!(host.get(&ana, "/nothing-here").status_code(), 404);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn get(&self, caller: &Caller, path: &str) -> Response {
        self.request(caller, request("GET", path))
    }

    /// `GET path` as a page request (`/m/{id}/...`).
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new()
    /// #             .get("/", |_, _| Ok(Response::html("<h1>Notes</h1>").page_title("Notes")))
    /// #             .get("/notes", |_, request| Ok(Response::json(&json!({ "done": request.query_param("done") }))))
    /// #             .post("/notes", |ctx, request| {
    /// #                 let doc = ctx.collection("notes").insert("n1", &request.json::<Value>()?)?;
    /// #                 Ok(Response::created(&doc))
    /// #             })
    /// #             .put("/notes/:id", |ctx, request| {
    /// #                 let (id, body) = (request.require_param("id")?, request.json::<Value>()?);
    /// #                 let version = body["version"].as_u64().unwrap_or(0);
    /// #                 Ok(Response::json(&ctx.collection("notes").update(id, &body["data"], version)?))
    /// #             })
    /// #             .delete("/notes/:id", |ctx, request| {
    /// #                 match ctx.collection::<Value>("notes").delete(request.require_param("id")?, None)? {
    /// #                     true => Ok(Response::no_content()),
    /// #                     false => Err(immcase_sdk::Error::NotFound("no such note".into())),
    /// #                 }
    /// #             })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// let page = host.get_page(&ana, "/");
    /// assert_eq!((page.status_code(), page.body()), (200, &b"<h1>Notes</h1>"[..]));
    /// let stranger = Caller::person("bo", &[]);
    /// assert_eq!(host.get_page(&stranger, "/").status_code(), 403);
    /// ```
    pub fn get_page(&self, caller: &Caller, path: &str) -> Response {
        self.request(caller, request("GET", path).as_page())
    }

    /// `POST path` with `body` as JSON.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new()
    /// #             .get("/", |_, _| Ok(Response::html("<h1>Notes</h1>").page_title("Notes")))
    /// #             .get("/notes", |_, request| Ok(Response::json(&json!({ "done": request.query_param("done") }))))
    /// #             .post("/notes", |ctx, request| {
    /// #                 let doc = ctx.collection("notes").insert("n1", &request.json::<Value>()?)?;
    /// #                 Ok(Response::created(&doc))
    /// #             })
    /// #             .put("/notes/:id", |ctx, request| {
    /// #                 let (id, body) = (request.require_param("id")?, request.json::<Value>()?);
    /// #                 let version = body["version"].as_u64().unwrap_or(0);
    /// #                 Ok(Response::json(&ctx.collection("notes").update(id, &body["data"], version)?))
    /// #             })
    /// #             .delete("/notes/:id", |ctx, request| {
    /// #                 match ctx.collection::<Value>("notes").delete(request.require_param("id")?, None)? {
    /// #                     true => Ok(Response::no_content()),
    /// #                     false => Err(immcase_sdk::Error::NotFound("no such note".into())),
    /// #                 }
    /// #             })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// let answer = host.post_json(&ana, "/notes", &json!({ "text": "Call back" }));
    /// assert_eq!(answer.status_code(), 201);
    /// assert_eq!(host.document("notes", "n1").map(|d| d.data), Some(json!({ "text": "Call back" })));
    /// ```
    pub fn post_json(&self, caller: &Caller, path: &str, body: &impl Serialize) -> Response {
        self.request(caller, json_request("POST", path, body))
    }

    /// `PUT path` with `body` as JSON.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new()
    /// #             .get("/", |_, _| Ok(Response::html("<h1>Notes</h1>").page_title("Notes")))
    /// #             .get("/notes", |_, request| Ok(Response::json(&json!({ "done": request.query_param("done") }))))
    /// #             .post("/notes", |ctx, request| {
    /// #                 let doc = ctx.collection("notes").insert("n1", &request.json::<Value>()?)?;
    /// #                 Ok(Response::created(&doc))
    /// #             })
    /// #             .put("/notes/:id", |ctx, request| {
    /// #                 let (id, body) = (request.require_param("id")?, request.json::<Value>()?);
    /// #                 let version = body["version"].as_u64().unwrap_or(0);
    /// #                 Ok(Response::json(&ctx.collection("notes").update(id, &body["data"], version)?))
    /// #             })
    /// #             .delete("/notes/:id", |ctx, request| {
    /// #                 match ctx.collection::<Value>("notes").delete(request.require_param("id")?, None)? {
    /// #                     true => Ok(Response::no_content()),
    /// #                     false => Err(immcase_sdk::Error::NotFound("no such note".into())),
    /// #                 }
    /// #             })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// host.post_json(&ana, "/notes", &json!({ "text": "Call back" }));
    /// let edit = |version| json!({ "version": version, "data": { "text": "Called" } });
    /// assert_eq!(host.put_json(&ana, "/notes/n1", &edit(1)).status_code(), 200);
    /// assert_eq!(host.put_json(&ana, "/notes/n1", &edit(1)).status_code(), 409); // stale
    /// assert_eq!(host.document("notes", "n1").map(|d| d.version), Some(2));
    /// ```
    pub fn put_json(&self, caller: &Caller, path: &str, body: &impl Serialize) -> Response {
        self.request(caller, json_request("PUT", path, body))
    }

    /// `DELETE path`.
    ///
    /// ```
    /// # use immcase_sdk::{Caller, Plugin, Request, Response, Result, Router, testing::TestHost};
    /// # use serde_json::{Value, json};
    /// # struct Notes;
    /// # impl Plugin for Notes {
    /// #     fn router() -> Router {
    /// #         Router::new()
    /// #             .get("/", |_, _| Ok(Response::html("<h1>Notes</h1>").page_title("Notes")))
    /// #             .get("/notes", |_, request| Ok(Response::json(&json!({ "done": request.query_param("done") }))))
    /// #             .post("/notes", |ctx, request| {
    /// #                 let doc = ctx.collection("notes").insert("n1", &request.json::<Value>()?)?;
    /// #                 Ok(Response::created(&doc))
    /// #             })
    /// #             .put("/notes/:id", |ctx, request| {
    /// #                 let (id, body) = (request.require_param("id")?, request.json::<Value>()?);
    /// #                 let version = body["version"].as_u64().unwrap_or(0);
    /// #                 Ok(Response::json(&ctx.collection("notes").update(id, &body["data"], version)?))
    /// #             })
    /// #             .delete("/notes/:id", |ctx, request| {
    /// #                 match ctx.collection::<Value>("notes").delete(request.require_param("id")?, None)? {
    /// #                     true => Ok(Response::no_content()),
    /// #                     false => Err(immcase_sdk::Error::NotFound("no such note".into())),
    /// #                 }
    /// #             })
    /// #     }
    /// # }
    /// # let host = TestHost::<Notes>::from_manifest("id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n[capabilities]\nstore = [\"notes\"]");
    /// let ana = Caller::person("ana", &["module:notes"]);
    /// host.post_json(&ana, "/notes", &json!({ "text": "Call back" }));
    /// assert_eq!(host.delete(&ana, "/notes/n1").status_code(), 204);
    /// assert_eq!(host.delete(&ana, "/notes/n1").status_code(), 404);
    /// assert!(host.documents("notes").is_empty());
    /// ```
    pub fn delete(&self, caller: &Caller, path: &str) -> Response {
        self.request(caller, request("DELETE", path))
    }

    /// Delivers the event `name` with `payload` to the module's `on_event`,
    /// as the host does for an event it subscribes to (from `source`
    /// `host`, for no person). The module's error comes back as the host
    /// sees it (the message only, without a detailed error's extra
    /// members), and then none of the call's changes are kept.
    ///
    /// # Panics
    ///
    /// If the manifest does not subscribe to `name`: the host would never
    /// deliver it.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Ctx, Event, Plugin, Result, Router};
    /// struct Closer;
    /// impl Plugin for Closer {
    ///     fn router() -> Router { Router::new() }
    ///     fn on_event(ctx: &Ctx, event: Event) -> Result<()> {
    ///         ctx.log_info(&format!("case {} closed", event.payload["id"]));
    ///         Ok(())
    ///     }
    /// }
    /// let host = TestHost::<Closer>::from_manifest(
    ///     "id = \"closer\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nevents = { subscribe = [\"case.closed\"] }",
    /// );
    /// host.deliver_event("case.closed", &serde_json::json!({ "id": "c1" }))?;
    /// assert_eq!(host.logs()[0].message, "case \"c1\" closed");
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn deliver_event(&self, name: &str, payload: &impl Serialize) -> Result<()> {
        assert!(
            self.shared.manifest.subscribes_to(name),
            "`{}` does not subscribe to {name:?}: the host would not deliver it \
             (add it under [capabilities] events.subscribe in plugin.toml)",
            self.shared.id()
        );
        let event = wit_types::Event {
            id: crate::new_id(),
            name: name.to_owned(),
            payload: json_of(payload),
            source: "host".to_owned(),
            occurred_at: self.now(),
        };
        let host = Caller::host();
        let record = wit_types::Caller::from(&host);
        self.call(
            &host,
            || Exports::<P>::on_event(record, event),
            std::result::Result::is_ok,
        )
        .map_err(Error::from)
    }

    /// Fires every timer due now (due at or before [`TestHost::now`]), once
    /// each, earliest first, through the module's `on_timer`, as the host's
    /// worker does: a timer leaves the list as it fires, and one that fails
    /// stays (its call's changes undone) to be tried again by the next run.
    /// Timers its calls set for now or earlier wait for the next run.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Ctx, Plugin, Result, Router, Timer};
    /// struct Reminders;
    /// impl Plugin for Reminders {
    ///     fn router() -> Router { Router::new() }
    ///     fn on_timer(ctx: &Ctx, timer: Timer) -> Result<()> {
    ///         ctx.log_info(&format!("{} fired", timer.key));
    ///         Ok(())
    ///     }
    /// }
    /// let host = TestHost::<Reminders>::from_manifest(
    ///     "id = \"reminders\"\nname = \"Reminders\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nschedule = true",
    /// );
    /// host.with_ctx(&Caller::host(), |ctx| ctx.schedule_at(ctx.now() + 60_000, "call-back", &()))?;
    /// assert!(host.run_due_timers().is_empty());
    /// host.advance(60_000);
    /// let fired = host.run_due_timers();
    /// assert_eq!((fired.len(), fired[0].key.as_str()), (1, "call-back"));
    /// assert!(host.timers().is_empty());
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn run_due_timers(&self) -> Vec<FiredTimer> {
        let now = self.now();
        let mut due: Vec<(i64, String)> = self
            .shared
            .world
            .borrow()
            .timers
            .values()
            .filter(|t| t.due_at <= now)
            .map(|t| (t.due_at, t.key.clone()))
            .collect();
        due.sort();
        let mut fired = Vec::new();
        for (due_at, key) in due {
            let host = Caller::host();
            let record = wit_types::Caller::from(&host);
            let result = self.call(
                &host,
                || {
                    // Claimed as it fires: a timer the module sets again
                    // under the same key is a new one. Earlier timers of
                    // this run may have moved or cancelled it.
                    let timer = {
                        let mut world = self.shared.world.borrow_mut();
                        match world.timers.get(&key) {
                            Some(t) if t.due_at == due_at => world.timers.remove(&key),
                            _ => None,
                        }
                    };
                    timer.map(|timer| {
                        Exports::<P>::on_timer(
                            record,
                            wit_types::Timer {
                                key: timer.key,
                                payload: timer.payload.to_string(),
                                due_at: timer.due_at,
                            },
                        )
                        .map_err(Error::from)
                    })
                },
                |answer| !matches!(answer, Some(Err(_))),
            );
            if let Some(result) = result {
                fired.push(FiredTimer {
                    key,
                    due_at,
                    result,
                });
            }
        }
        fired
    }

    /// Calls the module's action `name` with `input` for `caller` (a person,
    /// or [`Caller::host`] as a workflow does). A person needs
    /// `module:{id}`, as the host requires of one module calling another's
    /// action. An `Err` keeps none of the call's changes.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Ctx, Error, Plugin, Result, Router};
    /// # use serde_json::{Value, json};
    /// struct Echo;
    /// impl Plugin for Echo {
    ///     fn router() -> Router { Router::new() }
    ///     fn action(_ctx: &Ctx, name: &str, input: Value) -> Result<Value> {
    ///         match name {
    ///             "echo" => Ok(json!({ "said": input })),
    ///             _ => Err(Error::NotFound(format!("no action {name}"))),
    ///         }
    ///     }
    /// }
    /// let host = TestHost::<Echo>::from_manifest(
    ///     "id = \"echo\"\nname = \"M\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      ",
    /// );
    /// assert_eq!(host.call_action(&Caller::host(), "echo", &1)?, json!({ "said": 1 }));
    /// assert_eq!(host.call_action(&Caller::host(), "shout", &1).map_err(|e| e.status()), Err(404));
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn call_action(
        &self,
        caller: &Caller,
        name: &str,
        input: &impl Serialize,
    ) -> Result<Value> {
        let permission = format!("module:{}", self.shared.id());
        if caller.is_person() && !caller.can(&permission) {
            return Err(Error::Forbidden(format!(
                "the person this call is for lacks `{permission}`"
            )));
        }
        let record = wit_types::Caller::from(caller);
        let input = json_of(input);
        let output = self.call(
            caller,
            || Exports::<P>::call_action(record, name.to_owned(), input),
            std::result::Result::is_ok,
        )?;
        serde_json::from_str(&output)
            .map_err(|e| Error::Internal(format!("the action answered with bad JSON: {e}")))
    }

    /// Runs `f` with a [`crate::Ctx`] for `caller` and this test host on the
    /// thread: to seed data through the module's own code, or look at it as
    /// the module does. Its changes are kept whatever it returns.
    ///
    /// ```
    /// # use immcase_sdk::testing::TestHost;
    /// # use immcase_sdk::{Caller, Plugin, Router};
    /// # struct Notes;
    /// # impl Plugin for Notes { fn router() -> Router { Router::new() } }
    /// let host = TestHost::<Notes>::from_manifest(
    ///     "id = \"notes\"\nname = \"Notes\"\nversion = \"0.1.0\"\nhost-api = \"^0.2\"\n\
    ///      [capabilities]\nstore = [\"notes\"]",
    /// );
    /// let doc = host.with_ctx(&Caller::host(), |ctx| {
    ///     ctx.collection("notes").insert("n1", &serde_json::json!({ "text": "Call back" }))
    /// })?;
    /// assert_eq!(doc.version, 1);
    /// # Ok::<(), immcase_sdk::Error>(())
    /// ```
    pub fn with_ctx<R>(&self, caller: &Caller, f: impl FnOnce(&crate::Ctx) -> R) -> R {
        let ctx = crate::Ctx::new(caller.clone());
        self.call(caller, || f(&ctx), |_| true)
    }
}

/// A request for `path`, its query string split off at `?`.
fn request(method: &str, path: &str) -> Request {
    match path.split_once('?') {
        Some((path, query)) => Request::new(method, path).with_query(query),
        None => Request::new(method, path),
    }
}

fn json_request(method: &str, path: &str, body: &impl Serialize) -> Request {
    request(method, path)
        .with_header("content-type", "application/json")
        .with_body(json_of(body))
}

/// JSON text of a test's value (`null` when it cannot be).
fn json_of(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .unwrap_or(json!(null))
        .to_string()
}
