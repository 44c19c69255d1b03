//! Finding each kind of child inside one plugin root.
//!
//! Paths here are relative to the plugin root unless named `abs_*`
//! (relative to the listing root).

use crate::prelude::*;
use serde_json::Value;

use super::{Child, ChildContent, FileReader, Listing, ReadProblem};
use crate::artifact::{ArtifactKind, Relationship, check_name, name_key};
use crate::error::{Error, Result};
use crate::frontmatter;
use crate::mcp;
use crate::order::sort_by_str;
use crate::path::SafeRelPath;

/// One plugin root being read.
pub(super) struct Ctx<'a> {
    pub listing: &'a Listing,
    pub read: &'a dyn FileReader,
    pub root: SafeRelPath,
    /// The other plugin roots nested below this one (only those): their
    /// files are not ours.
    pub others: &'a [SafeRelPath],
    pub warnings: Vec<String>,
}

impl Ctx<'_> {
    pub fn abs(&self, rel: &SafeRelPath) -> SafeRelPath {
        self.root.join(rel)
    }

    /// Whether `rel` is a file of this plugin.
    pub fn is_file(&self, rel: &SafeRelPath) -> bool {
        !rel.is_root() && self.listing.contains(&self.abs(rel)) && !self.is_other(&self.abs(rel))
    }

    /// Files strictly below `rel`, relative to the plugin root.
    pub fn files_under(&self, rel: &SafeRelPath) -> Vec<SafeRelPath> {
        let abs = self.abs(rel);
        self.listing
            .under(&abs)
            .filter(|f| !self.is_other(f))
            .filter_map(|f| self.root.relative(f.as_str()))
            .filter_map(|f| SafeRelPath::new(f).ok())
            .collect()
    }

    fn is_other(&self, abs: &SafeRelPath) -> bool {
        self.others
            .iter()
            .any(|o| o.relative(abs.as_str()).is_some())
    }

    pub fn read(&self, rel: &SafeRelPath) -> Result<Vec<u8>, ReadProblem> {
        super::read_small(self.read, &self.abs(rel))
    }

    /// Reads and parses a JSON file of the plugin.
    pub fn read_json(&self, rel: &SafeRelPath) -> Result<Value> {
        let file = self.abs(rel).as_str().to_owned();
        let bytes = self.read(rel).map_err(|problem| Error::Unread {
            file: file.clone(),
            problem,
        })?;
        crate::json::parse(&bytes).map_err(|e| Error::Json {
            file,
            reason: e.to_string(),
        })
    }

    pub fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// Name and description from a markdown file's frontmatter; warns when
    /// the frontmatter is not strict YAML.
    fn frontmatter(&mut self, rel: &SafeRelPath) -> frontmatter::Frontmatter {
        let fm = match self.read(rel) {
            Ok(bytes) => frontmatter::parse(&bytes),
            Err(ReadProblem::TooLarge) => {
                let file = self.abs(rel);
                self.warn(format!(
                    "{file}: is larger than the 8 MiB limit for a file whose frontmatter is read; name and description were not read"
                ));
                frontmatter::Frontmatter::default()
            }
            Err(ReadProblem::Failed) => frontmatter::Frontmatter::default(),
        };
        if let Some(problem) = &fm.problem {
            let file = self.abs(rel);
            self.warn(format!(
                "{file}: frontmatter is not valid YAML ({problem}); name and description were read leniently"
            ));
        }
        fm
    }
}

fn p(s: &str) -> SafeRelPath {
    // Only called with literal, known-safe paths.
    SafeRelPath::new(s).unwrap_or_default()
}

fn is_markdown_command(rel: &str) -> bool {
    let name = crate::path::last_component(rel);
    name.ends_with(".md") && !name.eq_ignore_ascii_case("README.md")
}

