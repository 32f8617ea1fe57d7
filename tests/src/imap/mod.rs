//! A real IMAP server on loopback: Debian's Dovecot (`dovecot-imapd`), run by
//! the test with its own configuration, users and maildirs in a temporary
//! folder, IMAP over TLS with a certificate authority made for the run, and
//! STARTTLS on a second port.
//!
//! Dovecot's login processes refuse to run as root, and it reads no mail as
//! root: as root (in CI) it runs them as the package's `dovenull` and
//! `dovecot` users, otherwise everything runs as the current user. Mail is
//! put in and looked at with `doveadm` and the maildir files, never through
//! the client under test.
//!
//! Without Dovecot, [`ImapServer::start`] says the test is skipped and
//! returns `None`, unless `IMMCASE_TEST_IMAP=required` (as in CI), where
//! that fails the test.
//!
//! - `dovecot`: who its processes run as, its certificates and its
//!   configuration.

mod dovecot;

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use immcase_host::mailboxes::imap::{ImapAccount, ImapSecurity, client_tls};

use dovecot::{config, free_port, make_certificates, run_as};

const DOVECOT: &str = "/usr/sbin/dovecot";
const DOVEADM: &str = "/usr/bin/doveadm";

/// A message as the server keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    pub raw: Vec<u8>,
    /// Marked as read (`\Seen`).
    pub seen: bool,
}

/// A Dovecot instance for one test, stopped when dropped.
pub struct ImapServer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    starttls_port: u16,
    ca_pem: Vec<u8>,
    mail_ids: (u32, u32),
    passwords: Mutex<HashMap<String, String>>,
}

