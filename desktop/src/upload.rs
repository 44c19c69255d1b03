//! The upload area of a collection (`<collection>/.uploads/`), for the
//! hash-first import (DESIGN.md §12): blobs a client sent by their SHA-256,
//! re-hashed as they were written, waiting for an import to use them.
//!
//! - `blobs/<sha256>`: whole, verified uploads. An upload is not part of the
//!   collection: nothing refers to it, `verify` does not count it. An import
//!   that stored a blob in `objects/` removes its upload; one that nothing
//!   used is removed once it is older than [`ttl`] ([`Area::sweep`]).
//! - `incoming/`: uploads being written (temp files, gone on drop).
//! - `imports/<id>/`: links to the uploads an import reads (its tree is
//!   read from the blobs where they are), so that a sweep cannot take them
//!   away mid-import; gone when the import ends.
//!
//! The area is inside the collection folder, so on the same filesystem as
//! the store: keeping an upload and rebuilding a tree are renames and links.
//! A collection on a database server has no folder: its uploads live in
//! the database (`crate::store::uploads`), so that any server can import
//! what a client uploaded to another, and this area
//! (`$SKILLMEAT_HOME/uploads/<collection>/`) is one server's working copy
//! of them; the blobs the database holds are read from the home's cache of
//! checked copies ([`crate::collection::Contents`]). The caller copies
//! both in first (`ops::upload::fetch_held`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use skillmeat_core::SafeRelPath;
use skillmeat_core::exclude::is_excluded_path;
use skillmeat_core::hash::{ContentHash, FileHasher};
use tempfile::{NamedTempFile, TempDir};

use crate::collection::layout;
use crate::error::{Error, Result};
use crate::fsx;
use crate::inspect::FileMeta;
use crate::tree::{Tree, TreeFile, TreeKind};

/// The upload area's folder, below the collection folder.
pub const DIR: &str = ".uploads";

/// How long an upload nothing has used is kept: 24 hours, unless
/// [`TTL_ENV`] gives another number of seconds.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// `SKILLMEAT_UPLOAD_TTL`: seconds an unused upload is kept.
pub const TTL_ENV: &str = "SKILLMEAT_UPLOAD_TTL";

