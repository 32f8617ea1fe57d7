-- The practice's logo, kept by its administrators in Settings → Practice
-- and printed on the letters modules make (the `practice` import, contract
-- 0.2.4). One per practice, at most 512 KiB: PNG, JPEG or SVG, checked by
-- their bytes when uploaded. Kept here rather than in the blob store so
-- that it changes in the transaction of its audit entry, and is copied by
-- a backup of the database alone; it does not count against the files'
-- quota. `version` counts its replacements; `updated_by` is the person
-- who uploaded it.
CREATE TABLE practice_logos (
    practice_id  TEXT PRIMARY KEY REFERENCES practices (id),
    content_type TEXT NOT NULL,
    content      BYTEA NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    updated_by   TEXT,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL
);
