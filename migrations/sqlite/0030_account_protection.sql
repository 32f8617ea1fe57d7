-- Addresses an account has signed in from. While an account is being
-- guessed at (too many failures), attempts from these still go through:
-- the person keeps working while a stranger is slowed down.
CREATE TABLE sign_in_addresses (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    user_id      TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    last_at      BIGINT NOT NULL,
    PRIMARY KEY (practice_id, user_id, client_addr)
);

-- Forgot-password requests, counted per client address (across practices)
-- to bound what signed-out clients can ask for. The answer does not wait
-- for the account to be looked up: a worker handles each request (looks the
-- email up, sends the link) and sets handled_at, so every request is
-- answered alike and none is lost to a restart.
CREATE TABLE reset_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    email        TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    handled_at   BIGINT
);
CREATE INDEX reset_requests_addr ON reset_requests (client_addr, at);
CREATE INDEX reset_requests_pending ON reset_requests (handled_at, id);

-- Two-factor sign-in: a person's authenticator app secret (sealed with the
-- server's key, purpose `totp-secret:{user_id}`), confirmed once they typed
-- a code from it; last_step is the newest 30-second step whose code was
-- used, so a code works once.
CREATE TABLE second_factors (
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    user_id       TEXT NOT NULL,
    totp_secret   TEXT NOT NULL,
    confirmed_at  BIGINT,
    last_step     BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (practice_id, user_id)
);

-- Single-use recovery codes, stored hashed.
CREATE TABLE recovery_codes (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    user_id      TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    used_at      BIGINT,
    PRIMARY KEY (practice_id, user_id, code_hash)
);

-- A sign-in whose password was right, waiting for its second factor (the
-- browser holds the token in a short-lived cookie).
CREATE TABLE sign_in_challenges (
    token_hash   TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    user_id      TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    failures     BIGINT NOT NULL DEFAULT 0
);

-- Whether everyone in the practice must sign in with a second factor.
CREATE TABLE practice_security (
    practice_id            TEXT PRIMARY KEY REFERENCES practices (id),
    require_second_factor  BIGINT NOT NULL DEFAULT 0,
    version                BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
