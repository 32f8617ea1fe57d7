//! Panics caught quietly: the hook keeps the last panic's place and
//! message for the worker to report, instead of printing them.

use std::fmt;
use std::sync::{Mutex, Once};

/// A panic caught while an input ran.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caught {
    /// `file:line:column` of the panic.
    pub place: String,
    pub message: String,
}

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

static LAST: Mutex<Option<Caught>> = Mutex::new(None);

/// Installs the quiet hook (once per process); with `backtraces`, each
/// panic's backtrace is written to standard error (for replays).
pub fn capture(backtraces: bool) {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".into());
            if backtraces {
                let trace = std::backtrace::Backtrace::force_capture();
                eprintln!("panicked at {place}: {message}\n{trace}");
            }
            if let Ok(mut last) = LAST.lock() {
                *last = Some(Caught { place, message });
            }
        }));
    });
}

/// The last panic caught, taken.
pub fn take() -> Option<Caught> {
    LAST.lock().ok().and_then(|mut last| last.take())
}
