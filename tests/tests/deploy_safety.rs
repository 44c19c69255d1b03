//! Deploy and undeploy tried as a hostile or unlucky user would: killed at
//! every step and at random instants, run twice at once, into read-only
//! folders and full disks, over records that lie, links that lead out of
//! the project, changed stored files and names made to break shell
//! commands. Each time the project ends up with nothing or everything, and
//! an undeploy gives it back byte for byte, modes included.

mod util;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use util::{Home, fixture, project_with_own_config, snapshot, write};

/// A home with guardrails (5 children: skill, command, agent, hook, MCP server) in it.
fn home_with_guardrails() -> Home {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    home
}

/// Each deployed item's name → status, as `status --json` tells it.
fn status(home: &Home, project: &Path) -> BTreeMap<String, String> {
    let report = home.json(&["status", "--json", "--project"], [project]);
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let name = i["name"].as_str().expect("a name").to_owned();
            (name, i["status"].as_str().expect("a status").to_owned())
        })
        .collect()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the crash-point build of the CLI; whether it was killed there.
fn killed(home: &Home, args: &[&str], project: &Path, point: &str) -> bool {
    let out = run(home
        .cmd_failpoints_std()
        .args(args)
        .arg("--project")
        .arg(project)
        .env("SKILLMEAT_FAILPOINT", point));
    match out.status.code() {
        None => true,
        Some(0) => false,
        Some(code) => panic!("{args:?} at {point}: exit {code}: {}", stderr(&out)),
    }
}

/// After a kill: the project holds guardrails whole (every item ok) or not
/// at all, and undeploying (if needed) gives back exactly `before`.
fn assert_whole_or_nothing(
    home: &Home,
    project: &Path,
    before: &BTreeMap<String, String>,
    at: &str,
) {
    let items = status(home, project);
    match items.len() {
        0 => {
            assert_eq!(
                &snapshot(project),
                before,
                "nothing deployed after a kill at {at}"
            );
            // A second deploy records everything it wrote.
            home.cmd()
                .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
                .arg(project)
                .assert()
                .success();
            assert_eq!(status(home, project).len(), 5, "redeployed after {at}");
        }
        5 => {}
        _ => panic!("a partial deployment after a kill at {at}: {items:?}"),
    }
    assert!(
        status(home, project).values().all(|s| s == "ok"),
        "after {at}: {:?}",
        status(home, project)
    );
    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project)
        .assert()
        .success();
    assert_eq!(
        &snapshot(project),
        before,
        "undeployed after a kill at {at}"
    );
}

#[test]
fn a_deploy_killed_at_any_step_leaves_nothing_or_everything() {
    let home = home_with_guardrails();
    for mode in ["unpacked", "plugin"] {
        let mut kills = 0;
        for point in skillmeat::failpoint::DEPLOY {
            for n in 1.. {
                let project = project_with_own_config();
                let before = snapshot(project.path());
                let at = format!("deploy --mode {mode} at deploy.{point}#{n}");
                let args = ["deploy", "guardrails", "--mode", mode];
                let point = format!("deploy.{point}#{n}");
                let was_killed = killed(&home, &args, project.path(), &point);
                assert_whole_or_nothing(&home, project.path(), &before, &at);
                if !was_killed {
                    assert!(n > 1, "{at}: never reached");
                    break;
                }
                kills += 1;
            }
        }
        // Every file staged, every rename and folder: dozens of instants.
        println!("deploy --mode {mode}: killed at {kills} points");
        assert!(kills > 20, "only {kills} kills");
    }
}

#[test]
fn an_undeploy_killed_at_any_step_leaves_everything_or_nothing() {
    let home = home_with_guardrails();
    for point in skillmeat::failpoint::DEPLOY {
        for n in 1.. {
            let project = project_with_own_config();
            let before = snapshot(project.path());
            home.cmd()
                .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
                .arg(project.path())
                .assert()
                .success();
            let at = format!("undeploy.{point}#{n}");
            let was_killed = killed(&home, &["undeploy", "guardrails"], project.path(), &at);
            let items = status(&home, project.path());
            match items.len() {
                0 => assert_eq!(snapshot(project.path()), before, "undeployed at {at}"),
                5 => assert_whole_or_nothing(&home, project.path(), &before, &at),
                _ => panic!("a partial undeploy after {at}: {items:?}"),
            }
            if !was_killed {
                assert!(n > 1 || *point == "staged", "undeploy never reached {at}");
                break;
            }
        }
    }
}

/// A small generator, seeded from the clock (the seed is printed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[test]
fn deploys_and_undeploys_killed_at_random_instants() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let started = std::time::Instant::now();
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let took = started.elapsed().as_micros() as u64;
    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock")
        .as_nanos() as u64;
    println!("seed {seed}, a deploy takes {took} µs");
    let mut rng = Lcg(seed);
    for round in 0..30 {
        let verb = if round % 2 == 0 { "deploy" } else { "undeploy" };
        if verb == "undeploy" {
            // Undeploy something that is there.
            let _ = run(home
                .cmd_std()
                .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
                .arg(project.path()));
        }
        let mut child = home
            .cmd_std()
            .args([verb, "guardrails", "--project"])
            .arg(project.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawns");
        std::thread::sleep(Duration::from_micros(rng.below(took * 3 / 2)));
        let _ = child.kill();
        let _ = child.wait();
        let at = format!("{verb} killed at random (round {round}, seed {seed})");
        let items = status(&home, project.path());
        match items.len() {
            0 => assert_eq!(snapshot(project.path()), before, "{at}"),
            5 => assert_whole_or_nothing(&home, project.path(), &before, &at),
            _ => panic!("partial after {at}: {items:?}"),
        }
    }
}

/// The binary as an unprivileged user, owning `paths` (root writes into a
/// read-only folder anyway, so permission tests need someone else).
fn as_nobody(paths: &[&Path]) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("skillmeat");
    let root = std::fs::read_to_string("/proc/self/status")
        .expect("proc")
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !root {
        return Command::new(bin);
    }
    for p in paths {
        let ok = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(p)
            .status()
            .expect("chown runs");
        assert!(ok.success());
        // Its temp parent is private to root: let nobody through.
        let parent = p.parent().expect("a parent");
        util::chmod(parent, 0o755);
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin);
    cmd
}

