//! Where each artifact's current version lives inside a collection folder
//! (DESIGN.md §6), and where blobs live in the content-addressed store.

use std::path::{Path, PathBuf};

use skillmeat_core::hash::ContentHash;
use skillmeat_core::{ArtifactKind, SafeRelPath};

use crate::error::{Error, Result};

/// The shape of a stored version: one file, or a folder of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    File,
    Folder,
}

/// A single-file version has exactly one file row, whose path is `""`.
pub const SINGLE_FILE: &str = "";

/// `artifacts/skills/<n>`, `artifacts/commands/<n>.md`, … , `plugins/<n>`.
pub fn current_path(kind: ArtifactKind, name: &str, shape: Shape) -> Result<SafeRelPath> {
    let rel = match (kind, shape) {
        (ArtifactKind::Composite, _) => format!("plugins/{name}"),
        (ArtifactKind::Skill, _) => format!("artifacts/skills/{name}"),
        (ArtifactKind::Hook, _) => format!("artifacts/hooks/{name}"),
        (ArtifactKind::Command, Shape::File) => format!("artifacts/commands/{name}.md"),
        (ArtifactKind::Command, Shape::Folder) => format!("artifacts/commands/{name}"),
        (ArtifactKind::Agent, Shape::File) => format!("artifacts/agents/{name}.md"),
        (ArtifactKind::Agent, Shape::Folder) => format!("artifacts/agents/{name}"),
        (ArtifactKind::McpServer, _) => format!("artifacts/mcp_servers/{name}.json"),
    };
    SafeRelPath::new(&rel)
        .map_err(|e| Error::Usage(format!("cannot store the {kind} named {name:?}: {e}")))
}

/// Every folder that holds current versions (for orphan checks).
pub const CURRENT_ROOTS: [&str; 6] = [
    "artifacts/skills",
    "artifacts/commands",
    "artifacts/agents",
    "artifacts/hooks",
    "artifacts/mcp_servers",
    "plugins",
];

/// `objects/ab/cdef…` below the collection folder.
pub fn blob_path(collection: &Path, hash: &ContentHash) -> PathBuf {
    let hex = hash.to_hex();
    collection.join("objects").join(&hex[..2]).join(&hex[2..])
}

pub const MANIFEST: &str = "manifest.toml";
pub const LOCK: &str = "skillmeat.lock";
pub const TXN_DIR: &str = ".txn";
