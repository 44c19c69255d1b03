//! The hash-first import of `skillmeat serve` (DESIGN.md §12) through the
//! real binary: plan from hashes, missing blobs, uploads re-hashed by the
//! server, the import from a file list (202, then polled), its refusals,
//! shutdown during an import, and the removal of old uploads.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use skillmeat_core::hash::hash_bytes;
use util::hash_first::{batch, file_list, strings};
use util::server::Server;
use util::{Home, fixture, write};

/// `(kind, name) → content_hash` of `skillmeat list --json`.
fn listed(home: &Home) -> BTreeMap<(String, String), String> {
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or_default().to_owned();
            ((s("kind"), s("name")), s("content_hash"))
        })
        .collect()
}

fn verify_ok(home: &Home) -> Value {
    let report = home.json(&["verify", "--json"], &[] as &[&str]);
    assert_eq!(report["ok"], true, "{report}");
    report
}

const DESIGN: &str = "---\nname: canvas-design\ndescription: Design on a canvas.\n---\nDraw.\n";
const REVIEW: &str = "---\nname: canvas-review\ndescription: Review a canvas.\n---\nLook.\n";
const COMMAND: &str = "---\ndescription: Open the canvas.\n---\nOpen it.\n";

/// `canvas`: two skills, a command, and an executable hook script.
fn canvas(root: &Path) {
    write(
        root,
        ".claude-plugin/plugin.json",
        r#"{"name": "canvas", "version": "1.2.0", "description": "Canvas tools"}"#,
    );
    write(root, "skills/canvas-design/SKILL.md", DESIGN);
    write(root, "skills/canvas-review/SKILL.md", REVIEW);
    write(
        root,
        "skills/canvas-review/scripts/check.sh",
        "#!/bin/sh\necho ok\n",
    );
    util::chmod(&root.join("skills/canvas-review/scripts/check.sh"), 0o755);
    write(root, "commands/canvas.md", COMMAND);
}

fn sha256_hex(text: &str) -> String {
    // `sha256sum`: independent of the code under test.
    let mut child = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running sha256sum");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feeding sha256sum");
    let out = child.wait_with_output().expect("sha256sum's output");
    String::from_utf8_lossy(&out.stdout)[..64].to_owned()
}

/// The plan puts each child in its bucket against the database: one the
/// collection has with that content (existing), one it has with other
/// content (conflict, with the current hash), one it lacks (new).
#[test]
fn the_plan_buckets_children_by_their_hashes() {
    let home = Home::new();
    let src = tempfile::tempdir().expect("a source");
    canvas(&src.path().join("canvas"));
    home.cmd()
        .arg("add")
        .arg(src.path().join("canvas"))
        .assert()
        .success();
    let stored = listed(&home);
    let design = &stored[&("skill".to_owned(), "canvas-design".to_owned())];
    let review = &stored[&("skill".to_owned(), "canvas-review".to_owned())];
    // A command is one file: its content hash is the file's SHA-256.
    assert_eq!(
        stored[&("command".to_owned(), "canvas".to_owned())],
        sha256_hex(COMMAND)
    );
    let other = sha256_hex("something else");
    let server = Server::start(&home, &[]);
    let (status, plan) = server.post_json(
        "/api/v1/plan",
        &json!({"plugins": [{"name": "canvas", "children": [
            {"kind": "skill", "name": "canvas-design", "content_hash": design},
            {"kind": "skill", "name": "canvas-review", "content_hash": other},
            {"kind": "command", "name": "canvas", "content_hash": sha256_hex(COMMAND)},
            {"kind": "agent", "name": "canvas-helper", "content_hash": other},
        ]}]}),
    );
    assert_eq!(status, StatusCode::OK, "{plan}");
    let buckets = &plan["plugins"][0]["buckets"];
    assert_eq!(plan["plugins"][0]["name"], "canvas");
    let names = |b: &str| -> Vec<String> {
        buckets[b]
            .as_array()
            .expect("a bucket")
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c["kind"].as_str().expect("kind"),
                    c["name"].as_str().expect("name")
                )
            })
            .collect()
    };
    assert_eq!(names("existing"), ["skill:canvas-design", "command:canvas"]);
    assert_eq!(names("conflict"), ["skill:canvas-review"]);
    assert_eq!(names("new"), ["agent:canvas-helper"]);
    assert_eq!(buckets["conflict"][0]["current_hash"], review.as_str());
    assert_eq!(buckets["conflict"][0]["content_hash"], other.as_str());
    // A hash that is not one, and a name that is not one: 400.
    for child in [
        json!({"kind": "skill", "name": "x", "content_hash": "abc"}),
        json!({"kind": "skill", "name": "..", "content_hash": other}),
    ] {
        let (status, body) = server.post_json(
            "/api/v1/plan",
            &json!({"plugins": [{"name": "canvas", "children": [child]}]}),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "bad_input");
    }
}