#[test]
fn a_read_only_folder_part_way_rolls_back() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    std::fs::create_dir_all(project.path().join(".claude/commands")).expect("mkdir");
    util::chmod(&project.path().join(".claude/commands"), 0o555);
    let before = snapshot(project.path());
    let out = run(as_nobody(&[&home.path(), project.path()])
        .env("SKILLMEAT_HOME", home.path())
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".claude/commands"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("ermission denied"),
        "{}",
        stderr(&out)
    );
    let after = snapshot(project.path());
    let owners_only = |s: &BTreeMap<String, String>| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(owners_only(&after), owners_only(&before));
    assert_eq!(after, before, "nothing deployed, nothing left behind");
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::TempDir::new().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(stderr(&out));
        }
        Ok(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// Fills the file system of `filler` up, then frees `pages` 4 KiB pages.
fn fill_leaving(filler: &Path, pages: u64) {
    use std::io::Write;
    let mut f = std::fs::File::create(filler).expect("filler");
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let len = f.metadata().expect("metadata").len();
    f.set_len(len.saturating_sub(pages * 4096)).expect("shrink");
}

#[test]
fn a_full_disk_part_way_rolls_back() {
    let fs = match Tmpfs::mount("2m") {
        Ok(fs) => fs,
        Err(e) => {
            // Mounting needs root (or CAP_SYS_ADMIN); CI runs as root.
            eprintln!("cannot mount a tmpfs here ({e}): the full-disk case is not run");
            return;
        }
    };
    let home = home_with_guardrails();
    let mut outcomes = Vec::new();
    for pages in 0..40 {
        let project = fs.0.path().join(format!("p{pages}"));
        std::fs::create_dir(&project).expect("mkdir");
        write(&project, ".claude/settings.json", "{\"model\": \"opus\"}\n");
        write(&project, ".mcp.json", "{\"mcpServers\": {}}\n");
        let before = snapshot(&project);
        let filler = fs.0.path().join("filler");
        fill_leaving(&filler, pages);
        let out = run(home
            .cmd_std()
            .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
            .arg(&project));
        std::fs::remove_file(&filler).expect("free the disk");
        match out.status.code() {
            Some(1) => {
                assert!(stderr(&out).contains("No space left"), "{}", stderr(&out));
                assert_eq!(snapshot(&project), before, "{pages} pages free");
                assert!(status(&home, &project).is_empty());
            }
            Some(0) => assert_whole_or_nothing(&home, &project, &before, "a full disk"),
            other => panic!("{pages} pages free: exit {other:?}: {}", stderr(&out)),
        }
        outcomes.push(out.status.code() == Some(0));
        std::fs::remove_dir_all(&project).expect("clean up");
        if outcomes.ends_with(&[true, true]) {
            break;
        }
    }
    println!("deployed with 0.. pages free: {outcomes:?}");
    assert_eq!(outcomes.first(), Some(&false), "no room: refused");
    assert_eq!(outcomes.last(), Some(&true), "room enough: deployed");
    assert!(
        outcomes.iter().filter(|ok| !**ok).count() > 3,
        "{outcomes:?}"
    );
}

/// A second plugin with its own hook and MCP server.
fn second_plugin(dir: &Path, name: &str) {
    write(
        dir,
        ".claude-plugin/plugin.json",
        &format!("{{\"name\": {}}}", Value::from(name)),
    );
    write(
        dir,
        "hooks/hooks.json",
        r#"{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo hello"}]}]}}"#,
    );
    write(
        dir,
        ".mcp.json",
        r#"{"mcpServers": {"second-server": {"command": "second"}}}"#,
    );
    write(dir, "commands/second-cmd.md", "# second\n");
}

#[test]
fn two_deploys_at_once_keep_both() {
    let home = home_with_guardrails();
    let second = tempfile::TempDir::new().expect("temp dir");
    second_plugin(second.path(), "second");
    home.cmd().arg("add").arg(second.path()).assert().success();
    for round in 0..4 {
        let project = project_with_own_config();
        let before = snapshot(project.path());
        let spawn = |verb: &str, name: &str| {
            home.cmd_std()
                .args([verb, name])
                .args(if verb == "deploy" {
                    &["--mode", "unpacked"][..]
                } else {
                    &[]
                })
                .arg("--project")
                .arg(project.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawns")
        };
        let both = [spawn("deploy", "guardrails"), spawn("deploy", "second")];
        for child in both {
            let out = child.wait_with_output().expect("waits");
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        let settings: Value = serde_json::from_slice(
            &std::fs::read(project.path().join(".claude/settings.json")).expect("read"),
        )
        .expect("JSON");
        let pre = settings["hooks"]["PreToolUse"].as_array().expect("hooks");
        assert_eq!(pre.len(), 3, "the user's hook and both plugins': {pre:?}");
        let mcp = std::fs::read_to_string(project.path().join(".mcp.json")).expect("read");
        assert!(
            mcp.contains("second-server") && mcp.contains("guard-audit"),
            "{mcp}"
        );
        let items = status(&home, project.path());
        assert_eq!(items.len(), 5 + 3, "{items:?}");
        let both = [spawn("undeploy", "guardrails"), spawn("undeploy", "second")];
        for child in both {
            assert!(child.wait_with_output().expect("waits").status.success());
        }
        assert_eq!(snapshot(project.path()), before, "round {round}");
    }
}

#[test]
fn a_held_lock_makes_the_second_caller_wait_then_fail() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    std::fs::create_dir_all(project.path().join(".claude/skillmeat")).expect("mkdir");
    let lock = std::fs::File::create(project.path().join(".claude/skillmeat/lock")).expect("lock");
    lock.lock().expect("locked");
    let before = snapshot(project.path());
    let started = std::time::Instant::now();
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .env("SKILLMEAT_LOCK_TIMEOUT", "1")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "another skillmeat is deploying or undeploying here",
        ));
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited");
    assert_eq!(snapshot(project.path()), before);
    // Released, the next caller goes ahead.
    drop(lock);
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
}

