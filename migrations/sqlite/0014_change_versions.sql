-- The version each update of a record made, on its timeline lines: what
-- changed since the version a form or a client started from is then read
-- from the timeline, for a field-by-field view of an edit conflict. Lines
-- written before have none.
ALTER TABLE record_changes ADD COLUMN version BIGINT;
