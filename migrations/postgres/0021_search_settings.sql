-- Settings → Search: which applicant fields the practice's search finds
-- (a JSON array of field names; a practice without a row searches them
-- all). `generation` goes up with each change of the fields: every server
-- process rebuilds the practice's applicants in its own index when the
-- generation it last built them for (kept beside its index) is older. The
-- rebuild_* columns hold the progress of that rebuild as the process doing
-- it last reported it (see docs/decisions.md, "Searchable fields").
CREATE TABLE search_settings (
    practice_id          TEXT PRIMARY KEY REFERENCES practices (id),
    applicant_fields     TEXT NOT NULL,
    version              BIGINT NOT NULL,
    generation           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    rebuild_generation   BIGINT,
    rebuild_done         BIGINT NOT NULL DEFAULT 0,
    rebuild_total        BIGINT NOT NULL DEFAULT 0,
    rebuild_elapsed_ms   BIGINT NOT NULL DEFAULT 0,
    rebuild_started_at   BIGINT,
    rebuild_finished_at  BIGINT
);
