//! Plain AcroForm forms (no XFA): fields by full name, their `/V`, and
//! filling by rewriting the changed field objects in an update.

use std::collections::{BTreeMap, HashSet};

use crate::document::Document;
use crate::error::PdfError;
use crate::objects::{Dict, ObjRef, Object, get, set, write_object};
use crate::update::{self, NewObject, encrypt_string};
use crate::{CodeItem, FieldInfo, FieldKind, FieldValue, Filled, Refusal, paths};

const FLAG_REQUIRED: i64 = 1 << 1;
const FLAG_RADIO: i64 = 1 << 15;
const FLAG_PUSHBUTTON: i64 = 1 << 16;

/// A terminal field.
pub struct Field {
    pub id: ObjRef,
    pub dict: Dict,
    pub name: String,
    pub ft: Vec<u8>,
    pub flags: i64,
    /// Widget annotations that are separate objects (kids without `/T`).
    pub widgets: Vec<(ObjRef, Dict)>,
}

/// The form's AcroForm dictionary and fields.
pub struct Form {
    /// `None` when the AcroForm dictionary is inline in the catalog.
    pub acroform_ref: Option<ObjRef>,
    pub acroform: Dict,
    pub fields: Vec<Field>,
}

impl Field {
    fn kind(&self) -> FieldKind {
        match self.ft.as_slice() {
            b"Tx" => FieldKind::Text,
            b"Ch" => FieldKind::Choice,
            b"Btn" if self.flags & FLAG_PUSHBUTTON != 0 => FieldKind::Other,
            b"Btn" if self.flags & FLAG_RADIO != 0 => FieldKind::Choice,
            b"Btn" => FieldKind::Check,
            _ => FieldKind::Other,
        }
    }

    /// The appearance states other than `Off`, over all widgets.
    fn on_states(&self) -> Vec<String> {
        let mut states = Vec::new();
        let own = if self.widgets.is_empty() {
            vec![&self.dict]
        } else {
            Vec::new()
        };
        for dict in own.into_iter().chain(self.widgets.iter().map(|(_, d)| d)) {
            for name in appearance_states(dict) {
                if name != "Off" && !states.contains(&name) {
                    states.push(name);
                }
            }
        }
        states
    }

    pub fn info(&self) -> FieldInfo {
        let kind = self.kind();
        let code_list = match kind {
            FieldKind::Check | FieldKind::Choice if self.ft == b"Btn" => self
                .on_states()
                .into_iter()
                .map(|s| CodeItem {
                    code: s.clone(),
                    label: s,
                })
                .collect(),
            _ => options(&self.dict),
        };
        FieldInfo {
            path: self.name.clone(),
            kind,
            max_chars: get(&self.dict, "MaxLen")
                .and_then(Object::as_int)
                .and_then(|m| u32::try_from(m).ok()),
            code_list,
            repeat_max: None,
            required: self.flags & FLAG_REQUIRED != 0,
        }
    }
}

