-- App passwords: per-person secrets for clients that cannot use the
-- sign-in page (WebDAV now), accepted only with HTTP Basic on those
-- clients' routes. The secret is 256 random bits shown once; only its
-- SHA-256 is kept, looked up directly. Revoking one deletes its row;
-- disabling the person or changing their password deletes them all.
CREATE TABLE app_passwords (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX app_passwords_user ON app_passwords (practice_id, user_id);

-- Folders made empty (WebDAV MKCOL) below an applicant's or a case's
-- folder. A folder that holds files exists through them; a row here keeps
-- one that holds none yet. `path` is `a/b` as in `files.folder`.
CREATE TABLE file_folders (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    owner_kind   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    path         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, owner_kind, owner_id, path)
);
