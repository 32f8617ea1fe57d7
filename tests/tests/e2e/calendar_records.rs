//! The calendar with the practice's records: the Calendar tab of an
//! applicant and of a case, critical deadlines on the dashboard of the
//! people they concern only, a passport expiry kept as a deadline that
//! follows its change, and the reports' figures for a closed case.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::calendar::{API, calendar_on, close_case, create, move_clock_to};
use immcase_tests::helpdesk::person;
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    records_show_their_events_in_a_calendar_tab,
    critical_deadlines_reach_the_dashboards_of_the_people_concerned_only,
    a_passport_expiry_becomes_a_deadline_that_follows_it,
    a_cases_decision_date_becomes_its_responsibles_deadline,
    reports_count_a_closed_cases_days_and_meetings,
);

async fn records_show_their_events_in_a_calendar_tab(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let applicant = admin.add_applicant("Garcia").await;
    let case = admin.open_case(&applicant, "work_permit").await;
    let case_id = case["id"].as_str().unwrap();
    create(
        &admin,
        json!({ "title": "Biometrics Garcia", "start": "2026-03-05T10:00", "applicant_id": applicant }),
    )
    .await;
    create(
        &admin,
        json!({ "title": "Interview for the permit", "start": "2026-03-06T11:00", "case_id": case_id }),
    )
    .await;
    create(
        &admin,
        json!({ "title": "Unrelated", "start": "2026-03-06T12:00" }),
    )
    .await;

    let on_applicant = admin
        .get(&format!("/applicants/{applicant}?tab=calendar"))
        .await
        .expect_status(200)
        .text;
    assert!(on_applicant.contains("Biometrics Garcia"), "{on_applicant}");
    // The case's event names its applicant too.
    assert!(on_applicant.contains("Interview for the permit"));
    assert!(!on_applicant.contains("Unrelated"));
    assert!(on_applicant.contains(&format!("/m/calendar/new?applicant={applicant}")));
    let on_case = admin
        .get(&format!("/cases/{case_id}?tab=calendar"))
        .await
        .expect_status(200)
        .text;
    assert!(on_case.contains("Interview for the permit"));
    assert!(!on_case.contains("Biometrics Garcia"));
    // The form opened from the tab is set to the record.
    let form = admin
        .get(&format!("/m/calendar/new?case={case_id}"))
        .await
        .expect_status(200)
        .text;
    assert!(form.contains(&format!("value=\"case:{case_id}\"")));
    server.stop().await;
}

async fn critical_deadlines_reach_the_dashboards_of_the_people_concerned_only(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let calendar = ["module:calendar"];
    let (ana, ana_id) = person(&server, &admin, "ana@example.com", &calendar).await;
    // Responsible for cases, Carl reads them.
    let (carl, carl_id) = person(
        &server,
        &admin,
        "carl@example.com",
        &["module:calendar", "cases.read"],
    )
    .await;
    let (ben, _) = person(&server, &admin, "ben@example.com", &calendar).await;
    let public = admin
        .post(
            &format!("{API}/calendars"),
            json!({ "name": "Global deadlines", "sharing": "public", "colour": "red" }),
        )
        .await
        .expect_status(201);
    let applicant = admin.add_applicant("Osei").await;
    let case = admin.open_case(&applicant, "work_permit").await;
    let case_id = case["id"].as_str().unwrap();
    admin
        .patch(
            &format!("/api/v1/cases/{case_id}"),
            json!({ "responsible_user_id": carl_id, "version": case["version"] }),
        )
        .await
        .expect_status(200);
    // Ana takes part; Carl is responsible for its case; Ben reads the
    // calendar but is not concerned.
    create(
        &admin,
        json!({ "title": "CAS001 submission", "type": "deadline", "critical": true,
                "start": "2026-03-20T17:00", "calendar_id": public.body["id"], "case_id": case_id,
                "participants": [{ "person_id": ana_id }] }),
    )
    .await;
    create(
        &admin,
        json!({ "title": "Ordinary deadline", "type": "deadline", "start": "2026-03-21T17:00",
                "calendar_id": public.body["id"], "participants": [{ "person_id": ana_id }] }),
    )
    .await;
    for (who, api) in [("ana", &ana), ("carl", &carl), ("admin", &admin)] {
        let dashboard = api.get("/").await.expect_status(200).text;
        assert!(dashboard.contains("Upcoming critical deadlines"), "{who}");
        assert!(
            dashboard.contains("CAS001 submission"),
            "{who}: {dashboard}"
        );
        assert!(dashboard.contains("in 19 days"), "{who}: {dashboard}");
        assert!(!dashboard.contains("Ordinary deadline"), "{who}");
    }
    let bens = ben.get("/").await.expect_status(200).text;
    assert!(
        bens.contains("No critical deadlines in the next 60 days."),
        "{bens}"
    );
    assert!(!bens.contains("CAS001 submission"));
    // Past its date it leaves the panel.
    move_clock_to(&server, "2026-03-21 09:00");
    let ana = server.api();
    ana.sign_in("ana@example.com", "a member's long passphrase")
        .await
        .expect_status(200);
    assert!(!ana.get("/").await.text.contains("CAS001 submission"));
    server.stop().await;
}

