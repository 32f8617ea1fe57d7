use super::*;

fn applicant(practice: &str, id: &str, given: &str, family: &str) -> SearchDoc {
    SearchDoc {
        practice_id: practice.to_owned(),
        kind: "applicant".to_owned(),
        id: id.to_owned(),
        title: format!("{given} {family}"),
        subtitle: String::new(),
        link: format!("/applicants/{id}"),
        fields: vec![
            ("applicant.given_name".to_owned(), given.to_owned()),
            ("applicant.family_name".to_owned(), family.to_owned()),
        ],
    }
}

fn with_field(mut doc: SearchDoc, key: &str, text: &str) -> SearchDoc {
    doc.fields.push((key.to_owned(), text.to_owned()));
    doc
}

fn index_with(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.put(docs).unwrap();
    index
}

/// The ids found in `practice` for `query`, searching every key, best first.
fn find(index: &SearchIndex, practice: &str, query: &str) -> Vec<String> {
    find_in(index, practice, query, FIELD_KEYS, None)
}

fn find_in(
    index: &SearchIndex,
    practice: &str,
    query: &str,
    keys: &[&str],
    kinds: Option<&[&str]>,
) -> Vec<String> {
    index
        .search(practice, query, keys, kinds, 20)
        .unwrap()
        .into_iter()
        .map(|hit| hit.id)
        .collect()
}

fn without(key: &str) -> Vec<&'static str> {
    FIELD_KEYS.iter().copied().filter(|k| *k != key).collect()
}

#[test]
fn each_practice_sees_only_its_own_documents() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("beta", "b1", "María", "García"),
    ]);
    assert_eq!(find(&index, "acme", "garcia"), ["a1"]);
    assert_eq!(find(&index, "beta", "garcia"), ["b1"]);
    assert!(find(&index, "gamma", "garcia").is_empty());
}

#[test]
fn a_hidden_key_is_never_searched() {
    let doc = with_field(
        applicant("acme", "a1", "John", "Smith"),
        "applicant.passport_number",
        "AB-123 456",
    );
    let index = index_with(&[doc]);
    let hidden = without("applicant.passport_number");
    for query in ["AB123456", "ab-123 456", "123456", "ab12345"] {
        assert!(
            find_in(&index, "acme", query, &hidden, None).is_empty(),
            "{query} found through a hidden key"
        );
        assert_eq!(find(&index, "acme", query), ["a1"], "{query}");
    }
    assert_eq!(find_in(&index, "acme", "smith", &hidden, None), ["a1"]);
    assert!(find_in(&index, "acme", "smith", &[], None).is_empty());
}

#[test]
fn a_term_matches_as_a_prefix() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "Ana", "Lopez"),
    ]);
    assert_eq!(find(&index, "acme", "gar"), ["a1"]);
    assert_eq!(find(&index, "acme", "Ma Ga"), ["a1"]);
}

#[test]
fn case_and_accents_are_folded_both_ways() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "Jose", "Nunez"),
    ]);
    assert_eq!(find(&index, "acme", "garcia"), ["a1"]);
    assert_eq!(find(&index, "acme", "GARCÍA"), ["a1"]);
    assert_eq!(find(&index, "acme", "José Núñez"), ["a2"]);
}

#[test]
fn addresses_numbers_and_folios_take_no_typos() {
    let ana = with_field(
        applicant("acme", "a1", "Ana", "Lopes"),
        "applicant.emails",
        "ana.lopes@example.com",
    );
    let ana = with_field(ana, "applicant.passport_number", "GHKLMN");
    let index = index_with(&[ana]);
    assert_eq!(find(&index, "acme", "lopez"), ["a1"], "a name takes a typo");
    assert!(
        find(&index, "acme", "exampel").is_empty(),
        "an address does not"
    );
    assert!(
        find(&index, "acme", "GHKLMX").is_empty(),
        "a passport number does not"
    );
    assert_eq!(find(&index, "acme", "ghkl"), ["a1"], "prefixes still match");
}

#[test]
fn a_small_typo_still_matches() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "John", "Smith"),
        applicant("acme", "a3", "Alexandra", "Papadopoulos"),
    ]);
    assert_eq!(find(&index, "acme", "Garsia"), ["a1"]);
    assert_eq!(
        find(&index, "acme", "Jonh"),
        ["a2"],
        "a transposition is one typo"
    );
    assert_eq!(
        find(&index, "acme", "Papadopulis"),
        ["a3"],
        "two typos from 8"
    );
    assert!(
        find(&index, "acme", "Papadoploos").is_empty(),
        "three typos"
    );
    assert!(
        find(&index, "acme", "Gxrsia").is_empty(),
        "two typos below 8"
    );
    assert!(
        find(&index, "acme", "Smyt").is_empty(),
        "typo and prefix at once"
    );
    assert!(find(&index, "acme", "Jhn").is_empty(), "no typo below 4");
}

