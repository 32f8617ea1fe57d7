//! The helpdesk's handlers on the SDK's native test host: filing a ticket,
//! who may see and change it, replies, status changes and refused input.

mod common;

use common::Desk;
use immcase_sdk::Caller;
use immcase_sdk::testing::PRACTICE_URL;
use serde_json::json;

#[test]
fn filing_a_ticket_numbers_stores_announces_indexes_and_mails_it() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = ticket["id"].as_str().expect("an id").to_owned();
    assert_eq!(ticket["folio"], "TKT001");
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["requester_id"], "req");
    assert_eq!(ticket["assignee_id"], "agent", "assigned by its category");
    assert_eq!(desk.file("Scanner too", "low")["folio"], "TKT002");

    let stored = desk.host.document("tickets", &id).expect("stored");
    assert_eq!(stored.data["subject"], "Printer jammed");
    assert_eq!(stored.version, ticket["version"].as_u64().expect("version"));

    let created = &desk.host.events()[0];
    assert_eq!(created.name, "helpdesk.ticket.created");
    assert_eq!(created.payload["folio"], "TKT001");
    assert_eq!(desk.events()[1], "helpdesk.ticket.assigned");

    let search = desk.host.search_docs();
    let entry = search.iter().find(|d| d.entry.id == id).expect("in search");
    assert!(entry.entry.title.contains("TKT001"), "{:?}", entry.entry);
    assert_eq!(entry.entry.path, format!("/tickets/{id}"));
    assert_eq!(entry.entry.permission.as_deref(), Some("helpdesk.manage"));
    let readers = entry.readers.clone().unwrap_or_default();
    for reader in ["req", "agent", "lead"] {
        assert!(readers.iter().any(|r| r == reader), "{reader}: {readers:?}");
    }

    assert!(desk.mail_to("agent")[0].contains("Assigned to you: Printer jammed"));
    assert!(desk.mail_to("req")[0].contains("Received: Printer jammed"));
    // Every mail links to the ticket's page, with the practice's address.
    let link = format!("The ticket: {PRACTICE_URL}/m/helpdesk/tickets/{id}\n");
    let mail = desk.host.mail();
    assert_eq!(mail.len(), 4, "two for each of the two tickets");
    for sent in &mail[..2] {
        assert!(sent.body.ends_with(&link), "{}", sent.body);
    }
    assert!(
        desk.host
            .timers()
            .iter()
            .any(|t| t.key == format!("sla:{id}")),
        "the SLA clock's wake-up is set"
    );
}

#[test]
fn bad_input_is_refused_field_by_field_and_keeps_nothing() {
    let desk = Desk::new();
    let before = (desk.host.events().len(), desk.host.mail().len());
    let refused = desk.host.post_json(
        &desk.requester,
        "/tickets",
        &json!({ "subject": " ", "description": "x", "category": "catering", "priority": "now" }),
    );
    let body = desk.json(refused, 422);
    let fields = &body["error"]["fields"];
    assert_eq!(fields["subject"], "required");
    assert!(fields["category"].is_string(), "{body}");
    assert!(fields["priority"].is_string(), "{body}");
    assert!(desk.host.documents("tickets").is_empty());
    assert_eq!((desk.host.events().len(), desk.host.mail().len()), before);

    let not_json = desk.host.request(
        &desk.requester,
        immcase_sdk::Request::new("POST", "/tickets").with_body("{"),
    );
    assert_eq!(not_json.status_code(), 422);
}

#[test]
fn people_reach_only_what_is_theirs() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let path = format!("/tickets/{}", ticket["id"].as_str().unwrap_or_default());

    let outsider = Caller::person("out", &[]);
    assert_eq!(desk.host.get(&outsider, &path).status_code(), 403);
    // A colleague of the practice does not see someone else's ticket.
    assert_eq!(desk.host.get(&desk.colleague, &path).status_code(), 404);
    let list = desk.json(desk.host.get(&desk.colleague, "/tickets"), 200);
    assert_eq!(list["items"], json!([]));
    // The requester, the agent, the category's manager and the boss do.
    for who in [&desk.requester, &desk.agent, &desk.lead, &desk.boss] {
        assert_eq!(desk.host.get(who, &path).status_code(), 200, "{who:?}");
    }
    // Only the people handling it write internal notes.
    let note = desk.host.post_json(
        &desk.requester,
        &format!("{path}/replies"),
        &json!({ "body": "psst", "internal": true }),
    );
    let body = desk.json(note, 403);
    assert_eq!(
        body["error"]["message"],
        "only the people handling a ticket write internal notes"
    );
    // Only the person handling it resolves it.
    let resolve = desk.host.post_json(
        &desk.requester,
        &format!("{path}/status"),
        &json!({ "status": "resolved", "version": ticket["version"] }),
    );
    desk.json(resolve, 403);
    // The settings page is the boss's: others are refused before the
    // host's form.
    desk.json(desk.host.get_page(&desk.agent, "/settings"), 403);
    let to_form = desk.host.get_page(&desk.boss, "/settings");
    assert_eq!(to_form.status_code(), 303);
    assert_eq!(
        to_form.header_value("location"),
        Some(helpdesk::SETTINGS_PAGE)
    );
    assert_eq!(desk.ticket(&desk.agent, &ticket["id"])["status"], "open");
}

