//! Claude Code itself (`tests/tools`, pinned) as the judge of what a deploy
//! gives it: a native plugin deployment loads as `<plugin>@skills-dir` with
//! the inventory Claude Code sees in the plugin's own folder, and is gone
//! after undeploy; an unpacked deployment passes `claude plugin validate`
//! and its MCP servers are the project's.

mod util;

use std::path::Path;

use util::{ClaudeCode, Home, fixture, project_with_own_config, snapshot};

fn deploy(home: &Home, plugin: &str, project: &Path, mode: &str) {
    home.cmd()
        .args(["deploy", plugin, "--mode", mode, "--project"])
        .arg(project)
        .assert()
        .success();
}

fn undeploy(home: &Home, plugin: &str, project: &Path) {
    home.cmd()
        .args(["undeploy", plugin, "--project"])
        .arg(project)
        .assert()
        .success();
}

#[test]
fn a_native_deployment_is_the_plugin_claude_code_loads() {
    let home = Home::new();
    let project = project_with_own_config();
    let before = snapshot(project.path());
    let claude = ClaudeCode::new();
    claude.trust(project.path());
    for plugin in ["guardrails", "superpowers"] {
        home.cmd()
            .arg("add")
            .arg(fixture(plugin))
            .assert()
            .success();
        deploy(&home, plugin, project.path(), "plugin");
        // What Claude Code sees in the plugin's own folder …
        let source = claude.inventory(
            project.path(),
            &[
                "--plugin-dir",
                &fixture(plugin).display().to_string(),
                "plugin",
                "details",
                plugin,
            ],
        );
        // … is what it loads from the project.
        let id = format!("{plugin}@skills-dir");
        assert!(
            claude.project_plugins(project.path()).contains(&id),
            "{:?}",
            claude.project_plugins(project.path())
        );
        let deployed = claude.inventory(project.path(), &["plugin", "details", &id]);
        assert!(!source.is_empty(), "an inventory");
        assert_eq!(deployed, source, "{plugin}");
    }
    // Nothing was merged into the project's own settings.
    let settings = std::fs::read(project.path().join(".claude/settings.json")).expect("read");
    assert_eq!(
        Some(&format!(
            "file 644 {}",
            skillmeat_core::hash::hash_bytes(&settings)
        )),
        before.get(".claude/settings.json")
    );
    for plugin in ["guardrails", "superpowers"] {
        undeploy(&home, plugin, project.path());
    }
    assert!(claude.project_plugins(project.path()).is_empty());
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn an_unpacked_deployment_passes_claude_codes_validation() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let project = project_with_own_config();
    let claude = ClaudeCode::new();
    claude.trust(project.path());
    deploy(&home, "guardrails", project.path(), "unpacked");
    let validated = claude.run(project.path(), &["plugin", "validate", ".claude"]);
    assert!(validated.contains("Validation passed"), "{validated}");
    let servers = claude.run(project.path(), &["mcp", "list"]);
    for name in ["guard-audit:", "mine:"] {
        assert!(servers.contains(name), "{name} in {servers}");
    }
}

#[test]
fn the_plugin_mode_is_for_plugins_at_their_pins() {
    let home = Home::new();
    home.cmd()
        .arg("add")
        .arg(fixture("guardrails"))
        .assert()
        .success();
    let project = tempfile::TempDir::new().expect("temp dir");
    home.cmd()
        .args(["deploy", "guard-status", "--mode", "plugin", "--project"])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("it deploys unpacked"));
    home.cmd()
        .args([
            "deploy",
            "guardrails",
            "--mode",
            "plugin",
            "--use-current",
            "--project",
        ])
        .arg(project.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("--use-current deploys unpacked"));
    assert!(snapshot(project.path()).is_empty());
}
