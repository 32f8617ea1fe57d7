//! Test module built against the contract as it was at 0.2.0, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK, which follows the current one:
//!
//! - `GET /cases/{id}` answers the case's folio and stage as the typed
//!   `records` import of 0.2.0 gives them, or the error;
//! - any other path counts visits in a document of its store and answers
//!   `{"api":"0.2.0","stored":N}`.

// The generated bindings use `unsafe` for the canonical ABI.
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "module" });

use immcase::plugin::{records, store};

struct Earlier;

impl Guest for Earlier {
    fn handle_http(_caller: Caller, request: HttpRequest) -> HttpResponse {
        if let Some(id) = request.path.strip_prefix("/cases/") {
            return match records::get_case(id) {
                Ok(case) => answer(
                    200,
                    format!(
                        "{{\"folio\":{:?},\"stage\":{:?}}}",
                        case.folio,
                        format!("{:?}", case.stage)
                    ),
                ),
                Err(e) => answer(422, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
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
        match store::put("marks", "visits", &data, expected) {
            Ok(_) => answer(200, format!("{{\"api\":\"0.2.0\",\"stored\":{visits}}}")),
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

export!(Earlier);
