//! Requests a module answers and the responses it gives.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::wit::immcase::plugin::types::{HttpRequest, HttpResponse};

/// A request below the module's mount point.
///
/// `/api/v1/m/notes/notes/42` reaches the notes module as `GET /notes/42`
/// with [`Request::is_page`] false; `/m/notes/` arrives as `GET /` with it true.
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
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            ..Self::default()
        }
    }

    /// Sets the query string (without `?`).
    pub fn with_query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Marks the request as a page request (`/m/{module}/...`).
    pub fn as_page(mut self) -> Self {
        self.page = true;
        self
    }

    /// `GET`, `POST`, ... (upper case).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path below the mount point, starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string without `?` (empty when there is none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Every header as the host passed it.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header with this name (names compare ignoring case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// True for an HTML page (`/m/{module}/...`), false for the JSON API.
    pub fn is_page(&self) -> bool {
        self.page
    }

    /// A path parameter of the matched route (`:id` → `param("id")`;
    /// a final `*rest` → `param("rest")`), percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A path parameter that the route guarantees, or [`Error::NotFound`].
    pub fn require_param(&self, name: &str) -> Result<&str> {
        self.param(name)
            .ok_or_else(|| Error::NotFound(format!("no path parameter {name}")))
    }

    /// The first value of a query parameter, percent-decoded (`+` is a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// Every query parameter in order, percent-decoded.
    pub fn query_params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The query string decoded into `T` (`#[derive(Deserialize)]`); a value
    /// of the wrong shape is [`Error::Invalid`].
    pub fn query_as<T: DeserializeOwned>(&self) -> Result<T> {
        serde_urlencoded::from_str(&self.query)
            .map_err(|e| Error::Invalid(format!("query string: {e}")))
    }

    /// The body decoded as JSON; bad JSON is [`Error::Invalid`] with serde's message.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Invalid(format!("request body: {e}")))
    }

    /// The body decoded as an HTML form (`application/x-www-form-urlencoded`).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T> {
        serde_urlencoded::from_bytes(&self.body).map_err(|e| Error::Invalid(format!("form: {e}")))
    }

    /// Whether the body is a form with files (`multipart/form-data`).
    pub fn is_multipart(&self) -> bool {
        self.header("content-type").is_some_and(|t| {
            t.trim_start()
                .get(..19)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("multipart/form-data"))
        })
    }

    /// The body read as a form with files; see [`crate::Multipart`].
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
    pub fn html(fragment: impl Into<String>) -> Self {
        Self::with_body(200, HTML, fragment.into().into_bytes())
    }

    /// 200 with plain text.
    pub fn text(text: impl Into<String>) -> Self {
        Self::with_body(200, "text/plain; charset=utf-8", text.into().into_bytes())
    }

    /// 200 with a file to save: `content_type` as given (anything that is
    /// not a plain `type/subtype` becomes `application/octet-stream`),
    /// `Content-Disposition: attachment` with the name (ASCII, plus the
    /// exact UTF-8 as `filename*`), and headers that stop a browser from
    /// running what it holds (`nosniff`, a sandboxing CSP).
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
    pub fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// 303 See Other to `location` (after a form post). A path of a page is
    /// written in full, e.g. `/m/notes/`.
    pub fn redirect(location: &str) -> Self {
        Self::no_content().status(303).header("location", location)
    }

    /// The page's title, shown in the browser tab and above the module's
    /// content by the host's app shell (the module's name when not given).
    pub fn page_title(self, title: &str) -> Self {
        self.header(TITLE_HEADER, &percent_encode(title))
    }

    /// A short message the app shell shows on the next page the person
    /// sees, such as "Note added." on the page a form post redirects to.
    pub fn flash(self, message: &str) -> Self {
        self.header(FLASH_HEADER, &percent_encode(message))
    }

    /// Replaces the status.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets a header, replacing one of the same name.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// A header's value (names compare ignoring case).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON (for tests).
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

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