/// Missing → upload → import 202 → poll → succeeded; the collection then
/// holds what `skillmeat add` of the same folder gives. Importing again
/// uploads nothing; a changed copy uploads only the changed file.
#[test]
fn a_hash_first_import_stores_what_add_stores_and_uploads_only_what_is_missing() {
    let src = tempfile::tempdir().expect("a source");
    let root = src.path().join("canvas");
    canvas(&root);
    let files = file_list(&root);
    let distinct: BTreeSet<&str> = files
        .iter()
        .map(|f| f["sha256"].as_str().expect("hash"))
        .collect();

    let home = Home::new();
    let server = Server::start(&home, &[]);
    let uploaded = server.upload_missing(&root, &files);
    assert_eq!(
        uploaded.len(),
        distinct.len(),
        "a fresh server lacks every blob"
    );
    let (started, job) = server.import(&files, "canvas");
    assert_eq!(started["status"], "in_progress");
    assert_eq!(
        started["parent"],
        json!({"name": "canvas", "pending": true})
    );
    let mut planned: Vec<(String, String)> = started["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_owned(),
                c["hash_status"].as_str().expect("hash_status").to_owned(),
            )
        })
        .collect();
    planned.sort();
    assert_eq!(
        planned,
        [
            ("canvas".to_owned(), "new".to_owned()),
            ("canvas-design".to_owned(), "new".to_owned()),
            ("canvas-review".to_owned(), "new".to_owned())
        ]
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["results"][0]["children_imported"], 3, "{job}");

    // The same folder through `skillmeat add`, in another home.
    let by_cli = Home::new();
    by_cli.cmd().arg("add").arg(&root).assert().success();
    let through_http = listed(&home);
    assert_eq!(through_http, listed(&by_cli));
    assert_eq!(through_http.len(), 4, "{through_http:?}");
    verify_ok(&home);
    let script = home
        .path()
        .join("collections/default/artifacts/skills/canvas-review/scripts/check.sh");
    let mode = std::fs::metadata(&script)
        .expect("the script")
        .permissions()
        .mode();
    assert_eq!(mode & 0o100, 0o100, "the executable bit is kept: {mode:o}");

    // Again: nothing to upload, everything linked.
    assert_eq!(server.missing(&files), Vec::<String>::new());
    let (started, job) = server.import(&files, "canvas");
    assert!(
        started["children"]
            .as_array()
            .expect("children")
            .iter()
            .all(|c| c["hash_status"] == "existing"),
        "{started}"
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["results"][0]["children_reused"], 3, "{job}");

    // A changed copy: only the changed file is missing.
    let changed = "---\nname: canvas-design\ndescription: Design on a canvas.\n---\nDraw twice.\n";
    write(&root, "skills/canvas-design/SKILL.md", changed);
    let files = file_list(&root);
    assert_eq!(server.missing(&files), [sha256_hex(changed)]);
    assert_eq!(server.upload_missing(&root, &files), [sha256_hex(changed)]);
    let (started, job) = server.import(&files, "canvas");
    let design = started["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["name"] == "canvas-design")
        .expect("canvas-design")
        .clone();
    assert_eq!(design["hash_status"], "conflict", "{started}");
    assert_eq!(design["status"], "new_version", "{started}");
    assert_eq!(
        design["existing_hash"],
        through_http[&("skill".to_owned(), "canvas-design".to_owned())].as_str()
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    by_cli.cmd().arg("add").arg(&root).assert().success();
    assert_eq!(listed(&home), listed(&by_cli));
    verify_ok(&home);
}

/// An upload whose bytes are not the blob it names is refused (422) and
/// not kept; a name that is not a SHA-256 is 400.
#[test]
fn an_upload_that_does_not_match_its_hash_is_refused_and_not_kept() {
    let home = Home::new();
    let server = Server::start(&home, &[]);
    let claimed = sha256_hex("the real bytes\n");
    let (status, body) = server.put_blob(&claimed, b"other bytes\n".to_vec());
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bad_input");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains(&sha256_hex("other bytes\n")),
        "{body}"
    );
    let hashes = json!({"sha256": [claimed]});
    let (_, missing) = server.post_json("/api/v1/blobs/missing", &hashes);
    assert_eq!(strings(&missing["missing"]), std::slice::from_ref(&claimed));
    let uploads = home.path().join("collections/default/.uploads");
    for sub in ["blobs", "incoming"] {
        let left: Vec<_> = std::fs::read_dir(uploads.join(sub))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{sub}: {left:?}");
    }
    // The right bytes are kept, and uploading them again is fine.
    for _ in 0..2 {
        let (status, body) = server.put_blob(&claimed, b"the real bytes\n".to_vec());
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"sha256": claimed, "size": 15}));
    }
    let (_, missing) = server.post_json("/api/v1/blobs/missing", &hashes);
    assert_eq!(missing, json!({"missing": []}));
    for bad in ["abc", &claimed.to_uppercase(), &format!("{claimed}0")] {
        let (status, body) = server.put_blob(bad, b"x".to_vec());
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, body) = server.post_json("/api/v1/blobs/missing", &json!({"sha256": ["nope"]}));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// Too many hashes in one question: 413. An upload over the largest blob
/// an import reads (a plugin's total, which a bundle zip of one plugin
/// may reach): 413, nothing kept. One over the per-file limit but within
/// that is kept (it may be a bundle zip); imported as a file, it is
/// refused naming the file, and nothing is written.
#[test]
fn lists_and_uploads_over_their_limits_are_413() {
    let home = Home::new();
    let mut serve = home.cmd_failpoints_std();
    serve.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "entry=1000,total=2000");
    let server = Server::spawn(serve, &[], &[]);
    let many: Vec<String> = (0..100_001u32).map(|i| format!("{i:064x}")).collect();
    let (status, body) = server.post_json("/api/v1/blobs/missing", &json!({ "sha256": many }));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "too_large");
    let big = "x".repeat(2001);
    let (status, body) = server.put_blob(&sha256_hex(&big), big.into_bytes());
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(uploads_left(&home, "blobs"), 0);
    let zip_sized = "x".repeat(2000);
    let hash = sha256_hex(&zip_sized);
    let (status, body) = server.put_blob(&hash, zip_sized.into_bytes());
    assert_eq!(status, StatusCode::OK, "{body}");
    let files =
        json!([{"path": "commands/big.md", "sha256": hash, "size": 2000, "executable": false}]);
    let (status, body) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({ "files": files, "root_name": "big" }),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("big/commands/big.md"), "{body}");
    let (_, list) = server.json("/api/v1/artifacts");
    assert_eq!(list["total"], 0, "{list}");
}

