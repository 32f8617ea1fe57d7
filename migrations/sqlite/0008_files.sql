-- Files of applicants and cases. The contents live in the blob store under
-- `blob_key`; this row is what makes a file exist. A file belongs to one
-- owner (`applicant` or `case`), in a sub-folder of the owner's folder
-- (`folder`, '' for the top). Deleted files go to the trash like the records
-- they belong to.
CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    owner_kind    TEXT NOT NULL,
    owner_id      TEXT NOT NULL,
    folder        TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    blob_key      TEXT NOT NULL,
    uploaded_by   TEXT,
    uploaded_at   BIGINT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    deleted_at    BIGINT,
    deletion_id   TEXT
);
CREATE INDEX files_owner ON files (practice_id, owner_kind, owner_id);
CREATE INDEX files_deletion ON files (practice_id, deletion_id);

-- Bytes each practice stores (files in the trash included, until purged).
-- A new file is counted with a conditional UPDATE in the transaction that
-- records it, so two uploads at once cannot both pass the quota.
CREATE TABLE practice_storage (
    practice_id  TEXT PRIMARY KEY REFERENCES practices (id),
    used_bytes   BIGINT NOT NULL DEFAULT 0
);
