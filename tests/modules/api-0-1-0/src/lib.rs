//! Test module built against the contract as it was at 0.1.0, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK, so the imports it was built with are
//! exercised on the current host:
//!
//! - `GET /applicants/{id}` answers the applicant exactly as the `records`
//!   import of 0.1 gives it (JSON of the JSON API's shape), or the error;
//! - any other path counts visits in a document of its store and answers
//!   `{"api":"0.1.0","stored":N}`.

// The generated bindings use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "module" });

use immcase::plugin::{records, store};

struct Old;

impl Guest for Old {
    fn handle_http(_caller: Caller, request: HttpRequest) -> HttpResponse {
        if let Some(id) = request.path.strip_prefix("/applicants/") {
            return match records::get_applicant(id) {
                Ok(json) => answer(200, json),
                Err(e) => {
                    let status = match &e {
                        Error::NotFound(_) => 404,
                        Error::Forbidden(_) => 403,
                        _ => 422,
                    };
                    answer(status, format!("{{\"error\":{:?}}}", format!("{e:?}")))
                }
            };
        }
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
        match stored {
            Ok(_) => answer(200, format!("{{\"api\":\"0.1.0\",\"stored\":{visits}}}")),
            Err(e) => answer(500, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
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

fn answer(status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into_bytes(),
    }
}

export!(Old);
