//! Golden vectors, computed by hand from DESIGN.md §3 with the reference in
//! `tests/reference/compute_artifact_hash.py` (the earlier system's
//! algorithm), plus property tests of the invariants.

use proptest::prelude::*;

use super::*;

/// Tree in, expected hash out.
fn check(files: &[(&str, &str)], expected: &str) {
    let mut t = TreeHasher::new();
    for (path, content) in files {
        t.add_file(path, content.as_bytes()).expect("a valid path");
    }
    let got = t.finish().map(|d| d.content_hash.to_hex());
    assert_eq!(got.as_deref(), Ok(expected), "{files:?}");
}

const NESTED: &[(&str, &str)] = &[("a/b/c.txt", "c\n"), ("a/d.txt", "d\n"), ("e.md", "e\n")];
const NESTED_HASH: &str = "dcb7cb55895e9483db156dff7e6f0b287db77fa083abb113e3a90ec10c3b5fc9";

#[test]
fn bytes() {
    assert_eq!(
        hash_bytes(b"").to_hex(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hash_bytes(b"hello\n").to_hex(),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
}

#[test]
fn golden_trees() {
    // An empty directory hashes to SHA-256 of nothing.
    check(
        &[],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    // One record: "a\0e3b0…b855\n".
    check(
        &[("a", "")],
        "84a0bc84a8906a8501a34e9aedb06be93452d06bc32b71d61f0b334cd5559d9b",
    );
    check(
        &[("SKILL.md", "# Skill\n")],
        "9df4a33b94d07165266d79a3c047887e57046e860ec5af63e434fb912eb72768",
    );
    check(NESTED, NESTED_HASH);
    check(
        &[
            ("skills/café/SKILL.md", "café\n"),
            ("docs/日本語.md", "日本\n"),
            ("emoji/🦀.txt", "crab\n"),
        ],
        "dea88efbaa4d94036424b9730d5d7ebef956dd32f5810d59ab0d30d7e296a1e9",
    );
    // Byte order: "A" < "a-b" < "a.b" < "a/b" < "a_b" < "z" < "é".
    check(
        &[
            ("z", "7"),
            ("a/b", "2"),
            ("é", "6"),
            ("a-b", "1"),
            ("a.b", "3"),
            ("a_b", "4"),
            ("A", "5"),
        ],
        "757e34cc6c0c24481c98ceea82f45a0312198f24990e5ab7b789cdc0bb1da8bb",
    );
    // Whole-path order, not per-component: "foo-bar/baz" < "foo.txt" < "foo/bar".
    check(
        &[("foo/bar", "1"), ("foo-bar/baz", "2"), ("foo.txt", "3")],
        "ad5bf2d51e26c44700e0fc17fac29dfff1663817427ca68a59c0edf78866d787",
    );
}

#[test]
fn excluded_names_at_every_depth_do_not_count() {
    let mut files = NESTED.to_vec();
    files.extend([
        (".git/config", "x"),
        ("a/node_modules/x.js", "x"),
        ("a/b/__pycache__/m.pyc", "x"),
        ("a/.DS_Store", "x"),
        ("a/b/c.txt.swp", "x"),
        ("notes.tmp", "x"),
        ("~$doc.docx", "x"),
        (".#lock", "x"),
        ("backup~", "x"),
        ("dist/out.js", "x"),
        ("x/build/y", "x"),
        (".gitkeep", ""),
        ("a/venv/bin/python", "x"),
        ("a/.venv/x", "x"),
        (".tox/x", "x"),
        (".mypy_cache/x", "x"),
        (".pytest_cache/x", "x"),
        (".ruff_cache/x", "x"),
        ("Thumbs.db", "x"),
        ("a/b.swo", "x"),
    ]);
    check(&files, NESTED_HASH);
}

#[test]
fn streaming_equals_whole_files() {
    let mut t = TreeHasher::new();
    for (path, content) in NESTED {
        assert_eq!(t.begin_file(path), Ok(true));
        for chunk in content.as_bytes().chunks(1) {
            assert_eq!(t.update(chunk), Ok(()));
        }
        assert_eq!(t.finish_file(), Ok(()));
    }
    assert_eq!(t.begin_file("node_modules/big.js"), Ok(false));
    assert_eq!(t.update(b"ignored"), Ok(()));
    assert_eq!(t.finish_file(), Ok(()));
    let d = t.finish().ok();
    assert_eq!(
        d.map(|d| (d.content_hash.to_hex(), d.files)),
        Some((NESTED_HASH.to_owned(), 3))
    );
}

#[test]
fn misuse_and_bad_paths_are_errors() {
    let mut t = TreeHasher::new();
    assert_eq!(
        t.update(b"x"),
        Err(Error::HasherState(
            "update() called with no open file; call beginFile first"
        ))
    );
    assert_eq!(
        t.finish_file(),
        Err(Error::HasherState("finishFile() called with no open file"))
    );
    assert!(matches!(
        t.add_file("../x", b""),
        Err(Error::InvalidPath { .. })
    ));
    assert!(matches!(
        t.add_file("/abs", b""),
        Err(Error::InvalidPath { .. })
    ));
    assert_eq!(t.begin_file("a"), Ok(true));
    assert!(matches!(t.add_file("b", b""), Err(Error::HasherState(_))));
    assert_eq!(t.finish_file(), Ok(()));
    assert_eq!(t.add_file("a", b"again"), Ok(true));
    assert_eq!(t.finish(), Err(Error::DuplicatePath("a".into())));
}

#[test]
fn content_hash_text_forms() {
    let h = hash_bytes(b"");
    assert_eq!(h.to_hex().parse::<ContentHash>(), Ok(h));
    assert_eq!(h.to_prefixed().parse::<ContentHash>(), Ok(h));
    assert_eq!(h.short(), "e3b0c44298fc");
    assert!("E3B0".parse::<ContentHash>().is_err());
    assert!("zz".repeat(32).parse::<ContentHash>().is_err());
    assert_eq!(serde_json::to_string(&h).ok(), Some(format!("\"{h}\"")));
}

fn tree_strategy() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = "[a-zA-Z0-9_.é-]{1,6}".prop_filter("no dot names", |s| s != "." && s != "..");
    let path = prop::collection::vec(name, 1..4).prop_map(|c| c.join("/"));
    prop::collection::btree_map(path, prop::collection::vec(any::<u8>(), 0..64), 0..12)
        .prop_map(|m| m.into_iter().collect())
        // a path cannot be both a file and a directory
        .prop_filter("file/dir clash", |v: &Vec<(String, Vec<u8>)>| {
            !v.iter()
                .any(|(a, _)| v.iter().any(|(b, _)| b.starts_with(&format!("{a}/"))))
        })
}

fn hash_of(files: &[(String, Vec<u8>)]) -> Option<ContentHash> {
    let mut t = TreeHasher::new();
    for (p, c) in files {
        t.add_file(p, c).ok()?;
    }
    t.finish().ok().map(|d| d.content_hash)
}

proptest! {
    #[test]
    fn order_independent(files in tree_strategy(), seed in any::<u64>()) {
        let mut shuffled = files.clone();
        // deterministic shuffle from the seed
        let n = shuffled.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(hash_of(&files), hash_of(&shuffled));
    }

    #[test]
    fn exclusions_are_stable(files in tree_strategy(), junk in prop::collection::vec(any::<u8>(), 0..32)) {
        let mut with_junk = files.clone();
        with_junk.push(("node_modules/pkg/index.js".into(), junk.clone()));
        with_junk.push((".git/HEAD".into(), junk.clone()));
        with_junk.push(("x.swp".into(), junk));
        prop_assert_eq!(hash_of(&files), hash_of(&with_junk));
    }

    #[test]
    fn chunking_does_not_matter(bytes in prop::collection::vec(any::<u8>(), 0..4096), cut in 1usize..512) {
        let mut f = FileHasher::new();
        for c in bytes.chunks(cut) { f.update(c); }
        prop_assert_eq!(f.finish(), hash_bytes(&bytes));
    }

    #[test]
    fn content_changes_change_the_hash(files in tree_strategy().prop_filter("non-empty", |v| !v.is_empty())) {
        let mut changed = files.clone();
        let has_excluded = files.iter().any(|(p, _)| crate::exclude::is_excluded_path(p));
        changed[0].1.push(0xff);
        prop_assume!(!has_excluded);
        prop_assert_ne!(hash_of(&files), hash_of(&changed));
    }
}

/// Every vector of the Python reference (`tests/reference/vectors.json`,
/// produced by `compute_artifact_hash.py`) must hash the same here.
#[test]
fn reference_vectors() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/reference/vectors.json"))
            .expect("vectors.json is JSON");
    let mut checked = 0;
    for b in doc["bytes"].as_array().into_iter().flatten() {
        let content = b["content"].as_str().unwrap_or_default();
        assert_eq!(
            Some(hash_bytes(content.as_bytes()).to_hex().as_str()),
            b["expected"].as_str()
        );
        checked += 1;
    }
    for t in doc["trees"].as_array().into_iter().flatten() {
        let files: Vec<(&str, &str)> = t["files"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, c)| (p.as_str(), c.as_str().unwrap_or_default()))
            .collect();
        check(&files, t["expected"].as_str().unwrap_or_default());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} vectors");
}
