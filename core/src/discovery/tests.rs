//! Discovery: a tree in, the plugins and children found out.

use std::collections::BTreeMap;

use super::*;
use crate::error::Error;

fn discover_tree(files: &[(&str, &str)], root_name: &str) -> Result<Discovery> {
    let map: BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
        .collect();
    let listing = Listing::new(map.keys())?;
    let read = |p: &str| map.get(p).cloned().ok_or(ReadProblem::Failed);
    discover(&listing, root_name, &read)
}

/// One line per plugin, one per child, one per warning.
fn render(d: &Discovery) -> String {
    let mut out = String::new();
    for w in &d.warnings {
        out.push_str(&format!("! {w}\n"));
    }
    for r in &d.remote {
        out.push_str(&format!(
            "remote {} {} ref={} sha={}\n",
            r.name,
            r.source,
            r.source.git_ref.as_deref().unwrap_or("-"),
            r.source.sha.as_deref().unwrap_or("-")
        ));
    }
    for e in &d.escaping {
        out.push_str(&format!("escaping {e}\n"));
    }
    for p in &d.plugins {
        out.push_str(&format!(
            "{} @{} {} {:.2} v={}\n",
            p.name,
            p.root,
            p.detection.as_str(),
            p.confidence,
            p.version.as_deref().unwrap_or("-")
        ));
        for c in &p.children {
            let files = match &c.content {
                ChildContent::Tree { files, .. } => format!(
                    " {}",
                    files
                        .iter()
                        .map(|f| f.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                _ => String::new(),
            };
            let events = if c.events.is_empty() {
                String::new()
            } else {
                format!(" events={}", c.events.join(","))
            };
            out.push_str(&format!(
                "  {} {} {} {}{}{}\n",
                c.kind, c.name, c.path, c.relationship, files, events
            ));
        }
        let meta: Vec<&str> = p.meta_files().iter().map(|f| f.as_str()).collect();
        out.push_str(&format!("  meta: {}\n", meta.join(",")));
        for w in &p.warnings {
            out.push_str(&format!("  ! {w}\n"));
        }
    }
    out
}

fn check(files: &[(&str, &str)], expected: &str) {
    let got = discover_tree(files, "folder").map(|d| render(&d));
    assert_eq!(
        got.as_deref().map_err(|e| e.to_string()),
        Ok(expected),
        "\n--- got:\n{}",
        got.as_ref().map_or_else(|e| e.to_string(), Clone::clone)
    );
}

fn check_err(files: &[(&str, &str)], expected: &str) {
    match discover_tree(files, "folder") {
        Ok(d) => panic!("expected an error, got:\n{}", render(&d)),
        Err(e) => assert_eq!(e.to_string(), expected),
    }
}

const HOOKS: &str = r#"{"description": "guards", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "python3 ${CLAUDE_PLUGIN_ROOT}/scripts/guard.py"}]}]}}"#;

#[test]
fn claude_manifest_with_default_folders() {
    check(
        &[
            (".claude-plugin/plugin.json", r#"{"name": "demo", "version": "1.2.0", "description": "d", "future": 1}"#),
            ("skills/tdd/SKILL.md", "---\nname: tdd\ndescription: Test first\n---\n"),
            ("skills/tdd/agents/helper.md", "not a subagent"),
            ("skills/tdd/scripts/run.sh", "#!/bin/sh\n"),
            ("commands/review.md", "---\ndescription: Review\n---\n"),
            ("commands/git/commit.md", "commit"),
            ("commands/README.md", "docs"),
            ("commands/notes.txt", "not a command"),
            ("agents/reviewer.md", "---\nname: reviewer\ndescription: Reviews\n---\n"),
            ("hooks/hooks.json", HOOKS),
            ("hooks/helper.sh", "x"),
            ("scripts/guard.py", "import lib"),
            ("scripts/lib.py", "x = 1"),
            (".mcp.json", r#"{"github": {"command": "gh"}, "google calendar": {"url": "https://x"}}"#),
            ("README.md", "# demo"),
            ("LICENSE", "MIT"),
            ("node_modules/x/SKILL.md", "excluded"),
        ],
        "demo @. manifest 1.00 v=1.2.0
  skill tdd skills/tdd MEMBER skills/tdd/SKILL.md,skills/tdd/agents/helper.md,skills/tdd/scripts/run.sh
  command git/commit commands/git/commit.md MEMBER
  command review commands/review.md MEMBER
  agent reviewer agents/reviewer.md MEMBER
  hook demo hooks/hooks.json MEMBER hooks/helper.sh,hooks/hooks.json,scripts/guard.py events=PreToolUse
  mcp_server github .mcp.json MEMBER
  mcp_server google calendar .mcp.json MEMBER
  meta: .claude-plugin/plugin.json,LICENSE,README.md,commands/README.md,commands/notes.txt,scripts/lib.py
",
    );
}

#[test]
fn only_one_md_extension_is_dropped_from_a_name() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "md", "agents": ["./x/helper.md.md"]}"#,
            ),
            ("commands/notes.md.md", ""),
            ("x/helper.md.md", ""),
        ],
        "md @. manifest 1.00 v=-
  command notes.md commands/notes.md.md MEMBER
  agent helper.md x/helper.md.md MEMBER
  meta: .claude-plugin/plugin.json
",
    );
}

