//! Hooks merged into `.claude/settings.json` and MCP servers into
//! `.mcp.json`: add-only, never taking the user's entries. A previous
//! deployment's entries are taken out first, so a redeploy replaces them.

use std::collections::BTreeMap;

use serde_json::Value;
use skillmeat_core::{ArtifactKind, ContentHash};

use super::hooks;
use super::json_file::JsonFile;
use super::plan::{Action, Operation};
use super::project::Project;
use super::record::{
    Deployment, MCP, OwnedHook, OwnedServer, Record, ReplacedServer, SETTINGS, place,
};
use super::units::{Target, Unit};
use crate::collection::Collection;
use crate::error::{Error, Result};

/// The two shared files after a deployment's merges, and what it owns in them.
#[derive(Debug)]
pub struct Merged {
    pub settings: JsonFile,
    pub mcp: JsonFile,
    pub hooks: Vec<OwnedHook>,
    pub servers: Vec<OwnedServer>,
    pub replaced: Vec<ReplacedServer>,
    /// The user's changes to our servers that `--force` replaces: kept in
    /// backup files beside `.mcp.json`.
    pub displaced: Vec<(String, Value)>,
    pub ops: Vec<Operation>,
    pub warnings: Vec<String>,
}

/// What the other deployments of the project own in the shared files.
#[derive(Debug, Default)]
pub struct Others<'r> {
    hooks: Vec<(&'r str, &'r Value, &'r str)>,
    servers: BTreeMap<&'r str, (&'r Value, &'r str)>,
}

impl<'r> Others<'r> {
    pub fn of(record: &'r Record, except: (ArtifactKind, &str)) -> Others<'r> {
        let mut others = Others::default();
        for d in record
            .deployments
            .iter()
            .filter(|d| !d.is(except.0, except.1))
        {
            for h in &d.hooks {
                others.hooks.push((&h.event, &h.group, &d.name));
            }
            for s in &d.mcp_servers {
                others.servers.insert(&s.name, (&s.config, &d.name));
            }
        }
        others
    }

    fn hook(&self, event: &str, group: &Value) -> bool {
        self.hooks
            .iter()
            .any(|(e, g, _)| *e == event && *g == group)
    }
}

/// Merges a deployment's hooks and MCP servers (`unpacked`; a native
/// plugin merges none, and only takes out what an earlier unpacked
/// deployment of it merged).
pub fn deploy(
    collection: &Collection,
    project: &Project,
    target: &Target,
    previous: Option<&Deployment>,
    others: &Others,
    (force, unpacked): (bool, bool),
) -> Result<Merged> {
    let mut ops = Vec::new();
    let mut warnings = Vec::new();
    let mut settings = JsonFile::load(project, &place(SETTINGS.to_owned())?)?;
    let groups = match unpacked {
        true => hook_groups(collection, target, &mut warnings)?,
        false => Vec::new(),
    };
    let hooks = merge_hooks(&mut settings, previous, others, &groups, &mut ops)?;
    let mut mcp = JsonFile::load(project, &place(MCP.to_owned())?)?;
    let servers = match unpacked {
        true => servers(collection, target, &mut warnings)?,
        false => Vec::new(),
    };
    let ctx = ServerMerge {
        previous,
        others,
        force,
    };
    let merged = ctx.merge(&mut mcp, servers, &mut ops)?;
    Ok(Merged {
        settings,
        mcp,
        hooks,
        servers: merged.owned,
        replaced: merged.replaced,
        displaced: merged.displaced,
        ops,
        warnings,
    })
}

/// A stored blob's bytes, checked against its hash.
pub fn read_blob(collection: &Collection, hash: &str, artifact: &str) -> Result<Vec<u8>> {
    let hash: ContentHash = hash
        .parse()
        .map_err(|e| Error::Internal(format!("stored blob hash {hash:?}: {e}")))?;
    let path = collection.blob_path(&hash);
    let bytes = std::fs::read(&path).map_err(|source| Error::Unreadable {
        path: path.clone(),
        source,
    })?;
    if skillmeat_core::hash::hash_bytes(&bytes) != hash {
        return Err(Error::StoredContentChanged {
            artifact: artifact.to_owned(),
            blob: path,
        });
    }
    Ok(bytes)
}

/// `(artifact, event, group)` for every hook unit.
fn hook_groups(
    collection: &Collection,
    target: &Target,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String, Value)>> {
    let mut out = Vec::new();
    for u in target.units.iter().filter(|u| u.kind == ArtifactKind::Hook) {
        let plugin = u.parent.as_deref().unwrap_or(&target.artifact.name);
        let config = u
            .plugin_path
            .clone()
            .filter(|p| p.ends_with(".json"))
            .unwrap_or_else(|| "hooks/hooks.json".into());
        let Some(file) = u.files.iter().find(|f| f.path == config) else {
            continue;
        };
        let bytes = read_blob(collection, &file.blob_hash, &u.name)?;
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
            warnings.push(format!(
                "hook {}: {config} is not valid JSON; no hook of it is merged into {SETTINGS}",
                u.name
            ));
            continue;
        };
        for (event, group) in hooks::project_groups(&value, plugin) {
            out.push((u.name.clone(), event, group));
        }
    }
    Ok(out)
}

