//! Requests a module answers and the responses it gives.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::html;
use crate::wit::immcase::plugin::types::{HttpRequest, HttpResponse};

/// The header by which the host says where a page goes (see
/// [`Request::placement`]).
pub const PLACEMENT_HEADER: &str = "x-immcase-placement";

/// Where the host shows a page a module answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The module's own page, framed in the shell.
    Page,
    /// A panel of the dashboard (`[[panels]]` in `plugin.toml`).
    Panel,
    /// The tab of an applicant's or a case's page (`[[tabs]]`).
    Tab,
}

/// A request below the module's mount point.
///
/// `/api/v1/m/notes/notes/42` reaches the notes module as `GET /notes/42`
/// with [`Request::is_page`] false; `/m/notes/` arrives as `GET /` with it true.
///
/// ```
/// use immcase_sdk::Request;
///
/// let request = Request::new("get", "/notes").with_query("author=ana").as_page();
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.query_param("author").as_deref(), Some("ana"));
/// assert!(request.is_page());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    page: bool,
    params: HashMap<String, String>,
}

impl Request {
    /// A request as a test would make it: no query, headers or body, not a page.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("delete", "/notes/7");
    /// assert_eq!((request.method(), request.path()), ("DELETE", "/notes/7"));
    /// assert!(request.body().is_empty() && !request.is_page());
    /// ```
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            ..Self::default()
        }
    }

    /// Sets the query string (without `?`).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/cases").with_query("status=open&page=2");
    /// assert_eq!(request.query(), "status=open&page=2");
    /// assert_eq!(request.query_param("page").as_deref(), Some("2"));
    /// ```
    pub fn with_query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    /// Adds a header.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/").with_header("Accept-Language", "fr-CA");
    /// assert_eq!(request.header("accept-language"), Some("fr-CA"));
    /// ```
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("POST", "/notes").with_body(r#"{"text":"Call back"}"#);
    /// assert_eq!(request.body(), br#"{"text":"Call back"}"#);
    /// ```
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Marks the request as a page request (`/m/{module}/...`).
    ///
    /// ```
    /// use immcase_sdk::{Error, Request};
    ///
    /// let request = Request::new("GET", "/").as_page();
    /// assert!(request.is_page());
    /// // Errors answered to a page are HTML, not JSON.
    /// let response = Error::NotFound("gone".into()).to_response(request.is_page());
    /// assert_eq!(response.header_value("content-type"), Some("text/html; charset=utf-8"));
    /// ```
    pub fn as_page(mut self) -> Self {
        self.page = true;
        self
    }

    /// `GET`, `POST`, ... (upper case).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// assert_eq!(Request::new("patch", "/notes/7").method(), "PATCH");
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path below the mount point, starting with `/`.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/notes/7").with_query("full=1");
    /// assert_eq!(request.path(), "/notes/7");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string without `?` (empty when there is none).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/cases").with_query("q=visa%20renewal");
    /// assert_eq!(request.query(), "q=visa%20renewal");
    /// assert_eq!(Request::new("GET", "/").query(), "");
    /// ```
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Every header as the host passed it.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/")
    ///     .with_header("Accept", "text/html")
    ///     .with_header("Accept", "application/json");
    /// assert_eq!(request.headers().len(), 2);
    /// assert_eq!(request.headers()[1].1, "application/json");
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header with this name (names compare ignoring case).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/").with_header("Content-Type", "text/plain");
    /// assert_eq!(request.header("content-type"), Some("text/plain"));
    /// assert_eq!(request.header("accept"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Where the host shows the page it asked for: the module's own page
    /// in the shell, a panel of the dashboard or a tab of an applicant's or
    /// a case's page (from the header `X-Immcase-Placement` the host sets).
    /// A panel or a tab is shown under the host's heading, so it leaves out
    /// its own `<h1>`.
    ///
    /// ```
    /// use immcase_sdk::{Placement, Request};
    ///
    /// let page = Request::new("GET", "/").as_page();
    /// assert_eq!(page.placement(), Placement::Page);
    /// let panel = page.clone().with_header("X-Immcase-Placement", "panel");
    /// assert_eq!(panel.placement(), Placement::Panel);
    /// let tab = page.with_header("X-Immcase-Placement", "tab");
    /// assert_eq!(tab.placement(), Placement::Tab);
    /// ```
    pub fn placement(&self) -> Placement {
        match self.header(PLACEMENT_HEADER) {
            Some("panel") => Placement::Panel,
            Some("tab") => Placement::Tab,
            _ => Placement::Page,
        }
    }

    /// The raw body.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("POST", "/files").with_body(vec![0x25, 0x50, 0x44, 0x46]);
    /// assert_eq!(request.body(), b"%PDF");
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// True for an HTML page (`/m/{module}/...`), false for the JSON API.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// assert!(Request::new("GET", "/").as_page().is_page());
    /// assert!(!Request::new("GET", "/notes").is_page());
    /// ```
    pub fn is_page(&self) -> bool {
        self.page
    }

    /// A path parameter of the matched route (`:id` → `param("id")`;
    /// a final `*rest` → `param("rest")`), percent-decoded.
    ///
    /// ```
    /// use immcase_sdk::{Caller, Ctx, Request, Response, Router};
    ///
    /// let router = Router::new().get("/cases/:id", |_, request| {
    ///     Ok(Response::text(request.param("id").unwrap_or("none").to_owned()))
    /// });
    /// let ctx = Ctx::new(Caller::default());
    /// let response = router.handle(&ctx, Request::new("GET", "/cases/C%2D7"));
    /// assert_eq!(response.body(), b"C-7");
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A path parameter that the route guarantees, or [`Error::NotFound`].
    ///
    /// ```
    /// use immcase_sdk::{Error, Request};
    ///
    /// // A request that no route matched has no parameters.
    /// let error = Request::new("GET", "/cases").require_param("id").unwrap_err();
    /// assert_eq!(error, Error::NotFound("no path parameter id".into()));
    /// ```
    pub fn require_param(&self, name: &str) -> Result<&str> {
        self.param(name)
            .ok_or_else(|| Error::NotFound(format!("no path parameter {name}")))
    }

    /// The first value of a query parameter, percent-decoded (`+` is a space).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/").with_query("q=Jos%C3%A9+Ruiz&q=other");
    /// assert_eq!(request.query_param("q").as_deref(), Some("José Ruiz"));
    /// assert_eq!(request.query_param("page"), None);
    /// ```
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Every query parameter in order, percent-decoded.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let request = Request::new("GET", "/").with_query("tag=visa&tag=work%20permit");
    /// let tags: Vec<String> = request.query_params().into_iter().map(|(_, v)| v).collect();
    /// assert_eq!(tags, ["visa", "work permit"]);
    /// ```
    pub fn query_params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The query string decoded into `T` (`#[derive(Deserialize)]`); a value
    /// of the wrong shape is [`Error::Invalid`].
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Filter {
    ///     status: String,
    ///     limit: Option<u32>,
    /// }
    /// let request = Request::new("GET", "/").with_query("status=open&limit=20");
    /// let filter: Filter = request.query_as().unwrap();
    /// assert_eq!((filter.status.as_str(), filter.limit), ("open", Some(20)));
    /// let bad = Request::new("GET", "/").with_query("status=open&limit=all");
    /// assert_eq!(bad.query_as::<Filter>().unwrap_err().status(), 422);
    /// ```
    pub fn query_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_urlencoded::from_str(&self.query)
            .map_err(|e| Error::Invalid(format!("query string: {e}")))
    }

    /// The body decoded as JSON; bad JSON is [`Error::Invalid`] with serde's message.
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Note {
    ///     text: String,
    /// }
    /// let request = Request::new("POST", "/notes").with_body(r#"{"text":"Call back"}"#);
    /// assert_eq!(request.json::<Note>().unwrap().text, "Call back");
    /// let broken = Request::new("POST", "/notes").with_body(r#"{"txt":"Call back"}"#);
    /// let error = broken.json::<Note>().unwrap_err();
    /// assert!(error.message().starts_with("request body: missing field `text`"));
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Invalid(format!("request body: {e}")))
    }

    /// The body decoded as an HTML form (`application/x-www-form-urlencoded`).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Visit {
    ///     name: String,
    /// }
    /// let request = Request::new("POST", "/visits").with_body("name=Ana+Ruiz&_csrf=t0k3n");
    /// let visit: Visit = request.form().unwrap();
    /// assert_eq!(visit.name, "Ana Ruiz");
    /// ```
    pub fn form<T: DeserializeOwned>(&self) -> Result<T> {
        serde_urlencoded::from_bytes(&self.body).map_err(|e| Error::Invalid(format!("form: {e}")))
    }

    /// Whether the body is a form with files (`multipart/form-data`).
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let upload = Request::new("POST", "/")
    ///     .with_header("Content-Type", "multipart/form-data; boundary=x");
    /// assert!(upload.is_multipart());
    /// let form = Request::new("POST", "/")
    ///     .with_header("Content-Type", "application/x-www-form-urlencoded");
    /// assert!(!form.is_multipart());
    /// ```
    pub fn is_multipart(&self) -> bool {
        self.header("content-type").is_some_and(|t| {
            t.trim_start()
                .get(..19)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("multipart/form-data"))
        })
    }

    /// The body read as a form with files; see [`crate::Multipart`].
    ///
    /// ```
    /// use immcase_sdk::Request;
    ///
    /// let body = "--x\r\nContent-Disposition: form-data; name=\"scan\"; filename=\"a.txt\"\r\n\
    ///             \r\nhi\r\n--x--";
    /// let request = Request::new("POST", "/")
    ///     .with_header("Content-Type", "multipart/form-data; boundary=x")
    ///     .with_body(body);
    /// let form = request.multipart().unwrap();
    /// let scan = form.files("scan").next().unwrap();
    /// assert_eq!((scan.file_name.as_deref(), scan.data.as_slice()), (Some("a.txt"), &b"hi"[..]));
    /// assert!(Request::new("POST", "/").multipart().is_err());
    /// ```
    pub fn multipart(&self) -> Result<crate::Multipart> {
        crate::Multipart::parse(self.header("content-type").unwrap_or(""), &self.body)
    }

    pub(crate) fn set_params(&mut self, params: HashMap<String, String>) {
        self.params = params;
    }
}

