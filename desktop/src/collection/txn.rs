//! The file half of an import transaction, and its recovery.
//!
//! Protocol (the database commit is the single commit point):
//! 1. `.txn/<id>/` is created and its `lock` file held (`flock`) for the
//!    life of the transaction; a transaction whose lock is free is dead.
//! 2. Under SQLite's write lock, rows are written, then every new blob and
//!    every replaced current-version path is staged in `.txn/<id>/`.
//! 3. `journal.json` lists the new blobs and the target paths (and whether
//!    each existed before). Only then do files move: blobs into `objects/`,
//!    each existing target into `.txn/<id>/old/`, the staged one into place.
//! 4. The database transaction commits, with a row in `import_transactions`.
//! 5. `.txn/<id>/` is removed: after a commit, once the write lock is
//!    released (a recovering process may see it vanish and finds the row);
//!    after a failure, before the write lock is released (so no other
//!    process ever sees a rolled-back folder half removed).
//!
//! Recovery of a dead transaction (always under SQLite's write lock): if its
//! row exists the import committed and only the folder is removed; if not,
//! every target is restored from `old/` (or removed if it is new), every new
//! blob is deleted, every removed blob is moved back from `gone/`, and the
//! folder is removed. Every step is idempotent.
//!
//! `remove` and `use` run the same protocol: a target may be removed (moved
//! into `old/`, nothing staged in its place) and a blob nothing references
//! any more moved into `gone/` (deleted with the folder after the commit).

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use skillmeat_core::hash::ContentHash;
use sqlx::AnyConnection;

use super::layout::{TXN_DIR, blob_path};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::fsx;
use crate::store::rows;

/// What `journal.json` records before any file moves.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    new_blobs: Vec<ContentHash>,
    targets: Vec<Target>,
    /// Blobs moved out of the store into `gone/` (`remove`, `use`).
    #[serde(default)]
    removed_blobs: Vec<ContentHash>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Target {
    /// Relative to the collection folder.
    path: String,
    existed: bool,
    /// Taken away, nothing put in its place.
    #[serde(default)]
    removed: bool,
}

/// One import's files, from staging to cleanup.
#[derive(Debug)]
pub struct FileTxn {
    collection: PathBuf,
    dir: PathBuf,
    /// `None` for a [`FileTxn::detached`] one.
    _lock: Option<File>,
    journal: Journal,
    /// The operation, which names the failpoints (`import.blob_moved`).
    op: &'static str,
}

impl FileTxn {
    /// Creates `.txn/<id>/` and takes its lock.
    pub fn begin(collection: &Path, id: &str) -> Result<FileTxn> {
        FileTxn::begin_for(collection, id, "import")
    }

    /// [`FileTxn::begin`] for operation `op`, whose name the failpoints of
    /// [`FileTxn::apply`] carry (`remove.target_backed_up`).
    pub fn begin_for(collection: &Path, id: &str, op: &'static str) -> Result<FileTxn> {
        let dir = collection.join(TXN_DIR).join(id);
        fsx::create_private_dir(&dir)?;
        let lock_path = dir.join("lock");
        let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        Ok(FileTxn {
            collection: collection.to_owned(),
            dir,
            _lock: Some(lock),
            journal: Journal::default(),
            op,
        })
    }

    /// The journal of a collection without a folder (its contents in the
    /// database): it only records the blobs that go, for the caller to
    /// delete in its database transaction. Nothing may be staged in it.
    pub fn detached(op: &'static str) -> FileTxn {
        FileTxn {
            collection: PathBuf::new(),
            dir: PathBuf::new(),
            _lock: None,
            journal: Journal::default(),
            op,
        }
    }

    /// The blobs recorded as going ([`FileTxn::remove_blob`]).
    pub fn removed_blobs(&self) -> &[ContentHash] {
        &self.journal.removed_blobs
    }

    fn check_attached(&self) {
        assert!(
            self._lock.is_some(),
            "nothing is staged for a collection without a folder"
        );
    }

    /// Records that `target` (relative to the collection, which has it)
    /// goes away: it is moved into `old/` and nothing takes its place.
    pub fn remove_target(&mut self, target: &str) {
        self.journal.targets.push(Target {
            path: target.to_owned(),
            existed: true,
            removed: true,
        });
    }

    /// Records that the stored blob `hash` goes: it is moved into `gone/`,
    /// and deleted with the folder once the transaction has committed.
    pub fn remove_blob(&mut self, hash: ContentHash) {
        self.journal.removed_blobs.push(hash);
    }

    fn hit(&self, point: &str) {
        failpoint::hit(&format!("{}.{point}", self.op));
    }

