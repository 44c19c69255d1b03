//! Importing: the source a client reads, the preview, the import and its
//! progress, the diff of a conflicting child.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use skillmeat_core::plan::ConflictPolicy;
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::{ErrorCode, Kind, public_message};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SourceArgs {
    /// A plugin or marketplace folder, or a bundle zip.
    pub path: PathBuf,
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
    pub root: PathBuf,
    /// A path from its listing.
    pub path: String,
}

/// What to do when a child's name exists with other content:
/// `new-version` (Overwrite), `keep`, `fork`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
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

/// The size limits a folder or bundle is read under, when a face lowers or
/// raises the defaults (256 MiB a file, 1 GiB a plugin). Set by the face
/// (the CLI's `--max-file-size`, `--max-plugin-size`), never read from a
/// client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SizeLimits {
    pub file_bytes: Option<u64>,
    pub plugin_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PreviewArgs {
    /// A plugin or marketplace folder, a bundle zip, or a git source (a URL
    /// or GitHub `owner/repo`, with `@ref` and `#path`).
    pub path: PathBuf,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub policy: Option<Policy>,
    /// Only these plugins of a marketplace (by name); all when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub plugins: Option<Vec<String>>,
    /// Fetch nothing: git sources come from the cache only.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offline: Option<bool>,
    #[serde(skip)]
    pub limits: SizeLimits,
}

/// The engine's three-bucket preview: `{"plugins": [{"name", "buckets"}]}`
/// (`skillmeat preview --json`, and the page's wasm `planImport`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportPreview {
    pub plugins: Vec<PluginPreview>,
    /// What discovery noticed about the source: a marketplace entry
    /// skipped and why, a remote source not fetched, a file it could not
    /// read. Empty for a plan from a client's hashes (the client's own
    /// discovery has them).
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PluginPreview {
    pub name: String,
    /// The plugin's description (its manifest's, or its marketplace
    /// entry's), for the picker's search; null when it has none or the
    /// client planned only hashes (absent then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    pub buckets: Buckets,
    /// Whether Claude Code loads the plugin; `load_errors` say why not.
    pub loads_in_claude_code: bool,
    pub load_errors: Vec<String>,
    /// What `claude plugin validate` calls an error although it loads.
    pub validation_errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Buckets {
    pub new: Vec<PreviewChild>,
    pub existing: Vec<PreviewChild>,
    pub conflict: Vec<PreviewChild>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PreviewChild {
    pub kind: Kind,
    pub name: String,
    pub content_hash: String,
    /// The collection's current version (for an existing name).
    pub current_hash: Option<String>,
}

/// Imports every plugin of a folder, marketplace or bundle zip, each in its
/// own transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportArgs {
    /// A plugin or marketplace folder, a bundle zip, or a git source (a URL
    /// or GitHub `owner/repo`, with `@ref` and `#path`).
    pub path: PathBuf,
    /// Only these plugins of a marketplace (by name); all when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub plugins: Option<Vec<String>>,
    /// Fetch nothing: git sources come from the cache only.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offline: Option<bool>,
    /// For every conflict without its own choice.
    #[serde(default)]
    pub policy: Policy,
    /// A choice per conflicting child, overriding `policy`.
    #[serde(default)]
    pub choices: Vec<ChildChoice>,
    /// Plan only: write nothing, report what an import would do.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub dry_run: Option<bool>,
    #[serde(skip)]
    pub limits: SizeLimits,
}

/// What to do with one conflicting child (the wizard's Overwrite / Keep /
/// Fork), by plugin, kind and name as the preview shows them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ChildChoice {
    pub plugin: String,
    pub kind: Kind,
    pub name: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportSummary {
    pub results: Vec<PluginImport>,
    /// What discovery noticed in the source (a child it read leniently …).
    pub warnings: Vec<String>,
}

impl ImportSummary {
    /// The code of the worst failure among the plugins, if any failed.
    pub fn worst(&self) -> Option<ErrorCode> {
        self.results
            .iter()
            .filter_map(|r| r.error_code)
            .max_by_key(|c| c.exit_code())
    }

    /// As a client may see it: the errors of a plugin that failed for an
    /// internal reason are logged and replaced (see [`public_message`]).
    pub fn for_client(mut self) -> ImportSummary {
        for r in &mut self.results {
            if let Some(code) = r.error_code {
                let errors = std::mem::take(&mut r.errors);
                r.errors = errors.iter().map(|e| public_message(code, e)).collect();
            }
        }
        self
    }
}

/// One plugin's import (the seed's `ImportResult`). `children` are the
/// hashes the engine stored (its own re-hash), for comparison with a
/// client's preview.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PluginImport {
    pub success: bool,
    pub plugin_name: String,
    pub plugin_id: Option<String>,
    /// Children that became new artifacts.
    pub children_imported: u32,
    /// Children linked to content already in the collection.
    pub children_reused: u32,
    /// Children added as a new version of an existing artifact.
    pub children_new_version: u32,
    pub errors: Vec<String>,
    pub transaction_id: String,
    /// Planned only; nothing was written.
    pub dry_run: bool,
    pub children: Vec<StoredChild>,
    /// Whether Claude Code loads the plugin (it is imported either way);
    /// `load_errors` say why not.
    pub loads_in_claude_code: bool,
    pub load_errors: Vec<String>,
    /// What `claude plugin validate` calls an error although it loads.
    pub validation_errors: Vec<String>,
    /// Why it failed, for a face's exit code or status.
    #[serde(skip)]
    pub error_code: Option<ErrorCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiffArgs {
    /// The folder (or listed bundle) being imported.
    pub path: PathBuf,
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
