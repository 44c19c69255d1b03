//! Input → expected, the expected levels taken from Claude Code 2.1.332's
//! own answers (`claude plugin validate`, `plugin details`) on the same
//! manifests (see `tests/tests/claude_code_validate.rs`).

use super::*;
use serde_json::json;

/// A plugin holding exactly these files.
struct Files(&'static [&'static str]);

impl PluginFiles for Files {
    fn is_file(&self, rel: &SafeRelPath) -> bool {
        self.0.contains(&rel.as_str())
    }
    fn is_dir(&self, rel: &SafeRelPath) -> bool {
        let prefix = format!("{}/", rel.as_str());
        self.0.iter().any(|f| f.starts_with(&prefix))
    }
}

const FILES: Files = Files(&[
    "skills/x/SKILL.md",
    "agents/r.md",
    "commands/a.md",
    "hooks/h.json",
    "m.json",
]);

/// `(level, field)` of each problem of `manifest`.
fn found(manifest: Value) -> Vec<(Level, String)> {
    super::manifest(&manifest, &FILES)
        .into_iter()
        .map(|p| (p.level, p.field))
        .collect()
}

fn one(level: Level, field: &str) -> Vec<(Level, String)> {
    vec![(level, field.to_owned())]
}

#[test]
fn a_manifest_claude_code_accepts_has_no_problem() {
    let ok = json!({
        "name": "ok", "version": "banana", "description": "d",
        "author": {"name": "J", "email": "not an email", "url": "nope"},
        "repository": "nope", "homepage": "ftp://x.org", "license": "Whatever",
        "keywords": [], "frobnicate": true,
        "commands": {"a": {"source": "./commands/a.md"}},
        "agents": ["./agents/r.md"], "skills": "./skills",
        "hooks": ["./hooks/h.json", {"Stop": []}],
        "mcpServers": ["./m.json", {"s": {"command": "true"}}],
        "lspServers": {"rust": {"command": "rust-analyzer"}},
    });
    assert_eq!(found(ok), []);
}

#[test]
fn what_stops_claude_code_loading_a_manifest() {
    use Level::Load;
    let cases = [
        (json!({"version": 1}), "version"),
        (json!({"version": null}), "version"),
        (json!({"commands": 3}), "commands"),
        (json!({"commands": "commands/a.md"}), "commands"),
        (json!({"commands": {"a": 3}}), "commands"),
        (json!({"agents": "./agents"}), "agents"),
        (json!({"agents": "./agents/"}), "agents"),
        (json!({"agents": ["./agents"]}), "agents"),
        (json!({"agents": ["agents/r.md"]}), "agents"),
        (json!({"agents": ["./agents/r.txt"]}), "agents"),
        (json!({"agents": 3}), "agents"),
        (json!({"skills": 3}), "skills"),
        (json!({"skills": "skills"}), "skills"),
        (json!({"hooks": 3}), "hooks"),
        (json!({"hooks": "hooks/h.json"}), "hooks"),
        (
            json!({"hooks": {"hooks": [{"event": "PreToolUse"}]}}),
            "hooks",
        ),
        (json!({"mcpServers": 3}), "mcpServers"),
        (json!({"mcpServers": "m.json"}), "mcpServers"),
        (json!({"mcpServers": {"s": 3}}), "mcpServers"),
        (json!({"lspServers": 3}), "lspServers"),
        (json!({"lspServers": "l.json"}), "lspServers"),
    ];
    for (manifest, field) in cases {
        assert_eq!(found(manifest.clone()), one(Load, field), "{manifest}");
    }
}

