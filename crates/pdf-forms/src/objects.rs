//! PDF objects as parsed from the file, and how they are written back.

/// An object reference `num generation R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjRef {
    pub num: u32,
    pub generation: u16,
}

/// A dictionary; keys are names without the slash, in file order.
pub type Dict = Vec<(Vec<u8>, Object)>;

/// A parsed PDF object. Strings hold their decrypted bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number, kept as written.
    Real(Vec<u8>),
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Stream),
    Ref(ObjRef),
}

/// A stream: its dictionary and its raw (still encoded, possibly encrypted) bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub raw: Vec<u8>,
}

impl Object {
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// The value of `key` in a dictionary.
pub fn get<'a>(dict: &'a Dict, key: &str) -> Option<&'a Object> {
    dict.iter()
        .find(|(k, _)| k.as_slice() == key.as_bytes())
        .map(|(_, v)| v)
}

/// Sets `key` in a dictionary, replacing an existing value in place.
pub fn set(dict: &mut Dict, key: &str, value: Object) {
    if let Some(slot) = dict
        .iter_mut()
        .find(|(k, _)| k.as_slice() == key.as_bytes())
    {
        slot.1 = value;
    } else {
        dict.push((key.as_bytes().to_vec(), value));
    }
}

/// Removes `key` from a dictionary.
pub fn remove(dict: &mut Dict, key: &str) {
    dict.retain(|(k, _)| k.as_slice() != key.as_bytes());
}

/// Writes an object in PDF syntax. `encrypt_string` turns a string's plain
/// bytes into the bytes to store (identity for unencrypted files).
pub fn write_object(out: &mut Vec<u8>, obj: &Object, encrypt_string: &dyn Fn(&[u8]) -> Vec<u8>) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(r),
        Object::Str(s) => write_hex_string(out, &encrypt_string(s)),
        Object::Name(n) => write_name(out, n),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item, encrypt_string);
            }
            out.push(b']');
        }
        Object::Dict(d) => write_dict(out, d, encrypt_string),
        Object::Stream(s) => {
            write_dict(out, &s.dict, encrypt_string);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.raw);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes()),
    }
}

fn write_dict(out: &mut Vec<u8>, dict: &Dict, encrypt_string: &dyn Fn(&[u8]) -> Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in dict {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v, encrypt_string);
    }
    out.extend_from_slice(b">>");
}

/// Writes a string as `<hex>`.
pub fn write_hex_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    for b in bytes {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// Writes `/Name`, escaping delimiters and non-regular bytes as `#xx`.
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if b.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}
