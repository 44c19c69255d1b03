//! The JS API of `skillmeat-wasm`, run in wasm under Node.js and in headless
//! Chromium (`make test-wasm`; the suite is the same, the runner picks the
//! host from `WASM_BINDGEN_USE_BROWSER`).
//!
//! Expected values are never written down: they come from `skillmeat-core`
//! called directly, or from the definition of the tree hash recomputed here.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use js_sys::{Array, Function, JsString, Map, Object, Reflect, Uint8Array};
use skillmeat_core::discovery::{self, Listing, ReadProblem};
use skillmeat_core::hash as core_hash;
use skillmeat_core::plan::{self as core_plan, ConflictPolicy, Incoming, IndexSnapshot};
use skillmeat_core::report::InspectReport;
use skillmeat_wasm::{FileHasher, TreeHasher, discover, hash_file, plan_import};
use skillmeat_wasm::{Function as ReadSmall, JsString as PathString};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

// ---------------------------------------------------------------- helpers

/// The message of a thrown JS `Error`; fails the test for anything else.
fn message(thrown: JsValue) -> String {
    match thrown.dyn_into::<js_sys::Error>() {
        Ok(e) => String::from(e.message()),
        Err(other) => panic!("expected a JS Error, got {other:?}"),
    }
}

/// The JS `Error` message of a failed call; fails the test on success.
fn thrown<T: std::fmt::Debug, E: Into<JsValue>>(r: Result<T, E>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => message(e.into()),
    }
}

/// The value of a successful call; fails the test with the JS message.
fn ok<T, E: Into<JsValue>>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {}", message(e.into())),
    }
}

/// A path argument (the bindings declare their own string type).
fn js(s: &str) -> PathString {
    JsValue::from_str(s).unchecked_into()
}

fn stringify(v: &JsValue) -> String {
    ok(js_sys::JSON::stringify(v))
        .as_string()
        .unwrap_or_default()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    ok(Reflect::get(v, &JsValue::from_str(key)))
}

fn has(v: &JsValue, key: &str) -> bool {
    ok(Reflect::has(v, &JsValue::from_str(key)))
}

fn len(v: &JsValue) -> u32 {
    v.dyn_ref::<Array>().map_or(0, Array::length)
}

