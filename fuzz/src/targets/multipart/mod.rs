//! Uploads and forms with files: a `multipart/form-data` body and its
//! Content-Type, read by the host.
//!
//! An input is the Content-Type header's value, a line break, then the
//! body. Each input is read four ways:
//!
//! - by `files::upload::receive`, the upload routes' reader, on a host
//!   opened over a temporary folder (`host.rs`), once as the JSON API
//!   reads it (all files or none, `Keep::All`) and once as a page's form
//!   does (`Keep::Fitting`). The body arrives in chunks of changing sizes,
//!   as a connection delivers it; the host streams each file to its blob
//!   store within the per-file limit (8 KiB here) and the quota (24 KiB),
//!   and names files and folders with `files::naming`;
//! - whole, as the CSRF check of a module's form and the logo's form read
//!   theirs (`whole.rs`).
//!
//! Besides panics, hangs and memory, a finding is: an upload refused with
//! a server error; a file kept whose name, folder, content type or
//! download header the host would not give again as it is (`naming`'s
//! functions applied to their own results), or whose
//! `Content-Disposition` does not name it exactly; and a file kept whose
//! size or SHA-256 differs from the part read whole (the chunks' sizes
//! changed what was kept).
//!
//! The form token an upload compares `_csrf` parts with
//! (`FormTokenPending`) can only be made by the CSRF middleware, so the
//! uploads here have none: their `_csrf` parts are read, not compared.

mod checks;
mod drawn;
mod whole;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use bytes::Bytes;
use immcase_host::error::AppError;
use immcase_host::files::upload::{self, Keep, Refused};

use super::host::OpenHost;
use super::{Outcome, Target, drawn_seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

/// The most one file may be on the fuzzed host.
pub const MAX_FILE_BYTES: u64 = 8 * 1024;
/// The most the fuzzed practice may store.
pub const QUOTA_BYTES: u64 = 24 * 1024;

const MUTATOR: Mutator = Mutator {
    dictionary: &[
        b"\r\n",
        b"\r\n\r\n",
        b"\n",
        b"--",
        b"\r\n--",
        b"Content-Disposition: form-data; name=\"file\"; filename=\"",
        b"Content-Disposition: form-data; name=\"folder\"\r\n",
        b"Content-Disposition: form-data; name=\"_csrf\"\r\n",
        b"Content-Disposition: form-data; name=\"logo\"; filename=\"logo.svg\"\r\n",
        b"Content-Type: application/pdf\r\n",
        b"Content-Type: ",
        b"; filename*=UTF-8''%E2%80%AEfdp.exe",
        b"; filename=",
        b"; name=",
        b"; boundary=",
        b"; charset=utf-8",
        b"\"",
        b"\\\"",
        b"\\",
        b"/",
        b"../",
        b"%00",
        b"\xe2\x80\xae",
        b"\xef\xbb\xbf",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\">",
        b"\x89PNG\r\n\x1a\n",
        b"multipart/form-data",
    ],
    max_len: 64 * 1024,
};

/// The host's readers of uploads and forms with files.
pub struct MultipartTarget {
    seeds: Vec<Vec<u8>>,
    host: Option<OpenHost>,
}

impl MultipartTarget {
    pub fn new() -> MultipartTarget {
        MultipartTarget {
            seeds: corpus::files(&corpus::seeds_dir("multipart"), "form"),
            host: None,
        }
    }
}

impl Target for MultipartTarget {
    fn name(&self) -> &'static str {
        "multipart"
    }

    fn extension(&self) -> &'static str {
        "form"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        drawn_seed_or_mutant(&self.seeds, &MUTATOR, index, dice, 3, 3, |bytes| {
            drawn::request(bytes)
        })
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let (content_type, body) = request(input);
        let host = self.host.get_or_insert_with(|| {
            OpenHost::open(|config| {
                config.files.max_file_bytes = MAX_FILE_BYTES;
                config.files.practice_quota_bytes = QUOTA_BYTES;
            })
        });
        // What the host's readers take from the header: its value when it
        // is visible ASCII, else nothing.
        let headers = headers(content_type);
        let text = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let reference = host.block_on(whole::parts(text, body));
        let _ = host.block_on(whole::form_token(text, body));
        let _ = host.block_on(whole::logo(text, body));
        let mut accepted = false;
        for keep in [Keep::All, Keep::Fitting] {
            let kept = host.block_on(async {
                let body = Body::from_stream(futures_util::stream::iter(
                    chunks(body).into_iter().map(Ok::<Bytes, std::io::Error>),
                ));
                let result = upload::receive(
                    &host.state,
                    host.practice.id(),
                    (&headers, body),
                    None,
                    keep,
                )
                .await;
                if let Ok((upload, _)) = &result {
                    upload::discard(&host.state, &upload.files).await;
                }
                result
            });
            match kept {
                Ok((upload, left_out)) => {
                    accepted = true;
                    checks::kept(&upload, &left_out);
                    if keep == Keep::All {
                        checks::same_as_whole(&upload.files, reference.as_deref());
                    }
                }
                Err(Refused::Error(e)) => refused(&e),
                Err(Refused::FormToken) => {
                    panic!("an upload without a form token to check refused its token")
                }
            }
        }
        if accepted {
            Outcome::Accepted
        } else {
            Outcome::Refused
        }
    }

    fn reset(&mut self) {
        self.host = None;
    }
}

/// The Content-Type's value (the input's first line) and the body.
fn request(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let line = &input[..end];
            (line.strip_suffix(b"\r").unwrap_or(line), &input[end + 1..])
        }
        None => (input, &[]),
    }
}

/// The request's headers: its Content-Type when it is a header's value.
fn headers(content_type: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers
}

/// The body as a connection may deliver it: chunks of 1, 2, 3, 7, 64 and
/// 1000 bytes in turn, from the size its length picks, so boundaries and
/// headers are cut at every place over the inputs.
fn chunks(body: &[u8]) -> Vec<Bytes> {
    const SIZES: [usize; 6] = [1, 2, 3, 7, 64, 1000];
    let mut out = Vec::new();
    let mut at = 0;
    let mut turn = body.len();
    while at < body.len() {
        let end = (at + SIZES[turn % SIZES.len()]).min(body.len());
        out.push(Bytes::copy_from_slice(&body[at..end]));
        at = end;
        turn += 1;
    }
    out
}

/// An upload refused: with a reason a person can act on (a 4xx), or the
/// practice's storage full (507), never another server error.
fn refused(error: &AppError) {
    let status = error.status_code();
    assert!(
        !status.is_server_error() || matches!(error, AppError::QuotaExceeded(_)),
        "an upload refused with {status}: {error}"
    );
}
