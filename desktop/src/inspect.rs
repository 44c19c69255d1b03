//! `skillmeat inspect`: read a folder from disk, run core discovery over
//! the listing, check each plugin's sizes against the limits, and hash every
//! file of a plugin once on all cores.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use skillmeat_core::SafeRelPath;
use skillmeat_core::discovery::{self, Discovery, Listing, MAX_SMALL_FILE, Plugin, ReadProblem};
use skillmeat_core::hash::ContentHash;
use skillmeat_core::report::InspectReport;

use crate::bundle::Limits;
use crate::bundle::limits::{FILE_FLAG, PLUGIN_FLAG, human};
use crate::error::{Error, Result};
use crate::tree::{Tree, TreeKind};

/// A folder read from disk and the plugins discovered in it.
#[derive(Debug)]
pub struct Source {
    pub tree: Tree,
    pub discovery: Discovery,
    pub digests: HashMap<String, ContentHash>,
    by_rel: HashMap<String, usize>,
    /// Each file's metadata as listed, in the order of `tree.files`.
    meta: Vec<FileMeta>,
    /// The files are blobs the server holds ([`Source::of_listed`]).
    pub from_blobs: bool,
}

/// A file's size and executable bit, from the one `stat` of the listing
/// (or as a listing made elsewhere gives them).
#[derive(Debug, Clone, Copy)]
pub struct FileMeta {
    pub size: u64,
    pub executable: bool,
}

impl Source {
    /// [`Source::open_with`] the limits in force.
    pub fn open(path: &Path) -> Result<Source> {
        Self::open_with(path, &Limits::in_force())
    }