fn merge_hooks(
    settings: &mut JsonFile,
    previous: Option<&Deployment>,
    others: &Others,
    groups: &[(String, String, Value)],
    ops: &mut Vec<Operation>,
) -> Result<Vec<OwnedHook>> {
    let old = previous.map_or(&[][..], |p| &p.hooks[..]);
    if groups.is_empty() && old.is_empty() {
        return Ok(Vec::new());
    }
    let place = settings.place.clone();
    let hooks = settings.object_mut("hooks")?;
    // Take out what the previous deployment added (and no other one
    // shares), then add the new set.
    for h in old.iter().filter(|h| !others.hook(&h.event, &h.group)) {
        if let Some(Value::Array(list)) = hooks.get_mut(&h.event)
            && let Some(i) = list.iter().position(|g| *g == h.group)
        {
            list.remove(i);
        }
    }
    let mut owned = Vec::new();
    for (artifact, event, group) in groups {
        let list = hooks
            .entry(event.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else {
            return Err(Error::BadInput {
                path: place.as_str().into(),
                reason: format!("`hooks.{event}` must be an array; left untouched"),
            });
        };
        if list.contains(group) {
            // Another deployment's: shared. The user's own: it stays theirs.
            if others.hook(event, group) {
                owned.push(OwnedHook {
                    event: event.clone(),
                    group: group.clone(),
                    artifact: artifact.clone(),
                });
            }
            continue;
        }
        list.push(group.clone());
        owned.push(OwnedHook {
            event: event.clone(),
            group: group.clone(),
            artifact: artifact.clone(),
        });
        ops.push(Operation {
            action: Action::MergeHook,
            path: SETTINGS.to_owned(),
            artifact: artifact.clone(),
            detail: Some(event.clone()),
        });
    }
    prune_empty_hooks(settings);
    Ok(owned)
}

/// Each MCP server unit with its project configuration.
fn servers<'t>(
    collection: &Collection,
    target: &'t Target,
    warnings: &mut Vec<String>,
) -> Result<Vec<(&'t Unit, Value)>> {
    let mut out = Vec::new();
    for u in target
        .units
        .iter()
        .filter(|u| u.kind == ArtifactKind::McpServer)
    {
        let Some(file) = u.files.first() else {
            continue;
        };
        let bytes = read_blob(collection, &file.blob_hash, &u.name)?;
        let Ok(mut config) = serde_json::from_slice::<Value>(&bytes) else {
            warnings.push(format!(
                "MCP server {}: its stored configuration is not valid JSON; not merged into {MCP}",
                u.name
            ));
            continue;
        };
        if u.parent.is_none() && config.to_string().contains("CLAUDE_PLUGIN_ROOT") {
            warnings.push(format!(
                "MCP server {}: its configuration uses files of its plugin (${{CLAUDE_PLUGIN_ROOT}}), which deploying it alone does not bring; deploy its plugin instead",
                u.name
            ));
        }
        hooks::rewrite_mcp(&mut config, u.parent.as_deref().unwrap_or(&u.name));
        out.push((u, config));
    }
    Ok(out)
}

