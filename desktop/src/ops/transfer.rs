//! Transfer types: what the operations take and give, as a client sees
//! them (the desktop app's commands now, the HTTP API later). Separate from
//! the engine's domain types, which may change shape without breaking a
//! client. They build without the `app` feature; with feature `ts`,
//! `ui/src/generated/types.ts` is generated from them (`app::types`).

use serde::{Deserialize, Serialize};
use skillmeat_core::ArtifactKind;
use skillmeat_core::artifact::Relationship;
use skillmeat_core::plan::ConflictPolicy;
#[cfg(feature = "ts")]
use ts_rs::TS;

use crate::error::Error;
pub use crate::error::ErrorCode;

/// The one error every face sends a client: `{code, message}`. The client
/// switches on `code`; `message` is for people. An internal error's details
/// (SQL text, paths inside the collection) are logged, never sent: this is
/// the one place that decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(TS))]
#[error("{code:?}: {message}")]
pub struct PublicError {
    pub code: ErrorCode,
    pub message: String,
}

/// What a client is told of an internal error.
pub const INTERNAL_MESSAGE: &str =
    "internal error; the details are in the log (SKILLMEAT_LOG=error)";

impl PublicError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> PublicError {
        PublicError {
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for PublicError {
    fn from(e: Error) -> PublicError {
        let code = e.code();
        PublicError::new(code, public_message(code, &e))
    }
}

/// `message` as a client may see it: an internal error's is logged and
/// replaced by [`INTERNAL_MESSAGE`].
pub fn public_message(code: ErrorCode, message: &dyn std::fmt::Display) -> String {
    match code {
        ErrorCode::Internal => {
            tracing::error!(error = %message, "operation failed");
            INTERNAL_MESSAGE.to_owned()
        }
        _ => message.to_string(),
    }
}

/// The kinds of artifact; `composite` is a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Composite,
    Skill,
    Command,
    Agent,
    Hook,
    McpServer,
}

impl From<ArtifactKind> for Kind {
    fn from(k: ArtifactKind) -> Kind {
        match k {
            ArtifactKind::Composite => Kind::Composite,
            ArtifactKind::Skill => Kind::Skill,
            ArtifactKind::Command => Kind::Command,
            ArtifactKind::Agent => Kind::Agent,
            ArtifactKind::Hook => Kind::Hook,
            ArtifactKind::McpServer => Kind::McpServer,
        }
    }
}

impl Kind {
    pub fn engine(self) -> ArtifactKind {
        match self {
            Kind::Composite => ArtifactKind::Composite,
            Kind::Skill => ArtifactKind::Skill,
            Kind::Command => ArtifactKind::Command,
            Kind::Agent => ArtifactKind::Agent,
            Kind::Hook => ArtifactKind::Hook,
            Kind::McpServer => ArtifactKind::McpServer,
        }
    }
}

/// How a child belongs to its plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "UPPERCASE")]
pub enum Membership {
    Member,
    Required,
    Optional,
}

impl Membership {
    pub fn parse(s: &str) -> Result<Membership, Error> {
        Ok(match s.parse::<Relationship>().map_err(Error::Internal)? {
            Relationship::Member => Membership::Member,
            Relationship::Required => Membership::Required,
            Relationship::Optional => Membership::Optional,
        })
    }
}

// ---- list / show ----------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ListArgs {
    /// Only this kind.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<Kind>,
    /// Case-insensitive substring of the name.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub search: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactSummary {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub version: Option<String>,
    /// Children of a plugin (0 for other kinds).
    pub child_count: u32,
    pub content_hash: String,
    pub updated_at: String,
}

