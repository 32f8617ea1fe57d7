//! What the video calls' native tests share: the module on the SDK's test
//! host, the practice's people, secured settings, and reading links back
//! from pages.

#![allow(dead_code)] // Each test binary uses its own share of these.

use immcase_sdk::testing::TestHost;
use immcase_sdk::{Caller, Response};
use serde_json::{Value, json};
use video_calls::VideoCalls;

/// Friday 2026-12-04 21:30 UTC.
pub const NOW: i64 = 1_796_419_800_000;
pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

pub const APP_ID: &str = "immcase";
pub const SECRET: &str = "the secret shared with the practice's Jitsi server";

pub struct Practice {
    pub host: TestHost<VideoCalls>,
    /// A consultant who uses video calls.
    pub ana: Caller,
    /// A colleague who uses video calls.
    pub bo: Caller,
    /// Someone who manages video calls.
    pub boss: Caller,
    /// Someone of the practice without video calls.
    pub clerk: Caller,
}

fn person(host: &TestHost<VideoCalls>, id: &str, name: &str, permissions: &[&str]) -> Caller {
    let caller = Caller::person(id, permissions)
        .named(name)
        .in_time_zone("America/Toronto");
    host.add_person(&caller);
    caller
}

impl Practice {
    pub fn new() -> Self {
        let host = TestHost::<VideoCalls>::new();
        host.set_now(NOW);
        let member = ["module:video-calls"];
        Self {
            ana: person(&host, "ana", "Ana Díaz", &member),
            bo: person(&host, "bo", "Bo Lee", &member),
            boss: person(
                &host,
                "boss",
                "Bea Boss",
                &["module:video-calls", "video-calls.manage"],
            ),
            clerk: person(&host, "clerk", "Cy Clerk", &["module:helpdesk"]),
            host,
        }
    }

    /// The practice's own Jitsi server, with token authentication.
    pub fn secured(self) -> Self {
        self.host
            .set_setting("base_url", "https://meet.example.com");
        self.host.set_setting("jwt_app_id", APP_ID);
        self.host.set_setting("jwt_secret", SECRET);
        self.host.set_setting("token_minutes", 120);
        self
    }

    /// `create-meeting` as `caller`; its answer.
    pub fn create(&self, caller: &Caller, input: Value) -> Value {
        self.host
            .call_action(caller, "create-meeting", &input)
            .unwrap_or_else(|e| panic!("create-meeting: {e}"))
    }

    /// An interview tomorrow at this time, for an hour, of event `ev-1`.
    pub fn interview(&self, caller: &Caller) -> Value {
        self.create(
            caller,
            json!({
                "title": "Visa interview: Ana Díaz",
                "starts_at": NOW + DAY,
                "ends_at": NOW + DAY + HOUR,
                "event_id": "ev-1",
            }),
        )
    }

    /// The call's page as `caller` sees it.
    pub fn page(&self, caller: &Caller, id: &Value) -> String {
        let path = format!("/rooms/{}", id.as_str().unwrap_or_default());
        let page = self.host.get_page(caller, &path);
        assert_eq!(page.status_code(), 200, "{}", body(&page));
        body(&page)
    }
}

pub fn body(response: &Response) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

/// The JSON of an answer, after checking its status.
pub fn json(response: Response, status: u16) -> Value {
    let body = response.body_json().unwrap_or(Value::Null);
    assert_eq!(response.status_code(), status, "{body}");
    body
}

/// The value of attribute `name` of the element whose id is `id`, with
/// `&amp;` read back.
pub fn attribute(html: &str, id: &str, name: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..at].rfind('<').unwrap_or(0);
    let end = at + html[at..].find('>').unwrap_or(html.len() - at);
    let element = &html[start..end];
    let marker = format!("{name}=\"");
    let value = element
        .find(&marker)
        .map(|i| &element[i + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {name} on #{id}: {element}"));
    value.replace("&amp;", "&")
}