impl From<HttpRequest> for Request {
    fn from(request: HttpRequest) -> Self {
        Self {
            method: request.method.to_ascii_uppercase(),
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
            page: request.page,
            params: HashMap::new(),
        }
    }
}

/// An answer: status, headers and body, passed to the client unchanged
/// (pages are wrapped in the host's app shell, so they are fragments).
///
/// ```
/// use immcase_sdk::Response;
///
/// let response = Response::text("Saved").status(202).header("Cache-Control", "no-store");
/// assert_eq!(response.status_code(), 202);
/// assert_eq!(response.header_value("cache-control"), Some("no-store"));
/// assert_eq!(response.body(), b"Saved");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

const JSON: &str = "application/json";
/// Response headers the host's app shell reads (and removes).
const TITLE_HEADER: &str = "x-immcase-title";
const FLASH_HEADER: &str = "x-immcase-flash";

/// Header values are ASCII: anything else (and `%`) travels as `%XX` bytes
/// of its UTF-8, which the host decodes.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_graphic() && byte != b'%' || byte == b' ' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
const HTML: &str = "text/html; charset=utf-8";

impl Response {
    /// 200 with `value` as JSON.
    ///
    /// A value that cannot be serialised (a map with non-string keys) gives a
    /// 500 with the host's error shape.
    ///
    /// ```
    /// use immcase_sdk::Response;
    /// use serde_json::json;
    ///
    /// let response = Response::json(&json!({"id": "7", "tags": ["visa"]}));
    /// assert_eq!(response.status_code(), 200);
    /// assert_eq!(response.header_value("content-type"), Some("application/json"));
    /// assert_eq!(response.body(), br#"{"id":"7","tags":["visa"]}"#);
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::with_body(200, JSON, body),
            Err(e) => Error::Internal(format!("response is not JSON: {e}")).to_response(false),
        }
    }

    pub(crate) fn json_value(value: &serde_json::Value) -> Self {
        Self::with_body(200, JSON, value.to_string().into_bytes())
    }

    /// 201 with `value` as JSON.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::created(&serde_json::json!({"id": "7"}));
    /// assert_eq!(response.status_code(), 201);
    /// assert_eq!(response.body_json().unwrap()["id"], "7");
    /// ```
    pub fn created<T: Serialize + ?Sized>(value: &T) -> Self {
        let response = Self::json(value);
        if response.status == 200 {
            response.status(201)
        } else {
            response
        }
    }

    /// 200 with an HTML fragment: build it with [`crate::html`] (an [`Html`](crate::html::Html)
    /// converts into a `String`), or escape every text yourself with
    /// [`crate::html::escape`]. Pages are fragments: no `<html>` or `<head>`,
    /// the host adds its app shell.
    ///
    /// ```
    /// use immcase_sdk::Response;
    /// use immcase_sdk::html::el;
    ///
    /// let response = Response::html(el("h1").text("Visits & calls").render());
    /// assert_eq!(response.header_value("content-type"), Some("text/html; charset=utf-8"));
    /// assert_eq!(response.body(), b"<h1>Visits &amp; calls</h1>");
    /// ```
    pub fn html(fragment: impl Into<String>) -> Self {
        Self::with_body(200, HTML, fragment.into().into_bytes())
    }

    /// 200 with plain text.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::text("pong");
    /// assert_eq!(response.header_value("content-type"), Some("text/plain; charset=utf-8"));
    /// assert_eq!(response.body(), b"pong");
    /// ```
    pub fn text(text: impl Into<String>) -> Self {
        Self::with_body(200, "text/plain; charset=utf-8", text.into().into_bytes())
    }

    /// 200 with a file to save: `content_type` as given (anything that is
    /// not a plain `type/subtype` becomes `application/octet-stream`),
    /// `Content-Disposition: attachment` with the name (ASCII, plus the
    /// exact UTF-8 as `filename*`), and headers that stop a browser from
    /// running what it holds (`nosniff`, a sandboxing CSP).
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::download("São.pdf", "application/pdf", b"%PDF".to_vec());
    /// assert_eq!(response.header_value("content-type"), Some("application/pdf"));
    /// let disposition = response.header_value("content-disposition").unwrap();
    /// assert_eq!(disposition, "attachment; filename=\"S_o.pdf\"; filename*=UTF-8''S%C3%A3o.pdf");
    /// assert_eq!(response.header_value("x-content-type-options"), Some("nosniff"));
    /// let odd = Response::download("x", "text/html\r\nX-Evil: 1", Vec::new());
    /// assert_eq!(odd.header_value("content-type"), Some("application/octet-stream"));
    /// ```
    pub fn download(name: &str, content_type: &str, data: Vec<u8>) -> Self {
        let plain_type = content_type.split(';').next().unwrap_or("").trim();
        let well_formed = plain_type.split_once('/').is_some_and(|(a, b)| {
            let token = |t: &str| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
            };
            token(a) && token(b)
        });
        let content_type = if well_formed {
            plain_type
        } else {
            "application/octet-stream"
        };
        let ascii: String = name
            .chars()
            .map(|c| match c {
                ' '..='~' if c != '"' && c != '\\' => c,
                _ => '_',
            })
            .collect();
        let exact: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Self::with_body(200, content_type, data)
            .header(
                "content-disposition",
                &format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}"),
            )
            .header("x-content-type-options", "nosniff")
            .header("content-security-policy", "sandbox; default-src 'none'")
    }

    /// 204 without a body.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::no_content();
    /// assert_eq!(response.status_code(), 204);
    /// assert!(response.body().is_empty() && response.headers().is_empty());
    /// ```
    pub fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// 303 See Other to `location` (after a form post). A path of a page is
    /// written in full, e.g. `/m/notes/`.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::redirect("/m/notes/");
    /// assert_eq!(response.status_code(), 303);
    /// assert_eq!(response.header_value("location"), Some("/m/notes/"));
    /// ```
    pub fn redirect(location: &str) -> Self {
        Self::no_content().status(303).header("location", location)
    }

    /// The page's title, shown in the browser tab and above the module's
    /// content by the host's app shell (the module's name when not given).
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::html("<p>2 visits</p>").page_title("Visits · Montréal");
    /// // Sent as ASCII; the host decodes it.
    /// assert_eq!(response.header_value("x-immcase-title"), Some("Visits %C2%B7 Montr%C3%A9al"));
    /// ```
    pub fn page_title(self, title: &str) -> Self {
        self.header(TITLE_HEADER, &percent_encode(title))
    }

    /// A short message the app shell shows on the next page the person
    /// sees, such as "Note added." on the page a form post redirects to.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::redirect("/m/notes/").flash("Note added.");
    /// assert_eq!(response.header_value("x-immcase-flash"), Some("Note added."));
    /// ```
    pub fn flash(self, message: &str) -> Self {
        self.header(FLASH_HEADER, &percent_encode(message))
    }

    /// Replaces the status.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::json(&["queued"]).status(202);
    /// assert_eq!(response.status_code(), 202);
    /// ```
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets a header, replacing one of the same name.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::text("hi").header("Content-Type", "text/markdown");
    /// assert_eq!(response.header_value("content-type"), Some("text/markdown"));
    /// assert_eq!(response.headers().len(), 1);
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The status code.
    ///
    /// ```
    /// use immcase_sdk::{Error, Response};
    ///
    /// assert_eq!(Response::text("ok").status_code(), 200);
    /// assert_eq!(Error::Conflict("stale".into()).to_response(false).status_code(), 409);
    /// ```
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// A header's value (names compare ignoring case).
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::redirect("/m/notes/");
    /// assert_eq!(response.header_value("Location"), Some("/m/notes/"));
    /// assert_eq!(response.header_value("content-type"), None);
    /// ```
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// let response = Response::text("hi").header("X-Folio", "F-00042");
    /// let names: Vec<&str> = response.headers().iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["content-type", "x-folio"]);
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    ///
    /// ```
    /// use immcase_sdk::Response;
    ///
    /// assert_eq!(Response::text("café").body(), "café".as_bytes());
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON (for tests).
    ///
    /// ```
    /// use immcase_sdk::{Error, Response};
    /// use serde_json::json;
    ///
    /// let response = Error::invalid_field("email", "required").to_response(false);
    /// let body = response.body_json().unwrap();
    /// assert_eq!(body["error"]["fields"], json!({"email": "required"}));
    /// assert!(Response::text("not JSON").body_json().is_err());
    /// ```
    pub fn body_json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body,
        }
    }
}