/// A record that arrived with a cloned repository.
fn plant_record(project: &Path, deployment: Value) {
    let record = serde_json::json!({"format_version": 2, "deployments": [deployment]});
    write(
        project,
        ".claude/skillmeat/deployments.json",
        &record.to_string(),
    );
}

fn lying_deployment(files: Value, created_dirs: Value) -> Value {
    serde_json::json!({
        "name": "x", "kind": "command", "collection": "default", "artifact_id": "a",
        "content_hash": "0", "version": null, "platform": "claude-code", "deployed_at": "t",
        "items": [], "files": files, "created_dirs": created_dirs
    })
}

#[test]
fn a_record_naming_places_outside_the_project_touches_nothing() {
    let home = Home::new();
    let parent = tempfile::TempDir::new().expect("temp dir");
    let project = parent.path().join("project");
    let victim = parent.path().join("victim");
    write(&victim, "file", "precious");
    write(&project, "src/main.rs", "fn main() {}\n");
    let hash = skillmeat_core::hash::hash_bytes(b"precious").to_hex();
    let victim_abs = victim.display().to_string();
    let lies = [
        (
            serde_json::json!([]),
            serde_json::json!([victim_abs, "../victim"]),
        ),
        (
            serde_json::json!([{"path": "../victim/file", "sha256": hash}]),
            serde_json::json!([]),
        ),
        (
            serde_json::json!([{"path": format!("{victim_abs}/file"), "sha256": hash}]),
            serde_json::json!([]),
        ),
        (
            serde_json::json!([{"path": "/dev/zero", "sha256": hash}]),
            serde_json::json!([]),
        ),
        (
            serde_json::json!([{"path": "src/main.rs", "sha256": hash}]),
            serde_json::json!([]),
        ),
    ];
    for (files, dirs) in lies {
        plant_record(&project, lying_deployment(files.clone(), dirs.clone()));
        let before = snapshot(parent.path());
        for args in [
            &["undeploy", "x"][..],
            &["undeploy", "x", "--force"],
            &["status"],
            &["deploy", "x", "--mode", "unpacked"],
        ] {
            let out = home
                .cmd()
                .args(args)
                .arg("--project")
                .arg(&project)
                .timeout(Duration::from_secs(30))
                .assert()
                .code(1)
                .get_output()
                .clone();
            let err = stderr(&out);
            if args[0] != "deploy" {
                assert!(
                    err.contains("deployments.json: not a valid skillmeat deployment record"),
                    "{args:?} {files} {dirs}: {err}"
                );
            }
            assert_eq!(snapshot(parent.path()), before, "{args:?} {files} {dirs}");
        }
    }
}

#[test]
fn a_fifo_where_a_deployed_file_was_is_never_opened() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let command = project.path().join(".claude/commands/guard-status.md");
    std::fs::remove_file(&command).expect("rm");
    let made = Command::new("mkfifo")
        .arg(&command)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let items = status(&home, project.path());
    assert_eq!(
        items.get("guard-status").map(String::as_str),
        Some("modified")
    );
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert_eq!(
        report["kept"],
        serde_json::json!([".claude/commands/guard-status.md"])
    );
    assert!(command.exists(), "someone else's FIFO stays");
}

#[test]
fn a_changed_stored_file_is_never_deployed() {
    let home = home_with_guardrails();
    let skill = std::fs::read(fixture("guardrails/skills/guard-rules/SKILL.md")).expect("read");
    let hex = skillmeat_core::hash::hash_bytes(&skill).to_hex();
    let blob = home
        .path()
        .join("collections/default/objects")
        .join(&hex[..2])
        .join(&hex[2..]);
    util::chmod(&blob, 0o644);
    std::fs::write(&blob, "tampered").expect("tamper");
    let project = project_with_own_config();
    let before = snapshot(project.path());
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("guard-rules"))
        .stderr(predicates::str::contains(blob.display().to_string()))
        .stderr(predicates::str::contains("no longer matches its SHA-256"));
    assert_eq!(snapshot(project.path()), before);
    assert!(status(&home, project.path()).is_empty());
}