/// How a deployment's MCP servers merge into `.mcp.json`.
struct ServerMerge<'a, 'r> {
    previous: Option<&'a Deployment>,
    others: &'a Others<'r>,
    force: bool,
}

#[derive(Default)]
struct MergedServers {
    owned: Vec<OwnedServer>,
    replaced: Vec<ReplacedServer>,
    displaced: Vec<(String, Value)>,
}

impl ServerMerge<'_, '_> {
    fn merge(
        &self,
        mcp: &mut JsonFile,
        servers: Vec<(&Unit, Value)>,
        ops: &mut Vec<Operation>,
    ) -> Result<MergedServers> {
        let old = self.previous.map_or(&[][..], |p| &p.mcp_servers[..]);
        let mut out = MergedServers {
            replaced: self
                .previous
                .map_or_else(Vec::new, |p| p.replaced_servers.clone()),
            ..MergedServers::default()
        };
        if servers.is_empty() && old.is_empty() {
            return Ok(out);
        }
        let map = mcp.object_mut("mcpServers")?;
        for s in old {
            let shared = self
                .others
                .servers
                .get(s.name.as_str())
                .is_some_and(|(c, _)| **c == s.config);
            if map.get(&s.name) == Some(&s.config) && !shared {
                map.shift_remove(&s.name);
            }
        }
        // A server of the user's that the previous deployment replaced comes
        // back if this one no longer has a server of that name.
        out.replaced.retain(|r| {
            let still_ours = servers.iter().any(|(u, _)| u.name == r.name);
            if !still_ours && !map.contains_key(&r.name) {
                map.insert(r.name.clone(), r.config.clone());
            }
            still_ours
        });
        for (u, config) in servers {
            self.one(map, u, config, &mut out, ops);
        }
        mcp.prune_emptied("mcpServers");
        Ok(out)
    }

    /// One server: added, shared, refused, or (with `--force`) replacing
    /// what is there, which is kept.
    fn one(
        &self,
        map: &mut serde_json::Map<String, Value>,
        u: &Unit,
        config: Value,
        out: &mut MergedServers,
        ops: &mut Vec<Operation>,
    ) {
        let op = |action, detail: Option<String>| Operation {
            action,
            path: MCP.to_owned(),
            artifact: u.name.clone(),
            detail,
        };
        let owner = self.others.servers.get(u.name.as_str());
        let ours_before = self
            .previous
            .is_some_and(|p| p.mcp_servers.iter().any(|s| s.name == u.name));
        match (map.get(&u.name), owner) {
            // The user's own server, exactly ours: it stays theirs.
            (Some(existing), None) if *existing == config && !ours_before => return,
            (Some(existing), _) if *existing == config => {}
            (Some(_), Some((_, by))) => {
                let detail = format!(
                    "MCP server {:?} is deployed by {by}; undeploy it first",
                    u.name
                );
                ops.push(op(Action::Conflict, Some(detail)));
                return;
            }
            (Some(_), None) if !self.force => {
                let detail = format!("MCP server {:?} has a different configuration here", u.name);
                ops.push(op(Action::Conflict, Some(detail)));
                return;
            }
            (Some(theirs), None) if ours_before => {
                // The user changed the server we deployed: their version is
                // kept in a backup file.
                out.displaced.push((u.name.clone(), theirs.clone()));
            }
            (Some(theirs), None) => {
                out.replaced.push(ReplacedServer {
                    name: u.name.clone(),
                    config: theirs.clone(),
                });
                let detail = "the existing server of this name is kept in the deployment record and put back by undeploy";
                ops.push(op(Action::Backup, Some(detail.to_owned())));
            }
            (None, _) => {}
        }
        if map.get(&u.name) != Some(&config) {
            map.insert(u.name.clone(), config.clone());
            ops.push(op(Action::MergeMcpServer, None));
        }
        out.owned.push(OwnedServer {
            name: u.name.clone(),
            config,
            artifact: u.name.clone(),
        });
    }
}

