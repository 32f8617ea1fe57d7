//! A small XML reader that keeps every byte: each element remembers its raw
//! start and end tags, so a packet written back is identical except where a
//! node was changed. Enough for XFA packets (no DTD handling).

/// A node of an XML packet.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    /// Character data as written (entities still escaped).
    Text(String),
    /// `<![CDATA[…]]>` as written.
    CData(String),
    /// A comment, processing instruction or declaration, as written.
    Other(String),
}

/// An element with its raw tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// The qualified name, e.g. `xfa:data`.
    pub name: String,
    /// The bytes between `<` and `>` (or `/>`) of the start tag.
    pub head: String,
    pub children: Vec<Node>,
    pub self_closing: bool,
    /// The raw end tag (`</name>`), empty when self-closing.
    pub end: String,
    /// Byte range of the whole element in the parsed text.
    pub span: (usize, usize),
}

impl Element {
    /// A new empty element `<name/>`.
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_string(),
            head: name.to_string(),
            children: Vec::new(),
            self_closing: true,
            end: String::new(),
            span: (0, 0),
        }
    }

    /// The name without its prefix.
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// An attribute's (unescaped) value, by qualified or local name.
    pub fn attr(&self, name: &str) -> Option<String> {
        let after_name = self.head.get(self.name.len()..).unwrap_or("");
        attributes(after_name)
            .find(|(k, _)| *k == name || k.rsplit(':').next() == Some(name))
            .map(|(_, v)| unescape(v))
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.local_name() == local)
    }

    /// All text inside, unescaped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(&unescape(t)),
                Node::CData(c) => {
                    out.push_str(c.trim_start_matches("<![CDATA[").trim_end_matches("]]>"))
                }
                Node::Element(e) => out.push_str(&e.text()),
                Node::Other(_) => {}
            }
        }
        out
    }

    /// Replaces the content with one text node (escaped here).
    pub fn set_text(&mut self, value: &str) {
        self.children = if value.is_empty() {
            Vec::new()
        } else {
            vec![Node::Text(escape(value))]
        };
        if self.self_closing && !value.is_empty() {
            self.open_tag();
        }
    }

    fn open_tag(&mut self) {
        self.self_closing = false;
        self.head = self.head.trim_end().to_string();
        self.end = format!("</{}>", self.name);
    }

    /// Appends a child element, turning `<a/>` into `<a>…</a>`.
    pub fn push_element(&mut self, child: Element) {
        if self.self_closing {
            self.open_tag();
        }
        self.children.push(Node::Element(child));
    }

    /// Writes the element back.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.head);
        if self.self_closing && self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        write_nodes(&self.children, out);
        if self.end.is_empty() {
            out.push_str(&format!("</{}>", self.name));
        } else {
            out.push_str(&self.end);
        }
    }
}

/// Writes nodes back as text.
pub fn write_nodes(nodes: &[Node], out: &mut String) {
    for n in nodes {
        match n {
            Node::Element(e) => e.write(out),
            Node::Text(t) | Node::CData(t) | Node::Other(t) => out.push_str(t),
        }
    }
}

/// Escapes text for element content or attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Resolves the predefined entities and character references.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                u32::from_str_radix(&entity[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses a document (or fragment) into its top-level nodes.
pub fn parse(text: &str) -> Result<Vec<Node>, String> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let nodes = p.nodes(None)?;
    Ok(nodes)
}

/// Elements nested deeper than this are refused: the parser recurses once
/// per level, and no form nests more than a few dozen.
pub const MAX_DEPTH: usize = 256;