#[test]
fn backups_are_never_overwritten_and_come_back() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    write(project.path(), ".claude/commands/guard-status.md", "mine");
    let before = snapshot(project.path());
    let deploy = |force: bool| {
        let mut cmd = home.cmd();
        cmd.args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
            .arg(project.path());
        if force {
            cmd.arg("--force");
        }
        cmd.assert().success();
    };
    let read = |rel: &str| std::fs::read_to_string(project.path().join(rel)).ok();
    let path = ".claude/commands/guard-status.md";
    deploy(true);
    assert_eq!(
        read(&format!("{path}.skillmeat-backup")).as_deref(),
        Some("mine")
    );
    write(project.path(), path, "edited");
    deploy(true);
    assert_eq!(
        read(&format!("{path}.skillmeat-backup")).as_deref(),
        Some("mine")
    );
    assert_eq!(
        read(&format!("{path}.skillmeat-backup.1")).as_deref(),
        Some("edited")
    );
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert_eq!(report["restored"], serde_json::json!([path]));
    assert_eq!(read(path).as_deref(), Some("mine"));
    // The user's edit of our file stays as its backup, and is said so.
    assert_eq!(
        read(&format!("{path}.skillmeat-backup.1")).as_deref(),
        Some("edited")
    );
    let notes = report["notes"].to_string();
    assert!(notes.contains(".skillmeat-backup.1"), "{notes}");
    std::fs::remove_file(project.path().join(format!("{path}.skillmeat-backup.1"))).expect("rm");
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn plugin_names_in_hook_commands_are_quoted() {
    for name in [
        "x$(touch${IFS}PWNED)",
        "x`touch${IFS}PWNED`",
        "a\"b",
        "it's",
        "a;touch${IFS}PWNED",
        "$HOME",
    ] {
        let home = Home::new();
        let plugin = tempfile::TempDir::new().expect("temp dir");
        second_plugin(plugin.path(), name);
        home.cmd().arg("add").arg(plugin.path()).assert().success();
        let project = tempfile::TempDir::new().expect("temp dir");
        home.cmd()
            .args(["deploy", name, "--mode", "unpacked", "--project"])
            .arg(project.path())
            .assert()
            .success();
        let settings: Value = serde_json::from_slice(
            &std::fs::read(project.path().join(".claude/settings.json")).expect("read"),
        )
        .expect("JSON");
        let command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
            .as_str()
            .expect("a command")
            .to_owned();
        let out = run(Command::new("bash")
            .arg("-c")
            .arg(format!("{command}; printf '%s' \"$CLAUDE_PLUGIN_ROOT\""))
            .current_dir(project.path())
            .env("CLAUDE_PROJECT_DIR", project.path()));
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let expected = format!("hello\n{}/.claude/plugins/{name}", project.path().display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{command}");
        assert!(
            !project.path().join("PWNED").exists(),
            "{name}: the name ran"
        );
    }
}

#[test]
fn links_out_of_the_project_are_refused() {
    let home = home_with_guardrails();
    // `.claude` linked to the user's global folder.
    let global = tempfile::TempDir::new().expect("temp dir");
    write(global.path(), "settings.json", "{}");
    let outside = snapshot(global.path());
    let project = tempfile::TempDir::new().expect("temp dir");
    std::os::unix::fs::symlink(global.path(), project.path().join(".claude")).expect("symlink");
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--force",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/.claude: is a symbolic link"));
    assert_eq!(snapshot(global.path()), outside);

    // A linked settings.json stays a link, and is not written through.
    let project = project_with_own_config();
    let real = project.path().join("my-settings.json");
    std::fs::rename(project.path().join(".claude/settings.json"), &real).expect("mv");
    std::os::unix::fs::symlink(&real, project.path().join(".claude/settings.json"))
        .expect("symlink");
    let before = snapshot(project.path());
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--force",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "settings.json: is a symbolic link",
        ));
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn modes_are_kept_and_read_only_files_never_replaced() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    util::chmod(&project.path().join(".claude/settings.json"), 0o644);
    util::chmod(&project.path().join(".mcp.json"), 0o640);
    let before = snapshot(project.path());
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let after = snapshot(project.path());
    assert!(
        after[".claude/settings.json"].starts_with("file 644 "),
        "{after:?}"
    );
    assert!(after[".mcp.json"].starts_with("file 640 "), "{after:?}");
    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();
    assert_eq!(snapshot(project.path()), before);

    // Read-only: refused even with --force.
    util::chmod(&project.path().join(".mcp.json"), 0o444);
    write(project.path(), ".claude/commands/guard-status.md", "mine");
    util::chmod(
        &project.path().join(".claude/commands/guard-status.md"),
        0o444,
    );
    let before = snapshot(project.path());
    let out = home
        .cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--force",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(
        err.contains(".mcp.json (read-only; never changed)"),
        "{err}"
    );
    assert!(
        err.contains(".claude/commands/guard-status.md (read-only; never replaced)"),
        "{err}"
    );
    assert_eq!(snapshot(project.path()), before);
}

/// A pending or committed journal with `transaction` planted in a record.
fn plant_journal(project: &Path, journal: Value) {
    let record = serde_json::json!({
        "format_version": 2,
        "deployments": [lying_deployment(serde_json::json!([]), serde_json::json!([]))],
        "transaction": journal,
    });
    write(
        project,
        ".claude/skillmeat/deployments.json",
        &record.to_string(),
    );
}

#[test]
fn planted_links_and_journals_reach_nothing_outside_the_project() {
    let home = Home::new();
    let parent = tempfile::TempDir::new().expect("temp dir");
    let project = parent.path().join("project");
    let outside = parent.path().join("outside");
    write(&outside, "victim", "precious");
    write(&outside, "other/.git/HEAD", "ref");
    write(&outside, "other/build/x", "built");
    write(&project, ".claude/skills/mine/SKILL.md", "my skill");
    write(&project, ".claude/commands/user.md", "my command");
    let no_moves = serde_json::json!({"id": "J", "operation": "deploy x", "state": "pending",
        "mkdirs": [], "moves": [], "rmdirs": []});

    // The temp record is a link out of the project.
    plant_journal(&project, no_moves.clone());
    std::os::unix::fs::symlink(
        outside.join("victim"),
        project.join(".claude/skillmeat/deployments.json.tmp"),
    )
    .expect("symlink");
    let before = snapshot(parent.path());
    // (The journal is not this home's: status refuses it, after removing
    // the temp record a killed command could have left.)
    home.cmd()
        .args(["status", "--project"])
        .arg(&project)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("this skillmeat did not start"));
    let after = snapshot(parent.path());
    assert_eq!(after.get("outside/victim"), before.get("outside/victim"));
    assert!(
        !project
            .join(".claude/skillmeat/deployments.json.tmp")
            .exists()
    );

    // A folder to sweep that is a link out of the project.
    std::os::unix::fs::symlink(outside.join("other"), project.join(".claude/plugins-x"))
        .expect("symlink");
    std::fs::create_dir_all(project.join(".claude/plugins")).expect("mkdir");
    std::os::unix::fs::symlink(outside.join("other"), project.join(".claude/plugins/x"))
        .expect("symlink");
    let mut sweep = no_moves.clone();
    sweep["state"] = "committed".into();
    sweep["rmdirs"] = serde_json::json!([".claude/plugins/x"]);
    plant_journal(&project, sweep);
    home.cmd()
        .args(["status", "--project"])
        .arg(&project)
        .assert()
        .success();
    assert!(outside.join("other/.git/HEAD").is_file() && outside.join("other/build/x").is_file());

    // Journals moving whole folders, or the user's files into staging.
    let before = snapshot(parent.path());
    let hash_of_something_else = skillmeat_core::hash::hash_bytes(b"ours").to_hex();
    for moves in [
        serde_json::json!([{"from": ".claude/skillmeat/txn", "to": ".claude/skills"}]),
        serde_json::json!([{"from": ".claude/skillmeat/txn/J/1", "to": ".claude/skills"}]),
        serde_json::json!([{"from": ".claude/skillmeat/txn/J/1", "to": ".claude/commands/user.md"}]),
        serde_json::json!([{"from": ".claude/skillmeat/txn/J/1", "to": ".claude/commands/user.md",
            "sha256": hash_of_something_else}]),
    ] {
        let mut journal = no_moves.clone();
        journal["moves"] = moves.clone();
        plant_journal(&project, journal);
        let _ = run(home.cmd_std().args(["status", "--project"]).arg(&project));
        let _ = run(home
            .cmd_std()
            .args(["undeploy", "x", "--project"])
            .arg(&project));
        let now = snapshot(parent.path());
        for kept in [".claude/skills/mine/SKILL.md", ".claude/commands/user.md"] {
            let key = format!("project/{kept}");
            assert_eq!(now.get(&key), before.get(&key), "{moves}");
        }
    }
}

