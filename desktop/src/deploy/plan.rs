//! Planning and applying a deployment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use skillmeat_core::ArtifactKind;
use skillmeat_core::hash::hash_bytes;

use super::json_file::JsonFile;
use super::record::{Deployment, Item, OwnedFile, OwnedHook, OwnedServer, Record};
use super::units::{self, Target, Unit};
use super::{CLAUDE_CODE, hooks, plugin_dir};
use crate::collection::Collection;
use crate::collection::layout::{SINGLE_FILE, blob_path};
use crate::error::{Error, Result};
use crate::fsx;
use crate::store::rows;
use crate::tree::hash_file;

pub const SETTINGS: &str = ".claude/settings.json";
pub const MCP: &str = ".mcp.json";

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub platform: String,
    pub use_current: bool,
    pub force: bool,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new file.
    Write,
    /// A file we wrote before, unchanged since: replaced.
    Replace,
    /// Already exactly this content.
    Unchanged,
    /// Someone else's file (or one changed since we wrote it): refused
    /// without `--force`.
    Conflict,
    /// `--force`: the existing file is kept as `<path>.skillmeat-backup`.
    Backup,
    MergeHook,
    MergeMcpServer,
    /// A file of the previous deployment that is no longer part of it.
    Remove,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub action: Action,
    pub path: String,
    pub artifact: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub kind: ArtifactKind,
    pub project: String,
    pub platform: String,
    pub dry_run: bool,
    pub operations: Vec<Operation>,
    pub warnings: Vec<String>,
    pub deployed: Vec<DeployedItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployedItem {
    pub kind: ArtifactKind,
    pub name: String,
    pub parent: Option<String>,
    pub content_hash: String,
}

/// A file to put in the project.
struct Desired {
    path: String,
    bytes: Vec<u8>,
    executable: bool,
    artifact: String,
}

