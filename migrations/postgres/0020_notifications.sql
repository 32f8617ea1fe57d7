-- In-app notifications: a line under a person's bell, from a module
-- (`source`) through the `notifications` import. `read_at` is set when the
-- person opens it or marks everything read.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    text        TEXT NOT NULL,
    link        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_person ON notifications (practice_id, user_id, id);
CREATE INDEX notifications_unread ON notifications (practice_id, user_id, read_at);

-- Per person and kind: whether it also comes by email (1) or not (0). A
-- kind without a row follows its module's declaration.
CREATE TABLE notification_choices (
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    email       BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (practice_id, user_id, kind)
);