/// Deterministic bytes of any length.
fn bytes(seed: u32, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// The tree hash by its definition (DESIGN.md §3), from the file hash only:
/// records `path\0hex\n` sorted by UTF-8 bytes.
fn tree_by_definition(files: &[(&str, Vec<u8>)]) -> String {
    let mut records: Vec<(Vec<u8>, String)> = files
        .iter()
        .filter(|(p, _)| !skillmeat_core::exclude::is_excluded_path(p))
        .map(|(p, b)| (p.as_bytes().to_vec(), hash_file(b)))
        .collect();
    records.sort();
    let mut all = Vec::new();
    for (p, h) in records {
        all.extend_from_slice(&p);
        all.push(0);
        all.extend_from_slice(h.as_bytes());
        all.push(b'\n');
    }
    hash_file(&all)
}

/// A JS function `(path) => Uint8Array | undefined` over an in-memory tree.
fn reader(files: &BTreeMap<String, Vec<u8>>) -> ReadSmall {
    let files = files.clone();
    let f = Closure::<dyn Fn(String) -> JsValue>::new(move |p: String| {
        files.get(&p).map_or(JsValue::UNDEFINED, |b| {
            Uint8Array::from(b.as_slice()).into()
        })
    });
    f.into_js_value().unchecked_into()
}

fn digests_object(files: &BTreeMap<String, Vec<u8>>) -> Object {
    let o = Object::new();
    for (p, b) in files {
        ok(Reflect::set(&o, &js(p), &JsValue::from_str(&hash_file(b))));
    }
    o
}

fn paths(files: &BTreeMap<String, Vec<u8>>) -> Vec<JsValue> {
    files.keys().map(|p| JsValue::from_str(p)).collect()
}

/// JSON text as the page sees it: parsed by `JSON.parse` and printed back
/// (so `1.0` and `1` are the same number, as they are in JavaScript).
fn as_js_json(text: &str) -> String {
    stringify(&ok(js_sys::JSON::parse(text)))
}

/// What `skillmeat inspect --json` prints for this tree (core, called
/// directly), as the page sees it.
fn inspect_json(files: &BTreeMap<String, Vec<u8>>, root_name: &str) -> String {
    let listing = Listing::new(files.keys()).expect("listing");
    let read = |p: &str| files.get(p).cloned().ok_or(ReadProblem::Failed);
    let found = discovery::discover(&listing, root_name, &read).expect("discovery");
    let digest = |p: &skillmeat_core::SafeRelPath| {
        files
            .get(p.as_str())
            .map(|b| core_hash::hash_bytes(b.as_slice()))
    };
    let report = InspectReport::build(&found, &digest).expect("report");
    as_js_json(&serde_json::to_string(&report).expect("json"))
}

/// A Claude Code plugin with one child of every kind, meta files and
/// excluded files.
fn plugin_tree() -> BTreeMap<String, Vec<u8>> {
    let mut t = BTreeMap::new();
    let mut put = |p: &str, b: &[u8]| {
        t.insert(p.to_owned(), b.to_vec());
    };
    put(
        ".claude-plugin/plugin.json",
        br#"{"name": "demo", "version": "1.2.3", "description": "A demo plugin"}"#,
    );
    put(
        "skills/writing/SKILL.md",
        b"---\nname: writing\ndescription: Writes [a] | [b]\n---\nBody\n",
    );
    put("skills/writing/reference.md", b"more\n");
    put(
        "skills/caf\u{e9}/SKILL.md",
        b"---\nname: caf\xc3\xa9\n---\n",
    );
    put("commands/review.md", b"Review the diff.\n");
    put("commands/README.md", b"not a command\n");
    put("agents/helper.md", b"---\nname: helper\n---\nHelps.\n");
    put(
        "hooks/hooks.json",
        br#"{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "${CLAUDE_PLUGIN_ROOT}/hooks/start.sh"}]}]}}"#,
    );
    put("hooks/start.sh", b"#!/bin/sh\necho hi\n");
    put(
        ".mcp.json",
        br#"{"mcpServers": {"db": {"command": "db-server", "args": ["--port", "1"]}}}"#,
    );
    put(
        ".lsp.json",
        br#"{"pyright": {"command": "pyright-langserver", "extensionToLanguage": {".py": "python"}}}"#,
    );
    put("README.md", b"# demo\n");
    put("node_modules/left-pad/index.js", b"module.exports = 1;\n");
    put("skills/writing/.DS_Store", b"\0\0");
    t
}

// ---------------------------------------------------------------- hashFile, FileHasher

#[wasm_bindgen_test]
fn hash_file_is_sha256_of_the_bytes() {
    for (seed, n) in [(1, 0), (2, 1), (3, 55), (4, 64), (5, 1000), (6, 100_000)] {
        let b = bytes(seed, n);
        assert_eq!(
            hash_file(&b),
            core_hash::hash_bytes(&b).to_hex(),
            "{n} bytes"
        );
    }
    // FIPS 180-2's examples, and `printf 'hello\n' | sha256sum`.
    assert_eq!(hash_file(b""), SHA256_OF_NOTHING);
    assert_eq!(
        hash_file(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hash_file(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        hash_file(b"hello\n"),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
}

/// SHA-256 of no bytes (`sha256sum < /dev/null`).
const SHA256_OF_NOTHING: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[wasm_bindgen_test]
fn file_hasher_streams_any_chunking() {
    let b = bytes(7, 300_001);
    let whole = hash_file(&b);
    for chunk in [1usize, 63, 64, 65, 4096, 65_536, 300_001] {
        let mut h = FileHasher::new();
        for c in b.chunks(chunk) {
            ok(h.update(c));
        }
        assert_eq!(ok(h.finish()), whole, "chunks of {chunk}");
    }
    let mut empty = FileHasher::new();
    assert_eq!(ok(empty.finish()), hash_file(b""));
}

#[wasm_bindgen_test]
fn file_hasher_refuses_use_after_finish() {
    let mut h = FileHasher::new();
    ok(h.update(b"x"));
    assert_eq!(ok(h.finish()), hash_file(b"x"));
    assert!(thrown(h.update(b"y")).contains("finish() was already called"));
    assert!(thrown(h.finish()).contains("finish() was already called"));
}

// ---------------------------------------------------------------- TreeHasher

/// Paths whose UTF-16 order differs from their UTF-8 byte order, NFC and
/// NFD spellings, nesting, and excluded names at several depths.
fn tree_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("SKILL.md", bytes(10, 2000)),
        ("docs/\u{ff46}.md", bytes(11, 10)), // U+FF46: 3 UTF-8 bytes, one UTF-16 unit
        ("docs/\u{1f600}.md", bytes(12, 10)), // U+1F600: 4 UTF-8 bytes, a surrogate pair
        ("docs/caf\u{e9}.md", bytes(13, 10)), // NFC
        ("docs/cafe\u{301}.md", bytes(14, 10)), // NFD: a different name
        ("docs/a b/c.md", bytes(15, 100_000)),
        ("Upper.md", bytes(16, 3)),
        ("lower.md", bytes(17, 0)),
        ("node_modules/x/index.js", bytes(18, 5)),
        (".git/config", bytes(19, 5)),
        ("docs/notes.swp", bytes(20, 5)),
        ("docs/~$draft.docx", bytes(21, 5)),
        ("build/out.js", bytes(22, 5)),
        ("docs/.gitkeep", b"".to_vec()),
        ("building.md", bytes(23, 5)), // not excluded: only exact names
    ]
}

#[wasm_bindgen_test]
fn tree_hasher_matches_the_definition_whichever_way_it_is_fed() {
    let files = tree_files();
    let expected = tree_by_definition(&files);
    let counted = files
        .iter()
        .filter(|(p, _)| !skillmeat_core::exclude::is_excluded_path(p))
        .count();
    assert!(
        counted < files.len(),
        "the fixture must hold excluded files"
    );

    // Whole files.
    let mut whole = TreeHasher::new();
    for (p, b) in &files {
        let counts = ok(whole.add_file(js(p), b));
        assert_eq!(counts, !skillmeat_core::exclude::is_excluded_path(p), "{p}");
    }
    assert_eq!(whole.files() as usize, counted);
    assert_eq!(ok(whole.finish()), expected);

    // Streamed in chunks, in reverse order.
    let mut streamed = TreeHasher::new();
    for (p, b) in files.iter().rev() {
        ok(streamed.begin_file(js(p)));
        for c in b.chunks(777) {
            ok(streamed.update(c));
        }
        ok(streamed.finish_file());
    }
    assert_eq!(streamed.files() as usize, counted);
    assert_eq!(ok(streamed.finish()), expected);

    // Already digested with FileHasher.
    let mut digested = TreeHasher::new();
    for (p, b) in &files {
        let mut f = FileHasher::new();
        ok(f.update(b));
        ok(digested.add_digest(js(p), &ok(f.finish())));
    }
    assert_eq!(ok(digested.finish()), expected);

    // And core itself agrees.
    let mut core_tree = core_hash::TreeHasher::new();
    for (p, b) in &files {
        core_tree.add_file(p, b).expect("core add_file");
    }
    let core_digest = core_tree.finish().expect("core finish");
    assert_eq!(core_digest.content_hash.to_hex(), expected);
    assert_eq!(core_digest.files, counted);
}

#[wasm_bindgen_test]
fn tree_hasher_of_nothing_or_only_excluded_files_is_sha256_of_nothing() {
    let mut t = TreeHasher::new();
    assert_eq!(ok(t.finish()), SHA256_OF_NOTHING);
    let mut t = TreeHasher::new();
    assert!(!ok(t.add_file(js(".git/HEAD"), b"ref")));
    assert!(!ok(t.begin_file(js("a/node_modules/b.js"))));
    ok(t.update(b"dropped"));
    ok(t.finish_file());
    assert_eq!(t.files(), 0);
    assert_eq!(ok(t.finish()), SHA256_OF_NOTHING);
}

#[wasm_bindgen_test]
fn tree_hasher_rejects_unsafe_paths_with_cores_message() {
    for bad in [
        "",
        "/etc/passwd",
        "../up",
        "a/../b",
        "a\\b",
        "a//b",
        "a/",
        "./a",
        "a\u{1}b",
    ] {
        let core_msg = match core_hash::TreeHasher::new().add_file(bad, b"") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("core accepted {bad:?}"),
        };
        let mut t = TreeHasher::new();
        assert_eq!(
            thrown(t.add_file(js(bad), b"")),
            core_msg,
            "addFile {bad:?}"
        );
        assert_eq!(thrown(t.begin_file(js(bad))), core_msg, "beginFile {bad:?}");
        assert_eq!(
            thrown(t.add_digest(js(bad), &hash_file(b""))),
            core_msg,
            "addDigest {bad:?}"
        );
        // The hasher is still usable after a refused path.
        assert!(ok(t.add_file(js("ok.md"), b"x")));
        assert_eq!(
            ok(t.finish()),
            tree_by_definition(&[("ok.md", b"x".to_vec())])
        );
    }
}

#[wasm_bindgen_test]
fn tree_hasher_rejects_a_path_that_is_not_unicode() {
    let lone = JsString::from("dir/").concat(&JsString::from_char_code1(0xd800));
    assert!(!lone.is_valid_utf16());
    let lone: PathString = JsValue::from(lone).unchecked_into();
    let mut t = TreeHasher::new();
    let m = thrown(t.add_file(lone.clone(), b"x"));
    assert!(m.contains("lone UTF-16 surrogate"), "{m}");
    assert!(m.starts_with("TreeHasher.addFile"), "{m}");
    assert!(thrown(t.begin_file(lone.clone())).starts_with("TreeHasher.beginFile"));
    assert!(thrown(t.add_digest(lone, &hash_file(b""))).starts_with("TreeHasher.addDigest"));
    assert_eq!(t.files(), 0);
}

#[wasm_bindgen_test]
fn tree_hasher_rejects_a_duplicate_path_at_finish() {
    let core_msg = {
        let mut c = core_hash::TreeHasher::new();
        c.add_file("a/b.md", b"1").expect("first");
        c.add_file("a/b.md", b"2").expect("second");
        match c.finish() {
            Err(e) => e.to_string(),
            Ok(d) => panic!("core accepted a duplicate: {d:?}"),
        }
    };
    let mut t = TreeHasher::new();
    ok(t.add_file(js("a/b.md"), b"1"));
    ok(t.begin_file(js("a/b.md")));
    ok(t.update(b"2"));
    ok(t.finish_file());
    assert_eq!(thrown(t.finish()), core_msg);
}

#[wasm_bindgen_test]
fn tree_hasher_refuses_calls_out_of_order() {
    let mut t = TreeHasher::new();
    let no_open = thrown(t.update(b"x"));
    assert!(no_open.contains("beginFile"), "{no_open}");
    assert!(thrown(t.finish_file()).contains("no open file"));

    ok(t.begin_file(js("a.md")));
    for m in [
        thrown(t.begin_file(js("b.md"))),
        thrown(t.add_file(js("b.md"), b"")),
        thrown(t.add_digest(js("b.md"), &hash_file(b""))),
    ] {
        assert!(m.contains("still open"), "{m}");
    }
    assert!(thrown(t.finish()).contains("still open"));
    // finish() consumed the hasher even though it failed.
    assert!(thrown(t.begin_file(js("c.md"))).contains("already called"));
    assert!(thrown(t.finish()).contains("already called"));

    let mut done = TreeHasher::new();
    ok(done.finish());
    assert!(thrown(done.add_file(js("a"), b"")).contains("already called"));
    assert!(thrown(done.update(b"")).contains("already called"));
    assert!(thrown(done.finish_file()).contains("already called"));
}

#[wasm_bindgen_test]
fn tree_hasher_refuses_a_bad_digest() {
    let mut t = TreeHasher::new();
    for bad in ["", "abc", &"G".repeat(64), &hash_file(b"").to_uppercase()] {
        let m = thrown(t.add_digest(js("a.md"), bad));
        assert!(m.starts_with("TreeHasher.addDigest"), "{m}");
        assert!(m.contains("not a SHA-256 hash"), "{m}");
    }
    assert_eq!(t.files(), 0);
    assert_eq!(ok(t.finish()), SHA256_OF_NOTHING);
}

// ---------------------------------------------------------------- discover

#[wasm_bindgen_test]
fn discover_gives_the_json_of_inspect() {
    let files = plugin_tree();
    let got = ok(discover(
        paths(&files),
        reader(&files),
        digests_object(&files).into(),
        Some("folder".into()),
    ));
    assert_eq!(stringify(&got), inspect_json(&files, "folder"));

    // The shape, spelled out: nulls are present, not missing.
    assert!(!has(&got, "marketplace"));
    let plugins = get(&got, "plugins");
    assert_eq!(len(&plugins), 1);
    let plugin = Reflect::get_u32(&plugins, 0).expect("plugin");
    assert_eq!(get(&plugin, "name").as_string().as_deref(), Some("demo"));
    let children = get(&plugin, "children");
    let kinds: Vec<String> = Array::from(&children)
        .iter()
        .filter_map(|c| get(&c, "kind").as_string())
        .collect();
    for kind in [
        "skill",
        "command",
        "agent",
        "hook",
        "mcp_server",
        "lsp_server",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    let without_description = Array::from(&children)
        .iter()
        .find(|c| get(c, "kind").as_string().as_deref() == Some("command"))
        .expect("a command");
    assert!(has(&without_description, "description"));
    assert!(get(&without_description, "description").is_null());
    // A single-file child's hash is its file's hash.
    assert_eq!(
        get(&without_description, "content_hash").as_string(),
        Some(hash_file(&files["commands/review.md"]))
    );
    // Excluded files are not in the plugin.
    let counted = files
        .keys()
        .filter(|p| !skillmeat_core::exclude::is_excluded_path(p))
        .count();
    assert_eq!(get(&plugin, "files").as_f64(), Some(counted as f64));
}

#[wasm_bindgen_test]
fn discover_reads_a_marketplace_and_accepts_a_map_of_digests() {
    let mut files = BTreeMap::new();
    files.insert(
        ".claude-plugin/marketplace.json".to_owned(),
        br#"{"name": "market", "plugins": [
            {"name": "one", "source": "./plugins/one"},
            {"name": "far", "source": {"source": "github", "repo": "o/r"}}]}"#
            .to_vec(),
    );
    for (p, b) in plugin_tree() {
        files.insert(format!("plugins/one/{p}"), b);
    }
    let map = Map::new();
    for (p, b) in &files {
        map.set(&js(p), &JsValue::from_str(&hash_file(b)));
    }
    let got = ok(discover(paths(&files), reader(&files), map.into(), None));
    assert_eq!(stringify(&got), inspect_json(&files, "plugin"));
    assert_eq!(
        get(&got, "marketplace").as_string().as_deref(),
        Some("market")
    );
    assert_eq!(
        len(&get(&got, "warnings")),
        1,
        "the remote entry is skipped"
    );
}

