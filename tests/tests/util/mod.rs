//! Helpers shared by the end-to-end tests.

pub mod git;
pub mod hash_first;
pub mod server;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The real `skillmeat` binary, with `SKILLMEAT_HOME` in a fresh temp dir.
/// It is `target/debug/skillmeat` as `cargo test --workspace` (`make test`)
/// builds it; `cargo test -p skillmeat-tests` alone does not rebuild it, so
/// run `cargo build -p skillmeat` first.
pub fn skillmeat() -> Command {
    let mut cmd = Command::cargo_bin("skillmeat")
        .expect("the skillmeat binary: cargo build -p skillmeat --bin skillmeat");
    cmd.env_remove("SKILLMEAT_LOG");
    cmd
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

#[allow(dead_code)]
pub fn expected(name: &str) -> Value {
    let text = fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).expect("creating the fixture's folder");
    }
    fs::write(p, content).expect("writing the fixture file");
}

#[allow(dead_code)]
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("setting the mode");
}

/// The binary run as an unprivileged user when we are root (root reads any
/// file, so permission tests need someone else); otherwise as ourselves.
#[allow(dead_code)]
pub fn as_unprivileged(tree: &Path) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("skillmeat");
    let is_root = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !is_root {
        return Command::new(bin);
    }
    // The unprivileged user must be able to reach the tree and the binary.
    let mut p = tree.to_path_buf();
    loop {
        let _ = fs::metadata(&p).map(|m| {
            use std::os::unix::fs::PermissionsExt;
            let mode = m.permissions().mode() | 0o005;
            let _ = fs::set_permissions(&p, fs::Permissions::from_mode(mode));
        });
        if !p.pop() || p.as_os_str().is_empty() || p == Path::new("/") {
            break;
        }
    }
    for f in fs::read_dir(tree).into_iter().flatten().flatten() {
        let path = f.path();
        if let Ok(m) = fs::metadata(&path) {
            use std::os::unix::fs::PermissionsExt;
            if m.permissions().mode() & 0o777 != 0 {
                let _ = fs::set_permissions(
                    &path,
                    fs::Permissions::from_mode(m.permissions().mode() | 0o004),
                );
            }
        }
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin);
    cmd
}

/// A fresh `SKILLMEAT_HOME` in a temp dir, and commands that use it.
#[allow(dead_code)]
pub struct Home {
    tmp: tempfile::TempDir,
}

#[allow(dead_code)]
impl Home {
    pub fn new() -> Home {
        Home {
            tmp: tempfile::TempDir::new().expect("a temp dir"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    pub fn cmd(&self) -> Command {
        let mut c = skillmeat();
        c.env("SKILLMEAT_HOME", self.path());
        c
    }

    /// The CLI built with crash points (`SKILLMEAT_FAILPOINT`).
    pub fn cmd_failpoints(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_skillmeat-failpoints"));
        c.env("SKILLMEAT_HOME", self.path())
            .env_remove("SKILLMEAT_LOG");
        c
    }

    /// The CLI built with crash points, as a plain `std` command.
    pub fn cmd_failpoints_std(&self) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_skillmeat-failpoints"));
        c.env("SKILLMEAT_HOME", self.path())
            .env_remove("SKILLMEAT_LOG");
        c
    }

    pub fn cmd_std(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillmeat"));
        c.env("SKILLMEAT_HOME", self.path())
            .env_remove("SKILLMEAT_LOG");
        c
    }

    /// Runs `args` + `extra`, expects exit 0, parses stdout as JSON.
    pub fn json<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[&str],
        extra: impl IntoIterator<Item = S>,
    ) -> Value {
        self.json_code(args, extra, 0)
    }

    pub fn json_code<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[&str],
        extra: impl IntoIterator<Item = S>,
        code: i32,
    ) -> Value {
        let out = self
            .cmd()
            .args(args)
            .args(extra)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out)))
    }
}

/// A copy of a fixture tree in a temp dir (symlinks kept as symlinks).
#[allow(dead_code)]
pub fn copy_tree(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(dir.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    dir
}

/// Everything below `dir`, exactly: each file with its SHA-256 and mode,
/// each folder with its mode, each link with its target. Two snapshots are
/// equal when the trees are byte-for-byte and mode-for-mode the same.
#[allow(dead_code)]
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.expect("a readable tree"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("below the root")
                .display()
                .to_string();
            let meta = e.path().symlink_metadata().expect("metadata");
            let mode = meta.permissions().mode() & 0o7777;
            let what = if meta.file_type().is_symlink() {
                let target = fs::read_link(e.path()).expect("a link");
                format!("link -> {}", target.display())
            } else if meta.is_dir() {
                format!("dir {mode:o}")
            } else {
                let bytes = fs::read(e.path()).expect("a readable file");
                let hash = skillmeat_core::hash::hash_bytes(&bytes);
                format!("file {mode:o} {hash}")
            };
            (rel, what)
        })
        .collect()
}

