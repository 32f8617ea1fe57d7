-- The trash: what a person deleted, restorable for a while (30 days by
-- default), then purged. Everything deleted together (an applicant and its
-- cases) shares a deletion id and comes back together.
ALTER TABLE applicants ADD COLUMN deletion_id TEXT;
ALTER TABLE cases ADD COLUMN deletion_id TEXT;

CREATE TABLE trash (
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    deletion_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    label         TEXT NOT NULL,
    deleted_at    BIGINT NOT NULL,
    deleted_by    TEXT,
    PRIMARY KEY (practice_id, kind, record_id)
);
CREATE INDEX trash_deleted ON trash (practice_id, deleted_at);
