//! The search index: one tantivy index holding the documents of every
//! practice.
//!
//! - Every document carries its practice, and [`SearchIndex::search`] always
//!   requires that practice (a `MUST` term query on an untokenized field), so a
//!   search never sees another practice's documents.
//! - Every searchable text is indexed under a field key from [`FIELD_KEYS`],
//!   each key being its own tantivy field. A search names the keys the caller
//!   may read and queries only those fields, so a hidden field (a passport
//!   number, say) can never match, not even by prefix or typo.
//! - Title, subtitle and link are stored for display and never searched: put
//!   in them only what every reader of that kind of record may see.
//!
//! The calls block (tantivy writes files and runs its own threads); from async
//! code call them inside `spawn_blocking`.
//!
//! # Why one tantivy field per key
//!
//! The alternative, one text field whose tokens carry their key as a prefix
//! (`applicant.passport_number:ab123456`), makes typo matching unsafe: an edit
//! distance counted over the whole token can spend its edits on the key. With a
//! field per key, the set of fields a query touches *is* the set of allowed
//! keys. The list of keys is short and fixed (modules use `module.title` and
//! `module.text`), and an unknown key is refused rather than silently dropped.
//!
//! # Matching
//!
//! Text is split at every character that is not a letter or a digit, lower-cased
//! and folded to ASCII (`García` → `garcia`); the query goes through the same
//! chain. Every query term must match (AND), in any allowed field, in one of
//! three ways, scored so that exact matches rank first: the exact term (3), a
//! term it is a prefix of (2), or a term one typo away (1; two typos for terms
//! of 8+ characters, a transposition counting as one). A document's score is
//! the sum, over the query terms, of each term's best match.
//!
//! Terms containing a digit are matched exactly or as a prefix, never with a
//! typo: a phone or passport number one digit away is someone else's; nor
//! are the terms of a query holding an `@` (an email address).
//!
//! # Cost
//!
//! A search costs about what it returns, not what the practice holds:
//!
//! - Each token is indexed with its prefixes of 2 to 16 characters, marked
//!   so they never match as whole terms (`garcia` also as `␂ga`, `␂gar`, …,
//!   `␂garcia`). A prefix is one term's postings, read lazily, instead of a
//!   walk over every term of the dictionary that starts with it, whose
//!   postings would all be gathered first. Not in phones and passport
//!   numbers: with their suffixes, their prefixes would be every substring;
//!   there a run of digits walks the dictionary, and matches few terms.
//! - The search goes in steps and stops as soon as it has enough: documents
//!   where every term matches exactly; then, if fewer than asked, exactly or
//!   as a prefix; then, for words only, also with a typo (the only step that
//!   walks the dictionary, with a Levenshtein automaton). Each step reads its
//!   matches in index order and stops after the first few per hit asked for
//!   (four per hit), which are then ordered by score.
//! - The practice and kind filters are part of the same query, so documents
//!   of other practices are skipped while reading, never scored.
//!
//! # Phones, passports and emails
//!
//! A phone (`+1 (416) 555-0100`) is indexed as written, plus its digits as one
//! token (`14165550100`) and every suffix of those digits of 4 or more
//! (`4165550100`, …, `0100`). As every term also matches as a prefix, any run
//! of digits from the number finds it (`5550100`, `416555`). Several phones in
//! one text may be separated by `,`, `;`, `/` or new lines. Passport numbers
//! get the same treatment over their letters and digits (`AB-123 456` also as
//! `ab123456`, `b123456`, …). `@` and `.` split an email into the local
//! part's pieces and the domain's labels, found like any words; each address
//! is also indexed whole, as one token of its letters and digits
//! (`anagarciaexamplecom`), and a query that is one whole address looks that
//! up first: found, it is the answer (without it, the common pieces
//! `example` and `com` would be matched against every address).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::OpenDirectoryError;
use tantivy::indexer::LogMergePolicy;

