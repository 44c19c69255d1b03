//! The per-project deployment record: `<project>/.claude/skillmeat/deployments.json`.
//! It lists, for every deployment, each file we wrote with its SHA-256, the
//! hook groups and MCP servers we merged, and the folders we created — the
//! basis of `undeploy` (remove exactly that) and `status` (drift).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::fsx;

pub const RECORD: &str = ".claude/skillmeat/deployments.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub format_version: u32,
    pub deployments: Vec<Deployment>,
    /// `.claude/settings.json` and `.mcp.json` as they were before the first
    /// deployment merged into them (`None`: the file did not exist), so the
    /// last undeploy gives back the exact bytes.
    #[serde(default)]
    pub originals: Vec<Original>,
}

/// One `skillmeat deploy` of a plugin or an artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    /// The plugin or artifact deployed (what `undeploy NAME` names).
    pub name: String,
    pub kind: String,
    pub collection: String,
    pub artifact_id: String,
    pub content_hash: String,
    pub version: Option<String>,
    pub platform: String,
    pub deployed_at: String,
    pub items: Vec<Item>,
    pub files: Vec<OwnedFile>,
    #[serde(default)]
    pub hooks: Vec<OwnedHook>,
    #[serde(default)]
    pub mcp_servers: Vec<OwnedServer>,
    /// Folders that did not exist before, deepest last.
    #[serde(default)]
    pub created_dirs: Vec<String>,
}

/// One deployed artifact, with the plugin it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {
    pub kind: String,
    pub name: String,
    pub artifact_id: String,
    /// The version deployed.
    pub content_hash: String,
    pub parent: Option<String>,
    pub relationship: Option<String>,
    /// Paths (project-relative) of this item's files.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedFile {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedHook {
    pub event: String,
    pub group: Value,
    pub artifact: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedServer {
    pub name: String,
    pub config: Value,
    pub artifact: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    pub path: String,
    pub text: Option<String>,
}

impl Record {
    pub fn load(project: &Path) -> Result<Record> {
        let path = project.join(RECORD);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::BadInput {
                path,
                reason: format!("not a valid skillmeat deployment record: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record {
                format_version: 1,
                ..Record::default()
            }),
            Err(e) => Err(Error::Unreadable { path, source: e }),
        }
    }

    /// Writes the record, or removes it (and its folder) when empty.
    pub fn save(&self, project: &Path) -> Result<()> {
        let path = project.join(RECORD);
        if self.deployments.is_empty() {
            fsx::remove_any(&path)?;
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
            return Ok(());
        }
        let text =
            serde_json::to_string_pretty(self).map_err(|e| Error::Internal(e.to_string()))? + "\n";
        fsx::write_atomic(&path, text.as_bytes())
    }

    pub fn find(&self, name: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.name == name)
    }

    /// The recorded SHA-256 of a file some deployment owns.
    pub fn owner_of(&self, path: &str) -> Option<(&Deployment, &OwnedFile)> {
        self.deployments
            .iter()
            .find_map(|d| d.files.iter().find(|f| f.path == path).map(|f| (d, f)))
    }

    /// The text a shared file had before any deployment touched it.
    pub fn original(&self, path: &str) -> Option<&Original> {
        self.originals.iter().find(|o| o.path == path)
    }

    /// Remembers a shared file's text before the first merge into it.
    pub fn remember_original(&mut self, path: &str, text: Option<String>) {
        if self.original(path).is_none() {
            self.originals.push(Original {
                path: path.to_owned(),
                text,
            });
        }
    }
}

pub fn project_path(project: &Path, rel: &str) -> PathBuf {
    project.join(rel)
}