#[test]
fn every_term_must_match() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "Maria", "Lopez"),
        applicant("acme", "a3", "José", "Garcia"),
    ]);
    assert_eq!(find(&index, "acme", "maria garcia"), ["a1"]);
    let mut marias = find(&index, "acme", "maria");
    marias.sort();
    assert_eq!(marias, ["a1", "a2"]);
}

#[test]
fn kinds_filter_the_results() {
    let case = SearchDoc {
        practice_id: "acme".to_owned(),
        kind: "case".to_owned(),
        id: "c1".to_owned(),
        title: "2026-0001".to_owned(),
        subtitle: "Express Entry".to_owned(),
        link: "/cases/c1".to_owned(),
        fields: vec![("case.applicant_name".to_owned(), "María García".to_owned())],
    };
    let index = index_with(&[applicant("acme", "a1", "María", "García"), case]);
    assert_eq!(
        find_in(&index, "acme", "garcia", FIELD_KEYS, Some(&["case"])),
        ["c1"]
    );
    assert_eq!(
        find_in(&index, "acme", "garcia", FIELD_KEYS, Some(&["applicant"])),
        ["a1"]
    );
    let mut both = find_in(
        &index,
        "acme",
        "garcia",
        FIELD_KEYS,
        Some(&["case", "applicant"]),
    );
    both.sort();
    assert_eq!(both, ["a1", "c1"]);
    assert_eq!(find(&index, "acme", "garcia").len(), 2);
    assert!(find_in(&index, "acme", "garcia", FIELD_KEYS, Some(&[])).is_empty());
}

#[test]
fn putting_a_document_again_replaces_it() {
    let index = index_with(&[applicant("acme", "a1", "María", "García")]);
    index
        .put(&[applicant("acme", "a1", "María", "Lopez")])
        .unwrap();
    assert!(find(&index, "acme", "garcia").is_empty());
    let hits = index.search("acme", "maria", FIELD_KEYS, None, 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "María Lopez");
}

#[test]
fn the_last_copy_in_one_batch_wins() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a1", "María", "Lopez"),
    ]);
    assert!(find(&index, "acme", "garcia").is_empty());
    assert_eq!(find(&index, "acme", "lopez"), ["a1"]);
}

#[test]
fn the_same_id_in_another_kind_or_practice_is_another_document() {
    let mut file = applicant("acme", "a1", "", "");
    file.kind = "file".to_owned();
    file.fields = vec![("file.name".to_owned(), "garcia-passport.pdf".to_owned())];
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("beta", "a1", "María", "García"),
        file,
    ]);
    let found = |practice: &str| -> Vec<(String, String)> {
        let hits = index
            .search(practice, "garcia", FIELD_KEYS, None, 10)
            .unwrap();
        let mut found: Vec<_> = hits.into_iter().map(|h| (h.kind, h.id)).collect();
        found.sort();
        found
    };
    let pair = |kind: &str| (kind.to_owned(), "a1".to_owned());
    assert_eq!(found("acme"), [pair("applicant"), pair("file")]);
    index.remove("acme", "file", "a1").unwrap();
    assert_eq!(found("acme"), [pair("applicant")]);
    assert_eq!(found("beta"), [pair("applicant")]);
}

#[test]
fn removed_documents_are_no_longer_found() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "José", "García"),
        applicant("beta", "b1", "María", "García"),
    ]);
    index.remove("acme", "applicant", "a1").unwrap();
    assert_eq!(find(&index, "acme", "garcia"), ["a2"]);

    index.remove_practice("acme").unwrap();
    assert!(find(&index, "acme", "garcia").is_empty());
    assert_eq!(find(&index, "beta", "garcia"), ["b1"]);

    index.clear().unwrap();
    assert!(find(&index, "beta", "garcia").is_empty());
}

#[test]
fn a_batch_puts_and_removes_in_one_go() {
    let index = index_with(&[
        applicant("acme", "a1", "María", "García"),
        applicant("acme", "a2", "José", "García"),
    ]);
    let gone = [("acme".to_owned(), "applicant".to_owned(), "a1".to_owned())];
    index
        .apply(&[applicant("acme", "a2", "José", "Garcés")], &gone)
        .unwrap();
    assert!(find(&index, "acme", "garcia").is_empty());
    assert_eq!(find(&index, "acme", "garces"), ["a2"]);

    // A refused document leaves everything as it was, removals too.
    let refused = applicant("", "a3", "Ana", "García");
    let gone = [("acme".to_owned(), "applicant".to_owned(), "a2".to_owned())];
    assert!(index.apply(&[refused], &gone).is_err());
    assert_eq!(find(&index, "acme", "garces"), ["a2"]);
}