use tantivy::query::{BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, TERMINATED,
    TantivyDocument, Term,
};

use text::{
    PREFIXES_WALKED, Reach, Searched, folding_analyzer, indexed_text, indexed_tokens,
    may_have_typos, query_terms, term_query, typo_distance, whole_address,
};

/// The field keys a document may be searched by. Field rules (what a role may
/// see) are written in these keys, and [`SearchIndex::search`] takes the ones
/// the caller may read.
pub const FIELD_KEYS: &[&str] = &[
    "applicant.given_name",
    "applicant.family_name",
    "applicant.other_names",
    "applicant.emails",
    "applicant.phones",
    "applicant.passport_number",
    "case.folio",
    "case.program",
    "case.applicant_name",
    "file.name",
    "module.title",
    "module.text",
];

/// Keys matched exactly or by prefix but never with a typo: an address or a
/// number one character off is someone else's. (Skipping their typo
/// automata also makes every search cheaper.)
const NO_TYPO_KEYS: &[&str] = &[
    "applicant.emails",
    "applicant.phones",
    "applicant.passport_number",
    "case.folio",
];

/// Whether `key` is one of [`FIELD_KEYS`].
pub fn is_field_key(key: &str) -> bool {
    FIELD_KEYS.contains(&key)
}

/// The fewest characters a folded query may have.
pub const MIN_QUERY_CHARS: usize = 2;
/// The most hits one search may ask for.
pub const MAX_LIMIT: usize = 100;
/// Query terms past this many are ignored, which bounds the cost of a search.
pub const MAX_QUERY_TERMS: usize = 8;
/// The longest query, in characters; a longer one is refused.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many terms of a query are matched with typos (the first
/// ones that may have any), since each costs an automaton per field.
pub const MAX_TYPO_TERMS: usize = 3;
/// Past the exact matches, a search reads this many candidates per hit it
/// returns and keeps the best scored of them.
const CANDIDATES_PER_HIT: usize = 4;

const TOKENIZER: &str = "immcase_folded";
const WRITER_MEMORY_PER_THREAD: usize = 32_000_000;
const MAX_WRITER_THREADS: usize = 4;

/// Segments under this many documents are merged as one level. Each
/// small commit of a busy server adds a segment, and every eighth merges
/// its level whole: tantivy's default (10,000) had every one of those
/// merges rewrite a segment of up to 17,000 documents, so merging took a
/// growing share of the processor as the index filled. With 1,000 the
/// small segments merge among themselves and larger ones by size.
const MIN_MERGE_LAYER: u32 = 1_000;

/// The share of deleted documents (replaced by changes) a segment may
/// hold before its level is merged and they are dropped.
const DELETED_BEFORE_MERGE: f32 = 0.3;
/// Separates practice, kind and id in the upsert key; none of the three may
/// contain it (practice and kind are checked, and the id comes last).
const KEY_SEPARATOR: char = '\u{1f}';

