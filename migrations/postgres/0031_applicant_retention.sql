-- How long a practice keeps an applicant once nothing is open for them:
-- whole years after the last change to them or their cases, when none of
-- their cases is still without an outcome; NULL keeps them until deleted.
ALTER TABLE practice_settings ADD COLUMN retention_years BIGINT;
