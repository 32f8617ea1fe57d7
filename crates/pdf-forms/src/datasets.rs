//! The XFA `datasets` packet: reading and setting data nodes by path,
//! cloning repeated rows, leaving every other byte as it was.

use crate::CodeItem;
use crate::template::{BindItems, FieldDef, Segment};
use crate::xml::{self, Element, Node};

/// A parsed datasets packet.
pub struct Datasets {
    nodes: Vec<Node>,
}

impl Datasets {
    pub fn parse(text: &str) -> Result<Datasets, String> {
        let nodes = xml::parse(text)?;
        let ds = Datasets { nodes };
        if ds.data_ref().is_none() {
            return Err("no <xfa:datasets><xfa:data> element".into());
        }
        Ok(ds)
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        xml::write_nodes(&self.nodes, &mut out);
        out
    }

    fn data_ref(&self) -> Option<&Element> {
        root(&self.nodes)?.child("data")
    }

    fn data_mut(&mut self) -> Option<&mut Element> {
        let root = self.nodes.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.local_name() == "datasets" => Some(e),
            _ => None,
        })?;
        root.children.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.local_name() == "data" => Some(e),
            _ => None,
        })
    }

    /// Sets the text of the node at `segments` (with row `indexes`),
    /// creating missing elements and cloning row 0 for new rows.
    pub fn set(&mut self, segments: &[Segment], indexes: &[usize], value: &str) {
        let Some(mut node) = self.data_mut() else {
            return;
        };
        for (seg, &idx) in segments.iter().zip(indexes) {
            node = ensure_child(node, &seg.name, idx, seg.repeat_max.is_some());
        }
        node.set_text(value);
    }

    /// The code list a `<bindItems>` points at: `xfa.datasets.…`,
    /// `$data.…` or `$record.…`, the last step `[*]` for every match.
    pub fn items(&self, bind: &BindItems) -> Vec<CodeItem> {
        let Some(root) = root(&self.nodes) else {
            return Vec::new();
        };
        let r = bind.reference.as_str();
        let (start, rest) = if let Some(rest) = r.strip_prefix("xfa.datasets.data.") {
            (root.child("data"), rest)
        } else if let Some(rest) = r.strip_prefix("xfa.datasets.") {
            (Some(root), rest)
        } else if let Some(rest) = r.strip_prefix("$data.") {
            (root.child("data"), rest)
        } else if let Some(rest) = r.strip_prefix("$record.") {
            (root.child("data").and_then(|d| d.elements().next()), rest)
        } else {
            (None, r)
        };
        let Some(mut node) = start else {
            return Vec::new();
        };
        let steps: Vec<&str> = rest.split('.').collect();
        let Some((last, parents)) = steps.split_last() else {
            return Vec::new();
        };
        for step in parents {
            let name = step.split('[').next().unwrap_or(step);
            let Some(next) = node.elements().find(|e| e.name == name) else {
                return Vec::new();
            };
            node = next;
        }
        let name = last.split('[').next().unwrap_or(last);
        let pick = |e: &Element, how: &str| -> String {
            if how == "$" {
                return e.text();
            }
            let how = how.trim_start_matches("$.");
            e.attr(how)
                .or_else(|| e.elements().find(|c| c.name == how).map(Element::text))
                .unwrap_or_default()
        };
        node.elements()
            .filter(|e| e.name == name)
            .take(if last.contains("[*]") { usize::MAX } else { 1 })
            .map(|e| CodeItem {
                code: pick(e, &bind.value_ref),
                label: pick(e, &bind.label_ref),
            })
            .filter(|item| !item.code.is_empty() || !item.label.is_empty())
            .collect()
    }

    /// The values of a field at every row present, by indexed path.
    pub fn read(&self, def: &FieldDef, out: &mut Vec<(String, String)>) {
        if let Some(data) = self.data_ref() {
            collect(data, &def.segments, String::new(), out);
        }
    }
}

fn root(nodes: &[Node]) -> Option<&Element> {
    nodes.iter().find_map(|n| match n {
        Node::Element(e) if e.local_name() == "datasets" => Some(e),
        _ => None,
    })
}

fn collect(node: &Element, segments: &[Segment], prefix: String, out: &mut Vec<(String, String)>) {
    let Some((seg, rest)) = segments.split_first() else {
        out.push((prefix, node.text()));
        return;
    };
    let join = |step: String| {
        if prefix.is_empty() {
            step
        } else {
            format!("{prefix}.{step}")
        }
    };
    let matching = node.elements().filter(|e| e.name == seg.name);
    if seg.repeat_max.is_some() {
        for (i, child) in matching.enumerate() {
            collect(child, rest, join(format!("{}[{i}]", seg.name)), out);
        }
    } else if let Some(child) = node.elements().find(|e| e.name == seg.name) {
        collect(child, rest, join(seg.name.clone()), out);
    }
}

