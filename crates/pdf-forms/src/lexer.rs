//! Reads PDF syntax: tokens, direct objects, `N G obj … endobj` and streams.

use crate::error::PdfError;
use crate::objects::{Dict, ObjRef, Object, Stream, get};

/// PDF whitespace bytes.
pub fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    b"()<>[]{}/%".contains(&b)
}

/// A cursor over PDF bytes.
pub struct Lexer<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer { data, pos }
    }

    fn err(&self) -> PdfError {
        PdfError::DamagedObject(self.pos)
    }

    /// Skips whitespace and comments.
    pub fn skip_white(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(&c) = self.data.get(self.pos) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A bare keyword or number (regular characters) at the cursor.
    pub fn word(&mut self) -> &'a [u8] {
        self.skip_white();
        // A cursor set past the end (an offset the file does not have)
        // reads nothing there.
        self.pos = self.pos.min(self.data.len());
        let start = self.pos;
        while let Some(&b) = self.data.get(self.pos) {
            if is_white(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// The next word parsed as an unsigned integer.
    pub fn uint(&mut self) -> Option<u64> {
        let w = self.word();
        if w.is_empty() || !w.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(w).ok()?.parse().ok()
    }

    /// Expects `keyword` next.
    pub fn expect(&mut self, keyword: &[u8]) -> Result<(), PdfError> {
        let at = self.pos;
        if self.word() == keyword {
            Ok(())
        } else {
            Err(PdfError::DamagedObject(at))
        }
    }

    /// Reads a direct object (a reference `N G R` counts as one). A stream
    /// is not read here: see [`Lexer::indirect_object`].
    pub fn object(&mut self) -> Result<Object, PdfError> {
        self.skip_white();
        let b = *self.data.get(self.pos).ok_or_else(|| self.err())?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()))
            }
            b'(' => {
                self.pos += 1;
                Ok(Object::Str(self.literal_string()?))
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Ok(Object::Dict(self.dict_body()?))
            }
            b'<' => {
                self.pos += 1;
                Ok(Object::Str(self.hex_string()?))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    match self.data.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        Some(_) => items.push(self.object()?),
                        None => return Err(self.err()),
                    }
                }
            }
            _ => self.word_object(),
        }
    }

    fn word_object(&mut self) -> Result<Object, PdfError> {
        let at = self.pos;
        let w = self.word();
        match w {
            b"null" => return Ok(Object::Null),
            b"true" => return Ok(Object::Bool(true)),
            b"false" => return Ok(Object::Bool(false)),
            _ => {}
        }
        if w.is_empty() {
            return Err(PdfError::DamagedObject(at));
        }
        let text = std::str::from_utf8(w).map_err(|_| PdfError::DamagedObject(at))?;
        if let Ok(num) = text.parse::<i64>() {
            // `num generation R`?
            let save = self.pos;
            if num >= 0
                && let Some(generation) = self.uint()
                && self.word() == b"R"
            {
                let num = u32::try_from(num).map_err(|_| PdfError::DamagedObject(at))?;
                let generation =
                    u16::try_from(generation).map_err(|_| PdfError::DamagedObject(at))?;
                return Ok(Object::Ref(ObjRef { num, generation }));
            }
            self.pos = save;
            return Ok(Object::Int(num));
        }
        if text.parse::<f64>().is_ok() || text.chars().all(|c| "+-.0123456789".contains(c)) {
            return Ok(Object::Real(w.to_vec()));
        }
        Err(PdfError::DamagedObject(at))
    }

    fn name_body(&mut self) -> Vec<u8> {
        let mut name = Vec::new();
        while let Some(&b) = self.data.get(self.pos) {
            if is_white(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
            if b == b'#'
                && let Some(hex) = self.data.get(self.pos..self.pos + 2)
                && let Some(v) = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                name.push(v);
                self.pos += 2;
                continue;
            }
            name.push(b);
        }
        name
    }

    fn dict_body(&mut self) -> Result<Dict, PdfError> {
        let mut dict = Vec::new();
        loop {
            self.skip_white();
            match self.data.get(self.pos) {
                Some(b'>') if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name_body();
                    let value = self.object()?;
                    dict.push((key, value));
                }
                _ => return Err(self.err()),
            }
        }
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut out = Vec::new();
        let mut depth = 1;
        loop {
            let b = *self.data.get(self.pos).ok_or_else(|| self.err())?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let e = *self.data.get(self.pos).ok_or_else(|| self.err())?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.data.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.data.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut digits = Vec::new();
        loop {
            let b = *self.data.get(self.pos).ok_or_else(|| self.err())?;
            self.pos += 1;
            match b {
                b'>' => break,
                b if b.is_ascii_hexdigit() => digits.push(hex_value(b)),
                b if is_white(b) => {}
                _ => return Err(self.err()),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        Ok(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
    }

    /// Reads `N G obj <object> [stream … endstream] endobj` at the cursor.
    /// `resolve_length` gives the value of an indirect `/Length`.
    pub fn indirect_object(
        &mut self,
        resolve_length: &dyn Fn(ObjRef) -> Option<usize>,
    ) -> Result<(ObjRef, Object), PdfError> {
        let at = self.pos;
        let num = self.uint().ok_or(PdfError::DamagedObject(at))?;
        let generation = self.uint().ok_or(PdfError::DamagedObject(at))?;
        self.expect(b"obj")?;
        let id = ObjRef {
            num: u32::try_from(num).map_err(|_| PdfError::DamagedObject(at))?,
            generation: u16::try_from(generation).map_err(|_| PdfError::DamagedObject(at))?,
        };
        let obj = self.object()?;
        let save = self.pos;
        if let Object::Dict(dict) = &obj
            && self.word() == b"stream"
        {
            // The keyword is followed by CRLF or LF.
            if self.data.get(self.pos) == Some(&b'\r') {
                self.pos += 1;
            }
            if self.data.get(self.pos) == Some(&b'\n') {
                self.pos += 1;
            }
            let start = self.pos;
            let declared = match get(dict, "Length") {
                Some(Object::Int(n)) => usize::try_from(*n).ok(),
                Some(Object::Ref(r)) => resolve_length(*r),
                _ => None,
            };
            let end = match declared.filter(|&n| self.ends_stream_at(start + n)) {
                Some(n) => start + n,
                None => self.find_endstream(start)?,
            };
            let raw = self.data[start..end].to_vec();
            self.pos = end;
            self.expect(b"endstream")?;
            return Ok((
                id,
                Object::Stream(Stream {
                    dict: dict.clone(),
                    raw,
                }),
            ));
        }
        self.pos = save;
        Ok((id, obj))
    }

    fn ends_stream_at(&self, end: usize) -> bool {
        let mut p = end;
        while p < self.data.len() && is_white(self.data[p]) {
            p += 1;
        }
        self.data.get(p..p + 9) == Some(b"endstream")
    }

    fn find_endstream(&self, start: usize) -> Result<usize, PdfError> {
        let rel = find(&self.data[start..], b"endstream").ok_or(PdfError::DamagedObject(start))?;
        let mut end = start + rel;
        // The EOL before `endstream` is not data.
        if end > start && self.data[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && self.data[end - 1] == b'\r' {
            end -= 1;
        }
        Ok(end)
    }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The last position of `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_objects() {
        let src = b"<< /Type /Catalog /Kids [1 0 R 2 0 R] /S (a\\(b\\)\\101) /H <4142 4> /N -3 /R 1.5 /E /A#20B >>";
        let obj = Lexer::new(src, 0).object().unwrap();
        let d = obj.as_dict().unwrap();
        assert_eq!(get(d, "Type").unwrap().as_name(), Some(&b"Catalog"[..]));
        assert_eq!(get(d, "Kids").unwrap().as_array().unwrap().len(), 2);
        assert_eq!(get(d, "S").unwrap().as_str(), Some(&b"a(b)A"[..]));
        assert_eq!(get(d, "H").unwrap().as_str(), Some(&b"AB@"[..]));
        assert_eq!(get(d, "N").unwrap().as_int(), Some(-3));
        assert_eq!(get(d, "R"), Some(&Object::Real(b"1.5".to_vec())));
        assert_eq!(get(d, "E").unwrap().as_name(), Some(&b"A B"[..]));
    }

    #[test]
    fn reads_a_stream_with_wrong_length() {
        let src = b"7 0 obj\n<< /Length 99 >>\nstream\nhello\nendstream\nendobj";
        let (id, obj) = Lexer::new(src, 0).indirect_object(&|_| None).unwrap();
        assert_eq!(id.num, 7);
        match obj {
            Object::Stream(s) => assert_eq!(s.raw, b"hello"),
            other => panic!("not a stream: {other:?}"),
        }
    }
}