/// Skill folders: `skills/<x>/SKILL.md`, plus each manifest `skills` path
/// (a skill folder itself, or a folder of skill folders).
pub(super) fn skills(ctx: &mut Ctx<'_>, plugin_name: &str, extra: &[SafeRelPath]) -> Vec<Child> {
    let mut dirs: Vec<SafeRelPath> = Vec::new();
    let scan = |ctx: &Ctx<'_>, parent: &SafeRelPath, dirs: &mut Vec<SafeRelPath>| {
        for f in ctx.files_under(parent) {
            let Some(rest) = parent.relative(f.as_str()) else {
                continue;
            };
            if let Some((dir, "SKILL.md")) = rest.split_once('/') {
                dirs.push(parent.join(&p(dir)));
            }
        }
    };
    scan(ctx, &p("skills"), &mut dirs);
    for e in extra {
        if ctx.is_file(&e.join(&p("SKILL.md")))
            || (e.is_root() && ctx.listing.contains(&ctx.abs(&p("SKILL.md"))))
        {
            dirs.push(e.clone());
        } else {
            scan(ctx, e, &mut dirs);
        }
    }
    sort_by_str(&mut dirs, SafeRelPath::as_str);
    dirs.dedup();
    dirs.into_iter()
        .map(|dir| {
            let fm = ctx.frontmatter(&dir.join(&p("SKILL.md")));
            let files = ctx.files_under(&dir);
            let name = if dir.is_root() {
                plugin_name
            } else {
                dir.file_name()
            };
            Child {
                kind: ArtifactKind::Skill,
                name: name.to_owned(),
                path: dir.clone(),
                relationship: Relationship::Member,
                description: fm.description,
                content: ChildContent::Tree { base: dir, files },
                events: Vec::new(),
            }
        })
        .collect()
}

/// Where commands come from in a manifest.
#[derive(Debug, Clone)]
pub(super) enum CommandSource {
    /// A `.md` file or a folder of them.
    Path(SafeRelPath),
    /// The object-map form: `{name: {source}}`.
    Named { name: String, path: SafeRelPath },
}

/// A command's or agent's name from its path: one `.md` extension dropped
/// (`notes.md.md` is the command `notes.md`).
fn md_stem(path: &str) -> &str {
    path.strip_suffix(".md").unwrap_or(path)
}

/// The commands or agents of a folder: each `.md` file below it (not a
/// README), named by its path below the folder.
pub(super) fn markdown_in(ctx: &Ctx<'_>, dir: &SafeRelPath) -> Vec<(String, SafeRelPath)> {
    ctx.files_under(dir)
        .into_iter()
        .filter_map(|f| {
            let rel = dir.relative(f.as_str())?;
            is_markdown_command(rel).then(|| (md_stem(rel).to_owned(), f.clone()))
        })
        .collect()
}

/// Commands: `commands/**/*.md` (not README), or exactly the manifest's.
pub(super) fn commands(ctx: &mut Ctx<'_>, spec: Option<&[CommandSource]>) -> Vec<Child> {
    let mut found: Vec<(String, SafeRelPath)> = Vec::new();
    match spec {
        None => found = markdown_in(ctx, &p("commands")),
        Some(sources) => {
            for s in sources {
                match s {
                    CommandSource::Path(path) if ctx.is_file(path) => {
                        let stem = md_stem(path.file_name()).to_owned();
                        found.push((stem, path.clone()));
                    }
                    CommandSource::Path(path) => found.extend(markdown_in(ctx, path)),
                    CommandSource::Named { name, path } => found.push((name.clone(), path.clone())),
                }
            }
        }
    }
    markdown_children(ctx, ArtifactKind::Command, found)
}

/// Agents: `agents/**/*.md` (not README), or exactly the manifest's files.
pub(super) fn agents(ctx: &mut Ctx<'_>, spec: Option<&[SafeRelPath]>) -> Vec<Child> {
    let found: Vec<(String, SafeRelPath)> = match spec {
        None => markdown_in(ctx, &p("agents")),
        Some(files) => files
            .iter()
            .map(|f| (md_stem(f.file_name()).to_owned(), f.clone()))
            .collect(),
    };
    markdown_children(ctx, ArtifactKind::Agent, found)
}

fn markdown_children(
    ctx: &mut Ctx<'_>,
    kind: ArtifactKind,
    mut found: Vec<(String, SafeRelPath)>,
) -> Vec<Child> {
    sort_by_str(&mut found, |f| f.1.as_str());
    found.dedup_by(|a, b| a.1 == b.1);
    let mut out = Vec::new();
    for (name, path) in found {
        let fm = ctx.frontmatter(&path);
        out.push(Child {
            kind,
            name,
            path,
            relationship: Relationship::Member,
            description: fm.description,
            content: ChildContent::File,
            events: Vec::new(),
        });
    }
    out
}

