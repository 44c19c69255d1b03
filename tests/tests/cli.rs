//! The real `skillmeat` binary over real fixtures and temp directories.

mod util;

use std::fs;

use predicates::prelude::*;
use serde_json::Value;
use util::{fixture, skillmeat};

#[test]
fn hash_prints_like_sha256sum() {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    fs::write(dir.path().join("hello.md"), "hello\n").expect("writing hello.md");
    let file = dir.path().join("hello.md");
    skillmeat()
        .arg("hash")
        .arg(&file)
        .arg(dir.path())
        .assert()
        .success()
        .stdout(format!(
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  {}\n\
             {}  {}\n",
            file.display(),
            // one record: "hello.md\0<sha of hello\n>\n"
            "ffde07233c6e2634a70de3f3bb76064758628520b9ccc0d7d14983b6db88da0e",
            dir.path().display()
        ));
}

#[test]
fn hash_json_shape() {
    let root = fixture("superpowers/skills/brainstorming");
    let out = skillmeat()
        .args(["hash", "--json"])
        .arg(&root)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("skillmeat printed JSON");
    let item = &v[0];
    assert_eq!(item["path"], root.display().to_string());
    assert_eq!(item["kind"], "directory");
    assert_eq!(item["files"], 8);
    assert_eq!(item["content_hash"].as_str().map(str::len), Some(64));
    assert_eq!(v.as_array().map(Vec::len), Some(1));
}

#[test]
fn hash_missing_path_exits_1_and_names_it() {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let missing = dir.path().join("nope");
    skillmeat()
        .arg("hash")
        .arg(&missing)
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "skillmeat: error: {}: no such file or directory\n",
            missing.display()
        ));
}

#[test]
fn hash_matches_the_reference_implementation_on_every_fixture_plugin() {
    let expected = util::expected("wshobson-agents.expected.json");
    let obj = expected.as_object().cloned().unwrap_or_default();
    assert_eq!(obj.len(), 60);
    for (name, counts) in obj {
        let root = fixture(&format!("wshobson-agents/plugins/{name}"));
        let out = skillmeat()
            .arg("hash")
            .arg(&root)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let line = String::from_utf8_lossy(&out);
        assert_eq!(
            Some(line.split_whitespace().next().unwrap_or_default()),
            counts["content_hash"].as_str(),
            "{name}"
        );
    }
}

#[test]
fn inspect_finds_every_marketplace_plugin_with_its_children() {
    let expected = util::expected("wshobson-agents.expected.json");
    let out = skillmeat()
        .args(["inspect", "--json"])
        .arg(fixture("wshobson-agents"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("skillmeat printed JSON");
    let plugins = v["plugins"].as_array().cloned().unwrap_or_default();
    assert_eq!(plugins.len(), 60);
    for p in &plugins {
        let name = p["name"].as_str().unwrap_or_default();
        let want = &expected[name];
        assert!(want.is_object(), "unexpected plugin {name}");
        for kind in ["skill", "command", "agent", "hook", "mcp_server"] {
            let got = p["children"]
                .as_array()
                .map_or(0, |c| c.iter().filter(|c| c["kind"] == kind).count());
            assert_eq!(Some(got as u64), want[kind].as_u64(), "{name}: {kind}");
        }
        assert_eq!(p["detection"], "manifest");
        assert_eq!(p["content_hash"], want["content_hash"], "{name}");
        assert_eq!(p["root"], format!("plugins/{name}"));
        for c in p["children"].as_array().into_iter().flatten() {
            for key in [
                "kind",
                "name",
                "path",
                "relationship",
                "content_hash",
                "description",
            ] {
                assert!(c.get(key).is_some(), "{name}: child without {key}");
            }
        }
    }
}

#[test]
fn inspect_repository_root_plugin_with_a_symlink() {
    let root = fixture("superpowers");
    let out = skillmeat()
        .args(["inspect", "--json"])
        .arg(&root)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("skillmeat printed JSON");
    let p = &v["plugins"][0];
    assert_eq!(v["plugins"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["name"], "superpowers");
    assert_eq!(p["root"], ".");
    assert_eq!(p["version"], "6.2.0");
    let kinds: Vec<&str> = p["children"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "skill").count(), 14);
    assert_eq!(kinds.iter().filter(|k| **k == "hook").count(), 1);
    // AGENTS.md -> CLAUDE.md is inside the tree: hashed as its target, so the
    // plugin hash equals the reference implementation's.
    let expected = util::expected("superpowers.expected.json");
    assert_eq!(p["content_hash"], expected["superpowers"]["content_hash"]);
}

#[test]
fn inspect_human_output_is_a_tree() {
    skillmeat()
        .arg("inspect")
        .arg(fixture("superpowers"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "superpowers 6.2.0  [manifest 1.00]  .",
        ))
        .stdout(predicate::str::contains("└─ hook       superpowers"))
        .stdout(predicate::str::contains(
            "1 plugin, 15 children: 14 skills, 0 commands, 0 agents, 1 hooks, 0 MCP servers, 0 LSP servers",
        ));
}

#[test]
fn inspect_errors_name_the_file_and_exit_1() {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    util::write(
        dir.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "my plugin"}"#,
    );
    skillmeat()
        .arg("inspect")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "field `name`: \"my plugin\" contains ' '",
        ))
        .stderr(predicate::str::contains(".claude-plugin/plugin.json"));
    // A path Claude Code refuses is not read; the plugin is, and says why
    // Claude Code would not load it.
    util::write(
        dir.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "p", "commands": ["../../etc/passwd"]}"#,
    );
    skillmeat()
        .arg("inspect")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "  does not load in Claude Code:\n    error: .claude-plugin/plugin.json: commands: \"../../etc/passwd\" must start with \"./\"",
        ));

    let empty = tempfile::TempDir::new().expect("a temp dir");
    util::write(empty.path(), "notes.md", "just notes");
    skillmeat()
        .arg("inspect")
        .arg(empty.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no plugin found"));

    skillmeat()
        .arg("inspect")
        .arg(empty.path().join("notes.md"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is a file; expected a plugin or marketplace folder",
        ));
}

