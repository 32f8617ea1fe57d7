//! Appends an incremental update: the original bytes untouched, the new
//! objects, and a cross-reference section of the same kind as the file's
//! last one, chained to it by `/Prev`.

use sha2::{Digest, Sha256};

use crate::document::Document;
use crate::filters;
use crate::objects::{Dict, ObjRef, Object, Stream, get, remove, set, write_object};
use crate::xref::SectionKind;

/// An object to write: its number/generation and its serialized body.
pub struct NewObject {
    pub id: ObjRef,
    pub body: Vec<u8>,
}

/// The original file followed by an update holding `objects`.
pub fn append(doc: &Document, mut objects: Vec<NewObject>) -> Vec<u8> {
    objects.sort_by_key(|o| o.id.num);
    let mut out = Vec::with_capacity(
        doc.bytes.len() + objects.iter().map(|o| o.body.len() + 64).sum::<usize>() + 512,
    );
    out.extend_from_slice(doc.bytes);
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut entries: Vec<(ObjRef, usize)> = Vec::new();
    for obj in &objects {
        entries.push((obj.id, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", obj.id.num, obj.id.generation).as_bytes());
        out.extend_from_slice(&obj.body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let old_size = get(&doc.xref.trailer, "Size")
        .and_then(Object::as_int)
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0);
    let max_num = objects.iter().map(|o| o.id.num + 1).max().unwrap_or(0);
    let mut trailer: Dict = Vec::new();
    for key in ["Root", "Info", "Encrypt", "ID"] {
        if let Some(v) = get(&doc.xref.trailer, key) {
            trailer.push((key.as_bytes().to_vec(), v.clone()));
        }
    }
    let prev = Object::Int(doc.xref.startxref as i64);
    let xref_at;
    match doc.xref.last_kind {
        SectionKind::Table => {
            let size = old_size.max(max_num);
            xref_at = out.len();
            out.extend_from_slice(b"xref\n");
            for run in runs(&entries) {
                out.extend_from_slice(format!("{} {}\n", run[0].0.num, run.len()).as_bytes());
                for (id, offset) in run {
                    out.extend_from_slice(
                        format!("{offset:010} {:05} n \n", id.generation).as_bytes(),
                    );
                }
            }
            let mut dict: Dict = vec![(b"Size".to_vec(), Object::Int(i64::from(size)))];
            dict.extend(trailer);
            dict.push((b"Prev".to_vec(), prev));
            out.extend_from_slice(b"trailer\n");
            write_object(&mut out, &Object::Dict(dict), &|s| s.to_vec());
            out.push(b'\n');
        }
        SectionKind::Stream => {
            let xref_num = old_size.max(max_num);
            let size = xref_num + 1;
            xref_at = out.len();
            entries.push((
                ObjRef {
                    num: xref_num,
                    generation: 0,
                },
                xref_at,
            ));
            let width = bytes_for(xref_at);
            let mut data = Vec::new();
            let mut index = Vec::new();
            for run in runs(&entries) {
                index.push(Object::Int(i64::from(run[0].0.num)));
                index.push(Object::Int(run.len() as i64));
                for (id, offset) in run {
                    data.push(1u8);
                    data.extend_from_slice(&(*offset as u64).to_be_bytes()[8 - width..]);
                    data.extend_from_slice(&id.generation.to_be_bytes());
                }
            }
            let mut dict: Dict = vec![
                (b"Type".to_vec(), Object::Name(b"XRef".to_vec())),
                (b"Size".to_vec(), Object::Int(i64::from(size))),
                (
                    b"W".to_vec(),
                    Object::Array(vec![
                        Object::Int(1),
                        Object::Int(width as i64),
                        Object::Int(2),
                    ]),
                ),
                (b"Index".to_vec(), Object::Array(index)),
            ];
            dict.extend(trailer);
            dict.push((b"Prev".to_vec(), prev));
            dict.push((b"Length".to_vec(), Object::Int(data.len() as i64)));
            out.extend_from_slice(format!("{xref_num} 0 obj\n").as_bytes());
            write_object(&mut out, &Object::Dict(dict), &|s| s.to_vec());
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
    }
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

/// Consecutive object numbers grouped into subsections.
fn runs(entries: &[(ObjRef, usize)]) -> Vec<&[(ObjRef, usize)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0.num != entries[i - 1].0.num + 1 {
            out.push(&entries[start..i]);
            start = i;
        }
    }
    out
}

/// Bytes needed to write an offset (at least 4).
fn bytes_for(offset: usize) -> usize {
    let mut n = 4;
    while n < 8 && (offset as u64) >> (8 * n) != 0 {
        n += 1;
    }
    n
}

/// A Flate stream replacing `stream` (same dictionary otherwise), encrypted
/// as the original was.
pub fn stream_body(doc: &Document, id: ObjRef, stream: &Stream, data: &[u8]) -> Vec<u8> {
    let mut dict = stream.dict.clone();
    for key in ["Length", "Filter", "DecodeParms", "DL"] {
        remove(&mut dict, key);
    }
    let compressed = filters::deflate(data);
    let raw = match (doc.stream_method(stream), &doc.security) {
        (Some(method), Some(sec)) => {
            sec.encrypt(id, method, &compressed, iv_for(doc, id, &compressed))
        }
        _ => compressed,
    };
    set(&mut dict, "Length", Object::Int(raw.len() as i64));
    set(&mut dict, "Filter", Object::Name(b"FlateDecode".to_vec()));
    let mut body = Vec::new();
    write_object(&mut body, &Object::Stream(Stream { dict, raw }), &|s| {
        encrypt_string(doc, id, s)
    });
    body
}

/// A string's stored bytes in object `id`.
pub fn encrypt_string(doc: &Document, id: ObjRef, plain: &[u8]) -> Vec<u8> {
    match &doc.security {
        Some(sec) => sec.encrypt(id, sec.strings, plain, iv_for(doc, id, plain)),
        None => plain.to_vec(),
    }
}

/// An AES IV from SHA-256 of the file ID, the object and the content.
fn iv_for(doc: &Document, id: ObjRef, content: &[u8]) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"immcase-pdf-forms iv");
    h.update(doc.first_id());
    h.update(id.num.to_be_bytes());
    h.update(doc.bytes.len().to_be_bytes());
    h.update(content);
    let digest = h.finalize();
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&digest[..16]);
    iv
}
