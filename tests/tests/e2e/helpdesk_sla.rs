//! The helpdesk's clocks against the real host on the manual clock: SLA
//! targets counted in business hours and paused while waiting, warnings and
//! a breach escalated once (also across a restart), resolved tickets closing
//! by themselves, and the events a subscriber receives.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_host::clock::Clock;
use immcase_tests::helpdesk::{
    API, Desk, boss, category, configure, desk, file, folios, reply, set_status, staff, ticket,
};
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use jiff::Timestamp;
use serde_json::{Value, json};

on_both_databases!(
    sla_counts_business_hours_pauses_and_escalates_once,
    resolved_tickets_close_by_themselves,
    events_reach_subscribers_and_breaches_once,
);

/// Moves the server's clock to a local time in Toronto.
fn move_clock_to(server: &TestServer, local: &str) {
    let local: jiff::civil::DateTime = local.replace(' ', "T").parse().unwrap();
    let target: Timestamp = local.in_tz("America/Toronto").unwrap().timestamp();
    server
        .clock
        .advance(target.duration_since(server.clock.now()));
}

async fn signed_in(server: &TestServer, email: &str) -> Api {
    let api = server.api();
    api.sign_in(email, "a member's long passphrase")
        .await
        .expect_status(200);
    api
}

fn breach_mails(server: &TestServer, to: &str) -> usize {
    server
        .smtp
        .received()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject().contains("SLA breached"))
        .count()
}

async fn sla_counts_business_hours_pauses_and_escalates_once(backend: Backend) {
    let mut server = TestServer::start(backend).await;
    // Urgent: a first response within 60 business minutes. Filed on Friday
    // at 16:30, 30 minutes count on Friday and the rest on Monday.
    move_clock_to(&server, "2026-12-04 16:30");
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, agent_id) = staff(&server, &admin, "agent@example.com").await;
    let (_, manager_id) = staff(&server, &admin, "lead@example.com").await;
    let (requester, _) = staff(&server, &admin, "req@example.com").await;
    let boss = boss(&server, &admin).await;
    configure(&boss, |s| {
        let tech = category(s, "technical_support");
        tech["responsible_id"] = json!(agent_id);
        tech["manager_id"] = json!(manager_id);
    })
    .await;
    let filed = file(&requester, "Server down", "technical_support", "urgent").await;
    let id = filed["id"].clone();

    // Sessions end while the clock jumps: sign in again after each jump.
    move_clock_to(&server, "2026-12-07 09:00");
    let agent = signed_in(&server, "agent@example.com").await;
    let monday = ticket(&agent, &id).await;
    let left = monday["sla"]["first_response"]["minutes_left"]
        .as_i64()
        .unwrap();
    assert!((29..=30).contains(&left), "{monday}");
    assert_eq!(monday["sla"]["first_response"]["state"], "running");

    // Waiting on the requester pauses the clock.
    move_clock_to(&server, "2026-12-07 09:10");
    let agent = signed_in(&server, "agent@example.com").await;
    assert_eq!(
        set_status(&agent, &filed, "waiting_on_requester").await,
        200
    );
    move_clock_to(&server, "2026-12-07 13:10");
    let agent = signed_in(&server, "agent@example.com").await;
    let waiting = ticket(&agent, &id).await;
    let left = waiting["sla"]["first_response"]["minutes_left"]
        .as_i64()
        .unwrap();
    assert!((19..=20).contains(&left), "{waiting}");
    assert_eq!(waiting["sla"]["first_response"]["state"], "paused");
    assert_eq!(breach_mails(&server, "agent@example.com"), 0);
    let requester = signed_in(&server, "req@example.com").await;
    assert_eq!(reply(&requester, &filed, "Still down.", false).await, 201);
    assert_eq!(ticket(&agent, &id).await["status"], "in_progress");

    // A restart loses no timer: the warning comes at 48 minutes, the
    // breach at 60, to the assignee and the category's manager.
    server.restart().await;
    move_clock_to(&server, "2026-12-07 13:19");
    server
        .smtp
        .wait_for("agent@example.com", "[TKT001] SLA warning")
        .await;
    server
        .smtp
        .wait_for("lead@example.com", "[TKT001] SLA warning")
        .await;
    assert_eq!(breach_mails(&server, "agent@example.com"), 0);
    move_clock_to(&server, "2026-12-07 13:31");
    server
        .smtp
        .wait_for("agent@example.com", "[TKT001] SLA breached")
        .await;
    server
        .smtp
        .wait_for("lead@example.com", "[TKT001] SLA breached")
        .await;
    let agent = signed_in(&server, "agent@example.com").await;
    let breached = eventually("the ticket marked as breached", || async {
        let t = ticket(&agent, &id).await;
        (t["sla"]["first_response"]["state"] == "breached" && t["sla_breached"] == true)
            .then_some(t)
    })
    .await;
    assert_eq!(breached["sla_notices"]["first_response"]["breached"], true);
    let listed = agent
        .get(&format!("{API}/tickets?breached=1"))
        .await
        .expect_status(200);
    assert_eq!(folios(&listed.body), ["TKT001"]);

    // Once only, also after another restart.
    server.restart().await;
    move_clock_to(&server, "2026-12-07 15:00");
    server.settle().await;
    assert_eq!(breach_mails(&server, "agent@example.com"), 1);
    assert_eq!(breach_mails(&server, "lead@example.com"), 1);
    server.stop().await;
}

