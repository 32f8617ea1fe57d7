-- The second wall between practices (docs/practice-wall.md): every table
-- holding practice data has row-level security, enabled and forced.
-- immcase_app sees and writes the rows of the practice its connection is
-- set to (`immcase.practice`, set each time the server takes a connection
-- for a practice) and nothing when none is set; immcase_system sees every
-- practice; the schema's owner keeps every row for migrations and backups.
-- PostgreSQL applies the policies of the role a statement runs as: the
-- server's connections take on one of the two roles (SET ROLE).

-- What the two roles may do: read and write every table (row-level
-- security decides which rows), use the sequences, and nothing else. A
-- function, because a restore (whose snapshot carries no privileges)
-- grants it all again.
CREATE FUNCTION immcase_grants() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    GRANT USAGE ON SCHEMA public TO immcase_app, immcase_system;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public
        TO immcase_app, immcase_system;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public
        TO immcase_app, immcase_system;
    REVOKE ALL ON _sqlx_migrations FROM immcase_app, immcase_system;
    -- A backup records the schema it was taken from.
    GRANT SELECT ON _sqlx_migrations TO immcase_system;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO immcase_app, immcase_system;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
        GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO immcase_app, immcase_system;
END
$$;
REVOKE ALL ON FUNCTION immcase_grants() FROM PUBLIC;
SELECT immcase_grants();

-- Puts the wall on `tbl`, whose column `col` names the practice. A later
-- migration that adds a practice table calls it too; a test fails for a
-- table with a practice_id column and no forced row-level security.
CREATE FUNCTION immcase_wall(tbl regclass, col text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY practice_wall ON %s TO immcase_app '
        'USING (%I = current_setting(''immcase.practice'', true)) '
        'WITH CHECK (%I = current_setting(''immcase.practice'', true))',
        tbl, col, col);
    EXECUTE format(
        'CREATE POLICY system_path ON %s TO immcase_system USING (true) WITH CHECK (true)',
        tbl);
    -- Whoever else reaches the table (only the schema's owner is granted
    -- it): migrations and backups keep every row.
    EXECUTE format(
        'CREATE POLICY schema_owner ON %s '
        'USING (current_user NOT IN (''immcase_app'', ''immcase_system'')) '
        'WITH CHECK (current_user NOT IN (''immcase_app'', ''immcase_system''))',
        tbl);
END
$$;
REVOKE ALL ON FUNCTION immcase_wall(regclass, text) FROM PUBLIC;

SELECT immcase_wall('practices', 'id');
SELECT immcase_wall('app_passwords', 'practice_id');
SELECT immcase_wall('applicant_contacts', 'practice_id');
SELECT immcase_wall('applicant_merges', 'practice_id');
SELECT immcase_wall('applicant_name_keys', 'practice_id');
SELECT immcase_wall('applicants', 'practice_id');
SELECT immcase_wall('audit_log', 'practice_id');
SELECT immcase_wall('case_programs', 'practice_id');
SELECT immcase_wall('cases', 'practice_id');
SELECT immcase_wall('event_deliveries', 'practice_id');
SELECT immcase_wall('events', 'practice_id');
SELECT immcase_wall('file_folders', 'practice_id');
SELECT immcase_wall('files', 'practice_id');
SELECT immcase_wall('folio_counters', 'practice_id');
SELECT immcase_wall('list_views', 'practice_id');
SELECT immcase_wall('mail_attachments', 'practice_id');
SELECT immcase_wall('mail_attempts', 'practice_id');
SELECT immcase_wall('mail_outbox', 'practice_id');
SELECT immcase_wall('mail_quota_days', 'practice_id');
SELECT immcase_wall('mailbox_messages', 'practice_id');
SELECT immcase_wall('mailbox_readers', 'practice_id');
SELECT immcase_wall('mailboxes', 'practice_id');
SELECT immcase_wall('module_document_fields', 'practice_id');
SELECT immcase_wall('module_document_snapshots', 'practice_id');
SELECT immcase_wall('module_documents', 'practice_id');
SELECT immcase_wall('module_search_documents', 'practice_id');
SELECT immcase_wall('module_timers', 'practice_id');
SELECT immcase_wall('notification_choices', 'practice_id');
SELECT immcase_wall('notifications', 'practice_id');
SELECT immcase_wall('password_tokens', 'practice_id');
SELECT immcase_wall('practice_logos', 'practice_id');
SELECT immcase_wall('practice_mail', 'practice_id');
SELECT immcase_wall('practice_modules', 'practice_id');
SELECT immcase_wall('practice_security', 'practice_id');
SELECT immcase_wall('practice_settings', 'practice_id');
SELECT immcase_wall('practice_storage', 'practice_id');
SELECT immcase_wall('record_changes', 'practice_id');
SELECT immcase_wall('recovery_codes', 'practice_id');
SELECT immcase_wall('reset_requests', 'practice_id');
SELECT immcase_wall('roles', 'practice_id');
SELECT immcase_wall('search_queue', 'practice_id');
SELECT immcase_wall('search_settings', 'practice_id');
SELECT immcase_wall('second_factors', 'practice_id');
SELECT immcase_wall('server_operators', 'practice_id');
SELECT immcase_wall('sessions', 'practice_id');
SELECT immcase_wall('sign_in_addresses', 'practice_id');
SELECT immcase_wall('sign_in_challenges', 'practice_id');
SELECT immcase_wall('sign_in_failures', 'practice_id');
SELECT immcase_wall('trash', 'practice_id');
SELECT immcase_wall('user_roles', 'practice_id');
SELECT immcase_wall('users', 'practice_id');
SELECT immcase_wall('workflow_runs', 'practice_id');
SELECT immcase_wall('workflow_templates', 'practice_id');
SELECT immcase_wall('workflow_versions', 'practice_id');
SELECT immcase_wall('workflows', 'practice_id');
