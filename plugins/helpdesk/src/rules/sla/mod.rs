//! SLAs: how long the practice promises to take, and the clocks that measure
//! it.
//!
//! Each priority has two targets in business minutes ([`SlaTarget`]): the
//! **first response** (the first reply the requester can read) and the
//! **resolution**. Each target has a clock, computed from the ticket's
//! status history and counted in business time only ([`super::hours`]):
//!
//! | status | first response clock | resolution clock |
//! |---|---|---|
//! | open, in progress | runs until the first response | runs |
//! | waiting on requester | paused | paused |
//! | resolved, closed | stopped (a resolution answers too) | stopped |
//!
//! A paused clock keeps the time it used, so its deadline moves out by as
//! long as the pause lasts. A reopened ticket's resolution clock resumes
//! where it stopped.
//!
//! The module never keeps a clock running itself. After every change to a
//! ticket, and when its timer fires, it calls [`evaluate`] with the current
//! time, announces what [`SlaReport::alerts`] says, records that with
//! [`SlaNotices::record`], and sets one durable timer
//! ([`timer_key`]) for [`SlaReport::next_wake`] (or cancels it when that is
//! `None`). `evaluate` depends only on its arguments, so a timer that fires
//! late or twice gives the same answer: a breach already announced is not
//! announced again, and a late timer reports the breach without a stale
//! warning first.

mod targets;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::hours::{BusinessHours, add_business_time, business_time_between};
use super::ticket::{Notice, SlaNotices, Status, StatusChange, Ticket};

pub use targets::{SlaTarget, SlaTargets, TARGET_MAX_MINUTES, Warning, minutes_in_words};

/// The two clocks of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    FirstResponse,
    Resolution,
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting toward its deadline.
    Running,
    /// Waiting on the requester: not counting.
    Paused,
    /// Stopped in time (stopping exactly at the deadline is in time).
    Met,
    /// The deadline passed before the clock stopped.
    Breached,
}

/// What the module must announce now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    Nothing,
    /// The warning point passed and no warning was announced yet.
    Warn,
    /// The deadline passed and no breach was announced yet.
    Breach,
}

impl SlaNotices {
    /// Notes the report's alerts as announced.
    pub fn record(&mut self, report: &SlaReport) {
        for (clock, alert) in report.alerts() {
            let notice = match clock {
                Clock::FirstResponse => &mut self.first_response,
                Clock::Resolution => &mut self.resolution,
            };
            match alert {
                Alert::Warn => notice.warned = true,
                Alert::Breach => notice.breached = true,
                Alert::Nothing => {}
            }
        }
    }
}

/// One clock at the time of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockReport {
    pub clock: Clock,
    pub state: ClockState,
    pub target_minutes: i64,
    /// Business minutes used so far.
    pub elapsed_minutes: i64,
    /// Business minutes to the deadline; negative once it passed.
    pub minutes_left: i64,
    /// The deadline: when it passed for a breached clock, when it will pass
    /// if nothing changes for a running one, and for a paused one when it
    /// would pass if it resumed now. `None` once met.
    pub due_at: Option<Timestamp>,
    /// When the warning is (or was) due, for a running or paused clock.
    pub warn_at: Option<Timestamp>,
    pub alert: Alert,
    /// When this clock needs looking at again: a running clock's warning,
    /// or else its deadline, whichever is still to come and unannounced.
    pub wake_at: Option<Timestamp>,
}

/// Both clocks of a ticket, and when to look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaReport {
    pub first_response: ClockReport,
    pub resolution: ClockReport,
    /// The next warning or deadline of a running clock, after those
    /// reported now. `None` when no clock runs: the next status change
    /// evaluates again.
    pub next_wake: Option<Timestamp>,
}

impl SlaReport {
    /// The alerts to announce now, by clock.
    pub fn alerts(&self) -> impl Iterator<Item = (Clock, Alert)> {
        [&self.first_response, &self.resolution]
            .into_iter()
            .filter(|clock| clock.alert != Alert::Nothing)
            .map(|clock| (clock.clock, clock.alert))
    }
}

/// The key of a ticket's one SLA timer.
pub fn timer_key(ticket_id: &str) -> String {
    format!("sla:{ticket_id}")
}

