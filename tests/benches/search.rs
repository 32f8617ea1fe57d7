//! Global search at scale (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench search
//! ```
//!
//! Stores 100,000 synthetic applicants in a fresh SQLite database of a real
//! host, rebuilds the search index from them (printing documents per second),
//! then runs the same queries two ways and prints p50 and p99 of each and
//! their ratio: through the tantivy index (every word as a prefix or with a
//! typo, within the practice and the allowed fields), and as the SQL `LIKE`
//! scan a search box without an index would do (which finds no typos).
//! Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use immcase_host::Config;
use immcase_host::search::feed;
use immcase_search_index::FIELD_KEYS;

const APPLICANTS: usize = 100_000;
const QUERIES: usize = 400;

const GIVEN: &[&str] = &[
    "Ana",
    "José",
    "María",
    "Wei",
    "Priya",
    "Oluwaseun",
    "Fatima",
    "Mohammed",
    "Sofia",
    "Liam",
    "Chen",
    "Aisha",
    "Diego",
    "Yuki",
    "Ravi",
    "Chloé",
    "Mateo",
    "Amara",
    "Noor",
    "Kwame",
    "Elena",
    "Hiroshi",
    "Zainab",
    "Lucas",
    "Ines",
    "Arjun",
    "Thanh",
    "Olga",
    "Tomás",
    "Leila",
];
const FAMILY: &[&str] = &[
    "García",
    "Pérez",
    "Nguyen",
    "Okafor",
    "Singh",
    "Tremblay",
    "Wang",
    "Kowalski",
    "Haddad",
    "Fernández",
    "Mensah",
    "Sato",
    "Rossi",
    "Ivanova",
    "Patel",
    "Okonkwo",
    "Dubois",
    "Gómez",
    "Kim",
    "Hernández",
    "Abdullah",
    "Silva",
    "Novak",
    "Reyes",
    "Mwangi",
    "Chowdhury",
    "Lefebvre",
    "Yilmaz",
    "Bianchi",
    "Álvarez",
    "Osei",
    "Nakamura",
    "Ahmed",
    "Ferreira",
    "Lopez",
    "Schmidt",
];

/// A small deterministic generator, so every run stores the same people.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.admin_password = Some("a long benchmark passphrase".into());
    let state = immcase_host::open(config).await.unwrap();
    immcase_host::bootstrap(&state).await.unwrap();
    let practice = state.practice_by_slug("default").await.unwrap().unwrap();

    // Applicants, stored as the host stores them (lookup rows are not
    // needed for search).
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut tx = state.db.begin().await.unwrap();
    for n in 0..APPLICANTS {
        let (given, family) = (dice.pick(GIVEN), dice.pick(FAMILY));
        let email = format!(
            "{}.{}{n}@example.com",
            given.to_lowercase(),
            family.to_lowercase()
        );
        let phone = format!("+1416{:07}", dice.next() % 10_000_000);
        let passport = format!("P{:08}", dice.next() % 100_000_000);
        sqlx::query(
            "INSERT INTO applicants (id, practice_id, version, given_name, family_name, other_names, emails, \
             phones, passport_number, passport_key, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $4, '[]', $5, $6, $7, $7, 0, 0)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(practice.id())
        .bind(given)
        .bind(family)
        .bind(serde_json::json!([email]).to_string())
        .bind(serde_json::json!([phone]).to_string())
        .bind(passport)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    println!(
        "stored {APPLICANTS} applicants in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let indexed = feed::rebuild(&state).await.unwrap();
    let took = started.elapsed();
    println!(
        "indexed {indexed} applicants in {:.1} s: {:.0} documents/s",
        took.as_secs_f64(),
        indexed as f64 / took.as_secs_f64()
    );

    // The same queries both ways: a family name, a prefix, a name with a
    // typo, and given + family.
    let mut queries = Vec::with_capacity(QUERIES);
    for i in 0..QUERIES {
        let family = dice.pick(FAMILY);
        let q = match i % 4 {
            0 => family.to_string(),
            1 => family.chars().take(3).collect(),
            2 => {
                let mut chars: Vec<char> = family.chars().collect();
                let at = chars.len() / 2;
                chars[at] = 'x';
                chars.into_iter().collect()
            }
            _ => format!("{} {family}", dice.pick(GIVEN)),
        };
        queries.push(q);
    }
    let keys: Vec<&str> = FIELD_KEYS.to_vec();
    let mut indexed_times = Vec::with_capacity(QUERIES);
    let mut found_indexed = 0usize;
    for q in &queries {
        let started = Instant::now();
        let hits = state
            .search
            .index
            .search(practice.id(), q, &keys, Some(&["applicant"]), 20)
            .unwrap();
        indexed_times.push(started.elapsed());
        found_indexed += usize::from(!hits.is_empty());
    }
    let mut like_times = Vec::with_capacity(QUERIES);
    let mut found_like = 0usize;
    for q in &queries {
        let pattern = format!(
            "%{}%",
            q.split_whitespace().last().unwrap_or("").to_lowercase()
        );
        let started = Instant::now();
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL AND \
             (LOWER(given_name) LIKE $2 OR LOWER(family_name) LIKE $2 OR LOWER(emails) LIKE $2 \
              OR phones LIKE $2 OR LOWER(passport_number) LIKE $2) LIMIT 20",
        )
        .bind(practice.id())
        .bind(&pattern)
        .fetch_all(state.db.pool())
        .await
        .unwrap();
        like_times.push(started.elapsed());
        found_like += usize::from(!rows.is_empty());
    }
    indexed_times.sort();
    like_times.sort();
    let (i50, i99) = (
        percentile(&indexed_times, 0.5),
        percentile(&indexed_times, 0.99),
    );
    let (l50, l99) = (percentile(&like_times, 0.5), percentile(&like_times, 0.99));
    println!("{QUERIES} queries over {APPLICANTS} applicants:");
    println!(
        "  index:    p50 {:>9.0} µs   p99 {:>9.0} µs   queries with hits {found_indexed}",
        micros(i50),
        micros(i99)
    );
    println!(
        "  SQL LIKE: p50 {:>9.0} µs   p99 {:>9.0} µs   queries with hits {found_like}",
        micros(l50),
        micros(l99)
    );
    println!(
        "  LIKE / index: p50 {:.1}x, p99 {:.1}x",
        l50.as_secs_f64() / i50.as_secs_f64(),
        l99.as_secs_f64() / i99.as_secs_f64()
    );
    state.db.close().await;
}
