//! PDF forms: a file an applicant or a practice uploads, read by the form
//! filler (`inspect`, `read_values`, `last_revision`, `packet_bytes`)
//! and filled (`fill`), the filled file read back.
//!
//! Seeds are the synthetic IMM forms of `immcase-pdf-forms`'s fixtures
//! (XFA in packets and in one XDP stream, AcroForm with and without
//! inline fields) and their qpdf variants under `seeds/pdf-forms/` (RC4,
//! AES-128, AES-256, object streams, linearized). Besides mutants of whole
//! files and of their last bytes (cross-reference, trailer), inputs are
//! forms rebuilt around a mutated XFA packet, which reaches the XML and
//! data binding behind the Flate streams that whole-file mutations break.
//!
//! Two promises of the crate are checked: a filled file begins with every
//! byte of the original, and a form that could be inspected can be
//! inspected again once filled.

use immcase_pdf_forms::fixtures::{self, PdfWriter};
use immcase_pdf_forms::{FieldValue, fill, inspect, last_revision, packet_bytes, read_values};

use super::{Outcome, Target, seed_or_mutant};
use crate::corpus;
use crate::dice::Dice;
use crate::mutate::Mutator;

const FILE: Mutator = Mutator {
    dictionary: &[
        b" obj\n",
        b"endobj\n",
        b"stream\n",
        b"\nendstream",
        b"xref\n0 1\n0000000000 65535 f \n",
        b"trailer\n",
        b"startxref\n",
        b"%%EOF",
        b"<<",
        b">>",
        b"[",
        b"]",
        b"(",
        b")",
        b"\\",
        b" 0 R",
        b"/Length ",
        b"/Filter /FlateDecode",
        b"/DecodeParms << /Predictor 12 /Columns 5 >>",
        b"/Type /ObjStm /N 1 /First 4",
        b"/Type /XRef /W [1 2 1]",
        b"/Prev ",
        b"/Encrypt ",
        b"/XFA ",
        b"/Kids [",
        b"/Parent ",
    ],
    max_len: 1024 * 1024,
};

const XML: Mutator = Mutator {
    dictionary: &[
        b"<",
        b">",
        b"</",
        b"/>",
        b"<subform name=\"S\">",
        b"</subform>",
        b"<field name=\"F\"><ui><textEdit/></ui></field>",
        b"<occur max=\"-1\"/>",
        b"<occur max=\"4294967296\"/>",
        b"<bind match=\"dataRef\" ref=\"$.A.B\"/>",
        b"<bind match=\"none\"/>",
        b"<bindItems ref=\"xfa.datasets.LOVFile.LOV[*]\" labelRef=\"$\" valueRef=\"lic\"/>",
        b"<items save=\"1\"><text>1</text></items>",
        b"<![CDATA[",
        b"]]>",
        b"<!--",
        b"-->",
        b"<?xml version=\"1.0\"?>",
        b"&amp;",
        b"&#0;",
        b"&#x10FFFF;",
        b"&unknown;",
        b" xmlns:xfa=\"http://www.xfa.org/schema/xfa-data/1.0/\"",
        b" xfa:dataNode=\"dataGroup\"",
        b"name=\"\"",
        b"=\"",
    ],
    max_len: 512 * 1024,
};

/// Values written into a form: ordinary, empty, long, with markup, and
/// with characters a form cannot hold.
const VALUES: &[&str] = &[
    "Maria",
    "",
    "1990-01-31",
    "Élodie 漢字 😀",
    "<b>&amp;</b>]]>",
    "\u{1}\u{b}",
    "Y",
    "Off",
    "511",
];

/// An XFA form's packets (name and bytes, in order), and whether it is
/// dynamic.
type XfaPackets = (Vec<(String, Vec<u8>)>, bool);

/// The form filler.
pub struct PdfFormsTarget {
    seeds: Vec<Vec<u8>>,
    /// The XFA fixtures' packets, to rebuild forms around a mutated one.
    packets: Vec<XfaPackets>,
}

impl PdfFormsTarget {
    pub fn new() -> PdfFormsTarget {
        let specs = [
            fixtures::imm5257(),
            fixtures::imm5645(),
            fixtures::imm5476(),
        ];
        let mut seeds: Vec<Vec<u8>> = specs.iter().map(|s| s.build()).collect();
        seeds.push(specs[0].build_single_xdp());
        seeds.push(fixtures::acroform_sample());
        seeds.push(fixtures::acroform_sample_inline());
        seeds.extend(corpus::files(&corpus::seeds_dir("pdf-forms"), "pdf"));
        let packets = specs
            .iter()
            .map(|s| {
                let packets = s
                    .packets()
                    .into_iter()
                    .map(|(name, body)| (name, body.into_bytes()))
                    .collect();
                (packets, s.dynamic)
            })
            .collect();
        PdfFormsTarget { seeds, packets }
    }
}

