//! The host's IMAP client (`mailboxes::imap`) against a real IMAP server,
//! Dovecot from Debian's `dovecot-imapd`, over TLS with a CA made for the run.
//! New mail is taken once, byte for byte; a renumbered folder is taken
//! again; messages over the size limit are not downloaded; sent mail lands
//! in Sent; and sign-in, certificate and time-out failures say which they are.
//!
//! Without Dovecot these tests say so and pass, unless
//! `IMMCASE_TEST_IMAP=required` (as in CI), where that fails them.

use std::time::Duration;

use immcase_host::mailboxes::imap::{
    self, AppendOutcome, FetchLimits, FolderState, ImapAccount, ImapError,
};
use immcase_tests::ImapServer;

/// A plain-text message whose body is `body`, with CRLF line ends as on
/// the wire.
fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Ana Moreau <ana@client.test>\r\nTo: intake@practice.test\r\n\
         Subject: {subject}\r\nDate: Sat, 05 Dec 2026 10:00:00 +0100\r\n\
         Message-ID: <{}@client.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\
         \r\n{body}\r\n",
        uuid::Uuid::now_v7()
    )
    .into_bytes()
}

async fn server_with(user: &str) -> Option<ImapServer> {
    let server = ImapServer::start().await?;
    server.add_user(user, "a long test password");
    Some(server)
}

async fn fetch(
    server: &ImapServer,
    account: &ImapAccount,
    state: FolderState,
    limits: &FetchLimits,
) -> imap::Fetch {
    imap::fetch_new(account, &server.tls(), state, limits)
        .await
        .unwrap_or_else(|e| panic!("fetch failed: {e}\n{}", server.log()))
}

#[tokio::test]
async fn each_message_is_taken_once_and_left_unread() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let account = server.account("ana");
    let limits = FetchLimits::default();
    let (first, second) = (message("Visa", "first"), message("Passport", "second"));
    server.deliver("ana", &first);
    server.deliver("ana", &second);

    let taken = fetch(&server, &account, FolderState::default(), &limits).await;
    assert!(!taken.restarted && !taken.more);
    assert_eq!(taken.uid_validity, server.uid_validity("ana"));
    let raws: Vec<_> = taken.messages.iter().map(|m| m.raw.clone()).collect();
    assert_eq!(raws, vec![first, second]);
    assert!(taken.messages[0].uid < taken.messages[1].uid);
    assert!(taken.messages.iter().all(|m| m.internal_date.is_some()));
    assert_eq!(taken.state().last_uid, taken.messages[1].uid);
    assert!(
        server.inbox_messages("ana").iter().all(|m| !m.seen),
        "fetching marks nothing as read"
    );

    let again = fetch(&server, &account, taken.state(), &limits).await;
    assert!(again.messages.is_empty() && again.too_large.is_empty());
    assert_eq!(again.state(), taken.state());

    let third = message("Appointment", "third");
    server.deliver("ana", &third);
    let next = fetch(&server, &account, again.state(), &limits).await;
    assert_eq!(next.messages.len(), 1);
    assert_eq!(next.messages[0].raw, third);
    let after = fetch(&server, &account, next.state(), &limits).await;
    assert!(after.messages.is_empty(), "the newest is not taken again");
}

#[tokio::test]
async fn raw_bytes_arrive_intact() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let utf8 = message(
        "=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
        "Grüße aus Zürich — ½ € ✓ 日本語\r\nSecond line, trailing space \r\n.\r\n..dots",
    );
    let attachment: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut with_file = b"From: ana@client.test\r\nTo: intake@practice.test\r\n\
        Subject: Scan\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\nSee the scan.\r\n--b1\r\n\
        Content-Type: application/octet-stream; name=\"scan.bin\"\r\n\
        Content-Disposition: attachment; filename=\"scan.bin\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    for line in base64_lines(&attachment) {
        with_file.extend_from_slice(line.as_bytes());
        with_file.extend_from_slice(b"\r\n");
    }
    with_file.extend_from_slice(b"--b1--\r\n");
    server.deliver("ana", &utf8);
    server.deliver("ana", &with_file);

    let taken = fetch(
        &server,
        &server.account("ana"),
        FolderState::default(),
        &FetchLimits::default(),
    )
    .await;
    assert_eq!(taken.messages.len(), 2);
    assert!(
        taken.messages[0].raw == utf8,
        "the 8-bit message is unchanged"
    );
    assert!(
        taken.messages[1].raw == with_file,
        "the message with a file is unchanged"
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&taken.messages[1].raw)
        .unwrap();
    assert_eq!(parsed.attachment(0).unwrap().contents(), &attachment[..]);
}

#[tokio::test]
async fn a_new_uidvalidity_takes_the_folder_again() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let account = server.account("ana");
    let limits = FetchLimits::default();
    server.deliver("ana", &message("One", "1"));
    server.deliver("ana", &message("Two", "2"));
    let before = fetch(&server, &account, FolderState::default(), &limits).await;
    assert_eq!(before.messages.len(), 2);

    let renumbered = server.reset_uid_validity("ana");
    assert_ne!(renumbered, before.uid_validity);
    let again = fetch(&server, &account, before.state(), &limits).await;
    assert!(again.restarted, "the change is reported");
    assert_eq!(again.uid_validity, renumbered);
    assert_eq!(again.messages.len(), 2, "the folder's messages come again");
    assert_eq!(again.state().uid_validity, Some(renumbered));

    let settled = fetch(&server, &account, again.state(), &limits).await;
    assert!(!settled.restarted && settled.messages.is_empty());
}