    /// Reads, discovers and hashes `path`. A path with no plugin is an
    /// error, and so is a plugin with a file or a total over `limits`
    /// (checked from the files' metadata before any is hashed). Only the
    /// files of plugins are hashed.
    pub fn open_with(path: &Path, limits: &Limits) -> Result<Source> {
        let tree = Tree::scan(path)?;
        if tree.kind == TreeKind::File {
            return Err(Error::BadInput {
                path: path.to_owned(),
                reason: "is a file; expected a plugin or marketplace folder".into(),
            });
        }
        let meta = file_meta(&tree)?;
        let root_name = (tree.root.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("plugin")
            .to_owned();
        Self::read(path, tree, meta, &root_name, limits, false)
    }

    /// [`Source::open_with`] for a folder listed by someone else: `tree`'s
    /// files are read where they are (the blobs of an upload, say), each
    /// with the size and mode in `meta` (in the tree's order), and its root
    /// (named `root_name` for discovery) is only shown in messages.
    pub fn of_listed(
        tree: Tree,
        meta: Vec<FileMeta>,
        root_name: &str,
        limits: &Limits,
    ) -> Result<Source> {
        let shown = tree.root.clone();
        Self::read(&shown, tree, meta, root_name, limits, true)
    }

    /// Discovers the plugins of `tree` and hashes their files; `path` is
    /// what messages name.
    fn read(
        path: &Path,
        tree: Tree,
        meta: Vec<FileMeta>,
        root_name: &str,
        limits: &Limits,
        from_blobs: bool,
    ) -> Result<Source> {
        let listing = Listing::new(tree.files.iter().map(|f| f.rel.as_str()))
            .map_err(|e| Error::core(path, e))?;
        let files: Files<'_> = tree
            .files
            .iter()
            .zip(&meta)
            .map(|(f, m)| (f.rel.as_str(), (f.path.as_path(), m.size)))
            .collect();
        let discovery = discover(path, root_name, &listing, &files)?;
        let digests = hash_plugins(&tree, &discovery, &files, limits)?;
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
            meta,
            from_blobs,
        })
    }

    /// Where the file `rel` (relative to the source root) is on disk.
    pub fn abs(&self, rel: &str) -> Option<&Path> {
        self.by_rel
            .get(rel)
            .map(|i| self.tree.files[*i].path.as_path())
    }

    /// The size of the file `rel` and whether it is executable, as listed.
    pub fn file_meta(&self, rel: &str) -> Option<(u64, bool)> {
        self.by_rel
            .get(rel)
            .map(|i| (self.meta[*i].size, self.meta[*i].executable))
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
/// tell a file it reads from one that is too large (should it have grown
/// since it was listed).
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Discovers and hashes the plugins in `path`.
pub fn inspect(path: &Path) -> Result<InspectReport> {
    inspect_with(path, &Limits::in_force())
}

/// [`inspect`] under `limits`.
pub fn inspect_with(path: &Path, limits: &Limits) -> Result<InspectReport> {
    Source::open_with(path, limits)?.report(path)
}

/// Each file of a tree by its path below the root: where it is, its size.
type Files<'a> = HashMap<&'a str, (&'a Path, u64)>;

/// Discovery over the tree; discovery reads small files only.
fn discover(
    path: &Path,
    root_name: &str,
    listing: &Listing,
    files: &Files<'_>,
) -> Result<Discovery> {
    let read = |rel: &str| -> Result<Vec<u8>, ReadProblem> {
        let (p, len) = files.get(rel).ok_or(ReadProblem::Failed)?;
        if *len > MAX_SMALL_FILE {
            return Err(ReadProblem::TooLarge);
        }
        read_small(p).map_err(|_| ReadProblem::Failed)
    };
    let discovery =
        discovery::discover(listing, root_name, &read).map_err(|e| Error::core(path, e))?;
    if discovery.plugins.is_empty() && discovery.remote.is_empty() {
        return Err(match discovery.warnings.first() {
            Some(w) => Error::BadInput {
                path: path.to_owned(),
                reason: format!("no plugin could be read: {w}"),
            },
            None => Error::NoPlugin(path.to_owned()),
        });
    }
    Ok(discovery)
}

/// The SHA-256 of every file of the plugins found, once each plugin's
/// sizes are within `limits`. Files of no plugin are not read.
fn hash_plugins(
    tree: &Tree,
    discovery: &Discovery,
    files: &Files<'_>,
    limits: &Limits,
) -> Result<HashMap<String, ContentHash>> {
    let mut wanted = HashSet::new();
    for plugin in &discovery.plugins {
        let rels = plugin_files(plugin);
        check_sizes(&tree.root, plugin, &rels, files, limits)?;
        wanted.extend(rels);
    }
    tree.digests_where(|f| wanted.contains(f.rel.as_str()))
}

/// The size and mode of every file of the tree, from its metadata (in
/// parallel: a `stat` each).
fn file_meta(tree: &Tree) -> Result<Vec<FileMeta>> {
    use std::os::unix::fs::PermissionsExt;
    tree.files
        .par_iter()
        .map(|f| {
            std::fs::metadata(&f.path)
                .map(|m| FileMeta {
                    size: m.len(),
                    executable: m.permissions().mode() & 0o111 != 0,
                })
                .map_err(|source| Error::Unreadable {
                    path: f.path.clone(),
                    source,
                })
        })
        .collect()
}

/// The files of `plugin`, relative to the source root.
fn plugin_files(plugin: &Plugin) -> Vec<String> {
    plugin
        .files
        .iter()
        .map(|f| plugin.root.join(f).as_str().to_owned())
        .collect()
}

/// Every file of the plugin within `limits.file_bytes`, all of them
/// within `limits.plugin_bytes`.
fn check_sizes(
    root: &Path,
    plugin: &Plugin,
    rels: &[String],
    files: &Files<'_>,
    limits: &Limits,
) -> Result<()> {
    let mut total = 0u64;
    for rel in rels {
        let Some((_, size)) = files.get(rel.as_str()) else {
            return Err(Error::Internal(format!("{rel} is not in the listing")));
        };
        if *size > limits.file_bytes {
            return Err(Error::BadInput {
                path: root.join(rel),
                reason: format!(
                    "is {}; a file of a plugin may hold at most {} ({FILE_FLAG})",
                    human(*size),
                    human(limits.file_bytes)
                ),
            });
        }
        total = total.saturating_add(*size);
    }
    if total > limits.plugin_bytes {
        return Err(Error::BadInput {
            path: match plugin.root.is_root() {
                true => root.to_owned(),
                false => root.join(plugin.root.as_str()),
            },
            reason: format!(
                "the plugin {:?} holds {} in {} files; a plugin may hold at most {} ({PLUGIN_FLAG})",
                plugin.name,
                human(total),
                rels.len(),
                human(limits.plugin_bytes)
            ),
        });
    }
    Ok(())
}
