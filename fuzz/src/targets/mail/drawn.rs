//! Messages drawn from random bytes: headers with encoded words, groups,
//! odd dates and ids; bodies as trees of multiparts (mixed, alternative,
//! related, nested messages) with boundaries that match, clash or are
//! missing, every transfer encoding (valid and broken), charsets from
//! UTF-8 to ones no library knows, and attachments with hostile names.

use arbitrary::{Result, Unstructured};

const PEOPLE: &[&str] = &[
    "Maria Lopez <maria@gmail.example>",
    "maria@gmail.example",
    "\"Lopez, Maria\" <MARIA@GMAIL.EXAMPLE>",
    "=?utf-8?B?TWFyw61h?= <m.lopez@work.example>",
    "Info <info@practice.example>",
    "undisclosed-recipients:;",
    "Team: a@x.example, b@y.example;",
    "<>",
    "no address at all",
    "a@b@c",
    "\"\\\"\" <\"quoted\\\"local\"@example.org>",
];
const SUBJECTS: &[&str] = &[
    "Documents for CAS014",
    "Re: Re: Fwd: TKT012 status",
    "=?utf-8?B?w4lsb2RpZSDmvKLlrZc=?=",
    "=?iso-8859-1?Q?Caf=E9_=3F?=",
    "=?bogus?X?abc?=",
    "=?utf-8?Q?unterminated",
    "",
    "AW: RE: SV: biometrics",
];
const DATES: &[&str] = &[
    "Mon, 9 Mar 2026 09:00:00 -0400",
    "9 Mar 2026 09:00 +0000",
    "Tue, 31 Feb 2026 25:61:61 +9999",
    "Thu, 1 Jan 99999 00:00:00 -2400",
    "Fri, 13 Dec 1901 20:45:52 +0000",
    "yesterday",
    "",
];
const IDS: &[&str] = &[
    "<first@work.example>",
    "<reply@firm.example>",
    "first@work.example",
    "<>",
    "<a b c>",
    "<many@ids.example> <more@ids.example> <and@more.example>",
    "<x@synthetic.immcase.invalid>",
];
const CHARSETS: &[&str] = &[
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "shift_jis",
    "iso-2022-jp",
    "utf-16",
    "utf-7",
    "koi8-r",
    "gb18030",
    "x-unknown",
    "",
];
const ENCODINGS: &[&str] = &[
    "7bit",
    "8bit",
    "binary",
    "base64",
    "quoted-printable",
    "x-uuencode",
    "bogus",
];
const NAMES: &[&str] = &[
    "passport.pdf",
    "../../etc/passwd",
    "C:\\Windows\\system32\\x.exe",
    "invoice.pdf\u{202e}exe.txt",
    "",
    ".",
    "con",
    "=?utf-8?B?w6kucGRm?=",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.pdf",
];
const BODIES: &[&str] = &[
    "Please find my documents attached.\r\n",
    "Caf=C3=A9 soft=\r\nbreak =ZZ\r\n",
    "SGVsbG8sIHdvcmxkIQ==\r\n",
    "!!not base64!!\r\n",
    "<p onclick=\"x()\">Hi<img src=\"https://tracker.example/p.gif\"><img src=\"cid:a@b\"><script>alert(1)</script></p>\r\n",
    "begin 644 x\r\n#0V%T\r\n`\r\nend\r\n",
    "\r\n",
    "",
];

/// A whole message, as bytes.
pub fn message(bytes: &[u8]) -> Vec<u8> {
    let mut u = Unstructured::new(bytes);
    let mut out = String::new();
    let _ = headers(&mut u, &mut out);
    let _ = part(&mut u, &mut out, 0);
    out.into_bytes()
}

fn headers(u: &mut Unstructured, out: &mut String) -> Result<()> {
    let fields: [(&str, &[&str]); 7] = [
        ("From", PEOPLE),
        ("To", PEOPLE),
        ("Cc", PEOPLE),
        ("Reply-To", PEOPLE),
        ("Subject", SUBJECTS),
        ("Date", DATES),
        ("Message-ID", IDS),
    ];
    for (name, values) in fields {
        if u.ratio(5, 6)? {
            out.push_str(&format!("{name}: {}\r\n", u.choose(values)?));
        }
    }
    for name in ["In-Reply-To", "References"] {
        if u.ratio(1, 3)? {
            out.push_str(&format!("{name}: {}\r\n", u.choose(IDS)?));
        }
    }
    out.push_str("MIME-Version: 1.0\r\n");
    Ok(())
}

/// A part: its headers, a blank line and its body (a leaf, a multipart
/// of parts, or a nested message).
fn part(u: &mut Unstructured, out: &mut String, depth: usize) -> Result<()> {
    let kind = if depth > 6 { 0 } else { u.int_in_range(0..=5)? };
    match kind {
        0..=2 => leaf(u, out),
        3 | 4 => {
            let sub = *u.choose(&["mixed", "alternative", "related", "digest", "bogus"])?;
            let boundary = *u.choose(&["b", "b1", "=_Part_0", "", "b\"; x=\"y"])?;
            out.push_str(&format!(
                "Content-Type: multipart/{sub}; boundary=\"{boundary}\"\r\n\r\n"
            ));
            if u.ratio(1, 4)? {
                out.push_str("This is a multi-part message in MIME format.\r\n");
            }
            for _ in 0..u.int_in_range(0..=3)? {
                out.push_str(&format!("--{boundary}\r\n"));
                part(u, out, depth + 1)?;
                out.push_str("\r\n");
            }
            if u.ratio(4, 5)? {
                out.push_str(&format!("--{boundary}--\r\n"));
            }
            Ok(())
        }
        _ => {
            out.push_str("Content-Type: message/rfc822\r\n\r\n");
            headers(u, out)?;
            part(u, out, depth + 1)
        }
    }
}

fn leaf(u: &mut Unstructured, out: &mut String) -> Result<()> {
    let kind = *u.choose(&[
        "text/plain",
        "text/html",
        "application/pdf",
        "image/png",
        "application/octet-stream",
        "text/calendar",
        "",
    ])?;
    out.push_str(&format!(
        "Content-Type: {kind}; charset=\"{}\"",
        u.choose(CHARSETS)?
    ));
    let name = *u.choose(NAMES)?;
    if u.ratio(1, 3)? {
        out.push_str(&format!("; name=\"{name}\""));
    }
    out.push_str("\r\n");
    out.push_str(&format!(
        "Content-Transfer-Encoding: {}\r\n",
        u.choose(ENCODINGS)?
    ));
    match u.int_in_range(0..=3)? {
        0 => out.push_str(&format!(
            "Content-Disposition: attachment; filename=\"{name}\"\r\n"
        )),
        1 => out.push_str("Content-Disposition: inline\r\nContent-ID: <a@b>\r\n"),
        2 => out.push_str(
            "Content-Disposition: attachment; filename*0*=utf-8''%C3%A9; filename*1=\".pdf\"\r\n",
        ),
        _ => {}
    }
    out.push_str("\r\n");
    for _ in 0..u.int_in_range(1..=3)? {
        out.push_str(u.choose(BODIES)?);
    }
    Ok(())
}
