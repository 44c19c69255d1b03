//! What needs no collection: the canonical hash of files and folders, and
//! discovery over a folder.

use std::path::Path;

pub use skillmeat_core::report::InspectReport;

use super::import::engine_limits;
use super::transfer::SizeLimits;
use crate::error::Result;
pub use crate::tree::PathHash;

/// The canonical content hash of a file or a folder.
pub fn hash(path: &Path) -> Result<PathHash> {
    crate::tree::hash_path(path)
}

/// The plugins in a folder (a plugin, a marketplace, a folder of plugins)
/// with their children and hashes, read under `limits`.
pub fn inspect(path: &Path, limits: SizeLimits) -> Result<InspectReport> {
    crate::inspect::inspect_with(path, &engine_limits(limits))
}