fn appearance_states(dict: &Dict) -> Vec<String> {
    get(dict, "AP")
        .and_then(Object::as_dict)
        .and_then(|ap| get(ap, "N"))
        .and_then(Object::as_dict)
        .map(|n| {
            n.iter()
                .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn options(dict: &Dict) -> Vec<CodeItem> {
    let Some(opts) = get(dict, "Opt").and_then(Object::as_array) else {
        return Vec::new();
    };
    opts.iter()
        .filter_map(|o| match o {
            Object::Str(s) => Some(CodeItem {
                code: text_of(s),
                label: text_of(s),
            }),
            Object::Array(pair) => match pair.as_slice() {
                [Object::Str(code), Object::Str(label)] => Some(CodeItem {
                    code: text_of(code),
                    label: text_of(label),
                }),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A PDF text string as Rust text (UTF-16BE with BOM, else PDFDocEncoding
/// read as Latin-1).
pub fn text_of(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Rust text as a PDF text string (ASCII as is, else UTF-16BE with BOM).
pub fn pdf_text(value: &str) -> Vec<u8> {
    if value.is_ascii() {
        return value.as_bytes().to_vec();
    }
    let mut out = vec![0xFE, 0xFF];
    for unit in value.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

impl Form {
    pub fn read(doc: &Document) -> Result<Form, PdfError> {
        let catalog = doc.catalog()?;
        let (acroform_ref, acroform) = match get(&catalog, "AcroForm") {
            Some(Object::Ref(r)) => (Some(*r), doc.load(r.num)?.1),
            Some(other) => (None, other.clone()),
            None => return Err(PdfError::NoForm),
        };
        let acroform = acroform.as_dict().cloned().ok_or(PdfError::NoForm)?;
        let mut form = Form {
            acroform_ref,
            acroform,
            fields: Vec::new(),
        };
        let roots = get(&form.acroform, "Fields")
            .and_then(Object::as_array)
            .unwrap_or(&[])
            .to_vec();
        let mut seen = HashSet::new();
        for r in roots.iter().filter_map(Object::as_ref) {
            form.walk(doc, r, "", &Inherited::default(), &mut seen)?;
        }
        Ok(form)
    }

    fn walk(
        &mut self,
        doc: &Document,
        r: ObjRef,
        parent: &str,
        inherited: &Inherited,
        seen: &mut HashSet<u32>,
    ) -> Result<(), PdfError> {
        if !seen.insert(r.num) {
            return Ok(());
        }
        let (id, obj) = doc.load(r.num)?;
        let Some(dict) = obj.as_dict().cloned() else {
            return Ok(());
        };
        let name = match get(&dict, "T").and_then(Object::as_str) {
            Some(t) if parent.is_empty() => text_of(t),
            Some(t) => format!("{parent}.{}", text_of(t)),
            None => parent.to_string(),
        };
        let here = Inherited {
            ft: get(&dict, "FT")
                .and_then(Object::as_name)
                .map(<[u8]>::to_vec)
                .or_else(|| inherited.ft.clone()),
            flags: get(&dict, "Ff")
                .and_then(Object::as_int)
                .or(inherited.flags),
        };
        let kids: Vec<ObjRef> = get(&dict, "Kids")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(Object::as_ref).collect())
            .unwrap_or_default();
        let mut widgets = Vec::new();
        let mut field_kids = Vec::new();
        for kid in kids {
            let (kid_id, kid_obj) = doc.load(kid.num)?;
            let Some(kid_dict) = kid_obj.as_dict() else {
                continue;
            };
            if get(kid_dict, "T").is_some() {
                field_kids.push(kid);
            } else {
                widgets.push((kid_id, kid_dict.clone()));
            }
        }
        for kid in field_kids {
            self.walk(doc, kid, &name, &here, seen)?;
        }
        if !widgets.is_empty() || get(&dict, "Kids").is_none() {
            self.fields.push(Field {
                id,
                dict,
                name,
                ft: here.ft.unwrap_or_default(),
                flags: here.flags.unwrap_or(0),
                widgets,
            });
        }
        Ok(())
    }

    pub fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter_map(|f| {
                let v = match get(&f.dict, "V")? {
                    Object::Str(s) => text_of(s),
                    Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
                    Object::Array(items) => items
                        .iter()
                        .filter_map(Object::as_str)
                        .map(text_of)
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => return None,
                };
                Some((f.name.clone(), v))
            })
            .collect()
    }
}

#[derive(Default)]
struct Inherited {
    ft: Option<Vec<u8>>,
    flags: Option<i64>,
}

/// Sets `/V` (and check box `/AS`) and appends the changed objects.
pub fn fill(doc: &Document, values: &[FieldValue]) -> Result<Filled, PdfError> {
    let form = Form::read(doc)?;
    let mut changed: BTreeMap<u32, (ObjRef, Dict)> = BTreeMap::new();
    let mut written = Vec::new();
    let mut refused = Vec::new();
    for v in values {
        let Some(field) = form.fields.iter().find(|f| f.name == v.path) else {
            refused.push((v.path.clone(), Refusal::UnknownPath));
            continue;
        };
        if !paths::valid_xml_text(&v.value) {
            refused.push((v.path.clone(), Refusal::InvalidCharacters));
            continue;
        }
        let mut dict = changed
            .get(&field.id.num)
            .map_or_else(|| field.dict.clone(), |(_, d)| d.clone());
        if field.ft == b"Btn" {
            let states = field.on_states();
            let off = matches!(v.value.as_str(), "" | "Off" | "No" | "N" | "0" | "false");
            let state = if off {
                "Off".to_string()
            } else if states.iter().any(|s| s == &v.value) {
                v.value.clone()
            } else {
                states.first().cloned().unwrap_or_else(|| "Yes".into())
            };
            set(&mut dict, "V", Object::Name(state.clone().into_bytes()));
            let set_as = |d: &mut Dict| {
                let has = appearance_states(d).contains(&state);
                let name = if has { state.clone() } else { "Off".into() };
                set(d, "AS", Object::Name(name.into_bytes()));
            };
            if field.widgets.is_empty() {
                set_as(&mut dict);
            }
            for (wid, wdict) in &field.widgets {
                let mut w = changed
                    .get(&wid.num)
                    .map_or_else(|| wdict.clone(), |(_, d)| d.clone());
                set_as(&mut w);
                changed.insert(wid.num, (*wid, w));
            }
        } else {
            set(&mut dict, "V", Object::Str(pdf_text(&v.value)));
        }
        changed.insert(field.id.num, (field.id, dict));
        written.push(v.path.clone());
    }
    if written.is_empty() {
        return Ok(Filled {
            pdf: doc.bytes.to_vec(),
            written,
            refused,
        });
    }
    let mut acroform = form.acroform.clone();
    set(&mut acroform, "NeedAppearances", Object::Bool(true));
    match form.acroform_ref {
        Some(r) => {
            changed.insert(r.num, (r, acroform));
        }
        None => {
            let root = get(&doc.xref.trailer, "Root")
                .and_then(Object::as_ref)
                .ok_or_else(|| PdfError::Structure("/Root is not a reference".into()))?;
            let mut catalog = doc.catalog()?;
            set(&mut catalog, "AcroForm", Object::Dict(acroform));
            changed.insert(root.num, (root, catalog));
        }
    }
    let objects = changed
        .into_values()
        .map(|(id, dict)| {
            let mut body = Vec::new();
            write_object(&mut body, &Object::Dict(dict), &|s| {
                encrypt_string(doc, id, s)
            });
            NewObject { id, body }
        })
        .collect();
    Ok(Filled {
        pdf: update::append(doc, objects),
        written,
        refused,
    })
}
