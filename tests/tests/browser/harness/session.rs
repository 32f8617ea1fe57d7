//! What a test does with a browser session: open pages, fill in and click,
//! read text, wait for things to appear, take screenshots.

use std::future::Future;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use tokio::sync::SemaphorePermit;

use super::{COMMAND_LIMIT, Counted, OpenSessions, POLL, WAIT, end_sessions, lock};

/// One Chromium, closed (and its profile removed) when this is dropped. The
/// helpers panic with what they were looking for and the page they were on.
pub struct Session {
    pub client: Client,
    pub(super) driver: String,
    pub(super) id: String,
    pub(super) sessions: Arc<OpenSessions>,
    // Dropped in this order after `Drop::drop` has closed the Chromium.
    pub(super) _counted: Counted,
    pub(super) _slot: Option<SemaphorePermit<'static>>,
    pub(super) _profile: tempfile::TempDir,
}

impl Session {
    /// Opens `url` and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.run(&format!("open {url}"), self.client.goto(url))
            .await
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        self.run(&format!("clear {css}"), field.clear()).await;
        self.run(&format!("type into {css}"), field.send_keys(text))
            .await
    }

    /// Chooses the local file `path` in the file input matching `css` (one
    /// more file each time, for an input that takes several).
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let input = self.wait_for(css).await;
        let path = path.to_str().expect("a UTF-8 path");
        self.run(&format!("choose {path} in {css}"), input.send_keys(path))
            .await
    }

    /// Clicks the element matching `css` (waiting for it).
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        self.run(&format!("click {css}"), element.click()).await
    }

    /// Clicks the displayed `button` whose text is `text` (ignoring
    /// surrounding and repeated white space).
    pub async fn submit_button(&self, text: &str) {
        let xpath = format!("//button[normalize-space(.)={}]", xpath_literal(text));
        let button = self
            .poll(&format!("a displayed button {text:?}"), async || {
                let buttons = self.client.find_all(Locator::XPath(&xpath)).await.ok()?;
                for button in buttons {
                    if button.is_displayed().await.unwrap_or(false) {
                        return Some(button);
                    }
                }
                None
            })
            .await;
        self.run(&format!("click the button {text:?}"), button.click())
            .await
    }

    /// The rendered text of the element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        self.run(&format!("read the text of {css}"), element.text())
            .await
    }

    /// The element matching `css`, waiting up to 10 s for it to appear.
    pub async fn wait_for(&self, css: &str) -> Element {
        let waiting = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css));
        match tokio::time::timeout(COMMAND_LIMIT, waiting).await {
            Ok(Ok(element)) => element,
            Ok(Err(CmdError::WaitTimeout)) => {
                panic!("no {css} within {WAIT:?} on {}", self.url().await)
            }
            Ok(Err(e)) => panic!("looking for {css} on {}: {e}", self.url().await),
            Err(_) => {
                panic!("the browser did not answer within {COMMAND_LIMIT:?} looking for {css}")
            }
        }
    }

    /// Waits up to 10 s until the text of the element matching `css`
    /// contains `needle`, and gives that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.poll(&format!("{css} containing {needle:?}"), async || {
            let element = self.client.find(Locator::Css(css)).await.ok()?;
            let text = element.text().await.ok()?;
            text.contains(needle).then_some(text)
        })
        .await
    }

    /// Whether an element matches `css` now (without waiting).
    pub async fn has(&self, css: &str) -> bool {
        !self
            .run(
                &format!("look for {css}"),
                self.client.find_all(Locator::Css(css)),
            )
            .await
            .is_empty()
    }

    /// Whether the page is wider than the window (it should never be).
    pub async fn scrolls_sideways(&self) -> bool {
        let wider = self
            .run(
                "measure the page's width",
                self.client.execute(
                    "return document.documentElement.scrollWidth > window.innerWidth;",
                    vec![],
                ),
            )
            .await;
        wider == serde_json::Value::Bool(true)
    }

    /// The path of the page shown, such as `/cases/12`.
    pub async fn current_path(&self) -> String {
        self.run("read the page address", self.client.current_url())
            .await
            .path()
            .to_string()
    }

    /// Saves what the window shows as `screenshot_dir()/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .run("take a screenshot", self.client.screenshot())
            .await;
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Chooses the option with value `value` of the `select` matching `css`.
    pub async fn select_by_value(&self, css: &str, value: &str) {
        let select = self.wait_for(css).await;
        self.run(
            &format!("choose {value:?} in {css}"),
            select.select_by_value(value),
        )
        .await
    }

    /// Ticks (`on`) or unticks the checkbox matching `css`.
    pub async fn check(&self, css: &str, on: bool) {
        let checkbox = self.wait_for(css).await;
        let what = format!("read whether {css} is ticked");
        if self.run(&what, checkbox.is_selected()).await != on {
            self.run(&format!("click {css}"), checkbox.click()).await;
        }
        assert_eq!(
            self.run(&what, checkbox.is_selected()).await,
            on,
            "{css} did not change when clicked"
        );
    }

    /// Ticks the checkbox matching `css` from the keyboard (it takes the
    /// focus, then a space), as a person who tabs through a long form does:
    /// no click for the sticky top bar to intercept.
    pub async fn tick_with_keyboard(&self, css: &str) {
        let checkbox = self.wait_for(css).await;
        let what = format!("read whether {css} is ticked");
        assert!(
            !self.run(&what, checkbox.is_selected()).await,
            "{css} was ticked already"
        );
        self.run(&format!("press space on {css}"), checkbox.send_keys(" "))
            .await;
        assert!(
            self.run(&what, checkbox.is_selected()).await,
            "{css} did not tick with a space"
        );
    }

    /// Signs in through the sign-in page of the server at `base`
    /// (`http://localhost:PORT`) and waits for the dashboard.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/sign-in")).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.submit_button("Sign in").await;
        self.wait_for_text("main h1", "Welcome").await;
    }

    /// Accepts the confirmation a form asks for (`data-confirm`), once it
    /// is showing.
    pub async fn accept_confirmation(&self) {
        for _ in 0..50 {
            if self.client.accept_alert().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no confirmation was asked for");
    }

    /// Runs one WebDriver command, panicking with `what` if it fails or the
    /// browser stops answering.
    async fn run<T>(&self, what: &str, command: impl Future<Output = Result<T, CmdError>>) -> T {
        match tokio::time::timeout(COMMAND_LIMIT, command).await {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => panic!("could not {what} on {}: {e}", self.url().await),
            Err(_) => panic!("the browser did not answer within {COMMAND_LIMIT:?} to: {what}"),
        }
    }

    /// Checks `probe` every 100 ms until it gives a value, for up to 10 s.
    async fn poll<T>(&self, what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(value)) = tokio::time::timeout(COMMAND_LIMIT, probe()).await {
                return value;
            }
            if Instant::now() >= deadline {
                panic!("no {what} within {WAIT:?} on {}", self.url().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The page's address for messages; never panics.
    async fn url(&self) -> String {
        match tokio::time::timeout(Duration::from_secs(5), self.client.current_url()).await {
            Ok(Ok(url)) => url.to_string(),
            Ok(Err(e)) => format!("(unknown page: {e})"),
            Err(_) => "(unknown page: the browser did not answer)".into(),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closes this Chromium before its profile folder is removed, unless
        // the browser was dropped first and closed it already.
        let mut ids = lock(&self.sessions.ids);
        if let Some(at) = ids.iter().position(|id| *id == self.id) {
            ids.remove(at);
            drop(ids);
            end_sessions(&self.driver, vec![self.id.clone()]);
        }
    }
}

/// Runs a test `body` on `session`; if it panics, saves `failed-NAME.png`
/// of the page first and names it (and the page's address) in the panic.
pub async fn scenario(name: &str, session: &Session, body: impl Future<Output = ()>) {
    let Err(payload) = AssertUnwindSafe(body).catch_unwind().await else {
        return;
    };
    let url = session.url().await;
    let shot = match tokio::time::timeout(COMMAND_LIMIT, session.client.screenshot()).await {
        Ok(Ok(png)) => {
            let path = screenshot_dir().join(format!("failed-{name}.png"));
            match std::fs::write(&path, png) {
                Ok(()) => format!("screenshot: {}", path.display()),
                Err(e) => format!("no screenshot: cannot write {}: {e}", path.display()),
            }
        }
        Ok(Err(e)) => format!("no screenshot: {e}"),
        Err(_) => "no screenshot: the browser did not answer".into(),
    };
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    match message {
        Some(message) => panic!("scenario {name} failed: {message}\n  page: {url}\n  {shot}"),
        None => {
            let _ = writeln!(std::io::stderr(), "scenario {name} failed on {url}; {shot}");
            std::panic::resume_unwind(payload)
        }
    }
}

/// Where screenshots go: `screenshots` in Cargo's temporary folder for tests
/// (`target/tmp`, ignored by git), created on demand.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('"') {
        format!("\"{text}\"")
    } else if !text.contains('\'') {
        format!("'{text}'")
    } else {
        let parts: Vec<String> = text.split('"').map(|p| format!("\"{p}\"")).collect();
        format!("concat({})", parts.join(", '\"', "))
    }
}

#[cfg(test)]
mod tests {
    use super::xpath_literal;

    #[test]
    fn xpath_literals_quote_any_text() {
        assert_eq!(xpath_literal("Sign in"), "\"Sign in\"");
        assert_eq!(xpath_literal("Say \"hi\""), "'Say \"hi\"'");
        assert_eq!(
            xpath_literal("It's \"ok\""),
            "concat(\"It's \", '\"', \"ok\", '\"', \"\")"
        );
    }
}
