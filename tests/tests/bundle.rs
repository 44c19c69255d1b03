//! `export`, and `add` / `preview` of bundle zips, through the real binary:
//! reproducible bytes, a zip that unzips to the same plugin, round trips
//! into fresh and existing homes, and every kind of hostile zip refused with
//! nothing written.

mod util;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use skillmeat::bundle::zip::write::SimpleFileOptions;
use skillmeat::bundle::zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};
use skillmeat_core::hash::hash_bytes;
use tempfile::TempDir;
use util::server::Server;
use util::{Home, fixture};

fn tmp() -> TempDir {
    TempDir::new().expect("a temp dir")
}

/// `skillmeat export NAME --json -o OUT`.
fn export(home: &Home, name: &str, out: &Path) -> Value {
    home.json(&["export", name, "--json", "-o"], [out])
}

/// A plugin imported into a fresh home and exported; the home and the zip.
fn exported(plugin: &Path, name: &str, out: &Path) -> (Home, PathBuf) {
    let home = Home::new();
    home.cmd().arg("add").arg(plugin).assert().success();
    let zip = out.join(format!("{name}.zip"));
    export(&home, name, &zip);
    (home, zip)
}

/// One entry of a zip, as the tests read and craft them.
#[derive(Debug, Clone)]
struct Item {
    name: String,
    data: Vec<u8>,
    /// Permission bits.
    mode: u32,
    method: CompressionMethod,
    link: bool,
}

impl Item {
    fn file(name: &str, data: &[u8]) -> Item {
        Item {
            name: name.into(),
            data: data.to_vec(),
            mode: 0o644,
            method: CompressionMethod::Deflated,
            link: false,
        }
    }
}

fn read_zip(path: &Path) -> Vec<Item> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = ZipArchive::new(file).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("a zip entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("reading a zip entry");
            Item {
                name: f.name().expect("a UTF-8 entry name").into_owned(),
                data,
                mode: f.unix_mode().unwrap_or(0o644) & 0o777,
                method: f.compression(),
                link: f.is_symlink(),
            }
        })
        .collect()
}

fn write_zip(path: &Path, items: &[Item]) {
    let file = File::create(path).expect("creating the zip file");
    let mut w = ZipWriter::new(file);
    for it in items {
        let opts = SimpleFileOptions::default()
            .compression_method(it.method)
            .unix_permissions(it.mode);
        let started = if it.link {
            w.add_symlink(
                it.name.as_str(),
                String::from_utf8_lossy(&it.data).as_ref(),
                opts,
            )
        } else if it.name.ends_with('/') {
            w.add_directory(it.name.as_str(), opts)
        } else {
            w.start_file(it.name.as_str(), opts)
                .and_then(|()| w.write_all(&it.data).map_err(Into::into))
        };
        started.unwrap_or_else(|e| panic!("{}: {e}", it.name));
    }
    w.finish().expect("finishing the zip");
}

/// Every file and folder below `dir`: path → SHA-256 and mode.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path()).display();
            let mode = e.metadata().expect("metadata").permissions().mode();
            let content = if e.file_type().is_file() {
                hash_bytes(&fs::read(e.path()).expect("a readable file")).to_hex()
            } else {
                "dir".into()
            };
            (rel.to_string(), format!("{content} {mode:o}"))
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn unzip(zip: &Path, into: &Path) {
    let file = File::open(zip).expect("opening the bundle");
    ZipArchive::new(file)
        .and_then(|mut a| a.extract(into))
        .expect("unpacking the bundle");
}

/// The children of `show --json`: type, name, relationship, pinned hash,
/// current hash, path.
fn children(show: &Value) -> Vec<[String; 6]> {
    let mut out: Vec<[String; 6]> = show["children"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            [
                "artifact_type",
                "artifact_name",
                "relationship_type",
                "pinned_version_hash",
                "current_hash",
                "path",
            ]
            .map(|k| c[k].as_str().unwrap_or("-").to_owned())
        })
        .collect();
    out.sort();
    out
}

/// The children of `inspect --json`: kind, name, path, hash, relationship.
fn inspected(report: &Value) -> Vec<[String; 5]> {
    let mut out: Vec<[String; 5]> = report["plugins"][0]["children"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            ["kind", "name", "path", "content_hash", "relationship"]
                .map(|k| c[k].as_str().unwrap_or("-").to_owned())
        })
        .collect();
    out.sort();
    out
}

fn bundle_manifest(zip: &Path) -> Value {
    let items = read_zip(zip);
    let m = items
        .iter()
        .find(|i| i.name == "skillmeat-bundle.json")
        .unwrap_or_else(|| panic!("no manifest in {}", zip.display()));
    serde_json::from_slice(&m.data).expect("the bundle manifest is JSON")
}

