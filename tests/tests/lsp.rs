//! LSP servers end to end, on `tests/fixtures/lsp-cases` (three plugins
//! modelled on Claude Code's official `*-lsp` plugins): added as
//! `lsp_server` children, shown with the hash of their canonical JSON,
//! exported into a plugin Claude Code validates and loads with the same
//! servers, deployed with the plugin natively, and left out (with a
//! warning) of an unpacked deployment.

mod util;

use std::fs;
use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};
use util::{ClaudeCode, Home, fixture};

/// The SHA-256 of each server's canonical JSON (keys sorted, no spaces),
/// computed with `printf '%s' '<canonical JSON>' | sha256sum`.
const PYRIGHT: &str = "28f81bba7008d1cadf5dce4ddd77afb51840c530d2c4b63a097eb4080cb764c7";
const RUST_ANALYZER: &str = "c9a8117e4b67e3bdd13637057f0ba5ea97ab88f269c8a4daad1f6f59aae9e49a";
const GOPLS: &str = "6b22f6a438fa1013acc92244fc66cb79d94324a32057baf67cebb76f3260a345";

fn added() -> Home {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("lsp-cases"))
        .assert()
        .success();
    home
}

fn unzip(zip: &Path, to: &Path) {
    use skillmeat::bundle::zip::ZipArchive;
    let file = fs::File::open(zip).expect("the export");
    let mut archive = ZipArchive::new(file).expect("a zip");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        let path = to.join(entry.enclosed_name().expect("a safe name"));
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("the entry's bytes");
        fs::create_dir_all(path.parent().expect("a parent")).expect("its folder");
        fs::write(&path, data).expect("writing the entry");
    }
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn lsp_servers_are_children_with_canonical_hashes() {
    let home = added();
    let listed = home.json(&["list", "--type", "lsp", "--json"], &[] as &[&str]);
    let mut got: Vec<(String, String)> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            assert_eq!(i["kind"], "lsp_server");
            (
                i["name"].as_str().expect("a name").to_owned(),
                i["content_hash"].as_str().expect("a hash").to_owned(),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("gopls", GOPLS),
        ("pyright", PYRIGHT),
        ("rust-analyzer", RUST_ANALYZER),
    ]
    .map(|(n, h)| (n.to_owned(), h.to_owned()));
    assert_eq!(got, want);
    let shown = home.json(&["show", "lsp_server:pyright", "--json"], &[] as &[&str]);
    assert_eq!(shown["kind"], "lsp_server");
    assert_eq!(shown["parents"][0]["artifact_name"], "pyright-lsp");
    let stored = home
        .path()
        .join("collections/default/artifacts/lsp_servers/pyright.json");
    assert_eq!(
        read_json(&stored),
        json!({"command": "pyright-langserver", "args": ["--stdio"],
               "extensionToLanguage": {".py": "python", ".pyi": "python"}})
    );
}

/// Each plugin exported: its servers written back where they were declared
/// (the entry's into a generated plugin.json, a `.lsp.json` as its bare
/// map), and Claude Code validates the export and loads those servers.
#[test]
fn an_export_keeps_the_servers_and_loads_in_claude_code() {
    let home = added();
    let out = tempfile::TempDir::new().expect("a temp dir");
    let claude = ClaudeCode::new();
    for (plugin, server, file, key) in [
        (
            "pyright-lsp",
            "pyright",
            ".claude-plugin/plugin.json",
            Some("lspServers"),
        ),
        ("rust-analyzer-lsp", "rust-analyzer", ".lsp.json", None),
        (
            "gopls-lsp",
            "gopls",
            ".claude-plugin/plugin.json",
            Some("lspServers"),
        ),
    ] {
        let zip = out.path().join(format!("{plugin}.zip"));
        home.cmd()
            .args(["export", plugin, "-o"])
            .arg(&zip)
            .assert()
            .success();
        let dir = out.path().join(plugin);
        unzip(&zip, &dir);
        let doc = read_json(&dir.join(file));
        let servers = key.map_or(&doc, |k| &doc[k]);
        assert_eq!(
            servers
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>()),
            Some(vec![server.to_owned()]),
            "{plugin}: {file}: {doc}"
        );
        let manifest = dir.join(".claude-plugin/plugin.json").display().to_string();
        let (passed, report) = claude.output(&dir, &["plugin", "validate", &manifest]);
        assert!(
            passed && report.contains("Validation passed"),
            "{plugin}: {report}"
        );
        let dir_arg = dir.display().to_string();
        let inventory = claude.inventory(
            &dir,
            &["--plugin-dir", &dir_arg, "plugin", "details", plugin],
        );
        let lsp = inventory
            .iter()
            .find(|l| l.starts_with("LSP servers"))
            .expect("an LSP servers row");
        assert!(
            lsp.starts_with(&format!("LSP servers (1)  {server}")),
            "{plugin}: {inventory:?}"
        );
    }
}

/// A native deployment carries the servers in the plugin's tree; an
/// unpacked one cannot (Claude Code has no project-level LSP config) and
/// says so; a single LSP server does not deploy unpacked at all.
#[test]
fn deploy_carries_lsp_servers_only_in_plugin_mode() {
    let home = added();
    let project = tempfile::TempDir::new().expect("a project");
    let native = home.json(
        &[
            "deploy",
            "pyright-lsp",
            "--mode",
            "plugin",
            "--json",
            "--project",
        ],
        [project.path()],
    );
    assert_eq!(native["warnings"], json!([]), "{native}");
    let manifest = read_json(
        &project
            .path()
            .join(".claude/skills/pyright-lsp/.claude-plugin/plugin.json"),
    );
    assert_eq!(
        manifest["lspServers"]["pyright"]["command"],
        "pyright-langserver"
    );
    let claude = ClaudeCode::new();
    claude.trust(project.path());
    let inventory = claude.inventory(
        project.path(),
        &["plugin", "details", "pyright-lsp@skills-dir"],
    );
    assert!(
        inventory
            .iter()
            .any(|l| l.starts_with("LSP servers (1)  pyright")),
        "{inventory:?}"
    );
    home.cmd()
        .args(["undeploy", "pyright-lsp", "--project"])
        .arg(project.path())
        .assert()
        .success();

    let unpacked = home.json(
        &[
            "deploy",
            "gopls-lsp",
            "--mode",
            "unpacked",
            "--json",
            "--project",
        ],
        [project.path()],
    );
    let warnings: Vec<&str> = unpacked["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings.len() == 1
            && warnings[0].starts_with("LSP server gopls: not deployed")
            && warnings[0].contains("--mode plugin"),
        "{warnings:?}"
    );
    let deployed: Vec<&str> = unpacked["deployed"]
        .as_array()
        .expect("deployed")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(deployed, ["command"]);
    assert!(project.path().join(".claude/commands/go-vet.md").is_file());

    home.cmd()
        .args([
            "deploy",
            "lsp_server:gopls",
            "--mode",
            "unpacked",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "gopls is a single LSP server: Claude Code reads LSP servers only from a plugin",
        ));
}
