//! The SLA clocks on fixed times in Toronto, Monday to Friday 09:00–17:00.
//! 2026-03-13 is a Friday, 2026-03-16 a Monday.

use super::*;
use crate::rules::status::apply;
use crate::rules::testing::{at, ticket};
use crate::rules::ticket::Priority;

fn check(now: &str, ticket: &Ticket) -> SlaReport {
    evaluate(
        at(now),
        ticket,
        &SlaTargets::default(),
        &BusinessHours::default(),
    )
}

#[test]
fn a_running_clock_wakes_for_the_warning_then_the_deadline() {
    let mut urgent = ticket(Priority::Urgent, at("2026-03-16 10:00"));
    let report = check("2026-03-16 10:30", &urgent);
    let first = report.first_response;
    assert_eq!(first.state, ClockState::Running);
    assert_eq!((first.elapsed_minutes, first.minutes_left), (30, 30));
    assert_eq!(first.due_at, Some(at("2026-03-16 11:00")));
    assert_eq!(
        first.warn_at,
        Some(at("2026-03-16 10:48")),
        "80% of an hour"
    );
    assert_eq!(first.alert, Alert::Nothing);
    // Resolution: 8 business hours, warned after 6h24.
    assert_eq!(report.resolution.due_at, Some(at("2026-03-17 10:00")));
    assert_eq!(report.resolution.warn_at, Some(at("2026-03-16 16:24")));
    assert_eq!(report.next_wake, Some(at("2026-03-16 10:48")));

    // The timer fires at the warning: warn, then wake at the deadline.
    let report = check("2026-03-16 10:48", &urgent);
    assert_eq!(
        report.alerts().collect::<Vec<_>>(),
        [(Clock::FirstResponse, Alert::Warn)]
    );
    assert_eq!(report.next_wake, Some(at("2026-03-16 11:00")));
    urgent.sla_notices.record(&report);
    assert!(urgent.sla_notices.first_response.warned);
    // Fired twice: nothing more to say, same next wake.
    let again = check("2026-03-16 10:48", &urgent);
    assert_eq!(again.alerts().count(), 0);
    assert_eq!(again.next_wake, Some(at("2026-03-16 11:00")));

    // At the deadline: the breach, once; then the resolution's warning.
    let report = check("2026-03-16 11:00", &urgent);
    assert_eq!(report.first_response.state, ClockState::Breached);
    assert_eq!(report.first_response.alert, Alert::Breach);
    assert_eq!(report.first_response.minutes_left, 0);
    assert_eq!(report.next_wake, Some(at("2026-03-16 16:24")));
    urgent.sla_notices.record(&report);
    let again = check("2026-03-16 11:00", &urgent);
    assert_eq!(again.alerts().count(), 0);
    assert_eq!(again.first_response.state, ClockState::Breached);
    assert_eq!(again, check("2026-03-16 11:00", &urgent), "idempotent");
}

#[test]
fn a_late_timer_reports_the_breach_without_a_stale_warning() {
    let urgent = ticket(Priority::Urgent, at("2026-03-16 10:00"));
    let report = check("2026-03-16 11:30", &urgent);
    assert_eq!(
        report.alerts().collect::<Vec<_>>(),
        [(Clock::FirstResponse, Alert::Breach)]
    );
    assert_eq!(report.first_response.due_at, Some(at("2026-03-16 11:00")));
    assert_eq!(report.first_response.minutes_left, -30);
    assert_eq!(report.first_response.wake_at, None);
    assert_eq!(report.next_wake, Some(at("2026-03-16 16:24")));
}

#[test]
fn a_ticket_filed_friday_at_16_50_is_due_monday() {
    let high = ticket(Priority::High, at("2026-03-13 16:50"));
    let report = check("2026-03-14 12:00", &high);
    let first = report.first_response;
    assert_eq!(
        first.state,
        ClockState::Running,
        "weekends are not business time"
    );
    assert_eq!(first.elapsed_minutes, 10);
    assert_eq!(first.due_at, Some(at("2026-03-16 12:50")));
    assert_eq!(first.warn_at, Some(at("2026-03-16 12:02")));
    assert_eq!(report.next_wake, Some(at("2026-03-16 12:02")));
    // Two business days to resolve: Monday and Tuesday, 16:50 on Tuesday.
    assert_eq!(report.resolution.due_at, Some(at("2026-03-17 16:50")));
}