#[test]
fn export_is_byte_identical_and_unzips_to_the_same_plugin() {
    let out = tmp();
    let (home, first_zip) = exported(&fixture("superpowers"), "superpowers", out.path());
    // Into a folder: the default name.
    let second = export(&home, "superpowers", out.path());
    let second_zip = out.path().join("superpowers-6.2.0.zip");
    assert_eq!(second["path"].as_str(), second_zip.to_str());
    let a = fs::read(&first_zip).expect("the first export");
    let b = fs::read(&second_zip).expect("the second export");
    assert!(!a.is_empty());
    assert!(a == b, "two exports differ");
    assert_eq!(
        second["content_hash"].as_str(),
        Some(hash_bytes(&b).to_hex().as_str())
    );
    assert_eq!(second["bytes"].as_u64(), Some(b.len() as u64));

    // Entries: sorted, fixed time, 0644 or 0755 as in the plugin.
    let original = home.json(&["inspect", "--json"], [fixture("superpowers")]);
    assert_eq!(second["files"], original["plugins"][0]["files"]);
    let mut archive = ZipArchive::new(File::open(&second_zip).expect("opening the second bundle"))
        .expect("a zip archive");
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let f = archive.by_index(i).expect("a zip entry");
        let name = f.name().expect("a UTF-8 entry name").into_owned();
        assert_eq!(f.last_modified(), Some(DateTime::default()), "{name}");
        let mode = f.unix_mode().unwrap_or(0) & 0o7777;
        if name != "skillmeat-bundle.json" {
            let want = if is_executable(&fixture("superpowers").join(&name)) {
                0o755
            } else {
                0o644
            };
            assert_eq!(mode, want, "{name}");
        }
        names.push(name);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.iter().any(|n| n == "hooks/session-start"));

    // Unzipped, it is the same plugin: same children, same hashes.
    let dir = tmp();
    let root = dir.path().join("superpowers");
    unzip(&second_zip, &root);
    assert!(is_executable(&root.join("hooks/session-start")));
    let got = home.json(&["inspect", "--json"], [&root]);
    assert_eq!(got["plugins"].as_array().map(Vec::len), Some(1));
    assert_eq!(inspected(&got), inspected(&original));
    assert_eq!(inspected(&got).len(), 15);
    // Without the bundle manifest it is byte for byte the imported plugin.
    fs::remove_file(root.join("skillmeat-bundle.json")).expect("removing the bundle manifest");
    let plain = home.json(&["inspect", "--json"], [&root]);
    let hash = &plain["plugins"][0]["content_hash"];
    assert_eq!(hash, &original["plugins"][0]["content_hash"]);
    assert_eq!(
        &bundle_manifest(&second_zip)["plugin"]["content_hash"],
        hash
    );
}

#[test]
fn round_trips_keep_children_hashes_and_pins() {
    let out = tmp();
    // A plugin that is one skill: a root SKILL.md, no skills/ folder.
    let solo = tmp();
    util::write(
        solo.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "solo"}"#,
    );
    util::write(
        solo.path(),
        "SKILL.md",
        "---\nname: solo\ndescription: One\n---\nDo it.\n",
    );
    util::write(solo.path(), "scripts/run.sh", "echo solo\n");
    for (plugin, name) in [
        (fixture("superpowers"), "superpowers"),
        (fixture("guardrails"), "guardrails"),
        (solo.path().to_owned(), "solo"),
    ] {
        let (home, zip) = exported(&plugin, name, out.path());
        let before = home.json(&["show", name, "--json"], &[] as &[&str]);
        let manifest = bundle_manifest(&zip);
        assert_eq!(manifest["format_version"], 1);
        assert_eq!(manifest["plugin"]["name"], name);
        assert_eq!(
            manifest["members"].as_array().map(Vec::len),
            before["children"].as_array().map(Vec::len)
        );

        // Into a fresh home: the same plugin.
        let fresh = Home::new();
        let added = fresh.json(&["add", "--json"], [&zip]);
        assert_eq!(added["results"][0]["success"], true, "{added}");
        let after = fresh.json(&["show", name, "--json"], &[] as &[&str]);
        assert_eq!(children(&after), children(&before), "{name}");
        for key in ["version", "description", "subtype"] {
            assert_eq!(after[key], before[key], "{name}: {key}");
        }
        assert_eq!(after["content_hash"], manifest["plugin"]["content_hash"]);
        assert!(
            after["source"]
                .as_str()
                .is_some_and(|s| s.contains(&format!("{name}.zip"))),
            "{after}"
        );
        fresh
            .cmd()
            .arg("verify")
            .assert()
            .success()
            .stdout(predicate::str::starts_with("ok: "));
        let leftovers: Vec<_> = fs::read_dir(fresh.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".bundle-"))
            .collect();
        assert!(leftovers.is_empty(), "scratch left behind: {leftovers:?}");

        // Into the home it came from: every child already there.
        let n = before["children"].as_array().map_or(0, Vec::len);
        let preview = home.json(&["preview", "--json"], [&zip]);
        let buckets = &preview["plugins"][0]["buckets"];
        assert_eq!(buckets["existing"].as_array().map(Vec::len), Some(n));
        assert_eq!(buckets["new"].as_array().map(Vec::len), Some(0));
        assert_eq!(buckets["conflict"].as_array().map(Vec::len), Some(0));
        home.cmd()
            .arg("preview")
            .arg(&zip)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "{name}: 0 new, {n} existing, 0 conflict"
            )));
        let again = home.json(&["add", "--json"], [&zip]);
        assert_eq!(again["results"][0]["children_reused"], n);
        assert_eq!(again["results"][0]["children_imported"], 0);
        assert_eq!(again["results"][0]["children_new_version"], 0);
    }
}