#[test]
fn a_manifest_over_8_mib_is_named_as_too_large_and_exits_1() {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    // Valid JSON, 9 MiB long.
    let manifest = format!(r#"{{"name": "big", "pad": "{}"}}"#, "x".repeat(9 << 20));
    util::write(dir.path(), ".claude-plugin/plugin.json", &manifest);
    util::write(dir.path(), "skills/s/SKILL.md", "---\nname: s\n---\n");
    skillmeat()
        .arg("inspect")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            ".claude-plugin/plugin.json: is larger than the 8 MiB limit for a manifest",
        ))
        .stderr(predicate::str::contains("could not be read").not());
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    util::write(dir.path(), "ok.md", "x");
    util::write(dir.path(), "secret.md", "y");
    let secret = dir.path().join("secret.md");
    util::chmod(&secret, 0o000);
    let mut cmd = util::as_unprivileged(dir.path());
    cmd.arg("hash").arg(dir.path());
    cmd.assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: cannot read: Permission denied",
            secret.display()
        )));
}

#[test]
fn spans_carry_their_fields() {
    let out = skillmeat()
        .env("SKILLMEAT_LOG", "info")
        .args(["--log-format", "json", "inspect", "--json"])
        .arg(fixture("superpowers"))
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let spans: Vec<Value> = String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "close")
        .map(|v| v["span"].clone())
        .collect();
    let detect = spans.iter().find(|s| s["name"] == "composite.detect");
    assert_eq!(
        detect.map(|s| s["plugin_name"].clone()),
        Some(Value::from("superpowers"))
    );
    assert_eq!(
        detect.map(|s| s["strategy"].clone()),
        Some(Value::from("manifest"))
    );
    assert_eq!(
        detect.map(|s| s["child_count"].clone()),
        Some(Value::from(15))
    );
    let hashed = spans
        .iter()
        .find(|s| s["name"] == "artifact.hash_compute" && s["artifact_name"] == "brainstorming");
    assert_eq!(
        hashed
            .and_then(|s| s["content_hash"].as_str())
            .map(str::len),
        Some(64)
    );
}

/// A home whose path is not UTF-8 (the SQLite driver opens only UTF-8
/// paths): exit 1 naming it, no database written.
#[test]
fn a_home_whose_path_is_not_utf8_is_refused_naming_it() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let home = dir.path().join(std::ffi::OsStr::from_bytes(b"home-\xff"));
    skillmeat()
        .env("SKILLMEAT_HOME", &home)
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a UTF-8 path"));
    assert!(!home.join("skillmeat.db").exists(), "no database written");
}

/// What discovery noticed about a marketplace (an entry whose folder is
/// missing) comes with `preview`, in words and in `--json`.
#[test]
fn preview_says_what_discovery_skipped() {
    let home = util::Home::new();
    let market = tempfile::TempDir::new().expect("a temp dir");
    let root = market.path();
    fs::create_dir_all(root.join(".claude-plugin")).expect("mkdir");
    fs::write(
        root.join(".claude-plugin/marketplace.json"),
        r#"{"name": "m", "owner": {"name": "o"}, "plugins": [
            {"name": "one", "source": "./one"}, {"name": "gone", "source": "./gone"}]}"#,
    )
    .expect("marketplace.json");
    fs::create_dir_all(root.join("one/commands")).expect("mkdir");
    fs::write(root.join("one/commands/hi.md"), "Say hi.\n").expect("hi.md");
    let skipped = r#"plugin "gone": source ./gone has no files here; skipped"#;
    home.cmd()
        .arg("preview")
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "warning: .claude-plugin/marketplace.json: {skipped}"
        )));
    let out = home
        .cmd()
        .args(["preview", "--json"])
        .arg(root)
        .output()
        .expect("ran");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warnings = json["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains(skipped))),
        "{json}"
    );
}
