//! Reading a plugin root: which manifest applies and what it says.

use crate::prelude::*;
use serde_json::Value;

use super::components::{self, CommandSource, Ctx, ServerSpec};
use super::entry::Defaults;
use super::{Detection, FileReader, Listing, Plugin};
use crate::artifact::{ArtifactKind, Relationship, check_name};
use crate::error::{Error, PathProblem, Result};
use crate::path::SafeRelPath;
use crate::spans::info_span;

pub(super) const CLAUDE_MANIFEST: &str = ".claude-plugin/plugin.json";
const LEGACY_MANIFESTS: [&str; 2] = ["plugin.json", "composite.json"];

/// Component paths a manifest declares (plugin-relative).
#[derive(Debug, Default)]
pub(super) struct Components {
    pub skills: Vec<SafeRelPath>,
    pub commands: Option<Vec<CommandSource>>,
    pub agents: Option<Vec<SafeRelPath>>,
    hooks: Vec<SafeRelPath>,
    mcp: ServerSpec,
    lsp: ServerSpec,
    /// The earlier system's explicit `members`.
    members: Option<Vec<Member>>,
    /// Declared parts that stay in the manifest but are not children
    /// (inline command `content`, inline hooks, bundled or remote MCP
    /// servers): reported as warnings, never dropped silently.
    pub notes: Vec<String>,
}

#[derive(Debug)]
struct Member {
    path: SafeRelPath,
    kind: ArtifactKind,
    relationship: Relationship,
}

/// The plugin rooted at `root`, if there is one: Claude Code manifest, then
/// legacy manifest, then the heuristic: a folder with no manifest and any
/// component Claude Code would load from it, named after the folder.
pub(super) fn plugin_at(
    listing: &Listing,
    read: &dyn FileReader,
    root: &SafeRelPath,
    folder_name: &str,
    others: &[SafeRelPath],
) -> Result<Option<Plugin>> {
    let ctx = Ctx {
        listing,
        read,
        root: root.clone(),
        others,
        warnings: Vec::new(),
    };
    let claude = SafeRelPath::new(CLAUDE_MANIFEST)?;
    if ctx.is_file(&claude) {
        let manifest = ctx.read_json(&claude)?;
        let file = ctx.abs(&claude).as_str().to_owned();
        return claude_plugin(ctx, &file, manifest, None).map(Some);
    }
    for legacy in LEGACY_MANIFESTS {
        let rel = SafeRelPath::new(legacy)?;
        if ctx.is_file(&rel) {
            let manifest = ctx.read_json(&rel)?;
            return legacy_plugin(ctx, &rel, manifest).map(Some);
        }
    }
    heuristic_plugin(ctx, folder_name)
}

pub(super) fn claude_plugin(
    mut ctx: Ctx<'_>,
    file: &str,
    manifest: Value,
    entry: Option<&Value>,
) -> Result<Plugin> {
    let name = required_name(file, &manifest)?;
    check_claude_name(file, &name)?;
    // What Claude Code would refuse is reported, and left out of reading.
    let mut problems = crate::validate::manifest(&manifest, &ctx);
    let usable = crate::validate::usable(&manifest, &problems);
    let mut components = claude_components(&ctx, file, &usable, SafeRelPath::from_manifest)?;
    let mut version = string_field(&manifest, "version");
    let mut description = string_field(&manifest, "description");
    if let Some(entry) = entry {
        // Appended, as Claude Code does: to the manifest's paths, or to the
        // default folder when the manifest declares none.
        let extra = claude_components(&ctx, file, entry, SafeRelPath::from_manifest)?;
        Defaults::of(&ctx).append(&mut components, extra);
        if let (Some(v), Some(ev)) = (&version, string_field(entry, "version"))
            && *v != ev
        {
            ctx.warn(format!(
                "marketplace entry declares version {ev:?} but {file} says {v:?}; plugin.json wins"
            ));
        }
        version = version.or_else(|| string_field(entry, "version"));
        description = string_field(entry, "description").or(description);
    }
    for (key, folder) in [("commands", "commands"), ("agents", "agents")] {
        if usable.get(key).is_some() && ctx.listing.is_dir(&ctx.abs(&SafeRelPath::new(folder)?)) {
            ctx.warn(format!(
                "{file}: default {folder}/ folder is ignored because the manifest sets {key:?}"
            ));
        }
    }
    problems.extend(super::validation::hook_configs(&ctx, &components.hooks));
    let mut plugin = assemble(
        ctx,
        name,
        Detection::Manifest,
        1.0,
        version,
        description,
        Some(manifest),
        components,
    )?;
    plugin.validation = crate::validate::Validation { problems };
    Ok(plugin)
}

