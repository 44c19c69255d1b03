//! Real git repositories for the source tests (`git_sources.rs`,
//! `updates.rs`): repositories built from the fixtures in a temp folder,
//! served by `git daemon` on 127.0.0.1; the CLI run with the user's git
//! setup left out; show and the lock file read back.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Home;

/// Runs git in `dir`, expecting success; its trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The files of folder `from` copied into `to` (made if needed).
pub fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the copy's folder");
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// Folders of repositories: each a working copy committed and pushed to a
/// bare repository `<name>.git` below `served`, which `git daemon` serves.
pub struct Repos {
    pub tmp: tempfile::TempDir,
}

impl Repos {
    pub fn new() -> Repos {
        let tmp = tempfile::tempdir().expect("a temp dir");
        std::fs::create_dir_all(tmp.path().join("served")).expect("served/");
        Repos { tmp }
    }

    pub fn served(&self) -> PathBuf {
        self.tmp.path().join("served")
    }

    pub fn work(&self, name: &str) -> PathBuf {
        self.tmp.path().join("work").join(name)
    }

    /// A new repository `name` whose first commit holds `files` (a folder
    /// copied from the fixtures, placed at a path in the repository).
    pub fn create(&self, name: &str, files: &[(&str, &Path)]) -> String {
        let work = self.work(name);
        std::fs::create_dir_all(&work).expect("the working copy");
        git(&work, &["init", "-q"]);
        for (at, from) in files {
            copy_into(from, &work.join(at));
        }
        let bare = self.served().join(format!("{name}.git"));
        git(
            self.tmp.path(),
            &["init", "-q", "--bare", bare.to_str().expect("utf-8")],
        );
        self.commit(name, "first")
    }

    /// Commits everything in the working copy and pushes `main` (forced);
    /// the new commit's id.
    pub fn commit(&self, name: &str, message: &str) -> String {
        let work = self.work(name);
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "--allow-empty", "-m", message]);
        self.push(name)
    }

    pub fn push(&self, name: &str) -> String {
        let work = self.work(name);
        let bare = self.served().join(format!("{name}.git"));
        git(
            &work,
            &[
                "push",
                "-q",
                "--force",
                "--tags",
                bare.to_str().expect("utf-8"),
                "main",
            ],
        );
        git(&work, &["rev-parse", "HEAD"])
    }

    pub fn file_url(&self, name: &str) -> String {
        format!("file://{}/{name}.git", self.served().display())
    }
}

/// `git daemon` serving a folder on an ephemeral loopback port; killed on drop.
pub struct Daemon {
    pub child: Child,
    pub port: u16,
}

impl Daemon {
    pub fn serve(base: &Path) -> Daemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // git-daemon itself, not `git daemon`: git runs it as a child
        // process, which killing git would leave serving.
        let exec_path = git(base, &["--exec-path"]);
        let child = Command::new(Path::new(&exec_path).join("git-daemon"))
            .arg("--export-all")
            .arg(format!("--base-path={}", base.display()))
            .arg(format!("--port={port}"))
            .arg("--listen=127.0.0.1")
            .arg("--reuseaddr")
            .arg("--informative-errors")
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "git daemon did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon { child, port }
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs skillmeat with `args`, expecting `code`; (stdout, stderr).
pub fn run(home: &Home, args: &[&str], code: i32) -> (String, String) {
    let out = home
        .cmd()
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn show(home: &Home, name: &str) -> Value {
    let (out, _) = run(home, &["show", name, "--type", "composite", "--json"], 0);
    serde_json::from_str(&out).expect("show --json is JSON")
}

pub fn lock(home: &Home) -> toml::Table {
    let text = std::fs::read_to_string(home.path().join("collections/default/skillmeat.lock"))
        .expect("the lock file");
    toml::from_str(&text).expect("the lock file is TOML")
}

/// The lock entry of plugin `name`.
pub fn lock_plugin(home: &Home, name: &str) -> toml::Table {
    let lock = lock(home);
    let entries = lock["artifact"].as_array().expect("artifact = [...]");
    entries
        .iter()
        .filter_map(toml::Value::as_table)
        .find(|e| {
            e.get("kind").and_then(toml::Value::as_str) == Some("composite")
                && e.get("name").and_then(toml::Value::as_str) == Some(name)
        })
        .cloned()
        .unwrap_or_else(|| panic!("no lock entry for plugin {name}"))
}
