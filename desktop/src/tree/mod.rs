//! Reading a tree from disk under the strict rules of DESIGN.md §3, and
//! hashing it on all cores with bounded memory.
//!
//! * symlinks are followed only while their target stays inside the root; a
//!   link that escapes, dangles or loops is an error;
//! * a name that is not UTF-8, a socket, FIFO or device is an error;
//! * an unreadable file or folder is an error naming it (never skipped);
//! * excluded names are never entered or read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use skillmeat_core::exclude::is_excluded_name;
use skillmeat_core::hash::{ContentHash, FileHasher, TreeHasher};
use tracing::info_span;
use walkdir::WalkDir;

use crate::error::{Error, Result};

/// Chunk size for reading files: large enough for full-speed SHA-256, small
/// enough that memory stays bounded whatever the file size.
const CHUNK: usize = 256 * 1024;

/// A file or folder read from disk: its canonical root and every regular,
/// non-excluded file below it.
#[derive(Debug)]
pub struct Tree {
    pub root: PathBuf,
    pub kind: TreeKind,
    pub files: Vec<TreeFile>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeKind {
    File,
    Directory,
}

/// One file: its `/`-separated path below the root and where to read it.
#[derive(Debug, Clone)]
pub struct TreeFile {
    pub rel: String,
    pub path: PathBuf,
}

/// The result of hashing one path, as `skillmeat hash --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PathHash {
    pub path: String,
    pub content_hash: ContentHash,
    pub kind: TreeKind,
    pub files: usize,
}

impl Tree {
    /// Lists `path` (a file or a folder) under the strict rules.
    pub fn scan(path: &Path) -> Result<Tree> {
        let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NotFound(path.to_owned()),
            _ => Error::Unreadable {
                path: path.to_owned(),
                source: e,
            },
        })?;
        let root = std::fs::canonicalize(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound if meta.file_type().is_symlink() => {
                Error::LinkDangling(path.to_owned())
            }
            _ => Error::Unreadable {
                path: path.to_owned(),
                source: e,
            },
        })?;
        let target = std::fs::metadata(&root).map_err(|e| Error::Unreadable {
            path: path.to_owned(),
            source: e,
        })?;
        if target.is_file() {
            let rel = file_name(&root)?;
            return Ok(Tree {
                files: vec![TreeFile {
                    rel,
                    path: root.clone(),
                }],
                root,
                kind: TreeKind::File,
            });
        }
        if !target.is_dir() {
            return Err(special(path, target.file_type()));
        }
        let files = walk(&root)?;
        Ok(Tree {
            root,
            kind: TreeKind::Directory,
            files,
        })
    }

    /// SHA-256 of every file `keep` selects, computed in parallel on all
    /// cores.
    pub fn digests_where(
        &self,
        keep: impl Fn(&TreeFile) -> bool + Sync,
    ) -> Result<HashMap<String, ContentHash>> {
        self.files
            .par_iter()
            .filter(|f| keep(f))
            .map(|f| Ok((f.rel.clone(), hash_file(&f.path)?)))
            .collect()
    }

    /// The canonical content hash of the whole tree.
    pub fn content_hash(&self) -> Result<(ContentHash, usize)> {
        if self.kind == TreeKind::File {
            return Ok((hash_file(&self.files[0].path)?, 1));
        }
        let digests: Vec<(usize, ContentHash)> = self
            .files
            .par_iter()
            .enumerate()
            .map(|(i, f)| Ok((i, hash_file(&f.path)?)))
            .collect::<Result<_>>()?;
        let mut t = TreeHasher::new();
        for (i, d) in digests {
            t.add_digest(&self.files[i].rel, d)
                .map_err(|e| Error::core(&self.root, e))?;
        }
        let d = t.finish().map_err(|e| Error::core(&self.root, e))?;
        Ok((d.content_hash, d.files))
    }
}

/// Hashes a file or folder as `skillmeat hash` does.
pub fn hash_path(path: &Path) -> Result<PathHash> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let span = info_span!("artifact.hash_compute", artifact_name = %name, content_hash = tracing::field::Empty);
    let _guard = span.enter();
    let started = Instant::now();
    let tree = Tree::scan(path)?;
    let (content_hash, files) = tree.content_hash()?;
    span.record("content_hash", tracing::field::display(content_hash));
    crate::telemetry::record_hash_duration(started.elapsed());
    Ok(PathHash {
        path: path.display().to_string(),
        content_hash,
        kind: tree.kind,
        files,
    })
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; CHUNK]);
}

/// SHA-256 of one file, read in fixed-size chunks.
pub fn hash_file(path: &Path) -> Result<ContentHash> {
    hash_file_with(path, |_| Ok(()))
}

/// SHA-256 of one file, read in fixed-size chunks through this thread's
/// buffer, handing each chunk to `each` as well (to copy it, say).
pub fn hash_file_with(
    path: &Path,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<ContentHash> {
    let unreadable = |source| Error::Unreadable {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(unreadable)?;
    BUFFER.with(|buf| {
        let mut buf = buf.borrow_mut();
        let mut hasher = FileHasher::new();
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    each(&buf[..n])?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(unreadable(e)),
            }
        }
    })
}

fn walk(root: &Path) -> Result<Vec<TreeFile>> {
    let mut files = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_some_and(is_excluded_name));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // walkdir stats a link before `filter_entry` sees it: a broken
            // link under an excluded name is still ignored.
            Err(e) if e.path().is_some_and(|p| is_excluded_below(root, p)) => continue,
            Err(e) => return Err(walk_error(root, e)),
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        if entry.path_is_symlink() {
            let target =
                std::fs::canonicalize(path).map_err(|_| Error::LinkDangling(path.to_owned()))?;
            if !target.starts_with(root) {
                return Err(Error::LinkEscapes {
                    path: path.to_owned(),
                    root: root.to_owned(),
                    target,
                });
            }
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let rel = relative(root, path)?;
        if !ft.is_file() {
            return Err(special(path, ft));
        }
        files.push(TreeFile {
            rel,
            path: path.to_owned(),
        });
    }
    Ok(files)
}

fn is_excluded_below(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components()
            .any(|c| c.as_os_str().to_str().is_some_and(is_excluded_name))
    })
}

fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_owned();
    if e.loop_ancestor().is_some() {
        return Error::LinkLoop(path);
    }
    match e.into_io_error() {
        Some(io) if io.kind() == io::ErrorKind::NotFound => Error::LinkDangling(path),
        Some(io) if io.raw_os_error() == Some(40) => Error::LinkLoop(path), // ELOOP
        Some(io) => Error::Unreadable { path, source: io },
        None => Error::Internal(format!("walking {}", path.display())),
    }
}

fn relative(root: &Path, path: &Path) -> Result<String> {
    let rel = path.strip_prefix(root).map_err(|_| {
        Error::Internal(format!(
            "{} is not below {}",
            path.display(),
            root.display()
        ))
    })?;
    let mut out = String::new();
    for c in rel.components() {
        let s = c
            .as_os_str()
            .to_str()
            .ok_or_else(|| Error::NonUtf8Name(path.to_owned()))?;
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(s);
    }
    Ok(out)
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::NonUtf8Name(path.to_owned()))
}

#[cfg(test)]
mod tests;

fn special(path: &Path, ft: std::fs::FileType) -> Error {
    use std::os::unix::fs::FileTypeExt;
    let what = if ft.is_fifo() {
        "FIFO (named pipe)"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "special file"
    };
    Error::SpecialFile {
        path: path.to_owned(),
        what,
    }
}