#[test]
fn executable_bits_survive_export_and_import() {
    let out = tmp();
    let (_home, zip) = exported(&fixture("guardrails"), "guardrails", out.path());
    let modes: BTreeMap<String, u32> = read_zip(&zip)
        .into_iter()
        .map(|i| (i.name, i.mode))
        .collect();
    assert_eq!(modes.get("hooks/check.py"), Some(&0o755));
    assert_eq!(modes.get("hooks/hooks.json"), Some(&0o644));
    let fresh = Home::new();
    fresh.cmd().arg("add").arg(&zip).assert().success();
    let stored = fresh
        .path()
        .join("collections/default/artifacts/hooks/guardrails/hooks");
    assert!(is_executable(&stored.join("check.py")));
    assert!(!is_executable(&stored.join("hooks.json")));
}

#[test]
fn highly_compressible_files_are_stored_so_the_bundle_imports_again() {
    let copy = util::copy_tree(&fixture("guardrails"));
    let zeros = vec![0u8; 3 << 20];
    fs::write(copy.path().join("config/empty.db"), &zeros).expect("writing 3 MiB of zeros");
    let out = tmp();
    let (_home, zip) = exported(copy.path(), "guardrails", out.path());
    let items = read_zip(&zip);
    let db = items
        .iter()
        .find(|i| i.name == "config/empty.db")
        .expect("config/empty.db in the bundle");
    assert_eq!(db.method, CompressionMethod::Stored);
    assert_eq!(db.data, zeros);
    let readme = items.iter().find(|i| i.name == "README.md");
    assert_eq!(readme.map(|i| i.method), Some(CompressionMethod::Deflated));
    let fresh = Home::new();
    fresh.cmd().arg("add").arg(&zip).assert().success();
}

#[test]
fn children_are_exported_at_their_pinned_version() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    // Another plugin brings a newer guard-rules: it becomes current, while
    // guardrails still pins the one it was imported with.
    let next = util::copy_tree(&fixture("guardrails"));
    util::write(
        next.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "guardrails-next", "version": "0.4.0"}"#,
    );
    util::write(
        next.path(),
        "skills/guard-rules/SKILL.md",
        "---\nname: guard-rules\n---\nnewer\n",
    );
    home.cmd().arg("add").arg(next.path()).assert().success();
    let out = tmp();
    let zip = out.path().join("g.zip");
    home.cmd()
        .args(["export", "guardrails", "-o"])
        .arg(&zip)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skill guard-rules: exporting its pinned version",
        ));
    let skill = read_zip(&zip)
        .into_iter()
        .find(|i| i.name == "skills/guard-rules/SKILL.md")
        .map(|i| i.data);
    assert_eq!(
        skill,
        fs::read(fixture("guardrails/skills/guard-rules/SKILL.md")).ok()
    );
    let fresh = Home::new();
    fresh.cmd().arg("add").arg(&zip).assert().success();
    let before = home.json(&["show", "guardrails", "--json"], &[] as &[&str]);
    let after = fresh.json(&["show", "guardrails", "--json"], &[] as &[&str]);
    let pins = |v: &Value| {
        children(v)
            .into_iter()
            .map(|c| c[3].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(pins(&after), pins(&before));
}

#[test]
fn mcp_servers_are_written_back_as_mcp_json() {
    let out = tmp();
    let (_home, zip) = exported(&fixture("guardrails"), "guardrails", out.path());
    let items = read_zip(&zip);
    let mcp = items
        .iter()
        .find(|i| i.name == ".mcp.json")
        .expect(".mcp.json in the bundle");
    let got: Value = serde_json::from_slice(&mcp.data).expect("the bundled .mcp.json is JSON");
    let original: Value = serde_json::from_str(
        &fs::read_to_string(fixture("guardrails/.mcp.json")).expect("the fixture's .mcp.json"),
    )
    .expect("the fixture's .mcp.json is JSON");
    assert_eq!(got, original);
}

#[test]
fn relationships_survive_a_bundle_of_a_legacy_plugin() {
    let src = tmp();
    let root = src.path().join("legacy-kit");
    util::write(
        &root,
        "composite.json",
        r#"{"name": "legacy-kit", "version": "2.0.0", "description": "old format",
            "members": [
              {"path": "skills/alpha", "type": "skill", "relationship": "REQUIRED"},
              {"path": "commands/beta.md", "type": "command", "relationship": "OPTIONAL"},
              {"path": "agents/gamma.md", "type": "agent"}]}"#,
    );
    util::write(&root, "skills/alpha/SKILL.md", "---\nname: alpha\n---\nA\n");
    util::write(&root, "commands/beta.md", "Run beta.\n");
    util::write(&root, "agents/gamma.md", "---\nname: gamma\n---\nG\n");
    util::write(&root, "README.md", "# legacy\n");
    let out = tmp();
    let (home, zip) = exported(&root, "legacy-kit", out.path());
    let before = home.json(&["show", "legacy-kit", "--json"], &[] as &[&str]);
    let relationships: Vec<String> = children(&before).iter().map(|c| c[2].clone()).collect();
    assert_eq!(relationships, ["MEMBER", "OPTIONAL", "REQUIRED"]);

    // The zip is a Claude Code plugin: a generated plugin.json, no members.
    let items = read_zip(&zip);
    let generated = items
        .iter()
        .find(|i| i.name == ".claude-plugin/plugin.json")
        .map(|i| serde_json::from_slice::<Value>(&i.data).expect("plugin.json is JSON"))
        .expect("a generated plugin.json in the bundle");
    assert_eq!(generated["name"], "legacy-kit");
    assert_eq!(generated["version"], "2.0.0");
    assert!(generated.get("members").is_none());
    let dir = tmp();
    unzip(&zip, &dir.path().join("legacy-kit"));
    let inspect = home.json(&["inspect", "--json"], [dir.path().join("legacy-kit")]);
    assert_eq!(inspect["plugins"][0]["detection"], "manifest");

    let fresh = Home::new();
    fresh.cmd().arg("add").arg(&zip).assert().success();
    let after = fresh.json(&["show", "legacy-kit", "--json"], &[] as &[&str]);
    assert_eq!(children(&after), children(&before));
}

