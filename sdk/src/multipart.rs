//! Forms with files: a `multipart/form-data` body (RFC 7578) read into its
//! parts, for pages whose forms attach files (`enctype="multipart/form-data"`)
//! and API clients that upload.
//!
//! The host passes a module at most its `limits.request-mb` of body, so the
//! whole body is in memory already; parts borrow nothing and are copied once.

use crate::{Error, Result};

/// Most parts one form may have.
const MAX_PARTS: usize = 200;

/// One part of a form: a field, or a file when it has a file name.
///
/// ```
/// use immcase_sdk::Multipart;
///
/// let body = b"--x\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\n\
///              Content-Type: image/jpeg\r\n\r\n\xFF\xD8\r\n--x--";
/// let form = Multipart::parse("multipart/form-data; boundary=x", body).unwrap();
/// let photo = &form.parts[0];
/// assert_eq!(photo.name, "photo");
/// assert_eq!(photo.file_name.as_deref(), Some("me.jpg"));
/// assert_eq!(photo.content_type.as_deref(), Some("image/jpeg"));
/// assert_eq!(photo.data, b"\xFF\xD8");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// The file's name as the browser sent it (no folders), for file parts.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// The field's value or the file's contents, as sent.
    pub data: Vec<u8>,
}

/// A form read from a `multipart/form-data` body.
///
/// ```
/// use immcase_sdk::Request;
///
/// let body = "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nCall back\r\n--x--";
/// let request = Request::new("POST", "/notes")
///     .with_header("Content-Type", "multipart/form-data; boundary=x")
///     .with_body(body);
/// assert!(request.is_multipart());
/// let form = request.multipart().unwrap();
/// assert_eq!(form.parts.len(), 1);
/// assert_eq!(form.text("text").as_deref(), Some("Call back"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multipart {
    /// Every part, fields and files, in the order sent.
    pub parts: Vec<Part>,
}

impl Multipart {
    /// Reads `body` sent with `content_type` (which names the boundary).
    /// A body that is not such a form is [`Error::Invalid`], saying why.
    ///
    /// ```
    /// use immcase_sdk::Multipart;
    ///
    /// let body = b"--x\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVisa\r\n--x--";
    /// let form = Multipart::parse("multipart/form-data; boundary=x", body).unwrap();
    /// assert_eq!(form.fields(), [("subject".to_owned(), "Visa".to_owned())]);
    ///
    /// let error = Multipart::parse("application/json", b"{}").unwrap_err();
    /// assert_eq!(error.status(), 422);
    /// assert_eq!(error.message(), "the form is not multipart/form-data with a boundary");
    /// ```
    pub fn parse(content_type: &str, body: &[u8]) -> Result<Self> {
        let boundary = boundary_of(content_type).ok_or_else(|| {
            Error::Invalid("the form is not multipart/form-data with a boundary".into())
        })?;
        let delimiter = format!("--{boundary}").into_bytes();
        let broken = |why: &str| Error::Invalid(format!("the form's body is broken: {why}"));
        let mut at = find(body, &delimiter, 0).ok_or_else(|| broken("no first boundary"))?;
        let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
        let mut parts = Vec::new();
        loop {
            at += delimiter.len();
            let rest = &body[at..];
            if rest.starts_with(b"--") {
                return Ok(Self { parts });
            }
            if !rest.starts_with(b"\r\n") {
                return Err(broken("a boundary is not followed by a line break"));
            }
            at += 2;
            let head_end = find(body, b"\r\n\r\n", at)
                .ok_or_else(|| broken("a part has no end of headers"))?;
            let head = std::str::from_utf8(&body[at..head_end])
                .map_err(|_| broken("a part's headers are not UTF-8"))?;
            let data_start = head_end + 4;
            let data_end = find(body, &next_delimiter, data_start)
                .ok_or_else(|| broken("a part does not end with a boundary"))?;
            if parts.len() == MAX_PARTS {
                return Err(Error::Invalid(format!(
                    "a form has at most {MAX_PARTS} fields and files"
                )));
            }
            parts.push(part(head, &body[data_start..data_end]).map_err(|why| broken(&why))?);
            at = data_end + 2;
        }
    }