/// Files under `.uploads/blobs` (kept uploads) and `.uploads/incoming` (half-written ones).
fn uploads_left(home: &Home, sub: &str) -> usize {
    std::fs::read_dir(home.path().join("collections/default/.uploads").join(sub))
        .map(|d| d.flatten().count())
        .unwrap_or(0)
}

/// A batch upload keeps every blob it carries (an empty one included),
/// and the import of a folder uploaded that way stores what `add` stores;
/// the bytes count in `blob_upload_bytes_total`.
#[test]
fn a_batch_of_blobs_is_kept_in_one_request_and_imports() {
    let home = Home::new();
    let by_cli = Home::new();
    let server = Server::start(&home, &[]);
    let root = home.path().join("src/canvas");
    canvas(&root);
    let files = file_list(&root);
    let contents: Vec<(String, Vec<u8>)> = server
        .missing(&files)
        .into_iter()
        .map(|hash| {
            let f = files
                .iter()
                .find(|f| f["sha256"] == hash.as_str())
                .expect("a file");
            let bytes = std::fs::read(root.join(f["path"].as_str().expect("path"))).expect("read");
            (hash, bytes)
        })
        .collect();
    let mut blobs: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(h, b)| (h.as_str(), b.as_slice()))
        .collect();
    let empty = sha256_hex("");
    blobs.push((&empty, b""));
    let (status, body) = server.put_blobs(batch(&blobs));
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected: Vec<Value> = blobs
        .iter()
        .map(|(h, b)| json!({"sha256": h, "size": b.len()}))
        .collect();
    assert_eq!(body, json!({ "stored": expected }));
    assert_eq!(server.missing(&files), Vec::<String>::new());
    let sent: usize = contents.iter().map(|(_, b)| b.len()).sum();
    let metrics = server.metrics();
    assert!(
        metrics
            .lines()
            .any(|l| l == format!("blob_upload_bytes_total {sent}")),
        "{metrics}"
    );
    let (_, job) = server.import(&files, "canvas");
    assert_eq!(job["status"], "succeeded", "{job}");
    by_cli.cmd().arg("add").arg(&root).assert().success();
    assert_eq!(listed(&home), listed(&by_cli));
}