#[test]
fn manifest_component_paths() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "p", "skills": "./extra/", "commands": ["./custom/x.md", "./more"], "agents": ["./a1.md"],
                    "mcpServers": {"mcpServers": {"db": {"command": "db"}}}}"#,
            ),
            ("skills/s1/SKILL.md", ""),
            ("extra/s2/SKILL.md", ""),
            ("custom/x.md", ""),
            ("more/y.md", ""),
            ("commands/ignored.md", ""),
            ("a1.md", ""),
            ("README.md", ""),
            ("agents/ignored.md", ""),
        ],
        "p @. manifest 1.00 v=-
  skill s2 extra/s2 MEMBER extra/s2/SKILL.md
  skill s1 skills/s1 MEMBER skills/s1/SKILL.md
  command x custom/x.md MEMBER
  command y more/y.md MEMBER
  agent a1 a1.md MEMBER
  mcp_server db .claude-plugin/plugin.json MEMBER
  meta: README.md,agents/ignored.md,commands/ignored.md
  ! .claude-plugin/plugin.json: default commands/ folder is ignored because the manifest sets \"commands\"
  ! .claude-plugin/plugin.json: default agents/ folder is ignored because the manifest sets \"agents\"
",
    );
}

#[test]
fn manifest_paths_must_stay_inside() {
    let m = ".claude-plugin/plugin.json";
    // Claude Code loads none of these paths: the plugin is read without
    // them, and says why (crate::validate).
    for (manifest, expected) in [
        (
            r#"{"name": "p", "commands": ["../escape.md"]}"#,
            r#"load .claude-plugin/plugin.json: commands: "../escape.md" must start with "./""#,
        ),
        (
            r#"{"name": "p", "skills": "skills"}"#,
            r#"load .claude-plugin/plugin.json: skills: "skills" must start with "./""#,
        ),
        (
            r#"{"name": "p", "agents": "/etc/passwd"}"#,
            r#"load .claude-plugin/plugin.json: agents: "/etc/passwd" must start with "./""#,
        ),
        (
            r#"{"name": "p", "hooks": "./a\\b.json"}"#,
            r#"validate .claude-plugin/plugin.json: hooks: "./a\\b.json" is not a path inside the plugin"#,
        ),
        (
            r#"{"name": "p", "commands": "./../escape.md"}"#,
            r#"validate .claude-plugin/plugin.json: commands: "./../escape.md" contains `..`, which could leave the plugin"#,
        ),
        (
            r#"{"name": "p", "commands": "./nope.md"}"#,
            r#"validate .claude-plugin/plugin.json: commands: "./nope.md" not found in the plugin"#,
        ),
        (
            r#"{"name": "p", "agents": ["./agents"]}"#,
            r#"load .claude-plugin/plugin.json: agents: "./agents" must be a .md file (Claude Code does not take a folder here)"#,
        ),
    ] {
        let d = discover_tree(&[(m, manifest), ("agents/a.md", "")], "folder")
            .expect("a plugin Claude Code refuses is still read");
        let problems: Vec<String> = d.plugins[0]
            .validation
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{} {p}",
                    if p.level == crate::validate::Level::Load {
                        "load"
                    } else {
                        "validate"
                    }
                )
            })
            .collect();
        assert_eq!(problems, [expected], "{manifest}");
        // The default agents/ folder stands in for what was left out.
        assert_eq!(d.plugins[0].count(ArtifactKind::Agent), 1, "{manifest}");
    }
    // Without a name, or one Claude Code refuses, or without JSON, there
    // is no plugin to name.
    for (manifest, expected) in [
        (
            r#"{"version": "1"}"#,
            ".claude-plugin/plugin.json: field `name`: is required",
        ),
        (
            r#"{"name": "my plugin"}"#,
            r#".claude-plugin/plugin.json: field `name`: "my plugin" contains ' '; plugin names cannot contain spaces, '@', ':', path separators or control characters"#,
        ),
        (
            "{not json",
            ".claude-plugin/plugin.json: not valid JSON: key must be a string at line 1 column 2",
        ),
    ] {
        check_err(&[(m, manifest), ("agents/a.md", "")], expected);
    }
}

#[test]
fn legacy_manifest_with_members() {
    check(
        &[
            (
                "composite.json",
                r#"{"name": "Canvas Bundle", "type": "composite", "version": "1.0.0", "members": [
                    {"path": "skills/canvas-design", "type": "skill", "relationship": "REQUIRED"},
                    {"path": "commands/canvas.md", "type": "command"},
                    {"path": "agents/canvas-agent", "type": "agent", "relationship": "OPTIONAL"}]}"#,
            ),
            ("skills/canvas-design/SKILL.md", ""),
            ("skills/other/SKILL.md", ""),
            ("commands/canvas.md", ""),
            ("agents/canvas-agent/AGENT.json", "{}"),
        ],
        "Canvas Bundle @. legacy-manifest 0.95 v=1.0.0
  skill canvas-design skills/canvas-design REQUIRED skills/canvas-design/SKILL.md
  command canvas commands/canvas.md MEMBER
  agent canvas-agent agents/canvas-agent OPTIONAL agents/canvas-agent/AGENT.json
  meta: composite.json,skills/other/SKILL.md
",
    );
    check_err(
        &[(
            "plugin.json",
            r#"{"name": "x", "members": [{"path": "../../x", "type": "skill"}]}"#,
        )],
        r#"plugin.json: field `members[0].path`: "../../x": `..` could escape the root and is not allowed"#,
    );
}

#[test]
fn heuristic_confidence_grows_with_kinds() {
    check(
        &[
            ("skills/a/SKILL.md", ""),
            ("commands/b.md", ""),
            ("notes.md", ""),
        ],
        "folder @. heuristic 0.70 v=-
  skill a skills/a MEMBER skills/a/SKILL.md
  command b commands/b.md MEMBER
  meta: notes.md
",
    );
}

