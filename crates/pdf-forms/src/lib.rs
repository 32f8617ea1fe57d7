//! Fills IRCC immigration forms (IMM 5257, 5645, 5476…) without breaking them.
//!
//! IRCC publishes its forms as encrypted (empty user password, an owner
//! password), Reader-extended XFA PDFs. A tool that rewrites the whole file
//! voids the usage rights and Adobe's *Validate* button stops working. This
//! crate writes only the XFA `datasets` packet (the form's data) and appends
//! it as an **incremental update**: every original byte stays in place as a
//! prefix of the output, exactly one object is added (the datasets stream,
//! under its own object number), plus a cross-reference section of the same
//! kind as the file's last one (a classic table, or an xref stream object),
//! chained by `/Prev`, with the same `/ID` and `/Encrypt`.
//!
//! Forms without XFA (plain AcroForm) are filled by setting `/V` on the
//! fields (and `/AS` on check box widgets) and `/NeedAppearances true` on the
//! AcroForm dictionary, also as an incremental update.
//!
//! It is pure Rust (no threads, no file system, no C) and builds for
//! `wasm32-wasip2`.
//!
//! The entry points are [`inspect`] (technology, encryption, pages, XFA
//! packets and the fields the template binds to data), [`fill`],
//! [`read_values`], [`packet_bytes`] and [`last_revision`]. With the
//! `fixtures` feature, [`fixtures`] builds synthetic IRCC-like forms
//! (IMM 5257, 5645, 5476 and a plain AcroForm) for tests and benchmarks.
//!
//! A call to [`fill`] that writes nothing (every value refused) returns the
//! original bytes unchanged, with no update appended.
//!
//! # Limits
//! - Encryption: the standard security handler with the empty user password
//!   only (RC4 40–128 bits R2/R3, V4 crypt filters AESV2/V2, AES-256 R5/R6).
//!   Files needing a password to open are refused; public-key handlers too.
//! - Filters: FlateDecode (with PNG predictors) only, which is what XFA
//!   packets, object streams and xref streams use.
//! - Choice lists: the template's `<items>` (with `save="1"` codes), and
//!   `<bindItems ref="xfa.datasets.…[*]" labelRef valueRef>` resolved in the
//!   datasets packet, where IRCC keeps its lists of values (`LOVFile`).
//! - XFA data binding: implicit binding by names of nested subforms and
//!   fields (unnamed subforms are transparent, `pageSet` is skipped),
//!   `bind match="none"` (not data), `match="global"` (like normal), and
//!   `match="dataRef"` with `$.A.B`, `$record.A.B` or `$data.A.B` refs. Not
//!   supported: `..` and `$template` refs, `bindItems`, data descriptions
//!   that rename nodes, attribute data nodes, and sibling fields of the same
//!   name binding to successive data nodes (they are one path here).
//! - The datasets packet must exist (IRCC's forms always have one); a form
//!   without it is refused rather than given a new packet.
//! - Check boxes and radio groups take the saved value as given (XFA: the
//!   `<items>` value such as `1` or `Y`; AcroForm: the appearance state name,
//!   with `Off`, `No`, `0`, `false` or empty meaning unchecked).
//! - Values are written as given: length limits (`maxChars`) and code lists
//!   are reported by [`inspect`] but not enforced by [`fill`] (the form's own
//!   validation still runs when it is opened).
//! - Rich text and images in data nodes are replaced by plain text.
//! - Other packets are left as they are, the `form` packet (the saved form
//!   state) included: its checksum no longer matches the new data, so the
//!   viewer merges the data from `datasets` anew when it opens the file, as
//!   it does after any other tool's change to the data.
//! - Damaged files are not repaired: a broken cross-reference is an error.
//! - AES initialization vectors are derived from SHA-256 of the content, the
//!   object number and the file ID (no operating-system random source).

mod acroform;
mod ciphers;
mod crypt;
mod datasets;
mod document;
mod error;
mod filters;
mod lexer;
mod objects;
mod paths;
mod template;
mod update;
mod xfa;
mod xml;
mod xref;

#[cfg(feature = "fixtures")]
pub mod fixtures;

pub use error::PdfError;

use document::Document;
use objects::{Object, get};

