//! `deploy`, `undeploy`, `status` through the real binary into real temp
//! projects, and the deployed hook run the way Claude Code runs it.

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use util::{Home, fixture, project_with_own_config};

/// Every file below `dir`: relative path → SHA-256 (and `x` if executable).
fn files(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            use std::os::unix::fs::PermissionsExt;
            let rel = e
                .path()
                .strip_prefix(dir)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let bytes = std::fs::read(e.path()).expect("reading a project file");
            let exec = e
                .metadata()
                .expect("a project file's metadata")
                .permissions()
                .mode()
                & 0o111
                != 0;
            (
                rel,
                format!(
                    "{}{}",
                    skillmeat_core::hash::hash_bytes(&bytes),
                    if exec { " x" } else { "" }
                ),
            )
        })
        .collect()
}

/// The `.claude/` tree as a listing (executables marked), for snapshots.
fn claude_tree(project: &Path) -> String {
    files(project)
        .into_iter()
        .filter(|(p, _)| p.starts_with(".claude/"))
        .map(|(p, h)| {
            if h.ends_with(" x") {
                format!("{p} (executable)\n")
            } else {
                format!("{p}\n")
            }
        })
        .collect()
}

fn deploy_guardrails(home: &Home, project: &Path) -> Value {
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    home.json(
        &[
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--json",
            "--project",
        ],
        [project],
    )
}

