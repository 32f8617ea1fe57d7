use super::*;
use crate::rules::samples::{FORWARD, GMAIL, HEADERS_ONLY, HTML_ONLY, OUTLOOK, eml};

fn read(text: &str) -> ParsedMessage {
    parse(&eml(text), Limits::default()).expect("a message")
}

#[test]
fn a_gmail_message_gives_its_ids_people_and_bodies() {
    let message = read(GMAIL);
    assert_eq!(message.message_id, "CAH7x+9Qz3kP@mail.gmail.com");
    assert_eq!(message.in_reply_to, ["reply-2@immcase.example"]);
    assert_eq!(
        message.references,
        ["root-1@immcase.example", "reply-2@immcase.example"]
    );
    let from = message.from.as_ref().expect("from");
    assert_eq!(from.name.as_deref(), Some("Ana Okonkwo García"));
    assert_eq!(from.address, "Ana.Okonkwo@Gmail.com");
    assert_eq!(from.key(), "ana.okonkwo@gmail.com");
    assert!(from.is("ANA.okonkwo@gmail.com "));
    assert_eq!(
        from.to_string(),
        "Ana Okonkwo García <Ana.Okonkwo@Gmail.com>"
    );
    let to: Vec<_> = message.to.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(to, ["intake@practice.example", "lee@practice.example"]);
    assert_eq!(message.cc[0].display_name(), "Sam Diaz");
    assert_eq!(message.reply_to[0].address, "ana.personal@example.net");
    // 09:15:02 at -05:00 is 14:15:02 UTC.
    assert_eq!(message.date, Some(1_772_547_302));
    assert_eq!(message.subject, "Re: [TKT012] Passport copy for CAS014");

    let text = message.text.as_deref().expect("text");
    assert!(text.starts_with("Hello Lee,\n"), "{text:?}");
    assert!(text.contains("Grüße from Montréal."), "{text:?}");
    let html = message.html.as_deref().expect("html");
    assert!(html.contains(r#"<div dir="ltr">"#), "{html}");
    assert!(html.contains("Grüße from Montréal"), "{html}");

    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
    let pdf = &message.attachments[0];
    assert_eq!(pdf.name, "passport scan.pdf");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-1.4"));
    assert_eq!(pdf.size, pdf.bytes.len());
    assert_eq!(pdf.content_id.as_deref(), Some("f_lt8k2j1n0"));
    assert!(!pdf.inline);
    assert!(message.omitted.is_empty());
}

#[test]
fn an_outlook_message_in_windows_1252_reads_as_written() {
    let message = read(OUTLOOK);
    assert_eq!(message.subject, "Dossier d'immigration – pièces");
    let from = message.from.as_ref().expect("from");
    assert_eq!(from.name.as_deref(), Some("Dupont, Marie"));
    let text = message.text.as_deref().expect("text");
    assert!(
        text.contains("Voici les pièces “demandées” – merci."),
        "{text:?}"
    );
    let html = message.html.as_deref().expect("html");
    assert!(
        html.contains("cid:image001.png@01DA4F2E.1A2B3C40"),
        "{html}"
    );
    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
    let logo = &message.attachments[0];
    assert_eq!(logo.name, "image001.png");
    assert_eq!(logo.content_type, "image/png");
    assert_eq!(
        logo.content_id.as_deref(),
        Some("image001.png@01DA4F2E.1A2B3C40")
    );
    assert!(logo.inline);
    assert!(logo.bytes.starts_with(b"\x89PNG"));
}

#[test]
fn encoded_word_subjects_are_decoded() {
    let raw = "From: a@example.com\nSubject: =?UTF-8?B?UsOpc2lkZW5jZSBwZXJtYW5lbnRlIOKAkyBDQVMwMTQ=?=\n =?utf-8?q?_=28suite=29?=\nMessage-ID: <x@example.com>\n\nBody\n";
    assert_eq!(read(raw).subject, "Résidence permanente – CAS014 (suite)");
}

#[test]
fn text_around_an_inline_image_is_one_text() {
    // As Apple Mail sends a picture put in the middle of the text.
    let raw = "From: Ana <ana@example.com>\nMessage-ID: <apple-1@example.com>\nContent-Type: multipart/mixed; boundary=\"Apple-Mail=_1\"\n\n--Apple-Mail=_1\nContent-Type: text/plain; charset=us-ascii\n\nMy permit:\n--Apple-Mail=_1\nContent-Type: image/jpeg; name=IMG_0042.jpeg\nContent-Disposition: inline; filename=IMG_0042.jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRgABAQ==\n--Apple-Mail=_1\nContent-Type: text/plain; charset=us-ascii\n\nThanks!\n--Apple-Mail=_1--\n";
    let message = read(raw);
    assert_eq!(message.text.as_deref(), Some("My permit:\nThanks!"));
    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
    let photo = &message.attachments[0];
    assert_eq!(photo.name, "IMG_0042.jpeg");
    assert!(photo.inline);
    assert_eq!(photo.content_id, None);
}

#[test]
fn a_forwarded_message_is_an_eml_attachment() {
    let message = read(FORWARD);
    assert_eq!(message.text.as_deref().map(str::trim), Some("See below."));
    let names: Vec<_> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    // `filename="../../etc/pass\r\n wd"`: the folder is gone, the fold
    // unfolded.
    assert_eq!(names, ["Biometrics instruction letter.eml", "pass wd"]);
    let forwarded = &message.attachments[0];
    assert_eq!(forwarded.content_type, "message/rfc822");
    let bytes = String::from_utf8_lossy(&forwarded.bytes);
    assert!(
        bytes.starts_with("From: IRCC <no-reply@cic.example>"),
        "{bytes}"
    );
    assert!(bytes.contains("within 30 days."), "{bytes}");
    assert!(!bytes.contains("--outer"), "{bytes}");
    // The forwarded message reads back on its own.
    let inner = parse(&forwarded.bytes, Limits::default()).expect("inner");
    assert_eq!(inner.message_id, "bil-77@cic.example");
    assert_eq!(
        message.attachments[1].bytes,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00"
    );
}

#[test]
fn a_base64_forwarded_message_without_subject_gets_a_default_name() {
    let raw = "From: a@example.com\nMessage-ID: <m@example.com>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nFYI\n--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogSVJDQyA8bm8tcmVwbHlAY2ljLmV4YW1wbGU+DQpNZXNzYWdlLUlEOiA8ZGVjLTFAY2ljLmV4YW1wbGU+DQoNCkFwcHJvdmVkLg0K\n--b--\n";
    let message = read(raw);
    assert_eq!(message.attachments.len(), 1, "{:?}", message.attachments);
    assert_eq!(message.attachments[0].name, "forwarded message.eml");
    assert!(message.attachments[0].bytes.ends_with(b"Approved.\r\n"));
}

#[test]
fn a_message_without_body_or_id_gets_a_stable_synthetic_id() {
    let raw = eml(HEADERS_ONLY);
    let message = parse(&raw, Limits::default()).expect("a message");
    assert!(
        is_synthetic_id(&message.message_id),
        "{}",
        message.message_id
    );
    assert_eq!(message.message_id, synthetic_message_id(&raw));
    assert_eq!(
        parse(&raw, Limits::default()).expect("again").message_id,
        message.message_id
    );
    let other = eml(&HEADERS_ONLY.replace("12:00:00", "12:00:01"));
    assert_ne!(synthetic_message_id(&other), message.message_id);
    assert_eq!(message.message_id.len(), 32 + 1 + SYNTHETIC_ID_DOMAIN.len());
    assert!(!is_synthetic_id("CAH7x+9Qz3kP@mail.gmail.com"));
    assert_eq!(message.subject, "");
    assert_eq!(message.text, None);
    assert_eq!(message.html, None);
    assert!(message.attachments.is_empty());
    assert_eq!(message.date, Some(1_772_794_800));
}

#[test]
fn html_alone_is_also_given_as_text() {
    let message = read(HTML_ONLY);
    assert_eq!(message.subject, "Nouvelle demande – José");
    let text = message.text.as_deref().expect("text");
    assert!(text.contains("José Peña"), "{text:?}");
    assert!(text.contains("Entrée express"), "{text:?}");
    assert!(!text.contains('<'), "{text:?}");
    assert!(message.html.as_deref().expect("html").contains("<b>"));
}

#[test]
fn attachments_over_the_limits_are_listed_not_kept() {
    let raw = eml(OUTLOOK.replace("--_rel_--", "").as_str());
    let two_images = [raw.as_slice(), &eml(
        "--_rel_\nContent-Type: image/jpeg\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRgABAQ==\n--_rel_--\n",
    )]
    .concat();
    let all = parse(&two_images, Limits::default()).expect("message");
    assert_eq!(all.attachments.len(), 2, "{:?}", all.attachments);
    assert_eq!(all.attachments[1].name, "image.jpg");

    let one = Limits {
        max_attachments: 1,
        ..Limits::default()
    };
    let message = parse(&two_images, one).expect("message");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(
        message.omitted,
        [OmittedAttachment {
            name: "image.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 13,
        }]
    );
    // The first image (70 bytes) does not fit in 20; the second does.
    let small = Limits {
        max_attachment_bytes: 20,
        ..Limits::default()
    };
    let message = parse(&two_images, small).expect("message");
    let kept: Vec<_> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(kept, ["image.jpg"]);
    assert_eq!(message.omitted[0].name, "image001.png");
    assert!(message.text.is_some(), "the message itself is still read");
}

#[test]
fn what_is_not_a_message_is_refused() {
    assert_eq!(parse(b"", Limits::default()), Err(ParseError::Empty));
    assert_eq!(
        parse(b"\r\n \r\n", Limits::default()),
        Err(ParseError::Empty)
    );
    assert_eq!(
        parse(b"\x00\x01binary junk", Limits::default()),
        Err(ParseError::NotAMessage)
    );
    let tiny = Limits {
        max_message_bytes: 100,
        ..Limits::default()
    };
    let raw = eml(GMAIL);
    assert_eq!(
        parse(&raw, tiny),
        Err(ParseError::TooLarge {
            size: raw.len(),
            limit: 100
        })
    );
    assert_eq!(
        ParseError::TooLarge { size: 7, limit: 5 }.to_string(),
        "the message is 7 bytes, more than the 5 bytes allowed"
    );
}
