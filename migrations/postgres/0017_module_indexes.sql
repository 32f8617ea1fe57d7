-- The fields of each module collection whose values are copied into
-- `module_document_fields`, as they were when those copies were last made.
-- When a module's manifest indexes other fields, the server rebuilds the
-- copies of that collection's documents at start and records the new list.
CREATE TABLE module_indexes (
    module_id  TEXT NOT NULL,
    collection TEXT NOT NULL,
    fields     TEXT NOT NULL,
    built_at   BIGINT NOT NULL,
    PRIMARY KEY (module_id, collection)
);
