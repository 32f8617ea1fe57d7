-- The practice's own details, kept by its administrators in Settings →
-- Practice: its time zone, the contact details letters and invitations
-- use, and the largest file it accepts per upload (NULL: the server's
-- maximum). A practice without a row has the defaults; its first save adds
-- the row. The practice's name stays in `practices`.
CREATE TABLE practice_settings (
    practice_id  TEXT PRIMARY KEY REFERENCES practices (id),
    time_zone    TEXT NOT NULL,
    address      TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL,
    website      TEXT NOT NULL,
    max_file_mb  BIGINT,
    version      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Keeping them takes the new permission `practice.manage`. Whoever may
-- manage roles could grant it to themselves, so their roles get it now.
UPDATE roles SET permissions = REPLACE(permissions, '"roles.manage"', '"roles.manage","practice.manage"'),
    version = version + 1
WHERE permissions LIKE '%"roles.manage"%' AND permissions NOT LIKE '%"practice.manage"%';