/// A blob of a batch whose bytes are not the blob it names: 422 naming
/// it, nothing of it kept (the one before it is kept, the one after it is
/// never read). A header that is not one, a body ending inside a blob: 400.
#[test]
fn a_batch_with_a_mismatched_or_cut_blob_is_refused_naming_it() {
    let home = Home::new();
    let server = Server::start(&home, &[]);
    let (good, after) = (sha256_hex("good\n"), sha256_hex("after\n"));
    let claimed = sha256_hex("the real bytes\n");
    let body = batch(&[
        (&good, b"good\n"),
        (&claimed, b"other bytes\n"),
        (&after, b"after\n"),
    ]);
    let (status, body) = server.put_blobs(body);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "bad_input");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains(&claimed), "{message}");
    let asked = json!({"sha256": [good, claimed, after]});
    let (_, missing) = server.post_json("/api/v1/blobs/missing", &asked);
    assert_eq!(missing, json!({"missing": [claimed, after]}));
    assert_eq!(
        (
            uploads_left(&home, "blobs"),
            uploads_left(&home, "incoming")
        ),
        (1, 0)
    );
    for (body, says) in [
        (b"not a header\n".to_vec(), "blob 1 of the batch"),
        (
            format!("{claimed} 15\nthe real").into_bytes(),
            "ends after 8 of its 15 bytes",
        ),
        (format!("{claimed} lots\n").into_bytes(), "not a number"),
        (format!("{} 1\nx", "A".repeat(64)).into_bytes(), "sha256"),
    ] {
        let (status, answer) = server.put_blobs(body);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["message"].as_str().expect("message").contains(says),
            "{answer}"
        );
    }
    let (_, missing) = server.post_json("/api/v1/blobs/missing", &asked);
    assert_eq!(missing, json!({"missing": [claimed, after]}));
}

