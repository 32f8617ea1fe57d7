//! An opened PDF: its cross-reference, its security handler, and objects
//! loaded on demand (from the file or from object streams), decrypted.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::crypt::{Method, Security};
use crate::error::PdfError;
use crate::filters;
use crate::lexer::{Lexer, find};
use crate::objects::{Dict, ObjRef, Object, Stream, get};
use crate::xref::{Entry, Xref};

/// A PDF opened for reading.
pub struct Document<'a> {
    pub bytes: &'a [u8],
    pub xref: Xref,
    pub security: Option<Security>,
    /// The `/Encrypt` reference, if the dictionary is an indirect object.
    pub encrypt_ref: Option<ObjRef>,
    object_streams: RefCell<HashMap<u32, Vec<Object>>>,
}

impl<'a> Document<'a> {
    /// Opens a PDF, with the empty user password if it is encrypted.
    pub fn open(bytes: &'a [u8]) -> Result<Document<'a>, PdfError> {
        let head = &bytes[..bytes.len().min(1024)];
        if find(head, b"%PDF-").is_none() {
            return Err(PdfError::NotPdf);
        }
        let xref = Xref::read(bytes)?;
        let mut doc = Document {
            bytes,
            xref,
            security: None,
            encrypt_ref: None,
            object_streams: RefCell::new(HashMap::new()),
        };
        let encrypt = match get(&doc.xref.trailer, "Encrypt") {
            None | Some(Object::Null) => None,
            Some(Object::Ref(r)) => {
                doc.encrypt_ref = Some(*r);
                Some(doc.load_plain(r.num)?.1)
            }
            Some(other) => Some(other.clone()),
        };
        if let Some(encrypt) = encrypt {
            let dict = encrypt.as_dict().ok_or_else(|| {
                PdfError::UnsupportedEncryption("/Encrypt is not a dictionary".into())
            })?;
            let id = doc.first_id();
            doc.security = Some(Security::open(dict, &id)?);
        }
        Ok(doc)
    }

    /// The first element of the trailer's `/ID`.
    pub fn first_id(&self) -> Vec<u8> {
        get(&self.xref.trailer, "ID")
            .and_then(Object::as_array)
            .and_then(|a| a.first())
            .and_then(Object::as_str)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }

    /// The catalog dictionary.
    pub fn catalog(&self) -> Result<Dict, PdfError> {
        let root = get(&self.xref.trailer, "Root")
            .ok_or_else(|| PdfError::Structure("no /Root".into()))?;
        self.resolve(root)?
            .as_dict()
            .cloned()
            .ok_or_else(|| PdfError::Structure("/Root is not a dictionary".into()))
    }

    /// Follows a reference (or returns a direct object as it is).
    pub fn resolve(&self, obj: &Object) -> Result<Object, PdfError> {
        match obj {
            Object::Ref(r) => Ok(self.load(r.num)?.1),
            other => Ok(other.clone()),
        }
    }

    /// A dictionary value, references followed.
    pub fn get_resolved(&self, dict: &Dict, key: &str) -> Result<Option<Object>, PdfError> {
        get(dict, key).map(|v| self.resolve(v)).transpose()
    }

    /// Loads object `num` with its strings decrypted (streams stay raw).
    pub fn load(&self, num: u32) -> Result<(ObjRef, Object), PdfError> {
        let (id, mut obj, compressed) = self.load_any(num)?;
        if let Some(sec) = &self.security
            && !compressed
            && Some(id) != self.encrypt_ref
        {
            decrypt_strings(sec, id, &mut obj)?;
        }
        Ok((id, obj))
    }

    /// Loads object `num` as stored, without decrypting anything.
    fn load_plain(&self, num: u32) -> Result<(ObjRef, Object), PdfError> {
        self.load_any(num).map(|(id, obj, _)| (id, obj))
    }

    fn load_any(&self, num: u32) -> Result<(ObjRef, Object, bool), PdfError> {
        match self.xref.entries.get(&num) {
            Some(Entry::Offset { offset, .. }) => {
                let resolve_length = |r: ObjRef| -> Option<usize> {
                    if r.num == num {
                        return None;
                    }
                    self.load_plain(r.num)
                        .ok()
                        .and_then(|(_, o)| o.as_int())
                        .and_then(|n| usize::try_from(n).ok())
                };
                let (id, obj) = Lexer::new(self.bytes, *offset).indirect_object(&resolve_length)?;
                if id.num != num {
                    return Err(PdfError::DamagedXref(*offset));
                }
                Ok((id, obj, false))
            }
            Some(Entry::Compressed { stream, index }) => {
                let obj = self.load_compressed(*stream, *index)?;
                Ok((ObjRef { num, generation: 0 }, obj, true))
            }
            Some(Entry::Free) | None => Err(PdfError::MissingObject(num)),
        }
    }

    fn load_compressed(&self, stream_num: u32, index: u32) -> Result<Object, PdfError> {
        if let Some(objs) = self.object_streams.borrow().get(&stream_num) {
            return objs
                .get(index as usize)
                .cloned()
                .ok_or(PdfError::MissingObject(stream_num));
        }
        let (id, obj) = self.load(stream_num)?;
        let Object::Stream(stream) = obj else {
            return Err(PdfError::Structure(format!(
                "object {stream_num} is not an object stream"
            )));
        };
        let data = self.stream_data(id, &stream)?;
        let n = get(&stream.dict, "N").and_then(Object::as_int).unwrap_or(0);
        let first = get(&stream.dict, "First")
            .and_then(Object::as_int)
            .and_then(|f| usize::try_from(f).ok())
            .unwrap_or(0);
        let mut header = Lexer::new(&data, 0);
        let mut objs = Vec::new();
        for _ in 0..n {
            let _num = header.uint();
            let offset = header
                .uint()
                .and_then(|o| usize::try_from(o).ok())
                .ok_or_else(|| {
                    PdfError::Structure(format!("damaged object stream {stream_num}"))
                })?;
            let obj = Lexer::new(&data, first + offset).object()?;
            objs.push(obj);
        }
        let found = objs.get(index as usize).cloned();
        self.object_streams.borrow_mut().insert(stream_num, objs);
        found.ok_or(PdfError::MissingObject(stream_num))
    }

    /// The method protecting stream `stream`, or `None` when it is stored in clear.
    pub fn stream_method(&self, stream: &Stream) -> Option<Method> {
        let sec = self.security.as_ref()?;
        let ty = get(&stream.dict, "Type").and_then(Object::as_name);
        if ty == Some(b"XRef") || (ty == Some(b"Metadata") && !sec.encrypt_metadata) {
            return None;
        }
        Some(sec.streams)
    }

    /// A stream's bytes, decrypted and decoded.
    pub fn stream_data(&self, id: ObjRef, stream: &Stream) -> Result<Vec<u8>, PdfError> {
        let plain = match (self.stream_method(stream), &self.security) {
            (Some(method), Some(sec)) => sec.decrypt(id, method, &stream.raw)?,
            _ => stream.raw.clone(),
        };
        filters::decode(&stream.dict, &plain)
    }

    /// The number of pages (`/Count` of the page tree).
    pub fn page_count(&self) -> Result<usize, PdfError> {
        let catalog = self.catalog()?;
        let pages = self.get_resolved(&catalog, "Pages")?;
        Ok(pages
            .as_ref()
            .and_then(Object::as_dict)
            .and_then(|d| get(d, "Count"))
            .and_then(Object::as_int)
            .and_then(|c| usize::try_from(c).ok())
            .unwrap_or(0))
    }
}

fn decrypt_strings(sec: &Security, id: ObjRef, obj: &mut Object) -> Result<(), PdfError> {
    match obj {
        Object::Str(s) => *s = sec.decrypt(id, sec.strings, s)?,
        Object::Array(items) => {
            for item in items {
                decrypt_strings(sec, id, item)?;
            }
        }
        Object::Dict(d) => {
            for (_, v) in d {
                decrypt_strings(sec, id, v)?;
            }
        }
        Object::Stream(s) => {
            for (_, v) in &mut s.dict {
                decrypt_strings(sec, id, v)?;
            }
        }
        _ => {}
    }
    Ok(())
}
