//! A real SMTP server on loopback (mailin-embedded) that keeps what arrives,
//! and can refuse recipients (a 4xx or 5xx reply of the test's choosing)
//! or hold each message a while before answering, as a slow server does.

use std::collections::VecDeque;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, Server, response};

#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message as it crossed the wire.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The decoded plain-text body.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The `Message-ID`, without its angle brackets.
    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    /// The From header as written (`"Name" <address>`).
    pub fn from_header(&self) -> String {
        self.parsed()
            .header_raw("From")
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parseable message")
    }

    /// The value of `name=` in the first link of the body that has it.
    pub fn link_param(&self, name: &str) -> Option<String> {
        let text = self.text();
        let start = text.find(&format!("{name}="))? + name.len() + 1;
        Some(
            text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

#[derive(Clone, Default)]
struct Collector {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    current: Option<ReceivedMail>,
    /// Replies to give the next recipients instead of accepting them.
    refusals: Arc<Mutex<VecDeque<(u16, String)>>>,
    /// How long to wait, the message kept, before answering its end.
    hold: Arc<Mutex<Duration>>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedMail {
            from: from.to_string(),
            to: to.to_vec(),
            raw: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(mail) = &mut self.current {
            mail.raw.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let (Some(mail), Ok(mut inbox)) = (self.current.take(), self.inbox.lock()) {
            inbox.push(mail);
        }
        let hold = self.hold.lock().map(|h| *h).unwrap_or_default();
        if !hold.is_zero() {
            std::thread::sleep(hold);
        }
        response::OK
    }

    fn rcpt(&mut self, _to: &str) -> Response {
        match self.refusals.lock().ok().and_then(|mut r| r.pop_front()) {
            Some((code, text)) => Response::custom(code, text),
            None => response::OK,
        }
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

pub struct SmtpServer {
    port: u16,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    refusals: Arc<Mutex<VecDeque<(u16, String)>>>,
    hold: Arc<Mutex<Duration>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP");
        let port = listener.local_addr().expect("SMTP address").port();
        let collector = Collector::default();
        let inbox = collector.inbox.clone();
        let refusals = collector.refusals.clone();
        let hold = collector.hold.clone();
        let mut server = Server::new(collector);
        server
            .with_name("smtp.immcase.test")
            // A connection per thread: several hosts (each keeping its own
            // connections open between messages) are served at once.
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            inbox,
            refusals,
            hold,
        }
    }

    /// The next recipient is refused with `code` and `text` (e.g. `451`,
    /// "4.7.1 Greylisted, try again later"); call again for more.
    pub fn refuse_next(&self, code: u16, text: &str) {
        if let Ok(mut r) = self.refusals.lock() {
            r.push_back((code, text.to_string()));
        }
    }

    /// Each message is kept, then its sender waits `hold` for the answer.
    pub fn hold_each(&self, hold: Duration) {
        if let Ok(mut h) = self.hold.lock() {
            *h = hold;
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The messages that arrived after the first `skip`, in order of
    /// arrival: for watching many arrive without copying them all each time.
    pub fn received_after(&self, skip: usize) -> Vec<ReceivedMail> {
        self.inbox
            .lock()
            .map(|m| m.get(skip..).map(<[_]>::to_vec).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Waits (up to 20 s) for a message to `to` whose subject contains
    /// `subject`, and returns the newest such.
    pub async fn wait_for(&self, to: &str, subject: &str) -> ReceivedMail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.received().into_iter().rev().find(|m| {
                m.to.iter().any(|t| t.eq_ignore_ascii_case(to)) && m.subject().contains(subject)
            });
            if let Some(mail) = found {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} about {subject:?} arrived; got {:?}",
                self.received()
                    .iter()
                    .map(|m| (m.to.clone(), m.subject()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
