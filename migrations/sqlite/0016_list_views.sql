-- How each person last narrowed and ordered a list (Cases, Applicants):
-- the list's query string, applied when they come back to it plainly.
CREATE TABLE list_views (
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id     TEXT NOT NULL,
    list        TEXT NOT NULL,
    query       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (practice_id, user_id, list)
);
