//! Test module built against the contract as it was at 0.1.0, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK. `GET /` (any path) counts visits in a
//! document of its store and answers `{"api":"0.1.0","stored":N}`, so the
//! imports it was built with are exercised on the current host.

// The generated bindings use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "module" });

use immcase::plugin::store;

struct Old;

impl Guest for Old {
    fn handle_http(_caller: Caller, _request: HttpRequest) -> HttpResponse {
        let current = store::get("marks", "visits").ok().flatten();
        // The document is `{"visits":N}`; read without a JSON library.
        let visits = current
            .as_ref()
            .and_then(|d| {
                d.data
                    .trim_matches(|c: char| !c.is_ascii_digit())
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0)
            + 1;
        let expected = current.as_ref().map(|d| d.version);
        let data = format!("{{\"visits\":{visits}}}");
        let stored = store::put("marks", "visits", &data, expected);
        let (status, body) = match stored {
            Ok(_) => (200, format!("{{\"api\":\"0.1.0\",\"stored\":{visits}}}")),
            Err(e) => (500, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
        };
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into_bytes(),
        }
    }

    fn on_event(_caller: Caller, _event: Event) -> Result<(), Error> {
        Ok(())
    }

    fn on_timer(_caller: Caller, _timer: Timer) -> Result<(), Error> {
        Ok(())
    }

    fn call_action(_caller: Caller, name: String, _input: Json) -> Result<Json, Error> {
        Err(Error::NotFound(format!("no action {name}")))
    }
}

export!(Old);