#[test]
fn undeploy_leaves_the_users_folders_whatever_their_names() {
    let home = home_with_guardrails();
    let project = tempfile::TempDir::new().expect("temp dir");
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    for rel in [
        ".claude/skills/build/SKILL.md",
        ".claude/commands/dist/release.md",
        ".claude/plugins/guardrails/.git/HEAD",
        ".claude/plugins/guardrails/venv/x",
    ] {
        write(project.path(), rel, "the user's");
    }
    // What running the hook leaves behind may go.
    write(
        project.path(),
        ".claude/plugins/guardrails/guardrails_lib/__pycache__/policy.pyc",
        "",
    );
    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let left: Vec<String> = snapshot(project.path())
        .into_iter()
        .filter(|(_, what)| what.starts_with("file"))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        left,
        [
            ".claude/commands/dist/release.md",
            ".claude/plugins/guardrails/.git/HEAD",
            ".claude/plugins/guardrails/venv/x",
            ".claude/skills/build/SKILL.md",
        ]
    );
}

#[test]
fn a_backup_the_user_deleted_does_not_block_undeploy() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    let path = ".claude/commands/guard-status.md";
    write(project.path(), path, "mine");
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--force",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .success();
    std::fs::remove_file(project.path().join(format!("{path}.skillmeat-backup"))).expect("rm");
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert!(
        report["notes"].to_string().contains("cannot be put back"),
        "{report}"
    );
    assert!(!project.path().join(path).exists(), "ours is removed");
    assert!(status(&home, project.path()).is_empty());
}

/// A plugin `name` with one command, one hook and one MCP server, whose
/// contents are `flavour`.
fn sharing_plugin(name: &str, flavour: &str) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().expect("temp dir");
    write(
        dir.path(),
        ".claude-plugin/plugin.json",
        &format!("{{\"name\": \"{name}\"}}"),
    );
    write(
        dir.path(),
        "commands/shared.md",
        &format!("# shared, {flavour}\n"),
    );
    write(
        dir.path(),
        ".mcp.json",
        &format!(r#"{{"mcpServers": {{"shared-server": {{"command": "{flavour}"}}}}}}"#),
    );
    write(
        dir.path(),
        "hooks/hooks.json",
        r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "echo stop"}]}]}}"#,
    );
    dir
}

