//! Reads the XFA `template` packet: which data nodes the form's fields bind
//! to, with their kind, length limit, code list, repetition and
//! requiredness.

use crate::xml::Element;
use crate::{CodeItem, FieldInfo, FieldKind};

/// One step of a data path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub name: String,
    /// `Some(max)` when the step is a repeating subform's rows.
    pub repeat_max: Option<u32>,
}

/// A field of the template and the data path it binds to.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub info: FieldInfo,
    pub segments: Vec<Segment>,
    /// Where the code list lives in the data, if the field has `<bindItems>`.
    pub bind_items: Option<BindItems>,
}

/// A `<bindItems>`: the choice list is taken from data nodes (IRCC keeps
/// its lists of values under `xfa:datasets/LOVFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindItems {
    /// E.g. `xfa.datasets.LOVFile.LOV.GenderMelList.GenderMel[*]`.
    pub reference: String,
    /// `$` (the node's text), or an attribute or child name.
    pub label_ref: String,
    pub value_ref: String,
}

/// The data path written with `[*]` on repeating steps.
pub fn path_text(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.repeat_max {
            Some(_) => format!("{}[*]", s.name),
            None => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Every data-bound field of a template, in template order, one per data path.
pub fn fields(template: &Element) -> Vec<FieldDef> {
    let mut out: Vec<FieldDef> = Vec::new();
    walk(template, &[], &mut out);
    let mut seen = std::collections::HashSet::new();
    // A name that cannot name a data element binds to nothing.
    out.retain(|f| f.segments.iter().all(|s| crate::xml::is_name(&s.name)));
    out.retain(|f| seen.insert(f.info.path.clone()));
    out
}

fn occur_max(el: &Element) -> Option<u32> {
    let occur = el.child("occur")?;
    let max = occur.attr("max").unwrap_or_else(|| "1".into());
    match max.trim().parse::<i64>() {
        Ok(-1) => Some(u32::MAX),
        Ok(1) | Err(_) => None,
        Ok(n) => u32::try_from(n).ok(),
    }
}

/// How an element binds: `None` for `match="none"`, else the data path.
fn bound_path(el: &Element, ctx: &[Segment], repeat_max: Option<u32>) -> Option<Vec<Segment>> {
    let bind = el.child("bind");
    let how = bind
        .and_then(|b| b.attr("match"))
        .unwrap_or_else(|| "once".into());
    match how.as_str() {
        "none" => None,
        "dataRef" => {
            let r = bind.and_then(|b| b.attr("ref")).unwrap_or_default();
            Some(resolve_ref(&r, ctx, repeat_max))
        }
        _ => {
            let mut path = ctx.to_vec();
            if let Some(name) = el.attr("name").filter(|n| !n.is_empty()) {
                path.push(Segment { name, repeat_max });
            }
            Some(path)
        }
    }
}

/// Resolves `$.A.B`, `$record.A.B`, `$data.A.B` or `A.B` against a context.
fn resolve_ref(r: &str, ctx: &[Segment], repeat_max: Option<u32>) -> Vec<Segment> {
    let (mut path, rest) = if let Some(rest) = r.strip_prefix("$record") {
        (ctx.iter().take(1).cloned().collect::<Vec<_>>(), rest)
    } else if let Some(rest) = r.strip_prefix("$data") {
        (Vec::new(), rest)
    } else if let Some(rest) = r.strip_prefix('$') {
        (ctx.to_vec(), rest)
    } else {
        (ctx.to_vec(), r)
    };
    for step in rest.split('.').filter(|s| !s.is_empty()) {
        let (name, repeat) = match step.find('[') {
            Some(i) => (&step[..i], step[i..].contains('*')),
            None => (step, false),
        };
        path.push(Segment {
            name: name.to_string(),
            repeat_max: if repeat {
                repeat_max.or(Some(u32::MAX))
            } else {
                None
            },
        });
    }
    path
}

fn walk(parent: &Element, ctx: &[Segment], out: &mut Vec<FieldDef>) {
    for el in parent.elements() {
        match el.local_name() {
            "subform" | "subformSet" => {
                let repeat = occur_max(el);
                let inner = bound_path(el, ctx, repeat).unwrap_or_else(|| ctx.to_vec());
                walk(el, &inner, out);
            }
            "area" => walk(el, ctx, out),
            "field" | "exclGroup" => {
                if el.attr("name").is_none_or(|n| n.is_empty()) && el.child("bind").is_none() {
                    continue;
                }
                if let Some(segments) = bound_path(el, ctx, None) {
                    out.push(field_def(el, segments));
                }
            }
            _ => {}
        }
    }
}

fn field_def(el: &Element, segments: Vec<Segment>) -> FieldDef {
    let mut code_list = Vec::new();
    let kind = if el.local_name() == "exclGroup" {
        for f in el.elements().filter(|e| e.local_name() == "field") {
            if let Some(on) = f.child("items").and_then(|i| i.elements().next()) {
                let label = f.child("caption").map(|c| c.text().trim().to_string());
                let code = on.text();
                code_list.push(CodeItem {
                    label: label
                        .filter(|l| !l.is_empty())
                        .unwrap_or_else(|| code.clone()),
                    code,
                });
            }
        }
        FieldKind::Choice
    } else {
        code_list = items(el);
        kind_of(el)
    };
    let max_chars = el
        .child("value")
        .and_then(|v| v.child("text"))
        .and_then(|t| t.attr("maxChars"))
        .and_then(|m| m.trim().parse().ok())
        .filter(|&m: &u32| m > 0);
    let required = el
        .child("validate")
        .and_then(|v| v.attr("nullTest"))
        .is_some_and(|t| t == "error");
    let repeat_max = segments.iter().rev().find_map(|s| s.repeat_max);
    let bind_items = el.child("bindItems").map(|b| BindItems {
        reference: b.attr("ref").unwrap_or_default(),
        label_ref: b.attr("labelRef").unwrap_or_else(|| "$".into()),
        value_ref: b.attr("valueRef").unwrap_or_else(|| "$".into()),
    });
    FieldDef {
        info: FieldInfo {
            path: path_text(&segments),
            kind,
            max_chars,
            code_list,
            repeat_max,
            required,
        },
        segments,
        bind_items,
    }
}

fn kind_of(el: &Element) -> FieldKind {
    let value_kind = el
        .child("value")
        .and_then(|v| v.elements().next())
        .map(|v| v.local_name().to_string());
    let ui = el
        .child("ui")
        .and_then(|u| {
            u.elements()
                .find(|e| !matches!(e.local_name(), "extras" | "picture"))
        })
        .map(|u| u.local_name().to_string());
    match (ui.as_deref(), value_kind.as_deref()) {
        (Some("dateTimeEdit"), _) | (_, Some("date" | "dateTime")) => FieldKind::Date,
        (Some("choiceList"), _) => FieldKind::Choice,
        (Some("checkButton"), _) => FieldKind::Check,
        (Some("numericEdit"), _)
        | (Some("textEdit") | None, Some("integer" | "decimal" | "float")) => FieldKind::Numeric,
        (Some("textEdit" | "passwordEdit") | None, _) => FieldKind::Text,
        _ => FieldKind::Other,
    }
}

/// `<items>` pairs: the displayed list and the saved one (`save="1"`).
fn items(el: &Element) -> Vec<CodeItem> {
    let lists: Vec<&Element> = el
        .elements()
        .filter(|e| e.local_name() == "items")
        .collect();
    let texts = |e: &Element| e.elements().map(Element::text).collect::<Vec<_>>();
    let saved = lists
        .iter()
        .find(|l| l.attr("save").as_deref() == Some("1"));
    let shown = lists
        .iter()
        .find(|l| l.attr("save").as_deref() != Some("1"));
    let (codes, labels) = match (saved, shown) {
        (Some(s), Some(d)) => (texts(s), texts(d)),
        (Some(s), None) => (texts(s), texts(s)),
        (None, Some(d)) => (texts(d), texts(d)),
        (None, None) => return Vec::new(),
    };
    codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| CodeItem {
            label: labels.get(i).cloned().unwrap_or_else(|| code.clone()),
            code,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Node, parse};

    fn template(src: &str) -> Vec<FieldDef> {
        let nodes = parse(src).unwrap();
        let Node::Element(t) = &nodes[0] else {
            panic!()
        };
        fields(t)
    }

    #[test]
    fn binds_by_names_refs_and_skips_none() {
        let defs = template(
            r#"<template><subform name="form1"><pageSet><pageArea name="P"><field name="Hdr"/></pageArea></pageSet>
            <subform name="Page1"><subform><field name="A"><value><text maxChars="5"/></value><validate nullTest="error"/></field></subform>
            <field name="B"><bind match="dataRef" ref="$.X.Y"/></field>
            <field name="C"><bind match="dataRef" ref="$record.Z"/></field>
            <field name="Btn"><bind match="none"/></field>
            <subform name="Row"><occur max="-1"/><field name="D"><ui><checkButton/></ui><items><integer>1</integer><integer>0</integer></items></field></subform>
            </subform></subform></template>"#,
        );
        let paths: Vec<&str> = defs.iter().map(|d| d.info.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "form1.Page1.A",
                "form1.Page1.X.Y",
                "form1.Z",
                "form1.Page1.Row[*].D"
            ]
        );
        assert_eq!(defs[0].info.max_chars, Some(5));
        assert!(defs[0].info.required);
        assert_eq!(defs[3].info.repeat_max, Some(u32::MAX));
        assert_eq!(defs[3].info.kind, FieldKind::Check);
    }

    #[test]
    fn choice_lists_pair_labels_and_codes() {
        let defs = template(
            r#"<template><subform name="form1"><field name="Sex"><ui><choiceList/></ui>
            <items><text>Female</text><text>Male</text></items><items save="1"><text>F</text><text>M</text></items></field></subform></template>"#,
        );
        let list = &defs[0].info.code_list;
        assert_eq!(
            list[1],
            CodeItem {
                code: "M".into(),
                label: "Male".into()
            }
        );
        assert_eq!(defs[0].info.kind, FieldKind::Choice);
    }

    #[test]
    fn an_exclusion_group_is_one_choice() {
        let defs = template(
            r#"<template><subform name="form1"><exclGroup name="Sex">
            <field name="F"><ui><checkButton shape="round"/></ui><caption><value><text>Female</text></value></caption><items><text>F</text></items></field>
            <field name="M"><ui><checkButton shape="round"/></ui><items><text>M</text></items></field>
            </exclGroup></subform></template>"#,
        );
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].info.path, "form1.Sex");
        assert_eq!(defs[0].info.kind, FieldKind::Choice);
        let codes: Vec<(&str, &str)> = defs[0]
            .info
            .code_list
            .iter()
            .map(|c| (c.code.as_str(), c.label.as_str()))
            .collect();
        assert_eq!(codes, [("F", "Female"), ("M", "M")]);
    }
}