#[test]
fn plugin_deploys_where_claude_code_reads_and_undeploys_byte_for_byte() {
    let home = Home::new();
    let project = project_with_own_config();
    let before = files(project.path());
    let outcome = deploy_guardrails(&home, project.path());
    assert_eq!(outcome["deployed"].as_array().map(Vec::len), Some(5));
    insta::assert_snapshot!("guardrails_claude_tree", claude_tree(project.path()));

    // The user's settings are untouched; our hook is appended, pointing at
    // the plugin's files and setting CLAUDE_PLUGIN_ROOT.
    let settings: Value = serde_json::from_slice(
        &std::fs::read(project.path().join(".claude/settings.json")).expect("settings.json"),
    )
    .expect("settings.json is JSON");
    assert_eq!(settings["permissions"]["allow"][0], "Bash(ls)");
    assert_eq!(settings["model"], "opus");
    let pre = settings["hooks"]["PreToolUse"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(pre.len(), 2);
    assert_eq!(pre[0]["hooks"][0]["command"], "echo mine");
    let command = pre[1]["hooks"][0]["command"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        command.starts_with(
            "export CLAUDE_PLUGIN_ROOT=\"${CLAUDE_PROJECT_DIR:-.}\"/.claude/plugins/guardrails; "
        ),
        "{command}"
    );
    let text = std::fs::read_to_string(project.path().join(".claude/settings.json"))
        .expect("settings.json");
    assert!(
        text.starts_with("{\n    \"permissions\""),
        "indentation kept:\n{text}"
    );

    // Run the deployed hook as Claude Code runs project hooks: from the
    // project, with CLAUDE_PROJECT_DIR set and no CLAUDE_PLUGIN_ROOT.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&command)
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CLAUDE_PROJECT_DIR", project.path())
        .output()
        .expect("running the deployed hook with bash");
    assert!(
        out.status.success(),
        "hook failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("the hook printed JSON");
    assert_eq!(
        printed["plugin_root"],
        format!("{}/.claude/plugins/guardrails", project.path().display())
    );
    assert_eq!(printed["verdict"], "deny: rm -rf /");
    assert_eq!(
        printed["argv"],
        serde_json::json!(["--event", "pre-tool-use"])
    );

    // MCP: merged next to the user's, pointing at the plugin's files.
    let mcp: Value = serde_json::from_slice(
        &std::fs::read(project.path().join(".mcp.json")).expect(".mcp.json"),
    )
    .expect(".mcp.json is JSON");
    assert_eq!(mcp["mcpServers"]["mine"]["command"], "my-server");
    assert_eq!(
        mcp["mcpServers"]["guard-audit"]["args"][0],
        "${CLAUDE_PROJECT_DIR:-.}/.claude/plugins/guardrails/guardrails_lib/policy.py"
    );
    assert_eq!(
        mcp["mcpServers"]["guard-audit"]["env"]["AUDIT_LEVEL"],
        "${AUDIT_LEVEL:-info}"
    );

    // deployment.toml records each member with its pinned hash.
    let toml = std::fs::read_to_string(
        project
            .path()
            .join(".claude/plugins/guardrails/deployment.toml"),
    )
    .expect("deployment.toml");
    let doc: toml::Table = toml.parse().expect("deployment.toml is TOML");
    assert_eq!(doc["plugin"].as_str(), Some("guardrails"));
    assert_eq!(doc["version"].as_str(), Some("0.3.0"));
    assert_eq!(doc["members"].as_array().map(Vec::len), Some(5));

    // status: all ok, each with its plugin.
    let status = home.json(&["status", "--json", "--project"], [project.path()]);
    let items = status["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|i| i["status"] == "ok" && i["parent"] == "guardrails"),
        "{status}"
    );
    // show says where a child is deployed and with which plugin.
    let show = home.json(&["show", "guard-rules", "--json"], &[] as &[&str]);
    assert_eq!(show["deployments"][0]["parent"], "guardrails");
    assert_eq!(
        show["deployments"][0]["project"],
        project
            .path()
            .canonicalize()
            .expect("the project's real path")
            .display()
            .to_string()
    );

    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();
    assert_eq!(
        files(project.path()),
        before,
        "undeploy must give the project back byte for byte"
    );
    assert_eq!(
        home.json(&["show", "guard-rules", "--json"], &[] as &[&str])["deployments"],
        serde_json::json!([])
    );
}

#[test]
fn status_reports_modified_missing_and_outdated() {
    let home = Home::new();
    let project = tempfile::TempDir::new().expect("a temp dir");
    deploy_guardrails(&home, project.path());
    std::fs::write(
        project.path().join(".claude/skills/guard-rules/SKILL.md"),
        "edited",
    )
    .expect("editing the deployed skill");
    std::fs::remove_file(project.path().join(".claude/agents/guard-reviewer.md"))
        .expect("removing the deployed agent");
    // A newer guard-status arrives in the collection with another plugin.
    let other = tempfile::TempDir::new().expect("a temp dir");
    util::write(
        other.path(),
        ".claude-plugin/plugin.json",
        r#"{"name": "other"}"#,
    );
    util::write(
        other.path(),
        "commands/guard-status.md",
        "a newer guard-status",
    );
    home.cmd().arg("add").arg(other.path()).assert().success();

    let status = home.json(&["status", "--json", "--project"], [project.path()]);
    let by_name: BTreeMap<String, String> = status["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default().to_owned(),
                i["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        by_name.get("guard-rules").map(String::as_str),
        Some("modified")
    );
    assert_eq!(
        by_name.get("guard-reviewer").map(String::as_str),
        Some("missing")
    );
    assert_eq!(
        by_name.get("guard-status").map(String::as_str),
        Some("outdated")
    );
    assert_eq!(by_name.get("guard-audit").map(String::as_str), Some("ok"));

    // Redeploying warns that guard-status is pinned and deploys the pin;
    // --use-current deploys the newer one.
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
        .success()
        .stdout(predicate::str::contains("deploying the pinned version"));
    let deployed = std::fs::read_to_string(project.path().join(".claude/commands/guard-status.md"))
        .expect("the deployed guard-status.md");
    assert!(deployed.contains("deny patterns"));
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--use-current",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .success();
    let deployed = std::fs::read_to_string(project.path().join(".claude/commands/guard-status.md"))
        .expect("the deployed guard-status.md");
    assert_eq!(deployed, "a newer guard-status");

    // --force kept the user's edit as a backup.
    assert_eq!(
        std::fs::read_to_string(
            project
                .path()
                .join(".claude/skills/guard-rules/SKILL.md.skillmeat-backup")
        )
        .ok()
        .as_deref(),
        Some("edited")
    );
    // Undeploy keeps what the user changed since (without --force), and
    // gives back the file --force replaced: the user's edit.
    std::fs::write(
        project.path().join(".claude/commands/guard-status.md"),
        "changed again",
    )
    .expect("write");
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert_eq!(
        report["kept"],
        serde_json::json!([".claude/commands/guard-status.md"])
    );
    assert_eq!(
        report["restored"],
        serde_json::json!([".claude/skills/guard-rules/SKILL.md"])
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join(".claude/commands/guard-status.md")).ok(),
        Some("changed again".to_owned())
    );
    assert_eq!(
        std::fs::read_to_string(project.path().join(".claude/skills/guard-rules/SKILL.md")).ok(),
        Some("edited".to_owned())
    );
    assert!(
        !project
            .path()
            .join(".claude/skills/guard-rules/SKILL.md.skillmeat-backup")
            .exists()
    );
}

#[test]
fn never_clobbers_without_force() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("a temp dir");
    util::write(
        project.path(),
        ".claude/commands/guard-status.md",
        "the user's own command",
    );
    util::write(
        project.path(),
        ".mcp.json",
        "{\"mcpServers\": {\"guard-audit\": {\"command\": \"theirs\"}}}",
    );
    let before = files(project.path());
    home.cmd()
        .args(["deploy", "guardrails", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(".claude/commands/guard-status.md"))
        .stderr(predicate::str::contains("MCP server \"guard-audit\""));
    assert_eq!(files(project.path()), before, "nothing may be written");

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
    assert_eq!(
        std::fs::read_to_string(
            project
                .path()
                .join(".claude/commands/guard-status.md.skillmeat-backup")
        )
        .ok()
        .as_deref(),
        Some("the user's own command")
    );
    let mcp = std::fs::read_to_string(project.path().join(".mcp.json")).expect("read");
    assert!(
        mcp.contains("guard_lib") || mcp.contains("policy.py"),
        "{mcp}"
    );
    // Undeploy gives back the user's command and MCP server, byte for byte.
    let report = home.json(
        &["undeploy", "guardrails", "--json", "--project"],
        [project.path()],
    );
    assert_eq!(
        report["restored"],
        serde_json::json!([".claude/commands/guard-status.md"])
    );
    assert_eq!(
        report["mcp_servers_restored"],
        serde_json::json!(["guard-audit"])
    );
    assert_eq!(files(project.path()), before);
}

#[test]
fn dry_run_platforms_and_single_artifacts() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("a temp dir");
    let plan = home.json(
        &[
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--dry-run",
            "--json",
            "--project",
        ],
        [project.path()],
    );
    assert_eq!(plan["dry_run"], true);
    let paths: Vec<&str> = plan["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["path"].as_str())
        .collect();
    assert!(paths.contains(&".claude/skills/guard-rules/SKILL.md"));
    assert!(paths.contains(&".claude/settings.json"));
    assert!(files(project.path()).is_empty(), "a dry run writes nothing");

    let err = home.json_code(
        &[
            "deploy",
            "guardrails",
            "--platform",
            "cursor",
            "--json",
            "--project",
        ],
        [project.path()],
        1,
    );
    assert_eq!(
        err["error"],
        "plugin deployment to cursor is not supported in v1"
    );
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "unpacked",
            "--platform",
            "codex",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "plugin deployment to codex is not supported in v1",
        ));

    home.cmd()
        // One artifact deploys unpacked without being told.
        .args(["deploy", "guard-status", "--project"])
        .arg(project.path())
        .assert()
        .success();
    assert!(
        project
            .path()
            .join(".claude/commands/guard-status.md")
            .is_file()
    );
    assert!(!project.path().join(".claude/skills").exists());
    let status = home.json(&["status", "--json", "--project"], [project.path()]);
    assert_eq!(status["items"][0]["parent"], Value::Null);
}