async fn resolved_tickets_close_by_themselves(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let Desk {
        agent,
        requester,
        boss,
        ..
    } = desk(&server, &admin, "other").await;
    configure(&boss, |s| s["auto_close_days"] = json!(2)).await;
    let kept = file(&requester, "Reopened", "other", "low").await;
    let left = file(&requester, "Done", "other", "low").await;
    for t in [&kept, &left] {
        assert_eq!(set_status(&agent, t, "resolved").await, 200);
    }
    // The requester reopens one: it must not close by itself.
    assert_eq!(reply(&requester, &kept, "Not fixed.", false).await, 201);

    server.clock.advance(jiff::SignedDuration::from_hours(49));
    let agent = signed_in(&server, "agent@example.com").await;
    eventually("the resolved ticket to close", || async {
        (ticket(&agent, &left["id"]).await["status"] == "closed").then_some(())
    })
    .await;
    server
        .smtp
        .wait_for("req@example.com", "[TKT002] Now closed")
        .await;
    assert_eq!(ticket(&agent, &kept["id"]).await["status"], "in_progress");
    server.stop().await;
}

/// The helpdesk's events that the recorder test module received.
async fn events(admin: &Api) -> Vec<Value> {
    let mut got = admin
        .get("/api/v1/m/recorder/received")
        .await
        .expect_status(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone();
    got.retain(|e| e["name"].as_str().unwrap().starts_with("helpdesk."));
    got
}

async fn events_reach_subscribers_and_breaches_once(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    move_clock_to(&server, "2026-12-07 09:00");
    let admin = server.admin().await;
    admin.set_module("recorder", true).await;
    let Desk {
        agent, requester, ..
    } = desk(&server, &admin, "technical_support").await;
    let filed = file(&requester, "Urgent thing", "technical_support", "urgent").await;
    assert_eq!(reply(&requester, &filed, "More details.", false).await, 201);
    assert_eq!(set_status(&agent, &filed, "in_progress").await, 200);
    let names = eventually("the helpdesk's events", || async {
        let got = events(&admin).await;
        (got.len() >= 4).then_some(got)
    })
    .await;
    let mut names: Vec<&str> = names.iter().map(|e| e["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "helpdesk.ticket.assigned",
            "helpdesk.ticket.created",
            "helpdesk.ticket.replied",
            "helpdesk.ticket.status_changed"
        ]
    );

    // Nobody answers: the first response (1 h) and the resolution (8 h of
    // business hours, 09:00 to 17:00) targets are both missed by the next
    // morning; each breach is told once. (The server's clock runs on from
    // 09:00 while the ticket is filed, so its resolution deadline may fall a
    // few seconds past 17:00, into the next business day.)
    move_clock_to(&server, "2026-12-08 09:30");
    let admin = server.admin().await;
    let breaches = eventually("both breaches", || async {
        let got: Vec<Value> = events(&admin)
            .await
            .into_iter()
            .filter(|e| e["name"] == "helpdesk.ticket.sla_breached")
            .collect();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let mut clocks: Vec<&str> = breaches
        .iter()
        .map(|e| e["payload"]["clock"].as_str().unwrap())
        .collect();
    clocks.sort_unstable();
    assert_eq!(clocks, ["first_response", "resolution"]);
    move_clock_to(&server, "2026-12-08 12:00");
    server.settle().await;
    let admin = server.admin().await;
    let again = events(&admin)
        .await
        .into_iter()
        .filter(|e| e["name"] == "helpdesk.ticket.sla_breached")
        .count();
    assert_eq!(again, 2);
    server.stop().await;
}