#[test]
fn git_is_never_exported_and_secrets_only_when_allowed() {
    let copy = util::copy_tree(&fixture("guardrails"));
    let plugin = copy.path();
    util::write(plugin, ".git/config", "[core]\n");
    util::write(plugin, ".git/HEAD", "ref: refs/heads/main\n");
    util::write(plugin, "node_modules/x/index.js", "module.exports = 1;\n");
    util::write(plugin, ".env", "TOKEN=secret\n");
    util::write(plugin, "certs/server.pem", "-----BEGIN-----\n");
    util::write(plugin, "keys/id_ed25519", "key\n");
    let home = Home::new();
    home.cmd().arg("add").arg(plugin).assert().success();
    let out = tmp();
    let zip = out.path().join("g.zip");
    home.cmd()
        .args(["export", "guardrails", "-o"])
        .arg(&zip)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot export guardrails: these files look like secrets: .env, certs/server.pem, keys/id_ed25519 (pass --allow-secrets",
        ));
    assert_eq!(fs::read_dir(out.path()).map(Iterator::count).ok(), Some(0));

    let report = home.json(
        &["export", "guardrails", "--allow-secrets", "--json", "-o"],
        [&zip],
    );
    let names: Vec<String> = read_zip(&zip).into_iter().map(|i| i.name).collect();
    for secret in [".env", "certs/server.pem", "keys/id_ed25519"] {
        assert!(names.iter().any(|n| n == secret), "{secret} missing");
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with(".git/") || n.contains("node_modules")),
        "{names:?}"
    );
    assert_eq!(report["files"].as_u64(), Some(names.len() as u64 - 1));
}

/// `.env.example` and its kin are templates, not secrets: a plugin that
/// ships one exports; `.env` and `.env.local` beside it are still refused.
#[test]
fn env_templates_are_exported_and_env_files_refused() {
    let copy = util::copy_tree(&fixture("guardrails"));
    let plugin = copy.path();
    let templates = [
        ".env.example",
        ".env.sample",
        ".env.template",
        ".env.dist",
        ".env.defaults",
        "config/.env.local.example",
    ];
    for t in templates {
        util::write(plugin, t, "TOKEN=\n");
    }
    let home = Home::new();
    home.cmd().arg("add").arg(plugin).assert().success();
    let out = tmp();
    let zip = out.path().join("g.zip");
    export(&home, "guardrails", &zip);
    let names: Vec<String> = read_zip(&zip).into_iter().map(|i| i.name).collect();
    for t in templates {
        assert!(names.iter().any(|n| n == t), "{t} missing from {names:?}");
    }

    for secret in [".env", ".env.local"] {
        let copy = util::copy_tree(plugin);
        util::write(copy.path(), secret, "TOKEN=secret\n");
        let home = Home::new();
        home.cmd().arg("add").arg(copy.path()).assert().success();
        let zip = out.path().join("refused.zip");
        home.cmd()
            .args(["export", "guardrails", "-o"])
            .arg(&zip)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "cannot export guardrails: this file looks like a secret: {secret} (pass --allow-secrets to export it anyway)\n"
            )));
        assert!(!zip.exists(), "{secret}: a zip was written");
    }
}