#[wasm_bindgen_test]
fn discover_names_a_heuristic_plugin_after_the_root() {
    let mut files = BTreeMap::new();
    files.insert(
        "skills/s/SKILL.md".to_owned(),
        b"---\nname: s\n---\n".to_vec(),
    );
    files.insert("commands/c.md".to_owned(), b"do it\n".to_vec());
    for root in [Some("my-folder"), None] {
        let got = ok(discover(
            paths(&files),
            reader(&files),
            digests_object(&files).into(),
            root.map(str::to_owned),
        ));
        let name = root.unwrap_or("plugin");
        assert_eq!(stringify(&got), inspect_json(&files, name));
        let plugin = Reflect::get_u32(&get(&got, "plugins"), 0).expect("plugin");
        assert_eq!(get(&plugin, "name").as_string().as_deref(), Some(name));
        assert_eq!(
            get(&plugin, "detection").as_string().as_deref(),
            Some("heuristic")
        );
    }
}

#[wasm_bindgen_test]
fn discover_without_plugins_returns_an_empty_report() {
    let mut files = BTreeMap::new();
    files.insert("notes.txt".to_owned(), b"nothing here".to_vec());
    let got = ok(discover(
        paths(&files),
        reader(&files),
        digests_object(&files).into(),
        None,
    ));
    assert_eq!(stringify(&got), inspect_json(&files, "plugin"));
    assert_eq!(len(&get(&got, "plugins")), 0);
}

