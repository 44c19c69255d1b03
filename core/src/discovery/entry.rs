//! A plugin listed in a marketplace: how its entry combines with the
//! plugin's own `plugin.json`, or stands in for it.

use crate::prelude::*;
use serde_json::Value;

use super::components::{self, CommandSource, Ctx};
use super::manifest::{
    CLAUDE_MANIFEST, Components, assemble, check_claude_name, claude_components, claude_plugin,
    required_name, string_field,
};
use super::{Detection, FileReader, Listing, Plugin};
use crate::error::Result;
use crate::path::SafeRelPath;

/// A literal, known-safe folder name.
fn folder(name: &str) -> SafeRelPath {
    SafeRelPath::new(name).unwrap_or_default()
}

/// A plugin listed in a marketplace, as Claude Code reads it. With its own
/// `plugin.json` (a `marketplace.json` beside it changes nothing), the
/// entry's component paths are added to the manifest's (`strict`, the
/// default) — or, with `strict: false`, the plugin is one Claude Code
/// refuses ("conflicting manifests") and the manifest alone is read.
/// Without one, the entry is the manifest.
pub(super) fn marketplace_plugin(
    listing: &Listing,
    read: &dyn FileReader,
    root: &SafeRelPath,
    entry: Value,
    entry_file: &str,
    others: &[SafeRelPath],
) -> Result<Plugin> {
    let mut ctx = Ctx {
        listing,
        read,
        root: root.clone(),
        others,
        warnings: Vec::new(),
    };
    let claude = SafeRelPath::new(CLAUDE_MANIFEST)?;
    if !ctx.is_file(&claude) {
        return entry_plugin(ctx, entry_file, entry);
    }
    let manifest = ctx.read_json(&claude)?;
    let file = ctx.abs(&claude).as_str().to_owned();
    if entry.get("strict") == Some(&Value::Bool(false))
        && let Some(key) = declared_component(&entry)
    {
        ctx.warn(format!(
            "{entry_file}: `strict: false` and the entry declares `{key}`, but the plugin has its own {file}: Claude Code does not load it (\"conflicting manifests\"); the entry's components are left out"
        ));
        return claude_plugin(ctx, &file, manifest, None);
    }
    claude_plugin(ctx, &file, manifest, Some(&entry))
}

/// The keys of a marketplace entry that conflict with a `plugin.json`
/// under `strict: false` (Claude Code's list): the first one set.
fn declared_component(entry: &Value) -> Option<&'static str> {
    let set = |v: Option<&Value>| match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        Some(_) => true,
    };
    [
        "commands",
        "agents",
        "skills",
        "hooks",
        "outputStyles",
        "themes",
    ]
    .into_iter()
    .find(|k| set(entry.get(*k)))
    .or_else(|| {
        set(entry.get("experimental").and_then(|e| e.get("themes")))
            .then_some("experimental.themes")
    })
}

/// A marketplace entry for a folder without `plugin.json`: the entry is the
/// manifest, and Claude Code still scans the default `commands/` and
/// `agents/` folders beside the paths the entry declares. The effective
/// manifest lists those folders too, so a `plugin.json` made from it (an
/// export) loads the same components.
fn entry_plugin(ctx: Ctx<'_>, file: &str, entry: Value) -> Result<Plugin> {
    let name = required_name(file, &entry)?;
    check_claude_name(file, &name)?;
    let mut components = claude_components(&ctx, file, &entry, SafeRelPath::from_manifest)?;
    let defaults = Defaults::of(&ctx);
    components.commands = components.commands.map(|c| defaults.commands(c));
    components.agents = components.agents.map(|a| defaults.agents(a));
    let version = string_field(&entry, "version");
    let description = string_field(&entry, "description");
    let manifest = defaults.write_into(entry);
    assemble(
        ctx,
        name,
        Detection::Manifest,
        1.0,
        version,
        description,
        Some(manifest),
        components,
    )
}

/// What the default `commands/` and `agents/` folders hold.
pub(super) struct Defaults {
    /// Each command of `commands/`: its name and file.
    commands: Vec<(String, SafeRelPath)>,
    /// The agent files of `agents/`.
    agents: Vec<SafeRelPath>,
}

impl Defaults {
    pub(super) fn of(ctx: &Ctx<'_>) -> Defaults {
        let agents = components::markdown_in(ctx, &folder("agents"))
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        Defaults {
            commands: components::markdown_in(ctx, &folder("commands")),
            agents,
        }
    }

    /// `extra` (a marketplace entry's components) appended to `components`
    /// (its plugin's `plugin.json`), as Claude Code appends them: to the
    /// manifest's paths, or to the default folder when it declares none.
    pub(super) fn append(&self, components: &mut Components, extra: Components) {
        components.skills.extend(extra.skills);
        if let Some(c) = extra.commands {
            match &mut components.commands {
                Some(declared) => declared.extend(c),
                None => components.commands = Some(self.commands(c)),
            }
        }
        if let Some(a) = extra.agents {
            match &mut components.agents {
                Some(declared) => declared.extend(a),
                None => components.agents = Some(self.agents(a)),
            }
        }
        components.notes.extend(extra.notes);
    }

    /// The default folder, then the declared sources.
    fn commands(&self, declared: Vec<CommandSource>) -> Vec<CommandSource> {
        let mut out: Vec<CommandSource> = Vec::new();
        if !self.commands.is_empty() {
            out.push(CommandSource::Path(folder("commands")));
        }
        out.extend(declared);
        out
    }

    /// The default folder's agents, then the declared files.
    fn agents(&self, declared: Vec<SafeRelPath>) -> Vec<SafeRelPath> {
        let mut out = self.agents.clone();
        out.extend(declared.into_iter().filter(|d| !self.agents.contains(d)));
        out
    }

    /// `manifest` with the default folders written into the `commands` and
    /// `agents` it declares (a key it does not declare needs nothing).
    fn write_into(&self, mut manifest: Value) -> Value {
        if let Some(commands) = manifest.get_mut("commands")
            && !self.commands.is_empty()
        {
            match commands {
                Value::Object(map) => {
                    for (name, path) in &self.commands {
                        if !map.contains_key(name) {
                            let source = format!("./{path}");
                            map.insert(name.clone(), serde_json::json!({ "source": source }));
                        }
                    }
                }
                other => prepend(other, &["./commands".to_owned()]),
            }
        }
        if let Some(agents) = manifest.get_mut("agents") {
            let files: Vec<String> = self.agents.iter().map(|a| format!("./{a}")).collect();
            prepend(agents, &files);
        }
        manifest
    }
}

/// `paths` before the path or paths of `value`, each once.
fn prepend(value: &mut Value, paths: &[String]) {
    let declared: Vec<Value> = match core::mem::take(value) {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        one => vec![one],
    };
    let mut out: Vec<Value> = paths
        .iter()
        .filter(|p| !declared.iter().any(|d| d.as_str() == Some(p.as_str())))
        .map(|p| Value::String(p.clone()))
        .collect();
    out.extend(declared);
    *value = Value::Array(out);
}
