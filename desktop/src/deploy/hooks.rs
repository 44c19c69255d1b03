//! Plugin hooks as project hooks.
//!
//! A plugin's `hooks/hooks.json` wraps its events (`{"description", "hooks":
//! {Event: [groups]}}`) and its commands use `${CLAUDE_PLUGIN_ROOT}`, which
//! Claude Code does not set for project hooks. Deployed, each command first
//! exports `CLAUDE_PLUGIN_ROOT` pointing at the plugin's support files under
//! `$CLAUDE_PROJECT_DIR/.claude/plugins/<plugin>`, so it runs exactly as
//! inside an installed plugin. The plugin's name is shell-quoted; nothing
//! else is put into a command.

use serde_json::{Map, Value};

/// `(event, group)` pairs of a hooks config, commands rewritten for
/// `.claude/plugins/<plugin>/`.
pub fn project_groups(config: &Value, plugin: &str) -> Vec<(String, Value)> {
    let events: Option<&Map<String, Value>> = match config.get("hooks") {
        Some(Value::Object(m)) => Some(m),
        _ => config.as_object(),
    };
    let mut out = Vec::new();
    for (event, groups) in events.into_iter().flatten() {
        let Value::Array(groups) = groups else {
            continue;
        };
        for group in groups {
            let mut group = group.clone();
            rewrite(&mut group, plugin);
            out.push((event.clone(), group));
        }
    }
    out
}

fn rewrite(value: &mut Value, plugin: &str) {
    match value {
        Value::Object(map) => {
            let is_command = map
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "command");
            let powershell = map.get("shell").and_then(Value::as_str) == Some("powershell");
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("command", Value::String(cmd)) if is_command => {
                        *cmd = command(cmd, plugin, powershell)
                    }
                    (_, v) => rewrite(v, plugin),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, plugin)),
        _ => {}
    }
}

/// One command: set `CLAUDE_PLUGIN_ROOT` for it. The command itself is left
/// as the plugin wrote it: its `${CLAUDE_PLUGIN_ROOT}` is expanded by the
/// shell from the exported variable. The plugin's name is the one value
/// put into the command, and it is shell-quoted.
pub fn command(cmd: &str, plugin: &str, powershell: bool) -> String {
    if powershell {
        let body = cmd
            .replace("${CLAUDE_PLUGIN_ROOT}", "$env:CLAUDE_PLUGIN_ROOT")
            .replace("$CLAUDE_PLUGIN_ROOT", "$env:CLAUDE_PLUGIN_ROOT");
        return format!(
            "$env:CLAUDE_PLUGIN_ROOT = \"$env:CLAUDE_PROJECT_DIR/.claude/plugins/\" + {}; {body}",
            powershell_quote(plugin)
        );
    }
    format!(
        "export CLAUDE_PLUGIN_ROOT=\"${{CLAUDE_PROJECT_DIR:-.}}\"/.claude/plugins/{}; {cmd}",
        shell_quote(plugin)
    )
}

/// A POSIX shell word that stands for exactly `s` (names never hold NUL:
/// a name with one is refused at import; here it would be dropped).
fn shell_quote(s: &str) -> String {
    let s = s.replace('\0', "");
    shlex::try_quote(&s)
        .map(|q| q.into_owned())
        .unwrap_or_default()
}

/// A PowerShell single-quoted string: quote characters are doubled
/// (PowerShell also takes the typographic single quotes as quotes).
fn powershell_quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `cmd` with `${CLAUDE_PLUGIN_ROOT}` and `$CLAUDE_PLUGIN_ROOT` (not the
/// start of a longer name) replaced by `root`.
fn replace_root(cmd: &str, root: &str) -> String {
    let mut out = cmd.replace("${CLAUDE_PLUGIN_ROOT}", root);
    let marker = "$CLAUDE_PLUGIN_ROOT";
    let mut result = String::with_capacity(out.len());
    while let Some(i) = out.find(marker) {
        let after = &out[i + marker.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        result.push_str(&out[..i]);
        result.push_str(if continues { marker } else { root });
        out = after.to_owned();
    }
    result.push_str(&out);
    result
}

/// An MCP server's strings refer to the plugin's files through
/// `${CLAUDE_PLUGIN_ROOT}`, unset in a project's `.mcp.json`: point them at
/// `.claude/plugins/<plugin>` under the project instead.
pub fn rewrite_mcp(value: &mut Value, plugin: &str) {
    match value {
        Value::String(s) if s.contains("CLAUDE_PLUGIN_ROOT") => {
            *s = replace_root(
                s,
                &format!("${{CLAUDE_PROJECT_DIR:-.}}/.claude/plugins/{plugin}"),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_mcp(v, plugin)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_mcp(v, plugin)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Runs a deployed command the way Claude Code runs a project hook
    /// (`bash -c`, from the project, with CLAUDE_PROJECT_DIR), in `dir`.
    fn run(command: &str, dir: &std::path::Path) -> String {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(command)
            .current_dir(dir)
            .env("CLAUDE_PROJECT_DIR", dir)
            .env_remove("CLAUDE_PLUGIN_ROOT")
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{command}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn plugin_names_are_quoted_not_run() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        for name in [
            "guardrails",
            "x$(touch${IFS}PWNED)",
            "x`touch PWNED`",
            "a\"b",
            "it's",
            "a;touch PWNED",
            "two\nlines",
            "$HOME",
            "sp ace",
        ] {
            let cmd = command(r#"printf '%s' "${CLAUDE_PLUGIN_ROOT}""#, name, false);
            let printed = run(&cmd, dir.path());
            assert_eq!(
                printed,
                format!("{}/.claude/plugins/{name}", dir.path().display()),
                "{cmd}"
            );
            assert!(!dir.path().join("PWNED").exists(), "{cmd} ran the name");
        }
    }

    #[test]
    fn commands_keep_their_body() {
        assert_eq!(
            command(
                r#""${CLAUDE_PLUGIN_ROOT}/hooks/run-hook.cmd" session-start"#,
                "p",
                false
            ),
            r#"export CLAUDE_PLUGIN_ROOT="${CLAUDE_PROJECT_DIR:-.}"/.claude/plugins/p; "${CLAUDE_PLUGIN_ROOT}/hooks/run-hook.cmd" session-start"#
        );
        assert_eq!(
            command("& \"${CLAUDE_PLUGIN_ROOT}/x.ps1\"", "it's", true),
            "$env:CLAUDE_PLUGIN_ROOT = \"$env:CLAUDE_PROJECT_DIR/.claude/plugins/\" + 'it''s'; & \"$env:CLAUDE_PLUGIN_ROOT/x.ps1\""
        );
    }

    #[test]
    fn wrapped_and_bare_configs() {
        let wrapped = json!({"description": "d", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "a"}, {"type": "prompt", "prompt": "p"}]}]}});
        let bare = json!({"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "a"}, {"type": "prompt", "prompt": "p"}]}]});
        let a = project_groups(&wrapped, "p");
        assert_eq!(a, project_groups(&bare, "p"));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].0, "PreToolUse");
        assert_eq!(
            a[0].1["hooks"][0]["command"],
            r#"export CLAUDE_PLUGIN_ROOT="${CLAUDE_PROJECT_DIR:-.}"/.claude/plugins/p; a"#
        );
        assert_eq!(a[0].1["hooks"][1], json!({"type": "prompt", "prompt": "p"}));
    }
}