/// A project that already has its own settings (with a hook), MCP server
/// and code.
#[allow(dead_code)]
pub fn project_with_own_config() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("a temp dir");
    write(
        dir.path(),
        ".claude/settings.json",
        "{\n    \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n    \"hooks\": {\n        \"PreToolUse\": [{\"matcher\": \"Edit\", \"hooks\": [{\"type\": \"command\", \"command\": \"echo mine\"}]}]\n    },\n    \"model\": \"opus\"\n}",
    );
    write(
        dir.path(),
        ".mcp.json",
        "{\"mcpServers\": {\"mine\": {\"command\": \"my-server\"}}}\n",
    );
    write(dir.path(), "src/main.rs", "fn main() {}\n");
    dir
}

/// A pipe whose read end is already closed: whatever writes to it gets
/// `EPIPE`, as under `cmd 2>&1 >/dev/null | head -2` once head has exited.
#[allow(dead_code)]
pub fn closed_pipe() -> std::process::Stdio {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    writer.into()
}

/// Runs `cmd` to its end, but for at most `limit`: a process still running
/// then is killed and the test fails (instead of hanging the test run).
#[allow(dead_code)]
pub fn run_bounded(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> std::process::ExitStatus {
    let mut child = cmd.spawn().expect("spawning skillmeat");
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for skillmeat") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `cp -a from to`: a folder copied with everything in it.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).expect("creating the copy's parent");
    }
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("running cp");
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// Claude Code's own CLI (`tests/tools`, pinned, installed by `.ci/setup`),
/// run with `HOME` in a temp folder that trusts `project` (so project
/// plugins under `.claude/skills/` load), from inside `project`.
#[allow(dead_code)]
pub struct ClaudeCode {
    home: tempfile::TempDir,
}

#[allow(dead_code)]
impl ClaudeCode {
    pub fn new() -> ClaudeCode {
        ClaudeCode {
            home: tempfile::TempDir::new().expect("a temp HOME"),
        }
    }

    pub fn binary() -> PathBuf {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tools/node_modules/@anthropic-ai/claude-code-linux-x64/claude");
        assert!(
            bin.is_file(),
            "{} is missing: run .ci/setup (npm ci in tests/tools)",
            bin.display()
        );
        bin
    }

    /// Trusts `project`'s workspace, as the trust dialog would.
    pub fn trust(&self, project: &Path) {
        let key = project
            .canonicalize()
            .expect("a project")
            .display()
            .to_string();
        let config = serde_json::json!({ "projects": { key: { "hasTrustDialogAccepted": true } } });
        fs::write(self.home.path().join(".claude.json"), config.to_string()).expect("write");
    }

    /// `claude ARGS…` run in `dir`: whether it exited 0, and its stdout
    /// and stderr.
    pub fn output(&self, dir: &Path, args: &[&str]) -> (bool, String) {
        let out = std::process::Command::new(Self::binary())
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("claude runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// `claude ARGS…` run in `dir`; its stdout (it must exit 0).
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new(Self::binary())
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("claude runs");
        assert!(
            out.status.success(),
            "claude {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The plugin ids `claude plugin list --json` shows for `project`.
    pub fn project_plugins(&self, project: &Path) -> Vec<String> {
        let listed: Value =
            serde_json::from_str(&self.run(project, &["plugin", "list", "--json"])).expect("JSON");
        listed
            .as_array()
            .expect("a list")
            .iter()
            .filter(|p| p["enabled"] == true && p["scope"] == "project")
            .filter_map(|p| p["id"].as_str().map(str::to_owned))
            .collect()
    }

    /// The "Component inventory" lines of `claude … plugin details`, or
    /// `None` when Claude Code finds no such plugin (it did not load it).
    pub fn details(&self, dir: &Path, args: &[&str]) -> Option<Vec<String>> {
        let (ok, text) = self.output(dir, args);
        if !ok {
            assert!(text.contains("not found"), "claude {args:?}: {text}");
            return None;
        }
        Some(inventory_lines(&text))
    }

    /// The "Component inventory" lines of `claude … plugin details`.
    pub fn inventory(&self, dir: &Path, args: &[&str]) -> Vec<String> {
        inventory_lines(&self.run(dir, args))
    }
}

fn inventory_lines(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Component inventory"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
        .collect()
}
