//! Raw messages the tests share, written as mail clients send them.
//!
//! They are kept with `\n` line ends for reading; [`eml`] gives them the
//! `\r\n` that IMAP servers hand over.

/// `text` with `\r\n` line ends, as bytes.
pub fn eml(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

/// A Gmail-like message: multipart/mixed holding a multipart/alternative
/// (plain and HTML, quoted-printable) and a PDF; an encoded-word name.
pub const GMAIL: &str = r#"MIME-Version: 1.0
Date: Tue, 3 Mar 2026 09:15:02 -0500
Message-ID: <CAH7x+9Qz3kP@mail.gmail.com>
In-Reply-To: <reply-2@immcase.example>
References: <root-1@immcase.example> <reply-2@immcase.example>
Subject: Re: [TKT012] Passport copy for CAS014
From: =?UTF-8?B?QW5hIE9rb25rd28gR2FyY8OtYQ==?= <Ana.Okonkwo@Gmail.com>
To: Intake <intake@practice.example>, Lee Park <lee@practice.example>
Cc: Sam Diaz <sam.diaz@example.org>
Reply-To: Ana <ana.personal@example.net>
Content-Type: multipart/mixed; boundary="000000000000mixed"

--000000000000mixed
Content-Type: multipart/alternative; boundary="000000000000alt"

--000000000000alt
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hello Lee,

Here is my passport copy. Gr=C3=BC=C3=9Fe from Montr=C3=A9al.

Ana

--000000000000alt
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Hello Lee,<br><br>Here is my passport copy. Gr=C3=BC=C3=9Fe=
 from Montr=C3=A9al.<br><br>Ana</div>

--000000000000alt--

--000000000000mixed
Content-Type: application/pdf; name="passport scan.pdf"
Content-Disposition: attachment; filename="passport scan.pdf"
Content-Transfer-Encoding: base64
Content-ID: <f_lt8k2j1n0>

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK
--000000000000mixed--
"#;

/// An Outlook-like message: windows-1252 plain text in quoted-printable,
/// an iso-8859-1 subject in an encoded word, an HTML alternative with an
/// inline image in multipart/related.
pub const OUTLOOK: &str = r#"From: "Dupont, Marie" <Marie.Dupont@cabinet.example>
To: "Intake" <intake@practice.example>
Subject: =?iso-8859-1?Q?Dossier_d'immigration_=96_pi=E8ces?=
Date: Wed, 4 Mar 2026 14:02:11 +0000
Message-ID: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>
Content-Language: fr-CA
MIME-Version: 1.0
Content-Type: multipart/related; boundary="_rel_"; type="multipart/alternative"

--_rel_
Content-Type: multipart/alternative; boundary="_alt_"

--_alt_
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

Bonjour,

Voici les pi=E8ces =93demand=E9es=94 =96 merci.

Marie

--_alt_
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{margin:0}</style></head><body><p style=3D"color:red">B=
onjour,</p><p>Voici les pi=E8ces.</p><img src=3D"cid:image001.png@01DA4F2E.=
1A2B3C40" alt=3D"logo"></body></html>

--_alt_--

--_rel_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"
Content-ID: <image001.png@01DA4F2E.1A2B3C40>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==

--_rel_--
"#;

/// A forward: the forwarded message attached as message/rfc822, and an
/// attachment whose name tries to leave its folder.
pub const FORWARD: &str = r#"From: Lee Park <lee@practice.example>
To: Counsel <counsel@lawfirm.example>
Subject: Fwd: Biometrics letter
Date: Thu, 5 Mar 2026 10:00:00 -0500
Message-ID: <fwd-1@practice.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=us-ascii

See below.

--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: IRCC <no-reply@cic.example>
To: Ana <ana.okonkwo@gmail.com>
Subject: Biometrics instruction letter
Date: Mon, 2 Mar 2026 08:00:00 -0500
Message-ID: <bil-77@cic.example>
Content-Type: text/plain; charset=us-ascii

Please give your biometrics within 30 days.

--outer
Content-Type: application/octet-stream; name="..\..\windows\evil.exe"
Content-Disposition: attachment; filename="../../etc/pass
 wd"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--outer--
"#;

/// A message with headers only: no Message-ID, no body, no subject.
pub const HEADERS_ONLY: &str = "From: someone@example.com\nTo: intake@practice.example\nDate: Fri, 6 Mar 2026 12:00:00 +0100\n\n";

/// An HTML-only message in iso-8859-1 (a web form's notification).
pub const HTML_ONLY: &str = r#"From: Web Form <forms@practice.example>
To: intake@practice.example
Subject: =?utf-8?Q?Nouvelle_demande_=E2=80=93_Jos=C3=A9?=
Message-ID: <form-9@practice.example>
MIME-Version: 1.0
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<p>Nom&nbsp;: Jos=E9 Pe=F1a</p><p>Programme&nbsp;: <b>Entr=E9e express</b></p>
"#;