#[wasm_bindgen_test]
fn discover_refuses_bad_paths() {
    let files = plugin_tree();
    let digests = digests_object(&files);
    for bad in ["../escape.md", "/abs.md", "a\\b.md"] {
        let core_msg = match Listing::new([bad]) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("core accepted {bad:?}"),
        };
        let mut p = paths(&files);
        p.push(JsValue::from_str(bad));
        assert_eq!(
            thrown(discover(p, reader(&files), digests.clone().into(), None)),
            core_msg
        );
    }
    let mut p = paths(&files);
    p.push(JsValue::from_f64(3.0));
    let m = thrown(discover(p, reader(&files), digests.clone().into(), None));
    assert!(
        m.contains(&format!("paths[{}] is not a string", files.len())),
        "{m}"
    );

    let mut p = paths(&files);
    p.push(
        JsString::from("x/")
            .concat(&JsString::from_char_code1(0xdc00))
            .into(),
    );
    let m = thrown(discover(p, reader(&files), digests.into(), None));
    assert!(m.contains("lone UTF-16 surrogate"), "{m}");
}

#[wasm_bindgen_test]
fn discover_rethrows_what_read_small_throws() {
    let files = plugin_tree();
    let sentinel: JsValue = js_sys::Error::new("disk on fire").into();
    let s = sentinel.clone();
    let throwing =
        Closure::<dyn Fn(String) -> Result<JsValue, JsValue>>::new(
            move |_p: String| Err(s.clone()),
        )
        .into_js_value()
        .unchecked_into::<ReadSmall>();
    match discover(paths(&files), throwing, digests_object(&files).into(), None) {
        Ok(v) => panic!("expected the reader's exception, got {}", stringify(&v)),
        Err(e) => assert_eq!(e, sentinel, "the very object thrown by readSmall"),
    }

    let wrong: ReadSmall =
        Function::new_with_args("path", "return 'text of ' + path").unchecked_into();
    let m = thrown(discover(
        paths(&files),
        wrong,
        digests_object(&files).into(),
        None,
    ));
    assert!(
        m.contains(
            "readSmall(\".claude-plugin/plugin.json\") returned neither a Uint8Array nor undefined"
        ),
        "{m}"
    );
}