/// Plugins first, then by kind and name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactList {
    pub items: Vec<ArtifactSummary>,
    /// Artifacts in the collection (before the filter).
    pub total: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ShowArgs {
    pub name_or_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactDetail {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub version: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    pub versions: Vec<VersionInfo>,
    /// The plugins this artifact belongs to.
    pub part_of: Vec<ParentLink>,
    /// A plugin's children.
    pub contains: Vec<ChildLink>,
    pub deployments: Vec<DeploymentInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct VersionInfo {
    pub content_hash: String,
    pub file_count: u32,
    pub created_at: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ParentLink {
    pub id: String,
    pub name: String,
    pub relationship: Membership,
    pub pinned_hash: Option<String>,
}

/// `pinned`: the plugin pins the child's current version; `drifted`: the
/// collection's current version differs from the pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Pinned,
    Drifted,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ChildLink {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub relationship: Membership,
    pub path: Option<String>,
    pub pinned_hash: Option<String>,
    pub current_hash: String,
    pub sync: SyncStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeploymentInfo {
    pub project: String,
    /// The plugin it was deployed with.
    pub parent: Option<String>,
    pub content_hash: String,
    pub platform: String,
    pub deployed_at: String,
}

// ---- import ---------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SourceArgs {
    /// A plugin or marketplace folder, or a bundle zip.
    pub path: String,
}

/// The files of a folder chosen for import, as the engine lists them
/// (excluded names left out, strict symlink rules applied); for a bundle
/// zip, the files of the bundle, which the engine verified and extracted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SourceListing {
    /// The folder or the zip, absolute: the `root` for `read_source_file`.
    pub path: String,
    /// Discovery's root name: the folder's last component (for a bundle,
    /// that of the folder the engine extracted it into).
    pub root_name: String,
    /// A bundle zip: its files are read from the engine's verified copy
    /// until another source is listed or it is imported.
    pub bundle: bool,
    pub files: Vec<SourceFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SourceFile {
    /// Relative to the folder, `/`-separated.
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ReadFileArgs {
    /// The `path` of the `list_source` listing (a folder or a bundle zip).
    pub root: String,
    /// A path from its listing.
    pub path: String,
}

/// What to do when a child's name exists with other content:
/// `new-version` (Overwrite), `keep`, `fork`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    #[default]
    NewVersion,
    Keep,
    Fork,
}

impl Policy {
    pub fn engine(self) -> ConflictPolicy {
        match self {
            Policy::NewVersion => ConflictPolicy::NewVersion,
            Policy::Keep => ConflictPolicy::Keep,
            Policy::Fork => ConflictPolicy::Fork,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PreviewArgs {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub policy: Option<Policy>,
}

/// The engine's three-bucket preview (the same as `skillmeat preview`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportPreview {
    pub plugins: Vec<PluginPreview>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PluginPreview {
    pub name: String,
    pub new: Vec<PreviewChild>,
    pub existing: Vec<PreviewChild>,
    pub conflict: Vec<PreviewChild>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PreviewChild {
    pub kind: Kind,
    pub name: String,
    pub content_hash: String,
    pub current_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportArgs {
    pub path: String,
    /// For every conflict without its own choice.
    pub policy: Policy,
    /// A choice per conflicting child, overriding `policy`.
    #[serde(default)]
    pub choices: Vec<ChildChoice>,
}

/// What to do with one conflicting child (the wizard's Overwrite / Keep /
/// Fork), by plugin, kind and name as the preview shows them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ChildChoice {
    pub plugin: String,
    pub kind: Kind,
    pub name: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportSummary {
    pub results: Vec<PluginImport>,
}

/// One plugin's import. `children` are the hashes the engine stored (its
/// own re-hash), for comparison with the page's preview.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PluginImport {
    pub success: bool,
    pub plugin_name: String,
    pub plugin_id: Option<String>,
    pub children_imported: u32,
    pub children_reused: u32,
    pub children_new_version: u32,
    pub errors: Vec<String>,
    pub transaction_id: String,
    pub children: Vec<StoredChild>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct StoredChild {
    pub kind: Kind,
    pub name: String,
    pub pinned_hash: Option<String>,
}

/// The `import-progress` event: one per plugin when it starts and ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportProgress {
    pub plugin: String,
    /// 0-based position of the plugin.
    pub index: u32,
    pub total: u32,
    pub phase: ImportPhase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    Started,
    Finished,
    Failed,
}

/// The collection index for the page's `planImport` (wasm).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct IndexSnapshot {
    pub artifacts: Vec<SnapshotArtifact>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SnapshotArtifact {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub current_hash: String,
    /// Every version's hash, current included.
    pub hashes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiffArgs {
    /// The folder being imported.
    pub path: String,
    /// The plugin in it.
    pub plugin: String,
    pub kind: Kind,
    pub name: String,
}

/// The files of a conflicting child that differ: the collection's current
/// version against the incoming one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct FileDiff {
    pub kind: Kind,
    pub name: String,
    pub files: Vec<DiffFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiffFile {
    /// Relative to the artifact (`""` for a one-file artifact).
    pub path: String,
    /// The text, or null when absent, binary or larger than 1 MiB.
    pub current: Option<String>,
    pub incoming: Option<String>,
    pub change: DiffChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum DiffChange {
    Added,
    Removed,
    Changed,
}

// ---- deploy / export --------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployArgs {
    pub name: String,
    pub project: String,
    pub platform: String,
    pub dry_run: bool,
    pub use_current: bool,
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployOperation {
    pub action: DeployAction,
    /// Relative to the project.
    pub path: String,
    pub artifact: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub name: String,
    pub project: String,
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub project: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ProjectStatus {
    pub project: String,
    pub items: Vec<DeployedStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum Drift {
    Ok,
    Modified,
    Missing,
    Outdated,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeployedStatus {
    pub kind: Kind,
    pub name: String,
    pub parent: Option<String>,
    pub status: Drift,
    pub deployed_hash: String,
    pub current_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ExportArgs {
    pub name: String,
    /// A file or a folder; the default is the home folder.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub out: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ExportResult {
    pub path: String,
    /// SHA-256 of the zip.
    pub content_hash: String,
    pub files: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    pub plugin: String,
    pub version: Option<String>,
}