/// Whether `name` can name an element: a letter or `_`, then letters,
/// digits, `_`, `-` and `.`.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Elements open around the cursor.
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn take_until(&mut self, end: &str) -> Result<String, String> {
        let i = self
            .rest()
            .find(end)
            .ok_or_else(|| format!("unclosed markup at byte {}", self.pos))?;
        let s = self.rest()[..i + end.len()].to_string();
        self.pos += i + end.len();
        Ok(s)
    }

    /// Nodes until the end tag of `parent` (or the end of the text).
    fn nodes(&mut self, parent: Option<&str>) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        while self.pos < self.text.len() {
            let rest = self.rest();
            if rest.starts_with("</") {
                let Some(name) = parent else {
                    return Err(format!("unexpected end tag at byte {}", self.pos));
                };
                let at = self.pos;
                let end = self.take_until(">")?;
                if end[2..end.len() - 1].trim() != name {
                    return Err(format!(
                        "end tag {end} at byte {at} does not close <{name}>"
                    ));
                }
                nodes.push(Node::Other(end));
                return Ok(nodes);
            } else if rest.starts_with("<!--") {
                let s = self.take_until("-->")?;
                nodes.push(Node::Other(s));
            } else if rest.starts_with("<![CDATA[") {
                let s = self.take_until("]]>")?;
                nodes.push(Node::CData(s));
            } else if rest.starts_with("<?") {
                let s = self.take_until("?>")?;
                nodes.push(Node::Other(s));
            } else if rest.starts_with("<!") {
                let s = self.take_until(">")?;
                nodes.push(Node::Other(s));
            } else if rest.starts_with('<') {
                nodes.push(Node::Element(self.element()?));
            } else {
                let len = rest.find('<').unwrap_or(rest.len());
                nodes.push(Node::Text(rest[..len].to_string()));
                self.pos += len;
            }
        }
        match parent {
            Some(name) => Err(format!("<{name}> is not closed")),
            None => Ok(nodes),
        }
    }

    fn element(&mut self) -> Result<Element, String> {
        let start = self.pos;
        // Find the end of the start tag, skipping quoted attribute values.
        let bytes = self.text.as_bytes();
        let mut i = self.pos + 1;
        let mut quote = None;
        while i < bytes.len() {
            match (quote, bytes[i]) {
                (None, b'"' | b'\'') => quote = Some(bytes[i]),
                (Some(q), b) if b == q => quote = None,
                (None, b'>') => break,
                _ => {}
            }
            i += 1;
        }
        if i >= bytes.len() {
            return Err(format!("unclosed start tag at byte {start}"));
        }
        let self_closing = bytes[i - 1] == b'/';
        let head_end = if self_closing { i - 1 } else { i };
        let head = self.text[start + 1..head_end].to_string();
        self.pos = i + 1;
        let name_len = head.find(|c: char| c.is_whitespace()).unwrap_or(head.len());
        let name = head[..name_len].to_string();
        let mut el = Element {
            name,
            head,
            children: Vec::new(),
            self_closing,
            end: String::new(),
            span: (start, 0),
        };
        if !self_closing {
            if self.depth >= MAX_DEPTH {
                return Err(format!(
                    "elements nest more than {MAX_DEPTH} deep at byte {start}"
                ));
            }
            self.depth += 1;
            let children = self.nodes(Some(&el.name.clone()));
            self.depth -= 1;
            let mut children = children?;
            if let Some(Node::Other(end)) = children.pop() {
                el.end = end;
            }
            el.children = children;
        }
        el.span.1 = self.pos;
        Ok(el)
    }
}

/// The `name="value"` pairs of a start tag (after its name), as written.
fn attributes(s: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let q = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let close = after[1..].find(q)?;
        let value = &after[1..1 + close];
        rest = &after[close + 2..];
        Some((name, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_back_every_byte() {
        let src = "<?xml version=\"1.0\"?>\n<a x='1' y = \"2\"><!-- c --><b/>\n  <c >t&amp;x</c ><![CDATA[<z>]]></a>\n";
        let nodes = parse(src).unwrap();
        let mut out = String::new();
        write_nodes(&nodes, &mut out);
        assert_eq!(out, src);
        let Node::Element(a) = &nodes[2] else {
            panic!()
        };
        assert_eq!(a.attr("y").as_deref(), Some("2"));
        assert_eq!(a.child("c").unwrap().text(), "t&x");
        assert_eq!(&src[a.span.0..a.span.1], &src[22..src.len() - 1]);
    }

    #[test]
    fn set_text_opens_a_self_closing_tag() {
        let mut nodes = parse("<a><b /></a>").unwrap();
        let Node::Element(a) = &mut nodes[0] else {
            panic!()
        };
        let Node::Element(b) = &mut a.children[0] else {
            panic!()
        };
        b.set_text("x<\"y\">&'");
        let mut out = String::new();
        write_nodes(&nodes, &mut out);
        assert_eq!(out, "<a><b>x&lt;&quot;y&quot;&gt;&amp;&apos;</b></a>");
    }

    #[test]
    fn reports_unclosed_elements() {
        assert!(parse("<a><b></a>").is_err());
    }
}
