//! `remove` and `use` through the real binary: what goes and what stays,
//! the bytes freed (counted by walking the store before and after), the
//! refusals and `--force`, `--dry-run` writing nothing, `kill -9` at every
//! step (nothing partial, `verify` clean), `use` then `deploy`, and the
//! HTTP routes.

mod util;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use util::server::Server;
use util::{Home, snapshot, write};

const SHARED: &str = "---\nname: shared\ndescription: in both plugins\n---\nShared body.\n";
/// A file with the same bytes in a child of each plugin.
const NOTES: &str = "Notes both plugins carry, byte for byte.\n";
const ALPHA_JSON: &str = "{\"name\": \"alpha\"}\n";
const BETA_JSON: &str = "{\"name\": \"beta\"}\n";

fn only_a(version: &str) -> String {
    format!(
        "---\nname: only-a\ndescription: alpha's own\n---\n{version}\n{}\n",
        "a".repeat(5000)
    )
}

fn alpha_readme() -> String {
    format!("# alpha\n{}\n", "r".repeat(700))
}

fn a_cmd() -> String {
    format!("# a command\n{}\n", "c".repeat(3000))
}

/// Plugin alpha with `only-a` at `version`: skills shared, only-a (with
/// notes.md), command a-cmd, a README.
fn alpha(version: &str) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let p = dir.path();
    write(p, ".claude-plugin/plugin.json", ALPHA_JSON);
    write(p, "README.md", &alpha_readme());
    write(p, "skills/shared/SKILL.md", SHARED);
    write(p, "skills/only-a/SKILL.md", &only_a(version));
    write(p, "skills/only-a/notes.md", NOTES);
    write(p, "commands/a-cmd.md", &a_cmd());
    dir
}

/// Plugin beta: skills shared (the same bytes as alpha's) and only-b.
fn beta() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let p = dir.path();
    write(p, ".claude-plugin/plugin.json", BETA_JSON);
    write(p, "skills/shared/SKILL.md", SHARED);
    write(
        p,
        "skills/only-b/SKILL.md",
        "---\nname: only-b\ndescription: beta's own\n---\nB.\n",
    );
    write(p, "skills/only-b/notes.md", NOTES);
    dir
}

/// A home with alpha imported twice (only-a at v1, then v2) and beta.
fn home_with_two_plugins() -> Home {
    let home = Home::new();
    for dir in [alpha("v1"), alpha("v2"), beta()] {
        home.cmd().arg("add").arg(dir.path()).assert().success();
    }
    home
}

/// The bytes of every file only alpha stored (distinct contents): its
/// plugin.json and README, both versions of only-a's SKILL.md, a-cmd.
fn alpha_only_bytes() -> u64 {
    let contents: BTreeSet<String> = [
        ALPHA_JSON.to_owned(),
        alpha_readme(),
        only_a("v1"),
        only_a("v2"),
        a_cmd(),
    ]
    .into();
    contents.iter().map(|c| c.len() as u64).sum()
}

fn collection(home: &Home) -> std::path::PathBuf {
    home.path().join("collections/default")
}

/// Every file of the content-addressed store with its size.
fn store(home: &Home) -> BTreeMap<String, u64> {
    let objects = collection(home).join("objects");
    walkdir::WalkDir::new(&objects)
        .into_iter()
        .map(|e| e.expect("a readable store"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&objects).expect("below objects/");
            let size = e.metadata().expect("metadata").len();
            (rel.display().to_string(), size)
        })
        .collect()
}

/// What went from the store between two walks: how many files, how many bytes.
fn freed(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> (usize, u64) {
    assert!(
        after.keys().all(|k| before.contains_key(k)),
        "nothing is added to the store"
    );
    let gone: Vec<u64> = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(_, size)| *size)
        .collect();
    (gone.len(), gone.iter().sum())
}