/// The time an unused upload is kept ([`DEFAULT_TTL`] or [`TTL_ENV`]).
pub fn ttl() -> Duration {
    std::env::var(TTL_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(DEFAULT_TTL, Duration::from_secs)
}

/// A SHA-256 as a client names a blob: 64 lowercase hex digits.
pub fn parse_hash(text: &str) -> Result<ContentHash> {
    let bad = || {
        Error::Usage(format!(
            "{text:?} is not a SHA-256 (64 lowercase hex digits)"
        ))
    };
    if text.len() != 64 {
        return Err(bad());
    }
    text.parse().map_err(|_| bad())
}

/// One collection's upload area.
#[derive(Debug, Clone)]
pub struct Area {
    /// What the area's notes are relative to.
    collection: PathBuf,
    root: PathBuf,
    /// Where the collection's stored blobs are read (`objects/` below it).
    store: PathBuf,
    /// Whether the store is the database's (read through a cache): an
    /// upload an import used is then released without looking.
    in_database: bool,
}

/// A file of a tree to rebuild: where it goes, the blob that holds it, its
/// size and mode as the client gave them (checked against the blob).
#[derive(Debug, Clone)]
pub struct TreeEntry {
    pub path: String,
    pub blob: ContentHash,
    pub size: u64,
    pub executable: bool,
}

/// A tree described by a client, read from the blobs held: each file
/// where its blob is.
#[derive(Debug)]
pub struct Rebuilt {
    /// The files, below a root named as the client named it (shown in
    /// messages, never read).
    pub tree: Tree,
    /// Each file's size and mode as the client gave them, in the tree's
    /// order (each size checked against its blob).
    pub meta: Vec<FileMeta>,
    /// What the import holds until it ends.
    pub kept: Kept,
}

/// The blobs a rebuilt tree reads. An upload among them is linked into
/// scratch space, so that a sweep or another import's release cannot take
/// it away while this import reads it; a stored blob is read in place (the
/// store drops only blobs nothing refers to). The links go on drop.
#[derive(Debug)]
pub struct Kept {
    pub blobs: HashSet<ContentHash>,
    _links: TempDir,
}

/// Where a blob is held, and its size.
struct Held {
    path: PathBuf,
    size: u64,
    /// Held as an upload, not in the store.
    upload: bool,
}

impl Area {
    /// The upload area of the collection in `collection` (a folder).
    pub fn of(collection: &Path) -> Area {
        Area {
            collection: collection.to_owned(),
            root: collection.join(DIR),
            store: collection.to_owned(),
            in_database: false,
        }
    }

    /// The upload area `root` of a collection whose contents live in the
    /// database, read through the cache `cache`.
    pub fn for_database(root: &Path, cache: &Path) -> Area {
        Area {
            collection: root.to_owned(),
            root: root.to_owned(),
            store: cache.to_owned(),
            in_database: true,
        }
    }

    fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// Where an upload of `hash` is kept.
    pub fn upload_path(&self, hash: &ContentHash) -> PathBuf {
        self.blobs_dir().join(hash.to_hex())
    }

    /// The file holding `hash`: the collection's store first, then the
    /// uploads.
    pub fn find(&self, hash: &ContentHash) -> Option<PathBuf> {
        self.held(hash).map(|h| h.path)
    }

    /// [`Area::find`], with the blob's size and whether it is an upload.
    fn held(&self, hash: &ContentHash) -> Option<Held> {
        [
            (layout::blob_path(&self.store, hash), false),
            (self.upload_path(hash), true),
        ]
        .into_iter()
        .find_map(|(path, upload)| {
            let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
            Some(Held {
                path,
                size: meta.len(),
                upload,
            })
        })
    }

    /// The hashes of `wanted` held neither in the store nor in the uploads,
    /// each once, in the order asked.
    pub fn missing(&self, wanted: &[ContentHash]) -> Vec<ContentHash> {
        let mut seen = HashSet::with_capacity(wanted.len());
        let unique: Vec<ContentHash> = wanted
            .iter()
            .filter(|h| seen.insert(**h))
            .copied()
            .collect();
        // A `stat` or two each, on all cores.
        unique
            .into_par_iter()
            .filter(|h| self.held(h).is_none())
            .collect()
    }

    /// A temp file to write an upload into (removed unless [`Area::keep`]).
    pub fn incoming(&self) -> Result<NamedTempFile> {
        let dir = self.root.join("incoming");
        fsx::create_private_dir(&dir)?;
        tempfile::Builder::new()
            .prefix(".part-")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, e))
    }

    /// Keeps a written upload as the blob `hash` (the caller hashed it). An
    /// upload of the same blob is replaced, which restarts its time.
    pub fn keep(&self, temp: NamedTempFile, hash: &ContentHash) -> Result<()> {
        let dir = self.blobs_dir();
        fsx::create_private_dir(&dir)?;
        let to = self.upload_path(hash);
        temp.persist(&to).map_err(|e| Error::io(&to, e.error))?;
        Ok(())
    }

    /// Removes the uploads of `blobs` that the store now holds (an import
    /// copied them there). For a database collection, the caller gives
    /// only those the database holds.
    pub fn release(&self, blobs: &HashSet<ContentHash>) {
        blobs.par_iter().for_each(|hash| {
            if self.in_database || fsx::exists(&layout::blob_path(&self.store, hash)) {
                let _ = std::fs::remove_file(self.upload_path(hash));
            }
        });
    }

    /// Everything in the area older than `ttl`: uploads, half-written
    /// uploads and rebuilt trees left by a killed process.
    pub fn stale(&self, ttl: Duration) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ["blobs", "incoming", "imports"] {
            let Ok(entries) = std::fs::read_dir(self.root.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let age = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok());
                if age.is_some_and(|a| a >= ttl) {
                    out.push(entry.path());
                }
            }
        }
        out.sort();
        out
    }

    /// Removes what [`Area::stale`] finds; returns how many entries went.
    pub fn sweep(&self, ttl: Duration) -> usize {
        self.stale(ttl)
            .iter()
            .filter(|p| fsx::remove_any(p).is_ok())
            .count()
    }

    /// `stale` as `verify` notes: paths relative to the collection.
    pub fn notes(&self, ttl: Duration) -> Vec<String> {
        self.stale(ttl)
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(&self.collection).unwrap_or(p);
                format!(
                    "{}: an upload no import used, older than {} s (the server removes it)",
                    rel.display(),
                    ttl.as_secs()
                )
            })
            .collect()
    }

    /// The tree `files` describes, named `root_name`, read from the blobs
    /// held ([`Rebuilt`]). Every path must be a [`SafeRelPath`], no path
    /// may be given twice or be a folder of another, and every size must be
    /// the blob's; a blob not held is [`Error::MissingBlobs`] (all of them
    /// named). Paths a folder read from disk would skip (`.git/`,
    /// `node_modules/`, …) are left out of the tree.
    pub fn rebuild(&self, files: &[TreeEntry], root_name: &str) -> Result<Rebuilt> {
        check_paths(files)?;
        let root_name = folder_name(root_name)?;
        let blobs: HashSet<ContentHash> = files.iter().map(|f| f.blob).collect();
        let unique: Vec<ContentHash> = blobs.iter().copied().collect();
        // A `stat` or two each, on all cores.
        let held: Vec<Option<Held>> = unique.par_iter().map(|h| self.held(h)).collect();
        let missing: BTreeSet<String> = (unique.iter().zip(&held))
            .filter(|(_, h)| h.is_none())
            .map(|(hash, _)| hash.to_hex())
            .collect();
        if !missing.is_empty() {
            return Err(Error::MissingBlobs(missing.into_iter().collect()));
        }
        let imports = self.root.join("imports");
        fsx::create_private_dir(&imports)?;
        let links = tempfile::Builder::new()
            .prefix("import-")
            .tempdir_in(&imports)
            .map_err(|e| Error::io(&imports, e))?;
        let at: HashMap<ContentHash, Held> = (unique.into_par_iter().zip(held))
            .filter_map(|(hash, held)| Some((hash, held?)))
            .map(|(hash, held)| Ok((hash, self.linked(&hash, held, links.path())?)))
            .collect::<Result<_>>()?;
        let mut tree = Tree {
            root: PathBuf::from(root_name),
            kind: TreeKind::Directory,
            files: Vec::with_capacity(files.len()),
        };
        let mut meta = Vec::with_capacity(files.len());
        for f in files.iter().filter(|f| !is_excluded_path(&f.path)) {
            let held = at
                .get(&f.blob)
                .ok_or_else(|| Error::Internal(format!("blob {} vanished", f.blob.to_hex())))?;
            if held.size != f.size {
                return Err(Error::Usage(format!(
                    "files: {:?} is given as {} bytes, but its blob {} holds {}",
                    f.path,
                    f.size,
                    f.blob.to_hex(),
                    held.size
                )));
            }
            tree.files.push(TreeFile {
                rel: f.path.clone(),
                path: held.path.clone(),
            });
            meta.push(FileMeta {
                size: f.size,
                executable: f.executable,
            });
        }
        Ok(Rebuilt {
            tree,
            meta,
            kept: Kept {
                blobs,
                _links: links,
            },
        })
    }
}

