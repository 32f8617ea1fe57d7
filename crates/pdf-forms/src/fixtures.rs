//! Synthetic forms that mirror the structure of IRCC's XFA forms (the real
//! blanks are Crown copyright and cannot be shipped), for tests and
//! benchmarks. [`FormSpec::build`] writes a plain PDF (classic xref table)
//! from scratch; [`encrypt_with_qpdf`] makes the encrypted and
//! object-stream variants IRCC's files have.

mod acroform;
mod presets;
mod qpdf;
mod writer;
mod xfa_xml;

pub use presets::{acroform_sample, acroform_sample_inline, imm5257, imm5476, imm5645};
#[cfg(not(target_family = "wasm"))]
pub use qpdf::encrypt_with_qpdf;
pub use qpdf::{QpdfError, Variant};
pub use writer::PdfWriter;

use crate::xml::escape;
use xfa_xml::{data_node, template_node, value_lists};

/// What a fixture field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureKind {
    Text {
        max_chars: Option<u32>,
    },
    Date,
    /// Code list as (code, label) pairs, in the template's `<items>`.
    Choice(Vec<(String, String)>),
    /// Code list kept as IRCC does: in the datasets packet under
    /// `LOVFile/LOV/{list}List/{list}` (`lic` attribute = code, text =
    /// label), referenced by `<bindItems>`.
    ListChoice {
        list: String,
        items: Vec<(String, String)>,
    },
    /// A check box with its on and off values.
    Check {
        on: String,
        off: String,
    },
    Numeric,
}

/// A node of a fixture template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureNode {
    Field {
        name: String,
        kind: FixtureKind,
        required: bool,
    },
    /// A field bound explicitly with `<bind match="dataRef" ref=…>`.
    BoundField { name: String, data_ref: String },
    /// A button with `<bind match="none"/>` (not data).
    Button { name: String },
    /// A named subform; `repeat_max` makes it a repeating row (`<occur max>`).
    Subform {
        name: String,
        repeat_max: Option<u32>,
        children: Vec<FixtureNode>,
    },
    /// An unnamed subform (transparent to data binding).
    Unnamed(Vec<FixtureNode>),
}

/// A text field.
pub fn text(name: &str) -> FixtureNode {
    field(name, FixtureKind::Text { max_chars: None })
}
/// A text field limited to `max` characters.
pub fn text_max(name: &str, max: u32) -> FixtureNode {
    field(
        name,
        FixtureKind::Text {
            max_chars: Some(max),
        },
    )
}
/// A date field.
pub fn date(name: &str) -> FixtureNode {
    field(name, FixtureKind::Date)
}
/// A numeric field.
pub fn numeric(name: &str) -> FixtureNode {
    field(name, FixtureKind::Numeric)
}
/// A drop-down list with (code, label) items.
pub fn choice(name: &str, items: &[(&str, &str)]) -> FixtureNode {
    let items = items
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    field(name, FixtureKind::Choice(items))
}
/// A drop-down list whose (code, label) items live in the datasets'
/// `LOVFile` under `list`, as on IRCC's forms.
pub fn list_choice(name: &str, list: &str, items: &[(&str, &str)]) -> FixtureNode {
    let items = items
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    field(
        name,
        FixtureKind::ListChoice {
            list: list.into(),
            items,
        },
    )
}
/// A check box.
pub fn check(name: &str, on: &str, off: &str) -> FixtureNode {
    field(
        name,
        FixtureKind::Check {
            on: on.into(),
            off: off.into(),
        },
    )
}
/// A field of any kind.
pub fn field(name: &str, kind: FixtureKind) -> FixtureNode {
    FixtureNode::Field {
        name: name.into(),
        kind,
        required: false,
    }
}
/// The same field, marked required (`nullTest="error"`).
pub fn required(node: FixtureNode) -> FixtureNode {
    match node {
        FixtureNode::Field { name, kind, .. } => FixtureNode::Field {
            name,
            kind,
            required: true,
        },
        other => other,
    }
}
/// A named subform.
pub fn subform(name: &str, children: Vec<FixtureNode>) -> FixtureNode {
    FixtureNode::Subform {
        name: name.into(),
        repeat_max: None,
        children,
    }
}
/// A repeating subform (`<occur max>`), one row in the data skeleton.
pub fn rows(name: &str, max: u32, children: Vec<FixtureNode>) -> FixtureNode {
    FixtureNode::Subform {
        name: name.into(),
        repeat_max: Some(max),
        children,
    }
}
/// A date split into year, month and day fields, as IRCC does.
pub fn split_date(name: &str) -> FixtureNode {
    subform(
        name,
        vec![
            text_max(&format!("{name}Year"), 4),
            text_max(&format!("{name}Month"), 2),
            text_max(&format!("{name}Day"), 2),
        ],
    )
}

/// A synthetic XFA form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSpec {
    /// Form code, e.g. `IMM 5257`.
    pub code: String,
    pub title: String,
    pub pages: usize,
    /// Dynamic XFA (`/NeedsRendering true`) or static.
    pub dynamic: bool,
    /// The children of the root subform `form1`.
    pub children: Vec<FixtureNode>,
}