pub async fn deploy(
    collection: &Collection,
    name: &str,
    project: &Path,
    opts: &Options,
) -> Result<Outcome> {
    let target = units::load(collection, name, opts.use_current).await?;
    if opts.platform != CLAUDE_CODE {
        let what = if target.artifact.kind == ArtifactKind::Composite {
            "plugin deployment"
        } else {
            "deployment"
        };
        return Err(Error::Usage(format!(
            "{what} to {} is not supported in v1",
            opts.platform
        )));
    }
    let project = canonical_project(project)?;
    let mut record = Record::load(&project)?;
    let previous = record.find(&target.artifact.name).cloned();
    let plugin_name = target.artifact.name.clone();
    let desired = desired_files(collection, &target, &plugin_name)?;

    let mut ops = Vec::new();
    let mut conflicts = Vec::new();
    let mut writes: Vec<(&Desired, bool)> = Vec::new(); // (file, needs backup)
    for d in &desired {
        let live = project.join(&d.path);
        let action = match hash_file(&live) {
            Err(_) if !fsx::exists(&live) => Action::Write,
            Err(_) => Action::Conflict,
            Ok(h) if h == hash_bytes(&d.bytes) => Action::Unchanged,
            Ok(h) => {
                let ours = previous
                    .as_ref()
                    .and_then(|p| p.files.iter().find(|f| f.path == d.path))
                    .is_some_and(|f| f.sha256 == h.to_hex());
                if ours {
                    Action::Replace
                } else {
                    Action::Conflict
                }
            }
        };
        let action = match (action, opts.force) {
            (Action::Conflict, true) => Action::Backup,
            (a, _) => a,
        };
        if action == Action::Conflict {
            conflicts.push(d.path.clone());
        }
        if matches!(action, Action::Write | Action::Replace | Action::Backup) {
            writes.push((d, action == Action::Backup));
        }
        ops.push(Operation {
            action,
            path: d.path.clone(),
            artifact: d.artifact.clone(),
            detail: None,
        });
    }
    // Files of the previous deployment that are no longer part of it.
    let wanted: BTreeSet<&str> = desired.iter().map(|d| d.path.as_str()).collect();
    let stale: Vec<OwnedFile> = previous
        .iter()
        .flat_map(|p| p.files.iter())
        .filter(|f| !wanted.contains(f.path.as_str()))
        .cloned()
        .collect();
    for f in &stale {
        ops.push(Operation {
            action: Action::Remove,
            path: f.path.clone(),
            artifact: target.artifact.name.clone(),
            detail: None,
        });
    }

    // Hooks into .claude/settings.json, MCP servers into .mcp.json.
    let mut settings = JsonFile::load(&project.join(SETTINGS))?;
    let hook_groups = hook_groups(collection, &target, &plugin_name);
    let owned_hooks = merge_hooks(&mut settings, previous.as_ref(), &hook_groups, &mut ops)?;
    let mut mcp = JsonFile::load(&project.join(MCP))?;
    let (owned_servers, mcp_conflicts) = merge_servers(
        collection,
        &mut mcp,
        previous.as_ref(),
        &target,
        opts.force,
        &mut ops,
    )?;
    conflicts.extend(mcp_conflicts);

    if !conflicts.is_empty() {
        return Err(Error::Usage(format!(
            "not deploying {}: these exist and were not written by skillmeat (or were changed since); use --force to replace them (a backup is kept):\n  {}",
            target.artifact.name,
            conflicts.join("\n  ")
        )));
    }
    let deployed = target
        .units
        .iter()
        .map(|u| DeployedItem {
            kind: u.kind,
            name: u.name.clone(),
            parent: u.parent.clone(),
            content_hash: u.content_hash.clone(),
        })
        .collect();
    let mut outcome = Outcome {
        name: target.artifact.name.clone(),
        kind: target.artifact.kind,
        project: project.display().to_string(),
        platform: opts.platform.clone(),
        dry_run: opts.dry_run,
        operations: ops,
        warnings: target.warnings.clone(),
        deployed,
    };
    if opts.dry_run {
        return Ok(outcome);
    }

    // Apply.
    let mut created_dirs = previous
        .as_ref()
        .map(|p| p.created_dirs.clone())
        .unwrap_or_default();
    for (d, backup) in &writes {
        let live = project.join(&d.path);
        note_new_dirs(&project, &live, &mut created_dirs);
        if *backup {
            let backup_path = PathBuf::from(format!("{}.skillmeat-backup", live.display()));
            std::fs::copy(&live, &backup_path).map_err(|e| Error::io(&backup_path, e))?;
        }
        fsx::write_atomic(&live, &d.bytes)?;
        fsx::set_mode(&live, d.executable)?;
    }
    for f in &stale {
        let live = project.join(&f.path);
        if hash_file(&live).is_ok_and(|h| h.to_hex() == f.sha256) {
            fsx::remove_any(&live)?;
        }
    }
    if settings.text.is_some()
        || !owned_hooks.is_empty()
        || previous.as_ref().is_some_and(|p| !p.hooks.is_empty())
    {
        record.remember_original(SETTINGS, settings.text.clone());
        note_new_dirs(&project, &settings.path, &mut created_dirs);
        prune_empty_hooks(&mut settings);
        settings.save(record.original(SETTINGS).map(|o| &o.text))?;
    }
    if !owned_servers.is_empty() || previous.as_ref().is_some_and(|p| !p.mcp_servers.is_empty()) {
        let mcp_backup = outcome
            .operations
            .iter()
            .any(|o| o.action == Action::Backup && o.path.starts_with(MCP));
        if let (true, Some(text)) = (mcp_backup, &mcp.text) {
            fsx::write_atomic(
                &project.join(format!("{MCP}.skillmeat-backup")),
                text.as_bytes(),
            )?;
        }
        record.remember_original(MCP, mcp.text.clone());
        prune_empty(&mut mcp, "mcpServers");
        mcp.save(record.original(MCP).map(|o| &o.text))?;
    }

    let mut files: Vec<OwnedFile> = desired
        .iter()
        .filter(|d| {
            // Files that were already there with our content but not ours stay theirs.
            let op = outcome.operations.iter().find(|o| o.path == d.path);
            let was_ours = previous
                .as_ref()
                .is_some_and(|p| p.files.iter().any(|f| f.path == d.path));
            !matches!(op.map(|o| o.action), Some(Action::Unchanged)) || was_ours
        })
        .map(|d| OwnedFile {
            path: d.path.clone(),
            sha256: hash_bytes(&d.bytes).to_hex(),
        })
        .collect();
    let deployed_at = fsx::now_rfc3339();
    if target.artifact.kind == ArtifactKind::Composite {
        let toml_path = format!("{}/deployment.toml", plugin_dir(&plugin_name));
        let body = deployment_toml(&target, &deployed_at);
        let live = project.join(&toml_path);
        note_new_dirs(&project, &live, &mut created_dirs);
        fsx::write_atomic(&live, body.as_bytes())?;
        files.push(OwnedFile {
            path: toml_path.clone(),
            sha256: hash_bytes(body.as_bytes()).to_hex(),
        });
        outcome.operations.push(Operation {
            action: Action::Write,
            path: toml_path,
            artifact: plugin_name.clone(),
            detail: None,
        });
    }
    let items = target
        .units
        .iter()
        .map(|u| Item {
            kind: u.kind.as_str().to_owned(),
            name: u.name.clone(),
            artifact_id: u.artifact_id.clone(),
            content_hash: u.content_hash.clone(),
            parent: u.parent.clone(),
            relationship: u.relationship.clone(),
            files: desired
                .iter()
                .filter(|d| d.artifact == u.name)
                .map(|d| d.path.clone())
                .collect(),
        })
        .collect();
    record
        .deployments
        .retain(|d| d.name != target.artifact.name);
    record.deployments.push(Deployment {
        name: target.artifact.name.clone(),
        kind: target.artifact.kind.as_str().to_owned(),
        collection: collection.name.clone(),
        artifact_id: target.artifact.id.clone(),
        content_hash: target.content_hash.clone(),
        version: target.version.clone(),
        platform: opts.platform.clone(),
        deployed_at: deployed_at.clone(),
        items,
        files,
        hooks: owned_hooks,
        mcp_servers: owned_servers,
        created_dirs,
    });
    record.save(&project)?;
    register(collection, &target, &project, &opts.platform, &deployed_at).await?;
    Ok(outcome)
}

