//! `skillmeat inspect`: read a folder from disk, hash every file once on all
//! cores, and run core discovery over the listing.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use skillmeat_core::SafeRelPath;
use skillmeat_core::discovery::{self, Discovery, Listing, MAX_SMALL_FILE, ReadProblem};
use skillmeat_core::hash::ContentHash;
use skillmeat_core::report::InspectReport;

use crate::error::{Error, Result};
use crate::tree::{Tree, TreeKind};

/// A folder read from disk and the plugins discovered in it.
#[derive(Debug)]
pub struct Source {
    pub tree: Tree,
    pub discovery: Discovery,
    pub digests: HashMap<String, ContentHash>,
    by_rel: HashMap<String, usize>,
}

impl Source {
    /// Reads, hashes and discovers `path`. A path with no plugin is an error.
    pub fn open(path: &Path) -> Result<Source> {
        let tree = Tree::scan(path)?;
        if tree.kind == TreeKind::File {
            return Err(Error::BadInput {
                path: path.to_owned(),
                reason: "is a file; expected a plugin or marketplace folder".into(),
            });
        }
        let listing = Listing::new(tree.files.iter().map(|f| f.rel.as_str()))
            .map_err(|e| Error::core(path, e))?;
        let by_rel: HashMap<&str, &Path> = tree
            .files
            .iter()
            .map(|f| (f.rel.as_str(), f.path.as_path()))
            .collect();
        let read = |rel: &str| -> Result<Vec<u8>, ReadProblem> {
            let p = by_rel.get(rel).ok_or(ReadProblem::Failed)?;
            read_small(p).map_err(|_| ReadProblem::Failed)
        };
        let root_name = tree
            .root
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("plugin")
            .to_owned();
        let discovery =
            discovery::discover(&listing, &root_name, &read).map_err(|e| Error::core(path, e))?;
        if discovery.plugins.is_empty() {
            return Err(match discovery.warnings.first() {
                Some(w) => Error::BadInput {
                    path: path.to_owned(),
                    reason: format!("no plugin could be read: {w}"),
                },
                None => Error::NoPlugin(path.to_owned()),
            });
        }
        let digests = tree.digests()?;
        let by_rel = tree
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.rel.clone(), i))
            .collect();
        Ok(Source {
            tree,
            discovery,
            digests,
            by_rel,
        })
    }

    /// Where the file `rel` (relative to the source root) is on disk.
    pub fn abs(&self, rel: &str) -> Option<&Path> {
        self.by_rel
            .get(rel)
            .map(|i| self.tree.files[*i].path.as_path())
    }

    /// The SHA-256 of the file `rel`.
    pub fn digest(&self, rel: &str) -> Option<ContentHash> {
        self.digests.get(rel).copied()
    }

    /// The report `inspect` prints.
    pub fn report(&self, path: &Path) -> Result<InspectReport> {
        let digest = |p: &SafeRelPath| self.digests.get(p.as_str()).copied();
        InspectReport::build(&self.discovery, &digest).map_err(|e| Error::core(path, e))
    }
}

/// The first `MAX_SMALL_FILE + 1` bytes of a file: enough for discovery to
/// tell a file it reads from one that is too large.
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Discovers and hashes the plugins in `path`.
pub fn inspect(path: &Path) -> Result<InspectReport> {
    Source::open(path)?.report(path)
}
