//! After filing, on the SDK's native test host: mails that say what
//! happened in words and link to the ticket; the priority and category
//! changed by the people handling a ticket; a manager's escalation with
//! new deadlines, its SLA alerts still announced once; each change on the
//! ticket's history and announced as an event.

mod common;

use common::{Desk, FRIDAY_1630, HOUR, MINUTE};
use immcase_sdk::Request;
use immcase_sdk::testing::PRACTICE_URL;
use serde_json::{Value, json};

fn fire(desk: &Desk) {
    for fired in desk.host.run_due_timers() {
        assert_eq!(fired.result, Ok(()), "timer {}", fired.key);
    }
}

/// Technical support's tickets go to the agent; case support's to the
/// colleague.
fn desk_with_case_support() -> Desk {
    let desk = Desk::new();
    desk.configure(|settings| {
        common::category(settings, "case_support")["responsible_id"] = json!("colleague");
    });
    desk
}

fn events_named(desk: &Desk, name: &str) -> Vec<Value> {
    desk.host
        .events()
        .into_iter()
        .filter(|e| e.name == name)
        .map(|e| e.payload)
        .collect()
}

fn count(desk: &Desk, person: &str, what: &str) -> usize {
    desk.mails_to(person)
        .iter()
        .filter(|(subject, _)| subject.contains(what))
        .count()
}

#[test]
fn every_mail_says_what_happened_in_words_and_links_its_ticket() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = ticket["id"].as_str().expect("id").to_owned();

    let assigned = desk.last_mail("agent", "[TKT001] Assigned to you: Printer jammed");
    for said in [
        "Rae Quest filed a ticket in Technical support, with high priority, and it is assigned to you.",
        "TKT001 Printer jammed\nTechnical support, high priority, open, assigned to Agnes Gent.",
        // High: 4 business hours to answer, 16 to resolve, from Friday 16:30.
        "First response due by Monday 2026-12-07 12:30 (America/Toronto).",
        "Resolution due by Tuesday 2026-12-08 16:30 (America/Toronto).",
        "It stopped working this morning.",
    ] {
        assert!(assigned.contains(said), "{said:?} in {assigned}");
    }
    let received = desk.last_mail("req", "Received");
    assert!(
        received.starts_with("Your ticket TKT001 was received. Agnes Gent will handle it."),
        "{received}"
    );

    let path = format!("/tickets/{id}");
    let reply = desk.host.post_json(
        &desk.agent,
        &format!("{path}/replies"),
        &json!({ "body": "Which printer?" }),
    );
    desk.json(reply, 201);
    let replied = desk.last_mail("req", "New reply");
    assert!(
        replied.starts_with(
            "Agnes Gent replied on TKT001:\n\nWhich printer?\n\nThe ticket is now in progress."
        ),
        "{replied}"
    );
    desk.json(
        desk.change(
            &desk.agent,
            &ticket["id"],
            "status",
            json!({"status": "resolved"}),
        ),
        200,
    );
    let resolved = desk.last_mail("req", "[TKT001] Now resolved: Printer jammed");
    assert!(
        resolved.starts_with("Agnes Gent moved TKT001 from in progress to resolved."),
        "{resolved}"
    );
    assert!(
        resolved.contains("otherwise it closes by itself after 7 days"),
        "{resolved}"
    );
    assert!(resolved.contains("Resolution: target met."), "{resolved}");
    assert!(
        desk.mails_to("agent")
            .iter()
            .all(|(s, _)| !s.contains("resolved")),
        "not to the person who did it"
    );

    // Every mail names the category by its label and ends with the link.
    let link = format!("The ticket: {PRACTICE_URL}/m/helpdesk/tickets/{id}\n");
    let mail = desk.host.mail();
    assert_eq!(mail.len(), 4);
    for sent in mail {
        assert!(sent.body.ends_with(&link), "{}", sent.body);
        assert!(!sent.body.contains("technical_support"), "{}", sent.body);
    }
}