async fn expiry_of(api: &Api, applicant: &str) -> Option<Value> {
    let listed = api
        .get(&format!("{API}/events?applicant={applicant}"))
        .await
        .expect_status(200);
    listed.body["items"].as_array().unwrap().first().cloned()
}

async fn a_passport_expiry_becomes_a_deadline_that_follows_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let (ana, ana_id) = person(&server, &admin, "ana@example.com", &["module:calendar"]).await;
    let (ben, _) = person(&server, &admin, "ben@example.com", &["module:calendar"]).await;
    admin
        .configure_module("calendar", |s| {
            s["expiry_people"] = json!([ana_id]);
            s["expiry_reminder_days"] = json!([30]);
        })
        .await;
    let created = admin
        .post(
            "/api/v1/applicants",
            json!({ "given_name": "Kwame", "family_name": "Osei", "passport_expiry": "2026-05-15" }),
        )
        .await
        .expect_status(201);
    let id = created.body["id"].as_str().unwrap().to_string();
    let deadline = eventually("the passport's deadline", || async {
        expiry_of(&ana, &id).await
    })
    .await;
    assert_eq!(deadline["title"], "Passport expires: Kwame Osei");
    assert_eq!(deadline["type"], "deadline");
    assert_eq!(deadline["all_day"], true);
    assert_eq!(deadline["start"], "2026-05-15T00:00:00-04:00");
    assert_eq!(deadline["reminders"], json!([43200]));
    // Only the people who keep the expiries see them.
    assert!(expiry_of(&ben, &id).await.is_none());

    // The date changes on the applicant: the deadline follows.
    admin
        .patch(
            &format!("/api/v1/applicants/{id}"),
            json!({ "passport_expiry": "2026-06-01", "version": created.body["version"] }),
        )
        .await
        .expect_status(200);
    let moved = eventually("the deadline to follow", || async {
        expiry_of(&ana, &id)
            .await
            .filter(|d| d["start"] == "2026-06-01T00:00:00-04:00")
    })
    .await;
    assert_eq!(moved["id"], deadline["id"]);
    // Its reminder comes 30 days before the new date, once.
    move_clock_to(&server, "2026-04-16 00:30");
    server.settle().await;
    let early = server.smtp.received();
    assert!(
        !early
            .iter()
            .any(|m| m.subject().contains("Passport expires"))
    );
    move_clock_to(&server, "2026-05-02 00:30");
    let mail = server
        .smtp
        .wait_for("ana@example.com", "Passport expires: Kwame Osei in 30 days")
        .await;
    assert!(mail.text().contains("Mon 1 Jun 2026"), "{}", mail.text());
    server.stop().await;
}