/// A batch body declared over 16 MiB: 413 before its body, nothing kept; a blob of a batch over the
/// blob limit (a plugin's total): 413 naming it, nothing of it kept.
#[test]
fn a_batch_over_its_limits_is_413() {
    let home = Home::new();
    let mut serve = home.cmd_failpoints_std();
    serve.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "entry=500,total=1000");
    let server = Server::spawn(serve, &[], &[]);
    let chunk = vec![b'x'; 1000];
    let hash = hash_bytes(&chunk).to_hex();
    let (status, answer) = server.declared("/api/v1/blobs", 16 * 1024 * 1024 + 1);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(answer["code"], "too_large");
    assert_eq!(uploads_left(&home, "blobs"), 0);
    let big = "x".repeat(1001);
    let big_hash = sha256_hex(&big);
    let (status, answer) = server.put_blobs(batch(&[(&big_hash, big.as_bytes())]));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .expect("message")
            .contains(&big_hash),
        "{answer}"
    );
    assert_eq!(uploads_left(&home, "blobs"), 0);
    let (status, answer) = server.put_blobs(batch(&[(&hash, &chunk)]));
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// An import naming a blob never uploaded is 409, naming it; a path that
/// leaves the folder is 400; nothing is written either way.
#[test]
fn an_import_of_blobs_not_uploaded_or_of_unsafe_paths_writes_nothing() {
    let src = tempfile::tempdir().expect("a source");
    let root = src.path().join("canvas");
    canvas(&root);
    let files = file_list(&root);
    let home = Home::new();
    let server = Server::start(&home, &[]);
    server.upload_missing(&root, &files);
    let never = sha256_hex("never uploaded\n");
    let mut with_missing = files.clone();
    with_missing
        .push(json!({"path": "skills/canvas-design/notes.md", "sha256": never, "size": 15}));
    let (status, body) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({"files": with_missing, "root_name": "canvas"}),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "conflict");
    assert!(
        body["message"].as_str().expect("message").contains(&never),
        "{body}"
    );

    for path in ["../x", "/etc/passwd", "skills/../../x", "a\\b", ""] {
        let mut bad = files.clone();
        bad.push(json!({"path": path, "sha256": files[0]["sha256"], "size": files[0]["size"]}));
        let (status, body) = server.post_json(
            "/api/v1/artifacts/import/composite",
            &json!({"files": bad, "root_name": "canvas"}),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path:?}: {body}");
        assert!(
            body["message"].as_str().expect("message").contains("files"),
            "{body}"
        );
    }
    // A size that is not the blob's, a file given twice: 400.
    let mut wrong_size = files.clone();
    wrong_size[0]["size"] = json!(1);
    let mut twice = files.clone();
    twice.push(files[0].clone());
    for bad in [wrong_size, twice] {
        let (status, body) = server.post_json(
            "/api/v1/artifacts/import/composite",
            &json!({"files": bad, "root_name": "canvas"}),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let (status, body) = server.json("/api/v1/imports/01JZ8Y4W5N3K9Q2R7T6V0XABCD");
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    assert!(listed(&home).is_empty());
    let imports = home.path().join("collections/default/.uploads/imports");
    let left: Vec<_> = std::fs::read_dir(&imports)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    verify_ok(&home);
}

/// Adversarial lists: a file that is a folder of another path (whatever
/// the paths' order: `a`, `a-b`, `a/b` once reached the rebuild and a
/// 500), a conflict choice naming no child, an unknown plugin: 400, and
/// nothing is written.
#[test]
fn nested_files_and_choices_naming_nothing_are_400_and_write_nothing() {
    let src = tempfile::tempdir().expect("a source");
    let root = src.path().join("canvas");
    canvas(&root);
    let files = file_list(&root);
    let home = Home::new();
    let server = Server::start(&home, &[]);
    server.upload_missing(&root, &files);
    let import = |body: Value| {
        let (status, body) = server.post_json("/api/v1/artifacts/import/composite", &body);
        (
            status,
            body["message"].as_str().unwrap_or_default().to_owned(),
        )
    };

    let blob =
        |path: &str| json!({"path": path, "sha256": files[0]["sha256"], "size": files[0]["size"]});
    for nested in [
        ["notes", "notes-x", "notes/y"],
        ["skills/canvas-design/SKILL.md/x", "a", "b"],
    ] {
        let mut bad = files.clone();
        bad.extend(nested.iter().map(|p| blob(p)));
        let (status, message) = import(json!({"files": bad, "root_name": "canvas"}));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{nested:?}: {message}");
        assert!(message.contains("puts a file inside it"), "{message}");
    }

    let choice = json!([{"plugin": "canvas", "kind": "skill", "name": "nope", "policy": "fork"}]);
    let (status, message) =
        import(json!({"files": files, "root_name": "canvas", "conflict_choices": choice}));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
    assert_eq!(
        message,
        "conflict_choices: plugin \"canvas\" has no skill \"nope\" among the plugins imported"
    );
    let (status, message) =
        import(json!({"files": files, "root_name": "canvas", "plugins": ["nope"]}));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
    assert!(message.contains("nope"), "{message}");

    assert!(listed(&home).is_empty());
    verify_ok(&home);
}

/// Blobs of many chunks (a body of 8 MiB), four PUTs of the same one at
/// once: each is kept whole (the writer once started only after the body
/// was read, and a body over 16 chunks waited for it until the time limit).
#[test]
fn large_blobs_upload_and_concurrent_puts_of_one_blob_agree() {
    let home = Home::new();
    let server = Server::start(&home, &[]);
    let bytes: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let hash = hash_bytes(&bytes).to_hex();
    let results: Vec<(StatusCode, Value)> = std::thread::scope(|s| {
        let puts: Vec<_> = (0..4)
            .map(|_| s.spawn(|| server.put_blob(&hash, bytes.clone())))
            .collect();
        puts.into_iter().map(|p| p.join().expect("a PUT")).collect()
    });
    for (status, body) in results {
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["size"], bytes.len());
    }
    let kept = home
        .path()
        .join("collections/default/.uploads/blobs")
        .join(&hash);
    assert_eq!(std::fs::read(kept).expect("the upload"), bytes);
    assert!(server.missing(&[json!({"sha256": hash})]).is_empty());
}

