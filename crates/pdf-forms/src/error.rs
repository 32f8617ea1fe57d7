//! What can go wrong reading or filling a form, in plain words.

/// Why a PDF could not be read or filled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("not a PDF (no %PDF- header)")]
    NotPdf,
    #[error("the file is encrypted with a password needed to open it")]
    PasswordRequired,
    #[error("no form in this PDF")]
    NoForm,
    #[error("unsupported encryption ({0})")]
    UnsupportedEncryption(String),
    #[error("damaged cross-reference table at byte {0}")]
    DamagedXref(usize),
    #[error("no startxref at the end of the file")]
    NoStartXref,
    #[error("damaged object at byte {0}")]
    DamagedObject(usize),
    #[error("object {0} is missing")]
    MissingObject(u32),
    #[error("stream could not be decoded: {0}")]
    BadStream(String),
    #[error("damaged XFA packet {packet}: {reason}")]
    BadXfa { packet: String, reason: String },
    #[error("the XFA form has no datasets packet")]
    NoDatasets,
    #[error("damaged document structure: {0}")]
    Structure(String),
}