/// How the form is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Technology {
    /// Plain PDF form fields, no XFA.
    AcroForm,
    /// XFA with a fixed layout (no `/NeedsRendering`).
    StaticXfa,
    /// XFA laid out by the viewer (`/NeedsRendering true`).
    DynamicXfa,
}

/// What kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Date,
    Choice,
    Check,
    Numeric,
    Other,
}

/// One entry of a choice list: the saved code and the displayed text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeItem {
    pub code: String,
    pub label: String,
}

/// A field of the form's own data description.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldInfo {
    /// XFA: dot-separated data node names from the data root, a repeating
    /// subform's step written `Child[*]`. AcroForm: the full field name.
    pub path: String,
    pub kind: FieldKind,
    /// XFA `<text maxChars>`, AcroForm `/MaxLen`.
    pub max_chars: Option<u32>,
    /// XFA `<items>` (with `save="1"` codes), AcroForm `/Opt`; for check
    /// boxes, the on/off values.
    pub code_list: Vec<CodeItem>,
    /// The innermost repeating subform's `<occur max>` (`u32::MAX` for -1).
    pub repeat_max: Option<u32>,
    /// XFA `nullTest="error"`, AcroForm required flag.
    pub required: bool,
}

/// What [`inspect`] finds in a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormInfo {
    pub technology: Technology,
    pub encrypted: bool,
    pub pages: usize,
    /// XFA packet names in order; empty for AcroForm.
    pub packets: Vec<String>,
    pub fields: Vec<FieldInfo>,
}

/// A value to write. Repeated rows are indexed from 0:
/// `form1.Page2.Family.Child[1].GivenName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    pub path: String,
    pub value: String,
}

impl FieldValue {
    pub fn new(path: impl Into<String>, value: impl Into<String>) -> FieldValue {
        FieldValue {
            path: path.into(),
            value: value.into(),
        }
    }
}

/// Why a value was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The form does not describe this path.
    UnknownPath,
    /// Characters not allowed in XML 1.0 (or in a PDF form field).
    InvalidCharacters,
    /// A row index at or beyond the repeating subform's maximum.
    TooManyRows { max: u32 },
}

/// The filled PDF and what was written or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// The original bytes followed by the update (the original bytes
    /// unchanged when nothing was written).
    pub pdf: Vec<u8>,
    pub written: Vec<String>,
    pub refused: Vec<(String, Refusal)>,
}

/// The kind of a cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefKind {
    /// A classic `xref` table (hybrid files with `/XRefStm` included).
    Table,
    /// A cross-reference stream.
    Stream,
}

/// Facts about a file's last revision, from its last cross-reference section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionInfo {
    pub xref_kind: XrefKind,
    /// The offset the last `startxref` gives.
    pub startxref: usize,
    /// `/Prev`: the previous section's offset, if any.
    pub prev: Option<usize>,
    pub size: u32,
    /// The two `/ID` strings.
    pub id: Vec<Vec<u8>>,
    /// The `/Encrypt` reference (number, generation).
    pub encrypt: Option<(u32, u16)>,
}

/// Reads the last revision's cross-reference facts (for checking updates).
pub fn last_revision(pdf: &[u8]) -> Result<RevisionInfo, PdfError> {
    let doc = Document::open(pdf)?;
    let t = &doc.xref.trailer;
    Ok(RevisionInfo {
        xref_kind: match doc.xref.last_kind {
            xref::SectionKind::Table => XrefKind::Table,
            xref::SectionKind::Stream => XrefKind::Stream,
        },
        startxref: doc.xref.startxref,
        prev: get(t, "Prev")
            .and_then(Object::as_int)
            .and_then(|p| usize::try_from(p).ok()),
        size: get(t, "Size")
            .and_then(Object::as_int)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0),
        id: get(t, "ID")
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Object::as_str)
                    .map(<[u8]>::to_vec)
                    .collect()
            })
            .unwrap_or_default(),
        encrypt: get(t, "Encrypt")
            .and_then(Object::as_ref)
            .map(|r| (r.num, r.generation)),
    })
}

