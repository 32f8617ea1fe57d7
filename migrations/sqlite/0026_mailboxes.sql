-- The practice's mailboxes: a person's own (Settings → My email account)
-- or shared (info@), read over IMAP. The password is sealed (`secrets`).
-- `uid_validity` and `last_uid` say what was taken: a message is taken
-- once, with the state moved in the same transaction as its row.
CREATE TABLE mailboxes (
    id            TEXT PRIMARY KEY,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    -- The person a personal mailbox belongs to; NULL for a shared one.
    owner_id      TEXT REFERENCES users (id),
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    imap_host     TEXT NOT NULL,
    imap_port     BIGINT NOT NULL,
    -- `tls` or `starttls`.
    imap_security TEXT NOT NULL,
    imap_username TEXT NOT NULL,
    imap_password TEXT,
    folder        TEXT NOT NULL,
    uid_validity  BIGINT,
    last_uid      BIGINT NOT NULL,
    -- When it is fetched next, and by which worker since when.
    next_fetch_at BIGINT NOT NULL,
    claimed_at    BIGINT,
    fetched_at    BIGINT,
    -- Why the last fetch failed (NULL when it worked).
    problem       TEXT,
    -- A mail server that pipes mail posts it with a token: its SHA-256
    -- (the token is shown once).
    pipe_token_hash TEXT,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX mailboxes_practice ON mailboxes (practice_id, owner_id);
CREATE INDEX mailboxes_due ON mailboxes (next_fetch_at);

-- Who reads a shared mailbox (the owner reads a personal one).
CREATE TABLE mailbox_readers (
    practice_id TEXT NOT NULL REFERENCES practices (id),
    mailbox_id  TEXT NOT NULL REFERENCES mailboxes (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (mailbox_id, user_id)
);
CREATE INDEX mailbox_readers_user ON mailbox_readers (practice_id, user_id);

-- Each message taken from a mailbox, its raw bytes in the blob store.
-- `uid` is NULL for a message a mail server posted (piped).
CREATE TABLE mailbox_messages (
    id           TEXT PRIMARY KEY,
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    mailbox_id   TEXT NOT NULL REFERENCES mailboxes (id),
    uid_validity BIGINT,
    uid          BIGINT,
    blob_key     TEXT NOT NULL,
    size         BIGINT NOT NULL,
    -- SHA-256 of the raw bytes: the same message is taken once, also when
    -- the folder's UIDVALIDITY changes or a mail server posts it again.
    digest       TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX mailbox_messages_digest ON mailbox_messages (mailbox_id, digest);
CREATE INDEX mailbox_messages_practice ON mailbox_messages (practice_id, mailbox_id, received_at);

-- Letters sent from a mailbox, in a conversation (contract 0.2.3): hidden
-- copies, the conversation's ids, the mailbox whose Sent folder keeps a
-- copy, and whether it was filed there.
ALTER TABLE mail_outbox ADD COLUMN bcc_addrs TEXT;
ALTER TABLE mail_outbox ADD COLUMN in_reply_to TEXT;
ALTER TABLE mail_outbox ADD COLUMN references_ids TEXT;
ALTER TABLE mail_outbox ADD COLUMN mailbox_id TEXT;
-- `filed`, `no sent folder`, or why filing failed.
ALTER TABLE mail_outbox ADD COLUMN sent_copy TEXT;