async fn reports_count_a_closed_cases_days_and_meetings(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let applicant = admin.add_applicant("Nguyen").await;
    let case = admin.open_case(&applicant, "work_permit").await;
    let case_id = case["id"].as_str().unwrap();
    for (title, kind, start) in [
        ("Intake", "appointment", "2026-03-02T10:00"),
        (
            "Review with the team",
            "internal_meeting",
            "2026-03-09T10:00",
        ),
        ("Signing", "client_event", "2026-03-16T10:00"),
        ("Submission", "deadline", "2026-03-20T17:00"),
    ] {
        create(
            &admin,
            json!({ "title": title, "type": kind, "start": start, "case_id": case_id }),
        )
        .await;
    }
    close_case(
        &admin,
        case_id,
        json!({ "opened_on": "2026-03-01", "closing_date": "2026-03-31" }),
    )
    .await;
    let case = admin
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect_status(200);
    let report = eventually("the closed case in the reports", || async {
        let got = admin
            .get(&format!("{API}/reports"))
            .await
            .expect_status(200)
            .body;
        (got["cases"].as_array().unwrap().len() == 1).then_some(got)
    })
    .await;
    let figures = &report["cases"][0];
    assert_eq!(figures["folio"], case.body["folio"]);
    assert_eq!(figures["days"], 30);
    assert_eq!(figures["meetings"], 3);
    assert_eq!(figures["outcome"], "approved");
    assert_eq!(report["programs"][0]["key"], "work_permit");
    assert_eq!(report["programs"][0]["average_meetings"], 3.0);
    assert_eq!(report["months"][0]["key"], "2026-03");
    let page = admin
        .get("/m/calendar/reports")
        .await
        .expect_status(200)
        .text;
    assert!(page.contains("Per program") && page.contains("Per month of closing"));
    // Only for those who manage the calendar.
    let (clerk, _) = person(&server, &admin, "clerk@example.com", &["module:calendar"]).await;
    clerk
        .get(&format!("{API}/reports"))
        .await
        .expect_status(403);
    server.stop().await;
}

async fn a_cases_decision_date_becomes_its_responsibles_deadline(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = calendar_on(&server).await;
    let (carl, carl_id) = person(
        &server,
        &admin,
        "carl@example.com",
        &["module:calendar", "cases.read"],
    )
    .await;
    let applicant = admin.add_applicant("Mensah").await;
    let case = admin.open_case(&applicant, "work_permit").await;
    let case_id = case["id"].as_str().unwrap();
    let changed = admin
        .patch(
            &format!("/api/v1/cases/{case_id}"),
            json!({ "responsible_user_id": carl_id, "decision_on": "2026-06-30", "version": case["version"] }),
        )
        .await
        .expect_status(200);
    let of_case = |api: Api| {
        let path = format!("{API}/events?case={case_id}");
        async move {
            api.get(&path).await.expect_status(200).body["items"]
                .as_array()
                .unwrap()
                .first()
                .cloned()
        }
    };
    let deadline = eventually("the decision's deadline", || of_case(carl.clone())).await;
    assert_eq!(
        deadline["title"],
        format!(
            "{} (Ana Mensah): decision expected",
            case["folio"].as_str().unwrap()
        )
    );
    assert_eq!(deadline["start"], "2026-06-30T00:00:00-04:00");
    assert_eq!(deadline["participants"][0]["person_id"], carl_id.as_str());
    admin
        .patch(
            &format!("/api/v1/cases/{case_id}"),
            json!({ "decision_on": "2026-07-15", "version": changed.body["version"] }),
        )
        .await
        .expect_status(200);
    eventually("the deadline to follow the case", || async {
        of_case(carl.clone())
            .await
            .filter(|d| d["start"] == "2026-07-15T00:00:00-04:00")
    })
    .await;
    server.stop().await;
}
