-- Modules' own documents in global search (the `search` import), keyed by
-- the practice, the module and the module's id for the document. The index
-- is fed from search_queue (kind `module:{module_id}`) like host records,
-- and rebuilt from this table. Times are milliseconds since the epoch.
CREATE TABLE module_search_documents (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    module_id    TEXT NOT NULL,
    doc_id       TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    path         TEXT NOT NULL,
    -- The permission a person needs to see the document; NULL for anyone
    -- who may reach the module.
    permission   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, module_id, doc_id)
);
