//! Plugin discovery over a file listing (DESIGN.md §4).
//!
//! The host gives a [`Listing`] of every file below the path the user named
//! and a [`FileReader`] for the few small files discovery must look into
//! (manifests, frontmatter, `hooks.json`, `.mcp.json`). Discovery finds the
//! plugins — a marketplace, a Claude Code manifest, the earlier system's
//! manifest, or the folder heuristic — and their children, each with the
//! exact files that make it up, so the host can hash them.

use crate::prelude::*;

mod components;
mod entry;
mod listing;
mod manifest;
mod marketplace;
mod remote;
mod validation;

use serde_json::Value;

pub use listing::Listing;
pub use remote::{RemoteEntry, RemoteRepo, RemoteSource};

use crate::artifact::{ArtifactKind, Relationship};
use crate::error::Result;
use crate::hash::{ContentHash, TreeDigest, TreeHasher, hash_bytes};
use crate::order::sort_by_str;
use crate::path::SafeRelPath;

/// The largest file discovery reads (a manifest, `hooks.json`, `.mcp.json`,
/// a markdown file for its frontmatter): 8 MiB.
pub const MAX_SMALL_FILE: u64 = 8 << 20;

/// Reads a small file of the listing. A larger file than [`MAX_SMALL_FILE`]
/// is [`ReadProblem::TooLarge`]: the reader may say so itself, or stop after
/// `MAX_SMALL_FILE + 1` bytes and return those.
pub trait FileReader {
    fn read(&self, path: &SafeRelPath) -> Result<Vec<u8>, ReadProblem>;
}

impl<F: Fn(&str) -> Result<Vec<u8>, ReadProblem>> FileReader for F {
    fn read(&self, path: &SafeRelPath) -> Result<Vec<u8>, ReadProblem> {
        self(path.as_str())
    }
}

/// Why a [`FileReader`] gives no bytes for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadProblem {
    /// The file could not be read.
    Failed,
    /// The file is larger than [`MAX_SMALL_FILE`].
    TooLarge,
}

impl core::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ReadProblem::Failed => "could not be read",
            ReadProblem::TooLarge => "is larger than the 8 MiB limit for a manifest",
        })
    }
}

/// The bytes of `path`, at most [`MAX_SMALL_FILE`] of them.
fn read_small(read: &dyn FileReader, path: &SafeRelPath) -> Result<Vec<u8>, ReadProblem> {
    let bytes = read.read(path)?;
    match u64::try_from(bytes.len()) {
        Ok(len) if len <= MAX_SMALL_FILE => Ok(bytes),
        _ => Err(ReadProblem::TooLarge),
    }
}

/// How a plugin was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Detection {
    /// `.claude-plugin/plugin.json` or a marketplace entry.
    Manifest,
    /// The earlier system's root `plugin.json` / `composite.json`.
    LegacyManifest,
    /// No manifest: the folder's own components.
    Heuristic,
}

impl Detection {
    pub fn as_str(self) -> &'static str {
        match self {
            Detection::Manifest => "manifest",
            Detection::LegacyManifest => "legacy-manifest",
            Detection::Heuristic => "heuristic",
        }
    }
}

/// What discovery found below one root.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub plugins: Vec<Plugin>,
    /// Problems that did not stop discovery (a marketplace entry skipped …).
    pub warnings: Vec<String>,
    /// Set when the root is a marketplace: its `name`.
    pub marketplace: Option<String>,
    /// A marketplace's entries whose plugins are in other git repositories,
    /// in the order listed; the host fetches them (none is in `plugins`).
    pub remote: Vec<RemoteEntry>,
    /// A marketplace's entries whose source would leave the root (also
    /// warned about): a host reading a fetched marketplace refuses them.
    pub escaping: Vec<String>,
}