impl SearchError {
    /// Whether another process (a running server) holds the index's writer
    /// lock: the index is not damaged, and must not be set aside.
    pub fn is_in_use(&self) -> bool {
        matches!(
            self,
            SearchError::Index(tantivy::TantivyError::LockFailure(..))
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("creating the search index directory {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("opening the search index directory {}", path.display())]
    OpenDir {
        path: PathBuf,
        #[source]
        source: OpenDirectoryError,
    },
    #[error("search index failure")]
    Index(#[from] tantivy::TantivyError),
    #[error("`{0}` is not a search field key")]
    UnknownKey(String),
    #[error("`{0}` is not a search document kind")]
    InvalidKind(String),
    #[error("`{0}` is not a valid practice id")]
    InvalidPractice(String),
    #[error("a search document needs an id")]
    MissingId,
    #[error("type at least {MIN_QUERY_CHARS} letters or digits to search")]
    QueryTooShort,
    #[error("a search is at most {MAX_QUERY_CHARS} characters")]
    QueryTooLong,
    #[error("a search returns between 1 and {MAX_LIMIT} results, not {0}")]
    InvalidLimit(usize),
}

/// A record as global search sees it. `(practice_id, kind, id)` identifies it:
/// putting it again replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub practice_id: String,
    /// `applicant`, `case`, `file`, or `module:{id}` for a module's documents.
    pub kind: String,
    pub id: String,
    /// Shown in results, never searched.
    pub title: String,
    /// Shown in results, never searched.
    pub subtitle: String,
    /// Where a result leads, e.g. `/applicants/{id}`.
    pub link: String,
    /// `(key, text)` pairs, the key from [`FIELD_KEYS`]. A key may appear more
    /// than once (one email each, say).
    pub fields: Vec<(String, String)>,
}

/// One search result, best first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub link: String,
    pub score: f32,
}

/// The global search index. Share it (it is `Send + Sync`); writes are
/// serialized on the one tantivy writer, searches run alongside them and see
/// every write that has returned.
pub struct SearchIndex {
    fields: Fields,
    /// Tantivy allows one writer per index; every write commits before it
    /// returns the lock.
    writer: Mutex<IndexWriter>,
    /// Reloaded after each commit, so a search sees what was just written,
    /// and after the writer's merges.
    reader: IndexReader,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if
    /// missing. An index written with another schema is refused: delete the
    /// directory and rebuild it.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let directory = MmapDirectory::open(dir).map_err(|source| SearchError::OpenDir {
            path: dir.to_owned(),
            source,
        })?;
        let index = Index::open_or_create(directory, schema())?;
        SearchIndex::over(index)
    }

    /// An index in memory, for tests.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        SearchIndex::over(Index::create_in_ram(schema()))
    }

    fn over(index: Index) -> Result<SearchIndex, SearchError> {
        index.tokenizers().register(TOKENIZER, folding_analyzer());
        let fields = Fields::of(&index.schema())?;
        // Several indexing threads, each with its own memory budget: a
        // rebuild adds documents faster than one thread indexes them.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_WRITER_THREADS);
        let writer: IndexWriter =
            index.writer_with_num_threads(threads, WRITER_MEMORY_PER_THREAD * threads)?;
        let mut merges = LogMergePolicy::default();
        merges.set_min_layer_size(MIN_MERGE_LAYER);
        merges.set_del_docs_ratio_before_merge(DELETED_BEFORE_MERGE);
        writer.set_merge_policy(Box::new(merges));
        let reader = index
            .reader_builder()
            // Reloaded after each write (so a search sees it), and when
            // the writer's background merges replace segments, so searches
            // read few large segments rather than the many a rebuild leaves.
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(SearchIndex {
            fields,
            writer: Mutex::new(writer),
            reader,
        })
    }

    /// Adds or replaces `docs`, in one commit. Every document is checked
    /// first: if one is refused, none is written.
    pub fn put(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.apply(docs, &[])
    }

    /// Adds or replaces `put` and removes the documents `gone` (practice,
    /// kind, id), in one commit: a batch of changes costs one commit, not
    /// one per removal. Every document is checked first: if one is refused,
    /// nothing is written.
    pub fn apply(
        &self,
        put: &[SearchDoc],
        gone: &[(String, String, String)],
    ) -> Result<(), SearchError> {
        let prepared = put
            .iter()
            .map(|doc| self.prepare(doc))
            .collect::<Result<Vec<_>, _>>()?;
        let removed = gone
            .iter()
            .map(|(practice_id, kind, id)| self.key_of(practice_id, kind, id))
            .collect::<Result<Vec<_>, _>>()?;
        self.write(|writer| {
            for key in removed {
                writer.delete_term(key);
            }
            for (key, doc) in prepared {
                writer.delete_term(key);
                writer.add_document(doc)?;
            }
            Ok(())
        })
    }

    /// Adds or replaces `docs` without committing them: they are written,
    /// and found, at the next commit ([`SearchIndex::commit`], or any other
    /// write). For rebuilding in bulk, where a commit per batch would cost
    /// more than the batch. Every document is checked first: if one is
    /// refused, none is added.
    pub fn add(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.add_replacing(docs, true)
    }

    /// [`SearchIndex::add`] for documents known not to be in the index (a
    /// rebuild after [`SearchIndex::clear`]): nothing is looked for to be
    /// replaced, which saves a deletion per document at the commit.
    pub fn add_new(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.add_replacing(docs, false)
    }

    fn add_replacing(&self, docs: &[SearchDoc], replacing: bool) -> Result<(), SearchError> {
        let prepared = docs
            .iter()
            .map(|doc| self.prepare(doc))
            .collect::<Result<Vec<_>, _>>()?;
        let writer = self.lock_writer()?;
        for (key, doc) in prepared {
            if replacing {
                writer.delete_term(key);
            }
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Commits what [`SearchIndex::add`] added, and makes it visible.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.write(|_| Ok(()))
    }

    /// Removes one document, if it is there.
    pub fn remove(&self, practice_id: &str, kind: &str, id: &str) -> Result<(), SearchError> {
        let key = self.key_of(practice_id, kind, id)?;
        self.write(|writer| {
            writer.delete_term(key);
            Ok(())
        })
    }

    /// The term naming one document, for removing it.
    fn key_of(&self, practice_id: &str, kind: &str, id: &str) -> Result<Term, SearchError> {
        check_practice(practice_id)?;
        check_kind(kind)?;
        Ok(Term::from_field_text(
            self.fields.doc_key,
            &doc_key(practice_id, kind, id),
        ))
    }

    /// Removes every document of a practice.
    pub fn remove_practice(&self, practice_id: &str) -> Result<(), SearchError> {
        check_practice(practice_id)?;
        let practice = Term::from_field_text(self.fields.practice, practice_id);
        self.write(|writer| {
            writer.delete_term(practice);
            Ok(())
        })
    }

    /// Removes every document, before a rebuild.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.write(|writer| writer.delete_all_documents().map(drop))
    }

    /// The documents of `practice_id` whose allowed fields match every term
    /// of `query`, best first, at most `limit` (1 to [`MAX_LIMIT`]).
    ///
    /// `allowed_keys` are the field keys the caller may read (no keys, no
    /// results); `kinds`, when given, keeps only documents of those kinds.
    pub fn search(
        &self,
        practice_id: &str,
        query: &str,
        allowed_keys: &[&str],
        kinds: Option<&[&str]>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        check_practice(practice_id)?;
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(SearchError::InvalidLimit(limit));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong);
        }
        let terms = query_terms(query);
        if terms.iter().map(|t| t.chars().count()).sum::<usize>() < MIN_QUERY_CHARS {
            return Err(SearchError::QueryTooShort);
        }
        let fields = allowed_keys
            .iter()
            .map(|key| {
                self.fields
                    .key(key)
                    .map(|field| Searched {
                        field,
                        typos: !NO_TYPO_KEYS.contains(key),
                        marked_prefixes: !PREFIXES_WALKED.contains(key),
                    })
                    .ok_or_else(|| SearchError::UnknownKey((*key).to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if fields.is_empty() || kinds.is_some_and(|k| k.is_empty()) {
            return Ok(Vec::new());
        }

        let practice = TermQuery::new(
            Term::from_field_text(self.fields.practice, practice_id),
            IndexRecordOption::Basic,
        );
        let mut filters: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, filter(practice))];
        if let Some(kinds) = kinds {
            let any_kind = kinds
                .iter()
                .map(|kind| {
                    let term = Term::from_field_text(self.fields.kind, kind);
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>
                })
                .collect();
            filters.push((Occur::Must, filter(BooleanQuery::union(any_kind))));
        }
        // Exact matches first; prefixes only if they are too few; typos
        // only then, and only for words.
        let mut reaches = vec![Reach::Exact, Reach::Prefix];
        if may_have_typos(query, &terms) {
            reaches.push(Reach::Typo);
        }
        let searcher = self.reader.searcher();
        let mut found: Vec<(Score, DocAddress)> = Vec::new();
        // A whole address is one term: when it is found, that is the answer.
        if let Some(address) = whole_address(query) {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters
                .iter()
                .map(|(occur, query)| (*occur, query.box_clone()))
                .collect();
            let whole = term_query(&address, &fields, Reach::Exact);
            clauses.push((Occur::Must, Box::new(whole)));
            first_matches(&searcher, &BooleanQuery::new(clauses), limit, &mut found)?;
            if !found.is_empty() {
                reaches.clear();
            }
        }
        for reach in reaches {
            if found.len() >= limit {
                break;
            }
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = filters
                .iter()
                .map(|(occur, query)| (*occur, query.box_clone()))
                .collect();
            let mut typo_terms = 0;
            for term in &terms {
                // Past the first few terms that may carry typos, terms are
                // matched exactly or as prefixes.
                let reach = if reach == Reach::Typo && typo_terms >= MAX_TYPO_TERMS {
                    Reach::Prefix
                } else {
                    reach
                };
                typo_terms += usize::from(reach == Reach::Typo && typo_distance(term) > 0);
                clauses.push((Occur::Must, Box::new(term_query(term, &fields, reach))));
            }
            let wanted = if reach == Reach::Exact {
                limit
            } else {
                limit * CANDIDATES_PER_HIT
            };
            first_matches(&searcher, &BooleanQuery::new(clauses), wanted, &mut found)?;
        }
        // Best first; among equals, the order they were found in.
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        found.truncate(limit);
        found
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field: Field| {
                    doc.get_first(field)
                        .and_then(|value| value.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                Ok(Hit {
                    kind: text(self.fields.kind),
                    id: text(self.fields.id),
                    title: text(self.fields.title),
                    subtitle: text(self.fields.subtitle),
                    link: text(self.fields.link),
                    score,
                })
            })
            .collect()
    }

    /// Checks `doc` and turns it into its upsert key and tantivy document.
    fn prepare(&self, doc: &SearchDoc) -> Result<(Term, TantivyDocument), SearchError> {
        check_practice(&doc.practice_id)?;
        check_kind(&doc.kind)?;
        if doc.id.is_empty() {
            return Err(SearchError::MissingId);
        }
        let key = doc_key(&doc.practice_id, &doc.kind, &doc.id);
        let mut out = TantivyDocument::new();
        out.add_text(self.fields.practice, &doc.practice_id);
        out.add_text(self.fields.kind, &doc.kind);
        out.add_text(self.fields.doc_key, &key);
        out.add_text(self.fields.id, &doc.id);
        out.add_text(self.fields.title, &doc.title);
        out.add_text(self.fields.subtitle, &doc.subtitle);
        out.add_text(self.fields.link, &doc.link);
        for (key, text) in &doc.fields {
            let field = self
                .fields
                .key(key)
                .ok_or_else(|| SearchError::UnknownKey(key.clone()))?;
            out.add_pre_tokenized_text(field, indexed_tokens(key, indexed_text(key, text)));
        }
        Ok((Term::from_field_text(self.fields.doc_key, &key), out))
    }

    /// Runs `change` on the writer and commits it, or rolls it back if it
    /// failed; then makes the result visible to searches.
    fn write(
        &self,
        change: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer()?;
        if let Err(e) = change(&mut writer) {
            writer.rollback()?;
            return Err(e.into());
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The writer. If a thread panicked while holding it, what that thread
    /// left uncommitted is rolled back rather than committed by the next write.
    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                writer.rollback()?;
                self.writer.clear_poison();
                Ok(writer)
            }
        }
    }
}

