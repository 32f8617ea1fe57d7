//! The helpdesk's clocks on the test host's manual clock: SLA targets in
//! business hours warned about and breached once, and resolved tickets
//! closing by themselves.

mod common;

use common::{DAY, Desk, HOUR, MINUTE};
use serde_json::json;

fn fire(desk: &Desk) {
    for fired in desk.host.run_due_timers() {
        assert_eq!(fired.result, Ok(()), "timer {}", fired.key);
    }
}

#[test]
fn an_urgent_ticket_is_warned_about_then_breached_once_in_business_hours() {
    let desk = Desk::new();
    // Urgent: a first response within 60 business minutes. Filed on Friday
    // at 16:30, 30 minutes count on Friday and the rest on Monday from 9.
    let ticket = desk.file("Server down", "urgent");
    fire(&desk);
    let sla_key = format!("sla:{}", ticket["id"].as_str().unwrap_or_default());
    let wake = desk
        .host
        .timers()
        .into_iter()
        .find(|t| t.key == sla_key)
        .expect("the SLA timer");
    // Monday 09:00 is 64.5 hours after Friday 16:30; 80% of the hour is 48
    // minutes: 18 of them on Monday.
    assert_eq!(wake.due_at, common::FRIDAY_1630 + 64 * HOUR + 48 * MINUTE);

    // The weekend counts for nothing.
    desk.host.advance(64 * HOUR + 30 * MINUTE);
    fire(&desk);
    assert!(desk.mail_to("agent").iter().all(|s| !s.contains("SLA")));

    desk.host.advance(20 * MINUTE);
    fire(&desk);
    let warned = |who: &str| {
        desk.mail_to(who)
            .iter()
            .filter(|s| s.contains("SLA warning"))
            .count()
    };
    assert_eq!((warned("agent"), warned("lead")), (1, 1));
    assert!(!desk.events().iter().any(|e| e.ends_with("sla_breached")));

    desk.host.advance(11 * MINUTE);
    fire(&desk);
    let breaches = |desk: &Desk| {
        desk.host
            .events()
            .into_iter()
            .filter(|e| e.name == "helpdesk.ticket.sla_breached")
            .collect::<Vec<_>>()
    };
    assert_eq!(breaches(&desk).len(), 1);
    assert_eq!(breaches(&desk)[0].payload["clock"], "first_response");
    assert!(
        desk.mail_to("lead")
            .iter()
            .any(|s| s.contains("SLA breached"))
    );

    // Later firings do not breach it again.
    desk.host.advance(DAY);
    fire(&desk);
    let first_response = breaches(&desk)
        .iter()
        .filter(|e| e.payload["clock"] == "first_response")
        .count();
    assert_eq!(first_response, 1);
    let shown = desk.ticket(&desk.agent, &ticket["id"]);
    assert_eq!(shown["sla_breached"], true, "{shown}");
}

#[test]
fn a_resolved_ticket_closes_by_itself_after_a_week() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "low");
    let id = &ticket["id"];
    let path = format!("/tickets/{}", id.as_str().unwrap_or_default());
    let resolved = desk.host.post_json(
        &desk.agent,
        &format!("{path}/status"),
        &json!({ "status": "resolved", "version": ticket["version"] }),
    );
    desk.json(resolved, 200);

    desk.host.advance(6 * DAY);
    fire(&desk);
    assert_eq!(desk.ticket(&desk.agent, id)["status"], "resolved");

    desk.host.advance(DAY);
    fire(&desk);
    let closed = desk.ticket(&desk.agent, id);
    assert_eq!(closed["status"], "closed", "{closed}");
    assert!(desk.mail_to("req").iter().any(|s| s.contains("Now closed")));
    let told = desk.last_mail("req", "Now closed");
    assert!(
        told.starts_with("TKT001 closed by itself, 7 days after it was resolved."),
        "{told}"
    );
    let history = closed["history"].as_array().cloned().unwrap_or_default();
    let last = history.last().cloned().unwrap_or_default();
    assert_eq!(
        (&last["by_id"], &last["by_name"], &last["to"]),
        (&json!(null), &json!("Helpdesk"), &json!("closed"))
    );
    let close_key = format!("close:{}", id.as_str().unwrap_or_default());
    assert!(desk.host.timers().iter().all(|t| t.key != close_key));
}
