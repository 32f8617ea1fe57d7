//! Notes about applicants and cases, on the SDK's native test host: the
//! record must exist and be readable by the writer, the note's page names
//! it as the reader may see it, and the reminder names it with every field.

use immcase_sdk::testing::{PRACTICE_URL, RecordKind, TestHost};
use immcase_sdk::{Applicant, Caller, Case, Response};
use notes::Notes;
use serde_json::{Value, json};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// The notes module of a practice with the applicant Ana Díaz and her case
/// CAS014.
fn host() -> TestHost<Notes> {
    let host = TestHost::<Notes>::new();
    host.add_person(&lee());
    host.add_applicant(&Applicant::new("a1", "Ana", "Díaz"));
    host.add_case(&Case {
        applicant_id: Some("a1".into()),
        ..Case::new("c1", "CAS014")
    });
    host
}

/// A member of the practice who reads applicants and cases.
fn lee() -> Caller {
    Caller::person("lee", &["module:notes", "applicants.read", "cases.read"]).named("Lee Park")
}

fn add(host: &TestHost<Notes>, who: &Caller, subject: &str) -> Response {
    host.post_json(
        who,
        "/notes",
        &json!({ "subject": subject, "text": "Call back about the biometrics" }),
    )
}

fn json_of(answer: &Response, status: u16) -> Value {
    let body = answer.body_json().unwrap_or(Value::Null);
    assert_eq!(answer.status_code(), status, "{body}");
    body
}

fn page(answer: &Response) -> String {
    assert_eq!(answer.status_code(), 200);
    String::from_utf8_lossy(answer.body()).into_owned()
}

#[test]
fn a_note_about_a_record_needs_the_record() {
    let host = host();
    for subject in ["applicant:a1", "case:c1", "ticket:7"] {
        let note = json_of(&add(&host, &lee(), subject), 201);
        assert_eq!(note["subject"], subject, "kept as written");
    }
    assert_eq!(host.documents("notes").len(), 3);

    let unknown = json_of(&add(&host, &lee(), "applicant:a9"), 422);
    assert_eq!(
        unknown["error"]["fields"]["subject"],
        "there is no applicant a9 here"
    );
    host.trash(RecordKind::Case, "c1");
    let trashed = json_of(&add(&host, &lee(), "case:c1"), 422);
    assert_eq!(
        trashed["error"]["fields"]["subject"],
        "there is no case c1 here"
    );
    // Field problems come first, and name every field.
    let empty = host.post_json(
        &lee(),
        "/notes",
        &json!({ "subject": "case:c9", "text": "" }),
    );
    assert_eq!(
        json_of(&empty, 422)["error"]["fields"],
        json!({ "text": "required" })
    );

    // Who may not read applicants gets the host's refusal as it is.
    let clerk = Caller::person("clerk", &["module:notes"]);
    let refused = json_of(&add(&host, &clerk, "applicant:a1"), 403);
    assert_eq!(
        refused["error"]["message"],
        "this needs the permission applicants.read, which clerk@example.com does not hold"
    );
    assert_eq!(host.documents("notes").len(), 3, "nothing more was kept");
    assert_eq!(host.events().len(), 3);
}

