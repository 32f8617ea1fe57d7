-- The two roles the server's queries run as (docs/practice-wall.md):
-- immcase_app for everything done for one practice, immcase_system for
-- the system path. Neither can log in, own anything or bypass row-level
-- security; the role that runs the migrations (the schema's owner) becomes
-- a member of both so that its connections can take them on. Roles belong
-- to the whole PostgreSQL server: installations on one server share them,
-- each database granting them only its own tables.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['immcase_app', 'immcase_system'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format(
                    'CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
                    r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- Another database's migration created it meanwhile.
                NULL;
            END;
        END IF;
        IF NOT pg_has_role(current_user, r, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', r, current_user);
        END IF;
    END LOOP;
END
$$;
