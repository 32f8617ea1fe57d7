//! Test module built against the contract as it was at 0.2.2, with the
//! bindings generated from a frozen copy of that WIT (`wit/plugin.wit`)
//! rather than through the SDK, which follows the current one:
//!
//! - `POST /mail?to=ADDRESS` queues a message to ADDRESS with a copy and an
//!   attachment through the 0.2.2 `mail.send-message`, and answers
//!   `{"api":"0.2.2","sent":true}`, or the error;
//! - anything else answers `{"api":"0.2.2"}`.

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
            let message = mail::Message {
                to: vec![to],
                cc: vec!["copy@example.com".into()],
                reply_to: None,
                subject: "Sent through 0.2.2".into(),
                body: "The body, as 0.2.2 sent it.".into(),
                attachments: vec![mail::Attachment {
                    name: "note.txt".into(),
                    content_type: "text/plain; charset=UTF-8".into(),
                    content: b"attached as 0.2.2 attached it".to_vec(),
                }],
            };
            return match mail::send_message(&message) {
                Ok(()) => answer(200, "{\"api\":\"0.2.2\",\"sent\":true}".into()),
                Err(e) => answer(422, format!("{{\"error\":{:?}}}", format!("{e:?}"))),
            };
        }
        answer(200, "{\"api\":\"0.2.2\"}".into())
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
