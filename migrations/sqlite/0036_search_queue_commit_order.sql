-- The search queue's rows are numbered in the order their transactions
-- commit. SQLite has one writer at a time, so that is the order of their
-- ids (PostgreSQL numbers them at commit instead).
ALTER TABLE search_queue ADD COLUMN commit_order INTEGER GENERATED ALWAYS AS (id) VIRTUAL;
CREATE UNIQUE INDEX search_queue_by_commit ON search_queue (commit_order);
DROP INDEX search_queue_practice_position;
CREATE INDEX search_queue_practice_position ON search_queue (practice_id, commit_order);
