//! `skillmeat undeploy`: remove exactly what a deployment wrote, un-merge its
//! hooks and MCP servers, and give back the original bytes of shared files.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::json_file::JsonFile;
use super::plan::{MCP, SETTINGS, prune_empty, prune_empty_hooks};
use super::record::Record;
use crate::collection::Collection;
use crate::error::{Error, Result};
use crate::fsx;
use crate::tree::hash_file;

#[derive(Debug, Clone, Serialize)]
pub struct UndeployReport {
    pub name: String,
    pub project: String,
    pub removed: Vec<String>,
    /// Files the user changed since deployment, left in place (without --force).
    pub kept: Vec<String>,
    pub hooks_removed: usize,
    pub mcp_servers_removed: usize,
}

/// Removes a folder we created if all that is left in it is what running the
/// deployed code leaves behind (`__pycache__`, `.DS_Store` … — the names the
/// content hash excludes). Anything else keeps it.
fn remove_dir_if_only_junk(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<_> = entries.flatten().collect();
    let junk = |e: &std::fs::DirEntry| {
        e.file_name()
            .to_str()
            .is_some_and(skillmeat_core::exclude::is_excluded_name)
    };
    if entries.iter().all(junk) {
        for e in &entries {
            let _ = fsx::remove_any(&e.path());
        }
        let _ = std::fs::remove_dir(dir);
    }
}

pub async fn undeploy(
    collection: Option<&Collection>,
    name: &str,
    project: &Path,
    force: bool,
) -> Result<UndeployReport> {
    let project =
        std::fs::canonicalize(project).map_err(|_| Error::NotFound(project.to_owned()))?;
    let mut record = Record::load(&project)?;
    let Some(index) = record.deployments.iter().position(|d| d.name == name) else {
        let names: Vec<&str> = record.deployments.iter().map(|d| d.name.as_str()).collect();
        return Err(Error::Usage(format!(
            "{name:?} is not deployed in {} (deployed: {})",
            project.display(),
            if names.is_empty() {
                "nothing".to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    let dep = record.deployments.remove(index);
    let mut report = UndeployReport {
        name: name.to_owned(),
        project: project.display().to_string(),
        removed: Vec::new(),
        kept: Vec::new(),
        hooks_removed: 0,
        mcp_servers_removed: 0,
    };
    for f in &dep.files {
        // Another deployment may share an identical file: it stays.
        if record.owner_of(&f.path).is_some() {
            continue;
        }
        let live = project.join(&f.path);
        match hash_file(&live) {
            Ok(h) if h.to_hex() == f.sha256 || force => {
                fsx::remove_any(&live)?;
                report.removed.push(f.path.clone());
            }
            Ok(_) => report.kept.push(f.path.clone()),
            Err(_) => {}
        }
    }
    if !dep.hooks.is_empty() {
        let mut settings = JsonFile::load(&project.join(SETTINGS))?;
        if let Some(Value::Object(hooks)) = settings.value.get_mut("hooks") {
            for h in &dep.hooks {
                if let Some(Value::Array(list)) = hooks.get_mut(&h.event)
                    && let Some(i) = list.iter().position(|g| *g == h.group)
                {
                    list.remove(i);
                    report.hooks_removed += 1;
                }
            }
        }
        prune_empty_hooks(&mut settings);
        settings.save(record.original(SETTINGS).map(|o| &o.text))?;
    }
    if !dep.mcp_servers.is_empty() {
        let mut mcp = JsonFile::load(&project.join(MCP))?;
        if let Some(Value::Object(map)) = mcp.value.get_mut("mcpServers") {
            for s in &dep.mcp_servers {
                if map.get(&s.name) == Some(&s.config) || (force && map.contains_key(&s.name)) {
                    map.shift_remove(&s.name);
                    report.mcp_servers_removed += 1;
                }
            }
        }
        prune_empty(&mut mcp, "mcpServers");
        mcp.save(record.original(MCP).map(|o| &o.text))?;
    }
    if record.deployments.is_empty() {
        record.originals.clear();
    }
    record.save(&project)?;
    // Folders we created, deepest first, if nothing else is in them.
    let still_used: Vec<&String> = record
        .deployments
        .iter()
        .flat_map(|d| &d.created_dirs)
        .collect();
    for dir in dep.created_dirs.iter().rev() {
        if !still_used.contains(&dir) {
            remove_dir_if_only_junk(&project.join(dir));
        }
    }
    if let Some(c) = collection {
        sqlx::query("DELETE FROM deployments WHERE project = ?1 AND (parent_id = ?2 OR (artifact_id = ?2 AND parent_id IS NULL))")
            .bind(project.display().to_string())
            .bind(&dep.artifact_id)
            .execute(&c.pool)
            .await?;
    }
    Ok(report)
}
