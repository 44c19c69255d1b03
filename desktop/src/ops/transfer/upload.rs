//! The hash-first import (DESIGN.md §12), the protocol a browser imports
//! through: the plan from the children's hashes, the blobs the server
//! lacks, the uploads, the import from a file list, the import's status.
//! HTTP only (the desktop app reads folders itself), but typed here once,
//! for the OpenAPI description and for the page's TypeScript.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::{ChildChoice, ImportPreview, ImportSummary, Kind, Policy, PublicError};

/// The three buckets of each plugin, planned from what the client hashed:
/// each child's kind, name and content hash (no file is sent).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct PlanArgs {
    pub plugins: Vec<PlanPlugin>,
    /// The policy the buckets are planned under (`new-version` by default;
    /// a conflict is a conflict under any policy).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_conflict: Option<Policy>,
}

/// `POST /api/v1/plan/bundle`: a bundle zip uploaded as one blob, planned
/// as `skillmeat preview BUNDLE.zip` plans it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct BundlePlanArgs {
    /// The zip, uploaded first; its `path` is the zip's name.
    pub bundle: UploadedFile,
    /// Only these plugins of it (all by default).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub plugins: Option<Vec<String>>,
    /// The policy the buckets are planned under (`new-version` by default).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_conflict: Option<Policy>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct PlanPlugin {
    pub name: String,
    pub children: Vec<PlanChild>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct PlanChild {
    pub kind: Kind,
    pub name: String,
    /// The child's content hash (64 hex digits), as the wasm core computes it.
    pub content_hash: String,
}

/// Which of these blobs does the server lack?
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct MissingArgs {
    /// SHA-256s of file contents (64 lowercase hex digits); at most
    /// 100,000.
    pub sha256: Vec<String>,
}

/// The blobs the server holds neither in the collection nor in its
/// uploads: upload these, and only these.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MissingBlobs {
    /// Each once, in the order asked.
    pub missing: Vec<String>,
}

/// An upload kept: the server hashed the bytes itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct BlobStored {
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// A batch upload kept (`POST /api/v1/blobs`): each blob, in the order sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct BlobsStored {
    pub stored: Vec<BlobStored>,
}

/// `POST /api/v1/artifacts/import/composite`: the files of a folder by
/// their blobs (uploaded first), or a `source` on the server's machine.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct CompositeImportArgs {
    /// Every file of the folder, relative to it (`/`-separated). The server
    /// rebuilds the folder from the blobs, discovers and hashes it itself.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub files: Option<Vec<UploadedFile>>,
    /// The folder's name: discovery names a plugin without a manifest after
    /// it (`plugin` by default).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub root_name: Option<String>,
    /// Instead of `files`: a folder, marketplace or bundle zip on the
    /// server's machine (refused by a `--public` server).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
    /// Instead of `files`: a bundle zip uploaded as one blob (its `path` is
    /// the zip's name). The server verifies and reads it as
    /// `skillmeat add BUNDLE.zip` does.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub bundle: Option<UploadedFile>,
    /// Only these plugins of a marketplace (all by default).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub plugins: Option<Vec<String>>,
    /// For every conflict without its own choice (`new-version` by default).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub on_conflict: Option<Policy>,
    /// A choice per conflicting child.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub conflict_choices: Option<Vec<ChildChoice>>,
}

/// One file of the folder, by the blob that holds its bytes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct UploadedFile {
    pub path: String,
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    #[serde(default)]
    pub executable: bool,
}

/// An import accepted (202): the plan the server made from its own
/// discovery, and the id to follow it by. `parent` and `children` are the
/// first plugin's (the only one's, for a plugin); `plugins` lists every
/// plugin the import runs, in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportStarted {
    pub transaction_id: String,
    pub status: JobStatus,
    pub parent: PendingParent,
    pub children: Vec<PendingChild>,
    pub plugins: Vec<PendingPlugin>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PendingPlugin {
    pub parent: PendingParent,
    pub children: Vec<PendingChild>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PendingParent {
    pub name: String,
    /// Not imported yet.
    pub pending: bool,
}

/// What the import will do with one child.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct PendingChild {
    pub name: String,
    pub kind: Kind,
    /// `imported` (new content), `linked` (the collection has it), `kept`
    /// (a conflict whose current version stays pinned), `forked` (a
    /// conflict imported under `<name>--<plugin>`), `new_version` (a
    /// conflict imported as a new version).
    pub status: String,
    /// `new`, `existing` or `conflict`: the preview's bucket.
    pub hash_status: String,
    pub content_hash: String,
    /// The collection's current version of a child that exists.
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    InProgress,
    Succeeded,
    Failed,
}

/// `GET /api/v1/imports/{transaction_id}`: an import's state; `result` once
/// it ran (a plugin that failed is `failed`, with every plugin's result),
/// `error` when it could not run at all.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ImportJob {
    pub transaction_id: String,
    pub status: JobStatus,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ImportSummary>,
    #[cfg_attr(feature = "ts", ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PublicError>,
}

/// The plan as the preview gives it: `{plugins: [{name, buckets}]}`.
pub type PlanResult = ImportPreview;