#[test]
fn what_claude_plugin_validate_refuses_in_a_plugin_that_loads() {
    use Level::Validate;
    let cases = [
        (json!({"description": 5}), "description"),
        (json!({"description": null}), "description"),
        (json!({"author": "Jane"}), "author"),
        (json!({"author": {"email": "j@x.org"}}), "author.name"),
        (json!({"author": {"name": "J", "email": 3}}), "author.email"),
        (
            json!({"repository": {"type": "git", "url": "https://x.org/r"}}),
            "repository",
        ),
        (json!({"repository": 3}), "repository"),
        (json!({"homepage": "not a url"}), "homepage"),
        (json!({"homepage": 3}), "homepage"),
        (json!({"license": 3}), "license"),
        (json!({"keywords": "a,b"}), "keywords"),
        (json!({"commands": "./commands/nope.md"}), "commands"),
        (json!({"commands": "./../x.md"}), "commands"),
        (json!({"commands": ["./../x.md"]}), "commands[0]"),
        (json!({"agents": ["./agents/none.md"]}), "agents[0]"),
        (json!({"skills": "./nope"}), "skills"),
        (json!({"skills": ["./../elsewhere"]}), "skills[0]"),
        (json!({"skills": "./skills/x/SKILL.md"}), "skills"),
        (json!({"hooks": "./hooks/none.json"}), "hooks"),
        (json!({"mcpServers": "./nope.json"}), "mcpServers"),
        (json!({"mcpServers": "./../m.json"}), "mcpServers"),
        (json!({"lspServers": "./nope.json"}), "lspServers"),
    ];
    for (manifest, field) in cases {
        assert_eq!(found(manifest.clone()), one(Validate, field), "{manifest}");
    }
    assert_eq!(
        found(json!({"keywords": [1, "a", 2]})),
        [
            (Validate, "keywords[0]".to_owned()),
            (Validate, "keywords[2]".to_owned())
        ]
    );
}

#[test]
fn a_hooks_config_claude_code_refuses_or_reports() {
    let levels = |config: Result<Value, &str>| -> Vec<Level> {
        hook_config("hooks/hooks.json", config.as_ref().map_err(|e| *e))
            .into_iter()
            .map(|p| p.level)
            .collect()
    };
    let stop = json!([{"hooks": [{"type": "command", "command": "true"}]}]);
    let cases = [
        // The older shape, whatever its events, and an empty array.
        (
            Ok(json!({"hooks": [{"event": "PreToolUse", "matcher": "Bash", "command": "x"}]})),
            vec![Level::Load],
        ),
        (
            Ok(json!({"hooks": [{"event": "Stop", "command": "x"}]})),
            vec![Level::Load],
        ),
        (Ok(json!({"hooks": []})), vec![Level::Load]),
        (Ok(json!({"hooks": "x"})), vec![Level::Load]),
        // A guarding event outside `hooks`.
        (Ok(json!({"PreToolUse": stop.clone()})), vec![Level::Load]),
        // Loads, but validate fails: another event outside `hooks`, no
        // `hooks` at all, not an object, not JSON.
        (Ok(json!({"Stop": stop.clone()})), vec![Level::Validate]),
        (Ok(json!({"description": "x"})), vec![Level::Validate]),
        (Ok(json!([1])), vec![Level::Validate]),
        (Err("Expected '}'"), vec![Level::Validate]),
        // Fine: events (known or not, as validate only warns), modules.
        (Ok(json!({"hooks": {"Stop": stop.clone()}})), vec![]),
        (Ok(json!({"hooks": {"NotAnEvent": stop}})), vec![]),
        (Ok(json!({"hooks": {}, "PreToolUse": []})), vec![]),
        (Ok(json!({"modules": []})), vec![]),
    ];
    for (config, want) in cases {
        assert_eq!(levels(config.clone()), want, "{config:?}");
    }
}

#[test]
fn discovery_reads_the_manifest_without_what_claude_code_would_not_use() {
    let manifest = json!({
        "name": "p",
        "agents": "./agents",
        "skills": ["./skills", "./nope", "./../x"],
        "commands": "./commands/nope.md",
        "repository": {"url": "u"},
    });
    let problems = super::manifest(&manifest, &FILES);
    assert_eq!(
        usable(&manifest, &problems),
        json!({"name": "p", "skills": ["./skills"], "repository": {"url": "u"}})
    );
}

#[test]
fn the_verdict_and_its_messages() {
    let problems = super::manifest(&json!({"agents": "./agents", "license": 3}), &FILES);
    let v = Validation { problems };
    assert!(!v.loads());
    assert_eq!(
        v.messages(Level::Load),
        [
            ".claude-plugin/plugin.json: agents: \"./agents\" must be a .md file (Claude Code does not take a folder here)"
        ]
    );
    assert_eq!(
        v.messages(Level::Validate),
        [".claude-plugin/plugin.json: license: expected a string, found a number"]
    );
    assert!(Validation::default().loads());
}

#[test]
fn urls_as_claude_code_takes_them() {
    for (url, ok) in [
        ("https://x.org", true),
        ("ftp://x.org", true),
        ("mailto:a@b", true),
        ("not a url", false),
        ("x.org", false),
        ("https:", false),
        ("1http://x", false),
    ] {
        assert_eq!(is_url(url), ok, "{url}");
    }
}