/// Without `--mode`, a plugin deploys natively (its tree in
/// `.claude/skills/<plugin>/`, nothing merged into settings.json or
/// `.mcp.json`); with `--use-current` (a native deployment is the plugin at
/// the versions it pins) it deploys unpacked.
#[test]
fn a_plugin_deploys_natively_unless_told_otherwise() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("a project");
    home.cmd()
        .args(["deploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let native = project.path().join(".claude/skills/guardrails");
    for file in [
        ".claude-plugin/plugin.json",
        "agents/guard-reviewer.md",
        ".mcp.json",
    ] {
        assert!(native.join(file).is_file(), "{file}");
    }
    assert!(!project.path().join(".claude/settings.json").exists());
    assert!(!project.path().join(".mcp.json").exists());
    assert!(!project.path().join(".claude/agents").exists());
    let record: Value = serde_json::from_slice(
        &std::fs::read(project.path().join(".claude/skillmeat/deployments.json"))
            .expect("the record"),
    )
    .expect("JSON");
    assert_eq!(record["deployments"][0]["mode"], "plugin", "{record}");
    home.cmd()
        .args(["undeploy", "guardrails", "--project"])
        .arg(project.path())
        .assert()
        .success();

    home.cmd()
        .args(["deploy", "guardrails", "--use-current", "--project"])
        .arg(project.path())
        .assert()
        .success();
    assert!(
        project
            .path()
            .join(".claude/agents/guard-reviewer.md")
            .is_file()
    );
    assert!(!native.exists());
}

#[test]
fn superpowers_session_start_hook_runs_from_the_project() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("superpowers"))
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("a temp dir");
    home.cmd()
        .args(["deploy", "superpowers", "--mode", "unpacked", "--project"])
        .arg(project.path())
        .assert()
        .success();
    let settings: Value = serde_json::from_slice(
        &std::fs::read(project.path().join(".claude/settings.json")).expect("settings.json"),
    )
    .expect("settings.json is JSON");
    let command = settings["hooks"]["SessionStart"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&command)
        .current_dir(project.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CLAUDE_PROJECT_DIR", project.path())
        .output()
        .expect("running the deployed hook with bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).expect("the hook printed JSON");
    // It took the Claude Code branch (CLAUDE_PLUGIN_ROOT set) and read its skill.
    let context = printed["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap_or_default();
    assert!(context.contains("You have superpowers"), "{printed}");
    assert!(
        project
            .path()
            .join(".claude/skills/using-superpowers/SKILL.md")
            .is_file()
    );
    assert!(
        project
            .path()
            .join(".claude/plugins/superpowers/hooks/session-start")
            .is_file()
    );
}

/// A plugin Claude Code would not load (`agents: "./agents"`, a folder):
/// `add` imports it and says so, `deploy` refuses it with the reason
/// (exit 1, the project untouched) and `--force` deploys it; one Claude
/// Code loads but `claude plugin validate` faults (`repository` as an
/// object) is imported and deployed with a warning only.
#[test]
fn deploy_refuses_what_claude_code_would_not_load_unless_forced() {
    let home = Home::new();
    let added = home.json(&["add", "--json"], [fixture("agents-folder")]);
    let result = &added["results"][0];
    assert_eq!(result["success"], true, "{added}");
    assert_eq!(result["loads_in_claude_code"], false, "{added}");
    let reason = r#".claude-plugin/plugin.json: agents: "./agents" must be a .md file"#;
    assert!(
        result["load_errors"][0]
            .as_str()
            .is_some_and(|e| e.starts_with(reason)),
        "{added}"
    );
    // The text form says so too.
    let again = Home::new();
    again
        .cmd()
        .arg("add")
        .arg(fixture("agents-folder"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "agents-folder: Claude Code would not load this plugin",
        ))
        .stdout(predicate::str::contains(reason));

    let project = tempfile::TempDir::new().expect("a temp dir");
    util::write(project.path(), "README.md", "the user's project");
    let before = files(project.path());
    for dry_run in [false, true] {
        let mut cmd = home.cmd();
        cmd.args(["deploy", "agents-folder", "--project"])
            .arg(project.path());
        if dry_run {
            cmd.arg("--dry-run");
        }
        cmd.assert()
            .code(1)
            .stderr(predicate::str::contains(
                "not deploying agents-folder: Claude Code would not load it",
            ))
            .stderr(predicate::str::contains(reason));
        assert_eq!(files(project.path()), before, "nothing may be written");
    }
    home.cmd()
        .args(["deploy", "agents-folder", "--force", "--project"])
        .arg(project.path())
        .assert()
        .success();
    // Wherever the deploy mode puts it.
    let deployed = files(project.path());
    assert!(
        deployed
            .keys()
            .any(|p| p.starts_with(".claude/") && p.ends_with("/reviewer.md")),
        "{:?}",
        deployed.keys()
    );

    let added = home.json(&["add", "--json"], [fixture("repository-object")]);
    let result = &added["results"][0];
    assert_eq!(result["loads_in_claude_code"], true, "{added}");
    assert_eq!(
        result["validation_errors"],
        serde_json::json!([
            ".claude-plugin/plugin.json: repository: expected a string, found an object"
        ])
    );
    home.cmd()
        .args(["deploy", "repository-object", "--project"])
        .arg(project.path())
        .assert()
        .success();
}
