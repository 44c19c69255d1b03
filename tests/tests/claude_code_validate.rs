//! Claude Code itself (`tests/tools`, pinned) as the judge of validation:
//! for every crafted plugin below — one broken manifest field, path or
//! hooks config each — skillmeat's `loads_in_claude_code` equals whether
//! `claude --plugin-dir DIR plugin details NAME` finds the plugin, and
//! skillmeat's errors (`load_errors` + `validation_errors`) are empty
//! exactly when `claude plugin validate DIR` passes. A plugin skillmeat's
//! discovery refuses outright (`inspect` exits 1: no name it can use, not
//! JSON) counts as not loading, with that error.
//!
//! The plugins are generated into one temp folder; the `claude` runs (two
//! per plugin) go on all cores, one `HOME` per worker.

mod util;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use util::{ClaudeCode, Home};

/// One crafted plugin: its folder name, its `.claude-plugin/plugin.json`
/// (`None`: no manifest; a string: raw bytes) and its other files. Every
/// plugin also holds `skills/x/SKILL.md`.
struct Crafted {
    id: &'static str,
    manifest: Option<Value>,
    files: Vec<(&'static str, String)>,
}

fn case(id: &'static str, manifest: Value) -> Crafted {
    Crafted {
        id,
        manifest: Some(manifest),
        files: Vec::new(),
    }
}

fn with(mut c: Crafted, path: &'static str, content: impl Into<String>) -> Crafted {
    c.files.push((path, content.into()));
    c
}

const AGENT: &str = "---\nname: r\ndescription: r\n---\nR\n";

fn stop_hooks() -> Value {
    json!([{"hooks": [{"type": "command", "command": "true"}]}])
}

fn hooks_json(id: &'static str, config: &str) -> Crafted {
    with(case(id, json!({ "name": id })), "hooks/hooks.json", config)
}

/// Each documented field with a wrong type or value, each component key
/// with a wrong shape or a path that is missing, outside or without `./`,
/// and hooks configs in older or wrong shapes.
fn crafted() -> Vec<Crafted> {
    let mut v = vec![
        case("ok", json!({"name": "ok"})),
        Crafted {
            id: "no-manifest",
            manifest: None,
            files: Vec::new(),
        },
        case(
            "everything-right",
            json!({
                "name": "everything-right", "version": "banana", "description": "d",
                "author": {"name": "J", "email": "not an email", "url": "nope"},
                "repository": "nope", "homepage": "ftp://x.org", "license": "Whatever",
                "keywords": [], "frobnicate": true,
                "commands": {"a": {"source": "./commands/a.md"}},
                "agents": ["./agents/r.md"], "skills": "./skills",
                "hooks": ["./hooks/h.json", {"Stop": []}],
                "mcpServers": ["./m.json", {"s": {"command": "true"}}],
                "lspServers": {"rust": {"command": "rust-analyzer", "extensionToLanguage": {".rs": "rust"}}},
            }),
        ),
        case("NameUpper", json!({"name": "NameUpper"})),
        case("name_under", json!({"name": "name_under"})),
        case("a.b", json!({"name": "a.b"})),
        case("no-name", json!({"version": "1.0.0"})),
        case("name-number", json!({"name": 12})),
        case("name-empty", json!({"name": ""})),
        case("name-space", json!({"name": "name space"})),
        case(
            "version-number",
            json!({"name": "version-number", "version": 1}),
        ),
        case(
            "version-null",
            json!({"name": "version-null", "version": null}),
        ),
        case(
            "description-number",
            json!({"name": "description-number", "description": 5}),
        ),
        case(
            "description-null",
            json!({"name": "description-null", "description": null}),
        ),
        case(
            "author-string",
            json!({"name": "author-string", "author": "Jane"}),
        ),
        case(
            "author-no-name",
            json!({"name": "author-no-name", "author": {"email": "j@x.org"}}),
        ),
        case(
            "author-email-number",
            json!({"name": "author-email-number", "author": {"name": "J", "email": 3}}),
        ),
        case(
            "repository-object",
            json!({"name": "repository-object", "repository": {"type": "git", "url": "https://x.org/r"}}),
        ),
        case(
            "repository-number",
            json!({"name": "repository-number", "repository": 3}),
        ),
        case(
            "homepage-not-url",
            json!({"name": "homepage-not-url", "homepage": "not a url"}),
        ),
        case(
            "homepage-no-scheme",
            json!({"name": "homepage-no-scheme", "homepage": "x.org"}),
        ),
        case(
            "homepage-mailto",
            json!({"name": "homepage-mailto", "homepage": "mailto:a@b"}),
        ),
        case(
            "homepage-number",
            json!({"name": "homepage-number", "homepage": 3}),
        ),
        case(
            "license-number",
            json!({"name": "license-number", "license": 3}),
        ),
        case(
            "keywords-string",
            json!({"name": "keywords-string", "keywords": "a,b"}),
        ),
        case(
            "keywords-numbers",
            json!({"name": "keywords-numbers", "keywords": [1, "a"]}),
        ),
        case(
            "commands-number",
            json!({"name": "commands-number", "commands": 3}),
        ),
        case(
            "commands-missing",
            json!({"name": "commands-missing", "commands": "./commands/nope.md"}),
        ),
        case(
            "commands-no-dot-slash",
            json!({"name": "commands-no-dot-slash", "commands": "commands/a.md"}),
        ),
        case(
            "commands-dot-dot",
            json!({"name": "commands-dot-dot", "commands": ["./../x.md"]}),
        ),
        case(
            "commands-entry-number",
            json!({"name": "commands-entry-number", "commands": {"a": 3}}),
        ),
        case(
            "agents-folder",
            json!({"name": "agents-folder", "agents": "./agents"}),
        ),
        case(
            "agents-folder-slash",
            json!({"name": "agents-folder-slash", "agents": "./agents/"}),
        ),
        case(
            "agents-folder-listed",
            json!({"name": "agents-folder-listed", "agents": ["./agents"]}),
        ),
        case(
            "agents-no-dot-slash",
            json!({"name": "agents-no-dot-slash", "agents": ["agents/r.md"]}),
        ),
        case(
            "agents-missing",
            json!({"name": "agents-missing", "agents": ["./agents/none.md"]}),
        ),
        case(
            "agents-number",
            json!({"name": "agents-number", "agents": 3}),
        ),
        case(
            "agents-txt",
            json!({"name": "agents-txt", "agents": ["./agents/r.txt"]}),
        ),
        case(
            "skills-number",
            json!({"name": "skills-number", "skills": 3}),
        ),
        case(
            "skills-missing",
            json!({"name": "skills-missing", "skills": "./nope"}),
        ),
        case(
            "skills-no-dot-slash",
            json!({"name": "skills-no-dot-slash", "skills": "skills"}),
        ),
        case(
            "skills-dot-dot",
            json!({"name": "skills-dot-dot", "skills": ["./../elsewhere"]}),
        ),
        case(
            "skills-file",
            json!({"name": "skills-file", "skills": "./skills/x/SKILL.md"}),
        ),
        case("hooks-number", json!({"name": "hooks-number", "hooks": 3})),
        case(
            "hooks-missing",
            json!({"name": "hooks-missing", "hooks": "./hooks/none.json"}),
        ),
        case(
            "hooks-no-dot-slash",
            json!({"name": "hooks-no-dot-slash", "hooks": "hooks/h.json"}),
        ),
        case(
            "hooks-inline",
            json!({"name": "hooks-inline", "hooks": {"Stop": stop_hooks()}}),
        ),
        case(
            "hooks-inline-unknown-event",
            json!({"name": "hooks-inline-unknown-event", "hooks": {"NotAnEvent": stop_hooks()}}),
        ),
        case(
            "hooks-inline-old-shape",
            json!({"name": "hooks-inline-old-shape", "hooks": {"hooks": [{"event": "PreToolUse", "command": "true"}]}}),
        ),
        case("mcp-number", json!({"name": "mcp-number", "mcpServers": 3})),
        case(
            "mcp-missing",
            json!({"name": "mcp-missing", "mcpServers": "./nope.json"}),
        ),
        case(
            "mcp-no-dot-slash",
            json!({"name": "mcp-no-dot-slash", "mcpServers": "m.json"}),
        ),
        case(
            "mcp-dot-dot",
            json!({"name": "mcp-dot-dot", "mcpServers": "./../m.json"}),
        ),
        case(
            "mcp-entry-number",
            json!({"name": "mcp-entry-number", "mcpServers": {"s": 3}}),
        ),
        case("lsp-number", json!({"name": "lsp-number", "lspServers": 3})),
        case(
            "lsp-missing",
            json!({"name": "lsp-missing", "lspServers": "./nope.json"}),
        ),
        case(
            "lsp-no-dot-slash",
            json!({"name": "lsp-no-dot-slash", "lspServers": "l.json"}),
        ),
        hooks_json(
            "hooks-old-shape",
            r#"{"hooks": [{"event": "PreToolUse", "matcher": "Bash", "command": "true"}]}"#,
        ),
        hooks_json(
            "hooks-old-shape-stop",
            r#"{"hooks": [{"event": "Stop", "command": "true"}]}"#,
        ),
        hooks_json("hooks-old-shape-empty", r#"{"hooks": []}"#),
        hooks_json("hooks-string", r#"{"hooks": "x"}"#),
        hooks_json(
            "hooks-top-level-guard",
            r#"{"PreToolUse": [{"hooks": [{"type": "command", "command": "true"}]}]}"#,
        ),
        hooks_json(
            "hooks-top-level-stop",
            r#"{"Stop": [{"hooks": [{"type": "command", "command": "true"}]}]}"#,
        ),
        hooks_json("hooks-description-only", r#"{"description": "x"}"#),
        hooks_json("hooks-array", "[1]"),
        hooks_json(
            "hooks-unknown-event",
            r#"{"hooks": {"NotAnEvent": [{"hooks": [{"type": "command", "command": "true"}]}]}}"#,
        ),
        hooks_json("hooks-empty", r#"{"hooks": {}}"#),
        hooks_json(
            "hooks-guard-beside-empty",
            r#"{"hooks": {}, "PreToolUse": []}"#,
        ),
        Crafted {
            id: "not-json",
            manifest: None,
            files: vec![(
                ".claude-plugin/plugin.json",
                "{\"name\": \"not-json\",}".into(),
            )],
        },
        Crafted {
            id: "not-an-object",
            manifest: None,
            files: vec![(".claude-plugin/plugin.json", "[1]".into())],
        },
    ];
    for c in &mut v {
        c.files.push((
            "skills/x/SKILL.md",
            "---\nname: x\ndescription: d\n---\nhi\n".into(),
        ));
    }
    let files: [(&str, &str, &str); 6] = [
        (
            "everything-right",
            "commands/a.md",
            "---\ndescription: a\n---\nA\n",
        ),
        ("everything-right", "agents/r.md", AGENT),
        ("everything-right", "hooks/h.json", r#"{"hooks": {}}"#),
        (
            "everything-right",
            "m.json",
            r#"{"mcpServers": {"t": {"command": "true"}}}"#,
        ),
        ("commands-no-dot-slash", "commands/a.md", "A\n"),
        ("agents-txt", "agents/r.txt", "R"),
    ];
    for (id, path, content) in files {
        let c = v.iter_mut().find(|c| c.id == id).expect("a case");
        c.files.push((path, content.into()));
    }
    for c in &mut v {
        if c.id.starts_with("agents-") && c.id != "agents-txt" {
            c.files.push(("agents/r.md", AGENT.into()));
        }
    }
    v
}

/// A name Claude Code refuses to load although `claude plugin validate`
/// only warns about it (a quirk of Claude Code, asserted so a change is
/// noticed): skillmeat refuses it.
const QUIRKS: [(&str, &str); 2] = [("name-colon", "a:b"), ("name-at", "a@b")];

fn write_case(root: &Path, c: &Crafted) -> PathBuf {
    let dir = root.join(c.id);
    if let Some(m) = &c.manifest {
        util::write(&dir, ".claude-plugin/plugin.json", &m.to_string());
    }
    for (path, content) in &c.files {
        util::write(&dir, path, content);
    }
    dir
}

/// The name `plugin details` knows a folder by: its manifest's, else the
/// folder's.
fn details_name(c: &Crafted) -> String {
    c.manifest
        .as_ref()
        .and_then(|m| m["name"].as_str())
        .unwrap_or(c.id)
        .to_owned()
}

/// Claude Code's verdict: whether `plugin details` finds the plugin, and
/// `claude plugin validate`'s report when it fails.
struct Claude {
    loads: bool,
    validated: Result<(), String>,
}

fn claude_verdict(claude: &ClaudeCode, dir: &Path, name: &str) -> Claude {
    let cwd = dir.parent().expect("a parent");
    let arg = dir.display().to_string();
    let (passed, report) = claude.output(cwd, &["plugin", "validate", &arg]);
    let args = ["--plugin-dir", &arg, "plugin", "details", name];
    Claude {
        loads: claude.details(cwd, &args).is_some(),
        validated: if passed { Ok(()) } else { Err(report) },
    }
}

/// skillmeat's verdict on the folder: whether it loads, and its errors.
fn skillmeat_verdict(home: &Home, dir: &Path) -> (bool, Vec<String>) {
    let out = home
        .cmd()
        .args(["inspect", "--json"])
        .arg(dir)
        .output()
        .expect("skillmeat runs");
    if out.status.code() == Some(1) {
        return (
            false,
            vec![String::from_utf8_lossy(&out.stderr).into_owned()],
        );
    }
    assert!(out.status.success(), "inspect {}", dir.display());
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let plugin = &report["plugins"][0];
    assert_eq!(plugin["root"], ".", "{report}");
    let errors = ["load_errors", "validation_errors"]
        .iter()
        .flat_map(|k| plugin[k].as_array().expect("a list").iter())
        .map(|e| e.as_str().expect("a message").to_owned())
        .collect();
    (
        plugin["loads_in_claude_code"].as_bool().expect("a verdict"),
        errors,
    )
}

/// Runs `f` over `items` on all cores, one `ClaudeCode` (HOME) per worker;
/// results in the order of `items`.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&ClaudeCode, &T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .min(items.len());
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let claude = ClaudeCode::new();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(&claude, item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker finished"))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn skillmeat_judges_crafted_plugins_as_claude_code_does() {
    let root = tempfile::TempDir::new().expect("a temp dir");
    let home = Home::new();
    let mut cases = crafted();
    for (id, name) in QUIRKS {
        cases.push(case(id, json!({ "name": name })));
        let last = cases.last_mut().expect("just pushed");
        last.files
            .push(("skills/x/SKILL.md", "---\nname: x\n---\nhi\n".into()));
    }
    let dirs: Vec<PathBuf> = cases.iter().map(|c| write_case(root.path(), c)).collect();
    let pairs: Vec<(&Crafted, &PathBuf)> = cases.iter().zip(&dirs).collect();
    let claude = par_map(&pairs, |claude, (c, dir)| {
        claude_verdict(claude, dir, &details_name(c))
    });
    let mut mismatches = Vec::new();
    for ((c, dir), claude) in pairs.iter().zip(&claude) {
        let (loads, errors) = skillmeat_verdict(&home, dir);
        if QUIRKS.iter().any(|(id, _)| *id == c.id) {
            if claude.loads || claude.validated.is_err() || loads {
                mismatches.push(format!(
                    "{}: the name quirk: Claude Code loads {}, validates {:?}; skillmeat loads {loads}",
                    c.id, claude.loads, claude.validated
                ));
            }
            continue;
        }
        if loads != claude.loads {
            mismatches.push(format!(
                "{}: loads: Claude Code {}, skillmeat {loads} {errors:?}",
                c.id, claude.loads
            ));
        }
        if errors.is_empty() != claude.validated.is_ok() {
            mismatches.push(format!(
                "{}: skillmeat's errors {errors:?}; claude plugin validate: {:?}",
                c.id, claude.validated
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Every combination is among the cases: loads and validates, loads
    // and fails validation, does not load.
    let count = |f: fn(&Claude) -> bool| claude.iter().filter(|c| f(c)).count();
    assert!(count(|c| c.loads && c.validated.is_ok()) >= 8);
    assert!(count(|c| c.loads && c.validated.is_err()) >= 20);
    assert!(count(|c| !c.loads) >= 20);
}
