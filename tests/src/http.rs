//! A small HTTP client for the API: JSON in and out, a cookie jar per client,
//! the CSRF header on state-changing requests, and any practice's host name.

use std::net::SocketAddr;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A response: status, headers and the body parsed as JSON (Null when empty
/// or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// [`Resp::read`], `None` when the body did not arrive whole.
    async fn try_read(res: reqwest::Response) -> Option<Resp> {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Some(Resp {
            status,
            headers,
            body,
            text,
        })
    }

    /// The value of the first hidden `_csrf` field of an HTML page.
    pub fn form_token(&self) -> String {
        let start = self
            .text
            .find("name=\"_csrf\" value=\"")
            .unwrap_or_else(|| panic!("no form token in the page: {}", self.text))
            + "name=\"_csrf\" value=\"".len();
        let end = self.text[start..].find('"').expect("end of the token");
        self.text[start..start + end].to_string()
    }

    /// The value of the first hidden input named `name` of an HTML page,
    /// unescaped.
    #[track_caller]
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("type=\"hidden\" name=\"{name}\" value=\"");
        let start = self
            .text
            .find(&marker)
            .unwrap_or_else(|| panic!("no hidden {name} in the page: {}", self.text))
            + marker.len();
        let end = self.text[start..].find('"').expect("end of the value");
        self.text[start..start + end]
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    #[track_caller]
    pub fn expect_status(self, status: u16) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// The error code of an API error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The session id a response sets, if it sets one.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("immcase_session="))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
    }
}

impl Api {
    pub fn new(addr: SocketAddr, practice: Option<&str>) -> Api {
        Self::build(addr, practice, true, None)
    }

    /// A client that keeps no cookies and sends `session` as its cookie.
    pub fn with_session(addr: SocketAddr, practice: Option<&str>, session: &str) -> Api {
        Self::build(addr, practice, false, Some(session))
    }

    fn build(addr: SocketAddr, practice: Option<&str>, jar: bool, session: Option<&str>) -> Api {
        let host = match practice {
            Some(slug) => format!("{slug}.localhost"),
            None => "localhost".to_string(),
        };
        let mut headers = HeaderMap::new();
        if let Some(s) = session {
            headers.insert(
                "cookie",
                HeaderValue::from_str(&format!("immcase_session={s}")).expect("cookie"),
            );
        }
        // reqwest's TLS (unused here, but built) takes the process's provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // Redirects are answers to check (a page's 303), not to follow.
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(jar)
            .default_headers(headers)
            .resolve(&host, addr)
            .build()
            .expect("http client");
        Api {
            http,
            base: format!("http://{host}:{}", addr.port()),
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>, csrf: bool) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if csrf {
            req = req.header("x-requested-with", "immcase");
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("the server answers");
        Resp::read(res).await
    }

    /// Posts `body` as `content_type` (an iCalendar file, say), as API
    /// clients do: with the CSRF header.
    pub async fn send_text(&self, path: &str, content_type: &str, body: &str) -> Resp {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-requested-with", "immcase")
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("the server answers");
        Resp::read(res).await
    }

    /// Posts `body` as `content_type` (a PDF, say), as API clients do:
    /// with the CSRF header.
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send_bytes(Method::POST, path, content_type, body)
            .await
    }

    /// Posts raw bytes with `headers`, as a mail server piping a message
    /// does: no session, no CSRF header.
    pub async fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "message/rfc822")
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Resp::read(req.send().await.expect("the server answers")).await
    }

    /// Posts JSON as API clients do (with the CSRF header), adding
    /// `headers` (an `X-Forwarded-For`, say).
    pub async fn post_with_headers(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-requested-with", "immcase")
            .json(&body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Resp::read(req.send().await.expect("the server answers")).await
    }

    /// Posts an HTML form (urlencoded), as a browser does: no CSRF header,
    /// so the form must carry its `_csrf` token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        Resp::read(res).await
    }

    /// Posts a multipart form. With `csrf` the CSRF header is sent, as API
    /// clients do; without it, as a browser form, the form carries `_csrf`.
    pub async fn multipart(&self, path: &str, form: reqwest::multipart::Form, csrf: bool) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form);
        if csrf {
            req = req.header("x-requested-with", "immcase");
        }
        Resp::read(req.send().await.expect("the server answers")).await
    }

    /// Posts `body` as JSON with the CSRF header; `None` when no answer
    /// came (the server died meanwhile), instead of failing the test.
    pub async fn try_post(&self, path: &str, body: Value) -> Option<Resp> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-requested-with", "immcase")
            .json(&body);
        let res = req.send().await.ok()?;
        Resp::try_read(res).await
    }

    /// Uploads one file to an owner's files route; `None` when no answer
    /// came (the server died meanwhile), instead of failing the test.
    pub async fn try_upload(&self, path: &str, name: &str, bytes: &[u8]) -> Option<Resp> {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-requested-with", "immcase")
            .multipart(form);
        let res = req.send().await.ok()?;
        Resp::try_read(res).await
    }

    /// Uploads files (`name`, contents) to an owner's files route, in
    /// `folder` when given.
    pub async fn upload(&self, path: &str, files: &[(&str, &[u8])], folder: Option<&str>) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        if let Some(folder) = folder {
            form = form.text("folder", folder.to_string());
        }
        for (name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
            form = form.part("file", part);
        }
        self.multipart(path, form, true).await
    }

    /// A download: status, headers and the raw bytes.
    pub async fn download(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers");
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.bytes().await.expect("the body").to_vec();
        (status, headers, bytes)
    }

    /// Sends `body` as `content_type` with `method` (an image `PUT`, say),
    /// as API clients do: with the CSRF header.
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-requested-with", "immcase")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        Resp::read(res).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, false).await
    }

    /// A `GET` with extra request headers.
    pub async fn get_with_headers(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        Resp::read(req.send().await.expect("the server answers")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body), true).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(body), true).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body), true).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None, true).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/sign-in",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }
}

/// Percent-encodes a form field.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
