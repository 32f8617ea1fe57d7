-- Messages a module sends with `mail.send-message` (contract 0.2.2): several
-- recipients (`to_addr` holds them as a To header does, "a@x, b@y"),
-- copies, an address for answers, and attachments.
ALTER TABLE mail_outbox ADD COLUMN cc_addrs TEXT;
ALTER TABLE mail_outbox ADD COLUMN reply_to TEXT;
-- The person whose request queued the message, when a person's did: the
-- outbox lists a person's own messages.
ALTER TABLE mail_outbox ADD COLUMN sent_by TEXT;
CREATE INDEX mail_outbox_sender ON mail_outbox (practice_id, sent_by, id);

-- A message's attachments in order, each with its content type exactly as
-- the module gave it. The contents are emptied once the message is sent
-- (`size` and the name stay, for the outbox's listing).
CREATE TABLE mail_attachments (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    outbox_id    BIGINT NOT NULL REFERENCES mail_outbox (id),
    position     BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content      BYTEA NOT NULL,
    PRIMARY KEY (practice_id, outbox_id, position)
);
