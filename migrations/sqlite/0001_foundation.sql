-- Practices, users, roles, sessions, sign-in throttling, password resets,
-- the audit log and the mail outbox. Times are milliseconds since the epoch.

CREATE TABLE practices (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT,
    time_zone     TEXT NOT NULL,
    disabled_at   BIGINT,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (practice_id, email)
);
CREATE INDEX users_practice ON users (practice_id, id);

CREATE TABLE roles (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    permissions  TEXT NOT NULL,
    field_rules  TEXT NOT NULL,
    builtin      BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (practice_id, name)
);

CREATE TABLE user_roles (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    role_id      TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (practice_id, user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (practice_id, role_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    client_addr   TEXT NOT NULL,
    user_agent    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (practice_id, user_id);

CREATE TABLE sign_in_failures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    email        TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures (practice_id, email, at);
CREATE INDEX sign_in_failures_addr ON sign_in_failures (client_addr, at);

CREATE TABLE password_tokens (
    token_hash   TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    purpose      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX password_tokens_user ON password_tokens (practice_id, user_id);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id    TEXT NOT NULL REFERENCES practices (id),
    at             BIGINT NOT NULL,
    actor_user_id  TEXT,
    actor_email    TEXT,
    action         TEXT NOT NULL,
    target         TEXT,
    client_addr    TEXT,
    details        TEXT NOT NULL
);
CREATE INDEX audit_log_practice ON audit_log (practice_id, id);
CREATE INDEX audit_log_action ON audit_log (practice_id, action, id);

CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id     TEXT NOT NULL REFERENCES practices (id),
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_at      BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_practice ON mail_outbox (practice_id, id);