#[wasm_bindgen_test]
fn discover_refuses_missing_or_bad_digests() {
    let files = plugin_tree();

    // A file of a child with no digest: core's message names it.
    let partial = digests_object(&files);
    ok(Reflect::delete_property(
        &partial,
        &js("commands/review.md"),
    ));
    let m = thrown(discover(
        paths(&files),
        reader(&files),
        partial.into(),
        None,
    ));
    assert!(m.contains("commands/review.md"), "{m}");
    assert!(m.contains("the host gave no hash"), "{m}");

    let bad = digests_object(&files);
    ok(Reflect::set(&bad, &js("README.md"), &js("not-a-hash")));
    let m = thrown(discover(paths(&files), reader(&files), bad.into(), None));
    assert!(m.contains("digests[\"README.md\"]"), "{m}");
    assert!(m.contains("not a SHA-256 hash"), "{m}");

    let not_string = digests_object(&files);
    ok(Reflect::set(
        &not_string,
        &js("README.md"),
        &JsValue::from_f64(1.0),
    ));
    let m = thrown(discover(
        paths(&files),
        reader(&files),
        not_string.into(),
        None,
    ));
    assert!(m.contains("must be a SHA-256 hex string"), "{m}");

    for nothing in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_str("x")] {
        let m = thrown(discover(paths(&files), reader(&files), nothing, None));
        assert!(m.contains("digests must be an object"), "{m}");
    }
}

