//! Hooks merged into `.claude/settings.json` and MCP servers into
//! `.mcp.json`: add-only, never taking the user's entries. A previous
//! deployment's entries are taken out first, so a redeploy replaces them.

use serde_json::Value;
use skillmeat_core::{ArtifactKind, ContentHash};

use super::hooks;
use super::json_file::JsonFile;
use super::plan::{Action, Operation};
use super::project::Project;
use super::record::{Deployment, MCP, OwnedHook, OwnedServer, ReplacedServer, SETTINGS, place};
use super::units::{Target, Unit};
use crate::collection::Collection;
use crate::collection::layout::blob_path;
use crate::error::{Error, Result};

/// The two shared files after a deployment's merges, and what it owns in them.
#[derive(Debug)]
pub struct Merged {
    pub settings: JsonFile,
    pub mcp: JsonFile,
    pub hooks: Vec<OwnedHook>,
    pub servers: Vec<OwnedServer>,
    pub replaced: Vec<ReplacedServer>,
    pub ops: Vec<Operation>,
}

pub fn deploy(
    collection: &Collection,
    project: &Project,
    target: &Target,
    previous: Option<&Deployment>,
    force: bool,
) -> Result<Merged> {
    let mut ops = Vec::new();
    let mut settings = JsonFile::load(project, &place(SETTINGS.to_owned())?)?;
    let groups = hook_groups(collection, target)?;
    let hooks = merge_hooks(&mut settings, previous, &groups, &mut ops)?;
    let mut mcp = JsonFile::load(project, &place(MCP.to_owned())?)?;
    let servers = servers(collection, target)?;
    let (servers, replaced) = merge_servers(&mut mcp, previous, servers, force, &mut ops)?;
    Ok(Merged {
        settings,
        mcp,
        hooks,
        servers,
        replaced,
        ops,
    })
}

/// A stored blob's bytes, checked against its hash.
pub fn read_blob(collection: &Collection, hash: &str, artifact: &str) -> Result<Vec<u8>> {
    let hash: ContentHash = hash
        .parse()
        .map_err(|e| Error::Internal(format!("stored blob hash {hash:?}: {e}")))?;
    let path = blob_path(&collection.dir, &hash);
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
fn hook_groups(collection: &Collection, target: &Target) -> Result<Vec<(String, String, Value)>> {
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
    groups: &[(String, String, Value)],
    ops: &mut Vec<Operation>,
) -> Result<Vec<OwnedHook>> {
    let old = previous.map_or(&[][..], |p| &p.hooks[..]);
    if groups.is_empty() && old.is_empty() {
        return Ok(Vec::new());
    }
    let place = settings.place.clone();
    let hooks = settings.object_mut("hooks")?;
    // Take out what the previous deployment added, then add the new set.
    for h in old {
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
            // The user has exactly this group already: it stays theirs.
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
fn servers<'t>(collection: &Collection, target: &'t Target) -> Result<Vec<(&'t Unit, Value)>> {
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
            continue;
        };
        hooks::rewrite_mcp(&mut config, u.parent.as_deref().unwrap_or(&u.name));
        out.push((u, config));
    }
    Ok(out)
}

type Servers = (Vec<OwnedServer>, Vec<ReplacedServer>);

fn merge_servers(
    mcp: &mut JsonFile,
    previous: Option<&Deployment>,
    servers: Vec<(&Unit, Value)>,
    force: bool,
    ops: &mut Vec<Operation>,
) -> Result<Servers> {
    let old = previous.map_or(&[][..], |p| &p.mcp_servers[..]);
    let mut replaced = previous.map_or_else(Vec::new, |p| p.replaced_servers.clone());
    if servers.is_empty() && old.is_empty() {
        return Ok((Vec::new(), replaced));
    }
    let map = mcp.object_mut("mcpServers")?;
    for s in old {
        if map.get(&s.name) == Some(&s.config) {
            map.shift_remove(&s.name);
        }
    }
    // A server of the user's that the previous deployment replaced comes
    // back if this one no longer has a server of that name.
    replaced.retain(|r| {
        let still_ours = servers.iter().any(|(u, _)| u.name == r.name);
        if !still_ours && !map.contains_key(&r.name) {
            map.insert(r.name.clone(), r.config.clone());
        }
        still_ours
    });
    let mut owned = Vec::new();
    for (u, config) in servers {
        let op = |action, detail: Option<&str>| Operation {
            action,
            path: MCP.to_owned(),
            artifact: u.name.clone(),
            detail: detail.map(str::to_owned),
        };
        match map.get(&u.name) {
            Some(existing) if *existing == config => continue,
            Some(_) if !force => {
                let detail = format!("MCP server {:?} has a different configuration here", u.name);
                ops.push(op(Action::Conflict, Some(&detail)));
                continue;
            }
            Some(theirs) => {
                if !replaced.iter().any(|r| r.name == u.name) {
                    replaced.push(ReplacedServer {
                        name: u.name.clone(),
                        config: theirs.clone(),
                    });
                }
                let detail = "the existing server of this name is kept in the deployment record and put back by undeploy";
                ops.push(op(Action::Backup, Some(detail)));
            }
            None => {}
        }
        map.insert(u.name.clone(), config.clone());
        owned.push(OwnedServer {
            name: u.name.clone(),
            config,
            artifact: u.name.clone(),
        });
        ops.push(op(Action::MergeMcpServer, None));
    }
    mcp.prune_emptied("mcpServers");
    Ok((owned, replaced))
}

/// Takes a deployment's entries out again (undeploy): hooks, and MCP
/// servers (changed ones only with `force`), putting back the user's
/// servers it replaced. Returns (hooks removed, servers removed, restored).
pub fn take_out(
    settings: &mut JsonFile,
    mcp: &mut JsonFile,
    dep: &Deployment,
    force: bool,
) -> (usize, usize, Vec<String>) {
    let mut hooks_removed = 0;
    if let Some(Value::Object(hooks)) = settings.value.get_mut("hooks") {
        for h in &dep.hooks {
            if let Some(Value::Array(list)) = hooks.get_mut(&h.event)
                && let Some(i) = list.iter().position(|g| *g == h.group)
            {
                list.remove(i);
                hooks_removed += 1;
            }
        }
    }
    prune_empty_hooks(settings);
    let mut servers_removed = 0;
    let mut restored = Vec::new();
    if let Some(Value::Object(map)) = mcp.value.get_mut("mcpServers") {
        for s in &dep.mcp_servers {
            if map.get(&s.name) == Some(&s.config) || (force && map.contains_key(&s.name)) {
                map.shift_remove(&s.name);
                servers_removed += 1;
            }
        }
        for r in &dep.replaced_servers {
            if !map.contains_key(&r.name) {
                map.insert(r.name.clone(), r.config.clone());
                restored.push(r.name.clone());
            }
        }
    } else if !dep.replaced_servers.is_empty()
        && let Ok(map) = mcp.object_mut("mcpServers")
    {
        for r in &dep.replaced_servers {
            map.insert(r.name.clone(), r.config.clone());
            restored.push(r.name.clone());
        }
    }
    mcp.prune_emptied("mcpServers");
    (hooks_removed, servers_removed, restored)
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
