//! Cross-reference sections: classic tables, xref streams and hybrid files,
//! followed through `/Prev` from the last `startxref`.

use std::collections::{HashMap, HashSet};

use crate::error::PdfError;
use crate::filters;
use crate::lexer::{Lexer, rfind};
use crate::objects::{Dict, Object, get};

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Free,
    /// At a byte offset, with its generation.
    Offset {
        offset: usize,
        generation: u16,
    },
    /// Inside an object stream, at an index.
    Compressed {
        stream: u32,
        index: u32,
    },
}

/// The kind of a cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// A classic `xref` table (also a hybrid one with `/XRefStm`).
    Table,
    /// A cross-reference stream.
    Stream,
}

/// The merged cross-reference of all revisions.
#[derive(Debug, Clone)]
pub struct Xref {
    pub entries: HashMap<u32, Entry>,
    /// The trailer of the last revision (for a stream: its dictionary).
    pub trailer: Dict,
    /// The kind of the last section.
    pub last_kind: SectionKind,
    /// The offset the file's last `startxref` gives.
    pub startxref: usize,
}

impl Xref {
    /// Reads every section, the newest entry of each object winning.
    pub fn read(pdf: &[u8]) -> Result<Xref, PdfError> {
        let startxref = last_startxref(pdf)?;
        let mut xref = Xref {
            entries: HashMap::new(),
            trailer: Vec::new(),
            last_kind: SectionKind::Table,
            startxref,
        };
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        let mut first = true;
        while let Some(offset) = next {
            if !seen.insert(offset) {
                break;
            }
            let (kind, trailer) = xref.read_section(pdf, offset)?;
            if let Some(stm) = get(&trailer, "XRefStm").and_then(Object::as_int)
                && let Ok(stm) = usize::try_from(stm)
                && seen.insert(stm)
            {
                xref.read_section(pdf, stm)?;
            }
            next = get(&trailer, "Prev")
                .and_then(Object::as_int)
                .and_then(|p| usize::try_from(p).ok());
            if first {
                xref.last_kind = kind;
                xref.trailer = trailer;
                first = false;
            }
        }
        Ok(xref)
    }

    fn add(&mut self, num: u32, entry: Entry) {
        self.entries.entry(num).or_insert(entry);
    }

    fn read_section(&mut self, pdf: &[u8], offset: usize) -> Result<(SectionKind, Dict), PdfError> {
        let mut lx = Lexer::new(pdf, offset);
        if offset >= pdf.len() {
            return Err(PdfError::DamagedXref(offset));
        }
        if lx.word() == b"xref" {
            return self.read_table(&mut lx).map(|t| (SectionKind::Table, t));
        }
        self.read_stream(pdf, offset)
            .map(|t| (SectionKind::Stream, t))
    }

    fn read_table(&mut self, lx: &mut Lexer) -> Result<Dict, PdfError> {
        loop {
            lx.skip_white();
            let at = lx.pos;
            let save = lx.pos;
            if lx.word() == b"trailer" {
                return match lx.object() {
                    Ok(Object::Dict(d)) => Ok(d),
                    _ => Err(PdfError::DamagedXref(lx.pos)),
                };
            }
            lx.pos = save;
            let start = lx.uint().ok_or(PdfError::DamagedXref(at))?;
            let count = lx.uint().ok_or(PdfError::DamagedXref(at))?;
            for i in 0..count {
                let at = lx.pos;
                let offset = lx.uint().ok_or(PdfError::DamagedXref(at))?;
                let generation = lx.uint().ok_or(PdfError::DamagedXref(at))?;
                let kind = lx.word();
                let num = u32::try_from(start + i).map_err(|_| PdfError::DamagedXref(at))?;
                let entry = match kind {
                    b"n" => Entry::Offset {
                        offset: usize::try_from(offset).map_err(|_| PdfError::DamagedXref(at))?,
                        generation: u16::try_from(generation).unwrap_or(u16::MAX),
                    },
                    b"f" => Entry::Free,
                    _ => return Err(PdfError::DamagedXref(at)),
                };
                self.add(num, entry);
            }
        }
    }