/// What taking a deployment's entries out did.
#[derive(Debug, Default)]
pub struct TakenOut {
    pub hooks_removed: usize,
    pub servers_removed: usize,
    /// The user's servers `--force` had replaced, put back.
    pub restored: Vec<String>,
    /// Entries left because they were changed since (or another deployment
    /// shares them), said for the report.
    pub kept: Vec<String>,
    /// With `force`: servers the user changed, taken out; their
    /// configuration goes to a backup file.
    pub displaced: Vec<(String, Value)>,
}

/// Takes a deployment's entries out again (undeploy): its hooks, and its
/// MCP servers (changed ones only with `force`), putting back the user's
/// servers it replaced. Entries another deployment shares stay.
pub fn take_out(
    settings: &mut JsonFile,
    mcp: &mut JsonFile,
    dep: &Deployment,
    others: &Others,
    force: bool,
) -> TakenOut {
    let mut out = TakenOut::default();
    let mine = dep
        .hooks
        .iter()
        .filter(|h| !others.hook(&h.event, &h.group));
    for h in mine {
        let list = match settings.value.get_mut("hooks") {
            Some(Value::Object(hooks)) => hooks.get_mut(&h.event),
            _ => None,
        };
        match list {
            Some(Value::Array(list)) if list.contains(&h.group) => {
                list.retain(|g| *g != h.group);
                out.hooks_removed += 1;
            }
            _ => out.kept.push(format!(
                "a {} hook of {} in {SETTINGS} (changed or removed since deployment)",
                h.event, h.artifact
            )),
        }
    }
    prune_empty_hooks(settings);
    let Ok(map) = mcp.object_mut("mcpServers") else {
        return out;
    };
    for s in &dep.mcp_servers {
        let shared = others
            .servers
            .get(s.name.as_str())
            .is_some_and(|(c, _)| **c == s.config);
        match map.get(&s.name) {
            None => {}
            Some(_) if shared => {}
            Some(c) if *c == s.config => {
                map.shift_remove(&s.name);
                out.servers_removed += 1;
            }
            Some(c) if force => {
                out.displaced.push((s.name.clone(), c.clone()));
                map.shift_remove(&s.name);
                out.servers_removed += 1;
            }
            Some(_) => out.kept.push(format!(
                "MCP server {:?} in {MCP} (changed since deployment; --force backs it up and removes it)",
                s.name
            )),
        }
    }
    for r in &dep.replaced_servers {
        if !map.contains_key(&r.name) {
            map.insert(r.name.clone(), r.config.clone());
            out.restored.push(r.name.clone());
        }
    }
    mcp.prune_emptied("mcpServers");
    out
}

/// Drops the `hooks` events we emptied, and `hooks` itself if we emptied it.
fn prune_empty_hooks(settings: &mut JsonFile) {
    let before = settings.loaded.get("hooks").cloned();
    if let Some(Value::Object(h)) = settings.value.get_mut("hooks") {
        h.retain(|event, v| {
            let emptied = matches!(v, Value::Array(a) if a.is_empty());
            let was_empty = matches!(before.as_ref().and_then(|b| b.get(event)), Some(Value::Array(a)) if a.is_empty());
            !emptied || was_empty
        });
    }
    settings.prune_emptied("hooks");
}
