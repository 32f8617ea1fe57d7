//! The app shell. Page handlers and modules render only their own content;
//! the [`frame`] middleware puts it in the shell (title, sidebar, profile
//! drawer, flash message) or, for signed-out pages, in the bare layout. It
//! also turns API-shaped errors on page routes into pages a person can read,
//! sends a signed-out visitor to the sign-in page, and adds the security
//! headers every page gets.

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::assets;
use super::nav::{NavItem, nav_items};
use crate::access::Caller;
use crate::api::ModulePage;
use crate::auth::session;
use crate::error::{AppError, Refusal, Result};
use crate::state::AppState;

/// Which frame a page goes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Sidebar, top bar and profile drawer: for signed-in people.
    Shell,
    /// A centred card: sign-in, password links.
    Bare,
}

/// A page's content and how to frame it; the [`frame`] middleware finishes it.
pub struct Page {
    title: String,
    content: String,
    layout: Layout,
    status: StatusCode,
}

/// What [`frame`] needs to know of a page's response.
#[derive(Clone, Debug)]
struct Framing {
    title: String,
    layout: Layout,
    /// A module's page: its post forms get the session's form token.
    module: bool,
}

/// A message for the next page the session shows, asked for by a handler
/// (usually on the redirect after a form was saved).
#[derive(Clone, Debug)]
pub struct Flash(pub String);

/// Response headers a module page may use to talk to the shell.
const TITLE_HEADER: &str = "x-immcase-title";
const FLASH_HEADER: &str = "x-immcase-flash";

impl Page {
    /// A page in the shell, from a template of its content.
    pub fn new(title: impl Into<String>, content: &impl Template) -> Result<Page> {
        Ok(Page {
            title: title.into(),
            content: content
                .render()
                .map_err(|e| anyhow::anyhow!("rendering a page: {e}"))?,
            layout: Layout::Shell,
            status: StatusCode::OK,
        })
    }

    /// A signed-out page, in the bare layout.
    pub fn bare(title: impl Into<String>, content: &impl Template) -> Result<Page> {
        Ok(Page {
            layout: Layout::Bare,
            ..Page::new(title, content)?
        })
    }

    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.content,
        )
            .into_response();
        response.extensions_mut().insert(Framing {
            title: self.title,
            layout: self.layout,
            module: false,
        });
        response
    }
}

/// A redirect after a form post (303, so the browser follows with GET), with
/// a message for the next page.
pub fn saved(to: &str, message: impl Into<String>) -> Response {
    let mut response = see_other(to);
    response.extensions_mut().insert(Flash(message.into()));
    response
}