// ---------------------------------------------------------------- planImport

/// The plugin of `plugin_tree()` as `discover` reports it.
fn discovered_plugin() -> JsValue {
    let files = plugin_tree();
    let report = ok(discover(
        paths(&files),
        reader(&files),
        digests_object(&files).into(),
        None,
    ));
    Reflect::get_u32(&get(&report, "plugins"), 0).expect("plugin")
}

fn children_of(plugin: &JsValue) -> Vec<Incoming> {
    serde_json::from_str(&stringify(&get(plugin, "children"))).expect("children")
}

/// A snapshot in which the first child exists with its hash, the second
/// exists (under a differently spelled name) with other content, and the
/// rest are new; plus an unrelated artifact with the first child's bytes.
fn snapshot_for(children: &[Incoming]) -> (String, IndexSnapshot) {
    let other = core_hash::hash_bytes(b"older content");
    let first = &children[0];
    let second = &children[1];
    let json = serde_json::json!({"artifacts": [
        {"id": "a1", "kind": first.kind, "name": first.name,
         "current_hash": other, "hashes": [other, first.content_hash]},
        {"id": "a2", "kind": second.kind, "name": second.name.to_uppercase().replace('-', "_"),
         "current_hash": other, "hashes": [other]},
        {"id": "a3", "kind": "command", "name": "unrelated",
         "current_hash": first.content_hash, "hashes": [first.content_hash]},
    ]})
    .to_string();
    let snapshot = serde_json::from_str(&json).expect("snapshot");
    (json, snapshot)
}