/// Claude Code 2.1.332 loads a folder with no manifest as a plugin named
/// after the folder whatever it holds: `claude --plugin-dir skills-only
/// plugin details skills-only` lists `Skills (1) x` for a folder with only
/// `skills/x/SKILL.md`, `Skills (1) c` for one with only `commands/c.md`,
/// and a folder with only a `SKILL.md` is that one skill.
#[test]
fn a_folder_without_a_manifest_is_a_plugin_named_after_it() {
    check(
        &[
            ("skills/x/SKILL.md", "---\nname: x\n---\n"),
            ("README.md", ""),
        ],
        "folder @. heuristic 0.60 v=-
  skill x skills/x MEMBER skills/x/SKILL.md
  meta: README.md
",
    );
    check(
        &[("commands/c.md", ""), ("LICENSE", "")],
        "folder @. heuristic 0.60 v=-
  command c commands/c.md MEMBER
  meta: LICENSE
",
    );
    check(
        &[("SKILL.md", "---\nname: folder\n---\n"), ("ref.md", "")],
        "folder @. heuristic 0.60 v=-
  skill folder . MEMBER SKILL.md,ref.md
  meta: \n",
    );
    check(
        &[(".mcp.json", r#"{"mcpServers": {"db": {"command": "db"}}}"#)],
        "folder @. heuristic 0.60 v=-
  mcp_server db .mcp.json MEMBER
  meta: \n",
    );
    // Nothing Claude Code would load: no plugin.
    check(&[("README.md", ""), ("agents/README.md", "")], "");
    // A folder with components is that plugin, as `--plugin-dir` loads it;
    // plugins below it are its files.
    check(
        &[
            ("skills/a/SKILL.md", ""),
            ("plugins/p/.claude-plugin/plugin.json", r#"{"name": "p"}"#),
            ("plugins/p/commands/c.md", ""),
        ],
        "folder @. heuristic 0.60 v=-
  skill a skills/a MEMBER skills/a/SKILL.md
  meta: plugins/p/.claude-plugin/plugin.json,plugins/p/commands/c.md
",
    );
}

/// `claude --plugin-dir` loads a folder holding `.claude-plugin/plugin.json`
/// as that plugin even with a `marketplace.json` beside it; the plugins the
/// marketplace lists elsewhere are still found.
#[test]
fn a_root_with_both_manifests_is_a_plugin_too() {
    let market = |plugins: &str| {
        format!(r#"{{"name": "mk", "owner": {{"name": "o"}}, "plugins": [{plugins}]}}"#)
    };
    let remote = market(r#"{"name": "solo", "source": {"source": "github", "repo": "o/solo"}}"#);
    check(
        &[
            (".claude-plugin/marketplace.json", &remote),
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "solo", "version": "1.0"}"#,
            ),
            ("skills/s/SKILL.md", ""),
        ],
        "! .claude-plugin/marketplace.json: plugin \"solo\": this folder is that plugin; its remote source (github o/solo) is not fetched
solo @. manifest 1.00 v=1.0
  skill s skills/s MEMBER skills/s/SKILL.md
  meta: .claude-plugin/marketplace.json,.claude-plugin/plugin.json
",
    );
    let elsewhere = market(r#"{"name": "other", "source": "./plugins/other"}"#);
    check(
        &[
            (".claude-plugin/marketplace.json", &elsewhere),
            (".claude-plugin/plugin.json", r#"{"name": "top"}"#),
            ("skills/s/SKILL.md", ""),
            ("plugins/other/commands/c.md", ""),
        ],
        "top @. manifest 1.00 v=-
  skill s skills/s MEMBER skills/s/SKILL.md
  meta: .claude-plugin/marketplace.json,.claude-plugin/plugin.json
other @plugins/other manifest 1.00 v=-
  command c commands/c.md MEMBER
  meta: \n",
    );
}

/// A marketplace entry's folder that holds a `marketplace.json` of its own
/// is the plugin its `plugin.json` describes (`claude plugin install
/// inner@cases` then `plugin details` lists `Skills (1) i`); the plugins its
/// own marketplace lists are not loaded, their files are the plugin's.
#[test]
fn an_entry_folder_with_its_own_marketplace_is_a_plugin() {
    check(
        &[
            (
                ".claude-plugin/marketplace.json",
                r#"{"name": "cases", "owner": {"name": "o"}, "plugins": [{"name": "inner", "source": "./inner"}]}"#,
            ),
            ("inner/.claude-plugin/plugin.json", r#"{"name": "inner"}"#),
            (
                "inner/.claude-plugin/marketplace.json",
                r#"{"name": "inner-mkt", "owner": {"name": "o"}, "plugins": [{"name": "sub", "source": "./sub"}]}"#,
            ),
            ("inner/skills/i/SKILL.md", ""),
            ("inner/sub/skills/deep/SKILL.md", ""),
        ],
        "inner @inner manifest 1.00 v=-
  skill i skills/i MEMBER skills/i/SKILL.md
  meta: .claude-plugin/marketplace.json,.claude-plugin/plugin.json,sub/skills/deep/SKILL.md
",
    );
}

/// `"hooks": {}` gives Claude Code no hooks (`Hooks (0)`), nor does a
/// config with only a description; a config's events are the keys of its
/// `hooks` object, even one with no groups (`{"SessionEnd": []}` is listed
/// among `Hooks (3) Stop, PreToolUse, SessionEnd`).
#[test]
fn a_hooks_config_without_events_is_no_hook_artifact() {
    let plugin = (".claude-plugin/plugin.json", r#"{"name": "quiet"}"#);
    check(
        &[
            plugin,
            ("hooks/hooks.json", r#"{"description": "none yet", "hooks": {}}"#),
            ("hooks/later.sh", ""),
        ],
        "quiet @. manifest 1.00 v=-
  meta: .claude-plugin/plugin.json,hooks/hooks.json,hooks/later.sh
  ! hooks/hooks.json: declares no hook event (its `hooks` object is empty): Claude Code loads no hooks from it
",
    );
    check(
        &[plugin, ("hooks/hooks.json", r#"{"description": "d"}"#)],
        "quiet @. manifest 1.00 v=-
  meta: .claude-plugin/plugin.json,hooks/hooks.json
  ! hooks/hooks.json: declares no hook event (its `hooks` object is empty): Claude Code loads no hooks from it
",
    );
    let group = r#"[{"hooks": [{"type": "command", "command": "echo"}]}]"#;
    let events =
        format!(r#"{{"hooks": {{"Stop": {group}, "PreToolUse": {group}, "SessionEnd": []}}}}"#);
    check(
        &[plugin, ("hooks/hooks.json", &events)],
        "quiet @. manifest 1.00 v=-
  hook quiet hooks/hooks.json MEMBER hooks/hooks.json events=PreToolUse,SessionEnd,Stop
  meta: .claude-plugin/plugin.json
",
    );
}

/// A `strict: false` entry for a folder without `plugin.json` defines the
/// plugin's components, and Claude Code still scans the default folders:
/// `claude plugin details sf@cases` lists the default `commands/` and
/// `agents/` beside the entry's folders (explicitly listed `.md` files are
/// loaded but not listed by `details`).
#[test]
fn a_strict_false_entry_defines_the_components() {
    let entry = r#"{"name": "cases", "owner": {"name": "o"}, "plugins": [{"name": "sf", "source": "./sf", "strict": false,
        "version": "2.0", "commands": ["./extra-commands"], "agents": ["./roles/r.md"], "skills": "./more-skills",
        "mcpServers": {"srv": {"command": "srv"}}}]}"#;
    let files = [
        (".claude-plugin/marketplace.json", entry),
        ("sf/commands/default.md", ""),
        ("sf/extra-commands/e.md", ""),
        ("sf/agents/a.md", ""),
        ("sf/roles/r.md", ""),
        ("sf/skills/s/SKILL.md", ""),
        ("sf/more-skills/m/SKILL.md", ""),
    ];
    check(
        &files,
        "sf @sf manifest 1.00 v=2.0
  skill m more-skills/m MEMBER more-skills/m/SKILL.md
  skill s skills/s MEMBER skills/s/SKILL.md
  command default commands/default.md MEMBER
  command e extra-commands/e.md MEMBER
  agent a agents/a.md MEMBER
  agent r roles/r.md MEMBER
  mcp_server srv .claude-plugin/plugin.json MEMBER
  meta: \n",
    );
    // Its manifest names the default folders too, so a plugin.json made
    // from it loads the same components.
    let d = discover_tree(&files, "x").expect("a marketplace");
    let manifest = d.plugins[0].manifest.as_ref().expect("the entry");
    assert_eq!(
        manifest["commands"],
        serde_json::json!(["./commands", "./extra-commands"])
    );
    assert_eq!(
        manifest["agents"],
        serde_json::json!(["./agents/a.md", "./roles/r.md"])
    );
    assert_eq!(manifest["skills"], "./more-skills");
}

/// With its own `plugin.json`, an entry's component paths are appended
/// (`strict`, the default): to the manifest's, or to the default folder when
/// the manifest declares none. Under `strict: false` Claude Code refuses the
/// plugin ("conflicting manifests"; `plugin details` finds no plugin).
#[test]
fn entry_components_beside_a_plugin_json() {
    let market = |extra: &str| {
        format!(
            r#"{{"name": "m", "owner": {{"name": "o"}}, "plugins": [{{"name": "p", "source": "./p", "commands": ["./more/x.md"]{extra}}}]}}"#
        )
    };
    let tree = |market: &str| -> Vec<(String, String)> {
        [
            (".claude-plugin/marketplace.json", market),
            ("p/.claude-plugin/plugin.json", r#"{"name": "p"}"#),
            ("p/commands/c.md", ""),
            ("p/more/x.md", ""),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
    };
    let strict = tree(&market(""));
    let strict: Vec<(&str, &str)> = strict
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    check(
        &strict,
        "p @p manifest 1.00 v=-
  command c commands/c.md MEMBER
  command x more/x.md MEMBER
  meta: .claude-plugin/plugin.json
",
    );
    let loose = tree(&market(r#", "strict": false"#));
    let loose: Vec<(&str, &str)> = loose
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    check(
        &loose,
        "p @p manifest 1.00 v=-
  command c commands/c.md MEMBER
  meta: .claude-plugin/plugin.json,more/x.md
  ! .claude-plugin/marketplace.json (plugins[0]): `strict: false` and the entry declares `commands`, but the plugin has its own p/.claude-plugin/plugin.json: Claude Code does not load it (\"conflicting manifests\"); the entry's components are left out
",
    );
}

#[test]
fn marketplace_with_local_and_remote_sources() {
    check(
        &[
            (
                ".claude-plugin/marketplace.json",
                r#"{"name": "mk", "owner": {"name": "o"}, "plugins": [
                    {"name": "root", "source": "./", "version": "0.1"},
                    {"name": "one", "source": "./plugins/one", "description": "entry wins"},
                    {"name": "two", "source": "./plugins/two", "commands": ["./extra.md"]},
                    {"name": "remote", "source": {"source": "github", "repo": "a/b"}},
                    {"name": "evil", "source": "../outside"},
                    {"name": "gone", "source": "./plugins/gone"}]}"#,
            ),
            ("skills/top/SKILL.md", ""),
            ("plugins/one/.claude-plugin/plugin.json", r#"{"name": "one", "version": "2.0", "description": "own"}"#),
            ("plugins/one/agents/x.md", ""),
            ("plugins/two/commands/c.md", ""),
            ("plugins/two/extra.md", ""),
        ],
        "! .claude-plugin/marketplace.json: plugin \"evil\": source \"../outside\": `..` could escape the root and is not allowed; skipped
! .claude-plugin/marketplace.json: plugin \"gone\": source ./plugins/gone has no files here; skipped
remote remote github a/b ref=- sha=-
escaping .claude-plugin/marketplace.json: plugin \"evil\": source \"../outside\": `..` could escape the root and is not allowed
root @. manifest 1.00 v=0.1
  skill top skills/top MEMBER skills/top/SKILL.md
  meta: .claude-plugin/marketplace.json
one @plugins/one manifest 1.00 v=2.0
  agent x agents/x.md MEMBER
  meta: .claude-plugin/plugin.json
two @plugins/two manifest 1.00 v=-
  command c commands/c.md MEMBER
  command extra extra.md MEMBER
  meta: \n",
    );
}

/// An entry's folder inside another entry's: the inner plugin's files are
/// its own, not the outer one's, whichever entry comes first; a sibling
/// whose name merely starts the same is not inside.
#[test]
fn marketplace_entries_nested_in_one_another() {
    check(
        &[
            (
                ".claude-plugin/marketplace.json",
                r#"{"name": "mk", "owner": {"name": "o"}, "plugins": [
                    {"name": "inner", "source": "./a/b"},
                    {"name": "outer", "source": "./a"},
                    {"name": "near", "source": "./a-b"}]}"#,
            ),
            ("a/commands/x.md", ""),
            ("a/b/commands/y.md", ""),
            ("a/b/.claude-plugin/plugin.json", r#"{"name": "inner"}"#),
            ("a-b/commands/z.md", ""),
        ],
        "inner @a/b manifest 1.00 v=-
  command y commands/y.md MEMBER
  meta: .claude-plugin/plugin.json
outer @a manifest 1.00 v=-
  command x commands/x.md MEMBER
  meta: \n\
near @a-b manifest 1.00 v=-
  command z commands/z.md MEMBER
  meta: \n",
    );
}

#[test]
fn mcp_wrapped_shape_and_manifest_override() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "m", "mcpServers": "./servers.json"}"#,
            ),
            (
                ".mcp.json",
                r#"{"mcpServers": {"a": {"command": "a"}, "b": {"command": "old"}}}"#,
            ),
            ("servers.json", r#"{"b": {"command": "new"}}"#),
        ],
        "m @. manifest 1.00 v=-
  mcp_server a .mcp.json MEMBER
  mcp_server b servers.json MEMBER
  meta: .claude-plugin/plugin.json
",
    );
}

#[test]
fn invalid_frontmatter_warns_and_keeps_the_child() {
    check(
        &[
            (".claude-plugin/plugin.json", r#"{"name": "f"}"#),
            ("commands/lint.md", "---\ndescription: Lint\nargument-hint: [--fix] | [--check]\n---\nbody"),
        ],
        "f @. manifest 1.00 v=-
  command lint commands/lint.md MEMBER
  meta: .claude-plugin/plugin.json
  ! commands/lint.md: frontmatter is not valid YAML (line 3: expected a comment or a line break after a flow collection); name and description were read leniently
",
    );
}

#[test]
fn single_skill_plugin_and_nested_plugins() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "solo", "skills": "."}"#,
            ),
            ("SKILL.md", ""),
            ("ref.md", ""),
        ],
        "solo @. manifest 1.00 v=-
  skill solo . MEMBER .claude-plugin/plugin.json,SKILL.md,ref.md
  meta: \n",
    );
    check(
        &[
            ("a/.claude-plugin/plugin.json", r#"{"name": "a"}"#),
            ("a/commands/x.md", ""),
            ("group/b/.claude-plugin/plugin.json", r#"{"name": "b"}"#),
        ],
        "a @a manifest 1.00 v=-
  command x commands/x.md MEMBER
  meta: .claude-plugin/plugin.json
b @group/b manifest 1.00 v=-
  meta: .claude-plugin/plugin.json
",
    );
}

#[test]
fn a_root_skill_md_without_skills_is_one_skill() {
    // Claude Code loads such a plugin as that one skill.
    check(
        &[
            (".claude-plugin/plugin.json", r#"{"name": "solo"}"#),
            ("SKILL.md", "---\nname: solo\n---\n"),
            ("scripts/run.sh", ""),
        ],
        "solo @. manifest 1.00 v=-
  skill solo . MEMBER .claude-plugin/plugin.json,SKILL.md,scripts/run.sh
  meta: \n",
    );
    // With a skills/ folder, the root SKILL.md is just a file of the plugin.
    check(
        &[
            (".claude-plugin/plugin.json", r#"{"name": "many"}"#),
            ("SKILL.md", ""),
            ("skills/a/SKILL.md", ""),
        ],
        "many @. manifest 1.00 v=-
  skill a skills/a MEMBER skills/a/SKILL.md
  meta: .claude-plugin/plugin.json,SKILL.md
",
    );
}

/// The engine's serde_json keeps key order and the browser package's does
/// not: servers and command entries come out by name either way.
#[test]
fn keys_written_out_of_order_give_children_and_notes_by_name() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "order",
                    "commands": {"zz": {"content": "z"}, "yy": {"source": "./y.md"}, "aa": {"content": "a"}}}"#,
            ),
            ("y.md", "y"),
            (
                ".mcp.json",
                r#"{"mcpServers": {"zeta": {"command": "z"}, "alpha": {"command": "a"}, "mid": {"command": "m"}}}"#,
            ),
        ],
        "order @. manifest 1.00 v=-
  command yy y.md MEMBER
  mcp_server alpha .mcp.json MEMBER
  mcp_server mid .mcp.json MEMBER
  mcp_server zeta .mcp.json MEMBER
  meta: .claude-plugin/plugin.json
  ! .claude-plugin/plugin.json: commands.aa has inline `content`: it stays in the manifest and is not imported as a command artifact
  ! .claude-plugin/plugin.json: commands.zz has inline `content`: it stays in the manifest and is not imported as a command artifact
",
    );
}

#[test]
fn manifest_parts_that_are_not_children_are_reported() {
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "inline",
                    "commands": {"hello": {"content": "Say hello"}, "ship": {"source": "./ship.md"}},
                    "hooks": {"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "echo hi"}]}]}},
                    "mcpServers": ["./servers.mcpb", {"gh": {"command": "gh"}}]}"#,
            ),
            ("ship.md", "---\ndescription: Ship\n---\n"),
            ("servers.mcpb", "a bundle"),
        ],
        "inline @. manifest 1.00 v=-
  command ship ship.md MEMBER
  mcp_server gh .claude-plugin/plugin.json MEMBER
  meta: servers.mcpb
  ! .claude-plugin/plugin.json: commands.hello has inline `content`: it stays in the manifest and is not imported as a command artifact
  ! .claude-plugin/plugin.json: hooks is an inline hooks object: it stays in the manifest and is not part of the hook artifact (not merged on deploy)
  ! .claude-plugin/plugin.json: mcpServers[0] \"./servers.mcpb\" is a bundle or a URL: it stays in the manifest and is not imported as an MCP server
",
    );
}