/// Describes the form: technology, encryption, pages, packets, fields.
pub fn inspect(pdf: &[u8]) -> Result<FormInfo, PdfError> {
    let doc = Document::open(pdf)?;
    let pages = doc.page_count()?;
    let encrypted = doc.security.is_some();
    let Some(layout) = xfa::layout(&doc)? else {
        let form = acroform::Form::read(&doc)?;
        return Ok(FormInfo {
            technology: Technology::AcroForm,
            encrypted,
            pages,
            packets: Vec::new(),
            fields: form.fields.iter().map(acroform::Field::info).collect(),
        });
    };
    let dynamic = matches!(
        get(&doc.catalog()?, "NeedsRendering"),
        Some(Object::Bool(true))
    );
    let packets = xfa::packet_bytes(&doc, &layout)?;
    let mut fields = xfa::template_fields(&packets)?;
    xfa::resolve_bound_items(&mut fields, &packets)?;
    Ok(FormInfo {
        technology: if dynamic {
            Technology::DynamicXfa
        } else {
            Technology::StaticXfa
        },
        encrypted,
        pages,
        packets: packets.into_iter().map(|(n, _)| n).collect(),
        fields: fields.into_iter().map(|f| f.info).collect(),
    })
}

/// Each XFA packet's decoded (decrypted, inflated) bytes, latest revision.
pub fn packet_bytes(pdf: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PdfError> {
    let doc = Document::open(pdf)?;
    let layout = xfa::layout(&doc)?.ok_or(PdfError::NoForm)?;
    xfa::packet_bytes(&doc, &layout)
}

/// The data as it now reads, by indexed path (XFA: the latest datasets;
/// AcroForm: `/V`).
pub fn read_values(pdf: &[u8]) -> Result<Vec<(String, String)>, PdfError> {
    let doc = Document::open(pdf)?;
    let Some(layout) = xfa::layout(&doc)? else {
        return Ok(acroform::Form::read(&doc)?.values());
    };
    let packets = xfa::packet_bytes(&doc, &layout)?;
    let defs = xfa::template_fields(&packets)?;
    let (_, bytes) = packets
        .iter()
        .find(|(n, _)| n == "datasets")
        .ok_or(PdfError::NoDatasets)?;
    let ds = datasets::Datasets::parse(xfa::as_text(bytes, "datasets")?)
        .map_err(|reason| xfa::bad("datasets", reason))?;
    let mut out = Vec::new();
    for def in &defs {
        ds.read(def, &mut out);
    }
    Ok(out)
}

/// Writes the values and appends them as an incremental update.
pub fn fill(pdf: &[u8], values: &[FieldValue]) -> Result<Filled, PdfError> {
    let doc = Document::open(pdf)?;
    let Some(layout) = xfa::layout(&doc)? else {
        return acroform::fill(&doc, values);
    };
    let packets = xfa::packet_bytes(&doc, &layout)?;
    let defs = xfa::template_fields(&packets)?;
    let place = xfa::datasets_place(&doc, &layout)?;
    let old = xfa::as_text(&place.whole[place.range.0..place.range.1], "datasets")?;
    let mut ds = datasets::Datasets::parse(old).map_err(|reason| xfa::bad("datasets", reason))?;
    let mut written = Vec::new();
    let mut refused = Vec::new();
    for v in values {
        match paths::match_path(&defs, &v.path) {
            Ok(_) if !paths::valid_xml_text(&v.value) => {
                refused.push((v.path.clone(), Refusal::InvalidCharacters));
            }
            Ok((def, indexes)) => {
                ds.set(&def.segments, &indexes, &v.value);
                written.push(v.path.clone());
            }
            Err(refusal) => refused.push((v.path.clone(), refusal)),
        }
    }
    if written.is_empty() {
        return Ok(Filled {
            pdf: pdf.to_vec(),
            written,
            refused,
        });
    }
    let mut whole = place.whole[..place.range.0].to_vec();
    whole.extend_from_slice(ds.to_text().as_bytes());
    whole.extend_from_slice(&place.whole[place.range.1..]);
    let body = update::stream_body(&doc, place.id, &place.stream, &whole);
    let out = update::append(&doc, vec![update::NewObject { id: place.id, body }]);
    Ok(Filled {
        pdf: out,
        written,
        refused,
    })
}