    fn read_stream(&mut self, pdf: &[u8], offset: usize) -> Result<Dict, PdfError> {
        let (_, obj) = Lexer::new(pdf, offset)
            .indirect_object(&|_| None)
            .map_err(|_| PdfError::DamagedXref(offset))?;
        let Object::Stream(stream) = obj else {
            return Err(PdfError::DamagedXref(offset));
        };
        if get(&stream.dict, "Type").and_then(Object::as_name) != Some(b"XRef") {
            return Err(PdfError::DamagedXref(offset));
        }
        let data = filters::decode(&stream.dict, &stream.raw)?;
        let widths: Vec<usize> = get(&stream.dict, "W")
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_int().and_then(|w| usize::try_from(w).ok()))
                    .collect()
            })
            .unwrap_or_default();
        if widths.len() != 3 || widths.iter().any(|&w| w > 8) {
            return Err(PdfError::DamagedXref(offset));
        }
        let size = get(&stream.dict, "Size")
            .and_then(Object::as_int)
            .unwrap_or(0);
        let index: Vec<i64> = match get(&stream.dict, "Index").and_then(Object::as_array) {
            Some(a) => a.iter().filter_map(Object::as_int).collect(),
            None => vec![0, size],
        };
        let row = widths.iter().sum::<usize>();
        let mut rows = data.chunks_exact(row.max(1));
        for pair in index.chunks(2) {
            let (start, count) = match pair {
                [s, c] => (*s, *c),
                _ => return Err(PdfError::DamagedXref(offset)),
            };
            for i in 0..count {
                let Some(r) = rows.next() else {
                    return Err(PdfError::DamagedXref(offset));
                };
                let field = |k: usize| -> u64 {
                    let from: usize = widths[..k].iter().sum();
                    r[from..from + widths[k]]
                        .iter()
                        .fold(0u64, |acc, &b| acc << 8 | u64::from(b))
                };
                let kind = if widths[0] == 0 { 1 } else { field(0) };
                let num = u32::try_from(start + i).map_err(|_| PdfError::DamagedXref(offset))?;
                let entry = match kind {
                    0 => Entry::Free,
                    1 => Entry::Offset {
                        offset: usize::try_from(field(1))
                            .map_err(|_| PdfError::DamagedXref(offset))?,
                        generation: u16::try_from(field(2)).unwrap_or(0),
                    },
                    2 => Entry::Compressed {
                        stream: u32::try_from(field(1))
                            .map_err(|_| PdfError::DamagedXref(offset))?,
                        index: u32::try_from(field(2))
                            .map_err(|_| PdfError::DamagedXref(offset))?,
                    },
                    _ => continue,
                };
                self.add(num, entry);
            }
        }
        Ok(stream.dict)
    }
}

/// The offset after the file's last `startxref`.
pub fn last_startxref(pdf: &[u8]) -> Result<usize, PdfError> {
    let tail_from = pdf.len().saturating_sub(4096);
    let at = rfind(&pdf[tail_from..], b"startxref").ok_or(PdfError::NoStartXref)? + tail_from;
    let mut lx = Lexer::new(pdf, at + 9);
    lx.uint()
        .and_then(|v| usize::try_from(v).ok())
        .ok_or(PdfError::NoStartXref)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_classic_table_with_two_revisions() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let first = pdf.len();
        pdf.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n0000000100 00000 n \n0000000200 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\n");
        let second = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n2 1\n0000000300 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R /Prev {first} >>\nstartxref\n{second}\n%%EOF\n")
                .as_bytes(),
        );
        let x = Xref::read(&pdf).unwrap();
        assert_eq!(x.startxref, second);
        assert_eq!(
            x.entries[&1],
            Entry::Offset {
                offset: 100,
                generation: 0
            }
        );
        assert_eq!(
            x.entries[&2],
            Entry::Offset {
                offset: 300,
                generation: 0
            }
        );
        assert_eq!(x.entries[&0], Entry::Free);
        assert_eq!(x.last_kind, SectionKind::Table);
    }

    #[test]
    fn a_hybrid_file_reads_its_xref_stream_too() {
        let mut pdf = b"%PDF-1.5\n".to_vec();
        let stm = pdf.len();
        // One entry: object 5 is the first object of object stream 9.
        pdf.extend_from_slice(b"8 0 obj\n<< /Type /XRef /W [1 2 1] /Index [5 1] /Size 10 /Length 4 >>\nstream\n\x02\x00\x09\x00\nendstream\nendobj\n");
        let table = pdf.len();
        pdf.extend_from_slice(
            format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 10 /Root 1 0 R /XRefStm {stm} >>\nstartxref\n{table}\n%%EOF\n")
                .as_bytes(),
        );
        let x = Xref::read(&pdf).unwrap();
        assert_eq!(
            x.entries[&5],
            Entry::Compressed {
                stream: 9,
                index: 0
            }
        );
        assert_eq!(x.last_kind, SectionKind::Table);
        assert!(get(&x.trailer, "XRefStm").is_some());
    }

    #[test]
    fn damaged_table_says_where() {
        let pdf = b"%PDF-1.7\nxref\n0 1\nzzzz\nstartxref\n9\n%%EOF";
        assert!(matches!(Xref::read(pdf), Err(PdfError::DamagedXref(_))));
    }
}