/// The SLA clocks of `ticket` at `now`, counted in `hours`, against the
/// targets of its current priority.
pub fn evaluate(
    now: Timestamp,
    ticket: &Ticket,
    targets: &SlaTargets,
    hours: &BusinessHours,
) -> SlaReport {
    let target = targets.of(ticket.priority);
    let warning = targets.warning;
    let history = &ticket.status_history;
    let resolved = history
        .iter()
        .find(|change| matches!(change.status, Status::Resolved | Status::Closed))
        .map(|change| change.at);
    let responded = match (ticket.first_response_at, resolved) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
    .filter(|at| *at <= now);
    let current = history.iter().rev().find(|change| change.at <= now);
    let current = current.map_or(Status::Open, |change| change.status);
    let first_response = Measure {
        clock: Clock::FirstResponse,
        spans: running_spans(history, responded.unwrap_or(now).min(now)),
        stopped: responded.is_some() || !current.is_active(),
        paused: current == Status::WaitingOnRequester,
        target_minutes: target.first_response_minutes,
    };
    let resolution = Measure {
        clock: Clock::Resolution,
        spans: running_spans(history, now),
        stopped: !current.is_active(),
        paused: current == Status::WaitingOnRequester,
        target_minutes: target.resolution_minutes,
    };
    let first_response =
        first_response.report(now, warning, ticket.sla_notices.first_response, hours);
    let resolution = resolution.report(now, warning, ticket.sla_notices.resolution, hours);
    let next_wake = [first_response.wake_at, resolution.wake_at]
        .into_iter()
        .flatten()
        .min();
    SlaReport {
        first_response,
        resolution,
        next_wake,
    }
}

/// The spans when the ticket was open or in progress, up to `until`.
fn running_spans(history: &[StatusChange], until: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let ends = history
        .iter()
        .skip(1)
        .map(|change| change.at)
        .chain([until]);
    history
        .iter()
        .zip(ends)
        .filter(|(change, _)| matches!(change.status, Status::Open | Status::InProgress))
        .map(|(change, end)| (change.at, end.min(until)))
        .filter(|(start, end)| start < end)
        .collect()
}

/// A clock before it is judged: when it ran, and whether it runs now.
struct Measure {
    clock: Clock,
    spans: Vec<(Timestamp, Timestamp)>,
    stopped: bool,
    paused: bool,
    target_minutes: i64,
}

impl Measure {
    fn report(
        &self,
        now: Timestamp,
        warning: Warning,
        notice: Notice,
        hours: &BusinessHours,
    ) -> ClockReport {
        let target =
            SignedDuration::try_from_mins(self.target_minutes).unwrap_or(SignedDuration::MAX);
        let elapsed = self
            .spans
            .iter()
            .map(|(start, end)| business_time_between(*start, *end, hours))
            .fold(SignedDuration::ZERO, |sum, span| sum.saturating_add(span));
        let state = match (self.stopped, self.paused) {
            (true, _) if elapsed <= target => ClockState::Met,
            _ if elapsed >= target => ClockState::Breached,
            (false, true) => ClockState::Paused,
            _ => ClockState::Running,
        };
        let counting = matches!(state, ClockState::Running | ClockState::Paused);
        let due_at = (state != ClockState::Met)
            .then(|| self.moment(target, now, hours))
            .flatten();
        let warn_at = counting
            .then(|| self.moment(warning.threshold(target), now, hours))
            .flatten();
        let alert = if state == ClockState::Breached && !notice.breached {
            Alert::Breach
        } else if state == ClockState::Running
            && !notice.warned
            && !notice.breached
            && warn_at.is_some_and(|at| at <= now)
        {
            Alert::Warn
        } else {
            Alert::Nothing
        };
        let warning_pending = !notice.warned && alert != Alert::Warn;
        let wake_at = if state != ClockState::Running || notice.breached {
            None
        } else if warning_pending {
            warn_at
        } else {
            due_at
        };
        ClockReport {
            clock: self.clock,
            state,
            target_minutes: self.target_minutes,
            elapsed_minutes: elapsed.as_mins(),
            minutes_left: (target - elapsed).as_mins(),
            due_at,
            warn_at,
            alert,
            wake_at: wake_at.filter(|at| *at > now),
        }
    }

    /// When the clock reached (or will reach, counting from now) `used`.
    fn moment(
        &self,
        used: SignedDuration,
        now: Timestamp,
        hours: &BusinessHours,
    ) -> Option<Timestamp> {
        let mut sum = SignedDuration::ZERO;
        for (start, end) in &self.spans {
            let span = business_time_between(*start, *end, hours);
            if sum + span >= used {
                return Some(add_business_time(*start, used - sum, hours));
            }
            sum += span;
        }
        (!self.stopped).then(|| add_business_time(now, used - sum, hours))
    }
}

#[cfg(test)]
mod tests;
