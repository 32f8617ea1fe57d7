//! Global search at scale (release build):
//!
//! ```sh
//! cargo bench -p immcase-tests --bench search                            # 100,000 applicants
//! cargo bench -p immcase-tests --bench search -- --applicants 1000000
//! ```
//!
//! Stores synthetic applicants (100,000 unless `--applicants N`) in a fresh
//! SQLite database of a real host, with cases, files and module documents
//! in proportion (a case per two applicants, a file per two applicants, a
//! module document per four), rebuilds the search index from them (printing
//! documents per second), then runs the same queries two ways and prints
//! p50 and p99 of each, per kind of query and overall, and their ratio:
//! through the tantivy index (within the practice and the allowed fields),
//! and as the SQL `LIKE` scan a search box without an index would do (which
//! finds no typos). Not part of CI: it measures, it does not assert.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use immcase_host::Config;
use immcase_host::search::feed;
use immcase_search_index::FIELD_KEYS;

const DEFAULT_APPLICANTS: usize = 100_000;
/// Queries of each kind.
const PER_KIND: usize = 60;
/// The kinds of query, in the order they are printed.
const KINDS: [&str; 7] = [
    "family name",
    "3-letter prefix",
    "name with a typo",
    "given + family",
    "phone digits",
    "folio",
    "email",
];

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

/// `--applicants N` from the command line (cargo passes `--bench` too).
fn applicants_wanted() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--applicants")
        .and_then(|i| args.get(i + 1))
        .map(|n| {
            n.replace(['_', ','], "")
                .parse()
                .expect("--applicants takes a number")
        })
        .unwrap_or(DEFAULT_APPLICANTS)
}

/// What was stored, to ask for it again.
#[derive(Default)]
struct Stored {
    phones: Vec<String>,
    emails: Vec<String>,
    folios: Vec<String>,
}

