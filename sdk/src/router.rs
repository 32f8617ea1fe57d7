//! Which handler answers which request.

use std::collections::HashMap;

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// What a route runs: `fn(&Ctx, Request) -> Result<Response>` (a plain
/// function or a closure).
///
/// ```
/// use immcase_sdk::{Caller, Ctx, Handler, Request, Response};
///
/// let ping: Handler = Box::new(|_ctx, _request| Ok(Response::text("pong")));
/// let ctx = Ctx::new(Caller::default());
/// let response = ping(&ctx, Request::new("GET", "/ping")).unwrap();
/// assert_eq!(response.body(), b"pong");
/// ```
pub type Handler = Box<dyn Fn(&Ctx, Request) -> Result<Response>>;

/// Routes of a module, tried in the order they were added.
///
/// Patterns are paths below the mount point: literal segments, `:name` for
/// one segment, and optionally a final `*name` for the rest of the path
/// (possibly empty). A trailing slash is ignored (`/notes/` matches
/// `/notes`). When no pattern matches the answer is 404; when a pattern
/// matches but not the method, 405 with an `Allow` header; a `HEAD` with no
/// route of its own is answered by the `GET` route (the host sends no
/// body). Errors come back as JSON for the API and as an HTML fragment for
/// pages.
///
/// ```
/// use immcase_sdk::{Caller, Ctx, Request, Response, Result, Router};
///
/// fn show(_ctx: &Ctx, request: Request) -> Result<Response> {
///     Ok(Response::json(&serde_json::json!({ "id": request.param("id") })))
/// }
///
/// let router = Router::new().get("/notes/:id", show);
///
/// let ctx = Ctx::new(Caller::default());
/// let response = router.handle(&ctx, Request::new("GET", "/notes/42"));
/// assert_eq!(response.status_code(), 200);
/// assert_eq!(response.body(), br#"{"id":"42"}"#);
/// ```
#[derive(Default)]
pub struct Router {
    routes: Vec<Route>,
}

struct Route {
    method: String,
    pattern: Vec<Segment>,
    handler: Handler,
}

#[derive(Debug, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

/// The method of a route that takes every method ([`Router::any`]).
const ANY_METHOD: &str = "*";

/// What matching a request found.
enum Match<'a> {
    Found(&'a Route, HashMap<String, String>),
    WrongMethod(Vec<String>),
    Nothing,
}