/// The tantivy fields, looked up once.
struct Fields {
    /// The practice id, untokenized: the mandatory filter.
    practice: Field,
    /// The kind, untokenized and stored: the kinds filter and the hit's kind.
    kind: Field,
    /// `practice␟kind␟id`, untokenized: what an upsert or a removal deletes.
    doc_key: Field,
    id: Field,
    title: Field,
    subtitle: Field,
    link: Field,
    /// One per entry of [`FIELD_KEYS`], in the same order, named by the key.
    keys: Vec<Field>,
}

impl Fields {
    fn of(schema: &Schema) -> tantivy::Result<Fields> {
        Ok(Fields {
            practice: schema.get_field("practice")?,
            kind: schema.get_field("kind")?,
            doc_key: schema.get_field("doc_key")?,
            id: schema.get_field("id")?,
            title: schema.get_field("title")?,
            subtitle: schema.get_field("subtitle")?,
            link: schema.get_field("link")?,
            keys: FIELD_KEYS
                .iter()
                .map(|key| schema.get_field(key))
                .collect::<tantivy::Result<_>>()?,
        })
    }

    fn key(&self, key: &str) -> Option<Field> {
        FIELD_KEYS
            .iter()
            .position(|k| *k == key)
            .map(|i| self.keys[i])
    }
}