#[test]
fn another_deployments_files_and_servers_are_shared_or_refused_never_taken() {
    let home = Home::new();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let (a, b, c) = (
        sharing_plugin("alpha", "same"),
        sharing_plugin("beta", "same"),
        sharing_plugin("gamma", "different"),
    );
    for p in [&a, &b, &c] {
        home.cmd().arg("add").arg(p.path()).assert().success();
    }
    let deploy = |name: &str, force: bool| {
        let mut cmd = home.cmd();
        cmd.args(["deploy", name, "--mode", "unpacked", "--project"])
            .arg(project.path());
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    deploy("alpha", false).success();
    // The same content: shared.
    deploy("beta", false).success();
    // Other content under the same names: refused, even with --force.
    deploy("gamma", true)
        .code(1)
        .stderr(predicates::str::contains(
            ".claude/commands/shared.md (deployed by beta; undeploy it first)",
        ))
        .stderr(predicates::str::contains(
            "MCP server \"shared-server\" is deployed by beta",
        ));
    home.cmd()
        .args(["undeploy", "alpha", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let items = status(&home, project.path());
    // Intact (gamma's import made its versions current: "outdated").
    let intact = |s: &String| s == "ok" || s == "outdated";
    assert!(
        !items.is_empty() && items.values().all(intact),
        "beta intact: {items:?}"
    );
    home.cmd()
        .args(["undeploy", "beta", "--project"])
        .arg(project.path())
        .assert()
        .success();
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn a_changed_mcp_server_is_kept_or_backed_up_never_lost() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let deploy = |force: bool| {
        let mut cmd = home.cmd();
        cmd.args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
            .arg(project.path());
        if force {
            cmd.arg("--force");
        }
        cmd.assert().success();
    };
    let edit_server = || {
        let path = project.path().join(".mcp.json");
        let mut mcp: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
        mcp["mcpServers"]["guard-audit"]["env"]["AUDIT_LEVEL"] = "debug".into();
        std::fs::write(&path, mcp.to_string()).expect("write");
    };
    let backup = || std::fs::read_to_string(project.path().join(".mcp.json.skillmeat-backup")).ok();
    // Redeployed with --force over the user's edit: the edit is backed up.
    deploy(false);
    edit_server();
    deploy(true);
    assert!(
        backup().is_some_and(|b| b.contains("debug")),
        "{:?}",
        backup()
    );
    std::fs::remove_file(project.path().join(".mcp.json.skillmeat-backup")).expect("rm");
    // Undeployed without --force: kept, and said.
    edit_server();
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert!(
        report["notes"].to_string().contains("guard-audit"),
        "{report}"
    );
    assert!(
        std::fs::read_to_string(project.path().join(".mcp.json"))
            .expect("read")
            .contains("debug")
    );
    // Undeployed with --force: removed, and backed up.
    let project = project_with_own_config();
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let path = project.path().join(".mcp.json");
    let mut mcp: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    mcp["mcpServers"]["guard-audit"]["command"] = "edited".into();
    std::fs::write(&path, mcp.to_string()).expect("write");
    let report = home.json(
        &["undeploy", "guardrails", "--force", "--json", "--project"],
        [project.path()],
    );
    assert!(
        report["backed_up"].to_string().contains("guard-audit"),
        "{report}"
    );
    let kept = std::fs::read_to_string(project.path().join(".mcp.json.skillmeat-backup"))
        .expect("a backup");
    assert!(kept.contains("edited"), "{kept}");
    assert!(
        !std::fs::read_to_string(&path)
            .expect("read")
            .contains("guard-audit")
    );
    let _ = before;
}

#[test]
fn a_file_we_may_not_write_is_never_replaced_and_owners_are_kept() {
    use std::os::unix::fs::MetadataExt;
    let home = home_with_guardrails();
    let project = project_with_own_config();
    // Someone else's settings, in a project we (nobody) own.
    let settings = project.path().join(".claude/settings.json");
    let mut cmd = as_nobody(&[&home.path(), project.path()]);
    let root = std::fs::metadata(home.path()).expect("meta").uid() == 65534;
    if root {
        let chown = Command::new("chown")
            .args(["0:0"])
            .arg(&settings)
            .status()
            .expect("chown");
        assert!(chown.success());
        util::chmod(&settings, 0o644);
    } else {
        util::chmod(&settings, 0o444);
    }
    let before = snapshot(project.path());
    let out = run(cmd
        .env("SKILLMEAT_HOME", home.path())
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--force",
            "--project",
        ])
        .arg(project.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("settings.json (read-only; never changed)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(project.path()), before);
    if !root {
        return;
    }
    // Deployed by root into nobody's project: nobody's files stay nobody's.
    let chown = Command::new("chown")
        .args(["65534:65534"])
        .arg(&settings)
        .status()
        .expect("chown");
    assert!(chown.success());
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    for shared in [".claude/settings.json", ".mcp.json"] {
        let meta = std::fs::metadata(project.path().join(shared)).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534), "{shared}");
    }
}

#[test]
fn a_killed_first_deploy_leaves_no_claude_folder() {
    let home = home_with_guardrails();
    for at in [
        "deploy.staged#1",
        "deploy.journal",
        "deploy.step#1",
        "deploy.step#5",
    ] {
        let project = tempfile::TempDir::new().expect("temp dir");
        write(project.path(), "src/main.rs", "fn main() {}\n");
        let before = snapshot(project.path());
        assert!(killed(
            &home,
            &["deploy", "guardrails", "--mode", "unpacked"],
            project.path(),
            at
        ));
        assert!(status(&home, project.path()).is_empty(), "{at}");
        assert_eq!(snapshot(project.path()), before, "{at}");
    }
}

#[test]
fn a_bad_lock_timeout_is_a_clear_error() {
    let home = home_with_guardrails();
    let project = tempfile::TempDir::new().expect("temp dir");
    for bad in ["-1", "abc", "nan", "inf", "1e30"] {
        home.cmd()
            .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
            .arg(project.path())
            .env("SKILLMEAT_LOCK_TIMEOUT", bad)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("SKILLMEAT_LOCK_TIMEOUT"));
    }
}

#[test]
fn waiting_callers_never_fail_when_the_holder_tidies_up() {
    let home = home_with_guardrails();
    for round in 0..6 {
        let project = tempfile::TempDir::new().expect("temp dir");
        let spawn = |args: &[&str]| {
            home.cmd_std()
                .args(args)
                .arg("--project")
                .arg(project.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawns")
        };
        let children = [
            spawn(&["deploy", "guardrails", "--mode", "unpacked", "--dry-run"]),
            spawn(&["status"]),
            spawn(&["deploy", "guardrails", "--mode", "unpacked", "--dry-run"]),
            spawn(&["status"]),
            spawn(&["deploy", "guardrails", "--mode", "unpacked", "--dry-run"]),
        ];
        for child in children {
            let out = child.wait_with_output().expect("waits");
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        assert!(snapshot(project.path()).is_empty(), "round {round}");
    }
}

#[test]
fn odd_names_in_the_staging_folder_never_reach_the_project() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    for odd in ["a\\b", "new\nline", "..x", "x y"] {
        write(
            project.path(),
            &format!(".claude/skillmeat/txn/{odd}/f"),
            "stray",
        );
    }
    write(project.path(), ".claude/skillmeat/txn/plainfile", "stray");
    for args in [
        &["status"][..],
        &["deploy", "guardrails", "--mode", "unpacked", "--dry-run"],
    ] {
        let out = run(home
            .cmd_std()
            .args(args)
            .arg("--project")
            .arg(project.path()));
        assert!(out.status.code().is_some(), "{args:?}: {}", stderr(&out));
        let now = snapshot(project.path());
        for (path, what) in &before {
            assert_eq!(now.get(path), Some(what), "{args:?} removed {path}");
        }
    }
}

#[test]
fn a_journal_this_home_did_not_start_is_never_run() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    write(project.path(), ".claude/commands/user.md", "the user's");
    let hash = skillmeat_core::hash::hash_bytes(b"the user's").to_hex();
    let settings = std::fs::read(project.path().join(".claude/settings.json")).expect("read");
    let settings_hash = skillmeat_core::hash::hash_bytes(&settings).to_hex();
    let journal = serde_json::json!({"id": "A", "operation": "deploy x", "state": "pending",
        "mkdirs": [], "rmdirs": [], "moves": [
            {"from": ".claude/skillmeat/txn/A/1", "to": ".claude/commands/user.md", "sha256": hash},
            {"from": ".claude/settings.json.skillmeat-backup", "to": ".claude/settings.json",
             "sha256": settings_hash}]});
    plant_journal(project.path(), journal);
    write(project.path(), ".claude/skillmeat/txn/A/.keep", "");
    // A stale entry of this home under that id, for this project, does not
    // make the journal ours: its renames must be the ones we wrote.
    let canonical = project.path().canonicalize().expect("canonical");
    write(&home.path(), "deploys/A", &canonical.display().to_string());
    let before = snapshot(project.path());
    for args in [
        &["status"][..],
        &["undeploy", "x"],
        &["deploy", "guardrails", "--mode", "unpacked"],
    ] {
        home.cmd()
            .args(args)
            .arg("--project")
            .arg(project.path())
            .assert()
            .code(1)
            .stderr(predicates::str::contains(
                "its renames are not the ones this skillmeat wrote",
            ));
        assert_eq!(snapshot(project.path()), before, "{args:?}");
    }
    // A dry run neither finishes nor runs anything.
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--dry-run",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("was interrupted"));
    assert_eq!(snapshot(project.path()), before);
}

/// Imports a second version of `plugin` whose command `shared.md` differs.
fn change_shared_command(home: &Home, plugin: &str, flavour: &str) {
    let dir = sharing_plugin(plugin, flavour);
    home.cmd().arg("add").arg(dir.path()).assert().success();
}

#[test]
fn a_shared_file_changes_only_when_no_one_else_has_it() {
    let home = Home::new();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    for p in [
        sharing_plugin("alpha", "same"),
        sharing_plugin("beta", "same"),
    ] {
        home.cmd().arg("add").arg(p.path()).assert().success();
    }
    let deploy = |name: &str| {
        let mut cmd = home.cmd();
        cmd.args(["deploy", name, "--mode", "unpacked", "--project"])
            .arg(project.path());
        cmd.assert()
    };
    deploy("alpha").success();
    deploy("beta").success();
    // beta changes; alpha still has the old command deployed.
    change_shared_command(&home, "beta", "new");
    deploy("beta").code(1).stderr(predicates::str::contains(
        "deployed by alpha; undeploy it first",
    ));
    let shared = project.path().join(".claude/commands/shared.md");
    assert_eq!(
        std::fs::read_to_string(&shared).ok().as_deref(),
        Some("# shared, same\n")
    );
    for name in ["alpha", "beta"] {
        home.cmd()
            .args(["undeploy", name, "--project"])
            .arg(project.path())
            .assert()
            .success();
    }
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn a_users_file_replaced_by_a_shared_one_comes_back_at_the_last_undeploy() {
    let home = Home::new();
    let project = project_with_own_config();
    write(project.path(), ".claude/commands/shared.md", "mine");
    let before = snapshot(project.path());
    for p in [
        sharing_plugin("alpha", "same"),
        sharing_plugin("beta", "same"),
    ] {
        home.cmd().arg("add").arg(p.path()).assert().success();
    }
    let run_ok = |args: &[&str]| {
        home.cmd()
            .args(args)
            .arg("--project")
            .arg(project.path())
            .assert()
            .success();
    };
    run_ok(&["deploy", "alpha", "--mode", "unpacked", "--force"]);
    run_ok(&["deploy", "beta", "--mode", "unpacked"]);
    run_ok(&["undeploy", "alpha"]);
    assert_eq!(
        std::fs::read_to_string(project.path().join(".claude/commands/shared.md"))
            .ok()
            .as_deref(),
        Some("# shared, same\n"),
        "beta's still"
    );
    run_ok(&["undeploy", "beta"]);
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn a_plugin_and_its_child_of_the_same_name_are_two_deployments() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    let hook_id = list["items"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["kind"] == "hook")
        .and_then(|a| a["id"].as_str())
        .expect("guardrails has a hook")
        .to_owned();
    let run_ok = |args: &[&str]| {
        home.cmd()
            .args(args)
            .arg("--project")
            .arg(project.path())
            .assert()
            .success();
    };
    run_ok(&["deploy", "guardrails", "--mode", "unpacked"]);
    run_ok(&["deploy", &hook_id]);
    let items = status(&home, project.path());
    assert!(
        items.len() >= 5 && items.values().all(|s| s == "ok"),
        "{items:?}"
    );
    // The name picks the plugin; the hook's deployment stays whole.
    run_ok(&["undeploy", "guardrails"]);
    let items = status(&home, project.path());
    assert_eq!(items.values().collect::<Vec<_>>(), ["ok"], "{items:?}");
    run_ok(&["undeploy", "guardrails"]);
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn files_made_by_root_in_a_users_project_are_the_users() {
    use std::os::unix::fs::MetadataExt;
    let home = home_with_guardrails();
    let project = tempfile::TempDir::new().expect("temp dir");
    let owned = Command::new("chown")
        .args(["65534:65534"])
        .arg(project.path())
        .status()
        .expect("chown");
    let root = owned.success() && std::fs::metadata(project.path()).expect("meta").uid() == 65534;
    if !root {
        // Only root can give files away; anyone else makes their own.
        return;
    }
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    for (path, _) in snapshot(project.path()) {
        let meta = std::fs::symlink_metadata(project.path().join(&path)).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534), "{path}");
    }
}

#[test]
fn a_shrunk_plugin_leaves_no_empty_folders() {
    let home = Home::new();
    let plugin = tempfile::TempDir::new().expect("temp dir");
    write(
        plugin.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "shrinks"}"#,
    );
    write(
        plugin.path(),
        "skills/one/SKILL.md",
        "---\nname: one\n---\n",
    );
    write(
        plugin.path(),
        "skills/two/sub/SKILL.md",
        "---\nname: sub\n---\n",
    );
    write(
        plugin.path(),
        "skills/two/SKILL.md",
        "---\nname: two\n---\n",
    );
    write(plugin.path(), "commands/grp/c.md", "# c\n");
    home.cmd().arg("add").arg(plugin.path()).assert().success();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let deploy = || {
        home.cmd()
            .args(["deploy", "shrinks", "--mode", "unpacked", "--project"])
            .arg(project.path())
            .assert()
            .success();
    };
    deploy();
    std::fs::remove_dir_all(plugin.path().join("skills/two")).expect("rm");
    std::fs::remove_dir_all(plugin.path().join("commands")).expect("rm");
    home.cmd().arg("add").arg(plugin.path()).assert().success();
    deploy();
    let dirs: Vec<String> = snapshot(project.path())
        .into_iter()
        .filter(|(p, what)| what.starts_with("dir") && !before.contains_key(p))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        dirs,
        [
            ".claude/plugins",
            ".claude/plugins/shrinks",
            ".claude/plugins/shrinks/.claude-plugin",
            ".claude/skillmeat",
            ".claude/skills",
            ".claude/skills/one",
        ]
    );
}

