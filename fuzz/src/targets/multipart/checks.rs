//! What must hold of an upload the host kept: the names, folder and types
//! it keeps are ones its own rules give back unchanged, the download
//! header it would send names each file exactly, and what it stored of
//! each file is the file's part as read whole.

use axum::http::HeaderValue;
use immcase_host::files::naming;
use immcase_host::files::upload::{LeftOut, MAX_FILES, Received, Upload};
use immcase_host::input::hidden_character;
use sha2::{Digest, Sha256};

use super::MAX_FILE_BYTES;
use super::whole::Part;

/// Checks an upload the host kept, and the files it left out.
pub fn kept(upload: &Upload, left_out: &[LeftOut]) {
    assert!(
        upload.files.len() + left_out.len() <= MAX_FILES,
        "{} files kept and {} left out of one upload",
        upload.files.len(),
        left_out.len()
    );
    assert_eq!(
        naming::folder(&upload.folder).as_ref(),
        Ok(&upload.folder),
        "the folder kept is not one the host gives back unchanged"
    );
    for file in &upload.files {
        kept_file(file);
    }
    for file in left_out {
        assert!(
            !file.reason.is_empty(),
            "{:?} left out without a reason",
            file.name
        );
    }
}

fn kept_file(file: &Received) {
    let name = &file.name;
    assert_eq!(
        naming::file_name(name).as_ref(),
        Ok(name),
        "the name kept is not one the host gives back unchanged"
    );
    assert!(
        hidden_character(name).is_none() && !name.chars().any(char::is_control),
        "the name kept, {name:?}, has a control or hidden character"
    );
    assert!(
        file.size <= MAX_FILE_BYTES,
        "{name:?} kept with {} bytes, over the limit",
        file.size
    );
    let content_type = &file.content_type;
    assert!(
        HeaderValue::from_str(content_type).is_ok() && content_type.contains('/'),
        "{name:?} kept as {content_type:?}, which is not a Content-Type header's value"
    );
    assert_eq!(
        &naming::content_type(Some(content_type), name),
        content_type,
        "{name:?}'s type is not one the host keeps again"
    );
    for inline in [false, true] {
        let disposition = naming::content_disposition(name, inline);
        assert!(
            HeaderValue::from_str(&disposition).is_ok(),
            "{name:?}'s download header is not a header's value: {disposition:?}"
        );
        // The last one: the name itself may hold the words, unencoded, in
        // the ASCII `filename`.
        let exact = disposition
            .rsplit_once("filename*=UTF-8''")
            .and_then(|(_, encoded)| percent_decoded(encoded));
        assert_eq!(
            exact.as_deref(),
            Some(name.as_bytes()),
            "{name:?}'s download header names another file: {disposition:?}"
        );
    }
}

/// The files of an upload that took all of them are the `file` parts of
/// the form read whole, in order, byte for byte.
pub fn same_as_whole(files: &[Received], whole: Option<&[Part]>) {
    let Some(whole) = whole else {
        panic!(
            "an upload kept {} files from a form that cannot be read whole",
            files.len()
        );
    };
    let parts: Vec<&Part> = whole
        .iter()
        .filter(|p| p.name.as_deref() == Some("file"))
        .collect();
    assert_eq!(
        files.len(),
        parts.len(),
        "an upload kept {} files of a form with {} file parts",
        files.len(),
        parts.len()
    );
    for (file, part) in files.iter().zip(parts) {
        let sha256: String = Sha256::digest(&part.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            file.size == part.bytes.len() as u64 && file.sha256 == sha256,
            "{:?} kept as {} bytes ({}), but its part is {} bytes ({sha256})",
            file.name,
            file.size,
            file.sha256,
            part.bytes.len()
        );
    }
}

/// The bytes of a percent-encoded value (RFC 8187), `None` when it is not
/// one.
fn percent_decoded(encoded: &str) -> Option<Vec<u8>> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_is_read_back() {
        assert_eq!(
            percent_decoded("a%22b%C3%A9").as_deref(),
            Some(&b"a\"b\xc3\xa9"[..])
        );
        assert_eq!(percent_decoded("%2"), None);
        assert_eq!(percent_decoded("%zz"), None);
    }
}