    /// The first field called `name` that is not a file, as text (invalid
    /// UTF-8 replaced).
    ///
    /// ```
    /// use immcase_sdk::Multipart;
    ///
    /// # let body = concat!(
    /// #     "--x\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVisa renewal\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"urgent\"\r\n\r\ntrue\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"scan.pdf\"\r\n",
    /// #     "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n",
    /// #     "--x--\r\n",
    /// # );
    /// # let form = Multipart::parse("multipart/form-data; boundary=x", body.as_bytes()).unwrap();
    /// // The form has the fields subject ("Visa renewal") and urgent ("true"),
    /// // and under "files" scan.pdf and a file input left empty.
    /// assert_eq!(form.text("subject").as_deref(), Some("Visa renewal"));
    /// assert_eq!(form.text("files"), None); // a file, not a field
    /// assert_eq!(form.text("missing"), None);
    /// ```
    pub fn text(&self, name: &str) -> Option<String> {
        self.parts
            .iter()
            .find(|p| p.name == name && p.file_name.is_none())
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
    }

    /// Every field that is not a file, in order, as `(name, text)`.
    ///
    /// ```
    /// use immcase_sdk::Multipart;
    ///
    /// # let body = concat!(
    /// #     "--x\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVisa renewal\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"urgent\"\r\n\r\ntrue\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"scan.pdf\"\r\n",
    /// #     "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n",
    /// #     "--x--\r\n",
    /// # );
    /// # let form = Multipart::parse("multipart/form-data; boundary=x", body.as_bytes()).unwrap();
    /// // The form has the fields subject ("Visa renewal") and urgent ("true"),
    /// // and under "files" scan.pdf and a file input left empty.
    /// let fields = form.fields();
    /// assert_eq!(fields[0], ("subject".to_owned(), "Visa renewal".to_owned()));
    /// assert_eq!(fields[1], ("urgent".to_owned(), "true".to_owned()));
    /// assert_eq!(fields.len(), 2);
    /// ```
    pub fn fields(&self) -> Vec<(String, String)> {
        self.parts
            .iter()
            .filter(|p| p.file_name.is_none())
            .map(|p| {
                (
                    p.name.clone(),
                    String::from_utf8_lossy(&p.data).into_owned(),
                )
            })
            .collect()
    }

    /// The fields that are not files decoded into `T`
    /// (`#[derive(Deserialize)]`), as [`crate::Request::form`] decodes a
    /// form without files.
    ///
    /// ```
    /// use immcase_sdk::Multipart;
    /// use serde::Deserialize;
    ///
    /// # let body = concat!(
    /// #     "--x\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVisa renewal\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"urgent\"\r\n\r\ntrue\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"scan.pdf\"\r\n",
    /// #     "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n",
    /// #     "--x--\r\n",
    /// # );
    /// # let form = Multipart::parse("multipart/form-data; boundary=x", body.as_bytes()).unwrap();
    /// // The form has the fields subject ("Visa renewal") and urgent ("true"),
    /// // and under "files" scan.pdf and a file input left empty.
    /// #[derive(Deserialize)]
    /// struct Ticket {
    ///     subject: String,
    ///     urgent: bool,
    /// }
    /// let ticket: Ticket = form.form().unwrap();
    /// assert_eq!((ticket.subject.as_str(), ticket.urgent), ("Visa renewal", true));
    /// ```
    pub fn form<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let encoded = serde_urlencoded::to_string(self.fields())
            .map_err(|e| Error::Invalid(format!("form: {e}")))?;
        serde_urlencoded::from_str(&encoded).map_err(|e| Error::Invalid(format!("form: {e}")))
    }

    /// The files sent under `name`, leaving out the empty part a browser
    /// sends when no file was chosen.
    ///
    /// ```
    /// use immcase_sdk::Multipart;
    ///
    /// # let body = concat!(
    /// #     "--x\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVisa renewal\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"urgent\"\r\n\r\ntrue\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"scan.pdf\"\r\n",
    /// #     "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n",
    /// #     "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n",
    /// #     "--x--\r\n",
    /// # );
    /// # let form = Multipart::parse("multipart/form-data; boundary=x", body.as_bytes()).unwrap();
    /// // The form has the fields subject ("Visa renewal") and urgent ("true"),
    /// // and under "files" scan.pdf and a file input left empty.
    /// let files: Vec<_> = form.files("files").collect();
    /// assert_eq!(files.len(), 1);
    /// assert_eq!(files[0].file_name.as_deref(), Some("scan.pdf"));
    /// assert_eq!(files[0].content_type.as_deref(), Some("application/pdf"));
    /// assert_eq!(files[0].data, b"%PDF-1.7");
    /// ```
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Part> + 'a {
        self.parts.iter().filter(move |p| {
            p.name == name && p.file_name.as_deref().is_some_and(|n| !n.is_empty())
        })
    }
}

/// The `boundary` parameter of a `multipart/form-data` content type.
fn boundary_of(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params_of(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| (1..=70).contains(&b.len()))
}

