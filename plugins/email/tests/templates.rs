//! Templates: checked on save (an unknown token is named), filled in on
//! use with the applicant and case, and a token without a value blocks
//! sending, naming it, with everything typed kept.

mod common;

use common::{INFO, Practice, body};
use serde_json::json;

#[test]
fn templates_are_checked_on_save_and_an_unresolved_token_blocks_sending() {
    let p = Practice::new();
    let unknown = p.host.post_json(
        &p.ana,
        "/templates",
        &json!({"name": "Welcome", "body": "Dear {{applicant.nickname}}"}),
    );
    assert_eq!(unknown.status_code(), 422);
    assert!(
        body(&unknown).contains("{{applicant.nickname}}"),
        "{}",
        body(&unknown)
    );
    // Ben may not keep templates.
    let refused = p
        .host
        .post_json(&p.ben, "/templates", &json!({"name": "X", "body": "Hi"}));
    assert_eq!(refused.status_code(), 403);

    let created = p.host.post_json(
        &p.ana,
        "/templates",
        &json!({"name": "Case update", "body": "Dear {{applicant.given_name}}, about {{case.folio}}:"}),
    );
    assert_eq!(created.status_code(), 201);
    let template = created.body_json().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let blocked = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("from", INFO),
            ("to", "maria@gmail.example"),
            ("subject", "Your file"),
            ("body", "Typed by hand"),
            ("template", &template),
            ("action", "send"),
        ],
    );
    assert_eq!(blocked.status_code(), 422);
    let page = body(&blocked);
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(page.contains("{{applicant.given_name}}"), "{page}");
    assert!(page.contains("{{case.folio}}"), "{page}");
    assert!(page.contains("value=\"Your file\""), "{page}");
    assert!(page.contains("Typed by hand"), "{page}");
    assert!(p.host.letters().is_empty());

    // With the case, it fills in (and its applicant).
    let inserted = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("from", INFO),
            ("case", "c1"),
            ("body", "Typed"),
            ("template", &template),
            ("action", "template"),
        ],
    );
    assert_eq!(inserted.status_code(), 200);
    assert!(
        body(&inserted).contains("Dear Maria, about CAS014:"),
        "{}",
        body(&inserted)
    );

    let sent = p.post_form(
        &p.ana,
        "/messages",
        &[
            ("from", INFO),
            ("case", "c1"),
            ("to", "maria@gmail.example"),
            ("subject", "Your file"),
            ("body", "Typed"),
            ("template", &template),
            ("action", "send"),
        ],
    );
    assert_eq!(sent.status_code(), 303, "{}", body(&sent));
    assert!(
        p.host.letters()[0]
            .0
            .body
            .starts_with("Dear Maria, about CAS014:")
    );

    let changed = p.host.put_json(
        &p.ana,
        &format!("/templates/{template}"),
        &json!({"name": "Case update", "body": "{{ me.display_name }} writes"}),
    );
    assert_eq!(changed.status_code(), 200);
    assert_eq!(
        p.host
            .delete(&p.ana, &format!("/templates/{template}"))
            .status_code(),
        204
    );
}

#[test]
fn tokens_typed_in_a_body_are_filled_in_or_block_sending() {
    let p = Practice::new();
    let blocked = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "maria@gmail.example", "subject": "Hello", "body": "Dear {{applicant.given_name}},"}),
    );
    assert_eq!(blocked.status_code(), 422);
    assert!(
        body(&blocked).contains("{{applicant.given_name}}"),
        "{}",
        body(&blocked)
    );
    assert!(p.host.letters().is_empty());

    let sent = p.host.post_json(
        &p.ana,
        "/messages",
        &json!({"to": "maria@gmail.example", "subject": "Hello", "body": "Dear {{applicant.given_name}},", "applicant_id": "a1"}),
    );
    assert_eq!(sent.status_code(), 202);
    assert_eq!(p.host.letters()[0].0.body, "Dear Maria,");
}
