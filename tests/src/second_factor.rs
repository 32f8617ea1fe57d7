//! An authenticator app for the two-factor sign-in tests: it reads the
//! `otpauth://` address the server shows (as a phone scanning the QR code
//! does) and gives the code of the server's present moment.

use immcase_host::clock::Clock;

use crate::TestServer;

/// A phone's authenticator app holding one account.
pub struct App(totp_rs::TOTP);

impl App {
    /// Scans the address of the QR code.
    pub fn scan(address: &str) -> App {
        App(totp_rs::TOTP::from_url_unchecked(address).expect("an otpauth address"))
    }

    /// Takes the key as typed from the page (base32, in groups).
    pub fn typed(key: &str) -> App {
        let key: String = key.split_whitespace().collect();
        let secret = totp_rs::Secret::Encoded(key)
            .to_bytes()
            .expect("a base32 key");
        App(totp_rs::TOTP::new_unchecked(
            totp_rs::Algorithm::SHA1,
            6,
            1,
            30,
            secret,
            None,
            "typed".into(),
        ))
    }

    /// The code the app shows at the server's time, `steps` steps of 30
    /// seconds away.
    pub fn code(&self, server: &TestServer, steps: i64) -> String {
        let seconds = server.clock.now_ms() / 1000 + steps * 30;
        self.0.generate(u64::try_from(seconds).unwrap_or(0))
    }
}
