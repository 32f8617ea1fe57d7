-- At most one *pending* timer per key: a running timer may schedule its own
-- key again (the next firing) from inside its call. A running one that fails
-- while a newer one is pending is superseded instead of retried.
DROP INDEX module_timers_pending;
CREATE UNIQUE INDEX module_timers_pending
    ON module_timers (practice_id, module_id, timer_key) WHERE status = 'pending';