impl Area {
    /// `held` as the import reads it: an upload linked (or copied) into
    /// `links`, out of a sweep's reach; a stored blob where it is. An
    /// upload gone since it was found (another import stored it and
    /// released it) is looked for again.
    fn linked(&self, hash: &ContentHash, held: Held, links: &Path) -> Result<Held> {
        if !held.upload {
            return Ok(held);
        }
        let to = links.join(hash.to_hex());
        if std::fs::hard_link(&held.path, &to).is_ok() || std::fs::copy(&held.path, &to).is_ok() {
            return Ok(Held { path: to, ..held });
        }
        match self.held(hash) {
            Some(again) if !again.upload => Ok(again),
            _ => Err(Error::MissingBlobs(vec![hash.to_hex()])),
        }
    }
}

/// Every path safe, none twice, none a folder of another.
fn check_paths(files: &[TreeEntry]) -> Result<()> {
    let mut paths = BTreeSet::new();
    for f in files {
        let safe = SafeRelPath::new(&f.path)
            .ok()
            .filter(|p| !p.is_root())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "files: {:?} is not a relative path inside the folder (no `..`, no leading `/`, \
                     no backslash or control character)",
                    f.path
                ))
            })?;
        if !paths.insert(safe.as_str().to_owned()) {
            return Err(Error::Usage(format!("files: {:?} is given twice", f.path)));
        }
    }
    // A file may not be a folder of another path: every folder on each
    // path's way is looked up (sorted neighbours miss `a`, `a-b`, `a/b`).
    for path in &paths {
        for (i, _) in path.match_indices('/') {
            let folder = &path[..i];
            if paths.contains(folder) {
                return Err(Error::Usage(format!(
                    "files: {folder:?} is a file, but {path:?} puts a file inside it"
                )));
            }
        }
    }
    Ok(())
}

/// The root folder's name (discovery names a plugin without a manifest
/// after it): one plain path component.
fn folder_name(name: &str) -> Result<&str> {
    let name = if name.is_empty() { "plugin" } else { name };
    let plain = SafeRelPath::new(name).is_ok() && !name.contains('/') && name != ".";
    match plain {
        true => Ok(name),
        false => Err(Error::Usage(format!(
            "root_name: {name:?} is not a folder name (one path component)"
        ))),
    }
}