/// What the host received, back as a [`Response`] (the test host reads
/// answers this way).
impl From<HttpResponse> for Response {
    fn from(response: HttpResponse) -> Self {
        Self {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

impl From<Response> for HttpResponse {
    fn from(response: Response) -> Self {
        Self {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

/// How an error is answered: the host's JSON error shape for the API, a
/// small HTML section for a page.
impl Error {
    /// The answer to a request: JSON for the API, an HTML fragment for a page.
    ///
    /// ```
    /// use immcase_sdk::Error;
    ///
    /// let error = Error::Forbidden("cases:write".into());
    /// let api = error.to_response(false);
    /// assert_eq!(api.status_code(), 403);
    /// assert_eq!(api.body_json().unwrap()["error"]["code"], "forbidden");
    /// let page = error.to_response(true);
    /// assert_eq!(page.header_value("content-type"), Some("text/html; charset=utf-8"));
    /// assert!(String::from_utf8_lossy(page.body()).contains("<p>cases:write</p>"));
    /// ```
    pub fn to_response(&self, page: bool) -> Response {
        let response = if page {
            Response::html(format!(
                "<section class=\"module-error\"><h1>{}</h1><p>{}</p></section>",
                html::escape(self.title()),
                html::escape(self.public_message())
            ))
        } else {
            Response::json_value(&self.to_json())
        };
        response.status(self.status())
    }

    fn title(&self) -> &'static str {
        match self.status() {
            404 => "Not found",
            403 => "Not allowed",
            422 => "Please check what you entered",
            409 => "Changed in the meantime",
            _ => "Something went wrong",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn body(response: &Response) -> serde_json::Value {
        serde_json::from_slice(response.body()).expect("JSON body")
    }

    #[test]
    fn api_errors_have_the_hosts_shape_and_status() {
        let response = Error::NotFound("note 7 not found".into()).to_response(false);
        assert_eq!(response.status_code(), 404);
        assert_eq!(
            response.header_value("content-type"),
            Some("application/json")
        );
        assert_eq!(
            body(&response),
            json!({"error": {"code": "not_found", "message": "note 7 not found"}})
        );
        let statuses: Vec<u16> = [
            Error::Forbidden(String::new()),
            Error::Invalid(String::new()),
            Error::Conflict(String::new()),
            Error::Internal(String::new()),
        ]
        .iter()
        .map(Error::status)
        .collect();
        assert_eq!(statuses, [403, 422, 409, 500]);
    }

    #[test]
    fn internal_messages_are_hidden() {
        let response = Error::Internal("db password is hunter2".into()).to_response(false);
        assert_eq!(response.status_code(), 500);
        assert_eq!(
            body(&response),
            json!({"error": {"code": "internal", "message": "internal error"}})
        );
        let page = Error::Internal("hunter2".into()).to_response(true);
        assert!(!String::from_utf8_lossy(page.body()).contains("hunter2"));
    }

    #[test]
    fn page_errors_are_escaped_html() {
        let response = Error::Invalid("<script>alert(1)</script>".into()).to_response(true);
        assert_eq!(response.status_code(), 422);
        assert_eq!(
            response.header_value("content-type"),
            Some("text/html; charset=utf-8")
        );
        let text = String::from_utf8_lossy(response.body()).into_owned();
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{text}"
        );
        assert!(!text.contains("<script>"));
    }

    #[test]
    fn titles_and_flash_messages_travel_as_ascii() {
        let response = Response::html("<p>x</p>")
            .page_title("Notes · Café 100%")
            .flash("Note added.");
        assert_eq!(
            response.header_value("x-immcase-title"),
            Some("Notes %C2%B7 Caf%C3%A9 100%25")
        );
        assert_eq!(
            response.header_value("x-immcase-flash"),
            Some("Note added.")
        );
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let request =
            Request::new("get", "/notes").with_query("subject=applicant%3A42&q=a+b%20c&q=second");
        assert_eq!(request.method(), "GET");
        assert_eq!(
            request.query_param("subject").as_deref(),
            Some("applicant:42")
        );
        assert_eq!(request.query_param("q").as_deref(), Some("a b c"));
        assert_eq!(request.query_param("missing"), None);
        assert_eq!(request.query_params().len(), 3);
    }

    #[test]
    fn query_and_form_decode_into_types() {
        #[derive(Deserialize)]
        struct Filter {
            subject: Option<String>,
            limit: Option<u32>,
        }
        let filter: Filter = Request::new("GET", "/")
            .with_query("limit=20&subject=case%2F1")
            .query_as()
            .expect("decodes");
        assert_eq!(filter.limit, Some(20));
        assert_eq!(filter.subject.as_deref(), Some("case/1"));
        let bad = Request::new("GET", "/")
            .with_query("limit=many")
            .query_as::<Filter>();
        assert_eq!(bad.err().map(|e| e.status()), Some(422));

        #[derive(Deserialize)]
        struct Form {
            text: String,
        }
        let form: Form = Request::new("POST", "/")
            .with_body("text=caf%C3%A9+%26+tea")
            .form()
            .expect("decodes");
        assert_eq!(form.text, "café & tea");
    }

    #[test]
    fn bad_json_bodies_are_invalid_with_serdes_message() {
        #[derive(Debug, Deserialize)]
        struct Input {
            #[allow(dead_code)]
            text: String,
        }
        let error = Request::new("POST", "/")
            .with_body("{\"txt\":1}")
            .json::<Input>()
            .expect_err("missing field");
        assert_eq!(error.status(), 422);
        assert!(error.message().contains("missing field `text`"), "{error}");
    }

    #[test]
    fn downloads_name_their_file_and_cannot_run() {
        let response =
            Response::download("Pasaporte Ñ \"1\".pdf", "application/pdf", b"%PDF".to_vec());
        assert_eq!(
            response.header_value("content-type"),
            Some("application/pdf")
        );
        assert_eq!(
            response.header_value("content-disposition"),
            Some(
                "attachment; filename=\"Pasaporte _ _1_.pdf\"; filename*=UTF-8''Pasaporte%20%C3%91%20%221%22.pdf"
            )
        );
        assert_eq!(
            response.header_value("x-content-type-options"),
            Some("nosniff")
        );
        assert_eq!(response.body(), b"%PDF");
        let odd = Response::download("a", "text/html\r\nx: y", Vec::new());
        assert_eq!(
            odd.header_value("content-type"),
            Some("application/octet-stream")
        );
    }

    #[test]
    fn headers_compare_ignoring_case() {
        let request = Request::new("GET", "/").with_header("Content-Type", "text/plain");
        assert_eq!(request.header("content-type"), Some("text/plain"));
        let response = Response::json(&json!({"ok": true}))
            .header("X-Thing", "1")
            .header("x-thing", "2");
        assert_eq!(response.header_value("X-THING"), Some("2"));
        assert_eq!(response.headers().len(), 2);
    }

    #[test]
    fn response_constructors_set_status_and_type() {
        let created = Response::created(&json!({"id": "1"}));
        assert_eq!(created.status_code(), 201);
        assert_eq!(created.header_value("content-type"), Some(JSON));
        assert_eq!(created.body_json().ok(), Some(json!({"id": "1"})));
        let redirect = Response::redirect("/m/notes/");
        assert_eq!(redirect.status_code(), 303);
        assert_eq!(redirect.header_value("location"), Some("/m/notes/"));
        assert_eq!(Response::no_content().status_code(), 204);
        let page = Response::html(crate::html::text("a<b"));
        assert_eq!(page.body(), b"a&lt;b");
    }
}