#[test]
fn single_artifacts_export_as_one_child_plugins() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let out = tmp();
    for (name, kind, entry) in [
        ("guard-rules", "skill", "skills/guard-rules/SKILL.md"),
        ("guard-status", "command", "commands/guard-status.md"),
        ("guard-reviewer", "agent", "agents/guard-reviewer.md"),
        ("guard-audit", "mcp_server", ".mcp.json"),
        ("guardrails", "hook", "hooks/check.py"),
    ] {
        let shown = home.json(&["show", name, "--type", kind, "--json"], &[] as &[&str]);
        let id = shown["id"].as_str().unwrap_or_default().to_owned();
        let zip = out.path().join(format!("{kind}.zip"));
        export(&home, &id, &zip);
        let items = read_zip(&zip);
        assert!(items.iter().any(|i| i.name == entry), "{kind}: no {entry}");
        assert!(
            items.iter().any(|i| i.name == ".claude-plugin/plugin.json"),
            "{kind}"
        );
        let dir = tmp();
        let root = dir.path().join(name);
        unzip(&zip, &root);
        let report = home.json(&["inspect", "--json"], [&root]);
        assert_eq!(report["plugins"][0]["name"], name, "{kind}");
        let got = inspected(&report);
        assert_eq!(got.len(), 1, "{kind}: {got:?}");
        assert_eq!(got[0][0], kind);
        assert_eq!(got[0][1], name);
        assert_eq!(shown["content_hash"].as_str(), Some(got[0][3].as_str()));

        let fresh = Home::new();
        fresh.cmd().arg("add").arg(&zip).assert().success();
        let again = fresh.json(&["show", name, "--type", kind, "--json"], &[] as &[&str]);
        assert_eq!(again["content_hash"], shown["content_hash"], "{kind}");
    }
}

#[test]
fn every_marketplace_plugin_round_trips() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("wshobson-agents"))
        .assert()
        .success();
    // In the marketplace's order, the order they were imported in (so that
    // children shared by several plugins end with the same current version).
    let inspect = home.json(&["inspect", "--json"], [fixture("wshobson-agents")]);
    let names: Vec<String> = inspect["plugins"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names.len(), 60);
    let out = tmp();
    let fresh = Home::new();
    for name in &names {
        let zip = out.path().join(format!("{name}.zip"));
        export(&home, name, &zip);
        let added = fresh.json(&["add", "--json"], [&zip]);
        assert_eq!(added["results"][0]["success"], true, "{name}: {added}");
    }
    for name in &names {
        let before = home.json(&["show", name, "--json"], &[] as &[&str]);
        let after = fresh.json(&["show", name, "--json"], &[] as &[&str]);
        assert_eq!(children(&after), children(&before), "{name}");
        // Nothing regenerated: the very same plugin hash.
        assert_eq!(after["content_hash"], before["content_hash"], "{name}");
    }
}