fn canonical_project(project: &Path) -> Result<PathBuf> {
    let canonical =
        std::fs::canonicalize(project).map_err(|_| Error::NotFound(project.to_owned()))?;
    if !canonical.is_dir() {
        return Err(Error::BadInput {
            path: project.to_owned(),
            reason: "is not a folder; --project needs the project's root folder".into(),
        });
    }
    Ok(canonical)
}

/// A stored blob's bytes.
fn blob(collection: &Collection, hex: &str) -> Result<Vec<u8>> {
    let hash = hex.parse().map_err(|e| Error::Internal(format!("{e}")))?;
    let path = blob_path(&collection.dir, &hash);
    std::fs::read(&path).map_err(|e| Error::io(&path, e))
}

/// Every file the deployment puts in the project.
fn desired_files(collection: &Collection, target: &Target, plugin: &str) -> Result<Vec<Desired>> {
    let read = |hex: &str| blob(collection, hex);
    let mut out = Vec::new();
    for u in &target.units {
        let support = plugin_dir(u.parent.as_deref().unwrap_or(plugin));
        for f in &u.files {
            let path = match u.kind {
                ArtifactKind::Skill => format!(".claude/skills/{}/{}", u.name, f.path),
                ArtifactKind::Command | ArtifactKind::Agent => {
                    let dir = if u.kind == ArtifactKind::Command {
                        "commands"
                    } else {
                        "agents"
                    };
                    if f.path == SINGLE_FILE {
                        format!(".claude/{dir}/{}.md", u.name)
                    } else {
                        format!(".claude/{dir}/{}/{}", u.name, f.path)
                    }
                }
                ArtifactKind::Hook => format!("{support}/{}", f.path),
                ArtifactKind::McpServer | ArtifactKind::Composite => continue,
            };
            out.push(Desired {
                path,
                bytes: read(&f.blob_hash)?,
                executable: f.executable,
                artifact: u.name.clone(),
            });
        }
    }
    for f in &target.meta {
        out.push(Desired {
            path: format!("{}/{}", plugin_dir(plugin), f.path),
            bytes: read(&f.blob_hash)?,
            executable: f.executable,
            artifact: plugin.to_owned(),
        });
    }
    // Never the same path twice (two children cannot share a target).
    let mut seen = BTreeSet::new();
    out.retain(|d| seen.insert(d.path.clone()));
    Ok(out)
}

