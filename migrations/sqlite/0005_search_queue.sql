-- Global search is fed from this queue: a row is written in the transaction
-- of every change to a searchable record, and each server process applies
-- the rows past its own position to its index.
CREATE TABLE search_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    kind         TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    enqueued_at  BIGINT NOT NULL
);
CREATE INDEX search_queue_practice ON search_queue (practice_id, kind, record_id);