/// The `idx`-th child element called `name`, made if missing.
fn ensure_child<'e>(
    node: &'e mut Element,
    name: &str,
    idx: usize,
    repeating: bool,
) -> &'e mut Element {
    let positions: Vec<usize> = node
        .children
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n, Node::Element(e) if e.name == name))
        .map(|(i, _)| i)
        .collect();
    if idx >= positions.len() {
        let template = match positions.first().map(|&p| &node.children[p]) {
            Some(Node::Element(first)) if repeating => {
                let mut row = first.clone();
                empty_values(&mut row);
                row
            }
            _ => Element::new(name),
        };
        // Indentation that precedes the first row, copied before each new one.
        let indent = positions
            .first()
            .and_then(|&p| p.checked_sub(1))
            .and_then(|p| match &node.children[p] {
                Node::Text(t) if t.trim().is_empty() => Some(t.clone()),
                _ => None,
            });
        let mut insert_at = positions.last().map_or(node.children.len(), |&p| p + 1);
        if positions.is_empty() {
            // Before trailing whitespace of the parent, if any.
            if let Some(Node::Text(t)) = node.children.last()
                && t.trim().is_empty()
            {
                insert_at = node.children.len() - 1;
            }
        }
        if node.self_closing {
            node.push_element(template.clone());
            node.children.pop();
        }
        for _ in positions.len()..=idx {
            if let Some(indent) = &indent {
                node.children.insert(insert_at, Node::Text(indent.clone()));
                insert_at += 1;
            }
            node.children
                .insert(insert_at, Node::Element(template.clone()));
            insert_at += 1;
        }
    }
    let mut seen = 0;
    let pos = node
        .children
        .iter()
        .position(|n| {
            if matches!(n, Node::Element(e) if e.name == name) {
                seen += 1;
                seen == idx + 1
            } else {
                false
            }
        })
        .unwrap_or(0);
    if !matches!(node.children[pos], Node::Element(_)) {
        return node;
    }
    match &mut node.children[pos] {
        Node::Element(e) => e,
        _ => unreachable!("checked above"),
    }
}

/// Clears the text of every leaf of a cloned row, keeping its structure.
fn empty_values(el: &mut Element) {
    if el.elements().next().is_none() {
        el.children.clear();
        return;
    }
    for child in &mut el.children {
        if let Node::Element(e) = child {
            empty_values(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(name: &str, rep: Option<u32>) -> Segment {
        Segment {
            name: name.into(),
            repeat_max: rep,
        }
    }

    const DS: &str = "<xfa:datasets xmlns:xfa=\"x\">\n<xfa:data>\n<form1>\n  <P>\n    <Child>\n      <Name>A</Name>\n      <DOB/>\n    </Child>\n  </P>\n</form1>\n</xfa:data>\n</xfa:datasets>\n";

    #[test]
    fn untouched_packet_is_identical() {
        assert_eq!(Datasets::parse(DS).unwrap().to_text(), DS);
    }

    #[test]
    fn clones_rows_and_creates_missing_nodes() {
        let mut ds = Datasets::parse(DS).unwrap();
        let row = [
            seg("form1", None),
            seg("P", None),
            seg("Child", Some(6)),
            seg("Name", None),
        ];
        ds.set(&row, &[0, 0, 2, 0], "C & D");
        ds.set(
            &[seg("form1", None), seg("New", None), seg("X", None)],
            &[0, 0, 0],
            "x",
        );
        let text = ds.to_text();
        assert_eq!(text.matches("<Child>").count(), 3, "{text}");
        assert!(text.contains("<Name>C &amp; D</Name>"));
        assert!(text.contains("<New><X>x</X></New>"));
        let def = FieldDef {
            info: crate::FieldInfo {
                path: String::new(),
                kind: crate::FieldKind::Text,
                max_chars: None,
                code_list: Vec::new(),
                repeat_max: Some(6),
                required: false,
            },
            segments: row.to_vec(),
            bind_items: None,
        };
        let mut out = Vec::new();
        Datasets::parse(&text).unwrap().read(&def, &mut out);
        assert_eq!(out[0], ("form1.P.Child[0].Name".into(), "A".into()));
        assert_eq!(out[1], ("form1.P.Child[1].Name".into(), String::new()));
        assert_eq!(out[2], ("form1.P.Child[2].Name".into(), "C & D".into()));
    }

    #[test]
    fn fills_under_self_closing_and_empty_data() {
        let mut ds = Datasets::parse(
            "<xfa:datasets xmlns:xfa=\"x\"><xfa:data/><xfa:dataDescription a=\"1\"/></xfa:datasets>",
        )
        .unwrap();
        ds.set(&[seg("form1", None), seg("P", None)], &[0, 0], "v");
        assert_eq!(
            ds.to_text(),
            "<xfa:datasets xmlns:xfa=\"x\"><xfa:data><form1><P>v</P></form1></xfa:data><xfa:dataDescription a=\"1\"/></xfa:datasets>"
        );
        let mut ds = Datasets::parse(
            "<xfa:datasets><xfa:data><form1><Row /></form1></xfa:data></xfa:datasets>",
        )
        .unwrap();
        ds.set(
            &[seg("form1", None), seg("Row", Some(3)), seg("A", None)],
            &[0, 1, 0],
            "a",
        );
        assert_eq!(
            ds.to_text(),
            "<xfa:datasets><xfa:data><form1><Row /><Row><A>a</A></Row></form1></xfa:data></xfa:datasets>"
        );
    }

    #[test]
    fn bound_items_come_from_the_lists_of_values() {
        let ds = Datasets::parse(
            "<xfa:datasets><LOVFile><LOV><GenderMelList><GenderMel lic=\"\"/><GenderMel lic=\"Female\">F Female</GenderMel><GenderMel lic=\"Male\">M Male</GenderMel></GenderMelList></LOV></LOVFile><xfa:data><form1/></xfa:data></xfa:datasets>",
        )
        .unwrap();
        let bind = BindItems {
            reference: "xfa.datasets.LOVFile.LOV.GenderMelList.GenderMel[*]".into(),
            label_ref: "$".into(),
            value_ref: "lic".into(),
        };
        let items = ds.items(&bind);
        assert_eq!(
            items,
            [
                CodeItem {
                    code: "Female".into(),
                    label: "F Female".into()
                },
                CodeItem {
                    code: "Male".into(),
                    label: "M Male".into()
                }
            ]
        );
        let missing = BindItems {
            reference: "xfa.datasets.Nope.X[*]".into(),
            ..bind
        };
        assert!(ds.items(&missing).is_empty());
    }
}