impl FormSpec {
    /// The template packet.
    pub fn template_xml(&self) -> String {
        let mut out = String::from(
            "<template xmlns=\"http://www.xfa.org/schema/xfa-template/3.3/\">\n<subform name=\"form1\" layout=\"tb\" locale=\"en_CA\" restoreState=\"auto\">\n",
        );
        out.push_str(&format!(
            "<pageSet><pageArea name=\"Page1\" id=\"Page1\"><contentArea x=\"0.25in\" y=\"0.25in\" w=\"8in\" h=\"10.5in\"/><medium stock=\"letter\" short=\"8.5in\" long=\"11in\"/><field name=\"FormNumber\"><bind match=\"none\"/><ui><textEdit/></ui><value><text>{}</text></value></field></pageArea></pageSet>\n",
            escape(&self.code)
        ));
        for child in &self.children {
            template_node(child, &mut out);
        }
        out.push_str("</subform>\n</template>\n");
        out
    }

    /// The datasets packet: a data skeleton mirroring the template.
    pub fn datasets_xml(&self) -> String {
        let mut out =
            String::from("<xfa:datasets xmlns:xfa=\"http://www.xfa.org/schema/xfa-data/1.0/\">\n");
        let mut lists: Vec<(&str, &[(String, String)])> = Vec::new();
        for child in &self.children {
            value_lists(child, &mut lists);
        }
        if !lists.is_empty() {
            out.push_str("<LOVFile><LOV generated=\"2024-01-15 12:00:00\">");
            for (list, items) in lists {
                out.push_str(&format!("<{list}List><{list} lic=\"\"/>"));
                for (code, label) in items {
                    out.push_str(&format!(
                        "<{list} lic=\"{}\">{}</{list}>",
                        escape(code),
                        escape(label)
                    ));
                }
                out.push_str(&format!("</{list}List>"));
            }
            out.push_str("</LOV></LOVFile>\n");
        }
        out.push_str("<xfa:data>\n<form1>\n");
        for child in &self.children {
            data_node(child, 1, &mut out);
        }
        out.push_str("</form1>\n</xfa:data>\n</xfa:datasets>\n");
        out
    }

    /// The XFA packets in IRCC's order.
    pub fn packets(&self) -> Vec<(String, String)> {
        let title = escape(&self.title);
        vec![
            ("preamble".into(), "<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\" timeStamp=\"2024-01-15T12:00:00Z\" uuid=\"6c3e0f7a-1d2b-4c5d-8e9f-0a1b2c3d4e5f\">\n".into()),
            ("config".into(), "<config xmlns=\"http://www.xfa.org/schema/xci/3.0/\"><agent name=\"designer\"><destination>pdf</destination></agent><present><pdf><version>1.7</version><adobeExtensionLevel>8</adobeExtensionLevel><renderPolicy>client</renderPolicy></pdf></present><acrobat><acrobat7><dynamicRender>required</dynamicRender></acrobat7></acrobat></config>\n".into()),
            ("template".into(), self.template_xml()),
            ("localeSet".into(), "<localeSet xmlns=\"http://www.xfa.org/schema/xfa-locale-set/2.7/\"><locale name=\"en_CA\" desc=\"English (Canada)\"><calendarSymbols name=\"gregorian\"/><datePatterns><datePattern name=\"med\">YYYY-MM-DD</datePattern></datePatterns></locale></localeSet>\n".into()),
            ("datasets".into(), self.datasets_xml()),
            ("xmpmeta".into(), format!("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" rdf:about=\"\"><dc:title>{title}</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>\n")),
            ("postamble".into(), "</xdp:xdp>\n".into()),
        ]
    }

    /// Writes the PDF, each packet its own stream in the `/XFA` array.
    pub fn build(&self) -> Vec<u8> {
        self.write(false)
    }

    /// Writes the PDF with `/XFA` as one stream holding the whole XDP.
    pub fn build_single_xdp(&self) -> Vec<u8> {
        self.write(true)
    }

    fn write(&self, single_xdp: bool) -> Vec<u8> {
        let mut w = PdfWriter::new();
        let catalog = w.reserve();
        let pages = w.reserve();
        let acroform = w.reserve();
        let font = w.add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
        );
        let info = w.add(
            format!(
                "<< /Title ({}) /Producer (ImmCase fixtures) >>",
                pdf_escape(&format!("{} : {}", self.code, self.title))
            )
            .into_bytes(),
        );
        let xfa = if single_xdp {
            let xdp: String = self.packets().into_iter().map(|(_, body)| body).collect();
            let id = w.add_stream(
                "",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xdp}").as_bytes(),
                true,
            );
            format!("{id} 0 R")
        } else {
            let mut xfa = String::from("[");
            for (name, body) in self.packets() {
                let id = w.add_stream("", body.as_bytes(), true);
                xfa.push_str(&format!("({name}) {id} 0 R "));
            }
            xfa.push(']');
            xfa
        };
        let kids = w.add_pages(pages, font, self.pages.max(1), &self.code, &self.title, "");
        w.set(
            pages,
            format!(
                "<< /Type /Pages /Kids [{kids}] /Count {} >>",
                self.pages.max(1)
            )
            .into_bytes(),
        );
        w.set(acroform, format!("<< /Fields [] /DA (/Helv 0 Tf 0 g ) /DR << /Font << /Helv {font} 0 R >> >> /XFA {xfa} >>").into_bytes());
        let needs = if self.dynamic {
            " /NeedsRendering true"
        } else {
            ""
        };
        w.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R /AcroForm {acroform} 0 R{needs} /Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >> >>").into_bytes());
        w.finish(catalog, info)
    }
}

/// Escapes text for a PDF literal string.
pub fn pdf_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}
