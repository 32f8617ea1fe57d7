//! What a person does in a browser: Debian's Chromium, driven over WebDriver,
//! against the real server on SQLite and on PostgreSQL. Its own binary, so
//! the other end-to-end tests do not link a WebDriver client.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod app_passwords;
mod audit;
mod calendar;
mod email;
mod files;
mod harness;
mod helpdesk;
mod helpdesk_escalation;
mod imm_forms;
mod mail;
mod merge;
mod module_registry;
mod module_settings;
mod notifications;
mod pages;
mod passkeys;
mod people;
mod records;
mod search;
mod search_settings;
mod second_factor;
mod settings_pages;
mod smoke;
mod video_calls;
mod workflows;
