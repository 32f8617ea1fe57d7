//! Test module built against the contract as it was at 0.2.3, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK, which follows the current one:
//!
//! - `GET /signature` answers `{"api":"0.2.3","signature":...}` with the
//!   calling person's email signature, read through the 0.2.3
//!   `mailboxes.signature`, or the error;
//! - anything else answers `{"api":"0.2.3"}`.

// The generated bindings use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "module" });

use immcase::plugin::mailboxes;

struct Earlier;

impl Guest for Earlier {
    fn handle_http(_caller: Caller, request: HttpRequest) -> HttpResponse {
        if request.method == "GET" && request.path == "/signature" {
            return match mailboxes::signature() {
                Ok(signature) => answer(
                    200,
                    format!("{{\"api\":\"0.2.3\",\"signature\":{signature:?}}}"),
                ),
                Err(e) => answer(422, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
            };
        }
        answer(200, "{\"api\":\"0.2.3\"}".into())
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

export!(Earlier);
