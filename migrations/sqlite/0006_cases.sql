-- Cases: the work a practice does for an applicant. The folio (CAS001, ...)
-- comes from a per-practice counter taken in the creating transaction, so
-- folios are never reused and have no gaps.
CREATE TABLE folio_counters (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    name         TEXT NOT NULL,
    last_number  BIGINT NOT NULL,
    PRIMARY KEY (practice_id, name)
);

CREATE TABLE cases (
    id                  TEXT PRIMARY KEY,
    practice_id         TEXT NOT NULL REFERENCES practices (id),
    version             BIGINT NOT NULL,
    folio_number        BIGINT NOT NULL,
    folio               TEXT NOT NULL,
    applicant_id        TEXT NOT NULL REFERENCES applicants (id),
    program             TEXT NOT NULL,
    stage               TEXT NOT NULL,
    responsible_user_id TEXT REFERENCES users (id),
    opened_on           TEXT,
    submitted_on        TEXT,
    decision_on         TEXT,
    closing_date        TEXT,
    outcome             TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    deleted_at          BIGINT,
    UNIQUE (practice_id, folio_number)
);
CREATE INDEX cases_practice ON cases (practice_id, id);
CREATE INDEX cases_applicant ON cases (practice_id, applicant_id);
