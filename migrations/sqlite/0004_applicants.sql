-- Applicants: the people a practice works for. Lists (other names, emails,
-- phones) are JSON text; emails and phones are also rows of
-- applicant_contacts, and the name's typo-tolerant blocking keys rows of
-- applicant_name_keys, so duplicate checks are indexed lookups.
CREATE TABLE applicants (
    id                 TEXT PRIMARY KEY,
    practice_id        TEXT NOT NULL REFERENCES practices (id),
    version            BIGINT NOT NULL,
    given_name         TEXT NOT NULL,
    family_name        TEXT NOT NULL,
    other_names        TEXT NOT NULL,
    emails             TEXT NOT NULL,
    phones             TEXT NOT NULL,
    date_of_birth      TEXT,
    country_of_birth   TEXT,
    citizenship        TEXT,
    passport_number    TEXT,
    passport_key       TEXT,
    passport_country   TEXT,
    passport_expiry    TEXT,
    address            TEXT,
    preferred_language TEXT,
    notes              TEXT,
    created_by         TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    deleted_at         BIGINT
);
CREATE INDEX applicants_practice ON applicants (practice_id, id);
CREATE INDEX applicants_passport ON applicants (practice_id, passport_key);
CREATE INDEX applicants_birth ON applicants (practice_id, date_of_birth);

CREATE TABLE applicant_contacts (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    applicant_id TEXT NOT NULL REFERENCES applicants (id),
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (practice_id, applicant_id, kind, value)
);
CREATE INDEX applicant_contacts_value ON applicant_contacts (practice_id, kind, value);

CREATE TABLE applicant_name_keys (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    applicant_id TEXT NOT NULL REFERENCES applicants (id),
    name_key     TEXT NOT NULL,
    PRIMARY KEY (practice_id, applicant_id, name_key)
);
CREATE INDEX applicant_name_keys_key ON applicant_name_keys (practice_id, name_key);

-- Who changed which field of a record, from what to what, and when.
CREATE TABLE record_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id   TEXT NOT NULL REFERENCES practices (id),
    record_kind   TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    at            BIGINT NOT NULL,
    actor_user_id TEXT,
    actor_name    TEXT,
    action        TEXT NOT NULL,
    field         TEXT,
    old_value     TEXT,
    new_value     TEXT
);
CREATE INDEX record_changes_record ON record_changes (practice_id, record_kind, record_id, id);