#[wasm_bindgen_test]
fn plan_import_gives_the_preview_of_core_for_every_policy() {
    let plugin = discovered_plugin();
    let children = children_of(&plugin);
    assert!(children.len() >= 4, "{children:?}");
    let (index_json, snapshot) = snapshot_for(&children);
    let index = ok(js_sys::JSON::parse(&index_json));
    let name = get(&plugin, "name").as_string().unwrap_or_default();

    for (arg, policy) in [
        (None, ConflictPolicy::NewVersion),
        (Some("new-version"), ConflictPolicy::NewVersion),
        (Some("keep"), ConflictPolicy::Keep),
        (Some("fork"), ConflictPolicy::Fork),
    ] {
        let got = ok(plan_import(
            plugin.clone(),
            index.clone(),
            arg.map(str::to_owned),
        ));
        let want = core_plan::Preview::from(&core_plan::plan_import(
            &snapshot.index(),
            &name,
            &children,
            policy,
        ));
        assert_eq!(
            stringify(&got),
            as_js_json(&serde_json::to_string(&want).expect("json"))
        );

        let buckets = get(&got, "buckets");
        assert_eq!(len(&get(&buckets, "existing")), 1, "{arg:?}");
        assert_eq!(len(&get(&buckets, "conflict")), 1, "{arg:?}");
        assert_eq!(
            len(&get(&buckets, "new")) as usize,
            children.len() - 2,
            "{arg:?}"
        );
        let conflict = Reflect::get_u32(&get(&buckets, "conflict"), 0).expect("conflict");
        assert_eq!(
            get(&conflict, "current_hash").as_string(),
            Some(core_hash::hash_bytes(b"older content").to_hex())
        );
        assert_eq!(
            get(&conflict, "content_hash").as_string(),
            Some(children[1].content_hash.to_hex())
        );
        let new = Reflect::get_u32(&get(&buckets, "new"), 0).expect("new");
        assert!(has(&new, "current_hash") && get(&new, "current_hash").is_null());
    }
}

