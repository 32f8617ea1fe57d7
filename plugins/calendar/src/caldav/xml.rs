//! The XML of WebDAV and CalDAV (RFC 4918, RFC 4791) with quick-xml: what
//! a client asks for (the properties of a `PROPFIND`, the kind, hrefs and
//! time range of a `REPORT`), and the `207 Multi-Status` answer.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CALSERVER: &str = "http://calendarserver.org/ns/";
pub const APPLE: &str = "http://apple.com/ns/ical/";

/// A property's name: its namespace and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub ns: String,
    pub local: String,
}

impl Name {
    pub fn new(ns: &str, local: &str) -> Name {
        Name {
            ns: ns.into(),
            local: local.into(),
        }
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

/// What the body asks: the properties wanted (none for all), and for a
/// `REPORT` its kind, hrefs and time range (`YYYYMMDDTHHMMSSZ` as sent).
#[derive(Debug, Default)]
pub struct Asked {
    pub root: Option<Name>,
    pub props: Vec<Name>,
    pub all: bool,
    pub hrefs: Vec<String>,
    pub time_range: Option<(Option<String>, Option<String>)>,
}

/// Reads a request body; an empty body asks for every property.
pub fn read(body: &[u8]) -> Result<Asked, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
    let mut asked = Asked::default();
    if text.trim().is_empty() {
        asked.all = true;
        return Ok(asked);
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(true);
    // The elements open above the current one.
    let mut path: Vec<Name> = Vec::new();
    let mut in_href = false;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("the XML does not parse: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = Name {
                    ns,
                    local: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                };
                let empty = matches!(event, Event::Empty(_));
                if asked.root.is_none() {
                    asked.root = Some(name.clone());
                }
                let parent = path.last();
                if parent.is_some_and(|p| p.is(DAV, "prop")) && path.len() == 2 {
                    asked.props.push(name.clone());
                }
                if name.is(DAV, "allprop") {
                    asked.all = true;
                }
                if name.is(CALDAV, "time-range") {
                    let attr = |key: &str| {
                        e.try_get_attribute(key).ok().flatten().and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                    };
                    asked.time_range = Some((attr("start"), attr("end")));
                }
                in_href = name.is(DAV, "href") && !empty;
                if !empty {
                    path.push(name);
                }
            }
            Event::Text(t) if in_href => {
                let raw = t.decode().map_err(|e| e.to_string())?;
                let href = quick_xml::escape::unescape(&raw).map_err(|e| e.to_string())?;
                asked.hrefs.push(href.trim().to_string());
            }
            Event::End(_) => {
                path.pop();
                in_href = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if asked.props.is_empty()
        && !asked
            .root
            .as_ref()
            .is_some_and(|r| r.local.contains("multiget") || r.local.contains("query"))
    {
        asked.all = true;
    }
    Ok(asked)
}

/// A property's value in an answer.
pub enum Value {
    Text(String),
    Href(String),
    Hrefs(Vec<String>),
    /// Empty elements inside (`<d:collection/><c:calendar/>`).
    Marks(Vec<Name>),
    /// `<c:comp name="VEVENT"/>`.
    Components(Vec<&'static str>),
    /// `<d:privilege><d:read/></d:privilege>`...
    Privileges(Vec<&'static str>),
    /// `<d:supported-report><d:report><c:calendar-query/></d:report></d:supported-report>`...
    Reports(Vec<Name>),
}

fn prefix(ns: &str) -> Option<&'static str> {
    match ns {
        DAV => Some("d"),
        CALDAV => Some("c"),
        CALSERVER => Some("cs"),
        APPLE => Some("ic"),
        _ => None,
    }
}

/// One resource's answer: its href, the properties found, and those not.
pub struct Response {
    pub href: String,
    pub found: Vec<(Name, Value)>,
    pub missing: Vec<Name>,
}

type W = Writer<Vec<u8>>;

fn start(w: &mut W, name: &Name) -> std::io::Result<String> {
    match prefix(&name.ns) {
        Some(p) => {
            let tag = format!("{p}:{}", name.local);
            w.write_event(Event::Start(BytesStart::new(tag.as_str())))?;
            Ok(tag)
        }
        None => {
            let tag = format!("x:{}", name.local);
            let mut e = BytesStart::new(tag.as_str());
            e.push_attribute(("xmlns:x", name.ns.as_str()));
            w.write_event(Event::Start(e))?;
            Ok(tag)
        }
    }
}

fn empty(w: &mut W, name: &Name) -> std::io::Result<()> {
    let tag = match prefix(&name.ns) {
        Some(p) => format!("{p}:{}", name.local),
        None => format!("x:{}", name.local),
    };
    let mut e = BytesStart::new(tag.as_str());
    if prefix(&name.ns).is_none() {
        e.push_attribute(("xmlns:x", name.ns.as_str()));
    }
    w.write_event(Event::Empty(e))
}

fn element(w: &mut W, tag: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(tag)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(tag)))
}

fn value(w: &mut W, v: &Value) -> std::io::Result<()> {
    match v {
        Value::Text(text) => w.write_event(Event::Text(BytesText::new(text))),
        Value::Href(href) => element(w, "d:href", href),
        Value::Hrefs(hrefs) => hrefs.iter().try_for_each(|h| element(w, "d:href", h)),
        Value::Marks(marks) => marks.iter().try_for_each(|m| empty(w, m)),
        Value::Components(names) => names.iter().try_for_each(|n| {
            let mut e = BytesStart::new("c:comp");
            e.push_attribute(("name", *n));
            w.write_event(Event::Empty(e))
        }),
        Value::Privileges(names) => names.iter().try_for_each(|n| {
            w.write_event(Event::Start(BytesStart::new("d:privilege")))?;
            empty(w, &Name::new(DAV, n))?;
            w.write_event(Event::End(BytesEnd::new("d:privilege")))
        }),
        Value::Reports(names) => names.iter().try_for_each(|n| {
            w.write_event(Event::Start(BytesStart::new("d:supported-report")))?;
            w.write_event(Event::Start(BytesStart::new("d:report")))?;
            empty(w, n)?;
            w.write_event(Event::End(BytesEnd::new("d:report")))?;
            w.write_event(Event::End(BytesEnd::new("d:supported-report")))
        }),
    }
}

fn propstat(
    w: &mut W,
    status: &str,
    props: impl Fn(&mut W) -> std::io::Result<()>,
) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("d:propstat")))?;
    w.write_event(Event::Start(BytesStart::new("d:prop")))?;
    props(w)?;
    w.write_event(Event::End(BytesEnd::new("d:prop")))?;
    element(w, "d:status", status)?;
    w.write_event(Event::End(BytesEnd::new("d:propstat")))
}