/// `(artifact, event, group)` for every hook unit.
fn hook_groups(
    collection: &Collection,
    target: &Target,
    plugin: &str,
) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for u in target.units.iter().filter(|u| u.kind == ArtifactKind::Hook) {
        let support_plugin = u.parent.as_deref().unwrap_or(plugin);
        let config = u
            .plugin_path
            .clone()
            .filter(|p| p.ends_with(".json"))
            .unwrap_or_else(|| "hooks/hooks.json".into());
        let Some(file) = u.files.iter().find(|f| f.path == config) else {
            continue;
        };
        let Some(value) = blob(collection, &file.blob_hash)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        else {
            continue;
        };
        for (event, group) in hooks::project_groups(&value, support_plugin) {
            out.push((u.name.clone(), event, group));
        }
    }
    out
}

fn merge_hooks(
    settings: &mut JsonFile,
    previous: Option<&Deployment>,
    groups: &[(String, String, Value)],
    ops: &mut Vec<Operation>,
) -> Result<Vec<OwnedHook>> {
    let path = settings.path.display().to_string();
    let hooks = settings.object_mut("hooks")?;
    // Take out what the previous deployment added, then add the new set.
    for old in previous.into_iter().flat_map(|p| &p.hooks) {
        if let Some(Value::Array(list)) = hooks.get_mut(&old.event)
            && let Some(i) = list.iter().position(|g| *g == old.group)
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
                path: path.clone().into(),
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
    Ok(owned)
}

fn merge_servers(
    collection: &Collection,
    mcp: &mut JsonFile,
    previous: Option<&Deployment>,
    target: &Target,
    force: bool,
    ops: &mut Vec<Operation>,
) -> Result<(Vec<OwnedServer>, Vec<String>)> {
    let servers: Vec<(&Unit, Value)> = target
        .units
        .iter()
        .filter(|u| u.kind == ArtifactKind::McpServer)
        .filter_map(|u| {
            let bytes = u
                .files
                .first()
                .and_then(|f| blob(collection, &f.blob_hash).ok())?;
            let mut config: Value = serde_json::from_slice(&bytes).ok()?;
            hooks::rewrite_mcp(&mut config, u.parent.as_deref().unwrap_or(&u.name));
            Some((u, config))
        })
        .collect();
    let had_previous = previous.is_some_and(|p| !p.mcp_servers.is_empty());
    if servers.is_empty() && !had_previous {
        return Ok((Vec::new(), Vec::new()));
    }
    let map = mcp.object_mut("mcpServers")?;
    for old in previous.into_iter().flat_map(|p| &p.mcp_servers) {
        if map.get(&old.name) == Some(&old.config) {
            map.remove(&old.name);
        }
    }
    let mut owned = Vec::new();
    let mut conflicts = Vec::new();
    for (u, config) in servers {
        match map.get(&u.name) {
            Some(existing) if *existing == config => continue,
            Some(_) if !force => {
                conflicts.push(format!(
                    "{MCP}: MCP server {:?} (a different configuration)",
                    u.name
                ));
                ops.push(Operation {
                    action: Action::Conflict,
                    path: MCP.to_owned(),
                    artifact: u.name.clone(),
                    detail: Some(
                        "a server of this name with a different configuration exists".into(),
                    ),
                });
                continue;
            }
            Some(_) => {
                ops.push(Operation {
                    action: Action::Backup,
                    path: format!("{MCP}.skillmeat-backup"),
                    artifact: u.name.clone(),
                    detail: Some(
                        "replacing a server of this name with a different configuration".into(),
                    ),
                });
            }
            None => {}
        }
        map.insert(u.name.clone(), config.clone());
        owned.push(OwnedServer {
            name: u.name.clone(),
            config,
            artifact: u.name.clone(),
        });
        ops.push(Operation {
            action: Action::MergeMcpServer,
            path: MCP.to_owned(),
            artifact: u.name.clone(),
            detail: None,
        });
    }
    Ok((owned, conflicts))
}

/// Drops `hooks` events we emptied, and `hooks` itself if empty.
pub(super) fn prune_empty_hooks(settings: &mut JsonFile) {
    if let Some(Value::Object(h)) = settings.value.get_mut("hooks") {
        h.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
    }
    prune_empty(settings, "hooks");
}

pub(super) fn prune_empty(file: &mut JsonFile, key: &str) {
    if matches!(file.value.get(key), Some(Value::Object(m)) if m.is_empty()) {
        file.value.shift_remove(key);
    }
}

/// Remembers the folders on the way to `path` that do not exist yet.
fn note_new_dirs(project: &Path, path: &Path, created: &mut Vec<String>) {
    let mut missing = Vec::new();
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == project || fsx::exists(d) {
            break;
        }
        if let Ok(rel) = d.strip_prefix(project) {
            missing.push(rel.display().to_string());
        }
        dir = d.parent();
    }
    for m in missing.into_iter().rev() {
        if !created.contains(&m) {
            created.push(m);
        }
    }
}

