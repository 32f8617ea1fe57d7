-- Merged applicants (Find duplicates → Merge). The kept applicant took the
-- other's cases and files, and the emails, phones and other names it did
-- not have; the other went to the trash under `deletion_id`. What moved is
-- kept here (JSON arrays of ids and of the values added) so restoring the
-- other from the trash moves it back. `undone_at` is set by that restore.
CREATE TABLE applicant_merges (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    id           TEXT NOT NULL,
    kept_id      TEXT NOT NULL,
    merged_id    TEXT NOT NULL,
    deletion_id  TEXT NOT NULL,
    cases        TEXT NOT NULL,
    files        TEXT NOT NULL,
    added        TEXT NOT NULL,
    merged_at    BIGINT NOT NULL,
    merged_by    TEXT NOT NULL,
    undone_at    BIGINT,
    PRIMARY KEY (practice_id, id)
);
CREATE INDEX applicant_merges_by_deletion ON applicant_merges (practice_id, deletion_id);

-- Merging takes the new permission `applicants.merge`. Whoever may manage
-- roles could grant it to themselves, so their roles get it now.
UPDATE roles SET permissions = REPLACE(permissions, '"roles.manage"', '"roles.manage","applicants.merge"'),
    version = version + 1
WHERE permissions LIKE '%"roles.manage"%' AND permissions NOT LIKE '%"applicants.merge"%';
