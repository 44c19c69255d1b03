//! Input the user controls that skillmeat cannot store: names that cannot
//! be file names, two children that are one artifact, files and plugins
//! over the size limits. Each is exit 1 with a message naming the file and
//! the problem, and nothing written.

mod util;

use std::path::Path;

use tempfile::TempDir;
use util::{Home, write};

fn tmp() -> TempDir {
    TempDir::new().expect("a temp dir")
}

/// A plugin folder named `name` (below a fresh temp dir) with these files.
fn plugin(name: &str, files: &[(&str, &str)]) -> (TempDir, std::path::PathBuf) {
    let dir = tmp();
    let root = dir.path().join(name);
    for (rel, content) in files {
        write(&root, rel, content);
    }
    (dir, root)
}

/// `add`, `preview` and `inspect` of `root` exit 1 with
/// `skillmeat: error: in ROOT: EXPECTED`; the home is never created.
fn refused(root: &Path, expected: &str) {
    let home = Home::new();
    let want = format!("skillmeat: error: in {}: {expected}\n", root.display());
    for command in ["add", "preview", "inspect"] {
        let out = home
            .cmd()
            .arg(command)
            .arg(root)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert_eq!(stderr, want, "{command}");
    }
    assert!(!home.path().exists(), "nothing may be written");
}

const MANIFEST: &str = ".claude-plugin/plugin.json";
const SKILL: (&str, &str) = ("skills/x/SKILL.md", "---\nname: x\n---\nA skill.\n");

#[test]
fn names_that_cannot_be_file_names_are_refused_naming_the_file() {
    let long = "a".repeat(300);
    let long_json = format!(r#"{{"name": "{long}"}}"#);
    let a40 = "a".repeat(40);
    let d = "d".repeat(100);
    let nested = format!("commands/{d}/{d}.md");
    let d40 = "d".repeat(40);
    let s = "s".repeat(200);
    let skill = format!("skills/{s}/SKILL.md");
    let mcp_long = format!(r#"{{"mcpServers": {{"{long}": {{"command": "x"}}}}}}"#);
    let named = |name: &str| {
        format!(r#"{{"name": "p", "commands": {{"{name}": {{"source": "./x.md"}}}}}}"#)
    };
    let named_long = named(&long);
    let named_slash = named("a/");
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![(MANIFEST, &long_json), SKILL],
            format!(
                "{MANIFEST}: plugin name \"{a40}…\": is 300 characters long; a name may have at most 128"
            ),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), (".mcp.json", &mcp_long)],
            format!(
                ".mcp.json: MCP server name \"{a40}…\": is 300 characters long; a name may have at most 128"
            ),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), (&skill, "x")],
            format!(
                "skills/{s}: skill name \"{}…\": is 200 characters long; a name may have at most 128",
                "s".repeat(40)
            ),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), (&nested, "x")],
            format!(
                "{nested}: command name \"{d40}…\": is 201 characters long; a name may have at most 128"
            ),
        ),
        (
            vec![(MANIFEST, &named_long), ("x.md", "x")],
            format!(
                "{MANIFEST}: command name \"{a40}…\": is 300 characters long; a name may have at most 128"
            ),
        ),
        (
            vec![(MANIFEST, &named_slash), ("x.md", "x")],
            format!(
                "{MANIFEST}: command name \"a/\": every part between `/`s must have a character other than spaces"
            ),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), ("commands/.md", "x"), SKILL],
            "commands/.md: command name \"\": a name cannot be empty or only spaces".into(),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), ("agents/ .md", "x"), SKILL],
            "agents/ .md: agent name \" \": a name cannot be empty or only spaces".into(),
        ),
        (
            vec![(MANIFEST, r#"{"name": "p"}"#), ("skills/ /SKILL.md", "x")],
            "skills/ : skill name \" \": a name cannot be empty or only spaces".into(),
        ),
        (
            vec![
                (MANIFEST, r#"{"name": "p"}"#),
                (".mcp.json", r#"{"..": {"command": "x"}}"#),
            ],
            ".mcp.json: MCP server name \"..\": `.` and `..` cannot be names".into(),
        ),
        (
            vec![
                (MANIFEST, r#"{"name": "p"}"#),
                (".mcp.json", r#"{"a/b": {"command": "x"}}"#),
            ],
            ".mcp.json: MCP server name \"a/b\": `/` is not allowed in this name".into(),
        ),
        (
            vec![
                (MANIFEST, r#"{"name": "p"}"#),
                (".mcp.json", r#"{"tab\there": {"command": "x"}}"#),
            ],
            ".mcp.json: MCP server name \"tab\\there\": control characters are not allowed in names"
                .into(),
        ),
    ];
    for (files, expected) in cases {
        let (_dir, root) = plugin("p", &files);
        refused(&root, &expected);
    }
}

#[test]
fn two_children_that_are_one_artifact_are_refused_naming_both() {
    let rule = "names that differ only in case, `_`, `-`, spaces or a trailing `.md` are the same artifact to skillmeat, so one plugin cannot hold both; rename one";
    let (_dir, root) = plugin(
        "p",
        &[
            (MANIFEST, r#"{"name": "p"}"#),
            ("skills/Sk/SKILL.md", "one"),
            ("skills/sk/SKILL.md", "two"),
        ],
    );
    refused(
        &root,
        &format!("skills/Sk and skills/sk: two skills named \"Sk\" and \"sk\": {rule}"),
    );
    let (_dir, root) = plugin(
        "p",
        &[
            (MANIFEST, r#"{"name": "p"}"#),
            (
                ".mcp.json",
                r#"{"mcpServers": {"Srv": {"command": "a"}, "srv": {"command": "b"}}}"#,
            ),
        ],
    );
    refused(
        &root,
        &format!(".mcp.json: two MCP servers named \"Srv\" and \"srv\": {rule}"),
    );
}