#[test]
fn a_phone_is_found_by_any_run_of_its_digits() {
    let doc = with_field(
        applicant("acme", "a1", "John", "Smith"),
        "applicant.phones",
        "+1 (416) 555-0100, +1 647 555 0199",
    );
    let index = index_with(&[doc, applicant("acme", "a2", "Ana", "Lopez")]);
    for query in [
        "5550100",
        "+14165550100",
        "416-555-0100",
        "4165550100",
        "0100",
        "6475550199",
    ] {
        assert_eq!(find(&index, "acme", query), ["a1"], "{query}");
    }
    assert!(
        find(&index, "acme", "5550101").is_empty(),
        "no typos in numbers"
    );
    assert!(
        find(&index, "acme", "4165550199").is_empty(),
        "digits of two phones"
    );
}

#[test]
fn an_email_is_found_whole_or_by_its_parts() {
    let doc = with_field(
        applicant("acme", "a1", "María", "García"),
        "applicant.emails",
        "maria.garcia@example.com",
    );
    let other = with_field(
        applicant("acme", "a2", "Ana", "Lopez"),
        "applicant.emails",
        "ana@lopez.org",
    );
    let index = index_with(&[doc, other]);
    let email_only = ["applicant.emails"];
    for query in [
        "maria.garcia@example.com",
        "maria.garcia",
        "example.com",
        "example",
        "@example.com",
    ] {
        assert_eq!(
            find_in(&index, "acme", query, &email_only, None),
            ["a1"],
            "{query}"
        );
    }
    assert!(find_in(&index, "acme", "other.com", &email_only, None).is_empty());
}

#[test]
fn a_whole_address_finds_its_owner_first_and_a_mistyped_one_still_finds_by_parts() {
    let owner = with_field(
        applicant("acme", "a1", "Ana", "Ruiz"),
        "applicant.emails",
        "ana.ruiz@example.com",
    );
    // Every part of the address, but in another order and address.
    let parts = with_field(
        applicant("acme", "a2", "Ruiz", "Ana"),
        "applicant.emails",
        "ruiz.ana@example.com example@ana.com",
    );
    let index = index_with(&[owner, parts]);
    let keys = ["applicant.emails", "applicant.given_name"];
    assert_eq!(
        find_in(&index, "acme", "Ana.Ruiz@Example.com", &keys, None),
        ["a1"],
        "the address as typed, in any case"
    );
    // Not anyone's whole address: found by its parts, as before.
    let mut by_parts = find_in(&index, "acme", "ana.ruiz@example.org", &keys, None);
    by_parts.sort();
    assert!(by_parts.is_empty(), "{by_parts:?}");
    let mut by_parts = find_in(&index, "acme", "ruiz@example", &keys, None);
    by_parts.sort();
    assert_eq!(by_parts, ["a1", "a2"]);
}

#[test]
fn a_query_is_bounded_in_length_and_in_the_terms_that_take_typos() {
    let long_name = "Wolfeschlegelsteinhausenbergerdorff";
    let index = index_with(&[
        applicant("acme", "a1", "Anna Maria Luisa Alexandra", "Bo"),
        applicant("acme", "a2", long_name, "Jr"),
    ]);
    let long = "a".repeat(MAX_QUERY_CHARS + 1);
    assert!(matches!(
        index.search("acme", &long, FIELD_KEYS, None, 10),
        Err(SearchError::QueryTooLong)
    ));
    let at_most = format!("anna {}", "z".repeat(MAX_QUERY_CHARS - 5));
    assert!(index.search("acme", &at_most, FIELD_KEYS, None, 10).is_ok());
    // A typo in a word among the first that may carry them still finds her...
    assert_eq!(find(&index, "acme", "anna maria alexandro"), ["a1"]);
    // ...(short words do not count)...
    assert_eq!(find(&index, "acme", "bo anna maria alexandro"), ["a1"]);
    // ...but not in a word past them.
    assert!(find(&index, "acme", "anna maria luisa alexandro").is_empty());
    assert_eq!(find(&index, "acme", "anna maria luisa alexandra"), ["a1"]);
    // A word too long to be a name is matched without typos.
    assert_eq!(
        find(&index, "acme", "wolfeschlegelsteinhausenbergerdorff"),
        ["a2"]
    );
    assert!(find(&index, "acme", "wolfeschlegelsteinhausenbergerdorfx").is_empty());
}