/// What a `Location` may not hold as it is: controls, spaces, quotes and
/// angle brackets (and, always, anything beyond ASCII).
const NOT_IN_LOCATION: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`');

/// A 303 to `to`, percent-encoding what a header may not hold: a path built
/// from what a client sent (an id with control characters, say) still
/// makes a redirect instead of a server error.
pub fn see_other(to: &str) -> Response {
    let location = percent_encoding::utf8_percent_encode(to, NOT_IN_LOCATION).to_string();
    Redirect::to(&location).into_response()
}

/// Marks a flash kept as a refusal: error-styled, announced as an alert,
/// one item per line after its headline. (A control character: no message
/// a person or a module header writes starts with it.)
const REFUSAL: char = '\u{1}';

/// Back to `to` with a refusal at the top of the page, in the error style:
/// `headline`, then each of `items` (a file and what happened to it, say).
pub fn refused(to: &str, headline: &str, items: &[String]) -> Response {
    let mut text = format!("{REFUSAL}{headline}");
    for item in items {
        text.push('\n');
        text.push_str(&item.replace('\n', " "));
    }
    saved(to, text)
}

/// A flash message as the shell shows it.
pub struct FlashView {
    pub refusal: bool,
    pub headline: String,
    pub items: Vec<String>,
}

impl FlashView {
    fn of(stored: &str) -> FlashView {
        match stored.strip_prefix(REFUSAL) {
            Some(rest) => {
                let mut lines = rest.lines().map(str::to_owned);
                FlashView {
                    refusal: true,
                    headline: lines.next().unwrap_or_default(),
                    items: lines.collect(),
                }
            }
            None => FlashView {
                refusal: false,
                headline: stored.to_owned(),
                items: Vec::new(),
            },
        }
    }
}

/// Marks a module's answer to a page request: HTML is framed in the shell
/// under the title the module gave (`X-Immcase-Title`) or its name, and
/// `X-Immcase-Flash` becomes the next page's message.
fn mark_module_page(response: &mut Response, module_name: &str) {
    let headers = response.headers_mut();
    let title = take_header(headers, TITLE_HEADER);
    let flash = take_header(headers, FLASH_HEADER);
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let Some(flash) = flash {
        response.extensions_mut().insert(Flash(flash));
    }
    if is_html && !response.status().is_redirection() {
        let title = title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| module_name.to_string());
        response.extensions_mut().insert(Framing {
            title: title.chars().take(120).collect(),
            layout: Layout::Shell,
            module: true,
        });
    }
}

/// A header the SDK wrote: ASCII, with other bytes as `%XX` of UTF-8.
fn take_header(headers: &mut HeaderMap, name: &str) -> Option<String> {
    let value = headers.remove(name)?;
    Some(percent_decode(value.to_str().ok()?))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Template)]
#[template(path = "shell.html")]
struct ShellTemplate<'a> {
    title: &'a str,
    content: &'a str,
    caller: &'a Caller,
    flash: Option<FlashView>,
    main: Vec<NavLink>,
    modules: Vec<NavLink>,
    settings: Vec<NavLink>,
    /// The caller's unread notifications, on the bell.
    unread: i64,
    css: &'a str,
    js: &'a str,
}

#[derive(Template)]
#[template(path = "bare.html")]
struct BareTemplate<'a> {
    title: &'a str,
    content: &'a str,
    css: &'a str,
    js: &'a str,
}

struct NavLink {
    label: String,
    path: String,
    current: bool,
}

fn links(items: &[NavItem], section: &str, path: &str) -> Vec<NavLink> {
    items
        .iter()
        .filter(|i| i.section == section)
        .map(|i| NavLink {
            label: i.label.clone(),
            path: i.path.clone(),
            current: is_current(&i.path, path),
        })
        .collect()
}

/// Whether the sidebar entry `link` is where the person is: the dashboard
/// only at `/`, others at their path and below it.
fn is_current(link: &str, path: &str) -> bool {
    if link == "/" {
        return path == "/";
    }
    let link = link.trim_end_matches('/');
    path == link
        || path
            .strip_prefix(link)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Middleware over the practice routes (inside the session layer): frames
/// pages, renders errors on page routes, and stores flash messages.
pub async fn frame(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/api" || path.starts_with("/api/") {
        return next.run(req).await;
    }
    let caller = req.extensions().get::<Caller>().cloned();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let mut response = next.run(req).await;
    if let Some(module) = response.extensions_mut().remove::<ModulePage>() {
        mark_module_page(&mut response, &module.name);
    }
    let page = PageRequest {
        caller: caller.as_ref(),
        method: &method,
        path: &path,
        target: &target,
    };
    let mut framed = match finish(&state, page, response).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    };
    secure(framed.headers_mut());
    framed
}

struct PageRequest<'a> {
    caller: Option<&'a Caller>,
    method: &'a Method,
    path: &'a str,
    target: &'a str,
}

async fn finish(state: &AppState, page: PageRequest<'_>, response: Response) -> Result<Response> {
    let (mut parts, body) = response.into_parts();
    if let (Some(Flash(message)), Some(caller)) = (parts.extensions.remove::<Flash>(), page.caller)
    {
        session::set_flash(
            state.db.pool(),
            &caller.practice,
            &caller.session_hash,
            Some(&message),
        )
        .await?;
    }
    if let Some(framing) = parts.extensions.remove::<Framing>() {
        let content = read_body(body).await?;
        let html = render(state, &page, &framing, &content).await?;
        return Ok(rebuilt(parts, html));
    }
    if parts.status.is_client_error() || parts.status.is_server_error() {
        let is_json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if is_json {
            let body = read_body(body).await?;
            return error_page(state, &page, parts, &body).await;
        }
    }
    Ok(Response::from_parts(parts, body))
}

async fn read_body(body: Body) -> Result<String> {
    let bytes = axum::body::to_bytes(body, 32 * 1024 * 1024)
        .await
        .map_err(|e| anyhow::anyhow!("reading a page body: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The response with a new HTML body, keeping its status, its other headers
/// and the marker the session layer audits.
fn rebuilt(mut parts: axum::http::response::Parts, html: String) -> Response {
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(html))
}

async fn render(
    state: &AppState,
    page: &PageRequest<'_>,
    framing: &Framing,
    content: &str,
) -> Result<String> {
    let assets = assets::urls();
    let rendered = match (framing.layout, page.caller) {
        (Layout::Shell, Some(caller)) => {
            let with_tokens;
            let content = if framing.module {
                with_tokens = add_form_tokens(content, &caller.form_token);
                with_tokens.as_str()
            } else {
                content
            };
            let items = nav_items(state, caller).await?;
            let flash = caller.flash.as_deref();
            if flash.is_some() {
                session::set_flash(
                    state.db.pool(),
                    &caller.practice,
                    &caller.session_hash,
                    None,
                )
                .await?;
            }
            let unread = crate::notifications::unread_count(
                state.db.pool(),
                &caller.practice,
                &caller.user_id,
            )
            .await?;
            ShellTemplate {
                title: &framing.title,
                content,
                caller,
                unread,
                flash: flash.map(FlashView::of),
                main: links(&items, "main", page.path),
                modules: links(&items, "modules", page.path),
                settings: links(&items, "settings", page.path),
                css: &assets.css,
                js: &assets.js,
            }
            .render()
        }
        _ => BareTemplate {
            title: &framing.title,
            content,
            css: &assets.css,
            js: &assets.js,
        }
        .render(),
    };
    rendered.map_err(|e| AppError::Internal(anyhow::anyhow!("rendering the page frame: {e}")))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    heading: &'a str,
    message: &'a str,
    advice: &'a str,
    signed_in: bool,
}

/// An API error answered to a page request, as a page: a signed-out visitor
/// goes to the sign-in page (and back here after); anything else is shown in
/// words, in the shell when signed in.
async fn error_page(
    state: &AppState,
    page: &PageRequest<'_>,
    parts: axum::http::response::Parts,
    body: &str,
) -> Result<Response> {
    let error: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = error["error"]["code"].as_str().unwrap_or("internal");
    let message = error["error"]["message"]
        .as_str()
        .unwrap_or("something went wrong on the server");
    if parts.status == StatusCode::UNAUTHORIZED {
        let back = if *page.method == Method::GET {
            page.target
        } else {
            "/"
        };
        let to = format!("/sign-in?next={}", urlencode(back));
        let mut response = Redirect::to(&to).into_response();
        if let Some(refusal) = parts.extensions.get::<Refusal>() {
            response.extensions_mut().insert(refusal.clone());
        }
        return Ok(response);
    }
    let permission = error["error"]["permission"].as_str();
    let (heading, advice) = match (code, permission) {
        ("forbidden", Some(p)) if p.starts_with(crate::access::permissions::MODULE_PREFIX) => (
            "You don't have access to this module",
            format!(
                "Your role does not include {p}. If you need this module, ask your practice's administrator."
            ),
        ),
        ("forbidden", Some(p)) => (
            "You don't have access to this page",
            format!(
                "This needs the permission {p}, which your role does not include. Ask your practice's administrator."
            ),
        ),
        ("forbidden", None) if message == crate::access::operators::REFUSAL => (
            "For the server's operators",
            "Whoever runs this server can install the module for you, or make you one of its operators."
                .to_string(),
        ),
        ("forbidden", None) => (
            "This was refused",
            "Reload the page and try again.".to_string(),
        ),
        ("not_found", _) => (
            "Not found",
            "It may have been removed, or the address is mistyped.".to_string(),
        ),
        ("module_failed", _) => (
            "A module failed",
            "The rest of ImmCase works as usual. Try again; if it keeps failing, tell your administrator what you were doing."
                .to_string(),
        ),
        ("conflict", _) => ("This could not be done", String::new()),
        ("too_large", _) => ("Too large", String::new()),
        ("rate_limited", _) => ("Too many attempts", String::new()),
        ("invalid", _) => ("This request could not be used", String::new()),
        _ => (
            "Something went wrong",
            "It has been logged. Try again in a moment.".to_string(),
        ),
    };
    let content = ErrorTemplate {
        heading,
        message,
        advice: &advice,
        signed_in: page.caller.is_some(),
    };
    let title = heading.to_string();
    let layout = if page.caller.is_some() {
        Layout::Shell
    } else {
        Layout::Bare
    };
    let rendered = content
        .render()
        .map_err(|e| anyhow::anyhow!("rendering an error page: {e}"))?;
    let framing = Framing {
        title,
        layout,
        module: false,
    };
    let html = render(state, page, &framing, &rendered).await?;
    Ok(rebuilt(parts, html))
}

/// Puts the form token in every post form of a module's page, so that a
/// module's forms work in the browser without the module handling tokens.
/// Tag and attribute names are matched ignoring case; quoted attribute
/// values may hold `>`.
pub fn add_form_tokens(html: &str, token: &str) -> String {
    let hidden = format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{token}\">",
        crate::api::csrf::FIELD
    );
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 128);
    let mut done = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("<form") {
        let start = from + found;
        let after = start + "<form".len();
        from = after;
        if !lower[after..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>') {
            continue;
        }
        let Some(end) = tag_end(&lower, after) else {
            break;
        };
        if is_post(&lower[after..end]) {
            out.push_str(&html[done..=end]);
            out.push_str(&hidden);
            done = end + 1;
        }
        from = end + 1;
    }
    out.push_str(&html[done..]);
    out
}

/// The index of the `>` that closes the tag whose attributes start at `from`.
fn tag_end(html: &str, from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, b) in html.bytes().enumerate().skip(from) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether a form tag's attributes (lowercased) say `method="post"`.
fn is_post(attributes: &str) -> bool {
    let mut rest = attributes;
    while let Some(at) = rest.find("method") {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_ascii_whitespace());
        let value = rest[at + "method".len()..].trim_start();
        if before_ok && let Some(value) = value.strip_prefix('=') {
            let value = value.trim_start().trim_start_matches(['"', '\'']);
            return value.starts_with("post");
        }
        rest = &rest[at + "method".len()..];
    }
    false
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(value: &str) -> String {
    serde_html_form::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

/// A local path to go to after signing in: only paths of this site (`/x`,
/// never `//host` or a URL), else the dashboard.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.chars().any(|c| c.is_control()) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Headers every page gets: no framing by other sites, scripts and styles
/// only from this server, no sniffing, no caching of personal pages.
fn secure(headers: &mut HeaderMap) {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !is_html {
        return;
    }
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_entry_is_the_longest_matching_path() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/", "/settings/users"));
        assert!(is_current("/settings/users", "/settings/users/abc"));
        assert!(!is_current("/settings/users", "/settings/usersx"));
        assert!(is_current("/m/notes/", "/m/notes/notes/1"));
        assert!(is_current("/m/notes/", "/m/notes"));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            local_path(Some("/settings/users?x=1")),
            "/settings/users?x=1"
        );
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "",
            "x",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn post_forms_of_module_pages_get_the_token() {
        let hidden = r#"<input type="hidden" name="_csrf" value="T">"#;
        let page =
            r#"<form class="a>b" method="post" action="/m/notes/notes"><input name="x"></form>"#;
        assert_eq!(
            add_form_tokens(page, "T"),
            format!(
                r#"<form class="a>b" method="post" action="/m/notes/notes">{hidden}<input name="x"></form>"#
            )
        );
        let upper = "<FORM METHOD=POST><p>1</p></FORM><form method=\"get\"></form>";
        assert_eq!(
            add_form_tokens(upper, "T"),
            format!("<FORM METHOD=POST>{hidden}<p>1</p></FORM><form method=\"get\"></form>")
        );
        for untouched in [
            "<formula>",
            "<form>",
            "<form data-method=\"post\">",
            "<p>&lt;form method=post&gt;</p>",
            "<form method=\"post\"",
        ] {
            assert_eq!(add_form_tokens(untouched, "T"), untouched, "{untouched}");
        }
        let two = "<form method='post'></form><form method='post'></form>";
        assert_eq!(add_form_tokens(two, "T").matches(hidden).count(), 2);
    }

    #[test]
    fn module_headers_are_percent_decoded() {
        assert_eq!(
            percent_decode("Notes %C2%B7 Caf%C3%A9 100%25"),
            "Notes · Café 100%"
        );
        assert_eq!(percent_decode("50% off %zz"), "50% off %zz");
    }

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(
            urlencode("/m/notes/?a=1&b=2"),
            "%2Fm%2Fnotes%2F%3Fa%3D1%26b%3D2"
        );
    }
}