/// Every child's name is a name ([`check_name`]), and no two children of
/// one kind have the same [`name_key`]: that pair is one artifact to the
/// collection. Errors name the child's file (for an MCP server, the `.json`
/// it is declared in).
pub(super) fn check_children(ctx: &Ctx<'_>, children: &[Child]) -> Result<()> {
    for c in children {
        check_name(c.kind, &c.name).map_err(|reason| Error::InvalidName {
            file: ctx.abs(&c.path).display().to_owned(),
            kind: c.kind,
            name: c.name.clone(),
            reason,
        })?;
    }
    let mut keys: Vec<(String, usize)> = children
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("{}\0{}", c.kind.as_str(), name_key(&c.name)), i))
        .collect();
    sort_by_str(&mut keys, |k| k.0.as_str());
    match keys.windows(2).find(|w| w[0].0 == w[1].0) {
        Some([(_, a), (_, b)]) => {
            let (a, b) = (&children[*a], &children[*b]);
            Err(Error::NameClash {
                kind: a.kind,
                first: ctx.abs(&a.path).display().to_owned(),
                first_name: a.name.clone(),
                second: ctx.abs(&b.path).display().to_owned(),
                second_name: b.name.clone(),
            })
        }
        _ => Ok(()),
    }
}

/// The one hook artifact: `hooks/hooks.json` and the manifest's hook files,
/// every file under `hooks/`, and each file a hook command names through
/// `${CLAUDE_PLUGIN_ROOT}`. Configs that declare no event (`"hooks": {}`,
/// no `hooks` key) give Claude Code no hooks: when every config is such,
/// there is no hook artifact and its files are the plugin's meta files.
pub(super) fn hooks(
    ctx: &mut Ctx<'_>,
    plugin_name: &str,
    extra: &[SafeRelPath],
) -> Result<Option<Child>> {
    let configs = hook_configs(ctx, extra);
    let mut read: Vec<(SafeRelPath, Value)> = Vec::with_capacity(configs.len());
    for config in configs {
        let json = ctx.read_json(&config)?;
        read.push((config, json));
    }
    let mut events: Vec<String> = Vec::new();
    let mut any_events = false;
    for (config, json) in &read {
        match config_events(json) {
            Some(found) if found.is_empty() => {
                let file = ctx.abs(config);
                ctx.warn(format!(
                    "{file}: declares no hook event (its `hooks` object is empty): Claude Code loads no hooks from it"
                ));
            }
            Some(found) => {
                any_events = true;
                events.extend(found);
            }
            // Another shape (an array of hooks …): kept as the plugin's
            // hook config, with no event Claude Code would read.
            None => any_events = true,
        }
    }
    if !any_events {
        return Ok(None);
    }
    sort_by_str(&mut events, String::as_str);
    events.dedup();
    let mut files: Vec<SafeRelPath> = ctx.files_under(&p("hooks"));
    let mut description = None;
    for (config, json) in &read {
        if description.is_none() {
            description = json
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        files.extend(referenced_files(ctx, json));
        files.push(config.clone());
    }
    sort_by_str(&mut files, SafeRelPath::as_str);
    files.dedup();
    Ok(Some(Child {
        kind: ArtifactKind::Hook,
        name: plugin_name.to_owned(),
        path: read[0].0.clone(),
        relationship: Relationship::Member,
        description,
        content: ChildContent::Tree {
            base: SafeRelPath::root(),
            files,
        },
        events,
    }))
}

/// `hooks/hooks.json` if there is one, then the manifest's hook files.
fn hook_configs(ctx: &mut Ctx<'_>, extra: &[SafeRelPath]) -> Vec<SafeRelPath> {
    let default = p("hooks/hooks.json");
    let mut configs: Vec<SafeRelPath> = Vec::new();
    if ctx.is_file(&default) {
        configs.push(default.clone());
    }
    for e in extra {
        if *e == default && configs.contains(&default) {
            let file = ctx.abs(&p(".claude-plugin/plugin.json"));
            ctx.warn(format!(
                "{file}: `hooks` names ./hooks/hooks.json, which is loaded anyway (Claude Code reports a duplicate hooks file)"
            ));
            continue;
        }
        configs.push(e.clone());
    }
    configs
}

/// The events of a hooks config as Claude Code reads them: the keys of its
/// `hooks` object; none for a config with nothing but a `description`, or
/// a `hooks` of `null`; `None` for any other shape (a `hooks` array, events
/// at the top level …), which stays a hook config as it was.
pub(super) fn config_events(config: &Value) -> Option<Vec<String>> {
    match config.get("hooks") {
        Some(Value::Object(map)) => Some(map.keys().cloned().collect()),
        Some(Value::Null) => Some(Vec::new()),
        None if config
            .as_object()
            .is_some_and(|m| m.keys().all(|k| k == "description" || k == "$schema")) =>
        {
            Some(Vec::new())
        }
        _ => None,
    }
}

/// The plugin's files the config's commands name through
/// `${CLAUDE_PLUGIN_ROOT}`.
fn referenced_files(ctx: &Ctx<'_>, config: &Value) -> Vec<SafeRelPath> {
    let mut commands = Vec::new();
    collect_commands(config, &mut commands);
    let mut out = Vec::new();
    for cmd in commands {
        for referenced in plugin_root_references(&cmd) {
            let Ok(rel) = SafeRelPath::new(&referenced) else {
                continue;
            };
            if ctx.is_file(&rel) {
                out.push(rel);
            } else {
                out.extend(ctx.files_under(&rel));
            }
        }
    }
    out
}

fn collect_commands(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("command", Value::String(s)) => out.push(s.clone()),
                    _ => collect_commands(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_commands(v, out)),
        _ => {}
    }
}

