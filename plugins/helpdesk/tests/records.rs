//! The applicants and cases tickets are about, and tickets' files, on the
//! SDK's native test host: named by folio and email on the form, shown by
//! name and folio as the reader may see them, and files described as the
//! helpdesk's API gives them.

mod common;

use common::Desk;
use immcase_sdk::testing::RecordKind;
use immcase_sdk::{Applicant, Caller, Case, Request, Response};
use serde_json::{Value, json};

/// A practice with the applicant Ana Okafor and her case CAS014.
fn with_records() -> Desk {
    let desk = Desk::new();
    desk.host.add_applicant(&Applicant {
        emails: vec!["ana.okafor@example.com".into()],
        ..Applicant::new("a1", "Ana", "Okafor")
    });
    desk.host.add_case(&Case {
        applicant_id: Some("a1".into()),
        program: Some("study_permit".into()),
        ..Case::new("c1", "CAS014")
    });
    desk
}

/// Someone who files tickets and reads applicants and cases.
fn clerk() -> Caller {
    Caller::person(
        "clerk",
        &["module:helpdesk", "applicants.read", "cases.read"],
    )
    .named("Cle Rk")
}

/// The page's new-ticket form, posted with these `case_id` and
/// `applicant_id` texts.
fn form(case: &str, applicant: &str) -> Request {
    let encode = |text: &str| text.replace('@', "%40").replace(' ', "+");
    let body = format!(
        "subject=Biometrics+letter&description=Which+office%3F&category=case_support\
         &priority=medium&case_id={}&applicant_id={}",
        encode(case),
        encode(applicant)
    );
    Request::new("POST", "/tickets")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(body)
        .as_page()
}

fn text(answer: &Response) -> String {
    String::from_utf8_lossy(answer.body()).into_owned()
}