/// A source on the server's machine imports like a file list on a
/// loopback server, and is refused (403) by a `--public` one.
#[test]
fn a_source_path_imports_on_loopback_and_is_forbidden_on_a_public_server() {
    let home = Home::new();
    let source = fixture("guardrails");
    let server = Server::start(&home, &[]);
    let (status, started) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({"source": source}),
    );
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["parent"]["name"], "guardrails");
    let job = server.poll(started["transaction_id"].as_str().expect("id"));
    assert_eq!(job["status"], "succeeded", "{job}");
    let by_cli = Home::new();
    by_cli.cmd().arg("add").arg(&source).assert().success();
    assert_eq!(listed(&home), listed(&by_cli));
    drop(server);

    let public = Server::start(&Home::new(), &["--public"]);
    let (status, body) = public.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({"source": source}),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

/// The server imports a marketplace (hash-first) while the CLI adds another
/// plugin to the same collection: both succeed (the collection's locking),
/// `verify` is clean, and the collection holds every artifact of both as
/// `add` of each stores it (a name both give is one or the other).
#[test]
fn the_server_imports_while_the_cli_adds_to_the_same_collection() {
    let market = fixture("wshobson-agents");
    let files = file_list(&market);
    let home = Home::new();
    let server = Server::start(&home, &[]);
    server.upload_missing(&market, &files);
    let (status, started) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({"files": files, "root_name": "wshobson-agents"}),
    );
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let id = started["transaction_id"].as_str().expect("an id");
    let (_, job) = server.json(&format!("/api/v1/imports/{id}"));
    assert_eq!(
        job["status"], "in_progress",
        "the import ended before the CLI began"
    );
    let cli = home.cmd().arg("add").arg(fixture("superpowers")).output();
    let job = server.poll(id);
    let cli = cli.expect("the CLI ran");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    verify_ok(&home);

    let each: Vec<BTreeMap<(String, String), String>> = ["wshobson-agents", "superpowers"]
        .iter()
        .map(|name| {
            let alone = Home::new();
            alone.cmd().arg("add").arg(fixture(name)).assert().success();
            listed(&alone)
        })
        .collect();
    let got = listed(&home);
    let keys: BTreeSet<&(String, String)> = each.iter().flat_map(|l| l.keys()).collect();
    assert_eq!(got.keys().collect::<BTreeSet<_>>(), keys);
    for (key, hash) in &got {
        assert!(
            each.iter().any(|l| l.get(key) == Some(hash)),
            "{key:?}: {hash} is neither import's"
        );
    }
}