#[test]
fn a_conversation_moves_the_ticket_and_tells_the_other_side() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    let path = format!("/tickets/{}", id.as_str().unwrap_or_default());

    // The agent's first reply starts the work.
    let reply = desk.host.post_json(
        &desk.agent,
        &format!("{path}/replies"),
        &json!({ "body": "Which printer?" }),
    );
    let reply = desk.json(reply, 201);
    assert_eq!(reply["ticket"]["status"], "in_progress");
    assert!(desk.mail_to("req").iter().any(|s| s.contains("New reply")));
    let note = desk.host.post_json(
        &desk.agent,
        &format!("{path}/replies"),
        &json!({ "body": "Probably the old one", "internal": true }),
    );
    desk.json(note, 201);

    // The requester sees the reply but not the internal note.
    let seen = desk.ticket(&desk.requester, id);
    let bodies: Vec<&str> = seen["replies"]
        .as_array()
        .expect("replies")
        .iter()
        .filter_map(|r| r["body"].as_str())
        .collect();
    assert_eq!(bodies, ["Which printer?"]);
    assert_eq!(
        desk.ticket(&desk.agent, id)["replies"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Waiting on the requester, until they answer.
    let version = desk.ticket(&desk.agent, id)["version"].clone();
    let waiting = desk.host.post_json(
        &desk.agent,
        &format!("{path}/status"),
        &json!({ "status": "waiting_on_requester", "version": version }),
    );
    assert_eq!(desk.json(waiting, 200)["status"], "waiting_on_requester");
    let answer = desk.host.post_json(
        &desk.requester,
        &format!("{path}/replies"),
        &json!({ "body": "The one on the 2nd floor" }),
    );
    assert_eq!(desk.json(answer, 201)["ticket"]["status"], "in_progress");

    // A stale version is a conflict naming the current one.
    let stale = desk.host.post_json(
        &desk.agent,
        &format!("{path}/status"),
        &json!({ "status": "resolved", "version": version }),
    );
    let body = desk.json(stale, 409);
    assert!(
        body["error"]["current"]["version"].as_u64() > version.as_u64(),
        "{body}"
    );

    let current = desk.ticket(&desk.agent, id)["version"].clone();
    let resolved = desk.host.post_json(
        &desk.agent,
        &format!("{path}/status"),
        &json!({ "status": "resolved", "version": current }),
    );
    assert_eq!(desk.json(resolved, 200)["status"], "resolved");
    let moves: Vec<(String, String)> = desk
        .host
        .events()
        .iter()
        .filter(|e| e.name == "helpdesk.ticket.status_changed")
        .map(|e| (e.payload["from"].to_string(), e.payload["to"].to_string()))
        .collect();
    assert_eq!(
        moves.last(),
        Some(&("\"in_progress\"".to_owned(), "\"resolved\"".to_owned()))
    );
    assert!(
        desk.mail_to("req")
            .iter()
            .any(|s| s.contains("Now resolved"))
    );
}

#[test]
fn workflows_file_tickets_through_the_action() {
    let desk = Desk::new();
    let filed = desk
        .host
        .call_action(
            &Caller::host(),
            "create-ticket",
            &json!({ "requester_id": "req", "subject": "From a workflow",
                     "description": "Filed for Rae", "category": "technical_support",
                     "priority": "medium" }),
        )
        .expect("filed");
    assert_eq!(filed["requester_id"], "req");
    assert_eq!(filed["folio"], "TKT001");
    let nobody = desk.host.call_action(
        &Caller::host(),
        "create-ticket",
        &json!({ "requester_id": "ghost", "subject": "x", "description": "y",
                 "category": "technical_support", "priority": "medium" }),
    );
    assert_eq!(nobody.map_err(|e| e.status()), Err(422));
    assert_eq!(
        desk.host.documents("tickets").len(),
        1,
        "the refused one kept nothing"
    );
}
