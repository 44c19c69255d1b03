//! Removing from the collection, and making an earlier version current.

use serde::{Deserialize, Serialize};
#[cfg(feature = "ts")]
use ts_rs::TS;
use utoipa::ToSchema;

use super::Kind;

/// `remove`: a plugin goes with its memberships and the children no other
/// plugin contains; one artifact goes on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RemoveArgs {
    /// The plugin or artifact: its id, its name, or `type:name`.
    pub name: String,
    /// A plugin's children stay in the collection.
    #[serde(default)]
    pub keep_children: bool,
    /// Remove an artifact that is part of a plugin, or deployed in a project.
    #[serde(default)]
    pub force: bool,
    /// Only say what would go; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a removal took away (or, in a dry run, would).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RemoveResult {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub dry_run: bool,
    /// The artifact itself first, then the children that went with it.
    pub removed: Vec<RemovedArtifact>,
    /// A plugin's children that stayed, and why.
    pub kept: Vec<KeptArtifact>,
    /// What `force` overrode (the plugins it was part of, the projects it
    /// is deployed in).
    pub overridden: Vec<String>,
    /// Stored files deleted because no remaining version references them.
    pub blobs_freed: u32,
    /// Their sizes, added up.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_freed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RemovedArtifact {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    /// Its stored versions, all gone.
    pub versions: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct KeptArtifact {
    pub kind: Kind,
    pub name: String,
    /// `also in plugin <name>`, or `--keep-children`.
    pub reason: String,
}

/// `use NAME@HASH`: a stored version of an artifact becomes current again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UseArgs {
    /// The artifact: its id, its name, or `type:name`.
    pub name: String,
    /// `sha256:<hex>`, or a unique prefix of at least 8 hex characters.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UseResult {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// The version that was current.
    pub from_hash: String,
    /// The version that is current now.
    pub to_hash: String,
    /// False when it was current already (nothing was written).
    pub changed: bool,
}