async fn store(state: &immcase_host::state::AppState, practice: &str, applicants: usize) -> Stored {
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut stored = Stored::default();
    let started = Instant::now();
    let mut tx = state.db.begin().await.unwrap();
    let mut last_applicant = String::new();
    for n in 0..applicants {
        let (given, family) = (dice.pick(GIVEN), dice.pick(FAMILY));
        let email = format!(
            "{}.{}{n}@example.com",
            given.to_lowercase(),
            family.to_lowercase()
        );
        let phone = format!("+1416{:07}", dice.next() % 10_000_000);
        let passport = format!("P{:08}", dice.next() % 100_000_000);
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO applicants (id, practice_id, version, given_name, family_name, other_names, emails, \
             phones, passport_number, passport_key, created_at, updated_at) \
             VALUES ($1, $2, 1, $3, $4, '[]', $5, $6, $7, $7, 0, 0)",
        )
        .bind(&id)
        .bind(practice)
        .bind(given)
        .bind(family)
        .bind(serde_json::json!([email]).to_string())
        .bind(serde_json::json!([phone]).to_string())
        .bind(passport)
        .execute(&mut *tx)
        .await
        .unwrap();
        if n % 2 == 0 {
            let folio = format!("CAS{:03}", n / 2 + 1);
            sqlx::query(
                "INSERT INTO cases (id, practice_id, version, folio_number, folio, applicant_id, program, stage, \
                 created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5, 'study_permit', 'intake', 0, 0)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(practice)
            .bind(i64::try_from(n / 2 + 1).unwrap())
            .bind(&folio)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .unwrap();
            if stored.folios.len() < 10_000 {
                stored.folios.push(folio);
            }
        } else {
            sqlx::query(
                "INSERT INTO files (id, practice_id, owner_kind, owner_id, folder, name, content_type, size, \
                 sha256, blob_key, uploaded_at) VALUES ($1, $2, 'applicant', $3, 'Identity', $4, \
                 'application/pdf', 1, '', '', 0)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(practice)
            .bind(&last_applicant)
            .bind(format!("passport {} {n}.pdf", family.to_lowercase()))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        if stored.phones.len() < 10_000 {
            stored.phones.push(phone);
            stored.emails.push(email);
        }
        last_applicant = id;
        if n % 50_000 == 49_999 {
            tx.commit().await.unwrap();
            tx = state.db.begin().await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    println!(
        "stored {applicants} applicants, {} cases and {} files in {:.1} s",
        applicants.div_ceil(2),
        applicants / 2,
        started.elapsed().as_secs_f64()
    );
    stored
}

/// A module's documents, a quarter as many as the applicants, put straight
/// into the index (the benchmark's host has no modules installed).
fn module_documents(state: &immcase_host::state::AppState, practice: &str, applicants: usize) {
    let mut dice = Dice(0x2545_f491_4f6c_dd1d);
    let started = Instant::now();
    let count = applicants / 4;
    let mut batch = Vec::with_capacity(5_000);
    for n in 0..count {
        let family = dice.pick(FAMILY);
        batch.push(immcase_search_index::SearchDoc {
            practice_id: practice.to_string(),
            kind: "module:helpdesk".into(),
            id: format!("t{n}"),
            title: format!("[TKT{n:03}] Biometrics letter for {family}"),
            subtitle: String::new(),
            link: format!("/m/helpdesk/tickets/t{n}"),
            fields: vec![
                (
                    "module.title".into(),
                    format!("[TKT{n:03}] Biometrics letter for {family}"),
                ),
                (
                    "module.text".into(),
                    format!("The applicant {family} asks which office to go to"),
                ),
            ],
        });
        if batch.len() == 5_000 || n + 1 == count {
            state.search.index.put(&batch).unwrap();
            batch.clear();
        }
    }
    println!(
        "indexed {count} module documents in {:.1} s: {:.0} documents/s",
        started.elapsed().as_secs_f64(),
        count as f64 / started.elapsed().as_secs_f64()
    );
}

/// One query of a kind, and the `LIKE` pattern and column the scan uses.
fn query_of(kind: &str, dice: &mut Dice, stored: &Stored) -> (String, String, &'static str) {
    let family = dice.pick(FAMILY);
    let at =
        |list: &[String], dice: &mut Dice| list[(dice.next() % list.len() as u64) as usize].clone();
    let q = match kind {
        "family name" => family.to_string(),
        "3-letter prefix" => family.chars().take(3).collect(),
        "name with a typo" => {
            let mut chars: Vec<char> = family.chars().collect();
            let at = chars.len() / 2;
            chars[at] = 'x';
            chars.into_iter().collect()
        }
        "given + family" => format!("{} {family}", dice.pick(GIVEN)),
        "phone digits" => at(&stored.phones, dice)[5..].to_string(),
        "folio" => at(&stored.folios, dice),
        _ => at(&stored.emails, dice),
    };
    let column = match kind {
        "phone digits" => "phones",
        "folio" => "folio",
        "email" => "emails",
        _ => "names",
    };
    let pattern = format!(
        "%{}%",
        q.split_whitespace().last().unwrap_or("").to_lowercase()
    );
    (q, pattern, column)
}

/// p50 and p99 of some times.
fn spread(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (percentile(times, 0.5), percentile(times, 0.99))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let applicants = applicants_wanted();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.admin_password = Some("a long benchmark passphrase".into());
    let state = immcase_host::open(config).await.unwrap();
    immcase_host::bootstrap(&state).await.unwrap();
    let practice = state.practice_by_slug("default").await.unwrap().unwrap();
    let stored = store(&state, practice.id(), applicants).await;

    let started = Instant::now();
    let indexed = feed::rebuild(&state).await.unwrap();
    let took = started.elapsed();
    let documents = indexed + applicants.div_ceil(2) + applicants / 2;
    println!(
        "rebuilt the index of {documents} records ({indexed} applicants) in {:.1} s: {:.0} documents/s",
        took.as_secs_f64(),
        documents as f64 / took.as_secs_f64()
    );
    module_documents(&state, practice.id(), applicants);

    let mut dice = Dice(0x1234_5678_9abc_def1);
    let keys: Vec<&str> = FIELD_KEYS.to_vec();
    let mut all_index = Vec::new();
    let mut all_like = Vec::new();
    println!(
        "{} queries over {applicants} applicants (p50 / p99, µs):",
        PER_KIND * KINDS.len()
    );
    println!(
        "  {:<18} {:>9} {:>9}   {:>9} {:>9}   {:>7} {:>7}   hits index / LIKE",
        "kind", "index p50", "p99", "LIKE p50", "p99", "p50 ×", "p99 ×"
    );
    for kind in KINDS {
        let queries: Vec<_> = (0..PER_KIND)
            .map(|_| query_of(kind, &mut dice, &stored))
            .collect();
        let (mut index_times, mut like_times) = (Vec::new(), Vec::new());
        let (mut found_index, mut found_like) = (0usize, 0usize);
        for (q, _, _) in &queries {
            let started = Instant::now();
            let hits = state
                .search
                .index
                .search(practice.id(), q, &keys, None, 20)
                .unwrap();
            index_times.push(started.elapsed());
            found_index += usize::from(!hits.is_empty());
        }
        for (_, pattern, column) in &queries {
            let sql = match *column {
                "folio" => {
                    "SELECT id FROM cases WHERE practice_id = $1 AND deleted_at IS NULL \
                            AND LOWER(folio) LIKE $2 LIMIT 20"
                }
                "phones" => {
                    "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
                             AND phones LIKE $2 LIMIT 20"
                }
                "emails" => {
                    "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL \
                             AND LOWER(emails) LIKE $2 LIMIT 20"
                }
                _ => {
                    "SELECT id FROM applicants WHERE practice_id = $1 AND deleted_at IS NULL AND \
                      (LOWER(given_name) LIKE $2 OR LOWER(family_name) LIKE $2 OR LOWER(emails) LIKE $2 \
                       OR phones LIKE $2 OR LOWER(passport_number) LIKE $2) LIMIT 20"
                }
            };
            let started = Instant::now();
            let rows: Vec<String> = sqlx::query_scalar(sql)
                .bind(practice.id())
                .bind(pattern)
                .fetch_all(state.db.pool())
                .await
                .unwrap();
            like_times.push(started.elapsed());
            found_like += usize::from(!rows.is_empty());
        }
        all_index.extend_from_slice(&index_times);
        all_like.extend_from_slice(&like_times);
        print_row(
            kind,
            &mut index_times,
            &mut like_times,
            (found_index, found_like),
        );
    }
    print_row("all", &mut all_index, &mut all_like, (0, 0));
    longest_queries(&state, practice.id(), &keys, &mut dice);
    state.db.close().await;
}

/// The costliest query a search accepts (200 characters: eight words of 24
/// letters, each of which may carry typos) next to one family name, the
/// baseline of the same run: what bounding a search's words is for.
fn longest_queries(
    state: &immcase_host::state::AppState,
    practice_id: &str,
    keys: &[&str],
    dice: &mut Dice,
) {
    let time = |query: &str| {
        let started = Instant::now();
        state
            .search
            .index
            .search(practice_id, query, keys, None, 20)
            .unwrap();
        started.elapsed()
    };
    let word = |dice: &mut Dice| {
        let mut word: String = dice.pick(FAMILY).to_lowercase();
        while word.chars().count() < 24 {
            word.push_str(&dice.pick(GIVEN).to_lowercase());
        }
        word.chars().take(24).collect::<String>()
    };
    let (mut short, mut long) = (Vec::new(), Vec::new());
    for _ in 0..PER_KIND {
        short.push(time(dice.pick(FAMILY)));
        let query = (0..8).map(|_| word(dice)).collect::<Vec<_>>().join(" ");
        long.push(time(&query));
    }
    let ((s50, s99), (l50, l99)) = (spread(&mut short), spread(&mut long));
    println!(
        "the longest accepted query (8 words of 24 letters) against one family name (p50 / p99, µs): \
         {:.0} / {:.0} against {:.0} / {:.0}: {:.1}x / {:.1}x",
        micros(l50),
        micros(l99),
        micros(s50),
        micros(s99),
        l50.as_secs_f64() / s50.as_secs_f64(),
        l99.as_secs_f64() / s99.as_secs_f64(),
    );
}

fn print_row(kind: &str, index: &mut [Duration], like: &mut [Duration], hits: (usize, usize)) {
    let ((i50, i99), (l50, l99)) = (spread(index), spread(like));
    let found = if kind == "all" {
        String::new()
    } else {
        format!("{} / {}", hits.0, hits.1)
    };
    println!(
        "  {kind:<18} {:>9.0} {:>9.0}   {:>9.0} {:>9.0}   {:>6.1}x {:>6.1}x   {found}",
        micros(i50),
        micros(i99),
        micros(l50),
        micros(l99),
        l50.as_secs_f64() / i50.as_secs_f64(),
        l99.as_secs_f64() / i99.as_secs_f64(),
    );
}