#[test]
fn the_people_handling_a_ticket_change_its_priority_and_its_deadlines_follow() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    let sla = |desk: &Desk| desk.ticket(&desk.agent, id)["sla"].clone();
    assert_eq!(sla(&desk)["resolution"]["due_at"], "2026-12-08T21:30:00Z");

    let refused = desk.change(
        &desk.requester,
        id,
        "priority",
        json!({"priority": "urgent"}),
    );
    let body = desk.json(refused, 403);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("ask them, or a manager to escalate it")),
        "{body}"
    );

    let raised = desk.change(&desk.agent, id, "priority", json!({"priority": "urgent"}));
    assert_eq!(desk.json(raised, 200)["priority"], "urgent");
    // Urgent: 1 business hour to answer and 8 to resolve, from Friday 16:30.
    assert_eq!(
        sla(&desk)["first_response"]["due_at"],
        "2026-12-07T14:30:00Z"
    );
    assert_eq!(sla(&desk)["resolution"]["due_at"], "2026-12-07T21:30:00Z");
    let sla_key = format!("sla:{}", id.as_str().unwrap_or_default());
    let wake = desk.host.timers().into_iter().find(|t| t.key == sla_key);
    assert_eq!(
        wake.map(|t| t.due_at),
        Some(FRIDAY_1630 + 64 * HOUR + 48 * MINUTE),
        "the warning of the new first-response target"
    );
    let history = desk.ticket(&desk.agent, id)["history"].clone();
    assert_eq!(
        history.as_array().and_then(|h| h.last()),
        Some(
            &json!({"at": "2026-12-04T21:30:00Z", "by_id": "agent", "by_name": "Agnes Gent",
                     "change": "priority", "from": "high", "to": "urgent"})
        )
    );
    let changed = events_named(&desk, "helpdesk.ticket.priority_changed");
    assert_eq!(
        (&changed[0]["from"], &changed[0]["to"], &changed[0]["by"]),
        (&json!("high"), &json!("urgent"), &json!("agent"))
    );
    let told = desk.last_mail("req", "[TKT001] Priority raised to urgent: Printer jammed");
    assert!(
        told.starts_with("Agnes Gent raised the priority of TKT001 from high to urgent"),
        "{told}"
    );
    assert!(
        told.contains("First response due by Monday 2026-12-07 09:30 (America/Toronto)."),
        "{told}"
    );
    assert_eq!(count(&desk, "agent", "Priority"), 0, "not to who did it");

    let same = desk.change(&desk.agent, id, "priority", json!({"priority": "urgent"}));
    let body = desk.json(same, 422);
    assert_eq!(
        body["error"]["fields"]["priority"],
        "The ticket's priority is already urgent."
    );
    let stale = desk.host.post_json(
        &desk.agent,
        &format!("/tickets/{}/priority", id.as_str().unwrap_or_default()),
        &json!({"priority": "low", "version": ticket["version"]}),
    );
    desk.json(stale, 409);
    // The category's manager lowers it.
    let lowered = desk.change(&desk.lead, id, "priority", json!({"priority": "low"}));
    assert_eq!(desk.json(lowered, 200)["priority"], "low");
    assert!(
        desk.last_mail("agent", "Priority lowered to low")
            .starts_with("Lee Dean lowered the priority of TKT001 from urgent to low")
    );

    // A closed ticket takes no more changes.
    desk.json(
        desk.change(&desk.agent, id, "status", json!({"status": "resolved"})),
        200,
    );
    desk.json(
        desk.change(&desk.requester, id, "status", json!({"status": "closed"})),
        200,
    );
    desk.json(
        desk.change(&desk.lead, id, "priority", json!({"priority": "high"})),
        409,
    );
}