fn legacy_plugin(mut ctx: Ctx<'_>, rel: &SafeRelPath, manifest: Value) -> Result<Plugin> {
    let file = ctx.abs(rel).as_str().to_owned();
    let name = required_name(&file, &manifest)?;
    check_folder_name(&file, &name)?;
    let mut components = claude_components(&ctx, &file, &manifest, SafeRelPath::from_lenient)?;
    if let Some(members) = manifest.get("members") {
        components.members = Some(legacy_members(&ctx, &file, members)?);
    }
    let version = string_field(&manifest, "version");
    let description = string_field(&manifest, "description");
    if manifest
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "composite")
    {
        ctx.warn(format!(
            "{file}: `type` is not \"composite\"; read as a plugin anyway"
        ));
    }
    assemble(
        ctx,
        name,
        Detection::LegacyManifest,
        0.95,
        version,
        description,
        Some(manifest),
        components,
    )
}

fn heuristic_plugin(ctx: Ctx<'_>, folder_name: &str) -> Result<Option<Plugin>> {
    let mut probe = Ctx {
        listing: ctx.listing,
        read: ctx.read,
        root: ctx.root.clone(),
        others: ctx.others,
        warnings: Vec::new(),
    };
    let root_skill = probe.is_file(&SafeRelPath::new("SKILL.md")?);
    let kinds = [
        root_skill || !components::skills(&mut probe, folder_name, &[]).is_empty(),
        !components::commands(&mut probe, None).is_empty(),
        !components::agents(&mut probe, None).is_empty(),
        probe.is_file(&SafeRelPath::new("hooks/hooks.json")?),
        probe.is_file(&SafeRelPath::new(".mcp.json")?),
        probe.is_file(&SafeRelPath::new(".lsp.json")?),
    ]
    .into_iter()
    .filter(|k| *k)
    .count();
    if kinds == 0 || folder_name.is_empty() {
        return Ok(None);
    }
    let confidence = 0.5 + 0.1 * kinds as f64;
    let name = folder_name.to_owned();
    check_folder_name(folder_name, &name)?;
    assemble(
        ctx,
        name,
        Detection::Heuristic,
        confidence,
        None,
        None,
        None,
        Components::default(),
    )
    .map(Some)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn assemble(
    mut ctx: Ctx<'_>,
    name: String,
    detection: Detection,
    confidence: f64,
    version: Option<String>,
    description: Option<String>,
    manifest: Option<Value>,
    components: Components,
) -> Result<Plugin> {
    let span = info_span!("composite.detect", plugin_name = %name, strategy = detection.as_str(), child_count = tracing::field::Empty);
    let _guard = span.enter();
    let mut children = Vec::new();
    for note in &components.notes {
        ctx.warn(note.clone());
    }
    match &components.members {
        Some(members) => {
            for m in members {
                children.extend(member_children(&mut ctx, &name, m)?);
            }
        }
        None => {
            // Claude Code loads a plugin with a root SKILL.md, no skills/
            // folder and no `skills` key as that one skill.
            let root_skill = components.skills.is_empty()
                && ctx.files_under(&SafeRelPath::new("skills")?).is_empty()
                && ctx.is_file(&SafeRelPath::new("SKILL.md")?);
            let skills = if root_skill {
                vec![SafeRelPath::root()]
            } else {
                components.skills.clone()
            };
            children.extend(components::skills(&mut ctx, &name, &skills));
            children.extend(components::commands(
                &mut ctx,
                components.commands.as_deref(),
            ));
            children.extend(components::agents(&mut ctx, components.agents.as_deref()));
            children.extend(components::hooks(&mut ctx, &name, &components.hooks)?);
            for (kind, spec) in [
                (ArtifactKind::McpServer, &components.mcp),
                (ArtifactKind::LspServer, &components.lsp),
            ] {
                children.extend(components::servers(
                    &mut ctx,
                    kind,
                    spec,
                    manifest.as_ref(),
                )?);
            }
        }
    }
    components::check_children(&ctx, &children)?;
    span.record("child_count", children.len());
    let files = ctx.files_under(&SafeRelPath::root());
    Ok(Plugin {
        name,
        root: ctx.root,
        detection,
        confidence,
        version,
        description,
        manifest,
        children,
        files,
        warnings: ctx.warnings,
        validation: crate::validate::Validation::default(),
    })
}

fn member_children(ctx: &mut Ctx<'_>, plugin: &str, m: &Member) -> Result<Vec<super::Child>> {
    use super::{Child, ChildContent};
    let mut out = match m.kind {
        ArtifactKind::Skill => components::skills(ctx, plugin, core::slice::from_ref(&m.path))
            .into_iter()
            .filter(|c| c.path == m.path)
            .collect(),
        ArtifactKind::Command | ArtifactKind::Agent if ctx.is_file(&m.path) => {
            let spec = [CommandSource::Path(m.path.clone())];
            if m.kind == ArtifactKind::Command {
                components::commands(ctx, Some(&spec))
            } else {
                components::agents(ctx, Some(core::slice::from_ref(&m.path)))
            }
        }
        ArtifactKind::Hook => components::hooks(ctx, plugin, core::slice::from_ref(&m.path))?
            .into_iter()
            .collect(),
        ArtifactKind::McpServer | ArtifactKind::LspServer => components::servers(
            ctx,
            m.kind,
            &ServerSpec {
                files: vec![m.path.clone()],
                inline: false,
            },
            None,
        )?,
        // A folder-shaped command or agent (the earlier system's layout).
        ArtifactKind::Command | ArtifactKind::Agent => vec![Child {
            kind: m.kind,
            name: m.path.file_name().to_owned(),
            path: m.path.clone(),
            relationship: m.relationship,
            description: None,
            content: ChildContent::Tree {
                base: m.path.clone(),
                files: ctx.files_under(&m.path),
            },
            events: Vec::new(),
        }],
        ArtifactKind::Composite => Vec::new(),
    };
    for c in &mut out {
        c.relationship = m.relationship;
    }
    Ok(out)
}

fn legacy_members(ctx: &Ctx<'_>, file: &str, members: &Value) -> Result<Vec<Member>> {
    let items = members
        .as_array()
        .ok_or_else(|| manifest_err(file, "members", "expected an array"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |f: &str| format!("members[{i}].{f}");
        let raw = item
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| manifest_err(file, &field("path"), "required string"))?;
        let path =
            SafeRelPath::from_lenient(raw).map_err(|p| path_err(file, &field("path"), raw, p))?;
        let kind_raw = item
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| manifest_err(file, &field("type"), "required string"))?;
        let kind: ArtifactKind = kind_raw
            .parse()
            .map_err(|e: String| manifest_err(file, &field("type"), &e))?;
        if kind == ArtifactKind::Composite {
            return Err(manifest_err(
                file,
                &field("type"),
                "a plugin cannot contain a plugin",
            ));
        }
        let relationship = match item.get("relationship").and_then(Value::as_str) {
            Some(r) => r
                .parse()
                .map_err(|e: String| manifest_err(file, &field("relationship"), &e))?,
            None => Relationship::Member,
        };
        if !ctx.is_file(&path) && !ctx.listing.is_dir(&ctx.abs(&path)) {
            return Err(manifest_err(
                file,
                &field("path"),
                &format!("{raw:?} not found in the plugin"),
            ));
        }
        out.push(Member {
            path,
            kind,
            relationship,
        });
    }
    Ok(out)
}

