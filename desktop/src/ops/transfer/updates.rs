//! `outdated` and `update`: a plugin's recorded source read again and
//! compared by content hash, and the changed plugins imported again.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::{JobStatus, Kind, PluginImport, PluginPreview, Policy, PublicError};

/// Which plugins to check, and whether to fetch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct OutdatedArgs {
    /// Plugins by id, name or `composite:name`; every plugin when absent or empty.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub names: Option<Vec<String>>,
    /// Fetch nothing: git sources are read from the cache only.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offline: Option<bool>,
}

/// A plugin's state against its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum OutdatedState {
    /// The source gives the same content hashes.
    UpToDate,
    /// The source's content differs: `children` say how.
    Changed,
    /// The source could not be read (a remote that does not answer, a
    /// repository not in the cache with `offline`); `reason` says why.
    Unreachable,
    /// The source was read but no longer has the plugin (a deleted folder,
    /// ref or marketplace entry); `reason` says what is missing.
    Gone,
    /// No source to read again: imported from an upload, or before
    /// provenance was recorded.
    Untracked,
}

impl OutdatedState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutdatedState::UpToDate => "up to date",
            OutdatedState::Changed => "changed",
            OutdatedState::Unreachable => "source unreachable",
            OutdatedState::Gone => "source gone",
            OutdatedState::Untracked => "no source recorded",
        }
    }
}

/// How one child differs between the stored plugin and its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum ChildChange {
    New,
    Changed,
    Gone,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ChangedChild {
    pub kind: Kind,
    pub name: String,
    pub change: ChildChange,
    /// The hash the plugin pins (none for a new child).
    pub old_hash: Option<String>,
    /// The source's hash (none for a child that is gone).
    pub new_hash: Option<String>,
}

/// One plugin checked against its source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PluginOutdated {
    pub id: String,
    pub name: String,
    pub state: OutdatedState,
    /// The recorded source, on one line (`url#path`, or a path).
    pub source: Option<String>,
    /// The commit recorded at import (git sources).
    pub commit: Option<String>,
    /// The commit the source's ref resolves to now.
    pub latest_commit: Option<String>,
    /// The plugin's stored content hash.
    pub content_hash: String,
    /// Its content hash in the source now.
    pub latest_hash: Option<String>,
    /// The children that are new, changed or gone (by kind and name).
    pub children: Vec<ChangedChild>,
    /// Why it is unreachable or gone.
    pub reason: Option<String>,
}

/// `outdated`: every plugin asked for, in name order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct OutdatedReport {
    pub plugins: Vec<PluginOutdated>,
}

/// `update`: the changed plugins imported again from their sources.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UpdateArgs {
    /// Plugins by id, name or `composite:name`; every plugin when absent or empty.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub names: Option<Vec<String>>,
    /// Only plan: the three buckets of each changed plugin; write nothing.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub dry_run: Option<bool>,
    /// What to do when a child's name exists with other content (as `add`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_conflict: Option<Policy>,
    /// Fetch nothing: git sources are read from the cache only.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offline: Option<bool>,
}

/// What `update` found and did: the check of every plugin asked for, then
/// for each changed one its plan (`dry_run`) or its import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UpdateResult {
    pub dry_run: bool,
    pub checked: Vec<PluginOutdated>,
    /// With `dry_run`: NEW, EXISTING and CONFLICT children of each changed plugin.
    pub previews: Vec<PluginPreview>,
    /// Without: the import of each changed plugin (each its own transaction).
    pub results: Vec<PluginImport>,
}

/// `POST /api/v1/update` (202): the update runs in the background; follow
/// it with `GET /api/v1/updates/{transaction_id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UpdateStarted {
    pub transaction_id: String,
    pub status: JobStatus,
}

/// `GET /api/v1/updates/{transaction_id}`: an update's state; `result` once
/// it ran (each plugin's import says whether it succeeded), `error` when it
/// could not run or was cut off.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UpdateJob {
    pub transaction_id: String,
    pub status: JobStatus,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<UpdateResult>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PublicError>,
}