/// One plugin and its children.
#[derive(Debug, Clone)]
pub struct Plugin {
    pub name: String,
    /// The plugin root, relative to the listing root.
    pub root: SafeRelPath,
    pub detection: Detection,
    pub confidence: f64,
    pub version: Option<String>,
    pub description: Option<String>,
    /// The effective manifest (plugin.json, marketplace entry, or legacy).
    pub manifest: Option<Value>,
    pub children: Vec<Child>,
    /// Every file of the plugin, relative to the plugin root.
    pub files: Vec<SafeRelPath>,
    pub warnings: Vec<String>,
    /// What Claude Code would refuse in it (`crate::validate`).
    pub validation: crate::validate::Validation,
}

/// One child artifact of a plugin.
#[derive(Debug, Clone)]
pub struct Child {
    pub kind: ArtifactKind,
    pub name: String,
    /// Where the child is, relative to the plugin root (a file, a folder, or
    /// the `.json` an MCP server was declared in).
    pub path: SafeRelPath,
    pub relationship: Relationship,
    pub description: Option<String>,
    pub content: ChildContent,
    /// For a hook: the events its configs declare (the keys of each
    /// config's `hooks` object, as Claude Code reads them), sorted and
    /// unique. Empty for every other kind.
    pub events: Vec<String>,
}

/// The bytes that make up a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildContent {
    /// One file: `Child::path`. Hash = SHA-256 of its bytes.
    File,
    /// Files relative to the plugin root, hashed as a tree with paths
    /// relative to `base` (the skill folder; the plugin root for hooks).
    Tree {
        base: SafeRelPath,
        files: Vec<SafeRelPath>,
    },
    /// An MCP server entry: its canonical JSON.
    Inline { json: Vec<u8> },
}

impl Child {
    /// Plugin-relative files this child owns (so they are not meta files).
    pub fn owned_files(&self) -> Vec<&SafeRelPath> {
        match &self.content {
            ChildContent::File | ChildContent::Inline { .. } => vec![&self.path],
            ChildContent::Tree { files, .. } => files.iter().collect(),
        }
    }

    /// The canonical hash of this child, from the SHA-256 of each file.
    /// `digest` takes a path relative to the plugin root.
    pub fn digest(
        &self,
        digest: &dyn Fn(&SafeRelPath) -> Option<ContentHash>,
    ) -> Result<TreeDigest> {
        let missing = |p: &SafeRelPath| crate::Error::Manifest {
            file: p.as_str().to_owned(),
            field: "-".into(),
            reason: "the host gave no hash for this file".into(),
        };
        match &self.content {
            ChildContent::File => Ok(TreeDigest {
                content_hash: digest(&self.path).ok_or_else(|| missing(&self.path))?,
                files: 1,
            }),
            ChildContent::Inline { json } => Ok(TreeDigest {
                content_hash: hash_bytes(json),
                files: 1,
            }),
            ChildContent::Tree { base, files } => {
                let mut t = TreeHasher::new();
                for f in files {
                    let d = digest(f).ok_or_else(|| missing(f))?;
                    let rel = base.relative(f.as_str()).ok_or_else(|| missing(f))?;
                    t.add_digest(rel, d)?;
                }
                t.finish()
            }
        }
    }
}

impl Plugin {
    /// Files of the plugin that belong to no child (plugin.json, README,
    /// LICENSE, scripts and libraries …), relative to the plugin root.
    pub fn meta_files(&self) -> Vec<&SafeRelPath> {
        let mut owned: Vec<&SafeRelPath> =
            self.children.iter().flat_map(Child::owned_files).collect();
        sort_by_str(&mut owned, |p| p.as_str());
        self.files
            .iter()
            .filter(|f| owned.binary_search(f).is_err())
            .collect()
    }

    /// The plugin's own hash: the tree of all its files.
    pub fn digest(
        &self,
        digest: &dyn Fn(&SafeRelPath) -> Option<ContentHash>,
    ) -> Result<TreeDigest> {
        let whole = Child {
            kind: ArtifactKind::Composite,
            name: self.name.clone(),
            path: SafeRelPath::root(),
            relationship: Relationship::Member,
            description: None,
            content: ChildContent::Tree {
                base: SafeRelPath::root(),
                files: self.files.clone(),
            },
            events: Vec::new(),
        };
        whole.digest(digest)
    }

