//! Stream filters: FlateDecode with PNG/TIFF predictors (the only filter
//! XFA packets, object streams and xref streams use).

use crate::error::PdfError;
use crate::objects::{Dict, Object, get};

/// Decodes stream bytes (already decrypted) through the stream's filters.
pub fn decode(dict: &Dict, data: &[u8]) -> Result<Vec<u8>, PdfError> {
    let filters: Vec<&[u8]> = match get(dict, "Filter") {
        None | Some(Object::Null) => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(PdfError::BadStream("unreadable /Filter".into())),
    };
    let params: Vec<Option<&Dict>> = match get(dict, "DecodeParms") {
        Some(Object::Dict(d)) => vec![Some(d)],
        Some(Object::Array(a)) => a.iter().map(Object::as_dict).collect(),
        _ => Vec::new(),
    };
    let mut out = data.to_vec();
    for (i, filter) in filters.iter().enumerate() {
        out = match *filter {
            b"FlateDecode" | b"Fl" => {
                let inflated = inflate(&out)?;
                match params.get(i).copied().flatten() {
                    Some(p) => unpredict(p, inflated)?,
                    None => inflated,
                }
            }
            b"Crypt" => out,
            other => {
                return Err(PdfError::BadStream(format!(
                    "filter {} is not supported",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(out)
}

/// zlib inflate, tolerating a missing checksum or trailing garbage.
pub fn inflate(data: &[u8]) -> Result<Vec<u8>, PdfError> {
    match miniz_oxide::inflate::decompress_to_vec_zlib(data) {
        Ok(v) => Ok(v),
        Err(e) if !e.output.is_empty() => Ok(e.output),
        Err(_) => miniz_oxide::inflate::decompress_to_vec(data)
            .map_err(|e| PdfError::BadStream(format!("Flate data is damaged ({:?})", e.status))),
    }
}

/// zlib deflate (a fast level: a filled form is written on every save).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 3)
}

fn unpredict(params: &Dict, data: Vec<u8>) -> Result<Vec<u8>, PdfError> {
    let predictor = get(params, "Predictor")
        .and_then(Object::as_int)
        .unwrap_or(1);
    if predictor < 10 {
        return Ok(data);
    }
    let colors = get(params, "Colors").and_then(Object::as_int).unwrap_or(1);
    let bits = get(params, "BitsPerComponent")
        .and_then(Object::as_int)
        .unwrap_or(8);
    let columns = get(params, "Columns").and_then(Object::as_int).unwrap_or(1);
    if !(1..=32).contains(&colors) || ![1, 2, 4, 8, 16].contains(&bits) || columns < 1 {
        return Err(PdfError::BadStream(format!(
            "bad predictor parameters: {colors} colors of {bits} bits, {columns} columns"
        )));
    }
    if data.is_empty() {
        return Ok(data);
    }
    let bpp = usize::try_from((colors * bits + 7) / 8).unwrap_or(1).max(1);
    let row_len = colors
        .checked_mul(bits)
        .and_then(|b| b.checked_mul(columns))
        .and_then(|b| usize::try_from((b + 7) / 8).ok())
        .ok_or_else(|| PdfError::BadStream("bad predictor columns".into()))?;
    // A row is never longer than the whole stream: that would only ask for
    // memory the data cannot fill.
    if row_len > data.len() {
        return Err(PdfError::BadStream(format!(
            "a predictor row of {row_len} bytes in a stream of {}",
            data.len()
        )));
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for row in data.chunks(row_len + 1) {
        let (kind, bytes) = (row[0], &row[1..]);
        let mut cur = bytes.to_vec();
        cur.resize(row_len, 0);
        for i in 0..row_len {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                _ => return Err(PdfError::BadStream(format!("PNG predictor {kind}"))),
            };
        }
        out.extend_from_slice(&cur[..bytes.len().min(row_len)]);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flate_round_trip() {
        let data = b"<xfa:datasets/>".repeat(20);
        assert_eq!(inflate(&deflate(&data)).unwrap(), data);
    }

    #[test]
    fn png_up_predictor() {
        let params = vec![
            (b"Predictor".to_vec(), Object::Int(12)),
            (b"Columns".to_vec(), Object::Int(3)),
        ];
        let rows = [2u8, 1, 2, 3, 2, 1, 1, 1];
        assert_eq!(
            unpredict(&params, rows.to_vec()).unwrap(),
            vec![1, 2, 3, 2, 3, 4]
        );
    }
}