type PathParser = fn(&str) -> core::result::Result<SafeRelPath, PathProblem>;

/// Component keys of a Claude Code manifest (or marketplace entry).
pub(super) fn claude_components(
    ctx: &Ctx<'_>,
    file: &str,
    manifest: &Value,
    parse: PathParser,
) -> Result<Components> {
    let mut c = Components::default();
    let exists = |field: &str, raw: &str, rel: &SafeRelPath| -> Result<()> {
        if rel.is_root() || ctx.is_file(rel) || ctx.listing.is_dir(&ctx.abs(rel)) {
            Ok(())
        } else {
            Err(manifest_err(
                file,
                field,
                &format!("path {raw:?} not found in the plugin"),
            ))
        }
    };
    if let Some(v) = manifest.get("skills") {
        for (field, raw) in strings(file, "skills", v)? {
            let rel = parse(&raw).map_err(|p| path_err(file, &field, &raw, p))?;
            exists(&field, &raw, &rel)?;
            c.skills.push(rel);
        }
    }
    if let Some(v) = manifest.get("commands") {
        let mut sources = Vec::new();
        if let Value::Object(map) = v {
            // By name, so errors and notes come in one order whether or not
            // serde_json keeps key order (see `mcp::servers`).
            for name in crate::mcp::sorted_keys(map) {
                let spec = &map[name.as_str()];
                let field = format!("commands.{name}");
                match spec.get("source").and_then(Value::as_str) {
                    Some(raw) => {
                        check_name(ArtifactKind::Command, name).map_err(|reason| {
                            Error::InvalidName {
                                file: file.to_owned(),
                                kind: ArtifactKind::Command,
                                name: name.clone(),
                                reason,
                            }
                        })?;
                        let rel = parse(raw).map_err(|p| path_err(file, &field, raw, p))?;
                        exists(&field, raw, &rel)?;
                        sources.push(CommandSource::Named {
                            name: name.clone(),
                            path: rel,
                        });
                    }
                    None if spec.get("content").is_some() => c.notes.push(format!(
                        "{file}: {field} has inline `content`: it stays in the manifest and is not imported as a command artifact"
                    )),
                    None => return Err(manifest_err(file, &field, "needs `source` or `content`")),
                }
            }
        } else {
            for (field, raw) in strings(file, "commands", v)? {
                let rel = parse(&raw).map_err(|p| path_err(file, &field, &raw, p))?;
                exists(&field, &raw, &rel)?;
                sources.push(CommandSource::Path(rel));
            }
        }
        c.commands = Some(sources);
    }
    if let Some(v) = manifest.get("agents") {
        let mut files = Vec::new();
        for (field, raw) in strings(file, "agents", v)? {
            let rel = parse(&raw).map_err(|p| path_err(file, &field, &raw, p))?;
            if !ctx.is_file(&rel) || !raw.ends_with(".md") {
                return Err(manifest_err(
                    file,
                    &field,
                    &format!("{raw:?} must be an existing .md file (folders are not accepted)"),
                ));
            }
            files.push(rel);
        }
        c.agents = Some(files);
    }
    if let Some(v) = manifest.get("hooks") {
        for (i, item) in one_or_many(v).into_iter().enumerate() {
            let field = if v.is_array() {
                format!("hooks[{i}]")
            } else {
                "hooks".into()
            };
            match item {
                Value::String(raw) => {
                    let rel = parse(raw).map_err(|p| path_err(file, &field, raw, p))?;
                    if !ctx.is_file(&rel) {
                        return Err(manifest_err(
                            file,
                            &field,
                            &format!("{raw:?} not found in the plugin"),
                        ));
                    }
                    c.hooks.push(rel);
                }
                Value::Object(_) => c.notes.push(format!(
                    "{file}: {field} is an inline hooks object: it stays in the manifest and is not part of the hook artifact (not merged on deploy)"
                )),
                _ => {
                    return Err(manifest_err(
                        file,
                        &field,
                        "expected a path or an inline hooks object",
                    ));
                }
            }
        }
    }
    if let Some(v) = manifest.get("mcpServers") {
        c.mcp = server_spec(ctx, file, "mcpServers", v, parse, &mut c.notes)?;
    }
    if let Some(v) = manifest.get("lspServers") {
        c.lsp = server_spec(ctx, file, "lspServers", v, parse, &mut c.notes)?;
    }
    Ok(c)
}