#[wasm_bindgen_test]
fn plan_import_against_an_empty_index_is_all_new() {
    let plugin = discovered_plugin();
    let children = children_of(&plugin);
    let index = ok(js_sys::JSON::parse(r#"{"artifacts": []}"#));
    let got = ok(plan_import(plugin, index, None));
    let buckets = get(&got, "buckets");
    assert_eq!(len(&get(&buckets, "new")) as usize, children.len());
    assert_eq!(len(&get(&buckets, "existing")), 0);
    assert_eq!(len(&get(&buckets, "conflict")), 0);
}

#[wasm_bindgen_test]
fn plan_import_refuses_bad_input() {
    let plugin = discovered_plugin();
    let empty = ok(js_sys::JSON::parse(r#"{"artifacts": []}"#));

    let core_msg = match "merge".parse::<ConflictPolicy>() {
        Err(e) => e,
        Ok(p) => panic!("core accepted {p:?}"),
    };
    assert_eq!(
        thrown(plan_import(
            plugin.clone(),
            empty.clone(),
            Some("merge".into())
        )),
        format!("planImport: {core_msg}")
    );

    for (index, what) in [
        (r#"{}"#, "missing field `artifacts`"),
        (
            r#"{"artifacts": [{"id": "x", "kind": "skill", "name": "n", "current_hash": "zz", "hashes": []}]}"#,
            "not a SHA-256 hash",
        ),
        (
            r#"{"artifacts": [{"id": "x", "kind": "widget", "name": "n", "current_hash": "zz", "hashes": []}]}"#,
            "unknown variant `widget`",
        ),
    ] {
        let m = thrown(plan_import(
            plugin.clone(),
            ok(js_sys::JSON::parse(index)),
            None,
        ));
        assert!(m.starts_with("planImport: index: "), "{m}");
        assert!(m.contains(what), "{what}: {m}");
    }
    let m = thrown(plan_import(plugin.clone(), JsValue::UNDEFINED, None));
    assert!(m.contains("index must be a JSON object"), "{m}");

    let no_children = ok(js_sys::JSON::parse(r#"{"name": "p"}"#));
    let m = thrown(plan_import(no_children, empty.clone(), None));
    assert!(m.starts_with("planImport: plugin: "), "{m}");
    assert!(m.contains("missing field `children`"), "{m}");

    let bad_child = ok(js_sys::JSON::parse(
        r#"{"name": "p", "children": [{"kind": "skill", "name": "s", "content_hash": "12"}]}"#,
    ));
    let m = thrown(plan_import(bad_child, empty, None));
    assert!(m.contains("not a SHA-256 hash"), "{m}");
}

/// The arguments are read with the rules of core's `Deserialize` derives:
/// a missing `relationship` is `MEMBER`, unknown fields are ignored, kinds
/// and relationships are spelled exactly; a message names the field.
#[wasm_bindgen_test]
fn plan_import_reads_its_arguments_like_cores_serde() {
    let h = core_hash::hash_bytes(b"x").to_hex();
    let plugin_json = format!(
        r#"{{"name": "p", "extra": 1, "children": [
            {{"kind": "skill", "name": "s", "content_hash": "{h}", "note": null}},
            {{"kind": "command", "name": "c", "content_hash": "sha256:{h}", "relationship": "OPTIONAL"}}]}}"#
    );
    let index_json = format!(
        r#"{{"artifacts": [{{"id": "a", "kind": "skill", "name": "S", "current_hash": "{h}", "hashes": ["{h}"], "x": []}}]}}"#
    );
    let children: Vec<Incoming> = serde_json::from_str::<serde_json::Value>(&plugin_json)
        .ok()
        .and_then(|v| serde_json::from_value(v["children"].clone()).ok())
        .expect("children");
    let snapshot: IndexSnapshot = serde_json::from_str(&index_json).expect("snapshot");
    let want = core_plan::Preview::from(&core_plan::plan_import(
        &snapshot.index(),
        "p",
        &children,
        ConflictPolicy::NewVersion,
    ));
    let got = ok(plan_import(
        ok(js_sys::JSON::parse(&plugin_json)),
        ok(js_sys::JSON::parse(&index_json)),
        None,
    ));
    assert_eq!(
        stringify(&got),
        as_js_json(&serde_json::to_string(&want).expect("json"))
    );

    let empty = ok(js_sys::JSON::parse(r#"{"artifacts": []}"#));
    for (plugin, what) in [
        (r#"[]"#, "planImport: plugin must be a JSON object"),
        (
            r#"{"name": 5, "children": []}"#,
            "planImport: plugin: name: expected a string, found a number",
        ),
        (
            r#"{"name": "p", "children": {}}"#,
            "planImport: plugin: children: expected an array, found an object",
        ),
        (
            r#"{"name": "p", "children": [{"kind": "Skill", "name": "s", "content_hash": "00"}]}"#,
            "planImport: plugin: children[0].kind: unknown variant `Skill`, expected one of `skill`, `command`, `agent`, `hook`, `mcp_server`, `lsp_server`, `composite`",
        ),
        (
            r#"{"name": "p", "children": [{"kind": "skill", "content_hash": "00"}]}"#,
            "planImport: plugin: children[0]: missing field `name`",
        ),
        (
            r#"{"name": "p", "children": [{"kind": "skill", "name": "s", "content_hash": null}]}"#,
            "planImport: plugin: children[0].content_hash: expected a string, found null",
        ),
    ] {
        let m = thrown(plan_import(
            ok(js_sys::JSON::parse(plugin)),
            empty.clone(),
            None,
        ));
        assert_eq!(m, what);
    }
    let bad_rel = format!(
        r#"{{"name": "p", "children": [{{"kind": "skill", "name": "s", "content_hash": "{h}", "relationship": "member"}}]}}"#
    );
    let m = thrown(plan_import(ok(js_sys::JSON::parse(&bad_rel)), empty, None));
    assert!(
        m.starts_with("planImport: plugin: children[0].relationship: unknown variant `member`"),
        "{m}"
    );
}