/// SIGTERM while a marketplace imports: the server stops after the plugin
/// in flight; every plugin in the collection is whole, `verify` is clean.
#[test]
fn a_shutdown_during_an_import_leaves_no_partial_plugin() {
    let root = fixture("wshobson-agents");
    let files = file_list(&root);
    let home = Home::new();
    let mut server = Server::start(&home, &[]);
    server.upload_missing(&root, &files);
    let (status, started) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({"files": files, "root_name": "wshobson-agents"}),
    );
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let total = started["plugins"].as_array().expect("plugins").len();
    assert!(total > 50, "{total} plugins");
    let status = server.stop(Duration::from_secs(30));
    assert!(status.success(), "{status:?}: {}", server.stderr());
    // The plugin in flight finished; nothing had to be cut off.
    assert!(
        !server.stderr().contains("still running"),
        "{}",
        server.stderr()
    );

    verify_ok(&home);
    let got = listed(&home);
    let imported: Vec<&str> = (got.keys())
        .filter(|(kind, _)| kind == "composite")
        .map(|(_, name)| name.as_str())
        .collect();
    assert!(
        imported.len() < total,
        "the import was not cut off: {} of {total} plugins",
        imported.len()
    );
    // The same plugins imported by `add` give the same collection: every
    // plugin whole, every artifact as `add` stores it. (Only the same
    // plugins: several give a child of one name different content, and
    // the last imported is current.)
    let by_cli = Home::new();
    if imported.is_empty() {
        assert!(got.is_empty(), "{got:?}");
        return;
    }
    let mut add = by_cli.cmd();
    add.arg("add").arg(&root);
    for name in &imported {
        add.args(["--plugin", name]);
    }
    add.assert().success();
    assert_eq!(listed(&by_cli), got);
    let list = home.json(&["list", "--json", "--type", "composite"], &[] as &[&str]);
    let full = by_cli.json(&["list", "--json", "--type", "composite"], &[] as &[&str]);
    for plugin in list["items"].as_array().expect("items") {
        let same = full["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["name"] == plugin["name"])
            .expect("the plugin");
        assert_eq!(
            plugin["child_count"], same["child_count"],
            "{}",
            plugin["name"]
        );
    }
}

/// An upload no import used is a `verify` note once older than the time
/// it is kept, and the server removes it then.
#[test]
fn old_unused_uploads_are_noted_by_verify_and_swept() {
    let home = Home::new();
    let server = Server::spawn(home.cmd_std(), &[], &[("SKILLMEAT_UPLOAD_TTL", "2")]);
    let hash = sha256_hex("left behind\n");
    let (status, body) = server.put_blob(&hash, b"left behind\n".to_vec());
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = verify_ok(&home);
    assert!(fresh.get("notes").is_none(), "{fresh}");
    let mut verify = home.cmd();
    verify
        .env("SKILLMEAT_UPLOAD_TTL", "0")
        .args(["verify", "--json"]);
    let out = verify.assert().success().get_output().stdout.clone();
    let report: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(report["ok"], true, "{report}");
    let notes = strings(&report["notes"]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!(".uploads/blobs/{hash}: ")),
        "{notes:?}"
    );

    let hashes = json!({"sha256": [hash]});
    let start = Instant::now();
    loop {
        let (_, missing) = server.post_json("/api/v1/blobs/missing", &hashes);
        if missing["missing"] == json!([hash]) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "not swept: {missing}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        !home
            .path()
            .join(format!("collections/default/.uploads/blobs/{hash}"))
            .exists()
    );
}

