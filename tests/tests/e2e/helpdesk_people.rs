//! Who counts as whom in the helpdesk, against the real host: someone who
//! handles a category and asks it for help is its requester, and a change
//! of a category's people reaches who finds its tickets in search.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use immcase_tests::helpdesk::{
    API, boss, category, configure, file, reply, set_status, staff, ticket,
};
use immcase_tests::{Api, Backend, TestServer, eventually, on_both_databases};
use serde_json::json;

on_both_databases!(
    an_agent_asking_for_help_is_the_requester,
    team_changes_reach_search,
);

async fn an_agent_asking_for_help_is_the_requester(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (tech, tech_id) = staff(&server, &admin, "tech@example.com").await;
    let (other, other_id) = staff(&server, &admin, "other@example.com").await;
    let manager = boss(&server, &admin).await;
    configure(&manager, |s| {
        category(s, "technical_support")["team"] =
            json!({ "members": [tech_id, other_id], "strategy": "round_robin" });
    })
    .await;
    // The agent files in their own category; their own words are not the
    // team's answer, whoever the ticket went to.
    let filed = file(&tech, "My laptop", "technical_support", "high").await;
    assert_eq!(
        reply(&tech, &filed, "It still does not boot.", false).await,
        201
    );
    let mine = ticket(&tech, &filed["id"]).await;
    assert_eq!(mine["sla"]["first_response"]["state"], "running");
    assert_eq!(mine["status"], "open");
    // Waiting on them, their reply moves it on as a requester's does.
    let handler = if mine["assignee_id"] == tech_id.as_str() {
        manager.clone()
    } else {
        other.clone()
    };
    assert_eq!(
        set_status(&handler, &filed, "waiting_on_requester").await,
        200
    );
    assert_eq!(reply(&tech, &filed, "Here is the model.", false).await, 201);
    assert_eq!(ticket(&tech, &filed["id"]).await["status"], "in_progress");
    // A colleague's answer is the first response.
    assert_eq!(reply(&handler, &filed, "Try safe mode.", false).await, 201);
    let answered = ticket(&tech, &filed["id"]).await;
    assert_eq!(answered["sla"]["first_response"]["state"], "met");
    server.stop().await;
}

/// Whether `api`'s person finds `folio` when searching `q`.
async fn finds(api: &Api, q: &str, folio: &str) -> bool {
    api.get(&format!("/api/v1/search?q={q}"))
        .await
        .expect_status(200)
        .text
        .contains(folio)
}

async fn team_changes_reach_search(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    admin.set_module("helpdesk", true).await;
    let (_, agent_id) = staff(&server, &admin, "agent@example.com").await;
    let (first, first_id) = staff(&server, &admin, "first@example.com").await;
    let (second, second_id) = staff(&server, &admin, "second@example.com").await;
    let (ana, _) = staff(&server, &admin, "ana@example.com").await;
    let manager = boss(&server, &admin).await;
    configure(&manager, |s| {
        let case_support = category(s, "case_support");
        case_support["team"] = json!({ "members": [agent_id], "strategy": "round_robin" });
        case_support["manager_id"] = json!(first_id);
    })
    .await;
    let mut folios = Vec::new();
    for n in 0..3 {
        let filed = file(
            &ana,
            &format!("Spousal sponsorship {n}"),
            "case_support",
            "low",
        )
        .await;
        folios.push(filed["folio"].as_str().unwrap().to_string());
    }
    eventually("the category's manager to find the tickets", || {
        let first = first.clone();
        async move { finds(&first, "Spousal", "TKT003").await.then_some(()) }
    })
    .await;
    assert!(!finds(&second, "Spousal", "TKT001").await);

    // The category changes managers: the new one finds every ticket, the
    // one who left none, though no ticket changed.
    configure(&manager, |s| {
        category(s, "case_support")["manager_id"] = json!(second_id);
    })
    .await;
    eventually("search to follow the category's people", || {
        let (first, second, folios) = (first.clone(), second.clone(), folios.clone());
        async move {
            for folio in &folios {
                if !finds(&second, "Spousal", folio).await || finds(&first, "Spousal", folio).await
                {
                    return None;
                }
            }
            Some(())
        }
    })
    .await;
    let list = manager
        .get(&format!("{API}/tickets"))
        .await
        .expect_status(200);
    for item in list.body["items"].as_array().unwrap() {
        assert_eq!(item["version"], 1, "the tickets themselves did not change");
    }
    server.stop().await;
}