    pub fn count(&self, kind: ArtifactKind) -> usize {
        self.children.iter().filter(|c| c.kind == kind).count()
    }
}

/// Finds the plugins below the root of `listing`. `root_name` is the name of
/// the root folder (a plugin without a manifest is named after its folder).
///
/// As Claude Code reads a folder given to it: a marketplace's plugins, and
/// the root itself when it holds a `plugin.json` the marketplace does not
/// list (`--plugin-dir` loads such a folder as that plugin); a plugin
/// manifest; a plugin without a manifest, named after the folder, when the
/// root holds any component; else a folder of plugins (each
/// `.claude-plugin/plugin.json` below the root not inside another one).
pub fn discover(listing: &Listing, root_name: &str, read: &dyn FileReader) -> Result<Discovery> {
    let root = SafeRelPath::root();
    if listing.contains(&marketplace::manifest_path(&root)) {
        let mut discovery = marketplace::discover(listing, read)?;
        let manifest = SafeRelPath::new(".claude-plugin/plugin.json")?;
        if listing.contains(&manifest) && !discovery.plugins.iter().any(|p| p.root.is_root()) {
            let roots: Vec<SafeRelPath> =
                discovery.plugins.iter().map(|p| p.root.clone()).collect();
            let others = nested_below(&roots, &root);
            if let Some(p) = manifest::plugin_at(listing, read, &root, root_name, &others)? {
                // The folder is that plugin: a remote entry of its name (a
                // plugin listing itself) is not fetched.
                let (listed, rest) = core::mem::take(&mut discovery.remote)
                    .into_iter()
                    .partition(|r| r.name == p.name);
                discovery.remote = rest;
                for r in listed {
                    discovery.warnings.push(format!(
                        ".claude-plugin/marketplace.json: plugin {:?}: this folder is that plugin; its remote source ({}) is not fetched",
                        r.name, r.source
                    ));
                }
                discovery.plugins.insert(0, p);
            }
        }
        return Ok(discovery);
    }
    if let Some(plugin) = manifest::plugin_at(listing, read, &root, root_name, &[])? {
        return Ok(Discovery {
            plugins: vec![plugin],
            ..Discovery::default()
        });
    }
    let roots = nested_plugin_roots(listing);
    let mut discovery = Discovery::default();
    for r in &roots {
        let others = nested_below(&roots, r);
        let name = r.file_name().to_owned();
        if let Some(p) = manifest::plugin_at(listing, read, r, &name, &others)? {
            discovery.plugins.push(p);
        }
    }
    Ok(discovery)
}

/// The plugin roots of `roots` strictly below `root`: the files below them
/// are theirs, not `root`'s. (Only these: asking every root of a large
/// marketplace about every file of every plugin is quadratic.)
pub(crate) fn nested_below(roots: &[SafeRelPath], root: &SafeRelPath) -> Vec<SafeRelPath> {
    roots
        .iter()
        .filter(|o| *o != root && root.relative(o.as_str()).is_some())
        .cloned()
        .collect()
}

fn nested_plugin_roots(listing: &Listing) -> Vec<SafeRelPath> {
    let mut roots: Vec<SafeRelPath> = listing
        .files()
        .iter()
        .filter(|f| f.as_str().ends_with("/.claude-plugin/plugin.json"))
        .map(|f| f.parent().parent())
        .collect();
    sort_by_str(&mut roots, SafeRelPath::as_str);
    let mut outer: Vec<SafeRelPath> = Vec::new();
    for r in roots {
        if !outer.iter().any(|o| o.relative(r.as_str()).is_some()) {
            outer.push(r);
        }
    }
    outer
}

#[cfg(test)]
mod tests;
