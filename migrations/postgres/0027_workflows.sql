-- Workflows: an administrator's rhai scripts run on events or on a schedule.
-- `chain` counts the workflow runs that led to an event (0 for what a
-- person or a module did on its own), so workflows that trigger each other
-- stop at a depth.
ALTER TABLE events ADD COLUMN chain BIGINT NOT NULL DEFAULT 0;
-- A message a workflow queued carries its chain to `mail.sent` and
-- `mail.failed`, so a workflow answering those cannot loop without end.
ALTER TABLE mail_outbox ADD COLUMN chain BIGINT NOT NULL DEFAULT 0;

CREATE TABLE workflows (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    active       BIGINT NOT NULL,
    -- `event` (trigger is a name or a pattern ending in `.*`) or
    -- `schedule` (trigger is five cron fields in the practice's zone).
    trigger_kind TEXT NOT NULL,
    trigger_text TEXT NOT NULL,
    condition    TEXT NOT NULL,
    script       TEXT NOT NULL,
    -- The role the workflow acts with.
    role_id      TEXT NOT NULL REFERENCES roles (id),
    version      BIGINT NOT NULL,
    -- A schedule's next slot (ms); moved forward by the one process that
    -- takes the slot.
    next_slot_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (practice_id, name)
);
CREATE INDEX workflows_listening ON workflows (practice_id, active, trigger_kind);
CREATE INDEX workflows_slots ON workflows (active, next_slot_at);

-- Every saved version, whole, so a run names what it ran and an earlier
-- one can be restored.
CREATE TABLE workflow_versions (
    workflow_id  TEXT NOT NULL REFERENCES workflows (id),
    version      BIGINT NOT NULL,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    active       BIGINT NOT NULL,
    trigger_kind TEXT NOT NULL,
    trigger_text TEXT NOT NULL,
    condition    TEXT NOT NULL,
    script       TEXT NOT NULL,
    role_id      TEXT NOT NULL,
    saved_by     TEXT,
    saved_by_name TEXT NOT NULL,
    saved_at     BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

-- Runs are durable jobs: written with the event that triggers them (or by
-- the process that takes a schedule's slot), claimed by a worker, and kept
-- with what they did.
CREATE TABLE workflow_runs (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    workflow_id   TEXT NOT NULL REFERENCES workflows (id),
    -- The version it ran (the current one when it was queued, until it runs).
    version       BIGINT NOT NULL,
    event_id      TEXT,
    slot          BIGINT,
    chain         BIGINT NOT NULL,
    retry_of      TEXT,
    -- `pending`, `running`, `succeeded`, `failed`, `skipped`.
    status        TEXT NOT NULL,
    attempts      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_at    BIGINT,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    duration_ms   BIGINT,
    -- Why it was skipped.
    reason        TEXT,
    error         TEXT,
    error_line    BIGINT,
    error_column  BIGINT,
    -- JSON arrays: what it did, and its log lines.
    effects       TEXT NOT NULL,
    logs          TEXT NOT NULL,
    -- Who asked for a retry.
    requested_by  TEXT
);
CREATE INDEX workflow_runs_due ON workflow_runs (status, next_attempt_at);
CREATE INDEX workflow_runs_history ON workflow_runs (practice_id, workflow_id, created_at);
CREATE UNIQUE INDEX workflow_runs_slot ON workflow_runs (workflow_id, slot)
    WHERE slot IS NOT NULL AND retry_of IS NULL;

-- Email templates workflows send (`send_email(template, to, data)`):
-- `{{name}}` in the subject and body is replaced by `data.name`.
CREATE TABLE workflow_templates (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, name)
);
