-- Text the host orders and compares as bytes uses the "C" collation, whatever
-- the database's default. Under a linguistic collation (ICU or en_US, what
-- most installations have) 's:zz' < 's;' is false and case is ignored at the
-- first level, so the document store's ranges, ordering and cursors, and the
-- pages of modules' search documents, would follow language rules instead.
-- The ids the host makes itself (UUIDv7: lowercase hex with dashes in fixed
-- places) order the same under any collation; the ids modules choose do not.
ALTER TABLE module_document_fields
    ALTER COLUMN value TYPE TEXT COLLATE "C",
    ALTER COLUMN doc_id TYPE TEXT COLLATE "C";
ALTER TABLE module_documents
    ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE module_search_documents
    ALTER COLUMN doc_id TYPE TEXT COLLATE "C";