#[test]
fn waiting_on_the_requester_over_a_weekend_pauses_the_clock() {
    let mut medium = ticket(Priority::Medium, at("2026-03-12 09:00"));
    medium.first_response_at = Some(at("2026-03-12 09:30"));
    apply(&mut medium, Status::InProgress, at("2026-03-12 09:30"));
    apply(
        &mut medium,
        Status::WaitingOnRequester,
        at("2026-03-12 10:00"),
    );

    let saturday = check("2026-03-14 12:00", &medium);
    assert_eq!(saturday.first_response.state, ClockState::Met);
    assert_eq!(saturday.first_response.elapsed_minutes, 30);
    assert_eq!(saturday.first_response.due_at, None);
    let resolution = saturday.resolution;
    assert_eq!(resolution.state, ClockState::Paused);
    assert_eq!(
        (resolution.elapsed_minutes, resolution.minutes_left),
        (60, 2340)
    );
    assert_eq!(resolution.due_at, Some(at("2026-03-20 16:00")));
    assert_eq!(saturday.next_wake, None, "a paused clock needs no timer");
    // Still paused on Monday morning: the deadline moves out.
    let monday = check("2026-03-16 10:00", &medium);
    assert_eq!(monday.resolution.due_at, Some(at("2026-03-20 17:00")));

    // The requester replies at 11:00: the clock runs again.
    apply(&mut medium, Status::InProgress, at("2026-03-16 11:00"));
    let report = check("2026-03-16 12:00", &medium);
    let resolution = report.resolution;
    assert_eq!(resolution.state, ClockState::Running);
    assert_eq!(resolution.elapsed_minutes, 120);
    assert_eq!(resolution.due_at, Some(at("2026-03-23 10:00")));
    assert_eq!(
        resolution.warn_at,
        Some(at("2026-03-20 10:00")),
        "at 1920 minutes"
    );
    assert_eq!(report.next_wake, resolution.warn_at);
}

#[test]
fn no_warning_while_paused() {
    let mut urgent = ticket(Priority::Urgent, at("2026-03-16 10:00"));
    apply(
        &mut urgent,
        Status::WaitingOnRequester,
        at("2026-03-16 10:50"),
    );
    let report = check("2026-03-16 11:30", &urgent);
    assert_eq!(report.first_response.state, ClockState::Paused);
    assert_eq!(report.first_response.elapsed_minutes, 50);
    assert_eq!(report.first_response.due_at, Some(at("2026-03-16 11:40")));
    assert_eq!(report.alerts().count(), 0);
    assert_eq!(report.next_wake, None);
}

#[test]
fn resolving_stops_both_clocks_and_reopening_resumes_resolution() {
    let mut low = ticket(Priority::Low, at("2026-03-16 09:00"));
    apply(&mut low, Status::Resolved, at("2026-03-16 10:00"));
    let report = check("2026-03-18 09:00", &low);
    assert_eq!(
        report.first_response.state,
        ClockState::Met,
        "a resolution answers"
    );
    assert_eq!(report.first_response.elapsed_minutes, 60);
    assert_eq!(report.resolution.state, ClockState::Met);
    assert_eq!(report.resolution.minutes_left, 4800 - 60);
    assert_eq!(report.next_wake, None);

    apply(&mut low, Status::InProgress, at("2026-03-18 09:00"));
    let report = check("2026-03-18 10:00", &low);
    assert_eq!(report.first_response.state, ClockState::Met);
    assert_eq!(report.resolution.state, ClockState::Running);
    assert_eq!(report.resolution.elapsed_minutes, 120);
}

#[test]
fn a_late_resolution_is_a_breach_reported_once() {
    let mut urgent = ticket(Priority::Urgent, at("2026-03-16 09:00"));
    urgent.first_response_at = Some(at("2026-03-16 09:10"));
    apply(&mut urgent, Status::Resolved, at("2026-03-17 10:00"));
    let report = check("2026-03-17 10:00", &urgent);
    assert_eq!(report.first_response.state, ClockState::Met);
    assert_eq!(report.resolution.state, ClockState::Breached);
    assert_eq!(report.resolution.due_at, Some(at("2026-03-16 17:00")));
    assert_eq!(report.resolution.minutes_left, -60);
    assert_eq!(
        report.alerts().collect::<Vec<_>>(),
        [(Clock::Resolution, Alert::Breach)]
    );
    urgent.sla_notices.record(&report);
    assert_eq!(check("2026-03-17 10:00", &urgent).alerts().count(), 0);
}

#[test]
fn warnings_may_be_minutes_before_the_deadline() {
    let targets = SlaTargets {
        warning: Warning::MinutesBefore(15),
        ..SlaTargets::default()
    };
    let urgent = ticket(Priority::Urgent, at("2026-03-16 10:00"));
    let report = evaluate(
        at("2026-03-16 10:00"),
        &urgent,
        &targets,
        &BusinessHours::default(),
    );
    assert_eq!(report.first_response.warn_at, Some(at("2026-03-16 10:45")));
    assert_eq!(report.resolution.warn_at, Some(at("2026-03-17 09:45")));
    assert_eq!(timer_key("t1"), "sla:t1");
}

#[test]
fn stored_tickets_without_notices_read_as_nothing_announced() {
    let urgent = ticket(Priority::Urgent, at("2026-03-16 10:00"));
    let mut json = serde_json::to_value(&urgent).expect("json");
    assert_eq!(
        json["sla_notices"]["first_response"],
        serde_json::json!({"warned": false, "breached": false})
    );
    json.as_object_mut().expect("object").remove("sla_notices");
    let back: Ticket = serde_json::from_value(json).expect("ticket");
    assert_eq!(back, urgent);
}