#[test]
fn child_hashes_follow_the_spec() {
    let files = [
        (".claude-plugin/plugin.json", r#"{"name": "h"}"#),
        ("skills/s/SKILL.md", "# Skill\n"),
        ("commands/c.md", "hello\n"),
    ];
    let d = discover_tree(&files, "x").expect("a valid plugin tree");
    let digest = |p: &SafeRelPath| {
        files
            .iter()
            .find(|(f, _)| *f == p.as_str())
            .map(|(_, c)| hash_bytes(c.as_bytes()))
    };
    let plugin = &d.plugins[0];
    let hashes: Vec<String> = plugin
        .children
        .iter()
        .map(|c| {
            c.digest(&digest)
                .map(|d| d.content_hash.to_hex())
                .expect("every child's files are in the listing")
        })
        .collect();
    // skill: one record "SKILL.md\0<sha of '# Skill\n'>\n" (the hash from
    // tests/reference/compute_artifact_hash.py on skills/s); command: the
    // sha256sum of "hello\n".
    assert_eq!(
        hashes[0],
        "9df4a33b94d07165266d79a3c047887e57046e860ec5af63e434fb912eb72768"
    );
    assert_eq!(
        hashes[1],
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    assert!(matches!(
        Listing::new(["a/../b"]),
        Err(Error::InvalidPath { .. })
    ));
}

/// Discovery over `files`, where `padded` files are filled with spaces up to
/// `len` bytes, and a reader that reports `unreadable` files as such.
fn discover_padded(
    files: &[(&str, &str)],
    padded: &[&str],
    len: u64,
    unreadable: &[&str],
) -> Result<Discovery> {
    let mut map: BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
        .collect();
    for p in padded {
        let bytes = map.get_mut(*p).expect("padded files are among the files");
        bytes.resize(usize::try_from(len).expect("fits in memory"), b' ');
    }
    let listing = Listing::new(map.keys())?;
    let read = |p: &str| match map.get(p) {
        Some(_) if unreadable.contains(&p) => Err(ReadProblem::Failed),
        Some(bytes) => Ok(bytes.clone()),
        None => Err(ReadProblem::Failed),
    };
    discover(&listing, "folder", &read)
}

#[test]
fn a_json_file_over_8_mib_is_named_as_too_large() {
    let manifest = (".claude-plugin/plugin.json", r#"{"name": "big"}"#);
    let hooks = ("hooks/hooks.json", HOOKS);
    let market = (
        ".claude-plugin/marketplace.json",
        r#"{"name": "m", "plugins": [{"name": "p", "source": "./p"}]}"#,
    );
    let skill = ("p/skills/s/SKILL.md", "---\nname: s\n---\n");
    let over = MAX_SMALL_FILE + 1;
    for (files, padded, expected) in [
        (
            vec![manifest],
            manifest.0,
            ".claude-plugin/plugin.json: is larger than the 8 MiB limit for a manifest",
        ),
        (
            vec![manifest, hooks],
            hooks.0,
            "hooks/hooks.json: is larger than the 8 MiB limit for a manifest",
        ),
        (
            vec![market, skill],
            market.0,
            ".claude-plugin/marketplace.json: is larger than the 8 MiB limit for a manifest",
        ),
    ] {
        let got = discover_padded(&files, &[padded], over, &[]).map(|d| render(&d));
        assert_eq!(got.map_err(|e| e.to_string()), Err(expected.to_owned()));
    }
    assert_eq!(
        discover_padded(&[manifest], &[], 0, &[manifest.0])
            .map_err(|e| e.to_string())
            .err(),
        Some(".claude-plugin/plugin.json: could not be read".to_owned())
    );
    // Exactly 8 MiB is still read.
    check_padded(
        &[manifest, hooks],
        MAX_SMALL_FILE,
        "big @. manifest 1.00 v=-
  hook big hooks/hooks.json MEMBER hooks/hooks.json events=PreToolUse
  meta: .claude-plugin/plugin.json
",
    );
}

fn check_padded(files: &[(&str, &str)], len: u64, expected: &str) {
    let padded: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let got = discover_padded(files, &padded, len, &[]).map(|d| render(&d));
    assert_eq!(got.map_err(|e| e.to_string()).as_deref(), Ok(expected));
}

#[test]
fn a_reader_may_say_too_large_itself() {
    let files = [(".claude-plugin/plugin.json", r#"{"name": "big"}"#)];
    let listing = Listing::new(files.map(|(p, _)| p)).expect("a valid listing");
    let read = |_: &str| Err(ReadProblem::TooLarge);
    assert_eq!(
        discover(&listing, "folder", &read).err(),
        Some(Error::Unread {
            file: ".claude-plugin/plugin.json".to_owned(),
            problem: ReadProblem::TooLarge,
        })
    );
}

#[test]
fn a_markdown_file_over_8_mib_keeps_its_child_and_warns() {
    let files = [
        (".claude-plugin/plugin.json", r#"{"name": "big"}"#),
        (
            "skills/s/SKILL.md",
            "---\nname: other\ndescription: d\n---\n",
        ),
    ];
    let got = discover_padded(&files, &[files[1].0], MAX_SMALL_FILE + 1, &[]).map(|d| render(&d));
    assert_eq!(
        got.map_err(|e| e.to_string()).as_deref(),
        Ok("big @. manifest 1.00 v=-
  skill s skills/s MEMBER skills/s/SKILL.md
  meta: .claude-plugin/plugin.json
  ! skills/s/SKILL.md: is larger than the 8 MiB limit for a file whose frontmatter is read; name and description were not read
")
    );
}

#[test]
fn two_children_with_one_name_key_are_an_error_naming_both() {
    const PLUGIN: (&str, &str) = (".claude-plugin/plugin.json", r#"{"name": "p"}"#);
    let rule = "names that differ only in case, `_`, `-`, spaces or a trailing `.md` are the same artifact to skillmeat, so one plugin cannot hold both; rename one";
    check_err(
        &[
            PLUGIN,
            ("skills/Sk/SKILL.md", ""),
            ("skills/sk/SKILL.md", ""),
        ],
        &format!("skills/Sk and skills/sk: two skills named \"Sk\" and \"sk\": {rule}"),
    );
    check_err(
        &[
            PLUGIN,
            (
                ".mcp.json",
                r#"{"srv": {"command": "a"}, "Srv": {"command": "b"}}"#,
            ),
        ],
        &format!(".mcp.json: two MCP servers named \"Srv\" and \"srv\": {rule}"),
    );
    check_err(
        &[PLUGIN, ("commands/a_b.md", ""), ("commands/a-b.md", "")],
        &format!(
            "commands/a-b.md and commands/a_b.md: two commands named \"a-b\" and \"a_b\": {rule}"
        ),
    );
    // Different kinds may share a name.
    check(
        &[PLUGIN, ("skills/x/SKILL.md", ""), ("commands/x.md", "")],
        "p @. manifest 1.00 v=-
  skill x skills/x MEMBER skills/x/SKILL.md
  command x commands/x.md MEMBER
  meta: .claude-plugin/plugin.json
",
    );
}

#[test]
fn names_that_cannot_be_artifact_names_are_an_error_naming_the_file() {
    const PLUGIN: (&str, &str) = (".claude-plugin/plugin.json", r#"{"name": "p"}"#);
    check_err(
        &[PLUGIN, ("commands/.md", "")],
        "commands/.md: command name \"\": a name cannot be empty or only spaces",
    );
    check_err(
        &[PLUGIN, ("agents/ .md", "")],
        "agents/ .md: agent name \" \": a name cannot be empty or only spaces",
    );
    check_err(
        &[PLUGIN, (".mcp.json", r#"{"a/b": {"command": "x"}}"#)],
        ".mcp.json: MCP server name \"a/b\": `/` is not allowed in this name",
    );
    check_err(
        &[PLUGIN, (".mcp.json", r#"{"..": {"command": "x"}}"#)],
        ".mcp.json: MCP server name \"..\": `.` and `..` cannot be names",
    );
    check_err(
        &[PLUGIN, (".mcp.json", r#"{"a\u0007": {"command": "x"}}"#)],
        ".mcp.json: MCP server name \"a\\u{7}\": control characters are not allowed in names",
    );
    let long = "s".repeat(200);
    check_err(
        &[PLUGIN, (&format!("skills/{long}/SKILL.md"), "")],
        &format!(
            "skills/{long}: skill name \"{}…\": is 200 characters long; a name may have at most 128",
            "s".repeat(40)
        ),
    );
    // A command's name is its path below commands/: long by its folders.
    let dir = "d".repeat(100);
    check_err(
        &[PLUGIN, (&format!("commands/{dir}/{dir}.md"), "")],
        &format!(
            "commands/{dir}/{dir}.md: command name \"{}…\": is 201 characters long; a name may have at most 128",
            "d".repeat(40)
        ),
    );
    let named = r#"{"name": "p", "commands": {"..": {"source": "./x.md"}}}"#;
    check_err(
        &[(".claude-plugin/plugin.json", named), ("x.md", "")],
        ".claude-plugin/plugin.json: command name \"..\": `.` and `..` cannot be names",
    );
    let plugin = format!(r#"{{"name": "{}"}}"#, "p".repeat(300));
    check_err(
        &[
            (".claude-plugin/plugin.json", &plugin),
            ("skills/x/SKILL.md", ""),
        ],
        &format!(
            ".claude-plugin/plugin.json: plugin name \"{}…\": is 300 characters long; a name may have at most 128",
            "p".repeat(40)
        ),
    );
}

/// LSP servers, as Claude Code 2.1.332 loads them (probed with `plugin
/// details`): one per entry of the bare map in `.lsp.json`, then of the
/// manifest's `lspServers` (an inline map, a path to such a file, or an
/// array of either); a later name replaces an earlier one.
#[test]
fn lsp_servers_from_the_lsp_json_and_the_manifest() {
    check(
        &[
            (".claude-plugin/plugin.json", r#"{"name": "langs"}"#),
            (
                ".lsp.json",
                r#"{"pyright": {"command": "pyright-langserver", "args": ["--stdio"], "extensionToLanguage": {".py": "python"}}}"#,
            ),
        ],
        "langs @. manifest 1.00 v=-
  lsp_server pyright .lsp.json MEMBER
  meta: .claude-plugin/plugin.json\n",
    );
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "rust", "lspServers": {"rust-analyzer": {"command": "rust-analyzer", "extensionToLanguage": {".rs": "rust"}}}}"#,
            ),
            (".lsp.json", r#"{"ra": {"command": "ra"}}"#),
        ],
        "rust @. manifest 1.00 v=-
  lsp_server ra .lsp.json MEMBER
  lsp_server rust-analyzer .claude-plugin/plugin.json MEMBER
  meta: \n",
    );
    check(
        &[
            (
                ".claude-plugin/plugin.json",
                r#"{"name": "go", "lspServers": ["./lsp/servers.json", {"clangd": {"command": "clangd"}}]}"#,
            ),
            (
                "lsp/servers.json",
                r#"{"gopls": {"command": "gopls"}, "clangd": {"command": "old"}}"#,
            ),
        ],
        "go @. manifest 1.00 v=-
  lsp_server gopls lsp/servers.json MEMBER
  lsp_server clangd .claude-plugin/plugin.json MEMBER
  meta: \n",
    );
    // A folder with only a `.lsp.json` is a plugin to Claude Code.
    check(
        &[(".lsp.json", r#"{"gopls": {"command": "gopls"}}"#)],
        "folder @. heuristic 0.60 v=-
  lsp_server gopls .lsp.json MEMBER
  meta: \n",
    );
    // A path that is not there: Claude Code loads the plugin without it,
    // and `claude plugin validate` calls it an error (crate::validate).
    let d = discover_tree(
        &[(
            ".claude-plugin/plugin.json",
            r#"{"name": "x", "lspServers": "./missing.json"}"#,
        )],
        "x",
    )
    .expect("a missing path is left out, not an error");
    assert_eq!(d.plugins[0].count(ArtifactKind::LspServer), 0);
    let problems: Vec<String> = (d.plugins[0].validation.problems.iter())
        .map(|p| format!("{:?} {p}", p.level))
        .collect();
    assert_eq!(
        problems,
        [
            r#"Validate .claude-plugin/plugin.json: lspServers: "./missing.json" not found in the plugin"#
        ]
    );
}

/// The official marketplace's `*-lsp` plugins: no plugin.json, `strict:
/// false`, the servers in the entry. Without a plugin.json the entry's
/// `lspServers` apply; beside one, Claude Code ignores them.
#[test]
fn lsp_servers_of_a_marketplace_entry() {
    let market = r#"{"name": "m", "owner": {"name": "o"}, "plugins": [
        {"name": "pyright-lsp", "source": "./pyright", "strict": false,
         "lspServers": {"pyright": {"command": "pyright-langserver", "args": ["--stdio"], "extensionToLanguage": {".py": "python"}}}},
        {"name": "own", "source": "./own",
         "lspServers": {"ignored": {"command": "x"}}}]}"#;
    check(
        &[
            (".claude-plugin/marketplace.json", market),
            ("pyright/README.md", "# pyright\n"),
            ("own/.claude-plugin/plugin.json", r#"{"name": "own"}"#),
            ("own/.lsp.json", r#"{"gopls": {"command": "gopls"}}"#),
        ],
        "pyright-lsp @pyright manifest 1.00 v=-
  lsp_server pyright .claude-plugin/plugin.json MEMBER
  meta: README.md
own @own manifest 1.00 v=-
  lsp_server gopls .lsp.json MEMBER
  meta: .claude-plugin/plugin.json\n",
    );
}

/// An LSP server's hash is the SHA-256 of its entry's canonical JSON, as an
/// MCP server's: the same entry in `.lsp.json` or inline hashes the same.
#[test]
fn an_lsp_server_hashes_as_canonical_json() {
    let config = r#"{"extensionToLanguage": {".rs": "rust"}, "command": "rust-analyzer"}"#;
    let lsp = format!(r#"{{"ra": {config}}}"#);
    let inline = format!(r#"{{"name": "p", "lspServers": {{"ra": {config}}}}}"#);
    let hashes: Vec<String> = [
        vec![
            (".claude-plugin/plugin.json", r#"{"name": "p"}"#),
            (".lsp.json", lsp.as_str()),
        ],
        vec![(".claude-plugin/plugin.json", inline.as_str())],
    ]
    .iter()
    .map(|files| {
        let d = discover_tree(files, "p").expect("a plugin");
        let child = &d.plugins[0].children[0];
        assert_eq!(child.kind, ArtifactKind::LspServer);
        child
            .digest(&|_| None)
            .expect("an inline child needs no file digest")
            .content_hash
            .to_hex()
    })
    .collect();
    // sha256 of `{"command":"rust-analyzer","extensionToLanguage":{".rs":"rust"}}`
    // (printf '%s' … | sha256sum).
    let expected = "4a1f6b7fee359a0c813fcffa63b8ba178230e8abc86396f3bf5925784c21e0cf";
    assert_eq!(hashes, [expected, expected]);
}
#[test]
fn remote_entries_are_listed_for_the_host_with_ref_sha_and_subdir() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let market = format!(
        r#"{{"name": "mk", "owner": {{"name": "o"}}, "plugins": [
            {{"name": "gh", "source": {{"source": "github", "repo": "o/gh", "ref": "v1"}}}},
            {{"name": "u", "source": {{"source": "url", "url": "git://h/u.git", "sha": "{sha}"}}}},
            {{"name": "sub", "source": {{"source": "git-subdir", "url": "https://h/m.git", "path": "plugins/sub"}}}},
            {{"name": "out", "source": {{"source": "git-subdir", "url": "https://h/m.git", "path": "../x"}}}},
            {{"name": "npm", "source": {{"source": "npm", "package": "p"}}}},
            {{"name": "short", "source": {{"source": "url", "url": "git://h/u.git", "sha": "abc"}}}},
            {{"name": "nourl", "source": {{"source": "url"}}}}]}}"#
    );
    check(
        &[(".claude-plugin/marketplace.json", &market)],
        &format!(
            "! .claude-plugin/marketplace.json: plugin \"out\": source path \"../x\" leaves the repository: `..` could escape the root and is not allowed; skipped
! .claude-plugin/marketplace.json: plugin \"npm\": source \"npm\" is not supported (github, url and git-subdir are); skipped
! .claude-plugin/marketplace.json: plugin \"short\": source sha \"abc\" is not a full 40-character lowercase commit id; skipped
! .claude-plugin/marketplace.json: plugin \"nourl\": a \"url\" source needs `url`; skipped
remote gh github o/gh ref=v1 sha=-
remote u git://h/u.git ref=- sha={sha}
remote sub https://h/m.git#plugins/sub ref=- sha=-
escaping .claude-plugin/marketplace.json: plugin \"out\": source path \"../x\" leaves the repository: `..` could escape the root and is not allowed
"
        ),
    );
}
