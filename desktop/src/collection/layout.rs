//! Where each artifact's current version lives inside a collection folder
//! (DESIGN.md §6), and where blobs live in the content-addressed store.

use std::path::{Path, PathBuf};

use skillmeat_core::hash::ContentHash;
use skillmeat_core::kind::{KINDS, Shape as KindShape};
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

/// `artifacts/skills/<n>`, `artifacts/commands/<n>.md`, … , `plugins/<n>`:
/// the kind's store folder ([`skillmeat_core::kind::KINDS`]), and a file
/// name for a single markdown file or a server's JSON entry.
pub fn current_path(kind: ArtifactKind, name: &str, shape: Shape) -> Result<SafeRelPath> {
    let info = kind.info();
    let dir = info.store_dir;
    let rel = match (info.shape, shape) {
        (KindShape::Server(_), _) => format!("{dir}/{name}.json"),
        (KindShape::Markdown, Shape::File) => format!("{dir}/{name}.md"),
        _ => format!("{dir}/{name}"),
    };
    SafeRelPath::new(&rel)
        .map_err(|e| Error::Usage(format!("cannot store the {kind} named {name:?}: {e}")))
}

/// Every folder that holds current versions (for orphan checks).
pub fn current_roots() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|k| k.store_dir)
}

/// `objects/ab/cdef…` below the collection folder.
pub fn blob_path(collection: &Path, hash: &ContentHash) -> PathBuf {
    let hex = hash.to_hex();
    collection.join("objects").join(&hex[..2]).join(&hex[2..])
}

pub const MANIFEST: &str = "manifest.toml";
pub const LOCK: &str = "skillmeat.lock";
pub const TXN_DIR: &str = ".txn";
