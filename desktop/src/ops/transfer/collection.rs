//! The collection as a client reads it: the list, one artifact, its
//! associations and files, the index snapshot; export and verify.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::{Kind, Membership};

/// The artifact list: filters and the page are applied in the database.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ListArgs {
    /// Only this kind.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<Kind>,
    /// Only plugins of this subtype (`plugin`).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub subtype: Option<String>,
    /// Part of the name, case-insensitive (`_` and a space match `-`).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub search: Option<String>,
    /// At most this many items (all by default).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
    /// Items skipped before the first one returned.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offset: Option<u32>,
}

/// One artifact of the list (the seed's field names; `kind` is its type).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactSummary {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// A plugin's subtype (`plugin`); null for other kinds.
    pub subtype: Option<String>,
    pub version: Option<String>,
    /// Children of a plugin (0 for other kinds).
    pub child_count: u32,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Plugins first, then by kind and name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactList {
    pub items: Vec<ArtifactSummary>,
    /// Artifacts matching the filter, before the page.
    pub total: u32,
    /// Items in this page.
    pub count: u32,
}

/// One artifact: its id, its name, or `type:name`; `kind` picks among
/// artifacts of one name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ShowArgs {
    pub name_or_id: String,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<Kind>,
}

/// One artifact with its versions, associations and deployments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ArtifactDetail {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub subtype: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    /// Where a plugin was last imported from: kind, URL or path, ref as
    /// given, resolved commit, folder (absent for other artifacts, and for
    /// plugins imported before it was recorded).
    pub origin: Option<Origin>,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    pub versions: Vec<VersionInfo>,
    /// The plugins this artifact belongs to ("Part of").
    pub parents: Vec<Association>,
    /// A plugin's children ("Contains").
    pub children: Vec<Association>,
    /// Projects it is deployed to.
    pub deployments: Vec<DeploymentInfo>,
    /// For a plugin: whether Claude Code loads it as stored (always true
    /// for other kinds); `load_errors` say why not.
    pub loads_in_claude_code: bool,
    pub load_errors: Vec<String>,
    /// What `claude plugin validate` calls an error although it loads.
    pub validation_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct VersionInfo {
    pub content_hash: String,
    pub file_count: u32,
    pub created_at: String,
    pub current: bool,
}

/// The artifact on the other side of a membership (the seed's fields).
/// A child is in sync when `pinned_version_hash` equals `current_hash`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Association {
    pub artifact_id: String,
    pub artifact_name: String,
    pub artifact_type: Kind,
    pub relationship_type: Membership,
    /// The version the plugin pins.
    pub pinned_version_hash: Option<String>,
    /// The collection's current version of the artifact.
    pub current_hash: String,
    /// Where the child sits inside the plugin.
    pub path: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DeploymentInfo {
    pub project: String,
    /// The plugin it was deployed with.
    pub parent: Option<String>,
    pub content_hash: String,
    pub platform: String,
    pub deployed_at: String,
}

fn yes() -> bool {
    true
}

/// An artifact's parents and children, optionally of one relationship.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AssociationsArgs {
    /// The id, the name, or `type:name`.
    pub id: String,
    #[serde(default = "yes")]
    pub include_parents: bool,
    #[serde(default = "yes")]
    pub include_children: bool,
    /// Only memberships of this relationship.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub relationship_type: Option<Membership>,
}

/// `{artifact_id, parents, children}`; a side not asked for is empty.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Associations {
    pub artifact_id: String,
    pub parents: Vec<Association>,
    pub children: Vec<Association>,
}

/// A file of a stored version of an artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct FileArgs {
    /// The id, the name, or `type:name`.
    pub id: String,
    /// Relative to the artifact, `/`-separated (`""` for a one-file artifact).
    pub path: String,
    /// The version's content hash; the current version by default.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub version: Option<String>,
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
pub struct ExportArgs {
    /// The plugin or artifact: its id, its name, or `type:name`.
    pub name: String,
    /// A file or a folder; the default is `<name>-<version>.zip` in the
    /// current folder (the app passes the user's home folder).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub out: Option<PathBuf>,
    /// Export files that look like secrets instead of refusing.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub allow_secrets: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ExportResult {
    pub path: String,
    /// SHA-256 of the zip.
    pub content_hash: String,
    /// Files of the plugin in the zip (`skillmeat-bundle.json` not counted).
    pub files: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    pub plugin: String,
    pub version: Option<String>,
}

/// `skillmeat verify`: `ok` when the database, the stored files and the
/// records files agree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct VerifyReport {
    pub ok: bool,
    pub artifacts: u32,
    pub versions: u32,
    pub blobs: u32,
    pub problems: Vec<String>,
    /// What is worth knowing but is not a problem: uploads no import used,
    /// older than the time the server keeps them (the server removes them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub notes: Vec<String>,
}

/// `skillmeat lock`: where the records files were written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockArgs {
    /// The folder to write `skillmeat.lock` and `manifest.toml` in.
    pub out: String,
}

/// `skillmeat migrate`: an embedded collection into a database server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrateArgs {
    /// A home (the folder with `skillmeat.db`) or one of its collection folders.
    pub from: String,
    /// `postgres://…`.
    pub to: String,
    /// The collection, when `from` is a home.
    pub collection: String,
}

/// What `skillmeat migrate` copied, and what it found already there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Migrated {
    pub collection: String,
    /// The database, without its password.
    pub to: String,
    pub artifacts: u32,
    pub rows_copied: u64,
    pub rows_present: u64,
    pub contents_copied: u64,
    pub contents_present: u64,
    pub bytes_copied: u64,
}

/// The records files `skillmeat lock` wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockWritten {
    pub lock: String,
    pub manifest: String,
    /// How many artifacts the lock file lists.
    pub artifacts: u32,
}

/// Where a plugin's files came from (DESIGN.md §13), and the marketplace
/// it was listed in: what `outdated` and `update` fetch again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Origin {
    /// `folder`, `bundle`, `git` or `upload` (sent to `skillmeat serve`).
    pub kind: String,
    /// The git URL, or the absolute path of the folder or bundle.
    pub url: String,
    /// The ref as given (a branch, tag or commit); none for the default.
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The commit the ref resolved to (git).
    pub commit: Option<String>,
    /// The plugin's folder inside the repository or folder (`""`: its root).
    pub path: String,
    /// The marketplace the plugin was listed in, if any.
    pub marketplace: Option<OriginMarketplace>,
}

/// A marketplace's own location and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct OriginMarketplace {
    pub name: Option<String>,
    pub kind: String,
    pub url: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    /// The marketplace's folder inside the repository or folder.
    pub path: String,
}
