//! What a test's Dovecot is set up with: who its processes run as, a
//! certificate authority and server certificate made for the run, and its
//! configuration file.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

/// Who Dovecot's processes run as.
pub(super) struct RunAs {
    pub(super) login_user: String,
    pub(super) internal_user: String,
    pub(super) internal_group: String,
    /// The owner of the mail files: (uid, gid).
    pub(super) mail_ids: (u32, u32),
}

/// The current user, or Dovecot's own users when that is root.
pub(super) fn run_as(dir: &Path) -> RunAs {
    let meta = fs::metadata(dir).expect("temp dir");
    if meta.uid() != 0 {
        let name = id(&["-un"]);
        return RunAs {
            login_user: name.clone(),
            internal_user: name,
            internal_group: id(&["-gn"]),
            mail_ids: (meta.uid(), meta.gid()),
        };
    }
    let number = |args: &[&str]| id(args).parse::<u32>().expect("a number from id");
    RunAs {
        login_user: "dovenull".to_string(),
        internal_user: "dovecot".to_string(),
        internal_group: "dovecot".to_string(),
        mail_ids: (number(&["-u", "dovecot"]), number(&["-g", "dovecot"])),
    }
}

fn id(args: &[&str]) -> String {
    let out = Command::new("id").args(args).output().expect("run id");
    assert!(out.status.success(), "id {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A CA and a server certificate for `localhost` and 127.0.0.1 signed by it,
/// in `dir`; returns the CA's PEM.
pub(super) fn make_certificates(dir: &Path) -> Vec<u8> {
    let openssl = |command: &str| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(command.split_whitespace())
            .output()
            .expect("run openssl");
        assert!(out.status.success(), "openssl {command}: {out:?}");
    };
    let new_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(&format!(
        "req -x509 {new_key} -keyout ca.key -out ca.pem -days 2 -subj /CN=ImmCase-test-CA \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
    ));
    fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("server.ext");
    openssl(&format!(
        "req {new_key} -keyout server.key -out server.csr -subj /CN=localhost"
    ));
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
         -extfile server.ext -out server.pem",
    );
    fs::read(dir.join("ca.pem")).expect("ca.pem")
}

pub(super) fn config(dir: &Path, run_as: &RunAs, port: u16, starttls_port: u16) -> String {
    let d = dir.display();
    let (uid, gid) = run_as.mail_ids;
    format!(
        r"# Written by the ImmCase tests for one run.
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
ssl = required
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
auth_mechanisms = plain
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users
}}
mail_location = maildir:~/Maildir
# Messages are kept as they came, CRLF and all.
mail_save_crlf = yes
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \Sent
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {starttls_port}
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
",
        internal = run_as.internal_user,
        group = run_as.internal_group,
        login = run_as.login_user,
    )
}