#[test]
fn preview_and_dry_run_of_a_bundle_write_nothing() {
    let out = tmp();
    let (_home, zip) = exported(&fixture("guardrails"), "guardrails", out.path());
    let fresh = Home::new();
    let preview = fresh.json(&["preview", "--json"], [&zip]);
    assert_eq!(
        preview["plugins"][0]["buckets"]["new"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    let dry = fresh.json(&["add", "--dry-run", "--json"], [&zip]);
    assert_eq!(dry["results"][0]["children_imported"], 5);
    assert!(!fresh.path().exists(), "a preview must not create the home");
}

/// A home holding guardrails, its bundle, and a folder for crafted zips;
/// and, once asked for, a server on another home holding guardrails.
struct Hostile {
    home: Home,
    valid: Vec<Item>,
    dir: TempDir,
    served: std::cell::OnceCell<(Home, Server)>,
}

impl Hostile {
    fn new() -> Hostile {
        let dir = tmp();
        let (home, zip) = exported(&fixture("guardrails"), "guardrails", dir.path());
        let valid = read_zip(&zip);
        Hostile {
            home,
            valid,
            dir,
            served: std::cell::OnceCell::new(),
        }
    }

    fn craft(&self, label: &str, change: impl FnOnce(&mut Vec<Item>)) -> PathBuf {
        let mut items = self.valid.clone();
        change(&mut items);
        let path = self.dir.path().join(format!("{label}.zip"));
        write_zip(&path, &items);
        path
    }

    /// Replaces every occurrence of `from` in the zip's bytes (names in the
    /// local and central headers) with `to`, of the same length.
    fn patch(path: &Path, from: &str, to: &str) {
        assert_eq!(from.len(), to.len());
        let mut bytes = fs::read(path).expect("reading the zip to patch");
        let mut hits = 0;
        let mut i = 0;
        while i + from.len() <= bytes.len() {
            if &bytes[i..i + from.len()] == from.as_bytes() {
                bytes[i..i + from.len()].copy_from_slice(to.as_bytes());
                hits += 1;
            }
            i += 1;
        }
        assert_eq!(
            hits, 2,
            "{from} should be in one local and one central header"
        );
        fs::write(path, bytes).expect("writing the edited zip");
    }

    /// `add` (and `preview`) refuse the zip with exit 1 and an error naming
    /// it and `expected`; the home is unchanged.
    fn refused(&self, zip: &Path, expected: &str) {
        self.refused_by(self.home.cmd(), zip, expected);
        self.refused_over_http(zip, expected);
    }

    /// The browser's way: the zip uploaded as one blob and imported by the
    /// server, which refuses it (400) with the CLI's message after the
    /// zip's name; the collection is unchanged.
    fn refused_over_http(&self, zip: &Path, expected: &str) {
        let (home, server) = self.served.get_or_init(|| {
            let home = Home::new();
            home.cmd()
                .arg("add")
                .arg(fixture("guardrails"))
                .assert()
                .success();
            let server = Server::start(&home, &[]);
            (home, server)
        });
        let bytes = fs::read(zip).expect("the zip");
        let sha = hash_bytes(&bytes).to_hex();
        let (status, body) = server.put_blob(&sha, bytes.clone());
        assert_eq!(status, StatusCode::OK, "{body}");
        let listed = || home.json(&["list", "--json"], &[] as &[&str]);
        let before = listed();
        let name = zip.file_name().and_then(|n| n.to_str()).expect("a name");
        let (status, body) = server.post_json(
            "/api/v1/artifacts/import/composite",
            &json!({"bundle": {"path": name, "sha256": sha, "size": bytes.len()}}),
        );
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        let message = body["message"].as_str().expect("a message");
        assert!(
            message.starts_with(&format!("{name}: ")) && message.contains(expected),
            "{message} lacks {expected:?}"
        );
        assert_eq!(listed(), before, "{name}");
    }

    fn refused_by(&self, cmd: assert_cmd::Command, zip: &Path, expected: &str) {
        self.refused_with(cmd, &[], zip, expected);
    }

    /// [`Hostile::refused_by`] with `flags` after `add`.
    fn refused_with(
        &self,
        mut cmd: assert_cmd::Command,
        flags: &[&str],
        zip: &Path,
        expected: &str,
    ) {
        let before = snapshot(&self.home.path());
        let output = cmd
            .arg("add")
            .args(flags)
            .arg(zip)
            .output()
            .expect("running skillmeat add");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{}: {stderr}", zip.display());
        assert!(
            stderr.contains(&format!("skillmeat: error: {}: ", zip.display())),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{stderr} lacks {expected:?}");
        assert_eq!(snapshot(&self.home.path()), before, "{}", zip.display());
    }
}

fn set(items: &mut [Item], name: &str, change: impl FnOnce(&mut Item)) {
    let item = items
        .iter_mut()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no {name}"));
    change(item);
}

fn edit_manifest(items: &mut [Item], change: impl FnOnce(&mut Value)) {
    set(items, "skillmeat-bundle.json", |i| {
        let mut m: Value = serde_json::from_slice(&i.data).expect("the bundle manifest is JSON");
        change(&mut m);
        i.data = serde_json::to_vec_pretty(&m).expect("a Value serialises");
    });
}

/// Gives a listed file new content and updates its size and SHA-256 in the
/// manifest (an attacker who rewrites the manifest too).
fn rewrite_listed(items: &mut [Item], name: &str, data: &[u8]) {
    set(items, name, |i| i.data = data.to_vec());
    let sha = hash_bytes(data).to_hex();
    edit_manifest(items, |m| {
        for f in m["files"].as_array_mut().into_iter().flatten() {
            if f["path"] == name {
                f["size"] = data.len().into();
                f["sha256"] = sha.clone().into();
            }
        }
    });
}

/// Sets the manifest's `plugin.content_hash` to the hash of the files it
/// lists (an attacker who rewrites the manifest to match).
fn rehash_plugin(items: &mut [Item]) {
    let manifest = items
        .iter()
        .find(|i| i.name == "skillmeat-bundle.json")
        .expect("a bundle manifest");
    let manifest: Value =
        serde_json::from_slice(&manifest.data).expect("the bundle manifest is JSON");
    let files: Vec<(String, String)> = manifest["files"]
        .as_array()
        .expect("the manifest lists its files")
        .iter()
        .map(|f| {
            let field = |k: &str| {
                f[k].as_str()
                    .expect("path and sha256 are strings")
                    .to_owned()
            };
            (field("path"), field("sha256"))
        })
        .collect();
    let whole = skillmeat_core::hash::tree_hash(
        files
            .iter()
            .map(|(p, h)| (p.as_str(), h.parse().expect("a SHA-256 in the manifest"))),
    )
    .expect("the tree hash of the manifest's files");
    edit_manifest(items, |m| {
        m["plugin"]["content_hash"] = whole.content_hash.to_hex().into();
    });
}

/// Adds a file to the zip and lists it in the manifest, with the plugin
/// hash to match: a bundle that is valid but for what the file is.
fn add_listed(items: &mut Vec<Item>, name: &str, data: &[u8]) {
    items.push(Item::file(name, data));
    let sha = hash_bytes(data).to_hex();
    edit_manifest(items, |m| {
        if let Some(files) = m["files"].as_array_mut() {
            files.push(serde_json::json!({
                "path": name, "size": data.len(), "sha256": sha, "executable": false
            }));
        }
    });
    rehash_plugin(items);
}

#[test]
fn entry_names_longer_than_a_file_name_are_refused() {
    let h = Hostile::new();
    // Under the limit, the same kind of file imports: the bundle is valid.
    let fits = format!("assets/{}.txt", "a".repeat(251));
    let zip = h.craft("fits", |items| add_listed(items, &fits, b"ok\n"));
    h.home.cmd().arg("preview").arg(&zip).assert().success();
    // A name of 300 characters cannot be a file name.
    let long = format!("assets/{}.txt", "a".repeat(296));
    let zip = h.craft("long-name", |items| add_listed(items, &long, b"ok\n"));
    h.refused(
        &zip,
        &format!(
            "entry {long:?}: unsafe path: has a name of 300 bytes; a file or folder name may have at most 255"
        ),
    );
}

#[test]
fn hostile_paths_links_and_duplicates_are_refused() {
    let h = Hostile::new();
    for (label, name, expected) in [
        (
            "zip-slip",
            "../evil.md",
            "entry \"../evil.md\": unsafe path: `..` could escape the root",
        ),
        (
            "deep-slip",
            "skills/../../../evil.md",
            "entry \"skills/../../../evil.md\": unsafe path: `..`",
        ),
        (
            "absolute",
            "/tmp/evil.md",
            "entry \"/tmp/evil.md\": unsafe path: absolute paths are not allowed",
        ),
        (
            "drive",
            "C:/evil.md",
            "entry \"C:/evil.md\": unsafe path: absolute paths are not allowed",
        ),
        (
            "backslash",
            "..\\evil.md",
            "unsafe path: backslashes are not allowed",
        ),
        (
            "git",
            ".git/config",
            "entry \".git/config\": unsafe path: is a name skillmeat never stores",
        ),
    ] {
        let zip = h.craft(label, |items| items.push(Item::file(name, b"pwned\n")));
        h.refused(&zip, expected);
    }

    let zip = h.craft("symlink", |items| {
        items.push(Item {
            link: true,
            ..Item::file("skills/guard-rules/passwd", b"../../../../etc/passwd")
        });
    });
    h.refused(
        &zip,
        "entry \"skills/guard-rules/passwd\": is a symbolic link",
    );

    let zip = h.craft("duplicate", |items| {
        let copy = items
            .iter()
            .find(|i| i.name == "README.md")
            .cloned()
            .expect("README.md in the bundle");
        items.push(Item {
            name: "README.mX".into(),
            ..copy
        });
    });
    Hostile::patch(&zip, "README.mX", "README.md");
    h.refused(
        &zip,
        "entry \"README.md\": appears more than once in the zip",
    );

    let zip = h.craft("duplicate-folder", |items| {
        items.push(Item::file("README.md/", b""));
    });
    h.refused(
        &zip,
        "entry \"README.md\": appears more than once in the zip",
    );

    let zip = h.craft("file-and-folder", |items| {
        items.push(Item::file("LICENSE/inner.md", b"x"));
    });
    h.refused(
        &zip,
        "entry \"LICENSE\": is a file, but \"LICENSE/inner.md\" is inside it",
    );

    // `preview` reads bundles the same way.
    let zip = h.dir.path().join("zip-slip.zip");
    let output = h
        .home
        .cmd()
        .arg("preview")
        .arg(&zip)
        .output()
        .expect("running skillmeat preview");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unsafe path"));
}

#[test]
fn too_many_too_large_and_too_compressed_are_refused() {
    let h = Hostile::new();
    let zip = h.craft("entries", |items| {
        for i in 0..10_001 {
            items.push(Item::file(&format!("pad/{i:05}.txt"), b""));
        }
    });
    h.refused(&zip, "has 10014 entries; a bundle may hold at most 10000");

    // A zip bomb: 2 MiB of zeros that deflate to a few KiB.
    let zip = h.craft("bomb", |items| {
        items.push(Item::file("assets/zeros.bin", &vec![0u8; 2 << 20]));
    });
    h.refused(&zip, "entry \"assets/zeros.bin\": expands from");
    h.refused(
        &zip,
        "to 2 MiB (more than 100:1): refused as a likely zip bomb",
    );

    // The size limits (256 MiB an entry, 1 GiB in all), lowered through the
    // test-only variable of the test build.
    let zip = h.dir.path().join("guardrails.zip");
    let mut cmd = h.home.cmd_failpoints();
    cmd.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "entry=1024");
    h.refused_by(
        cmd,
        &zip,
        "entry \"LICENSE\": declares 1.1 KiB uncompressed; an entry may hold at most 1 KiB",
    );
    let mut cmd = h.home.cmd_failpoints();
    cmd.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "total=2048");
    h.refused_by(
        cmd,
        &zip,
        "entry \"agents/guard-reviewer.md\": takes the bundle past 2 KiB uncompressed",
    );
    let mut cmd = h.home.cmd_failpoints();
    cmd.env("SKILLMEAT_TEST_BUNDLE_LIMITS", "entries=5");
    h.refused_by(cmd, &zip, "has 13 entries; a bundle may hold at most 5");
    // `--max-file-size` and `--max-plugin-size` set the same limits.
    h.refused_with(
        h.home.cmd(),
        &["--max-file-size", "1KiB"],
        &zip,
        "entry \"LICENSE\": declares 1.1 KiB uncompressed; an entry may hold at most 1 KiB (--max-file-size raises the limit)",
    );
    h.refused_with(
        h.home.cmd(),
        &["--max-plugin-size", "2KiB"],
        &zip,
        "entry \"agents/guard-reviewer.md\": takes the bundle past 2 KiB uncompressed, the most a bundle may hold (--max-plugin-size raises the limit)",
    );
    // The same bundle under the real limits is fine.
    h.home
        .cmd_failpoints()
        .arg("preview")
        .arg(&zip)
        .assert()
        .success();
}

#[test]
fn content_that_disagrees_with_the_manifest_is_refused() {
    let h = Hostile::new();
    let zip = h.craft("hash", |items| {
        set(items, "README.md", |i| i.data[0] ^= 1);
    });
    h.refused(
        &zip,
        "entry \"README.md\": content does not match skillmeat-bundle.json: its SHA-256 is",
    );

    let zip = h.craft("size", |items| {
        set(items, "README.md", |i| i.data.push(b'\n'));
    });
    h.refused(
        &zip,
        "entry \"README.md\": is 340 bytes, but skillmeat-bundle.json says 339",
    );

    let zip = h.craft("missing", |items| items.retain(|i| i.name != "LICENSE"));
    h.refused(
        &zip,
        "entry \"LICENSE\": is listed in skillmeat-bundle.json but is not in the zip",
    );

    let zip = h.craft("extra", |items| items.push(Item::file("notes.md", b"hi\n")));
    h.refused(
        &zip,
        "entry \"notes.md\": is not listed in skillmeat-bundle.json",
    );

    let zip = h.craft("no-manifest", |items| {
        items.retain(|i| i.name != "skillmeat-bundle.json");
    });
    h.refused(&zip, "has no skillmeat-bundle.json: not a skillmeat bundle");

    let zip = h.craft("broken-manifest", |items| {
        set(items, "skillmeat-bundle.json", |i| i.data = b"{".to_vec());
    });
    h.refused(
        &zip,
        "entry \"skillmeat-bundle.json\": not a valid bundle manifest",
    );

    let zip = h.craft("future-manifest", |items| {
        edit_manifest(items, |m| m["format_version"] = 2.into());
    });
    h.refused(&zip, "format_version 2 is not supported");

    let zip = h.craft("mode", |items| {
        set(items, "hooks/check.py", |i| i.mode = 0o644)
    });
    h.refused(
        &zip,
        "entry \"hooks/check.py\": is not executable in the zip but skillmeat-bundle.json says executable: true",
    );

    // The manifest rewritten to match a changed file: the plugin hash no
    // longer matches …
    let zip = h.craft("plugin-hash", |items| {
        rewrite_listed(
            items,
            "skills/guard-rules/SKILL.md",
            b"---\nname: guard-rules\n---\nrm -rf /\n",
        );
    });
    h.refused(&zip, "entry \"skillmeat-bundle.json\": plugin.content_hash");
    // … and with that rewritten too, the member's pinned hash does not.
    let zip = h.craft("member-hash", |items| {
        rewrite_listed(
            items,
            "skills/guard-rules/SKILL.md",
            b"---\nname: guard-rules\n---\nrm -rf /\n",
        );
        rehash_plugin(items);
    });
    h.refused(
        &zip,
        "does not match skillmeat-bundle.json: the skill \"guard-rules\" at skills/guard-rules",
    );

    let not_zip = h.dir.path().join("not-a-zip.zip");
    fs::write(&not_zip, b"this is not a zip file").expect("writing the not-a-zip file");
    h.refused(&not_zip, "not a valid zip archive");
}