impl Router {
    /// No routes yet: every request is a 404.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Router};
    ///
    /// let ctx = Ctx::new(Caller::default());
    /// let response = Router::new().handle(&ctx, Request::new("GET", "/"));
    /// assert_eq!(response.status_code(), 404);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A route for `method` (any HTTP method, compared ignoring case).
    ///
    /// # Panics
    ///
    /// If `*rest` is not the last segment of `pattern`: that is a mistake in
    /// the module's code, found by its first request.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().route("options", "/notes", |_, _| {
    ///     Ok(Response::no_content().header("allow", "GET, POST"))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("OPTIONS", "/notes/"));
    /// assert_eq!(response.header_value("allow"), Some("GET, POST"));
    /// ```
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.routes.push(Route {
            method: method.to_ascii_uppercase(),
            pattern: parse_pattern(pattern),
            handler: Box::new(handler),
        });
        self
    }

    /// A route for every method: for a DAV mount (`dav = ["calendars"]` in
    /// `plugin.toml`), whose clients send `PROPFIND`, `REPORT`, `PUT`,
    /// `MKCALENDAR` and more to the same paths. Routes added before it for
    /// a method of their own still answer theirs.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().any("/dav/calendars/*rest", |_, request| {
    ///     Ok(Response::text(request.method().to_owned()).status(207))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("PROPFIND", "/dav/calendars/u1/"));
    /// assert_eq!((response.status_code(), response.body()), (207, &b"PROPFIND"[..]));
    /// ```
    pub fn any(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route(ANY_METHOD, pattern, handler)
    }

    /// A `GET` route.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().get("/files/*rest", |_, request| {
    ///     Ok(Response::text(request.param("rest").unwrap_or_default().to_owned()))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("GET", "/files/2026/visa%20scan.pdf"));
    /// assert_eq!(response.body(), b"2026/visa scan.pdf");
    /// ```
    pub fn get(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("GET", pattern, handler)
    }

    /// A `POST` route.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().post("/notes", |_, request| {
    ///     Ok(Response::created(&request.json::<serde_json::Value>()?))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let request = Request::new("POST", "/notes").with_body(r#"{"text":"Hi"}"#);
    /// let response = router.handle(&ctx, request);
    /// assert_eq!(response.status_code(), 201);
    /// assert_eq!(response.body(), br#"{"text":"Hi"}"#);
    /// ```
    pub fn post(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("POST", pattern, handler)
    }

    /// A `PUT` route.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().put("/notes/:id", |_, request| {
    ///     Ok(Response::text(format!("replaced {}", request.require_param("id")?)))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("PUT", "/notes/7"));
    /// assert_eq!(response.body(), b"replaced 7");
    /// ```
    pub fn put(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("PUT", pattern, handler)
    }

    /// A `PATCH` route.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Error, Request, Router};
    ///
    /// let router = Router::new().patch("/notes/:id", |_, _| {
    ///     Err(Error::Conflict("the note changed".into()))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("PATCH", "/notes/7"));
    /// assert_eq!(response.status_code(), 409);
    /// assert_eq!(response.body_json().unwrap()["error"]["code"], "conflict");
    /// ```
    pub fn patch(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("PATCH", pattern, handler)
    }

    /// A `DELETE` route.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().delete("/notes/:id", |_, _| Ok(Response::no_content()));
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("DELETE", "/notes/7"));
    /// assert_eq!(response.status_code(), 204);
    /// assert!(response.body().is_empty());
    /// ```
    pub fn delete(
        self,
        pattern: &str,
        handler: impl Fn(&Ctx, Request) -> Result<Response> + 'static,
    ) -> Self {
        self.route("DELETE", pattern, handler)
    }

    /// Runs the matching handler; its error (or a 404/405) becomes the
    /// matching error response. Internal errors are logged through the host.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().get("/notes", |_, _| Ok(Response::text("all notes")));
    /// let ctx = Ctx::new(Caller::default());
    /// let missing = router.handle(&ctx, Request::new("GET", "/cases"));
    /// assert_eq!(missing.body_json().unwrap()["error"]["code"], "not_found");
    /// let page = router.handle(&ctx, Request::new("GET", "/cases").as_page());
    /// assert!(String::from_utf8_lossy(page.body()).contains("<h1>Not found</h1>"));
    /// ```
    pub fn handle(&self, ctx: &Ctx, request: Request) -> Response {
        let page = request.is_page();
        match self.dispatch(ctx, request) {
            Ok(response) => response,
            Err(error) => {
                if error.is_internal() {
                    ctx.log_error(&format!("internal error: {}", error.message()));
                }
                error.to_response(page)
            }
        }
    }

    /// Runs the matching handler and returns its result as it is. A path no
    /// route matches is an [`Error::NotFound`]; a path whose routes do not
    /// take the method is already a 405 response, with an `Allow` header
    /// listing the methods they take.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Error, Request, Response, Router};
    ///
    /// let router = Router::new().get("/notes", |_, _| Ok(Response::text("all notes")));
    /// let ctx = Ctx::new(Caller::default());
    /// let missing = router.dispatch(&ctx, Request::new("GET", "/cases"));
    /// assert_eq!(missing, Err(Error::NotFound("no page at /cases".into())));
    /// let wrong = router.dispatch(&ctx, Request::new("POST", "/notes")).unwrap();
    /// assert_eq!((wrong.status_code(), wrong.header_value("allow")), (405, Some("GET")));
    /// ```
    pub fn dispatch(&self, ctx: &Ctx, mut request: Request) -> Result<Response> {
        match self.find(request.method(), request.path()) {
            Match::Found(route, params) => {
                request.set_params(params);
                (route.handler)(ctx, request)
            }
            Match::WrongMethod(allowed) => {
                let allow = allowed.join(", ");
                Ok(Error::Invalid(format!(
                    "{} is not allowed here; use {allow}",
                    request.method()
                ))
                .to_response(request.is_page())
                .status(405)
                .header("allow", &allow))
            }
            Match::Nothing => Err(Error::NotFound(format!("no page at {}", request.path()))),
        }
    }

    fn find(&self, method: &str, path: &str) -> Match<'_> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut allowed: Vec<String> = Vec::new();
        let mut get = None;
        for route in &self.routes {
            let Some(params) = match_segments(&route.pattern, &segments) else {
                continue;
            };
            if route.method == ANY_METHOD || route.method.eq_ignore_ascii_case(method) {
                return Match::Found(route, params);
            }
            if route.method == "GET" && get.is_none() {
                get = Some((route, params));
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method.clone());
            }
        }
        match get {
            Some((route, params)) if method.eq_ignore_ascii_case("HEAD") => {
                Match::Found(route, params)
            }
            _ if allowed.is_empty() => Match::Nothing,
            _ => Match::WrongMethod(allowed),
        }
    }
}