/// One part from its header block and contents.
fn part(head: &str, data: &[u8]) -> std::result::Result<Part, String> {
    let mut disposition = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("unreadable header line {line:?}"));
        };
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value.trim().to_owned());
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let disposition = disposition.ok_or("a part has no Content-Disposition")?;
    let (kind, params) = disposition.split_once(';').unwrap_or((&disposition, ""));
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(format!("a part is {kind:?}, not form-data"));
    }
    let params = params_of(params);
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let name = param("name").ok_or("a part has no name")?;
    let file_name = param("filename").map(|n| {
        // Some browsers send a whole Windows path.
        n.rsplit(['/', '\\']).next().unwrap_or_default().to_owned()
    });
    Ok(Part {
        name,
        file_name,
        content_type,
        data: data.to_vec(),
    })
}

/// `; a=b; c="d e"` as pairs, quoted values unquoted.
fn params_of(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ';')).collect();
        if key.is_empty() && chars.peek().is_none() {
            return pairs;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        // Browsers write a quote in a name as `%22`; an
                        // escaped quote is read, other backslashes kept
                        // (Windows paths).
                        '\\' => match chars.next_if_eq(&'"') {
                            Some(quote) => value.push(quote),
                            None => value.push('\\'),
                        },
                        c => value.push(c),
                    }
                }
            } else {
                value = std::iter::from_fn(|| chars.next_if(|c| *c != ';')).collect();
            }
        }
        pairs.push((key.trim().to_owned(), value.trim_end().to_owned()));
    }
}

/// Where `needle` next occurs in `haystack` from `from` on.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while at + needle.len() <= haystack.len() {
        let offset = haystack[at..].iter().position(|b| *b == first)?;
        at += offset;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=----WebKitFormBoundaryAbC123";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, file, data) in parts {
            out.extend_from_slice(b"------WebKitFormBoundaryAbC123\r\n");
            match file {
                Some(file) => out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"------WebKitFormBoundaryAbC123--\r\n");
        out
    }

    #[test]
    fn fields_and_files_come_back_as_sent() {
        let binary = [0u8, 13, 10, 45, 45, 255, 13, 10];
        let sent = body(&[
            ("subject", None, "Printer — jammed".as_bytes()),
            ("files", Some("scan.pdf"), &binary),
            ("files", Some(""), b""),
            ("files", Some("C:\\Users\\ana\\notes.txt"), b"hello"),
        ]);
        let form = Multipart::parse(TYPE, &sent).unwrap();
        assert_eq!(form.text("subject").as_deref(), Some("Printer — jammed"));
        assert_eq!(
            form.fields(),
            vec![("subject".into(), "Printer — jammed".into())]
        );
        #[derive(serde::Deserialize)]
        struct Filed {
            subject: String,
        }
        assert_eq!(form.form::<Filed>().unwrap().subject, "Printer — jammed");
        let files: Vec<&Part> = form.files("files").collect();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].file_name.as_deref(), Some("scan.pdf"));
        assert_eq!(files[0].data, binary);
        assert_eq!(
            files[0].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(files[1].file_name.as_deref(), Some("notes.txt"));
        assert_eq!(files[1].data, b"hello");
    }

    #[test]
    fn quoted_names_and_boundaries_are_read() {
        let sent = b"--a b\r\nContent-Disposition: form-data; name=\"say \\\"hi\\\"\"\r\n\r\nyes\r\n--a b--";
        let form = Multipart::parse("multipart/form-data; boundary=\"a b\"", sent).unwrap();
        assert_eq!(form.text("say \"hi\"").as_deref(), Some("yes"));
    }

    #[test]
    fn broken_forms_are_refused_with_a_reason() {
        let complete = body(&[("a", None, b"1")]);
        for (content_type, sent, why) in [
            ("application/json", complete.clone(), "not multipart"),
            (TYPE, b"no boundary here".to_vec(), "no first boundary"),
            (TYPE, complete[..complete.len() - 36].to_vec(), "does not end"),
            (
                TYPE,
                b"------WebKitFormBoundaryAbC123\r\nX: y\r\n\r\n1\r\n------WebKitFormBoundaryAbC123--"
                    .to_vec(),
                "no Content-Disposition",
            ),
        ] {
            let error = Multipart::parse(content_type, &sent).unwrap_err();
            assert!(error.to_string().contains(why), "{why}: {error}");
        }
    }

    #[test]
    fn an_empty_form_has_no_parts() {
        let form = Multipart::parse(TYPE, b"------WebKitFormBoundaryAbC123--\r\n").unwrap();
        assert!(form.parts.is_empty());
        assert_eq!(form.text("a"), None);
    }
}
