-- Case programs: each practice's own list of the programs its cases follow
-- (study permit, work permit, ...), kept by its administrators. A case
-- stores the program's key; a program in use is deactivated (no new cases
-- take it), never deleted, so every case keeps a program of the list.
CREATE TABLE case_programs (
    practice_id  TEXT NOT NULL REFERENCES practices (id),
    program_key  TEXT NOT NULL,
    label        TEXT NOT NULL,
    active       BIGINT NOT NULL,
    position     BIGINT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (practice_id, program_key)
);
CREATE INDEX cases_program ON cases (practice_id, program);

-- The practices that exist start with the programs new ones get.
INSERT INTO case_programs (practice_id, program_key, label, active, position, version, created_at, updated_at)
SELECT p.id, d.program_key, d.label, 1, d.position, 1, p.created_at, p.created_at
FROM practices p CROSS JOIN (
    SELECT 'study_permit' AS program_key, 'Study permit' AS label, 1 AS position
    UNION ALL SELECT 'work_permit', 'Work permit', 2
    UNION ALL SELECT 'visitor_visa', 'Visitor visa', 3
    UNION ALL SELECT 'express_entry', 'Express Entry', 4
    UNION ALL SELECT 'family_sponsorship', 'Family sponsorship', 5
    UNION ALL SELECT 'citizenship', 'Citizenship', 6
    UNION ALL SELECT 'other', 'Other', 7
) d;

-- Keeping the list takes the new permission `settings.manage`. Whoever may
-- manage roles could grant it to themselves, so their roles get it now.
UPDATE roles SET permissions = REPLACE(permissions, '"roles.manage"', '"roles.manage","settings.manage"'),
    version = version + 1
WHERE permissions LIKE '%"roles.manage"%' AND permissions NOT LIKE '%"settings.manage"%';