fn deployment_toml(target: &Target, deployed_at: &str) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        plugin: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<&'a str>,
        content_hash: String,
        deployed_at: &'a str,
        members: Vec<Member<'a>>,
    }
    #[derive(Serialize)]
    struct Member<'a> {
        kind: &'a str,
        name: &'a str,
        relationship: &'a str,
        pinned: String,
        deployed: String,
    }
    let doc = Doc {
        plugin: &target.artifact.name,
        version: target.version.as_deref(),
        content_hash: format!("sha256:{}", target.content_hash),
        deployed_at,
        members: target
            .units
            .iter()
            .map(|u| Member {
                kind: u.kind.as_str(),
                name: &u.name,
                relationship: u.relationship.as_deref().unwrap_or("MEMBER"),
                pinned: format!(
                    "sha256:{}",
                    u.pinned_hash.as_deref().unwrap_or(&u.content_hash)
                ),
                deployed: format!("sha256:{}", u.content_hash),
            })
            .collect(),
    };
    let body = toml::to_string(&doc).unwrap_or_default();
    format!(
        "# Deployed by skillmeat. Claude Code does not read this folder; the plugin's hooks use it.\n{body}"
    )
}

/// Records the deployment in the collection database (for `show`).
async fn register(
    collection: &Collection,
    target: &Target,
    project: &Path,
    platform: &str,
    at: &str,
) -> Result<()> {
    let mut tx = crate::store::begin_write(&collection.pool).await?;
    let project = project.display().to_string();
    let parent =
        (target.artifact.kind == ArtifactKind::Composite).then(|| target.artifact.id.clone());
    sqlx::query("DELETE FROM deployments WHERE project = ?1 AND (parent_id = ?2 OR (artifact_id = ?2 AND parent_id IS NULL))")
        .bind(&project)
        .bind(&target.artifact.id)
        .execute(&mut *tx)
        .await?;
    let mut rows_to_add: Vec<(&str, &str)> = target
        .units
        .iter()
        .map(|u| (u.artifact_id.as_str(), u.content_hash.as_str()))
        .collect();
    if parent.is_some() {
        rows_to_add.push((&target.artifact.id, &target.content_hash));
    }
    for (artifact, hash) in rows_to_add {
        sqlx::query(
            "INSERT INTO deployments (id, collection_id, artifact_id, project, parent_id, content_hash, platform, deployed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(artifact_id, project, parent_id) DO UPDATE SET content_hash = excluded.content_hash,
               platform = excluded.platform, deployed_at = excluded.deployed_at",
        )
        .bind(rows::new_id())
        .bind(&collection.id)
        .bind(artifact)
        .bind(&project)
        .bind(if artifact == target.artifact.id { None } else { parent.as_deref() })
        .bind(hash)
        .bind(platform)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
