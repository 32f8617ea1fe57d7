//! Letters and summaries from templates, typeset to PDF.
//!
//! A practice writes templates (a retainer agreement, a cover letter, a
//! document checklist…) in [Typst](https://typst.app) markup with
//! `{{applicant.family_name}}`-style tokens. Style is Typst's `set` and
//! `show` rules. [`check`] tells an administrator what is wrong with a
//! template, at their line and column; [`render`] fills in a case's values
//! and makes a PDF. Typst runs as a library in a closed world, so this crate
//! builds for `wasm32-wasip2`:
//!
//! - **Tokens** are `{{ name }}` on one line, names `[a-z_]+(\.[a-z_]+)*`
//!   ([`Vocabulary::standard`] lists the usual ones). A value is always
//!   inserted as plain text: each token becomes a read of Typst's
//!   `sys.inputs`, so `*`, `#`, `$`, `[`, `<`, `@` in a value are just
//!   characters. A token works in markup and content blocks, as an argument
//!   or expression in code (`#upper({{applicant.family_name}})`), and inside a
//!   string literal (`"File {{case.folio}}"`, which becomes a sum of
//!   strings). Not supported, each reported as a problem: a token inside
//!   raw text (between backticks), a token after a backslash, and a token
//!   in a bare URL (`https://example.com/{{case.folio}}`; write
//!   `#link("https://example.com/{{case.folio}}")`). A token inside a
//!   comment is left alone (but still needs a value). A literal `{{` cannot
//!   be written in a template (in Typst code, write `{ {`).
//! - **Letterhead**: every template can call `#letterhead()` (arguments
//!   `logo-height: 1.6cm`, `rule: true`), which draws the practice's name,
//!   address, phone, email and website from the [`Letterhead`] given, and
//!   its logo when there is one. It is defined in a virtual
//!   `/letterhead.typ` imported before the template's first line. The
//!   `practice.*` tokens take the letterhead's fields unless values are given.
//! - **Fonts**: only embedded fonts, [`fonts::SERIF`] (Libertinus Serif,
//!   Typst's default) and [`fonts::SANS`] (Liberation Sans), regular, bold,
//!   italic and bold italic (about 2.9 MB). Text in other scripts (Arabic,
//!   Chinese, Devanagari…) has no glyphs and shows as empty boxes; there are
//!   no monospace or math fonts, so raw text and equations fall back to them.
//! - **No outside world**: no files but the template, `/letterhead.typ` and
//!   the logo; no packages (`@preview/…` imports fail); no clock
//!   (`datetime.today()` is an error: dates come in as values such as
//!   `{{today}}`).
//! - **Threads**: none are needed. Typst's parallel steps (`par_iter`) and
//!   the PDF writer's page streams (krilla's `Deferred`: `rayon::spawn`,
//!   then `rayon::yield_now` until done) run on rayon, whose global pool,
//!   when a thread cannot be spawned (`ErrorKind::Unsupported`, as on
//!   `wasm32-wasip2`), is the calling thread alone (rayon-core 1.13,
//!   `default_global_registry`); spawned jobs go to that thread's own queue
//!   and `yield_now` runs them.
//! - **Determinism**: the same template, values and letterhead give the same
//!   PDF bytes (no creation date unless the template sets one).

mod check;
mod compile;
pub mod fonts;
mod letterhead;
mod position;
mod render;
mod rewrite;
mod starters;
mod tokens;
mod vocabulary;
mod world;

pub use check::{Checked, check};
pub use letterhead::{Letterhead, Logo, LogoFormat};
pub use position::{Position, Problem};
pub use render::{RenderError, Rendered, render};
pub use starters::{Starter, starters};
pub use tokens::tokens;
pub use vocabulary::Vocabulary;