impl ImapServer {
    /// Starts Dovecot on two free ports of 127.0.0.1 and waits until it
    /// accepts connections; `None` when it is not installed (see the
    /// module's notes).
    pub async fn start() -> Option<ImapServer> {
        let missing: Vec<&str> = [DOVECOT, DOVEADM, "/usr/bin/openssl"]
            .into_iter()
            .filter(|tool| !Path::new(tool).exists())
            .collect();
        if !missing.is_empty() {
            assert!(
                std::env::var("IMMCASE_TEST_IMAP").as_deref() != Ok("required"),
                "IMMCASE_TEST_IMAP=required but {missing:?} not installed (apt-get install dovecot-imapd openssl)"
            );
            eprintln!(
                "SKIPPED: no IMAP server ({missing:?} missing; apt-get install dovecot-imapd)"
            );
            return None;
        }
        // A port found free may be taken before Dovecot binds it: try again.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::try_start().await {
                Ok(server) => return Some(server),
                Err(why) => failures.push(why),
            }
        }
        panic!("Dovecot did not start:\n{}", failures.join("\n---\n"));
    }

    async fn try_start() -> Result<ImapServer, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let run_as = run_as(root);
        for sub in ["run", "state", "home"] {
            fs::create_dir(root.join(sub)).expect("Dovecot's folders");
        }
        if run_as.mail_ids.0 != fs::metadata(root).expect("temp dir").uid() {
            // Dovecot's own users need to reach the homes and read the users.
            fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("chmod");
            let (uid, gid) = run_as.mail_ids;
            std::os::unix::fs::chown(root.join("home"), Some(uid), Some(gid)).expect("chown");
        }
        fs::write(root.join("users"), "").expect("users file");
        let ca_pem = make_certificates(root);
        let (port, starttls_port) = (free_port(), free_port());
        fs::write(
            root.join("dovecot.conf"),
            config(root, &run_as, port, starttls_port),
        )
        .expect("dovecot.conf");
        let output = fs::File::create(root.join("dovecot.out")).expect("output file");
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("output file"))
            .stderr(output)
            .spawn()
            .expect("run dovecot");
        let mut server = ImapServer {
            child,
            dir,
            port,
            starttls_port,
            ca_pem,
            mail_ids: run_as.mail_ids,
            passwords: Mutex::new(HashMap::new()),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("dovecot exited ({status}):\n{}", server.log()));
            }
            let up = |port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(port) && up(starttls_port) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!("dovecot did not listen in 20 s:\n{}", server.log()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The port of IMAP over TLS.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of plain IMAP, where STARTTLS is required before signing in.
    pub fn starttls_port(&self) -> u16 {
        self.starttls_port
    }

    /// The certificate authority that signed the server's certificate (for
    /// `localhost` and 127.0.0.1), PEM.
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// TLS settings that trust this server's authority.
    pub fn tls(&self) -> Arc<rustls::ClientConfig> {
        client_tls(Some(&self.ca_pem)).expect("TLS settings with the test CA")
    }

    /// Adds a person who signs in with `password`.
    pub fn add_user(&self, name: &str, password: &str) {
        assert!(
            !name.contains([':', '\n']) && !password.contains([':', '\n']),
            "the users file has no room for ':' or line breaks"
        );
        let (uid, gid) = self.mail_ids;
        let home = self.dir.path().join("home").join(name);
        let mut users = fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("users"))
            .expect("users file");
        writeln!(
            users,
            "{name}:{{PLAIN}}{password}:{uid}:{gid}::{}::",
            home.display()
        )
        .expect("add a user");
        self.passwords
            .lock()
            .expect("passwords")
            .insert(name.to_string(), password.to_string());
    }

    /// `name`'s account over TLS, with their password and the INBOX.
    pub fn account(&self, name: &str) -> ImapAccount {
        let password = self.passwords.lock().expect("passwords")[name].clone();
        ImapAccount {
            port: self.port,
            ..ImapAccount::new("127.0.0.1", name, password)
        }
    }

    /// `name`'s account over plain IMAP upgraded with STARTTLS.
    pub fn starttls_account(&self, name: &str) -> ImapAccount {
        ImapAccount {
            port: self.starttls_port,
            security: ImapSecurity::StartTls,
            ..self.account(name)
        }
    }

    /// Puts `raw` in `user`'s INBOX, as a delivery would.
    pub fn deliver(&self, user: &str, raw: &[u8]) {
        let mut save = self
            .doveadm(&["save", "-u", user, "-m", "INBOX"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run doveadm save");
        save.stdin
            .take()
            .expect("doveadm's input")
            .write_all(raw)
            .expect("write the message to doveadm");
        let done = save.wait_with_output().expect("doveadm save");
        assert!(done.status.success(), "doveadm save: {done:?}");
    }

    /// Gives `user`'s INBOX a new UIDVALIDITY (as when a server's mail is
    /// restored or moved) and returns it, once the server reports it.
    pub fn reset_uid_validity(&self, user: &str) -> u32 {
        let before = self.uid_validity(user);
        let after = before.wrapping_add(1).max(1);
        let update = self
            .doveadm(&["mailbox", "update", "-u", user])
            .arg("--uid-validity")
            .arg(after.to_string())
            .arg("INBOX")
            .output()
            .expect("doveadm mailbox update");
        assert!(
            update.status.success(),
            "doveadm mailbox update: {update:?}"
        );
        assert_eq!(self.uid_validity(user), after, "the UIDVALIDITY changed");
        after
    }

    /// The UIDVALIDITY of `user`'s INBOX.
    pub fn uid_validity(&self, user: &str) -> u32 {
        let status = self
            .doveadm(&[
                "-f",
                "flow",
                "mailbox",
                "status",
                "-u",
                user,
                "uidvalidity",
                "INBOX",
            ])
            .output()
            .expect("doveadm mailbox status");
        let text = String::from_utf8_lossy(&status.stdout);
        text.split_whitespace()
            .find_map(|field| field.strip_prefix("uidvalidity="))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no UIDVALIDITY in {status:?}"))
    }

    /// What is in `user`'s Sent folder, oldest first.
    pub fn sent_messages(&self, user: &str) -> Vec<StoredMessage> {
        self.folder_messages(user, ".Sent")
    }

    /// What is in `user`'s INBOX, oldest first.
    pub fn inbox_messages(&self, user: &str) -> Vec<StoredMessage> {
        self.folder_messages(user, "")
    }

    /// The messages of the maildir folder `sub` ("" for the INBOX, ".Sent"
    /// for Sent). A file's name starts with the time it was saved and ends
    /// with its flags (`:2,S` when it was read).
    fn folder_messages(&self, user: &str, sub: &str) -> Vec<StoredMessage> {
        let folder = self
            .dir
            .path()
            .join("home")
            .join(user)
            .join("Maildir")
            .join(sub);
        let mut files: Vec<((u64, u64), PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|part| fs::read_dir(folder.join(part)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .map(|path| (saved_at(&path), path))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                StoredMessage {
                    raw: fs::read(&path).expect("a message file"),
                    seen: name
                        .rsplit_once(":2,")
                        .is_some_and(|(_, f)| f.contains('S')),
                }
            })
            .collect()
    }

    fn doveadm(&self, args: &[&str]) -> Command {
        let mut command = Command::new(DOVEADM);
        command
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .args(args);
        command
    }

    /// Dovecot's log and output so far.
    pub fn log(&self) -> String {
        ["dovecot.out", "dovecot.log"]
            .iter()
            .map(|f| fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its processes; SIGKILL if it hangs.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The time a maildir file was saved, from its name ("1733472000.M788815P19579.host,S=24:2,S").
fn saved_at(path: &Path) -> (u64, u64) {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut parts = name.split('.');
    let seconds = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let micros = parts
        .next()
        .and_then(|s| s.strip_prefix('M'))
        .and_then(|s| s.split('P').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (seconds, micros)
}
