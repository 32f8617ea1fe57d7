//! The end-to-end tests: the real ImmCase host started in-process on SQLite
//! and PostgreSQL, real compiled modules, a real SMTP server and S3 store,
//! driven over HTTP. One binary links the server once; each area of the
//! product is a module of it (`cargo test --test e2e AREA::` runs one).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod access;
mod applicants;
mod audit;
mod backup;
mod calendar;
mod calendar_records;
mod calendar_sync;
mod calendar_team;
mod case_programs;
mod cases;
mod child_server;
mod dav;
mod dav_mounts;
mod duplicates_page;
mod edit_conflicts;
mod email;
mod extension_points;
mod files;
mod files_s3;
mod files_sweep;
mod helpdesk;
mod helpdesk_files;
mod helpdesk_people;
mod helpdesk_related;
mod helpdesk_sla;
mod helpdesk_triage;
mod imm_forms;
mod imm_letters;
mod invitations;
mod lists;
mod mail_crash;
mod mail_outbox;
mod mailbox_imap;
mod mailboxes;
mod merge;
mod module_actions;
mod module_directory;
mod module_files;
mod module_imports;
mod module_installs;
mod module_mail;
mod module_public;
mod module_settings;
mod module_versions;
mod module_write_lock;
mod modules;
mod notifications;
mod pages;
mod pages_applicants;
mod pages_cases;
mod pages_records;
mod passwords;
mod personal_data;
mod plugin_check;
mod plugin_new;
mod practice_logo;
mod practice_settings;
mod practices;
mod probe_findings;
mod search;
mod search_page;
mod search_queue;
mod search_settings;
mod second_factor;
mod server;
mod sign_in;
mod store_order;
mod trash;
mod trash_settings;
mod video_calls;
mod workflows;