#[test]
fn a_project_inside_claude_and_odd_record_names_are_refused() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path().join(".claude"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is inside a .claude folder"));
    let mut deployment = lying_deployment(serde_json::json!([]), serde_json::json!([]));
    deployment["name"] = "x\u{1b}]0;pwned\u{7}".into();
    plant_record(project.path(), deployment);
    home.cmd()
        .args(["status", "--project"])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("control characters"));
}

#[test]
fn an_mcp_server_deployed_alone_says_what_it_lacks() {
    let home = home_with_guardrails();
    let project = tempfile::TempDir::new().expect("temp dir");
    home.cmd()
        .args(["deploy", "guard-audit", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "uses files of its plugin (${CLAUDE_PLUGIN_ROOT}), which deploying it alone does not bring",
        ));
}

/// Edits the guard-audit MCP server in the project's `.mcp.json`.
fn edit_guard_audit(project: &Path, field: &str, value: &str) {
    let path = project.join(".mcp.json");
    let mut mcp: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
    mcp["mcpServers"]["guard-audit"][field] = value.into();
    std::fs::write(&path, mcp.to_string()).expect("write");
}

#[test]
fn a_force_deploy_over_a_changed_server_killed_at_any_step_recovers() {
    let home = home_with_guardrails();
    for n in 1.. {
        let project = project_with_own_config();
        home.cmd()
            .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
            .arg(project.path())
            .assert()
            .success();
        edit_guard_audit(project.path(), "command", "edited");
        let at = format!("deploy.step#{n}");
        let was_killed = killed(
            &home,
            &["deploy", "guardrails", "--mode", "unpacked", "--force"],
            project.path(),
            &at,
        );
        // Rolled back or done: status works, and every item is deployed.
        let items = status(&home, project.path());
        assert_eq!(items.len(), 5, "after {at}: {items:?}");
        let mcp = std::fs::read_to_string(project.path().join(".mcp.json")).expect("read");
        let backup = std::fs::read_to_string(project.path().join(".mcp.json.skillmeat-backup"));
        assert!(
            mcp.contains("edited") || backup.is_ok_and(|b| b.contains("edited")),
            "the user's edit is somewhere after {at}: {mcp}"
        );
        if !was_killed {
            break;
        }
    }
}

