//! Deploying into a project, undeploying, a project's status.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::Kind;

/// The platform deployed to: the only one in v1.
pub const CLAUDE_CODE: &str = crate::deploy::CLAUDE_CODE;

fn claude_code() -> String {
    CLAUDE_CODE.to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployArgs {
    /// The plugin or artifact: its id, its name, or `type:name`.
    pub name: String,
    /// The project's root folder.
    pub project: PathBuf,
    /// Only `claude-code` in v1 (the default).
    #[serde(default = "claude_code")]
    pub platform: String,
    #[serde(default)]
    pub dry_run: bool,
    /// Each child's current version instead of the one the plugin pins.
    #[serde(default)]
    pub use_current: bool,
    /// Replace files skillmeat did not write (keeping a backup).
    #[serde(default)]
    pub force: bool,
    /// `plugin` (the plugin's own tree, loaded by Claude Code as
    /// `<plugin>@skills-dir`; the default for a plugin) or `unpacked` (the
    /// default for one artifact, and for a plugin with `use_current`).
    #[serde(default)]
    pub mode: Option<DeployMode>,
}

/// How a plugin is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "lowercase")]
pub enum DeployMode {
    Plugin,
    Unpacked,
}

impl From<DeployMode> for crate::deploy::Mode {
    fn from(m: DeployMode) -> Self {
        match m {
            DeployMode::Plugin => crate::deploy::Mode::Plugin,
            DeployMode::Unpacked => crate::deploy::Mode::Unpacked,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "kebab-case")]
pub enum DeployAction {
    Write,
    Replace,
    Unchanged,
    Conflict,
    Backup,
    MergeHook,
    MergeMcpServer,
    Remove,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployOperation {
    pub action: DeployAction,
    /// Relative to the project.
    pub path: String,
    pub artifact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployResult {
    pub name: String,
    pub kind: Kind,
    pub project: String,
    pub platform: String,
    pub dry_run: bool,
    pub operations: Vec<DeployOperation>,
    pub warnings: Vec<String>,
    /// Artifacts deployed (or that would be).
    pub deployed: Vec<DeployedArtifact>,
}

impl DeployResult {
    /// Whether any operation is a conflict (replacing what it may not).
    pub fn has_conflicts(&self) -> bool {
        self.operations
            .iter()
            .any(|o| o.action == DeployAction::Conflict)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployedArtifact {
    pub kind: Kind,
    pub name: String,
    pub parent: Option<String>,
    pub content_hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UndeployArgs {
    /// The deployment's name (as `status` lists it).
    pub name: String,
    pub project: PathBuf,
    /// Also remove files changed since deployment (kept as backups).
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UndeployResult {
    pub name: String,
    pub project: String,
    pub removed: Vec<String>,
    /// Files changed since deployment, left in place.
    pub kept: Vec<String>,
    /// What else the user should know (backups left, changed entries kept).
    pub notes: Vec<String>,
    /// The user's own files, put back from the backups `force` made.
    pub restored: Vec<String>,
    /// With `force`: files changed since deployment, kept as backups
    /// (`path -> backup`).
    pub backed_up: Vec<String>,
    pub hooks_removed: u32,
    pub mcp_servers_removed: u32,
    /// The user's MCP servers that `force` had replaced, put back.
    pub mcp_servers_restored: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ProjectArgs {
    pub project: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ProjectStatus {
    pub project: String,
    pub items: Vec<DeployedStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    /// As deployed, and the collection has nothing newer.
    Ok,
    /// A deployed file or merged entry was changed in the project.
    Modified,
    /// A deployed file or merged entry is gone from the project.
    Missing,
    /// The collection has a newer current version.
    Outdated,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployedStatus {
    pub kind: Kind,
    pub name: String,
    /// The plugin it was deployed with.
    pub parent: Option<String>,
    pub status: Drift,
    pub deployed_hash: String,
    pub current_hash: Option<String>,
    /// The deployment it belongs to (what `undeploy` is given).
    pub deployment: String,
}