/// The `207 Multi-Status` body of `responses`, and of hrefs not found.
pub fn multistatus(responses: &[Response], not_found: &[String]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    let written: std::io::Result<()> = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        let mut root = BytesStart::new("d:multistatus");
        root.push_attribute(("xmlns:d", DAV));
        root.push_attribute(("xmlns:c", CALDAV));
        root.push_attribute(("xmlns:cs", CALSERVER));
        root.push_attribute(("xmlns:ic", APPLE));
        w.write_event(Event::Start(root))?;
        for r in responses {
            w.write_event(Event::Start(BytesStart::new("d:response")))?;
            element(&mut w, "d:href", &r.href)?;
            if !r.found.is_empty() {
                propstat(&mut w, "HTTP/1.1 200 OK", |w| {
                    for (name, v) in &r.found {
                        let tag = start(w, name)?;
                        value(w, v)?;
                        w.write_event(Event::End(BytesEnd::new(tag.as_str())))?;
                    }
                    Ok(())
                })?;
            }
            if !r.missing.is_empty() {
                propstat(&mut w, "HTTP/1.1 404 Not Found", |w| {
                    r.missing.iter().try_for_each(|n| empty(w, n))
                })?;
            }
            w.write_event(Event::End(BytesEnd::new("d:response")))?;
        }
        for href in not_found {
            w.write_event(Event::Start(BytesStart::new("d:response")))?;
            element(&mut w, "d:href", href)?;
            element(&mut w, "d:status", "HTTP/1.1 404 Not Found")?;
            w.write_event(Event::End(BytesEnd::new("d:response")))?;
        }
        w.write_event(Event::End(BytesEnd::new("d:multistatus")))
    })();
    let _ = written;
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_propfind_asks_for_its_properties_and_a_report_for_its_range_and_hrefs() {
        let body = br#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
            <d:prop><d:displayname/><c:calendar-home-set/><d:resourcetype/></d:prop></d:propfind>"#;
        let asked = read(body).expect("reads");
        assert!(!asked.all);
        assert_eq!(
            asked.props,
            [
                Name::new(DAV, "displayname"),
                Name::new(CALDAV, "calendar-home-set"),
                Name::new(DAV, "resourcetype")
            ]
        );
        let report = br#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>
            <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260301T000000Z" end="20260401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#;
        let asked = read(report).expect("reads");
        assert_eq!(asked.root, Some(Name::new(CALDAV, "calendar-query")));
        assert_eq!(
            asked.time_range,
            Some((
                Some("20260301T000000Z".into()),
                Some("20260401T000000Z".into())
            ))
        );
        let multiget = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
            <d:href>/dav/calendars/u1/c1/a.ics</d:href><d:href>/dav/calendars/u1/c1/b%20c.ics</d:href></c:calendar-multiget>"#;
        assert_eq!(
            read(multiget).expect("reads").hrefs,
            [
                "/dav/calendars/u1/c1/a.ics",
                "/dav/calendars/u1/c1/b%20c.ics"
            ]
        );
        assert!(read(b"").expect("empty").all);
        assert!(read(b"<d:propfind").is_err());
    }

    #[test]
    fn the_answer_names_what_was_found_and_what_was_not() {
        let body = multistatus(
            &[Response {
                href: "/dav/calendars/u1/".into(),
                found: vec![(
                    Name::new(DAV, "displayname"),
                    Value::Text("Ana & co".into()),
                )],
                missing: vec![Name::new("urn:x", "color")],
            }],
            &["/dav/calendars/u1/gone.ics".into()],
        );
        let text = String::from_utf8(body).expect("utf-8");
        assert!(
            text.contains("<d:displayname>Ana &amp; co</d:displayname>"),
            "{text}"
        );
        assert!(text.contains(r#"<x:color xmlns:x="urn:x"/>"#), "{text}");
        assert!(text.contains("HTTP/1.1 404 Not Found"), "{text}");
    }
}
