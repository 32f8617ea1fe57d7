//! What the helpdesk's native tests share: a test host of the module with
//! the practice's people, its settings, and filing a ticket.

#![allow(dead_code)] // Each test binary uses its own share of these.

use helpdesk::Helpdesk;
use immcase_sdk::Caller;
use immcase_sdk::testing::TestHost;
use serde_json::{Value, json};

/// Friday 2026-12-04 16:30 in Toronto (the default business hours' zone).
pub const FRIDAY_1630: i64 = 1_796_419_800_000;
pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// The practice: a requester, the agent responsible for technical support,
/// that category's manager, a colleague, and someone who manages the
/// helpdesk.
pub struct Desk {
    pub host: TestHost<Helpdesk>,
    pub requester: Caller,
    pub agent: Caller,
    pub lead: Caller,
    pub colleague: Caller,
    pub boss: Caller,
}

fn person(host: &TestHost<Helpdesk>, id: &str, name: &str, permissions: &[&str]) -> Caller {
    let caller = Caller::person(id, permissions)
        .named(name)
        .in_time_zone("America/Toronto");
    host.add_person(&caller);
    caller
}

impl Desk {
    /// The helpdesk on Friday afternoon, technical support assigned to the
    /// agent and overseen by the lead.
    pub fn new() -> Self {
        let host = TestHost::<Helpdesk>::new();
        host.set_now(FRIDAY_1630);
        let member = ["module:helpdesk"];
        let desk = Self {
            requester: person(&host, "req", "Rae Quest", &member),
            agent: person(&host, "agent", "Agnes Gent", &member),
            lead: person(&host, "lead", "Lee Dean", &member),
            colleague: person(&host, "colleague", "Col League", &member),
            boss: person(
                &host,
                "boss",
                "Bo Ss",
                &["module:helpdesk", "helpdesk.manage"],
            ),
            host,
        };
        desk.configure(|settings| {
            let tech = category(settings, "technical_support");
            tech["responsible_id"] = json!("agent");
            tech["manager_id"] = json!("lead");
        });
        desk
    }

    /// Changes the settings as the host's settings page saves them: each
    /// one checked against its declaration in plugin.toml.
    pub fn configure(&self, change: impl FnOnce(&mut Value)) {
        let mut settings = Value::Object(self.host.settings());
        change(&mut settings);
        for (name, value) in settings.as_object().into_iter().flatten() {
            self.host.set_setting(name, value);
        }
    }

    /// The requester files a ticket of technical support; its JSON.
    pub fn file(&self, subject: &str, priority: &str) -> Value {
        let filed = self.host.post_json(
            &self.requester,
            "/tickets",
            &json!({
                "subject": subject,
                "description": "It stopped working this morning.",
                "category": "technical_support",
                "priority": priority,
            }),
        );
        self.json(filed, 201)
    }

    /// A ticket as `caller` sees it.
    pub fn ticket(&self, caller: &Caller, id: &Value) -> Value {
        let path = format!("/tickets/{}", id.as_str().unwrap_or_default());
        self.json(self.host.get(caller, &path), 200)
    }

    /// The answer's JSON, after checking its status.
    pub fn json(&self, answer: immcase_sdk::Response, status: u16) -> Value {
        let body = answer.body_json().unwrap_or(Value::Null);
        assert_eq!(answer.status_code(), status, "{body}");
        body
    }

    /// The subjects of the mail sent to `person_id`.
    pub fn mail_to(&self, person_id: &str) -> Vec<String> {
        let address = format!("{person_id}@example.com");
        self.host
            .mail()
            .into_iter()
            .filter(|m| m.to == address)
            .map(|m| m.subject)
            .collect()
    }

    /// The mail sent to `person_id`, as (subject, body).
    pub fn mails_to(&self, person_id: &str) -> Vec<(String, String)> {
        let address = format!("{person_id}@example.com");
        self.host
            .mail()
            .into_iter()
            .filter(|m| m.to == address)
            .map(|m| (m.subject, m.body))
            .collect()
    }

    /// The body of the last mail to `person_id` whose subject has `what`.
    pub fn last_mail(&self, person_id: &str, what: &str) -> String {
        self.mails_to(person_id)
            .into_iter()
            .rev()
            .find(|(subject, _)| subject.contains(what))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("no mail {what:?} to {person_id}"))
    }

    /// `POST /tickets/{id}/{action}` with `body` plus the ticket's current
    /// version, as `caller`.
    pub fn change(
        &self,
        caller: &Caller,
        id: &Value,
        action: &str,
        mut body: Value,
    ) -> immcase_sdk::Response {
        let id = id.as_str().unwrap_or_default();
        let current = self.ticket(&self.boss, &json!(id));
        body["version"] = current["version"].clone();
        self.host
            .post_json(caller, &format!("/tickets/{id}/{action}"), &body)
    }

    /// The names of the events emitted so far.
    pub fn events(&self) -> Vec<String> {
        self.host.events().into_iter().map(|e| e.name).collect()
    }
}

/// The category `key` in the settings' JSON.
pub fn category<'a>(settings: &'a mut Value, key: &str) -> &'a mut Value {
    settings["categories"]
        .as_array_mut()
        .and_then(|all| all.iter_mut().find(|c| c["key"] == key))
        .unwrap_or_else(|| panic!("no category {key}"))
}