fn schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_text_field("practice", STRING);
    builder.add_text_field("kind", STRING | STORED);
    builder.add_text_field("doc_key", STRING);
    for name in ["id", "title", "subtitle", "link"] {
        builder.add_text_field(name, STORED);
    }
    // Names what the searchable fields hold (tokens, their marked prefixes,
    // whole addresses): an index written before has another schema, so it
    // is refused when opened and rebuilt.
    builder.add_text_field("format_prefixes_v2", STRING);
    // Matches are scored by kind (exact, prefix, typo), not by frequency:
    // neither term frequencies, positions nor field norms are needed.
    let searchable = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    for key in FIELD_KEYS {
        builder.add_text_field(key, searchable.clone());
    }
    builder.build()
}

/// Adds to `found` the first `wanted` live documents `query` matches that
/// it does not hold yet, with their scores, in index order: the matches
/// are read only as far as needed, never all of them.
fn first_matches(
    searcher: &Searcher,
    query: &dyn Query,
    wanted: usize,
    found: &mut Vec<(Score, DocAddress)>,
) -> Result<(), SearchError> {
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let had: HashSet<DocAddress> = found.iter().map(|(_, address)| *address).collect();
    let mut added = 0;
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let alive = segment.alive_bitset();
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            let address = DocAddress::new(ord, doc);
            if alive.is_none_or(|a| a.is_alive(doc)) && !had.contains(&address) {
                found.push((scorer.score(), address));
                added += 1;
                if added == wanted {
                    return Ok(());
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(())
}

/// A query that only filters: it must match, and adds nothing to the score.
fn filter(query: impl Query) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(Box::new(query), 0.0))
}

fn doc_key(practice_id: &str, kind: &str, id: &str) -> String {
    format!("{practice_id}{KEY_SEPARATOR}{kind}{KEY_SEPARATOR}{id}")
}

fn check_practice(practice_id: &str) -> Result<(), SearchError> {
    if practice_id.is_empty() || practice_id.chars().any(char::is_control) {
        return Err(SearchError::InvalidPractice(practice_id.to_owned()));
    }
    Ok(())
}

/// `applicant`, `case`, `file` or `module:{id}`.
fn check_kind(kind: &str) -> Result<(), SearchError> {
    let valid = match kind.strip_prefix("module:") {
        Some(module) => {
            !module.is_empty()
                && module
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        None => matches!(kind, "applicant" | "case" | "file"),
    };
    if valid {
        Ok(())
    } else {
        Err(SearchError::InvalidKind(kind.to_owned()))
    }
}

#[cfg(test)]
mod tests;
mod text;
