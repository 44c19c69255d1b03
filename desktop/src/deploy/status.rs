//! `skillmeat status`: every deployed artifact of a project and its drift.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use skillmeat_core::{ArtifactKind, ContentHash};

use super::json_file::JsonFile;
use super::lock::ProjectLock;
use super::project::{Entry, Project};
use super::record::{Deployment, Item, MCP, Place, Record, SETTINGS, STATE_DIR, place, state_path};
use super::txn::{self, Started};
use crate::collection::Collection;
use crate::error::Result;
use crate::home::Home;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// As deployed, and the collection has nothing newer.
    Ok,
    /// A deployed file or merged entry was changed in the project.
    Modified,
    /// A deployed file or merged entry is gone from the project.
    Missing,
    /// The collection has a newer current version.
    Outdated,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemStatus {
    pub kind: ArtifactKind,
    pub name: String,
    /// The plugin it was deployed with.
    pub parent: Option<String>,
    pub status: State,
    pub deployed_hash: String,
    pub current_hash: Option<String>,
    pub deployment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub project: String,
    pub items: Vec<ItemStatus>,
}

pub async fn status(
    home: &Home,
    collection: Option<&Collection>,
    project: &Path,
) -> Result<StatusReport> {
    let project = Project::open(project)?;
    let record = finished_record(home, &project).await?;
    let shared = Shared {
        settings: JsonFile::load(&project, &place(SETTINGS.to_owned())?).ok(),
        mcp: JsonFile::load(&project, &place(MCP.to_owned())?).ok(),
    };
    let mut items = Vec::new();
    for dep in &record.deployments {
        let recorded = dep.file_hashes();
        for item in &dep.items {
            let mut state = files_state(&project, item, &recorded);
            state = worst(state, shared.state(dep, item));
            let current = match collection {
                Some(c) => current_hash(c, &item.artifact_id).await?,
                None => None,
            };
            if state == State::Ok && current.as_ref().is_some_and(|h| *h != item.content_hash) {
                state = State::Outdated;
            }
            items.push(ItemStatus {
                kind: item.kind,
                name: item.name.clone(),
                parent: item.parent.clone(),
                status: state,
                deployed_hash: item.content_hash.clone(),
                current_hash: current,
                deployment: dep.name.clone(),
            });
        }
    }
    Ok(StatusReport {
        project: project.root().display().to_string(),
        items,
    })
}

/// The record, with any transaction a killed (or running) command left
/// finished first (under the lock; without one, nothing is written).
async fn finished_record(home: &Home, project: &Project) -> Result<Record> {
    let record = Record::load(project)?;
    let residue = record.deployments.is_empty() && project.has(&state_path(STATE_DIR));
    if record.transaction.is_none() && !residue {
        return Ok(record);
    }
    let mut lock = ProjectLock::acquire(project).await?;
    let mut record = Record::load(project)?;
    lock.note_record(&record);
    txn::recover(project, &Started::of(home), &mut record)?;
    Ok(record)
}

/// How an item's files compare with what was deployed.
fn files_state(project: &Project, item: &Item, recorded: &BTreeMap<&Place, &ContentHash>) -> State {
    let mut state = State::Ok;
    for path in &item.files {
        match (project.entry(path.rel()), recorded.get(path)) {
            (Ok(Entry::Missing), _) => state = worst(state, State::Missing),
            (Ok(Entry::File { hash, .. }), Some(r)) if hash == **r => {}
            (Ok(Entry::File { .. }), None) => {}
            // Changed, or something else (a link, a folder) is there.
            _ => state = worst(state, State::Modified),
        }
    }
    state
}

/// The project's settings files, as read once for every item.
struct Shared {
    settings: Option<JsonFile>,
    mcp: Option<JsonFile>,
}

impl Shared {
    /// How an item's merged hooks and MCP servers compare with what was merged.
    fn state(&self, dep: &Deployment, item: &Item) -> State {
        let mut state = State::Ok;
        for h in dep.hooks.iter().filter(|h| h.artifact == item.name) {
            let present = self
                .settings
                .as_ref()
                .and_then(|s| s.value.get("hooks"))
                .and_then(|hooks| hooks.get(&h.event))
                .and_then(Value::as_array)
                .is_some_and(|list| list.contains(&h.group));
            if !present {
                state = worst(state, State::Missing);
            }
        }
        for s in dep.mcp_servers.iter().filter(|s| s.artifact == item.name) {
            let servers = self.mcp.as_ref().and_then(|m| m.value.get("mcpServers"));
            match servers.and_then(|m| m.get(&s.name)) {
                None => state = worst(state, State::Missing),
                Some(v) if *v != s.config => state = worst(state, State::Modified),
                _ => {}
            }
        }
        state
    }
}

fn worst(a: State, b: State) -> State {
    let rank = |s: State| match s {
        State::Ok | State::Outdated => 0,
        State::Modified => 1,
        State::Missing => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

async fn current_hash(collection: &Collection, artifact: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT v.content_hash FROM artifacts a JOIN artifact_versions v ON v.id = a.current_version_id WHERE a.id = $1",
    )
    .bind(artifact)
    .fetch_optional(&collection.pool)
    .await?)
}