fn parse_pattern(pattern: &str) -> Vec<Segment> {
    let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if let Some(name) = part.strip_prefix(':') {
                Segment::Param(name.to_owned())
            } else if let Some(name) = part.strip_prefix('*') {
                assert!(i == last, "`*{name}` must end the route pattern {pattern}");
                Segment::Rest(name.to_owned())
            } else {
                Segment::Literal((*part).to_owned())
            }
        })
        .collect()
}

fn match_segments(pattern: &[Segment], path: &[&str]) -> Option<HashMap<String, String>> {
    let mut params = HashMap::new();
    for (i, segment) in pattern.iter().enumerate() {
        match segment {
            Segment::Rest(name) => {
                let rest: Vec<String> = path
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| decode(s))
                    .collect();
                params.insert(name.clone(), rest.join("/"));
                return Some(params);
            }
            Segment::Literal(literal) => {
                if decode(path.get(i)?) != *literal {
                    return None;
                }
            }
            Segment::Param(name) => {
                params.insert(name.clone(), decode(path.get(i)?));
            }
        }
    }
    (pattern.len() == path.len()).then_some(params)
}

/// Percent-decodes one path segment (`+` stays a plus sign).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            // Two hex digits are at most 255.
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caller;

    fn ctx() -> Ctx {
        Ctx::new(Caller::default())
    }

    fn echo(name: &'static str) -> impl Fn(&Ctx, Request) -> Result<Response> {
        move |_, request| {
            let mut params: Vec<(String, String)> = ["id", "rest", "key"]
                .iter()
                .filter_map(|p| request.param(p).map(|v| ((*p).to_owned(), v.to_owned())))
                .collect();
            params.sort();
            Ok(Response::json(
                &serde_json::json!({ "route": name, "params": params }),
            ))
        }
    }

    fn router() -> Router {
        Router::new()
            .get("/", echo("home"))
            .get("/notes", echo("list"))
            .post("/notes", echo("create"))
            .get("/notes/new", echo("new"))
            .get("/notes/:id", echo("show"))
            .put("/notes/:id", echo("update"))
            .delete("/notes/:id", echo("delete"))
            .get("/files/*rest", echo("files"))
    }

    fn call(method: &str, path: &str) -> Response {
        router().handle(&ctx(), Request::new(method, path))
    }

    fn route_of(response: &Response) -> String {
        let body = response.body_json().expect("JSON");
        body["route"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn literal_and_parameter_routes_match() {
        assert_eq!(route_of(&call("GET", "/")), "home");
        assert_eq!(route_of(&call("GET", "/notes")), "list");
        assert_eq!(route_of(&call("GET", "/notes/")), "list");
        assert_eq!(route_of(&call("post", "/notes")), "create");
        assert_eq!(route_of(&call("GET", "/notes/new")), "new");
        let show = call("GET", "/notes/42");
        assert_eq!(route_of(&show), "show");
        assert_eq!(
            show.body_json().expect("JSON")["params"],
            serde_json::json!([["id", "42"]])
        );
        assert_eq!(route_of(&call("DELETE", "/notes/42")), "delete");
    }

    #[test]
    fn parameters_are_percent_decoded() {
        let response = call("GET", "/notes/applicant%3A7%20b");
        assert_eq!(
            response.body_json().expect("JSON")["params"],
            serde_json::json!([["id", "applicant:7 b"]])
        );
    }

    #[test]
    fn rest_takes_the_remaining_path_even_empty() {
        let response = call("GET", "/files/a/b%2Fc/d.pdf");
        assert_eq!(
            response.body_json().expect("JSON")["params"],
            serde_json::json!([["rest", "a/b/c/d.pdf"]])
        );
        let empty = call("GET", "/files");
        assert_eq!(route_of(&empty), "files");
        assert_eq!(
            empty.body_json().expect("JSON")["params"],
            serde_json::json!([["rest", ""]])
        );
    }

    #[test]
    fn unknown_paths_are_404_json_or_html() {
        let api = call("GET", "/nothing/here");
        assert_eq!(api.status_code(), 404);
        assert_eq!(api.body_json().expect("JSON")["error"]["code"], "not_found");
        let page = router().handle(&ctx(), Request::new("GET", "/nothing/<x>").as_page());
        assert_eq!(page.status_code(), 404);
        assert_eq!(
            page.header_value("content-type"),
            Some("text/html; charset=utf-8")
        );
        let body = String::from_utf8_lossy(page.body()).into_owned();
        assert!(body.contains("/nothing/&lt;x&gt;"), "{body}");
        assert_eq!(call("GET", "/notes/1/2").status_code(), 404);
    }

    #[test]
    fn wrong_method_is_405_with_allow() {
        let response = call("PATCH", "/notes/1");
        assert_eq!(response.status_code(), 405);
        assert_eq!(response.header_value("allow"), Some("GET, PUT, DELETE"));
        let list = call("DELETE", "/notes");
        assert_eq!(list.header_value("allow"), Some("GET, POST"));
    }

    #[test]
    fn head_is_answered_by_get_and_any_takes_every_method() {
        assert_eq!(
            route_of(&call("HEAD", "/notes/1")),
            route_of(&call("GET", "/notes/1"))
        );
        let dav = Router::new()
            .route("OPTIONS", "/dav/*rest", echo("options"))
            .any("/dav/*rest", echo("dav"));
        for method in ["PROPFIND", "REPORT", "PUT", "MKCALENDAR", "DELETE"] {
            let response = dav.handle(&ctx(), Request::new(method, "/dav/calendars/u1/a.ics"));
            assert_eq!(route_of(&response), "dav", "{method}");
        }
        let options = dav.handle(&ctx(), Request::new("OPTIONS", "/dav/calendars"));
        assert_eq!(route_of(&options), "options");
    }

    #[test]
    fn handler_errors_become_responses() {
        let router = Router::new()
            .get("/gone", |_, _| {
                Err(Error::NotFound("note 9 not found".into()))
            })
            .get("/nope", |_, _| {
                Err(Error::Forbidden("notes.manage_all".into()))
            });
        let gone = router.handle(&ctx(), Request::new("GET", "/gone"));
        assert_eq!(gone.status_code(), 404);
        assert_eq!(
            gone.body_json().expect("JSON")["error"]["message"],
            "note 9 not found"
        );
        let nope = router.handle(&ctx(), Request::new("GET", "/nope").as_page());
        assert_eq!(nope.status_code(), 403);
        assert!(String::from_utf8_lossy(nope.body()).contains("notes.manage_all"));
    }

    #[test]
    fn dispatch_gives_unknown_paths_as_errors_and_wrong_methods_as_405() {
        let missing = router().dispatch(&ctx(), Request::new("GET", "/nothing"));
        assert_eq!(
            missing.err(),
            Some(Error::NotFound("no page at /nothing".into()))
        );
        let wrong = router()
            .dispatch(&ctx(), Request::new("PATCH", "/notes"))
            .expect("a 405 response");
        assert_eq!(wrong.status_code(), 405);
        assert_eq!(wrong.header_value("allow"), Some("GET, POST"));
        assert_eq!(
            wrong.body_json().expect("JSON")["error"]["message"],
            "PATCH is not allowed here; use GET, POST"
        );
    }

    #[test]
    #[should_panic(expected = "must end the route pattern")]
    fn rest_must_be_last() {
        let _ = Router::new().get("/files/*rest/more", echo("bad"));
    }
}
