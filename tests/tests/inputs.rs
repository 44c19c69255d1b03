//! Input the user controls that skillmeat cannot store: names that cannot
//! be file names, two children that are one artifact, files and plugins
//! over the size limits. Each is exit 1 with a message naming the file and
//! the problem, and nothing written.

mod util;

use std::path::Path;
use std::time::{Duration, Instant};

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

/// A sparse file of `size` bytes: it costs no disk, and reading it costs
/// as much as reading real bytes (2 GiB took 21 s in a debug build).
fn sparse(path: &Path, size: u64) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::File::create(path)
        .and_then(|f| f.set_len(size))
        .expect("a sparse file");
}

/// Runs `args`, expects exit `code` within `limit` (a file of the sizes
/// here is not read in that time) and returns stderr.
fn run_within(home: &Home, args: &[&std::ffi::OsStr], code: i32, limit: Duration) -> String {
    let started = Instant::now();
    let out = home.cmd().args(args).output().expect("the binary runs");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(took < limit, "{args:?} took {took:?}: files were read");
    stderr
}

const QUICK: Duration = Duration::from_secs(10);

#[test]
fn files_and_plugins_over_the_size_limits_are_refused_before_reading() {
    const GIB: u64 = 1 << 30;
    let (_dir, root) = plugin("p", &[(MANIFEST, r#"{"name": "p"}"#), SKILL]);
    sparse(&root.join("assets/big.bin"), 2 * GIB);
    let root = std::fs::canonicalize(&root).expect("canonical");
    let big = root.join("assets/big.bin");
    let home = Home::new();
    for command in ["add", "preview", "inspect"] {
        let stderr = run_within(&home, &[command.as_ref(), root.as_os_str()], 1, QUICK);
        assert_eq!(
            stderr,
            format!(
                "skillmeat: error: {}: is 2 GiB; a file of a plugin may hold at most 256 MiB (--max-file-size raises the limit)\n",
                big.display()
            )
        );
    }
    assert!(!home.path().exists(), "nothing may be written");

    // --max-file-size raises the file limit; the plugin limit (lowered
    // here, so that nothing is read either way) then refuses the plugin.
    let raised = ["--max-file-size", "3GiB", "--max-plugin-size", "1MiB"];
    for command in ["add", "preview", "inspect"] {
        let mut args: Vec<&std::ffi::OsStr> = vec![command.as_ref()];
        args.extend(raised.map(std::ffi::OsStr::new));
        args.push(root.as_os_str());
        let stderr = run_within(&home, &args, 1, QUICK);
        assert_eq!(
            stderr,
            format!(
                "skillmeat: error: {}: the plugin \"p\" holds 2.0 GiB in 3 files; a plugin may hold at most 1 MiB (--max-plugin-size raises the limit)\n",
                root.display()
            )
        );
    }
    assert!(!home.path().exists(), "nothing may be written");
}

#[test]
fn the_default_plugin_limit_is_1_gib_and_files_of_no_plugin_are_not_read() {
    const MIB: u64 = 1 << 20;
    // Five files of 250 MiB: each under the file limit, 1250 MiB in all.
    let (_dir, root) = plugin("p", &[(MANIFEST, r#"{"name": "p"}"#), SKILL]);
    for i in 0..5 {
        sparse(&root.join(format!("assets/{i}.bin")), 250 * MIB);
    }
    let root = std::fs::canonicalize(&root).expect("canonical");
    let home = Home::new();
    let stderr = run_within(&home, &["add".as_ref(), root.as_os_str()], 1, QUICK);
    assert_eq!(
        stderr,
        format!(
            "skillmeat: error: {}: the plugin \"p\" holds 1.2 GiB in 7 files; a plugin may hold at most 1 GiB (--max-plugin-size raises the limit)\n",
            root.display()
        )
    );
    assert!(!home.path().exists(), "nothing may be written");

    // A folder of plugins: a 2 GiB file outside every plugin is neither
    // refused nor read.
    let dir = tmp();
    write(
        dir.path(),
        "plugins/a/.claude-plugin/plugin.json",
        r#"{"name": "a"}"#,
    );
    write(dir.path(), "plugins/a/skills/x/SKILL.md", "x");
    sparse(&dir.path().join("media/demo.bin"), 2 << 30);
    let out = run_within(
        &home,
        &["inspect".as_ref(), dir.path().as_os_str()],
        0,
        QUICK,
    );
    assert_eq!(out, "");
}
