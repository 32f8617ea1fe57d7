//! Where the XFA packets are (an array of name/stream pairs, or one XDP
//! stream), their decoded bytes, and the datasets and template packets.

use crate::datasets::Datasets;
use crate::document::Document;
use crate::error::PdfError;
use crate::objects::{ObjRef, Object, Stream, get};
use crate::template::{self, FieldDef};
use crate::xml::{self, Element, Node};

/// How the catalog's `/AcroForm /XFA` holds the packets.
pub enum Layout {
    /// `[(name) ref (name) ref …]`.
    Packets(Vec<(String, ObjRef)>),
    /// One stream with the whole `<xdp:xdp>`.
    Single(ObjRef),
}

/// The XFA layout of the document, or `None` for a form without XFA.
pub fn layout(doc: &Document) -> Result<Option<Layout>, PdfError> {
    let catalog = doc.catalog()?;
    let Some(acroform) = doc.get_resolved(&catalog, "AcroForm")? else {
        return Ok(None);
    };
    let Some(acroform) = acroform.as_dict() else {
        return Ok(None);
    };
    match get(acroform, "XFA") {
        None | Some(Object::Null) => Ok(None),
        Some(Object::Ref(r)) => match doc.load(r.num)?.1 {
            Object::Stream(_) => Ok(Some(Layout::Single(*r))),
            Object::Array(items) => packets_of(&items).map(Some),
            _ => Err(PdfError::Structure(
                "/XFA is neither an array nor a stream".into(),
            )),
        },
        Some(Object::Array(items)) => packets_of(items).map(Some),
        Some(_) => Err(PdfError::Structure(
            "/XFA is neither an array nor a stream".into(),
        )),
    }
}

fn packets_of(items: &[Object]) -> Result<Layout, PdfError> {
    let mut out = Vec::new();
    for pair in items.chunks(2) {
        match pair {
            [Object::Str(name), Object::Ref(r)] => {
                out.push((String::from_utf8_lossy(name).into_owned(), *r));
            }
            _ => return Err(PdfError::Structure("damaged /XFA array".into())),
        }
    }
    Ok(Layout::Packets(out))
}

/// A stream object and its decoded bytes.
pub fn load_stream(doc: &Document, r: ObjRef) -> Result<(ObjRef, Stream, Vec<u8>), PdfError> {
    match doc.load(r.num)? {
        (id, Object::Stream(s)) => {
            let data = doc.stream_data(id, &s)?;
            Ok((id, s, data))
        }
        _ => Err(PdfError::Structure(format!(
            "XFA object {} is not a stream",
            r.num
        ))),
    }
}

/// Each packet's name and decoded bytes.
pub fn packet_bytes(doc: &Document, layout: &Layout) -> Result<Vec<(String, Vec<u8>)>, PdfError> {
    match layout {
        Layout::Packets(list) => list
            .iter()
            .map(|(name, r)| Ok((name.clone(), load_stream(doc, *r)?.2)))
            .collect(),
        Layout::Single(r) => {
            let (_, _, data) = load_stream(doc, *r)?;
            let text = as_text(&data, "xdp")?;
            let nodes = xml::parse(text).map_err(|reason| bad("xdp", reason))?;
            let root = nodes
                .iter()
                .find_map(|n| match n {
                    Node::Element(e) => Some(e),
                    _ => None,
                })
                .ok_or_else(|| bad("xdp", "no root element".into()))?;
            Ok(root
                .elements()
                .map(|e| {
                    (
                        e.local_name().to_string(),
                        text.as_bytes()[e.span.0..e.span.1].to_vec(),
                    )
                })
                .collect())
        }
    }
}

/// The datasets packet: the stream that holds it and its byte range there.
pub struct DatasetsPlace {
    pub id: ObjRef,
    pub stream: Stream,
    pub whole: Vec<u8>,
    pub range: (usize, usize),
}

/// Finds the datasets packet.
pub fn datasets_place(doc: &Document, layout: &Layout) -> Result<DatasetsPlace, PdfError> {
    match layout {
        Layout::Packets(list) => {
            let (_, r) = list
                .iter()
                .find(|(n, _)| n == "datasets")
                .ok_or(PdfError::NoDatasets)?;
            let (id, stream, whole) = load_stream(doc, *r)?;
            let bom = whole.len() - as_text(&whole, "datasets")?.len();
            let range = (bom, whole.len());
            Ok(DatasetsPlace {
                id,
                stream,
                whole,
                range,
            })
        }
        Layout::Single(r) => {
            let (id, stream, whole) = load_stream(doc, *r)?;
            let text = as_text(&whole, "xdp")?;
            let bom = whole.len() - text.len();
            let nodes = xml::parse(text).map_err(|reason| bad("xdp", reason))?;
            let range = nodes
                .iter()
                .filter_map(|n| match n {
                    Node::Element(e) => Some(e),
                    _ => None,
                })
                .flat_map(Element::elements)
                .find(|e| e.local_name() == "datasets")
                .map(|e| (e.span.0 + bom, e.span.1 + bom))
                .ok_or(PdfError::NoDatasets)?;
            Ok(DatasetsPlace {
                id,
                stream,
                whole,
                range,
            })
        }
    }
}

/// The template's data-bound fields.
pub fn template_fields(packets: &[(String, Vec<u8>)]) -> Result<Vec<FieldDef>, PdfError> {
    let Some((_, bytes)) = packets.iter().find(|(n, _)| n == "template") else {
        return Err(bad("template", "the form has no template packet".into()));
    };
    let text = as_text(bytes, "template")?;
    let nodes = xml::parse(text).map_err(|reason| bad("template", reason))?;
    let template = nodes
        .iter()
        .find_map(|n| match n {
            Node::Element(e) if e.local_name() == "template" => Some(e),
            _ => None,
        })
        .ok_or_else(|| bad("template", "no <template> element".into()))?;
    Ok(template::fields(template))
}

/// Fills the code lists of `<bindItems>` fields from the datasets packet.
pub fn resolve_bound_items(
    defs: &mut [FieldDef],
    packets: &[(String, Vec<u8>)],
) -> Result<(), PdfError> {
    if defs.iter().all(|d| d.bind_items.is_none()) {
        return Ok(());
    }
    let Some((_, bytes)) = packets.iter().find(|(n, _)| n == "datasets") else {
        return Ok(());
    };
    let ds =
        Datasets::parse(as_text(bytes, "datasets")?).map_err(|reason| bad("datasets", reason))?;
    for def in defs.iter_mut() {
        if let Some(bind) = &def.bind_items
            && def.info.code_list.is_empty()
        {
            def.info.code_list = ds.items(bind);
        }
    }
    Ok(())
}

/// A packet's bytes as UTF-8 text (a BOM is allowed).
pub fn as_text<'b>(bytes: &'b [u8], packet: &str) -> Result<&'b str, PdfError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| bad(packet, format!("not UTF-8 ({e})")))
}

pub fn bad(packet: &str, reason: String) -> PdfError {
    PdfError::BadXfa {
        packet: packet.into(),
        reason,
    }
}
