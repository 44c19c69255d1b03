//! Plugin hooks as project hooks.
//!
//! A plugin's `hooks/hooks.json` wraps its events (`{"description", "hooks":
//! {Event: [groups]}}`) and its commands use `${CLAUDE_PLUGIN_ROOT}`, which
//! Claude Code does not set for project hooks. Deployed, each command first
//! exports `CLAUDE_PLUGIN_ROOT` pointing at the plugin's support files under
//! `$CLAUDE_PROJECT_DIR/.claude/plugins/<plugin>` and refers to them there,
//! so it runs exactly as inside an installed plugin.

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

/// One command: set `CLAUDE_PLUGIN_ROOT` and point its references there.
pub fn command(cmd: &str, plugin: &str, powershell: bool) -> String {
    if powershell {
        let root = format!("$env:CLAUDE_PROJECT_DIR/.claude/plugins/{plugin}");
        let body = replace_root(cmd, &root);
        return format!("$env:CLAUDE_PLUGIN_ROOT=\"{root}\"; {body}");
    }
    let root = format!("${{CLAUDE_PROJECT_DIR}}/.claude/plugins/{plugin}");
    let body = replace_root(cmd, &root);
    format!("export CLAUDE_PLUGIN_ROOT=\"{root}\"; {body}")
}

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
        if continues {
            result.push_str(marker);
        } else {
            result.push_str(root);
        }
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

    #[test]
    fn commands() {
        for (cmd, expected) in [
            (
                r#""${CLAUDE_PLUGIN_ROOT}/hooks/run-hook.cmd" session-start"#,
                r#"export CLAUDE_PLUGIN_ROOT="${CLAUDE_PROJECT_DIR}/.claude/plugins/p"; "${CLAUDE_PROJECT_DIR}/.claude/plugins/p/hooks/run-hook.cmd" session-start"#,
            ),
            (
                "python3 $CLAUDE_PLUGIN_ROOT/x.py $CLAUDE_PLUGIN_ROOTS",
                r#"export CLAUDE_PLUGIN_ROOT="${CLAUDE_PROJECT_DIR}/.claude/plugins/p"; python3 ${CLAUDE_PROJECT_DIR}/.claude/plugins/p/x.py $CLAUDE_PLUGIN_ROOTS"#,
            ),
        ] {
            assert_eq!(command(cmd, "p", false), expected);
        }
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
            r#"export CLAUDE_PLUGIN_ROOT="${CLAUDE_PROJECT_DIR}/.claude/plugins/p"; a"#
        );
        assert_eq!(a[0].1["hooks"][1], json!({"type": "prompt", "prompt": "p"}));
    }
}
