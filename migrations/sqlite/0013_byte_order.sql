-- On PostgreSQL this migration makes the document store's values and ids
-- compare as bytes whatever the database's collation. SQLite compares text
-- as bytes (BINARY) unless told otherwise, so there is nothing to change.
SELECT 1;