#[test]
fn the_form_takes_the_records_the_picker_chose() {
    let desk = with_records();
    let page = text(&desk.host.get_page(&clerk(), "/new"));
    assert!(page.contains(r#"data-record-pick="case""#), "{page}");
    assert!(page.contains(r#"data-record-pick="applicant""#), "{page}");
    let filed = desk.host.request(&clerk(), form("case:c1", ""));
    assert_eq!(filed.status_code(), 303, "{}", text(&filed));
    let tickets = desk.host.documents("tickets");
    assert_eq!(tickets[0].data["case_id"], "c1");
    assert_eq!(
        tickets[0].data["applicant_id"], "a1",
        "the case's applicant"
    );
    let by_applicant = desk.host.request(&clerk(), form("", "applicant:a1"));
    assert_eq!(by_applicant.status_code(), 303, "{}", text(&by_applicant));
    let unknown = desk.host.request(&clerk(), form("case:c9", ""));
    assert_eq!(unknown.status_code(), 422, "{}", text(&unknown));
}

#[test]
fn the_form_names_a_case_by_folio_and_an_applicant_by_email() {
    let desk = with_records();
    let filed = desk.host.request(&clerk(), form("cas14", ""));
    assert_eq!(filed.status_code(), 303, "{}", text(&filed));
    let tickets = desk.host.documents("tickets");
    assert_eq!(tickets[0].data["case_id"], "c1");
    assert_eq!(
        tickets[0].data["applicant_id"], "a1",
        "the case's applicant"
    );

    let by_email = desk
        .host
        .request(&clerk(), form("", "Ana.Okafor@EXAMPLE.com"));
    assert_eq!(by_email.status_code(), 303, "{}", text(&by_email));
    let second = desk.host.documents("tickets");
    let second = second.iter().find(|d| d.data["case_id"].is_null());
    assert_eq!(second.map(|d| &d.data["applicant_id"]), Some(&json!("a1")));

    let nothing = desk.host.request(&clerk(), form("CAS999", ""));
    assert_eq!(nothing.status_code(), 422);
    assert!(text(&nothing).contains("there is no case CAS999 here"));
    let blind = Caller::person("blind", &["module:helpdesk"]);
    let refused = desk.host.request(&blind, form("CAS014", ""));
    assert_eq!(refused.status_code(), 422);
    assert!(text(&refused).contains("cases.read"), "{}", text(&refused));
}

#[test]
fn related_records_must_exist_and_be_readable() {
    let desk = with_records();
    let ticket = |caller: &Caller, related: Value| {
        let mut body = json!({ "subject": "Visa", "description": "Which form?",
                               "category": "case_support", "priority": "low" });
        body.as_object_mut()
            .into_iter()
            .for_each(|b| b.extend(related.as_object().cloned().unwrap_or_default()));
        desk.host.post_json(caller, "/tickets", &body)
    };
    let filed = ticket(&clerk(), json!({ "applicant_id": "a1", "case_id": "c1" }));
    assert_eq!(desk.json(filed, 201)["case_id"], "c1");
    let unknown = desk.json(ticket(&clerk(), json!({ "applicant_id": "a9" })), 422);
    assert_eq!(unknown["error"]["fields"]["applicant_id"], "not found");
    desk.host.trash(RecordKind::Case, "c1");
    let trashed = desk.json(ticket(&clerk(), json!({ "case_id": "c1" })), 422);
    assert_eq!(trashed["error"]["fields"]["case_id"], "not found");
    let unreadable = desk.json(
        ticket(&desk.requester, json!({ "applicant_id": "a1" })),
        422,
    );
    assert_eq!(
        unreadable["error"]["fields"]["applicant_id"],
        "not readable by you"
    );
}

#[test]
fn the_ticket_page_names_its_records_as_the_reader_sees_them() {
    let desk = with_records();
    assert_eq!(
        desk.host
            .request(&clerk(), form("CAS014", ""))
            .status_code(),
        303
    );
    let id = desk.host.documents("tickets")[0].id.clone();
    let path = format!("/tickets/{id}");
    let page = text(&desk.host.get_page(&clerk(), &path));
    assert!(
        page.contains(r#"<a href="/applicants/a1">Ana Okafor</a>"#),
        "{page}"
    );
    assert!(page.contains(r#"<a href="/cases/c1">CAS014</a>"#), "{page}");

    // A role that hides the given name shows the rest of it.
    desk.host.field_rules(|caller, kind| match kind {
        RecordKind::Applicant if caller.user_id.as_deref() == Some("clerk") => {
            vec!["given_name"]
        }
        _ => vec![],
    });
    let page = text(&desk.host.get_page(&clerk(), &path));
    assert!(
        page.contains(r#"<a href="/applicants/a1">Okafor</a>"#),
        "{page}"
    );

    // Who may not read them sees their ids, not their names.
    let page = text(&desk.host.get_page(&desk.boss, &path));
    assert!(!page.contains("Okafor"), "{page}");
    assert!(!page.contains("CAS014"), "{page}");
    assert!(page.contains("c1"), "{page}");
}

#[test]
fn a_tickets_files_are_described_as_the_api_gives_them() {
    let desk = Desk::new();
    let ticket = desk.file("Printer jammed", "high");
    let id = ticket["id"].as_str().expect("an id").to_owned();
    let file = desk.host.add_file(
        &format!("module:ticket:{id}"),
        "jam.jpg",
        "image/jpeg",
        b"\xff\xd8\xff",
    );
    let listed = desk.json(
        desk.host
            .get(&desk.requester, &format!("/tickets/{id}/attachments")),
        200,
    );
    let download = format!("/api/v1/m/helpdesk/tickets/{id}/attachments/{}", file.id);
    assert_eq!(
        listed["items"],
        json!([{
            "id": file.id,
            "owner": format!("module:ticket:{id}"),
            "folder": "",
            "name": "jam.jpg",
            "content_type": "image/jpeg",
            "size": 3,
            "sha256": file.sha256,
            "uploaded_by": null,
            "uploaded_at": "2026-12-04T21:30:00Z",
            "version": 1,
            "download": download,
        }])
    );
    let detail = desk.ticket(&desk.requester, &json!(id));
    assert_eq!(detail["attachments"], listed["items"]);

    let below_the_mount = download.trim_start_matches("/api/v1/m/helpdesk");
    let saved = desk.host.get(&desk.agent, below_the_mount);
    assert_eq!(
        (saved.status_code(), saved.body()),
        (200, &b"\xff\xd8\xff"[..])
    );
    let page = text(&desk.host.get_page(&desk.agent, &format!("/tickets/{id}")));
    assert!(
        page.contains(&format!(r#"<a href="{download}">jam.jpg</a>"#)),
        "{page}"
    );
    assert!(
        page.contains("3 bytes · Helpdesk · 2026-12-04 16:30"),
        "{page}"
    );
}

#[test]
fn a_merge_of_applicants_moves_their_tickets_and_its_undoing_moves_them_back() {
    let desk = with_records();
    desk.host
        .add_applicant(&Applicant::new("a2", "Ana", "Okafor-Díaz"));
    for applicant in ["applicant:a1", "applicant:a2", "applicant:a2"] {
        let filed = desk.host.request(&clerk(), form("", applicant));
        assert_eq!(filed.status_code(), 303, "{}", text(&filed));
    }
    let of = |applicant: &str| -> Vec<String> {
        let mut ids: Vec<String> = desk
            .host
            .documents("tickets")
            .into_iter()
            .filter(|d| d.data["applicant_id"] == applicant)
            .map(|d| d.id)
            .collect();
        ids.sort();
        ids
    };
    let (kept, moved) = (of("a1"), of("a2"));
    assert_eq!((kept.len(), moved.len()), (1, 2));

    // a2 merged into a1: its tickets are a1's, each saying why.
    let merge = json!({ "id": "a1", "merged_id": "a2", "merge_id": "m1", "cases": [] });
    desk.host
        .deliver_event("applicant.merged", &merge)
        .expect("delivered");
    let mut all = [kept.clone(), moved.clone()].concat();
    all.sort();
    assert_eq!(of("a1"), all);
    // Delivered again: nothing more changes.
    desk.host
        .deliver_event("applicant.merged", &merge)
        .expect("delivered again");
    let ticket = desk
        .host
        .documents("tickets")
        .into_iter()
        .find(|d| d.id == moved[0])
        .unwrap();
    let history: Vec<&Value> = ticket.data["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "applicant")
        .collect();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        (&history[0]["from"], &history[0]["to"]),
        (&json!("a2"), &json!("a1"))
    );

    // Undone: the two go back, the ticket a1 always had stays.
    desk.host
        .deliver_event("applicant.unmerged", &merge)
        .expect("delivered");
    assert_eq!(of("a2"), moved);
    assert_eq!(of("a1"), kept);
    let page = text(
        &desk
            .host
            .get_page(&clerk(), &format!("/tickets/{}", moved[0])),
    );
    assert!(
        page.contains("moved it back to its applicant when their merge was undone"),
        "{page}"
    );
}
