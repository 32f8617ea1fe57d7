//! # IMM forms
//!
//! IRCC's forms (IMM 5257, 5645, 5476…) filled from the applicant and the
//! case without breaking them. IRCC's blanks are encrypted, certified,
//! Reader-extended XFA PDFs: a tool that saves the whole file breaks them
//! (Adobe Reader reports an error and Validate stops working). This module
//! writes only the form's data (the XFA `datasets` packet) and appends it
//! to the blank as an incremental update that leaves every original byte
//! in place ([`immcase_pdf_forms`]), then says exactly what it could not
//! fill. The consultant opens the result in Adobe Reader, presses Validate
//! (which draws IRCC's barcodes) and submits on the IRCC portal.
//!
//! ## Catalog
//!
//! Administrators (`imm-forms.manage`) upload each blank once; the repository
//! ships none (IRCC's forms are Crown copyright). A blank already in the
//! catalog (same SHA-256) is not stored twice. A new one waits until the
//! administrator names it (form code, title, language, edition label such as
//! `(10-2023) E`): before that it cannot be activated or filled. Naming
//! makes it an edition of its form; it becomes the form's **active
//! edition** only when the administrator says so. Older editions stay
//! readable, with their maps, for the cases that used them.
//!
//! ## Field maps
//!
//! Each edition has a map, versioned ([`maps`]): for each field its data
//! path, its source (applicant or case field, a family member's row, a
//! constant, a question asked when filling), its changes (ISO date, date
//! part, Y/N, 1/2, the form's own code list, upper case, maximum length)
//! and whether it is required. A new edition starts from a suggestion: the
//! previous edition's map (or the one shipped for IMM 5257, 5645 and 5476)
//! with the fields that are gone removed and the new ones listed.
//!
//! ## Filling
//!
//! `POST /cases/:id/fill` fills the form's active edition (or a named one)
//! from the case, its applicant and the applicant's family (the Family tab),
//! stores the PDF in the case's files, and keeps a record of who generated
//! which edition for which case, with the report: every field written and
//! every field not filled with its reason. Values never go to the logs.
//!
//! ## Letters
//!
//! Letter templates (retainer agreement, cover letter, document checklist,
//! or the practice's own) are Typst markup with `{{applicant.family_name}}`
//! tokens and the practice's letterhead (`#letterhead()`), checked when saved
//! and versioned ([`letters`]); a case's Forms tab generates one as a PDF
//! filed with the case, refused while a token has no value on the record.
//!
//! ## JSON API (below `/api/v1/m/imm-forms`)
//!
//! | request | answer |
//! |---|---|
//! | `GET /editions` | `{"items": [edition]}` |
//! | `POST /editions` (body: the PDF) | 201 with a new unnamed edition; 200 with the edition that has the same SHA-256 |
//! | `GET /editions/:id` | the edition |
//! | `POST /editions/:id/name` `{form_code, title, language, label}` | the named edition |
//! | `POST /editions/:id/activate` | the edition, now its form's active one |
//! | `GET /editions/:id/blank` | the blank PDF |
//! | `POST /editions/:id/try` `{values: [{path, value}]}` | the blank filled with these values (nothing kept), `X-Written` and `X-Refused` counts |
//! | `GET /editions/:id/map` | `{text, version, fields, problems}` |
//! | `PUT /editions/:id/map` `{text, version}` | the map; 422 naming each line's mistake; 409 when `version` is stale |
//! | `GET /editions/:id/map/versions` | every saved version, newest first |
//! | `GET /editions/:id/map/suggestion` | `{text, kept, removed, new}` |
//! | `GET /forms` | each form with its active edition |
//! | `POST /cases/:id/fill` `{form_code \| edition_id, answers}` | 201 with the generated form and its report |
//! | `GET /cases/:id/generated` | what was generated for the case |
//! | `GET /generated/:id` | one generated form and its report |
//! | `GET /templates`, `POST /templates` `{title, starter \| source}` | the letter templates; a new one, checked |
//! | `GET /templates/:key`, `PUT /templates/:key` `{title, source, version}` | a template; 422 naming each mistake with its line and column; 409 when `version` is stale |
//! | `GET /templates/:key/versions` | every saved version, newest first |
//! | `GET /templates/:key/preview` | the template typeset with sample values, as a PDF |
//! | `POST /cases/:id/letters` `{template}` | 201 with the letter filed with the case; 422 naming each token the record has no value for |
//! | `GET /cases/:id/letters` | the letters generated for the case |
//! | `GET /family/:applicant_id`, `PUT /family/:applicant_id` `{members, version}` | the applicant's family |

use immcase_sdk::{Plugin, Router, export_plugin};

pub mod catalog;
pub mod family;
pub mod fill;
pub mod letters;
pub mod maps;
mod pages;

pub struct ImmForms;

impl Plugin for ImmForms {
    fn router() -> Router {
        Router::new()
            .get("/", pages::catalog::home)
            .get("/forms", catalog::list_forms)
            .get("/editions", catalog::list)
            .post("/editions", catalog::upload)
            .get("/editions/:id", catalog::show)
            .post("/editions/:id/name", catalog::name)
            .post("/editions/:id/activate", catalog::activate)
            .get("/editions/:id/blank", catalog::blank)
            .post("/editions/:id/try", catalog::try_fill)
            .get("/editions/:id/map", maps::store::show)
            .put("/editions/:id/map", maps::store::save)
            .post("/editions/:id/map", maps::store::save)
            .get("/editions/:id/map/versions", maps::store::versions)
            .get("/editions/:id/map/suggestion", maps::store::suggestion)
            .get("/cases/:id", pages::case::tab)
            .get("/cases/:id/fill", pages::case::fill_form)
            .post("/cases/:id/fill", fill::fill)
            .get("/cases/:id/generated", fill::list_for_case)
            .get("/generated/:id", fill::show)
            .get("/cases/:id/letters", letters::generate::list_for_case)
            .post("/cases/:id/letters", letters::generate::generate)
            .get("/templates", letters::list)
            .post("/templates", letters::create)
            .get("/templates/:key", letters::show)
            .put("/templates/:key", letters::change)
            .post("/templates/:key", letters::change)
            .get("/templates/:key/versions", letters::versions)
            .get("/templates/:key/preview", letters::preview)
            .get("/family/:id", family::show)
            .put("/family/:id", family::save)
            .post("/family/:id", family::save)
    }
}

export_plugin!(ImmForms);

/// Who may upload blanks, name and activate editions and edit maps.
pub const MANAGE: &str = "imm-forms.manage";