/// A manifest's `mcpServers` or `lspServers`: a path, an inline map, or an
/// array of either. An MCP path that is not a `.json` (a bundle, a URL)
/// stays in the manifest with a note; Claude Code reads any LSP path as
/// JSON.
fn server_spec(
    ctx: &Ctx<'_>,
    file: &str,
    key: &str,
    v: &Value,
    parse: PathParser,
    notes: &mut Vec<String>,
) -> Result<ServerSpec> {
    let mut spec = ServerSpec::default();
    let mcp = key == "mcpServers";
    for (i, item) in one_or_many(v).into_iter().enumerate() {
        let field = if v.is_array() {
            format!("{key}[{i}]")
        } else {
            key.into()
        };
        match item {
            Value::String(raw) if !mcp || raw.ends_with(".json") => {
                let rel = parse(raw).map_err(|p| path_err(file, &field, raw, p))?;
                if !ctx.is_file(&rel) {
                    return Err(manifest_err(
                        file,
                        &field,
                        &format!("{raw:?} not found in the plugin"),
                    ));
                }
                spec.files.push(rel);
            }
            Value::String(raw) => notes.push(format!(
                "{file}: {field} {raw:?} is a bundle or a URL: it stays in the manifest and is not imported as an MCP server"
            )),
            Value::Object(_) => spec.inline = true,
            _ => {
                return Err(manifest_err(
                    file,
                    &field,
                    "expected a path or an inline map of servers",
                ));
            }
        }
    }
    Ok(spec)
}

fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// A string or an array of strings, each with its field name for errors.
fn strings(file: &str, key: &str, v: &Value) -> Result<Vec<(String, String)>> {
    match v {
        Value::String(s) => Ok(vec![(key.to_owned(), s.clone())]),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let field = format!("{key}[{i}]");
                match item.as_str() {
                    Some(s) => out.push((field, s.to_owned())),
                    None => return Err(manifest_err(file, &field, "expected a path string")),
                }
            }
            Ok(out)
        }
        _ => Err(manifest_err(
            file,
            key,
            "expected a path or an array of paths",
        )),
    }
}

pub(super) fn required_name(file: &str, manifest: &Value) -> Result<String> {
    if !manifest.is_object() {
        return Err(manifest_err(
            file,
            "-",
            "the manifest must be a JSON object",
        ));
    }
    match manifest.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(_) => Err(manifest_err(file, "name", "must be a non-empty string")),
        None => Err(manifest_err(file, "name", "is required")),
    }
}

/// Claude Code's rule: no spaces, `@`, `:`, path separators or controls.
pub(super) fn check_claude_name(file: &str, name: &str) -> Result<()> {
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '@' | ':' | '/' | '\\') || c.is_control())
    {
        return Err(manifest_err(
            file,
            "name",
            &format!(
                "{name:?} contains {c:?}; plugin names cannot contain spaces, '@', ':', path separators or control characters"
            ),
        ));
    }
    check_folder_name(file, name)
}

/// Any plugin name becomes a folder name: it must be a name
/// ([`check_name`]) and one safe component.
fn check_folder_name(file: &str, name: &str) -> Result<()> {
    check_name(ArtifactKind::Composite, name).map_err(|reason| Error::InvalidName {
        file: file.to_owned(),
        kind: ArtifactKind::Composite,
        name: name.to_owned(),
        reason,
    })?;
    if name.contains('/') || SafeRelPath::new(name).is_err() || name.starts_with('.') {
        return Err(manifest_err(
            file,
            "name",
            &format!("{name:?} cannot be used as a folder name"),
        ));
    }
    Ok(())
}

pub(super) fn string_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn manifest_err(file: &str, field: &str, reason: &str) -> Error {
    Error::Manifest {
        file: file.to_owned(),
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

fn path_err(file: &str, field: &str, raw: &str, problem: PathProblem) -> Error {
    manifest_err(file, field, &format!("{raw:?}: {problem}"))
}
