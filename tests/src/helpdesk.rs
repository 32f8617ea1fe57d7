//! What the helpdesk's end-to-end tests share: people with the roles the
//! helpdesk knows, its settings, and filing, reading and answering tickets
//! through its JSON API.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use serde_json::{Value, json};

use crate::{Api, TestServer};

pub const API: &str = "/api/v1/m/helpdesk";

/// A person with a role of their own holding `permissions`: their client and id.
pub async fn person(
    server: &TestServer,
    admin: &Api,
    email: &str,
    permissions: &[&str],
) -> (Api, String) {
    let role = json!({ "name": format!("Role of {email}"), "permissions": permissions });
    let api = server.sign_in_with_role(admin, role, email).await;
    let me = api.get("/api/v1/me").await.expect_status(200);
    let id = me.body["user"]["id"].as_str().unwrap().to_string();
    (api, id)
}

/// Someone who manages the helpdesk and assigns tickets by hand.
pub async fn boss(server: &TestServer, admin: &Api) -> Api {
    let permissions = [
        "module:helpdesk",
        "helpdesk.manage",
        "helpdesk.ticket.assign",
    ];
    person(server, admin, "boss@example.com", &permissions)
        .await
        .0
}

/// A member of the practice who uses the helpdesk (`module:helpdesk` only).
pub async fn staff(server: &TestServer, admin: &Api, email: &str) -> (Api, String) {
    person(server, admin, email, &["module:helpdesk"]).await
}

/// The people most scenarios need.
pub struct Desk {
    /// `agent@example.com`, responsible for the category.
    pub agent: Api,
    pub agent_id: String,
    /// `req@example.com`, who files tickets.
    pub requester: Api,
    /// A manager of the helpdesk (see [`boss`]).
    pub boss: Api,
}

/// Enables the helpdesk and sets up its [`Desk`], the agent responsible for
/// `category`.
pub async fn desk(server: &TestServer, admin: &Api, category_key: &str) -> Desk {
    admin.set_module("helpdesk", true).await;
    let (agent, agent_id) = staff(server, admin, "agent@example.com").await;
    let (requester, _) = staff(server, admin, "req@example.com").await;
    let boss = boss(server, admin).await;
    configure(&boss, |s| {
        category(s, category_key)["responsible_id"] = json!(agent_id);
    })
    .await;
    Desk {
        agent,
        agent_id,
        requester,
        boss,
    }
}

/// Where the host keeps the helpdesk's settings.
pub const SETTINGS: &str = "/api/v1/modules/helpdesk/settings";

/// Saves the settings (through the host's module settings) after `change`
/// has adjusted the current ones.
pub async fn configure(admin: &Api, change: impl FnOnce(&mut Value)) {
    admin.configure_module("helpdesk", change).await;
}

/// The category `key` in a settings document, to change.
pub fn category<'a>(settings: &'a mut Value, key: &str) -> &'a mut Value {
    settings["categories"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["key"] == key)
        .unwrap()
}

/// Files a ticket through the API as `api`'s person; the ticket.
pub async fn file(api: &Api, subject: &str, category: &str, priority: &str) -> Value {
    api.post(
        &format!("{API}/tickets"),
        json!({ "subject": subject, "description": "Details.", "category": category, "priority": priority }),
    )
    .await
    .expect_status(201)
    .body
}

/// A ticket's detail as `api`'s person sees it.
pub async fn ticket(api: &Api, id: &Value) -> Value {
    api.get(&format!("{API}/tickets/{}", id.as_str().unwrap()))
        .await
        .expect_status(200)
        .body
}

/// Moves a ticket to `status` at its current version; the answer's status.
pub async fn set_status(api: &Api, ticket: &Value, status: &str) -> reqwest::StatusCode {
    let id = ticket["id"].as_str().unwrap();
    let current = api.get(&format!("{API}/tickets/{id}")).await;
    let version = current.body["version"].clone();
    api.post(
        &format!("{API}/tickets/{id}/status"),
        json!({ "status": status, "version": version }),
    )
    .await
    .status
}

/// Replies (or writes an internal note) as `api`'s person; the answer's status.
pub async fn reply(api: &Api, ticket: &Value, body: &str, internal: bool) -> u16 {
    let id = ticket["id"].as_str().unwrap();
    api.post(
        &format!("{API}/tickets/{id}/replies"),
        json!({ "body": body, "internal": internal }),
    )
    .await
    .status
    .as_u16()
}

/// The folios of a list of tickets, sorted.
pub fn folios(list: &Value) -> Vec<String> {
    let mut found: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["folio"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    found
}
