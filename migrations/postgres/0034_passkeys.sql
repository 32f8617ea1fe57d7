-- Passkeys (WebAuthn) as a second factor: each is one credential of one
-- person, its id the credential id (base64url), `credential` the verified
-- public key and counters as JSON.
CREATE TABLE passkeys (
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    id            TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    PRIMARY KEY (practice_id, id)
);
CREATE INDEX passkeys_person ON passkeys (practice_id, user_id);

-- A passkey ceremony between its two requests (adding one, or a sign-in's
-- second step): its challenge and state, for five minutes and one use, so
-- any host finishes it.
CREATE TABLE passkey_ceremonies (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    ceremony     TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, ceremony)
);

SELECT immcase_wall('passkeys', 'practice_id');
SELECT immcase_wall('passkey_ceremonies', 'practice_id');