#[test]
fn a_ticket_moved_to_another_category_goes_to_its_people() {
    let desk = desk_with_case_support();
    let ticket = desk.file("Which form for a visitor visa?", "medium");
    let id = &ticket["id"];
    let refused = desk.change(
        &desk.requester,
        id,
        "category",
        json!({"category": "case_support"}),
    );
    desk.json(refused, 403);
    desk.configure(|settings| {
        common::category(settings, "other")["active"] = json!(false);
    });
    let inactive = desk.change(&desk.agent, id, "category", json!({"category": "other"}));
    let body = desk.json(inactive, 422);
    assert_eq!(
        body["error"]["fields"]["category"],
        "must be one of technical_support, case_support, improvement_suggestion"
    );

    let moved = desk.change(
        &desk.agent,
        id,
        "category",
        json!({"category": "case_support"}),
    );
    let moved = desk.json(moved, 200);
    assert_eq!(
        (&moved["category"], &moved["assignee_id"]),
        (&json!("case_support"), &json!("colleague"))
    );
    let history = &moved["history"];
    assert_eq!(history[0]["change"], "category");
    assert_eq!(
        (
            &history[1]["change"],
            &history[1]["from"],
            &history[1]["to"]
        ),
        (&json!("assigned"), &json!("agent"), &json!("colleague"))
    );
    let changed = events_named(&desk, "helpdesk.ticket.category_changed");
    assert_eq!(
        (&changed[0]["from"], &changed[0]["to"]),
        (&json!("technical_support"), &json!("case_support"))
    );
    assert_eq!(
        events_named(&desk, "helpdesk.ticket.assigned")
            .last()
            .map(|e| e["previous_assignee_id"].clone()),
        Some(json!("agent"))
    );
    for person in ["colleague", "req"] {
        let told = desk.last_mail(person, "[TKT001] Moved to Case support");
        assert!(
            told.starts_with(
                "Agnes Gent moved TKT001 from Technical support to Case support. It is now assigned to Col League."
            ),
            "{told}"
        );
    }
    assert_eq!(count(&desk, "agent", "Moved"), 0);
    // The agent handed it over: it is no longer theirs to see.
    let path = format!("/tickets/{}", id.as_str().unwrap_or_default());
    assert_eq!(desk.host.get(&desk.agent, &path).status_code(), 404);
}

#[test]
fn a_manager_escalates_and_the_new_deadlines_are_announced_once() {
    let desk = desk_with_case_support();
    let ticket = desk.file("Printer jammed", "high");
    let id = &ticket["id"];
    fire(&desk);
    let escalation = json!({"assignee_id": "colleague", "reason": "The client flies tomorrow."});
    let agent = desk.change(&desk.agent, id, "escalate", escalation.clone());
    let body = desk.json(agent, 403);
    assert_eq!(
        body["error"]["message"],
        "Only a manager of the ticket's category (or of the helpdesk) escalates a ticket."
    );

    // Monday 11:45: the first response (4h, high) was warned about at 11:42.
    desk.host.advance(67 * HOUR + 15 * MINUTE);
    fire(&desk);
    assert_eq!(
        (
            count(&desk, "agent", "SLA warning"),
            count(&desk, "lead", "SLA warning")
        ),
        (1, 1)
    );

    let lower = desk.change(&desk.lead, id, "escalate", json!({"priority": "low"}));
    desk.json(lower, 422);
    let ghost = desk.change(&desk.lead, id, "escalate", json!({"assignee_id": "ghost"}));
    let body = desk.json(ghost, 422);
    assert_eq!(
        body["error"]["fields"]["assignee_id"],
        "must be an active person of the practice"
    );

    // One step up, to the colleague. Urgent answers within the hour: 3h15
    // of business time have passed, so the first response is breached now.
    let escalated = desk.change(&desk.lead, id, "escalate", escalation);
    let escalated = desk.json(escalated, 200);
    assert_eq!(
        (&escalated["priority"], &escalated["assignee_id"]),
        (&json!("urgent"), &json!("colleague"))
    );
    let last = escalated["history"]
        .as_array()
        .and_then(|h| h.last())
        .cloned();
    assert_eq!(
        last,
        Some(
            json!({"at": "2026-12-07T16:45:00Z", "by_id": "lead", "by_name": "Lee Dean",
                    "change": "escalated", "from": "high", "to": "urgent",
                    "previous_assignee_id": "agent", "assignee_id": "colleague",
                    "reason": "The client flies tomorrow."})
        )
    );
    let names: Vec<String> = desk.events().into_iter().rev().take(4).collect();
    assert_eq!(
        names,
        [
            "helpdesk.ticket.assigned",
            "helpdesk.ticket.priority_changed",
            "helpdesk.ticket.escalated",
            "helpdesk.ticket.sla_breached",
        ]
    );
    let said = events_named(&desk, "helpdesk.ticket.escalated");
    assert_eq!(
        (
            &said[0]["from"],
            &said[0]["to"],
            &said[0]["by"],
            &said[0]["reason"]
        ),
        (
            &json!("high"),
            &json!("urgent"),
            &json!("lead"),
            &json!("The client flies tomorrow.")
        )
    );
    for person in ["req", "agent", "colleague"] {
        let told = desk.last_mail(person, "[TKT001] Escalated: Printer jammed");
        for line in [
            "Lee Dean escalated TKT001 in Technical support: priority raised from high to urgent, and it is now assigned to Col League (was Agnes Gent).",
            "Why: The client flies tomorrow.",
            "Technical support, urgent priority, open, assigned to Col League.",
            "First response: target missed, it was due by Monday 2026-12-07 09:30 (America/Toronto).",
            "Resolution due by Monday 2026-12-07 16:30 (America/Toronto).",
        ] {
            assert!(told.contains(line), "{person}: {line:?} in {told}");
        }
    }
    assert_eq!(
        count(&desk, "lead", "Escalated"),
        0,
        "the lead escalated it"
    );
    let breached = |who: &str| count(&desk, who, "SLA breached");
    assert_eq!((breached("colleague"), breached("lead")), (1, 1));

    // The resolution (8h, urgent) warns at 14:54 and is missed at 16:30,
    // each once; the first response is not announced again.
    desk.host.advance(3 * HOUR + 15 * MINUTE);
    fire(&desk);
    assert_eq!(count(&desk, "colleague", "SLA warning"), 1);
    desk.host.advance(HOUR + 31 * MINUTE);
    fire(&desk);
    desk.host.advance(24 * HOUR);
    fire(&desk);
    assert_eq!((breached("colleague"), breached("lead")), (2, 2));
    assert_eq!(events_named(&desk, "helpdesk.ticket.sla_breached").len(), 2);
    assert_eq!(
        (
            count(&desk, "colleague", "SLA warning"),
            count(&desk, "lead", "SLA warning")
        ),
        (1, 2)
    );

    // A holder of helpdesk.manage escalates an urgent ticket: it stays
    // urgent, and the category's manager is told.
    let again = desk.change(
        &desk.boss,
        id,
        "escalate",
        json!({"reason": "Still waiting."}),
    );
    assert_eq!(desk.json(again, 200)["priority"], "urgent");
    let told = desk.last_mail("lead", "Escalated");
    assert!(
        told.starts_with("Bo Ss escalated TKT001 in Technical support: its priority stays urgent."),
        "{told}"
    );
}