#[test]
fn the_users_mcp_servers_are_never_taken() {
    let home = Home::new();
    let project = project_with_own_config();
    // The user already has exactly the server alpha ships.
    write(
        project.path(),
        ".mcp.json",
        "{\"mcpServers\": {\"shared-server\": {\"command\": \"same\"}}}\n",
    );
    let before = snapshot(project.path());
    for p in [
        sharing_plugin("alpha", "same"),
        sharing_plugin("beta", "same"),
    ] {
        home.cmd().arg("add").arg(p.path()).assert().success();
    }
    let run_ok = |args: &[&str]| {
        home.cmd()
            .args(args)
            .arg("--project")
            .arg(project.path())
            .assert()
            .success();
    };
    run_ok(&["deploy", "alpha", "--mode", "unpacked"]);
    run_ok(&["undeploy", "alpha"]);
    assert_eq!(
        snapshot(project.path()),
        before,
        "an identical server stays the user's"
    );

    // A different one, replaced with --force by alpha and shared by beta,
    // comes back when the last of them goes.
    write(
        project.path(),
        ".mcp.json",
        "{\"mcpServers\": {\"shared-server\": {\"command\": \"mine\", \"env\": {\"TOKEN\": \"t\"}}}}\n",
    );
    let before = snapshot(project.path());
    run_ok(&["deploy", "alpha", "--mode", "unpacked", "--force"]);
    run_ok(&["deploy", "beta", "--mode", "unpacked"]);
    run_ok(&["undeploy", "alpha"]);
    run_ok(&["undeploy", "beta"]);
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn an_artifact_deployed_alone_is_undeployed_by_kind_and_name() {
    let home = Home::new();
    let plugin = tempfile::TempDir::new().expect("temp dir");
    write(
        plugin.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "dups"}"#,
    );
    write(
        plugin.path(),
        "skills/dup/SKILL.md",
        "---\nname: dup\n---\n",
    );
    write(plugin.path(), "commands/dup.md", "# dup\n");
    home.cmd().arg("add").arg(plugin.path()).assert().success();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let run = |args: &[&str]| {
        let mut cmd = home.cmd();
        cmd.args(args).arg("--project").arg(project.path());
        cmd.assert()
    };
    let list = home.json(&["list", "--json"], &[] as &[&str]);
    let id = |kind: &str| {
        list["items"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|a| a["kind"] == kind && a["name"] == "dup")
            .and_then(|a| a["id"].as_str())
            .expect("the artifact is listed")
            .to_owned()
    };
    run(&["deploy", &id("skill")]).success();
    run(&["deploy", &id("command")]).success();
    run(&["undeploy", "dup"])
        .code(1)
        .stderr(predicates::str::contains("skill:dup, command:dup"));
    run(&["undeploy", "skill:dup"]).success();
    run(&["undeploy", "command:dup"]).success();
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn a_lock_file_left_by_another_user_does_not_lock_the_owner_out() {
    let home = home_with_guardrails();
    let project = project_with_own_config();
    write(project.path(), ".claude/skillmeat/lock", "");
    // Root's, read-only to the project's owner (when we are root).
    let mut cmd = as_nobody(&[&home.path(), project.path()]);
    let _ = Command::new("chown")
        .args(["0:0"])
        .arg(project.path().join(".claude/skillmeat/lock"))
        .status();
    util::chmod(&project.path().join(".claude/skillmeat/lock"), 0o644);
    let out = run(cmd
        .env("SKILLMEAT_HOME", home.path())
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path()));
    assert!(out.status.success(), "{}", stderr(&out));
}
