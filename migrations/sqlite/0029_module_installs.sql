-- The server's operators: people who install, upgrade and roll back the
-- modules of the whole server (from Settings → Modules or the API), which
-- no practice's role can grant, since a module runs for every practice.
-- The administrator created with the first practice is the first; others
-- are added with `immcase operator add`.
CREATE TABLE server_operators (
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id     TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    granted_by  TEXT NOT NULL,
    PRIMARY KEY (practice_id, user_id)
);

-- A copy of one module's documents in every practice, taken before its
-- version changed, so that going back restores them as they were.
CREATE TABLE module_data_snapshots (
    id            TEXT PRIMARY KEY,
    module_id     TEXT NOT NULL,
    from_version  TEXT NOT NULL,
    to_version    TEXT NOT NULL,
    documents     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX module_data_snapshots_module ON module_data_snapshots (module_id, created_at);

CREATE TABLE module_document_snapshots (
    snapshot_id  TEXT NOT NULL REFERENCES module_data_snapshots (id),
    practice_id  TEXT NOT NULL,
    collection   TEXT NOT NULL,
    id           TEXT NOT NULL,
    version      BIGINT NOT NULL,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (snapshot_id, practice_id, collection, id)
);

-- What was installed, upgraded or rolled back on this server, by whom, and
-- how it ended (the server's own history; each practice's audit log has
-- the operator's entry too).
CREATE TABLE module_installs (
    id            TEXT PRIMARY KEY,
    module_id     TEXT NOT NULL,
    action        TEXT NOT NULL,
    from_version  TEXT,
    to_version    TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    detail        TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    by_practice   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX module_installs_module ON module_installs (module_id, created_at);