#[test]
fn a_query_needs_two_characters() {
    let index = index_with(&[applicant("acme", "a1", "Al", "Bo")]);
    for query in ["", "  ", "a", "É", "!!", "-a-"] {
        assert!(
            matches!(
                index.search("acme", query, FIELD_KEYS, None, 10),
                Err(SearchError::QueryTooShort)
            ),
            "{query:?}"
        );
    }
    assert_eq!(find(&index, "acme", "al"), ["a1"]);
    assert_eq!(find(&index, "acme", "a b"), ["a1"]);
}

#[test]
fn exact_matches_rank_above_prefix_and_typo_matches() {
    let index = index_with(&[
        applicant("acme", "typo", "Jon", "Smith"),
        applicant("acme", "prefix", "Johnson", "Smith"),
        applicant("acme", "exact", "John", "Smith"),
    ]);
    let hits = index
        .search("acme", "john smith", FIELD_KEYS, None, 10)
        .unwrap();
    let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["exact", "prefix", "typo"]);
    assert!(hits[0].score > hits[1].score && hits[1].score > hits[2].score);
}

#[test]
fn a_hit_carries_what_to_show() {
    let doc = SearchDoc {
        practice_id: "acme".to_owned(),
        kind: "module:helpdesk".to_owned(),
        id: "t-42".to_owned(),
        title: "Ticket 42".to_owned(),
        subtitle: "Open".to_owned(),
        link: "/m/helpdesk/tickets/t-42".to_owned(),
        fields: vec![
            ("module.title".to_owned(), "Visa refused".to_owned()),
            (
                "module.text".to_owned(),
                "The applicant asks why".to_owned(),
            ),
        ],
    };
    let index = index_with(&[doc]);
    let hits = index
        .search("acme", "visa", FIELD_KEYS, Some(&["module:helpdesk"]), 5)
        .unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(
        (hit.kind.as_str(), hit.id.as_str(), hit.title.as_str()),
        ("module:helpdesk", "t-42", "Ticket 42")
    );
    assert_eq!(hit.subtitle, "Open");
    assert_eq!(hit.link, "/m/helpdesk/tickets/t-42");
    assert!(hit.score > 0.0);
    assert!(
        find(&index, "acme", "ticket").is_empty(),
        "titles are not searched"
    );
}

#[test]
fn the_limit_is_between_one_and_a_hundred() {
    let docs: Vec<SearchDoc> = (0..5)
        .map(|i| applicant("acme", &format!("a{i}"), "María", "García"))
        .collect();
    let index = index_with(&docs);
    for limit in [0, MAX_LIMIT + 1] {
        assert!(matches!(
            index.search("acme", "garcia", FIELD_KEYS, None, limit),
            Err(SearchError::InvalidLimit(l)) if l == limit
        ));
    }
    let hits = index.search("acme", "garcia", FIELD_KEYS, None, 3).unwrap();
    assert_eq!(hits.len(), 3);
}

#[test]
fn unknown_keys_and_kinds_are_refused_and_nothing_is_written() {
    let index = SearchIndex::in_memory().unwrap();
    let good = applicant("acme", "a1", "María", "García");
    let bad_key = with_field(
        applicant("acme", "a2", "José", "García"),
        "applicant.notes",
        "x",
    );
    assert!(matches!(
        index.put(&[good.clone(), bad_key]),
        Err(SearchError::UnknownKey(key)) if key == "applicant.notes"
    ));
    assert!(find(&index, "acme", "garcia").is_empty());

    for kind in ["ticket", "module:", "module:a b", ""] {
        let mut doc = good.clone();
        doc.kind = kind.to_owned();
        assert!(
            matches!(index.put(&[doc]), Err(SearchError::InvalidKind(_))),
            "{kind:?}"
        );
    }
    let mut no_practice = good.clone();
    no_practice.practice_id = String::new();
    assert!(matches!(
        index.put(&[no_practice]),
        Err(SearchError::InvalidPractice(_))
    ));
    let mut no_id = good;
    no_id.id = String::new();
    assert!(matches!(index.put(&[no_id]), Err(SearchError::MissingId)));

    assert!(matches!(
        index.search("acme", "garcia", &["applicant.notes"], None, 10),
        Err(SearchError::UnknownKey(_))
    ));
}

#[test]
fn an_index_on_disk_keeps_its_documents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        index
            .put(&[applicant("acme", "a1", "María", "García")])
            .unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(find(&index, "acme", "garcia"), ["a1"]);
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<SearchIndex>();
}
