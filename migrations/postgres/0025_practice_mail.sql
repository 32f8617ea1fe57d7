-- The practice's own mail server and sender (Settings → Email). Without a
-- row, or without a host, the server-wide SMTP setting sends its mail. The
-- password is sealed with the server's secret key (`secrets`), never
-- stored in clear.
CREATE TABLE practice_mail (
    practice_id   TEXT PRIMARY KEY REFERENCES practices (id),
    smtp_host     TEXT,
    smtp_port     BIGINT,
    -- `starttls`, `tls` or `none`.
    smtp_security TEXT,
    smtp_username TEXT,
    smtp_password TEXT,
    from_name     TEXT,
    from_address  TEXT,
    -- Messages a day at most, counted in the practice's time zone; NULL for
    -- no limit.
    daily_quota   BIGINT,
    version       BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT
);

-- Each message's identity and what is happening to it: `deferred` waits
-- until `next_attempt_at` for the reason in `deferred_reason`; a message
-- still failing at `give_up_at` fails; `cancelled` was stopped by a person.
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT;
ALTER TABLE mail_outbox ADD COLUMN deferred_reason TEXT;
ALTER TABLE mail_outbox ADD COLUMN give_up_at BIGINT;
-- Who queued it: `host`, `person`, `module:{id}`, `workflow:{id}`.
ALTER TABLE mail_outbox ADD COLUMN origin TEXT;
-- The practice-local day (YYYY-MM-DD) the message counted against the
-- daily quota, once it was first handed to the server.
ALTER TABLE mail_outbox ADD COLUMN quota_day TEXT;
CREATE INDEX mail_outbox_state ON mail_outbox (practice_id, status, id);

-- Every attempt to hand a message to a server (the SMTP log): written
-- before the attempt (`sending`) and completed after it, so an attempt a
-- crash interrupted stays visible (`interrupted`).
CREATE TABLE mail_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    outbox_id   BIGINT NOT NULL REFERENCES mail_outbox (id),
    attempt     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    -- `smtp.example.com:587`, or `mail folder` for the file transport.
    server      TEXT NOT NULL,
    -- `sending`, `sent`, `temporary`, `permanent` or `interrupted`.
    outcome     TEXT NOT NULL,
    -- The server's reply (code and text), or what went wrong before one.
    reply       TEXT
);
CREATE INDEX mail_attempts_practice ON mail_attempts (practice_id, id);
CREATE INDEX mail_attempts_message ON mail_attempts (practice_id, outbox_id, id);

-- Messages handed to the server per practice-local day, for the quota: one
-- conditional UPDATE counts a message only while the day has room.
CREATE TABLE mail_quota_days (
    practice_id TEXT NOT NULL REFERENCES practices (id),
    day         TEXT NOT NULL,
    sent        BIGINT NOT NULL,
    PRIMARY KEY (practice_id, day)
);
