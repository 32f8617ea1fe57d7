-- The web app: a person's email signature (set from My Profile), and a
-- one-time message shown on the next page a session renders (the flash).
ALTER TABLE users ADD COLUMN email_signature TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN flash TEXT;
