//! An XFA form whose `/XFA` is one stream holding the whole XDP: only the
//! datasets element's bytes change inside it.
#![allow(clippy::unwrap_used)] // a failure should panic here

mod common;

use common::{added_objects, qpdf_check, variant};
use immcase_pdf_forms::fixtures::{self, Variant};
use immcase_pdf_forms::{FieldValue, fill, inspect, packet_bytes, read_values};

#[test]
fn fills_the_datasets_inside_one_xdp_stream() {
    for v in [Variant::Plain, Variant::Aes128] {
        let Some(pdf) = variant(&fixtures::imm5257().build_single_xdp(), v) else {
            return;
        };
        let info = inspect(&pdf).unwrap();
        assert_eq!(
            info.packets,
            ["config", "template", "localeSet", "datasets", "xmpmeta"]
        );
        let before = packet_bytes(&pdf).unwrap();
        let path = "form1.Page2.Family.Child[1].FamilyName";
        let filled = fill(&pdf, &[FieldValue::new(path, "Nguyen")]).unwrap();
        assert_eq!(filled.written, [path]);
        assert_eq!(added_objects(&pdf, &filled.pdf).len(), 1);
        qpdf_check(&filled.pdf, &format!("single xdp {v:?}"));
        let after = packet_bytes(&filled.pdf).unwrap();
        for ((n, b), (_, a)) in before.iter().zip(&after) {
            if n != "datasets" {
                assert_eq!(b, a, "{n}");
            }
        }
        let read = read_values(&filled.pdf).unwrap();
        assert!(read.contains(&(path.to_string(), "Nguyen".to_string())));
    }
}