impl Target for PdfFormsTarget {
    fn name(&self) -> &'static str {
        "pdf-forms"
    }

    fn extension(&self) -> &'static str {
        "pdf"
    }

    fn input(&self, index: u64, dice: &mut Dice) -> Vec<u8> {
        if index < self.seeds.len() as u64 {
            return seed_or_mutant(&self.seeds, &FILE, index, dice);
        }
        match dice.below(6) {
            0..=2 => self.rebuilt(dice),
            3 => {
                let Some(seed) = dice.pick(&self.seeds) else {
                    return Vec::new();
                };
                let cut = seed.len().saturating_sub(dice.between(64, 4096));
                let tail = FILE.mutate(&seed[cut..], &[], dice);
                [&seed[..cut], &tail[..]].concat()
            }
            _ => seed_or_mutant(&self.seeds, &FILE, index, dice),
        }
    }

    fn run(&mut self, input: &[u8]) -> Outcome {
        let _ = last_revision(input);
        let _ = packet_bytes(input);
        let _ = read_values(input);
        let inspected = inspect(input);
        let paths: Vec<String> = match &inspected {
            Ok(info) => info.fields.iter().map(|f| f.path.clone()).collect(),
            Err(_) => vec!["form1.Page1.UCI".into()],
        };
        let values = values_for(&paths, input);
        let Ok(filled) = fill(input, &values) else {
            return Outcome::Refused;
        };
        assert!(
            filled.pdf.starts_with(input),
            "the filled file does not begin with the original bytes"
        );
        let again = inspect(&filled.pdf);
        if let (Ok(_), Err(e)) = (&inspected, &again) {
            panic!("a form that was inspected cannot be once filled: {e}");
        }
        let _ = read_values(&filled.pdf);
        if inspected.is_ok() {
            Outcome::Accepted
        } else {
            Outcome::Refused
        }
    }
}

impl PdfFormsTarget {
    /// An XFA fixture rebuilt with one of its packets mutated.
    fn rebuilt(&self, dice: &mut Dice) -> Vec<u8> {
        let Some((packets, dynamic)) = dice.pick(&self.packets) else {
            return Vec::new();
        };
        let mut packets = packets.clone();
        let which = match dice.below(5) {
            0 | 1 => packets.iter().position(|(n, _)| n == "template"),
            2 | 3 => packets.iter().position(|(n, _)| n == "datasets"),
            _ => Some(dice.below(packets.len())),
        };
        let bodies: Vec<Vec<u8>> = packets.iter().map(|(_, b)| b.clone()).collect();
        if let Some((_, body)) = which.and_then(|i| packets.get_mut(i)) {
            *body = XML.mutate(body, &bodies, dice);
        }
        form(&packets, *dynamic)
    }
}

/// A one-page XFA form holding `packets`, each its own Flate stream.
fn form(packets: &[(String, Vec<u8>)], dynamic: bool) -> Vec<u8> {
    let mut w = PdfWriter::new();
    let catalog = w.reserve();
    let pages = w.reserve();
    let font = w.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    let info = w.add(b"<< /Producer (ImmCase fuzzing) >>".to_vec());
    let mut xfa = String::from("[");
    for (name, body) in packets {
        let id = w.add_stream("", body, true);
        xfa.push_str(&format!("({}) {id} 0 R ", fixtures::pdf_escape(name)));
    }
    xfa.push(']');
    let acroform = w.add(format!("<< /Fields [] /XFA {xfa} >>").into_bytes());
    let kids = w.add_pages(pages, font, 1, "IMM 0000", "Drawn form", "");
    w.set(
        pages,
        format!("<< /Type /Pages /Kids [{kids}] /Count 1 >>").into_bytes(),
    );
    let needs = if dynamic { " /NeedsRendering true" } else { "" };
    w.set(
        catalog,
        format!("<< /Type /Catalog /Pages {pages} 0 R /AcroForm {acroform} 0 R{needs} >>")
            .into_bytes(),
    );
    w.finish(catalog, info)
}

/// Values for some of the form's fields (rows numbered from 0, and past
/// any maximum), chosen by the input's own bytes so a saved input replays
/// the same fill.
fn values_for(paths: &[String], input: &[u8]) -> Vec<FieldValue> {
    let mut h = fnv(input);
    let mut next = move || {
        h = h.rotate_left(13).wrapping_mul(0x100_0000_01b3);
        h
    };
    let rows = ["0", "1", "7", "4294967295", "18446744073709551616"];
    let mut values = Vec::new();
    for path in paths {
        if values.len() == 8 {
            break;
        }
        if next() % 3 != 0 {
            continue;
        }
        let row = rows[(next() % rows.len() as u64) as usize];
        let value = VALUES[(next() % VALUES.len() as u64) as usize];
        values.push(FieldValue::new(
            path.replace("[*]", &format!("[{row}]")),
            value,
        ));
    }
    if next() % 4 == 0 {
        values.push(FieldValue::new("form1.NoSuchField", "x"));
    }
    if next() % 8 == 0 {
        values.push(FieldValue::new("form1.Page1", "x".repeat(100_000)));
    }
    values
}

/// FNV-1a: a stable hash of the input's bytes.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}