#[tokio::test]
async fn a_message_over_the_limit_is_taken_without_its_contents() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let account = server.account("ana");
    let limits = FetchLimits {
        max_message_bytes: 10_000,
        ..FetchLimits::default()
    };
    let big = message("Scans", &"0123456789abcdef\r\n".repeat(3000));
    server.deliver("ana", &message("Small", "a"));
    server.deliver("ana", &big);
    server.deliver("ana", &message("Small too", "b"));

    let taken = fetch(&server, &account, FolderState::default(), &limits).await;
    assert_eq!(taken.messages.len(), 2);
    assert_eq!(taken.too_large.len(), 1);
    let skipped = taken.too_large[0];
    assert_eq!(skipped.size as usize, big.len());
    assert!(taken.messages[0].uid < skipped.uid && skipped.uid < taken.messages[1].uid);
    assert_eq!(taken.last_uid, taken.messages[1].uid);
    let again = fetch(&server, &account, taken.state(), &limits).await;
    assert!(
        again.messages.is_empty() && again.too_large.is_empty(),
        "not offered again"
    );
}

#[tokio::test]
async fn at_most_max_messages_are_taken_and_more_says_so() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let account = server.account("ana");
    let limits = FetchLimits {
        max_messages: 2,
        ..FetchLimits::default()
    };
    for n in 1..=3 {
        server.deliver("ana", &message(&format!("Number {n}"), "x"));
    }
    let first = fetch(&server, &account, FolderState::default(), &limits).await;
    assert_eq!((first.messages.len(), first.more), (2, true));
    let rest = fetch(&server, &account, first.state(), &limits).await;
    assert_eq!((rest.messages.len(), rest.more), (1, false));
    assert!(String::from_utf8_lossy(&rest.messages[0].raw).contains("Subject: Number 3\r\n"));
}

#[tokio::test]
async fn sent_mail_is_filed_in_sent_as_read() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let sent = message("Your appointment", "Tuesday at ten — bring your passport.");
    let outcome = imap::append_sent(&server.account("ana"), &server.tls(), &sent)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        AppendOutcome::Appended {
            folder: "Sent".to_string()
        }
    );
    let stored = server.sent_messages("ana");
    assert_eq!(stored.len(), 1);
    assert!(stored[0].raw == sent, "the message is filed unchanged");
    assert!(stored[0].seen, "and marked as read");
    assert!(server.inbox_messages("ana").is_empty());
}

#[tokio::test]
async fn check_signs_in_over_tls_and_starttls() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    server.deliver("ana", &message("One", "1"));
    server.deliver("ana", &message("Two", "2"));
    let tls = server.tls();
    let summary = imap::check(&server.account("ana"), &tls).await.unwrap();
    assert_eq!(summary, "INBOX: 2 messages");
    let summary = imap::check(&server.starttls_account("ana"), &tls)
        .await
        .unwrap();
    assert_eq!(summary, "INBOX: 2 messages");

    let elsewhere = ImapAccount {
        folder: "Archive/2019".to_string(),
        ..server.account("ana")
    };
    match imap::check(&elsewhere, &tls).await {
        Err(ImapError::FolderMissing(folder)) => assert_eq!(folder, "Archive/2019"),
        other => panic!("expected a missing folder, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_repeating_it() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    let wrong = ImapAccount {
        password: "not-her-password-0451".to_string(),
        ..server.account("ana")
    };
    let refused = imap::fetch_new(
        &wrong,
        &server.tls(),
        FolderState::default(),
        &FetchLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, ImapError::SignInRefused(_)),
        "{refused:?}"
    );
    let shown = format!("{refused} {refused:?} {wrong:?}");
    assert!(
        shown.contains("Authentication failed"),
        "the server's words: {shown}"
    );
    assert!(!shown.contains("not-her-password-0451"), "{shown}");
    let checked = imap::check(&wrong, &server.tls()).await.unwrap_err();
    assert!(
        matches!(checked, ImapError::SignInRefused(_)),
        "{checked:?}"
    );
}

#[tokio::test]
async fn a_certificate_from_an_authority_not_given_fails_as_tls() {
    let Some(server) = server_with("ana").await else {
        return;
    };
    // The system's authorities alone: the run's own CA is not among them.
    let tls = imap::client_tls(None).unwrap();
    for account in [server.account("ana"), server.starttls_account("ana")] {
        let failed = imap::check(&account, &tls).await.unwrap_err();
        assert!(matches!(failed, ImapError::Tls { .. }), "{failed:?}");
        assert!(failed.to_string().contains("certificate"), "{failed}");
    }
}

#[tokio::test]
async fn no_server_and_a_silent_server_fail_as_such() {
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tls = imap::client_tls(None).unwrap();
    let nobody = ImapAccount {
        port: closed,
        ..ImapAccount::new("127.0.0.1", "ana", "pw")
    };
    let failed = imap::check(&nobody, &tls).await.unwrap_err();
    assert!(matches!(failed, ImapError::Connect { .. }), "{failed:?}");

    // A server that accepts the connection and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let hanging = ImapAccount {
        port,
        timeout: Duration::from_millis(300),
        ..ImapAccount::new("127.0.0.1", "ana", "pw")
    };
    let failed = imap::check(&hanging, &tls).await.unwrap_err();
    assert!(matches!(failed, ImapError::Timeout(_)), "{failed:?}");
    keep.abort();
}

/// `bytes` in base64, 76 characters a line.
fn base64_lines(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    text.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}