#[test]
fn the_page_escalates_and_shows_the_new_deadline_and_history() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = ticket["id"].as_str().expect("id").to_owned();
    let page = |who| {
        let shown = desk.host.get_page(who, &format!("/tickets/{id}"));
        assert_eq!(shown.status_code(), 200);
        String::from_utf8_lossy(shown.body()).into_owned()
    };
    let before = page(&desk.lead);
    assert!(before.contains("<h2>Escalate</h2>"), "{before}");
    assert!(
        before.contains("Resolution</dt><dd><span>16 business hours left, due 2026-12-08 16:30"),
        "{before}"
    );
    // The agent changes priority and category but does not escalate; the
    // requester does neither.
    let agent = page(&desk.agent);
    assert!(agent.contains("Change priority") && !agent.contains("<h2>Escalate</h2>"));
    let requester = page(&desk.requester);
    assert!(!requester.contains("Change priority") && !requester.contains("Escalate"));

    let version = desk.ticket(&desk.lead, &json!(id))["version"].clone();
    let form = format!("priority=urgent&assignee_id=&reason=Client+waiting&version={version}");
    let posted = desk.host.request(
        &desk.lead,
        Request::new("POST", &format!("/tickets/{id}/escalate"))
            .as_page()
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(form),
    );
    assert_eq!(posted.status_code(), 303);
    let after = page(&desk.lead);
    assert!(after.contains("Priority</dt><dd><span>urgent"), "{after}");
    // Urgent: 8 business hours to resolve from Friday 16:30.
    assert!(
        after.contains("Resolution</dt><dd><span>8 business hours left, due 2026-12-07 16:30"),
        "{after}"
    );
    assert!(
        after.contains(
            "Lee Dean escalated it: priority raised from high to urgent. Why: “Client waiting”"
        ),
        "{after}"
    );
    assert!(after.contains("Filed by Rae Quest"), "{after}");
}