#[test]
fn a_case_may_be_named_by_its_folio() {
    let host = host();
    let note = json_of(&add(&host, &lee(), "case:cas14"), 201);
    assert_eq!(
        note["subject"], "case:c1",
        "kept by id, so the case's tab finds it"
    );
    let bare = json_of(&add(&host, &lee(), "CAS014"), 201);
    assert_eq!(bare["subject"], "case:c1");
    let id = note["id"].as_str().unwrap_or_default();
    let html = page(&host.get_page(&lee(), &format!("/notes/{id}")));
    assert!(
        html.contains(r#"<dt>About</dt><dd><a href="/cases/c1">CAS014 (Ana Díaz)</a></dd>"#),
        "{html}"
    );
    let unknown = json_of(&add(&host, &lee(), "case:CAS015"), 422);
    assert_eq!(
        unknown["error"]["fields"]["subject"],
        "there is no case CAS015 here"
    );
}

#[test]
fn the_form_says_what_is_wrong_with_the_subject() {
    let host = host();
    let form = immcase_sdk::Request::new("POST", "/notes")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body("subject=case%3Ac9&text=Call+back&follow_up=")
        .as_page();
    let answer = host.request(&lee(), form);
    assert_eq!(answer.status_code(), 422);
    let html = String::from_utf8_lossy(answer.body()).into_owned();
    assert!(
        html.contains(r#"<span class="field-error">there is no case c9 here</span>"#),
        "{html}"
    );
}

#[test]
fn the_notes_page_names_its_subject_as_the_reader_sees_it() {
    let host = host();
    let about_ana = json_of(&add(&host, &lee(), "applicant:a1"), 201);
    let about_case = json_of(&add(&host, &lee(), "case:c1"), 201);
    let about_ticket = json_of(&add(&host, &lee(), "ticket:7"), 201);
    let note_page = |who: &Caller, note: &Value| {
        let id = note["id"].as_str().unwrap_or_default();
        page(&host.get_page(who, &format!("/notes/{id}")))
    };

    let html = note_page(&lee(), &about_ana);
    assert!(
        html.contains(r#"<dt>About</dt><dd><a href="/applicants/a1">Ana Díaz</a></dd>"#),
        "{html}"
    );
    let html = note_page(&lee(), &about_case);
    assert!(
        html.contains(r#"<dt>About</dt><dd><a href="/cases/c1">CAS014 (Ana Díaz)</a></dd>"#),
        "{html}"
    );
    let html = note_page(&lee(), &about_ticket);
    assert!(html.contains("<dt>About</dt><dd>ticket:7</dd>"), "{html}");

    // A role that hides the given name; a reader of cases only; a reader of
    // neither.
    host.field_rules(|_, kind| match kind {
        RecordKind::Applicant => vec!["given_name"],
        RecordKind::Case => vec![],
    });
    let html = note_page(&lee(), &about_case);
    assert!(html.contains(">CAS014 (Díaz)</a>"), "{html}");
    let cases_only = Caller::person("cy", &["module:notes", "cases.read"]);
    let html = note_page(&cases_only, &about_case);
    assert!(
        html.contains(r#"<dd><a href="/cases/c1">CAS014</a></dd>"#),
        "{html}"
    );
    let html = note_page(&cases_only, &about_ana);
    assert!(html.contains("<dd>applicant:a1</dd>"), "{html}");
    assert!(!html.contains("Díaz"), "{html}");

    // The list of all notes names each subject the same way.
    host.field_rules(|_, _| vec![]);
    let list = page(&host.get_page(&lee(), "/"));
    for named in [
        "<small>Ana Díaz · by Lee Park</small>",
        "<small>CAS014 (Ana Díaz) · by Lee Park</small>",
        "<small>ticket:7 · by Lee Park</small>",
    ] {
        assert!(list.contains(named), "{named} in {list}");
    }
    assert!(!list.contains("case:c1"), "{list}");

    // A record in the trash is named as written.
    host.trash(RecordKind::Applicant, "a1");
    let html = note_page(&lee(), &about_ana);
    assert!(html.contains("<dd>applicant:a1</dd>"), "{html}");
}

#[test]
fn the_reminder_names_the_subject_with_every_field() {
    let host = host();
    // The author's roles hide applicants' names; the reminder's timer reads
    // with the module's own rights.
    host.field_rules(|caller, kind| match kind {
        RecordKind::Applicant if caller.is_person() => vec!["given_name", "family_name"],
        _ => vec![],
    });
    let note = json!({ "subject": "case:c1", "text": "Send the LMIA copy\nsecond line",
                       "follow_up_at": host.now() + DAY });
    json_of(&host.post_json(&lee(), "/notes", &note), 201);
    host.advance(DAY);
    let fired = host.run_due_timers();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].result, Ok(()));
    let mail = host.mail();
    assert_eq!(mail[0].to, "lee@example.com");
    assert_eq!(mail[0].subject, "Follow up: Send the LMIA copy");
    assert!(
        mail[0]
            .body
            .starts_with("You asked to follow up on CAS014 (Ana Díaz).\n"),
        "{}",
        mail[0].body
    );
    assert!(
        mail[0]
            .body
            .ends_with(&format!("The case: {PRACTICE_URL}/cases/c1\n")),
        "{}",
        mail[0].body
    );
}

#[test]
fn the_author_marks_done_changes_and_deletes_a_note_from_its_page() {
    let host = host();
    let note = json_of(&add(&host, &lee(), "case:c1"), 201);
    let id = note["id"].as_str().unwrap_or_default().to_owned();
    let page_of = |who: &Caller| page(&host.get_page(who, &format!("/notes/{id}")));
    let html = page_of(&lee());
    assert!(html.contains(">Mark done</button>"), "{html}");
    assert!(
        html.contains(r#"data-confirm="Delete this note?""#),
        "{html}"
    );
    // Someone else sees the note but not its buttons.
    let other = Caller::person("bo", &["module:notes", "applicants.read", "cases.read"]);
    assert!(!page_of(&other).contains("Mark done"));

    let post = |body: String| {
        let form = immcase_sdk::Request::new("POST", &format!("/notes/{id}"))
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(body)
            .as_page();
        host.request(&lee(), form)
    };
    let done = post("version=1&done=yes".into());
    assert_eq!(
        done.status_code(),
        303,
        "{}",
        String::from_utf8_lossy(done.body())
    );
    let stored = host.document("notes", &id).expect("kept");
    assert_eq!(stored.data["done"], true);
    assert_eq!(
        stored.data["text"], "Call back about the biometrics",
        "the rest kept"
    );
    // A stale page's change is refused with the page again.
    let stale = post("version=1&text=Old+page&follow_up=".into());
    assert_eq!(stale.status_code(), 409);
    assert!(String::from_utf8_lossy(stale.body()).contains("changed in the meantime"));
    // Changed: new text, a follow-up, open again.
    let changed = post("version=2&text=Call+Ana+back&follow_up=2026-01-20".into());
    assert_eq!(changed.status_code(), 303);
    let stored = host.document("notes", &id).expect("kept");
    assert_eq!(
        (stored.data["text"].as_str(), stored.data["done"].as_bool()),
        (Some("Call Ana back"), Some(false))
    );
    assert!(stored.data["follow_up_at"].is_i64(), "{}", stored.data);

    let deleted = host.request(
        &lee(),
        immcase_sdk::Request::new("POST", &format!("/notes/{id}/delete")).as_page(),
    );
    assert_eq!(deleted.status_code(), 303);
    assert!(host.document("notes", &id).is_none());
}

#[test]
fn the_new_note_form_suggests_a_follow_up_without_setting_one() {
    let host = host();
    let html = page(&host.get_page(&lee(), "/"));
    assert!(
        html.contains(r#"<input type="date" name="follow_up" value="">"#),
        "{html}"
    );
    assert!(html.contains("A week from now is 2026-01-12."), "{html}");
    assert!(
        html.contains(r#"data-record-pick="applicant case""#),
        "{html}"
    );
}
