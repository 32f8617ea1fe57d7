//! The document store orders, ranges and pages text as bytes, the same on
//! SQLite and on PostgreSQL, whatever the database's collation (the
//! PostgreSQL half runs on an ICU English database, where language rules
//! would put `apple` beside `Apple`, ignore punctuation and order `s:zz`
//! after `s;`).

use immcase_tests::{Api, Backend, TestServer, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(text_orders_and_ranges_by_bytes_on_every_database);

/// Names written by people of different languages, with case, accents and
/// punctuation (and ids chosen by the module, as varied).
const NAMES: &[(&str, &str)] = &[
    ("apple", "apple"),
    ("Apple", "Apple"),
    ("APPLE", "APPLE"),
    ("apple-pie", "apple-pie"),
    ("apple@pie", "apple pie"),
    ("apple_pie", "apple_pie"),
    ("apple.pie", "apple.pie"),
    ("aple", "äpple"),
    ("Aple", "Äpple"),
    ("applee", "applé"),
    ("emile", "émile"),
    ("Emile", "Émile"),
    ("b", "b"),
    ("B", "B"),
    ("z", "z"),
    ("Z", "Z"),
    ("n1", "1"),
    ("n10", "10"),
    ("n9", "9"),
    ("s:zz", "s:zz"),
    ("s.semicolon", "s;"),
    ("omega", "Ωmega"),
    ("tilde", "~tilde"),
    ("a:b", "a'b"),
    ("Zoe.Lee", "zoë"),
];

async fn query(admin: &Api, spec: Value) -> (Vec<String>, Value) {
    let r = admin.post("/api/v1/m/recorder/items/query", spec).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids = r.body["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (ids, r.body["next_cursor"].clone())
}

/// The ids whose name passes `keep`, in byte order of the names.
fn expected(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut kept: Vec<(&str, &str)> = NAMES
        .iter()
        .filter(|(_, name)| keep(name))
        .map(|(id, name)| (*name, *id))
        .collect();
    kept.sort();
    kept.into_iter().map(|(_, id)| id.to_string()).collect()
}

async fn text_orders_and_ranges_by_bytes_on_every_database(backend: Backend) {
    let server = TestServer::start_with_modules(backend, &["recorder"]).await;
    let admin = server.admin().await;
    admin.set_module("recorder", true).await;
    for (id, name) in NAMES {
        admin
            .put(
                &format!("/api/v1/m/recorder/items/{id}"),
                json!({ "data": { "s": name } }),
            )
            .await
            .expect_status(200);
    }

    // Ordered by the name, both ways.
    let (ids, _) = query(&admin, json!({ "order_by": "s", "limit": 100 })).await;
    assert_eq!(ids, expected(|_| true));
    let (ids, _) = query(
        &admin,
        json!({ "order_by": "s", "descending": true, "limit": 100 }),
    )
    .await;
    let mut backwards = expected(|_| true);
    backwards.reverse();
    assert_eq!(ids, backwards);

    // Ranges: from "apple" up to "b", above "Z", up to "a'b", and the two
    // neighbours that a linguistic collation orders the other way round.
    let range = |op_a: &str, a: &str, op_b: &str, b: &str| {
        json!({ "filters": [{ "field": "s", "op": op_a, "value": a }, { "field": "s", "op": op_b, "value": b }],
                "order_by": "s", "limit": 100 })
    };
    let (ids, _) = query(&admin, range("gte", "apple", "lt", "b")).await;
    assert_eq!(ids, expected(|n| ("apple".."b").contains(&n)));
    let (ids, _) = query(&admin, range("gt", "Z", "lte", "zz")).await;
    assert_eq!(ids, expected(|n| n > "Z" && n <= "zz"));
    let (ids, _) = query(&admin, range("gte", "a", "lte", "a'b")).await;
    assert_eq!(ids, expected(|n| ("a"..="a'b").contains(&n)));
    let (ids, _) = query(&admin, range("gt", "s:", "lt", "s;zz")).await;
    assert_eq!(ids, expected(|n| n > "s:" && n < "s;zz"));
    assert_eq!(ids, ["s:zz", "s.semicolon"]);

    // Pages walk the same order once, without gaps or repeats.
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let (ids, next) = query(
            &admin,
            json!({ "order_by": "s", "limit": 4, "cursor": cursor }),
        )
        .await;
        seen.extend(ids);
        if next.is_null() {
            break;
        }
        cursor = next;
    }
    assert_eq!(seen, expected(|_| true));

    // Without an order, by the module's ids, as bytes, page after page.
    let mut by_id = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let (ids, next) = query(&admin, json!({ "limit": 5, "cursor": cursor })).await;
        by_id.extend(ids);
        if next.is_null() {
            break;
        }
        cursor = next;
    }
    let mut ids: Vec<String> = NAMES.iter().map(|(id, _)| id.to_string()).collect();
    ids.sort();
    assert_eq!(by_id, ids);
    server.stop().await;
}
