-- Modules per practice, the modules' document store, durable events with
-- their deliveries, and module timers. Times are milliseconds since the epoch.

CREATE TABLE practice_modules (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    module_id    TEXT NOT NULL,
    enabled      BIGINT NOT NULL,
    settings     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, module_id)
);

CREATE TABLE module_documents (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    module_id    TEXT NOT NULL,
    collection   TEXT NOT NULL,
    id           TEXT NOT NULL,
    version      BIGINT NOT NULL,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, module_id, collection, id)
);

-- One row per indexed field of a document. `value` is a sortable text
-- encoding with a type prefix (s: string, n: number, b: boolean).
CREATE TABLE module_document_fields (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    module_id    TEXT NOT NULL,
    collection   TEXT NOT NULL,
    doc_id       TEXT NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (practice_id, module_id, collection, doc_id, field)
);
CREATE INDEX module_document_fields_value
    ON module_document_fields (practice_id, module_id, collection, field, value, doc_id);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    source       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX events_practice ON events (practice_id, created_at);

CREATE TABLE event_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id      TEXT NOT NULL REFERENCES practices (id),
    event_id         TEXT NOT NULL REFERENCES events (id),
    subscriber       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    claimed_at       BIGINT,
    last_error       TEXT,
    done_at          BIGINT
);
CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);
CREATE INDEX event_deliveries_practice ON event_deliveries (practice_id, subscriber, id);

CREATE TABLE module_timers (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id      TEXT NOT NULL REFERENCES practices (id),
    module_id        TEXT NOT NULL,
    timer_key        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    due_at           BIGINT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    claimed_at       BIGINT,
    last_error       TEXT,
    done_at          BIGINT
);
CREATE UNIQUE INDEX module_timers_pending
    ON module_timers (practice_id, module_id, timer_key) WHERE status IN ('pending', 'running');
CREATE INDEX module_timers_due ON module_timers (status, next_attempt_at);