/// A bundle zip uploaded as one blob imports as `skillmeat add BUNDLE.zip`
/// does; `/metrics` counts the bytes uploaded; the same zip again uploads
/// nothing; bad bundles are refused with the CLI's message (naming the zip
/// by the name the client gave, not a server path) and nothing is written.
#[test]
fn a_bundle_uploaded_as_one_blob_imports_as_add_does() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let author = Home::new();
    author
        .cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let zip = dir.path().join("guardrails.zip");
    author
        .cmd()
        .args(["export", "guardrails", "-o"])
        .arg(&zip)
        .assert()
        .success();
    let bytes = std::fs::read(&zip).expect("the bundle");
    let sha = hash_bytes(&bytes).to_hex();
    let entry = json!({"path": "guardrails.zip", "sha256": sha, "size": bytes.len()});

    let home = Home::new();
    let server = Server::start(&home, &[]);
    assert_eq!(
        server.missing(std::slice::from_ref(&entry)),
        std::slice::from_ref(&sha)
    );
    let (status, body) = server.put_blob(&sha, bytes.clone());
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        server
            .metrics()
            .contains(&format!("blob_upload_bytes_total {}", bytes.len())),
        "{}",
        server.metrics()
    );
    // Its preview is `skillmeat preview` of the zip, and writes nothing.
    let (status, planned) = server.post_json("/api/v1/plan/bundle", &json!({ "bundle": entry }));
    assert_eq!(status, StatusCode::OK, "{planned}");
    let previewed = home.json(&["preview", "--json"], [&zip]);
    assert_eq!(planned["plugins"], previewed["plugins"]);
    assert_eq!(
        planned["plugins"][0]["buckets"]["new"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert!(listed(&home).is_empty());
    let (status, started) = server.post_json(
        "/api/v1/artifacts/import/composite",
        &json!({ "bundle": entry }),
    );
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    assert_eq!(started["parent"]["name"], "guardrails");
    let job = server.poll(started["transaction_id"].as_str().expect("an id"));
    assert_eq!(job["status"], "succeeded", "{job}");
    let by_cli = Home::new();
    by_cli.cmd().arg("add").arg(&zip).assert().success();
    assert_eq!(listed(&home), listed(&by_cli));
    verify_ok(&home);
    assert_eq!(
        server.missing(std::slice::from_ref(&entry)),
        Vec::<String>::new()
    );

    // Bad bundles: not a zip; a zip whose README disagrees with its manifest.
    let not_zip = dir.path().join("notes.zip");
    std::fs::write(&not_zip, b"these are notes, not a zip\n").expect("write");
    let mut tampered = bytes.clone();
    let at = tampered
        .windows(b"guardrails".len())
        .rposition(|w| w == b"guardrails")
        .expect("a name in the zip");
    tampered[at] = b'G';
    let bad = dir.path().join("tampered.zip");
    std::fs::write(&bad, &tampered).expect("write");
    let bad = [&not_zip, &bad].map(|zip| {
        let bytes = std::fs::read(zip).expect("read");
        let sha = hash_bytes(&bytes).to_hex();
        let (status, body) = server.put_blob(&sha, bytes.clone());
        assert_eq!(status, StatusCode::OK, "{body}");
        (zip, sha, bytes.len())
    });
    let before = util::snapshot(&home.path().join("collections"));
    for (zip, sha, size) in bad {
        let name = zip.file_name().and_then(|n| n.to_str()).expect("a name");
        let output = by_cli.cmd().arg("add").arg(zip).output().expect("add");
        assert_eq!(output.status.code(), Some(1));
        let cli = String::from_utf8_lossy(&output.stderr);
        let reason = cli
            .trim()
            .strip_prefix(&format!("skillmeat: error: {}: ", zip.display()))
            .unwrap_or_else(|| panic!("{cli}"))
            .to_owned();
        for route in ["/api/v1/plan/bundle", "/api/v1/artifacts/import/composite"] {
            let (status, body) = server.post_json(
                route,
                &json!({"bundle": {"path": name, "sha256": sha, "size": size}}),
            );
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route}: {body}");
            assert_eq!(
                body["message"],
                format!("{name}: {reason}"),
                "{route}: {name}"
            );
        }
    }
    assert_eq!(util::snapshot(&home.path().join("collections")), before);

    // A size that is not the upload's, or a path that is not a file name, is 400.
    let size = bytes.len();
    for (bundle, says) in [
        (
            json!({"path": "guardrails.zip", "sha256": sha, "size": size + 1}),
            "is not the uploaded zip's",
        ),
        (
            json!({"path": "../guardrails.zip", "sha256": sha, "size": size}),
            "give the zip's file name",
        ),
        (
            json!({"path": "a\u{0}.zip", "sha256": sha, "size": size}),
            "give the zip's file name",
        ),
    ] {
        for route in ["/api/v1/plan/bundle", "/api/v1/artifacts/import/composite"] {
            let (status, body) = server.post_json(route, &json!({ "bundle": bundle }));
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route}: {body}");
            assert!(
                body["message"].as_str().expect("a message").contains(says),
                "{body}"
            );
        }
    }

    // A bundle never uploaded is a 409 naming it.
    let absent = "ab".repeat(32);
    for route in ["/api/v1/plan/bundle", "/api/v1/artifacts/import/composite"] {
        let (status, body) = server.post_json(
            route,
            &json!({"bundle": {"path": "x.zip", "sha256": absent, "size": 1}}),
        );
        assert_eq!(status, StatusCode::CONFLICT, "{route}: {body}");
        assert!(
            body["message"]
                .as_str()
                .expect("a message")
                .contains(&absent)
        );
    }
}
