-- A practice's files by id, as the search index is rebuilt a page at a
-- time: without it each page sorted all the practice's files again.
CREATE INDEX files_practice ON files (practice_id, id);
