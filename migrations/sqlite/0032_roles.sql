-- PostgreSQL only (roles and row-level security); SQLite has neither.
SELECT 1;
