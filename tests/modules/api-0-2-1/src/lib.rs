//! Test module built against the contract as it was at 0.2.1, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK, which follows the current one:
//!
//! - `POST /mail?to=ADDRESS` queues a message to ADDRESS with the 0.2.1
//!   `mail.send` and answers `{"api":"0.2.1","sent":true}`, or the error;
//! - anything else answers `{"api":"0.2.1"}`.

// The generated bindings use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "module" });

use immcase::plugin::mail;

struct Earlier;

impl Guest for Earlier {
    fn handle_http(_caller: Caller, request: HttpRequest) -> HttpResponse {
        if request.method == "POST" && request.path == "/mail" {
            let to = request.query.strip_prefix("to=").unwrap_or_default();
            let to = to.replace("%40", "@");
            return match mail::send(&to, "Sent through 0.2.1", "The body, as 0.2.1 sent it.") {
                Ok(()) => answer(200, "{\"api\":\"0.2.1\",\"sent\":true}".into()),
                Err(e) => answer(422, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
            };
        }
        answer(200, "{\"api\":\"0.2.1\"}".into())
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