    /// Where a new blob is staged; records it as new.
    pub fn stage_blob_path(&mut self, hash: ContentHash) -> PathBuf {
        self.check_attached();
        self.journal.new_blobs.push(hash);
        self.dir.join("objects").join(hash.to_hex())
    }

    /// Where the new content of `target` (relative to the collection) is
    /// staged; records the target.
    pub fn stage_target_path(&mut self, target: &str) -> PathBuf {
        self.check_attached();
        let existed = fsx::exists(&self.collection.join(target));
        self.journal.targets.push(Target {
            path: target.to_owned(),
            existed,
            removed: false,
        });
        self.dir.join("new").join(target)
    }

    /// Writes the journal, then moves everything into place.
    pub fn apply(&self) -> Result<()> {
        let journal =
            serde_json::to_vec_pretty(&self.journal).map_err(|e| Error::Internal(e.to_string()))?;
        fsx::write_atomic(&self.dir.join("journal.json"), &journal)?;
        self.hit("journal_written");
        for hash in &self.journal.new_blobs {
            fsx::rename(
                &self.dir.join("objects").join(hash.to_hex()),
                &blob_path(&self.collection, hash),
            )?;
            self.hit("blob_moved");
        }
        for t in &self.journal.targets {
            let live = self.collection.join(&t.path);
            if t.existed {
                fsx::rename(&live, &self.dir.join("old").join(&t.path))?;
                self.hit("target_backed_up");
            }
            if !t.removed {
                fsx::rename(&self.dir.join("new").join(&t.path), &live)?;
                self.hit("target_moved");
            }
        }
        for hash in &self.journal.removed_blobs {
            fsx::rename(
                &blob_path(&self.collection, hash),
                &gone_path(&self.dir, hash),
            )?;
            self.hit("blob_removed");
        }
        Ok(())
    }

    /// Puts every file back as it was (the database rolls itself back).
    pub fn undo(&self) -> Result<()> {
        undo(&self.collection, &self.dir, &self.journal)
    }

    /// Removes the transaction folder (still holding its lock). After the
    /// commit another process may be removing it too; that is fine.
    pub fn finish(self) -> Result<()> {
        remove_folder(&self.dir)
    }
}

/// Removes a transaction folder; another process removing it at the same
/// time is fine.
fn remove_folder(dir: &Path) -> Result<()> {
    match fsx::remove_any(dir) {
        Err(_) if !fsx::exists(dir) => Ok(()),
        other => other,
    }
}

fn undo(collection: &Path, dir: &Path, journal: &Journal) -> Result<()> {
    for t in journal.targets.iter().rev() {
        let live = collection.join(&t.path);
        let old = dir.join("old").join(&t.path);
        if fsx::exists(&old) {
            fsx::remove_any(&live)?;
            fsx::rename(&old, &live)?;
        } else if !t.existed {
            fsx::remove_any(&live)?;
        }
    }
    for hash in &journal.new_blobs {
        fsx::remove_any(&blob_path(collection, hash))?;
    }
    for hash in &journal.removed_blobs {
        let gone = gone_path(dir, hash);
        if fsx::exists(&gone) {
            fsx::rename(&gone, &blob_path(collection, hash))?;
        }
    }
    Ok(())
}

/// Where a removed blob waits for the commit.
fn gone_path(dir: &Path, hash: &ContentHash) -> PathBuf {
    dir.join("gone").join(hash.to_hex())
}

/// Transaction folders whose owner is gone (their lock is free). Only
/// meaningful under SQLite's write lock: transactions are created under it.
pub fn dead_transactions(collection: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(collection.join(TXN_DIR)) else {
        return Vec::new();
    };
    let mut dead = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let Some(id) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        match File::open(dir.join("lock")) {
            Ok(f) => match f.try_lock() {
                Ok(()) => dead.push((id, dir)),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(_)) => dead.push((id, dir)),
            },
            // No lock file: the owner died before creating it.
            Err(_) => dead.push((id, dir)),
        }
    }
    dead.sort();
    dead
}

/// Rolls every dead transaction forward or back. Call with SQLite's write
/// lock held (inside a `BEGIN IMMEDIATE` transaction). Returns how many.
pub async fn recover(conn: &mut AnyConnection, collection: &Path) -> Result<usize> {
    let dead = dead_transactions(collection);
    for (id, dir) in &dead {
        let committed = rows::transaction_committed(conn, id).await?;
        if !committed {
            let journal: Journal = fs::read(dir.join("journal.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            undo(collection, dir, &journal)?;
        }
        // A committed transaction's owner removes its folder after the
        // commit, outside the write lock: it may be doing so right now.
        remove_folder(dir)?;
        if committed {
            tracing::debug!(transaction_id = %id, "cleaned up after a committed import");
        } else {
            tracing::warn!(transaction_id = %id, "rolled back an interrupted import");
        }
    }
    Ok(dead.len())
}
