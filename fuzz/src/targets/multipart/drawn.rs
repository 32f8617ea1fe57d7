//! Forms drawn from random bytes: Content-Types with boundaries quoted,
//! bare, missing, long or odd; parts named as the host's forms name them
//! (`file`, `folder`, `_csrf`, `logo`) and otherwise; file names as
//! browsers send them and as nobody should (paths, `..`, control and
//! invisible characters, RFC 8187 names, 300 bytes); contents that nearly
//! close the part; line breaks of CRLF or LF; a preamble, an epilogue, a
//! missing last boundary.

use arbitrary::{Result, Unstructured};

const BOUNDARIES: &[&str] = &[
    "XyZ",
    "----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "---------------------------9051914041544843365972754266",
    "------------------------d74496d66958873e",
    "a",
    "'()+_,-./:=?",
    "with space",
    "\u{e9}t\u{e9}",
    "1234567890123456789012345678901234567890123456789012345678901234567890xx",
];
const CONTENT_TYPES: &[&str] = &[
    "multipart/form-data; boundary={}",
    "multipart/form-data; boundary=\"{}\"",
    "multipart/form-data;boundary={}",
    "Multipart/Form-Data; charset=utf-8; boundary={}",
    "multipart/form-data; boundary={}; boundary=other",
    "multipart/mixed; boundary={}",
    "multipart/form-data; boundary=",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "",
];
const NAMES: &[&str] = &[
    "file", "file", "file", "folder", "_csrf", "logo", "files", "FILE", "", "_csrf ", "n\u{e9}",
];
const FILE_NAMES: &[&str] = &[
    "passport.pdf",
    "C:\\Users\\ana\\scan 1.jpg",
    "/home/ana/letter.docx",
    "R\u{e9}sum\u{e9} \u{2014} \u{e9}t\u{e9}.docx",
    "",
    " ",
    ".",
    "..",
    "dir/",
    "../../etc/passwd",
    "a\u{202e}gpj.exe",
    "zero\u{200b}width.pdf",
    "x\r\ny.pdf",
    "tab\tname.txt",
    "nul\0.pdf",
    "quote\\\".pdf",
    "\u{feff}bom.txt",
    "noextension",
    "logo.svg",
    "image.PNG",
];
const CONTENT_TYPES_OF_PARTS: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/svg+xml",
    "text/plain; charset=utf-8",
    "application/octet-stream",
    "Text/HTML",
    "not a type",
    "a/b/c",
    "/",
    "",
    "x/\u{e9}",
];
const FOLDERS: &[&str] = &[
    "",
    "Identity/Passports",
    " Identity / Passports/ ",
    "//a//b/",
    "a/../b",
    "..",
    "a\\b",
    "1/2/3/4/5",
    "1/2/3/4/5/6",
    "z\u{200d}w",
    "\u{627}\u{200c}\u{628}",
];
const CONTENTS: &[&[u8]] = &[
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    b"\xff\xd8\xff\xe0\0\x10JFIF",
    b"<svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\"/></svg>",
    b"<svg onload=\"alert(1)\"></svg>",
    b"<?xml version=\"1.0\"?><svg><use href=\"http://x.example/a#b\"/></svg>",
    b"hello",
    b"",
    b"\r\n--",
    b"\r\n-",
    b"--",
];

/// A whole input of the `multipart` target: a Content-Type line and a body.
pub fn request(bytes: &[u8]) -> Vec<u8> {
    let mut u = Unstructured::new(bytes);
    let mut out = Vec::new();
    let _ = form(&mut u, &mut out);
    out
}

fn form(u: &mut Unstructured, out: &mut Vec<u8>) -> Result<()> {
    let boundary = if u.ratio(1, 8)? {
        "b".repeat(u.int_in_range(60..=80)?)
    } else {
        (*u.choose(BOUNDARIES)?).to_string()
    };
    let content_type = u.choose(CONTENT_TYPES)?.replace("{}", &boundary);
    out.extend_from_slice(content_type.as_bytes());
    out.extend_from_slice(b"\r\n");
    let eol: &[u8] = if u.ratio(1, 6)? { b"\n" } else { b"\r\n" };
    if u.ratio(1, 6)? {
        out.extend_from_slice(b"a preamble nobody reads");
        out.extend_from_slice(eol);
    }
    for _ in 0..u.int_in_range(0..=6)? {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        if u.ratio(1, 12)? {
            out.extend_from_slice(b" \t");
        }
        out.extend_from_slice(eol);
        part(u, eol, out)?;
        out.extend_from_slice(eol);
    }
    match u.int_in_range(0..=5)? {
        0 => {}
        1 => {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
        }
        _ => {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"--");
            out.extend_from_slice(eol);
        }
    }
    if u.ratio(1, 8)? {
        out.extend_from_slice(b"an epilogue");
    }
    Ok(())
}

/// One part: its headers, a blank line and its contents.
fn part(u: &mut Unstructured, eol: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let name = *u.choose(NAMES)?;
    let mut disposition = if u.ratio(1, 4)? {
        format!("Content-Disposition: form-data; name={name}")
    } else {
        format!("Content-Disposition: form-data; name=\"{name}\"")
    };
    if name != "folder" && name != "_csrf" && u.ratio(3, 4)? {
        let file_name = if u.ratio(1, 12)? {
            format!("{}.pdf", "n".repeat(u.int_in_range(250..=300)?))
        } else {
            (*u.choose(FILE_NAMES)?).to_string()
        };
        if u.ratio(1, 5)? {
            let encoded: String = file_name.bytes().map(|b| format!("%{b:02X}")).collect();
            disposition.push_str(&format!("; filename*=UTF-8''{encoded}"));
        } else {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
    }
    out.extend_from_slice(disposition.as_bytes());
    out.extend_from_slice(eol);
    if u.ratio(1, 2)? {
        out.extend_from_slice(b"Content-Type: ");
        out.extend_from_slice(u.choose(CONTENT_TYPES_OF_PARTS)?.as_bytes());
        out.extend_from_slice(eol);
    }
    if u.ratio(1, 10)? {
        out.extend_from_slice(b"X-Folded: first");
        out.extend_from_slice(eol);
        out.extend_from_slice(b"  second");
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(eol);
    match name {
        "folder" => out.extend_from_slice(u.choose(FOLDERS)?.as_bytes()),
        "_csrf" => {
            let n = u.int_in_range(0..=80)?;
            out.extend(std::iter::repeat_n(b'k', n));
        }
        _ => {
            out.extend_from_slice(u.choose(CONTENTS)?);
            if u.ratio(1, 4)? {
                let n = u.int_in_range(0..=12_000)?;
                let fill = u.arbitrary::<u8>()?;
                out.extend(std::iter::repeat_n(fill, n));
            }
        }
    }
    Ok(())
}
