-- Audit entries about an applicant's or a case's data name them (a case's
-- entries name its applicant too; a file's, the applicant or case it
-- belongs to), so the log can be read for one record, and by person or
-- time. Entries written before have neither.
ALTER TABLE audit_log ADD COLUMN applicant_id TEXT;
ALTER TABLE audit_log ADD COLUMN case_id TEXT;
CREATE INDEX audit_log_applicant ON audit_log (practice_id, applicant_id, id);
CREATE INDEX audit_log_case ON audit_log (practice_id, case_id, id);
CREATE INDEX audit_log_actor ON audit_log (practice_id, actor_user_id, id);
CREATE INDEX audit_log_at ON audit_log (practice_id, at);