fn names(home: &Home) -> Vec<String> {
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap_or(""),
                i["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn listed(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["kind"].as_str().unwrap_or(""),
                i["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Everything in the home but SQLite's `-wal` and `-shm` files, which a
/// reading command's connection leaves behind (the WAL empty) and a writing
/// one's close removes: they hold no data.
fn home_files(home: &Home) -> BTreeMap<String, String> {
    let mut files = snapshot(&home.path());
    if let Some(wal) = files.remove("skillmeat.db-wal") {
        assert!(wal.ends_with(EMPTY_SHA256), "the WAL holds nothing: {wal}");
    }
    files.remove("skillmeat.db-shm");
    files
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn assert_verified(home: &Home, at: &str) {
    let report = home.json(&["verify", "--json"], &[] as &[&str]);
    assert_eq!(report["ok"], true, "{at}: {report}");
}

#[test]
fn removing_a_plugin_takes_its_own_children_and_frees_exactly_their_bytes() {
    let home = home_with_two_plugins();
    let before = store(&home);
    let out = home.json(&["remove", "alpha", "--json"], &[] as &[&str]);
    let (files, bytes) = freed(&before, &store(&home));

    assert_eq!(
        listed(&out["removed"]),
        ["composite:alpha", "skill:only-a", "command:a-cmd"]
    );
    assert_eq!(out["removed"][1]["versions"], 2, "both versions of only-a");
    assert_eq!(listed(&out["kept"]), ["skill:shared"]);
    assert_eq!(out["kept"][0]["reason"], "also in plugin beta");
    // Independently: the walk, and the contents only alpha had.
    assert_eq!((files, bytes), (5, alpha_only_bytes()));
    assert_eq!(out["bytes_freed"], bytes);
    assert_eq!(out["blobs_freed"], files);

    assert_eq!(
        names(&home),
        ["composite:beta", "skill:only-b", "skill:shared"]
    );
    let shared = home.json(&["show", "skill:shared", "--json"], &[] as &[&str]);
    assert_eq!(listed_parents(&shared), ["beta"]);
    let dir = collection(&home);
    for gone in [
        "plugins/alpha",
        "artifacts/skills/only-a",
        "artifacts/commands/a-cmd.md",
    ] {
        assert!(!dir.join(gone).exists(), "{gone} is gone");
    }
    assert!(dir.join("artifacts/skills/shared/SKILL.md").exists());
    let lock = std::fs::read_to_string(dir.join("skillmeat.lock")).expect("the lock file");
    assert!(
        !lock.contains("only-a") && !lock.contains("\"alpha\""),
        "{lock}"
    );
    assert_verified(&home, "after remove");
    // The text output says the same.
    let again = Home::new();
    for d in [alpha("v1"), beta()] {
        again.cmd().arg("add").arg(d.path()).assert().success();
    }
    let text = again
        .cmd()
        .args(["remove", "composite:alpha"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(text.contains("removed      skill      only-a"), "{text}");
    assert!(
        text.contains("kept         skill      shared  (also in plugin beta)"),
        "{text}"
    );
    assert!(text.contains("freed "), "{text}");
}

fn listed_parents(show: &Value) -> Vec<String> {
    show["parents"]
        .as_array()
        .expect("parents")
        .iter()
        .map(|p| p["artifact_name"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn keep_children_removes_the_plugin_alone() {
    let home = home_with_two_plugins();
    let before = store(&home);
    let out = home.json(
        &["remove", "alpha", "--keep-children", "--json"],
        &[] as &[&str],
    );
    assert_eq!(listed(&out["removed"]), ["composite:alpha"]);
    assert_eq!(
        listed(&out["kept"]),
        ["skill:only-a", "skill:shared", "command:a-cmd"]
    );
    assert_eq!(out["kept"][0]["reason"], "--keep-children");
    assert_eq!(out["kept"][1]["reason"], "also in plugin beta");
    // Only the plugin's own files (plugin.json, README) go.
    let after = store(&home);
    let expected = (ALPHA_JSON.len() + alpha_readme().len()) as u64;
    assert_eq!(freed(&before, &after), (2, expected));
    assert_eq!(out["bytes_freed"], expected);
    assert_eq!(
        names(&home),
        [
            "composite:beta",
            "command:a-cmd",
            "skill:only-a",
            "skill:only-b",
            "skill:shared"
        ]
    );
    assert_verified(&home, "after --keep-children");
    // only-a now belongs to no plugin: it goes without --force (named by
    // its id), and its notes.md stays (only-b has the same bytes).
    let id = home.json(&["show", "skill:only-a", "--json"], &[] as &[&str])["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let out = home.json(&["remove", &id, "--json"], &[] as &[&str]);
    assert_eq!(listed(&out["removed"]), ["skill:only-a"]);
    let expected = (only_a("v1").len() + only_a("v2").len()) as u64;
    assert_eq!(freed(&after, &store(&home)), (2, expected));
    assert_eq!(out["bytes_freed"], expected);
    assert_verified(&home, "after removing only-a");
}

#[test]
fn an_artifact_in_a_plugin_or_deployed_is_refused_unless_forced() {
    let home = home_with_two_plugins();
    let project = tempfile::TempDir::new().expect("a project");
    home.cmd()
        .args(["deploy", "beta", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let before = home_files(&home);

    let out = home.cmd().args(["remove", "skill:shared"]).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("it is part of plugin alpha") && err.contains("it is part of plugin beta"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    let out = home.cmd().args(["remove", "beta"]).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let project_path = project.path().canonicalize().expect("the project");
    assert!(
        err.contains(&format!("it is deployed in {}", project_path.display())),
        "{err}"
    );
    let json = home.json_code(&["remove", "beta", "--json"], &[] as &[&str], 1);
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|e| e.contains("deployed in"))
    );
    assert_eq!(home_files(&home), before, "a refusal writes nothing");

    let out = home.json(
        &["remove", "skill:shared", "--force", "--json"],
        &[] as &[&str],
    );
    assert_eq!(listed(&out["removed"]), ["skill:shared"]);
    assert_eq!(
        out["overridden"],
        serde_json::json!([
            "it is part of plugin alpha",
            "it is part of plugin beta",
            format!("it is deployed in {}", project_path.display())
        ])
    );
    let alpha = home.json(&["show", "alpha", "--json"], &[] as &[&str]);
    assert_eq!(alpha["children"].as_array().map(Vec::len), Some(2));
    assert_verified(&home, "after the forced removal of shared");
    let out = home.json(&["remove", "beta", "--force", "--json"], &[] as &[&str]);
    assert_eq!(listed(&out["removed"]), ["composite:beta", "skill:only-b"]);
    assert_verified(&home, "after the forced removal of beta");
}

#[test]
fn a_dry_run_says_what_would_go_and_writes_nothing() {
    let home = home_with_two_plugins();
    let before = home_files(&home);
    let planned = home.json(&["remove", "alpha", "--dry-run", "--json"], &[] as &[&str]);
    let text = home
        .cmd()
        .args(["remove", "alpha", "--dry-run"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(text.contains("nothing was written"), "{text}");
    home.cmd()
        .args(["remove", "skill:shared", "--dry-run"])
        .assert()
        .code(1);
    assert_eq!(home_files(&home), before, "byte-identical home");
    assert_eq!(planned["dry_run"], true);
    assert_eq!(planned["bytes_freed"], alpha_only_bytes());

    let done = home.json(&["remove", "alpha", "--json"], &[] as &[&str]);
    assert_eq!(done["dry_run"], false);
    for field in ["removed", "kept", "bytes_freed", "blobs_freed"] {
        assert_eq!(planned[field], done[field], "{field}");
    }
}

/// Runs the crash-point build; whether it died there.
fn killed(home: &Home, args: &[&str], point: &str) -> bool {
    let out = home
        .cmd_failpoints_std()
        .args(args)
        .env("SKILLMEAT_FAILPOINT", point)
        .output()
        .expect("the binary runs");
    match out.status.code() {
        None => true,
        Some(0) => false,
        Some(code) => panic!(
            "{args:?} at {point}: exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[test]
fn a_remove_killed_at_any_step_leaves_all_or_nothing() {
    for point in skillmeat::failpoint::REMOVE {
        let home = home_with_two_plugins();
        let before = snapshot(&collection(&home));
        let names_before = names(&home);
        let store_before = store(&home);
        assert!(
            killed(&home, &["remove", "alpha"], point),
            "{point}: reached"
        );

        assert_verified(&home, point);
        let committed = ["remove.committed", "remove.cleaned"].contains(point);
        if committed {
            assert_eq!(
                names(&home),
                ["composite:beta", "skill:only-b", "skill:shared"],
                "{point}"
            );
            assert_eq!(
                freed(&store_before, &store(&home)),
                (5, alpha_only_bytes()),
                "{point}"
            );
        } else {
            assert_eq!(names(&home), names_before, "{point}");
            assert_eq!(
                snapshot(&collection(&home)),
                before,
                "{point}: rolled back byte for byte"
            );
            home.cmd().args(["remove", "alpha"]).assert().success();
            assert_verified(&home, point);
        }
    }
}

/// The content hashes of an artifact's versions: (current, the others).
fn versions(home: &Home, name: &str) -> (String, Vec<String>) {
    let show = home.json(&["show", name, "--json"], &[] as &[&str]);
    let mut current = String::new();
    let mut others = Vec::new();
    for v in show["versions"].as_array().expect("versions") {
        let hash = v["content_hash"].as_str().expect("a hash").to_owned();
        match v["current"].as_bool() {
            Some(true) => current = hash,
            _ => others.push(hash),
        }
    }
    (current, others)
}

#[test]
fn use_then_deploy_deploys_the_chosen_version() {
    let home = home_with_two_plugins();
    let (v2, others) = versions(&home, "skill:only-a");
    let [v1] = others.as_slice() else {
        panic!("two versions of only-a: {others:?}")
    };
    let out = home.json(
        &["use", &format!("skill:only-a@sha256:{v1}"), "--json"],
        &[] as &[&str],
    );
    assert_eq!(
        (out["from_hash"].as_str(), out["to_hash"].as_str()),
        (Some(v2.as_str()), Some(v1.as_str()))
    );
    assert_eq!(out["changed"], true);
    assert_eq!(versions(&home, "skill:only-a").0, *v1);
    let lock = std::fs::read_to_string(collection(&home).join("skillmeat.lock")).expect("lock");
    assert!(
        lock.contains(&format!("name = \"only-a\", hash = \"sha256:{v1}\"")),
        "{lock}"
    );
    // The plugin keeps its pin.
    let alpha = home.json(&["show", "alpha", "--json"], &[] as &[&str]);
    let pinned: Vec<&str> = alpha["children"]
        .as_array()
        .expect("children")
        .iter()
        .filter(|c| c["artifact_name"] == "only-a")
        .filter_map(|c| c["pinned_version_hash"].as_str())
        .collect();
    assert_eq!(pinned, [v2.as_str()]);
    assert_verified(&home, "after use");

    let project = tempfile::TempDir::new().expect("a project");
    home.cmd()
        .args(["deploy", "skill:only-a", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let deployed = std::fs::read_to_string(project.path().join(".claude/skills/only-a/SKILL.md"))
        .expect("the deployed SKILL.md");
    assert_eq!(deployed, only_a("v1"));

    // A prefix of 8 goes back; the current one again changes nothing.
    let out = home.json(
        &["use", &format!("skill:only-a@{}", &v2[..8]), "--json"],
        &[] as &[&str],
    );
    assert_eq!(out["to_hash"].as_str(), Some(v2.as_str()));
    let out = home.json(
        &["use", &format!("skill:only-a@{v2}"), "--json"],
        &[] as &[&str],
    );
    assert_eq!(out["changed"], false);
    let stored =
        std::fs::read_to_string(collection(&home).join("artifacts/skills/only-a/SKILL.md"))
            .expect("the current SKILL.md");
    assert_eq!(stored, only_a("v2"));
    assert_verified(&home, "after going back");
}

#[test]
fn an_unknown_version_lists_the_versions_there_are() {
    let home = home_with_two_plugins();
    let (v2, others) = versions(&home, "skill:only-a");
    let before = home_files(&home);
    let out = home
        .cmd()
        .args(["use", "skill:only-a@0000000000"])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("skill only-a has no stored version 0000000000"),
        "{err}"
    );
    assert!(err.contains(&v2) && err.contains(&others[0]), "{err}");
    for bad in ["skill:only-a@abc", "skill:only-a", "skill:only-a@xyzxyzxyz"] {
        home.cmd().args(["use", bad]).assert().code(1);
    }
    home.cmd()
        .args(["use", "skill:nope@00000000"])
        .assert()
        .code(1);
    assert_eq!(home_files(&home), before, "nothing written");
}

#[test]
fn a_use_killed_at_any_step_leaves_one_version_or_the_other() {
    for point in skillmeat::failpoint::USE {
        let home = home_with_two_plugins();
        let (v2, others) = versions(&home, "skill:only-a");
        let arg = format!("skill:only-a@{}", others[0]);
        assert!(killed(&home, &["use", &arg], point), "{point}: reached");
        assert_verified(&home, point);
        let current = versions(&home, "skill:only-a").0;
        let committed = ["use.committed", "use.cleaned"].contains(point);
        let expected = if committed { &others[0] } else { &v2 };
        assert_eq!(&current, expected, "{point}");
    }
}

#[test]
fn the_http_routes_remove_and_use() {
    let home = home_with_two_plugins();
    let (v2, others) = versions(&home, "skill:only-a");
    let server = Server::start(&home, &[]);
    let client = &server.client;
    let send = |r: reqwest::blocking::RequestBuilder| -> (u16, Value) {
        let response = r
            .bearer_auth(&server.token)
            .send()
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().expect("a JSON body"))
    };
    let url = |path: &str| server.url(&format!("/api/v1/artifacts/{path}"));

    let (status, body) = send(client.delete(url("skill:shared")));
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, body) = send(client.delete(url("composite:nope")));
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = send(client.delete(url("alpha?dry_run=true")));
    assert_eq!(
        (status, body["dry_run"].as_bool()),
        (200, Some(true)),
        "{body}"
    );

    let (status, body) = send(
        client
            .post(url("skill:only-a/use"))
            .json(&serde_json::json!({"hash": others[0]})),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["from_hash"].as_str(), body["to_hash"].as_str()),
        (Some(v2.as_str()), Some(others[0].as_str()))
    );
    let (status, body) = send(
        client
            .post(url("skill:only-a/use"))
            .json(&serde_json::json!({"hash": "00000000"})),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );

    let before = store(&home);
    let (status, body) = send(client.delete(url("alpha")));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        listed(&body["removed"]),
        ["composite:alpha", "skill:only-a", "command:a-cmd"]
    );
    assert_eq!(body["bytes_freed"], freed(&before, &store(&home)).1);
    let (status, _) = send(client.get(url("alpha")));
    assert_eq!(status, 404);
    drop(server);
    assert_verified(&home, "after the HTTP removal");
}