/// Writes an upload and hashes it on the way.
#[derive(Debug)]
pub struct Upload {
    file: NamedTempFile,
    hasher: FileHasher,
    written: u64,
}

impl Upload {
    pub fn new(file: NamedTempFile) -> Upload {
        Upload {
            file,
            hasher: FileHasher::new(),
            written: 0,
        }
    }

    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.file
            .write_all(chunk)
            .map_err(|e| Error::io(self.file.path(), e))?;
        self.hasher.update(chunk);
        self.written += chunk.len() as u64;
        Ok(())
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// The file and the SHA-256 of what was written.
    pub fn finish(self) -> (NamedTempFile, ContentHash) {
        (self.file, self.hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skillmeat_core::hash::hash_bytes;

    fn entry(path: &str, bytes: &[u8]) -> TreeEntry {
        TreeEntry {
            path: path.to_owned(),
            blob: hash_bytes(bytes),
            size: bytes.len() as u64,
            executable: false,
        }
    }

    fn keep(area: &Area, bytes: &[u8]) {
        let mut up = Upload::new(area.incoming().expect("a temp file"));
        up.write(bytes).expect("written");
        let (temp, hash) = up.finish();
        area.keep(temp, &hash).expect("kept");
    }

    #[test]
    fn paths_that_leave_the_folder_repeat_or_nest_in_a_file_are_refused() {
        for paths in [
            &["../x"][..],
            &["/etc/passwd"],
            &["a/../../x"],
            &["a\\b"],
            &[""],
            &["a", "a"],
            &["a", "a/b"],
            &["a", "a-b", "a/b"],
            &["a/b/c", "a/b.md", "a/b"],
        ] {
            let files: Vec<_> = paths.iter().map(|p| entry(p, b"x")).collect();
            let e = check_paths(&files).expect_err(&format!("{paths:?}"));
            assert!(e.to_string().starts_with("files: "), "{e}");
        }
        let fine: Vec<_> = ["a/b", "a/c", "ab", "a.b/c"]
            .iter()
            .map(|p| entry(p, b"x"))
            .collect();
        check_paths(&fine).expect("distinct, safe paths");
    }

    #[test]
    fn a_tree_is_rebuilt_from_held_blobs_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().expect("a collection folder");
        let area = Area::of(dir.path());
        keep(&area, b"one");
        let mut run = entry("bin/run.sh", b"one");
        run.executable = true;
        let files = vec![entry("a/one.md", b"one"), run];
        let files = [files, vec![entry(".git/config", b"one")]].concat();
        let rebuilt = area.rebuild(&files, "p").expect("rebuilt");
        assert_eq!(rebuilt.tree.root, Path::new("p"));
        let listed: Vec<(&str, u64, bool)> = (rebuilt.tree.files.iter().zip(&rebuilt.meta))
            .map(|(f, m)| (f.rel.as_str(), m.size, m.executable))
            .collect();
        assert_eq!(listed, [("a/one.md", 3, false), ("bin/run.sh", 3, true)]);
        // The upload is the import's until it ends, whoever removes it.
        std::fs::remove_file(area.upload_path(&hash_bytes(b"one"))).expect("removed");
        assert_eq!(
            std::fs::read(&rebuilt.tree.files[1].path).expect("bin/run.sh"),
            b"one"
        );
        keep(&area, b"one");
        let missing = vec![entry("a.md", b"one"), entry("b.md", b"two")];
        match area.rebuild(&missing, "p") {
            Err(Error::MissingBlobs(names)) => assert_eq!(names, [hash_bytes(b"two").to_hex()]),
            other => panic!("{other:?}"),
        }
        let mut wrong = entry("a.md", b"one");
        wrong.size = 4;
        assert!(matches!(area.rebuild(&[wrong], "p"), Err(Error::Usage(_))));
        assert_eq!(
            area.missing(&[hash_bytes(b"two"), hash_bytes(b"one"), hash_bytes(b"two")]),
            [hash_bytes(b"two")]
        );
    }

    #[test]
    fn uploads_older_than_the_time_are_swept() {
        let dir = tempfile::tempdir().expect("a collection folder");
        let area = Area::of(dir.path());
        keep(&area, b"old");
        assert_eq!(area.sweep(Duration::from_secs(3600)), 0);
        assert_eq!(area.notes(Duration::from_secs(3600)), Vec::<String>::new());
        assert_eq!(area.notes(Duration::ZERO).len(), 1);
        assert_eq!(area.sweep(Duration::ZERO), 1);
        assert_eq!(area.missing(&[hash_bytes(b"old")]), [hash_bytes(b"old")]);
    }
}
