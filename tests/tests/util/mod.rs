//! Helpers shared by the end-to-end tests.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The real `skillmeat` binary, with `SKILLMEAT_HOME` in a fresh temp dir.
pub fn skillmeat() -> Command {
    let mut cmd = Command::cargo_bin("skillmeat").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("SKILLMEAT_LOG");
    cmd
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn expected(name: &str) -> Value {
    let text = fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    fs::write(p, content).unwrap_or_else(|e| panic!("{e}"));
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{e}"));
}

/// The binary run as an unprivileged user when we are root (root reads any
/// file, so permission tests need someone else); otherwise as ourselves.
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