/// Paths written as `${CLAUDE_PLUGIN_ROOT}/x/y` or `$CLAUDE_PLUGIN_ROOT/x/y`.
pub(super) fn plugin_root_references(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["${CLAUDE_PLUGIN_ROOT}/", "$CLAUDE_PLUGIN_ROOT/"] {
        let mut rest = command;
        while let Some(i) = frontmatter::find(rest, marker) {
            rest = &rest[i + marker.len()..];
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | ')' | '`' | '$')
                })
                .unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches('/');
            if !path.is_empty() {
                out.push(path.to_owned());
            }
        }
    }
    out
}

/// Where the servers of one kind (MCP, LSP) come from.
#[derive(Debug, Clone, Default)]
pub(super) struct ServerSpec {
    pub files: Vec<SafeRelPath>,
    /// Whether the manifest's own key (`mcpServers`, `lspServers`) holds
    /// inline maps (read from the manifest itself, so they are not copied
    /// out of it).
    pub inline: bool,
}

/// One server of `kind` per entry of its default file (`.mcp.json`,
/// `.lsp.json`), of the files the manifest names, and of the manifest's
/// inline maps, in that order (as Claude Code loads them); a later
/// declaration of a name replaces an earlier one.
pub(super) fn servers(
    ctx: &mut Ctx<'_>,
    kind: ArtifactKind,
    spec: &ServerSpec,
    manifest: Option<&Value>,
) -> Result<Vec<Child>> {
    let info = kind.info();
    let mut files: Vec<(SafeRelPath, Value)> = Vec::new();
    let default = p(info.default_location);
    if ctx.is_file(&default) {
        files.push((default.clone(), ctx.read_json(&default)?));
    }
    for f in &spec.files {
        if *f != default {
            files.push((f.clone(), ctx.read_json(f)?));
        }
    }
    let manifest_file = p(".claude-plugin/plugin.json");
    let declared_inline = info.manifest_key.and_then(|k| manifest?.get(k));
    let inline: Vec<&Value> = match declared_inline {
        _ if !spec.inline => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter(|v| v.is_object()).collect(),
        Some(map @ Value::Object(_)) => vec![map],
        _ => Vec::new(),
    };
    let declared = files
        .iter()
        .map(|(source, value)| (source, value))
        .chain(inline.into_iter().map(|value| (&manifest_file, value)));
    let mut out: Vec<Child> = Vec::new();
    for (source, value) in declared {
        let file = ctx.abs(source).as_str().to_owned();
        for (name, entry) in mcp::servers_of(kind, &file, value)? {
            out.retain(|c| c.name != *name);
            out.push(Child {
                kind,
                name: name.clone(),
                path: source.clone(),
                relationship: Relationship::Member,
                description: entry
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                content: ChildContent::Inline {
                    json: mcp::canonical_json(entry),
                },
                events: Vec::new(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::plugin_root_references;

    #[test]
    fn references() {
        for (cmd, expected) in [
            (
                r#""${CLAUDE_PLUGIN_ROOT}/hooks/run-hook.cmd" session-start"#,
                vec!["hooks/run-hook.cmd"],
            ),
            (
                "python3 $CLAUDE_PLUGIN_ROOT/scripts/check.py --x",
                vec!["scripts/check.py"],
            ),
            (
                "bash ${CLAUDE_PLUGIN_ROOT}/a.sh && ${CLAUDE_PLUGIN_ROOT}/lib/",
                vec!["a.sh", "lib"],
            ),
            ("echo hi", vec![]),
        ] {
            assert_eq!(plugin_root_references(cmd), expected, "{cmd}");
        }
    }
}
