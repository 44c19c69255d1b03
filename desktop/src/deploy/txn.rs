//! The deploy transaction: a project changes all-or-nothing.
//!
//! Every file a deploy or undeploy puts in place is first staged (copied and
//! re-hashed) under `.claude/skillmeat/txn/<id>/`. The whole change is then
//! a list of renames, written into the record as a pending [`Journal`]
//! before the first of them runs: new files move in from the staging folder,
//! files they replace (or that go away) move aside into it, or to a kept
//! backup. Renames keep each file whole, with its mode. The record with the
//! new deployments and the journal marked committed is the commit point;
//! cleaning up (the staging folder, emptied folders) follows, and the
//! journal goes last.
//!
//! Whoever finds a journal (deploy, undeploy and status, under the project
//! lock) finishes it: a committed one is cleaned up; a pending one is rolled
//! back — if this `SKILLMEAT_HOME` started it for this project ([`Started`]);
//! any other is refused, never run — by undoing its renames in reverse. A
//! rename `from → to` has happened exactly when `to` exists and `from` does
//! not, and each carries the content it moved (only that goes back), so a
//! rollback is right after a kill at any instant and can itself be killed
//! and run again. A file moved aside that cannot go back is kept as a
//! backup beside its place, never deleted.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use skillmeat_core::{ContentHash, SafeRelPath};

use super::project::Project;
use super::record::{Place, RECORD, Record, STATE_DIR, is_transaction_id, staging_dir, state_path};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::home::Home;

pub const TXN_DIR: &str = ".claude/skillmeat/txn";
const RECORD_TEMP: &str = ".claude/skillmeat/deployments.json.tmp";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxnState {
    /// Renames may have started: roll back.
    Pending,
    /// The record holds the new deployments: clean up.
    Committed,
}

/// A deploy or undeploy, as written into the record before it touches the
/// project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub id: String,
    /// What runs (`deploy guardrails`), for messages.
    pub operation: String,
    pub state: TxnState,
    /// Folders created before the renames (outermost first).
    pub mkdirs: Vec<Place>,
    /// The renames, in order.
    pub moves: Vec<Move>,
    /// Folders removed after the commit if nothing but junk is left in them
    /// (innermost first).
    pub rmdirs: Vec<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: Place,
    pub to: Place,
    /// The moved file's content: a rollback takes back only that.
    pub sha256: ContentHash,
}

/// A file in the staging folder and its hash.
#[derive(Debug)]
pub struct Staged {
    place: Place,
    hash: ContentHash,
}

/// The mode of a staged file, and the owner it takes over from the file it
/// replaces (when we may give it).
#[derive(Debug, Clone, Copy)]
pub struct Perms {
    pub mode: u32,
    pub owner: Option<(u32, u32)>,
}

impl Perms {
    fn create(self, path: &Path) -> io::Result<fs::File> {
        let file = create_new(path, self.mode)?;
        if let Some((uid, gid)) = self.owner {
            // Only root may give a file away; anyone else keeps it.
            match std::os::unix::fs::fchown(&file, Some(uid), Some(gid)) {
                Err(e) if e.kind() != io::ErrorKind::PermissionDenied => return Err(e),
                _ => {}
            }
        }
        Ok(file)
    }
}

impl Journal {
    /// Its staging folder (the id was checked when the record was read).
    fn dir(&self) -> Result<SafeRelPath> {
        staging_dir(&self.id)
            .ok_or_else(|| Error::Internal(format!("{:?} is not a transaction id", self.id)))
    }

    /// A journal from a record is untrusted: its id must be a plain name,
    /// each rename must move a file between a deployed place and its own
    /// staging folder or a backup beside it, and its folders must be
    /// folders deployments make.
    pub fn check(&self) -> Result<(), String> {
        if !is_transaction_id(&self.id) {
            return Err(format!("transaction id {:?} is not a plain name", self.id));
        }
        if self.operation.chars().any(char::is_control) {
            return Err("a transaction's operation holds control characters".into());
        }
        for m in &self.moves {
            let staged = |p: &Place| p.is_staging_of(&self.id);
            let ok = (staged(&m.from) && (m.to.is_file_place() || m.to.is_backup()))
                || (m.from.is_file_place() && staged(&m.to))
                || m.to.is_backup_of(&m.from)
                || m.from.is_backup_of(&m.to);
            if !ok {
                return Err(format!(
                    "transaction {} moves {} to {}, which no deploy does",
                    self.id, m.from, m.to
                ));
            }
        }
        let dirs = self.mkdirs.iter().chain(&self.rmdirs);
        if let Some(d) = dirs.into_iter().find(|d| !d.is_dir_place()) {
            return Err(format!("transaction {} names the folder {d}", self.id));
        }
        Ok(())
    }
}

/// The transactions this skillmeat home started and has not finished:
/// `$SKILLMEAT_HOME/deploys/<id>`, each holding its project's path and a
/// fingerprint of the journal's renames. A pending journal in a record is
/// rolled back only if it is listed here for that project, renames and
/// all: one that came with a cloned repository (or was made to look like
/// one of ours) never runs.
#[derive(Debug, Clone)]
pub struct Started {
    dir: PathBuf,
    /// Who owns the home (`sudo -E` must not leave root's files in it).
    owner: Option<(u32, u32)>,
}

/// What an entry of `deploys/` may hold at most.
const MAX_STARTED: u64 = 64 << 10;

impl Started {
    pub fn of(home: &Home) -> Started {
        use std::os::unix::fs::MetadataExt;
        Started {
            dir: home.root().join("deploys"),
            owner: fs::metadata(home.root()).ok().map(|m| (m.uid(), m.gid())),
        }
    }

    fn entry(project: &Project, journal: &Journal) -> Vec<u8> {
        let renames = serde_json::to_vec(&(&journal.mkdirs, &journal.moves)).unwrap_or_default();
        let mut text = project.root().as_os_str().as_encoded_bytes().to_vec();
        text.push(b'\n');
        text.extend(
            skillmeat_core::hash::hash_bytes(&renames)
                .to_hex()
                .into_bytes(),
        );
        text
    }

    fn note(&self, project: &Project, journal: &Journal) -> Result<()> {
        crate::fsx::create_private_dir(&self.dir)?;
        let path = self.dir.join(&journal.id);
        crate::fsx::write_atomic(&path, &Self::entry(project, journal))?;
        if let Some((uid, gid)) = self.owner {
            for p in [&self.dir, &path] {
                let _ = std::os::unix::fs::lchown(p, Some(uid), Some(gid));
            }
        }
        Ok(())
    }

    /// The entry for `id` (a regular file, bounded; never a FIFO or a link).
    fn read(&self, id: &str) -> Option<Vec<u8>> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        if !is_transaction_id(id) {
            return None;
        }
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(self.dir.join(id))
            .ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        file.take(MAX_STARTED).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    fn knows(&self, project: &Project, journal: &Journal) -> bool {
        self.read(&journal.id) == Some(Self::entry(project, journal))
    }

    /// The project this home started `id` in, if it did.
    fn project_of(&self, id: &str) -> Option<String> {
        let bytes = self.read(id)?;
        let line = bytes.split(|b| *b == b'\n').next()?;
        Some(String::from_utf8_lossy(line).into_owned())
    }

    fn forget(&self, id: &str) {
        if is_transaction_id(id) {
            let _ = fs::remove_file(self.dir.join(id));
        }
    }
}

/// A transaction being built: files staged, renames listed.
#[derive(Debug)]
pub struct Txn<'p> {
    project: &'p Project,
    started: &'p Started,
    /// `deploy` or `undeploy`: the prefix of its failpoints.
    op: &'static str,
    journal: Journal,
    next: usize,
    /// The folders in `journal.mkdirs`.
    made: BTreeSet<Place>,
}

impl<'p> Txn<'p> {
    /// Starts a transaction: its staging folder exists from here on.
    pub fn begin(
        project: &'p Project,
        started: &'p Started,
        op: &'static str,
        what: &str,
    ) -> Result<Txn<'p>> {
        let journal = Journal {
            id: crate::store::rows::new_id(),
            operation: format!("{op} {what}"),
            state: TxnState::Pending,
            mkdirs: Vec::new(),
            moves: Vec::new(),
            rmdirs: Vec::new(),
        };
        let dir = journal.dir()?;
        make_dirs(project, &dir)?;
        Ok(Txn {
            project,
            started,
            op,
            journal,
            next: 0,
            made: BTreeSet::new(),
        })
    }

    /// A fresh path in the staging folder.
    pub fn scratch(&mut self) -> Result<Place> {
        self.next += 1;
        Place::staging(&self.journal.id, self.next)
    }

    /// Copies a stored file into the staging folder, hashing every byte on
    /// the way: it must be `expect`, else nothing is deployed.
    pub fn stage_blob(
        &mut self,
        blob: &Path,
        expect: &ContentHash,
        perms: Perms,
        artifact: &str,
    ) -> Result<Staged> {
        let place = self.scratch()?;
        let path = self.project.path(place.rel());
        let mut out = perms
            .create(&path)
            .map_err(|e| self.project.io(place.rel(), e))?;
        let hash = crate::tree::hash_file_with(blob, |chunk| {
            out.write_all(chunk)
                .map_err(|e| self.project.io(place.rel(), e))
        })?;
        if hash != *expect {
            return Err(Error::StoredContentChanged {
                artifact: artifact.to_owned(),
                blob: blob.to_owned(),
            });
        }
        failpoint::hit(&format!("{}.staged", self.op));
        Ok(Staged { place, hash })
    }

    /// Stages bytes we made (a merged settings file, `deployment.toml`).
    pub fn stage_bytes(&mut self, bytes: &[u8], perms: Perms) -> Result<Staged> {
        let place = self.scratch()?;
        let path = self.project.path(place.rel());
        let mut out = perms
            .create(&path)
            .map_err(|e| self.project.io(place.rel(), e))?;
        out.write_all(bytes)
            .map_err(|e| self.project.io(place.rel(), e))?;
        failpoint::hit(&format!("{}.staged", self.op));
        Ok(Staged {
            place,
            hash: skillmeat_core::hash::hash_bytes(bytes),
        })
    }

    /// Moves a staged file into place.
    pub fn put(&mut self, staged: Staged, to: Place) {
        self.journal.moves.push(Move {
            from: staged.place,
            to,
            sha256: staged.hash,
        });
    }

    pub fn mkdir(&mut self, dir: Place) {
        if self.made.insert(dir.clone()) {
            self.journal.mkdirs.push(dir);
        }
    }

    /// Moves a file (whose content is `sha256`) aside, to a backup, or
    /// back from one.
    pub fn rename(&mut self, from: Place, to: Place, sha256: ContentHash) {
        self.journal.moves.push(Move { from, to, sha256 });
    }

    pub fn rmdir_after(&mut self, dir: Place) {
        self.journal.rmdirs.push(dir);
    }

    /// Gives up before anything in the project changed.
    pub fn abandon(self) {
        if let Ok(dir) = self.journal.dir() {
            let _ = remove_staging(self.project, &dir);
        }
    }

    /// Runs the transaction: `before` (the record as read) is written with
    /// the journal, the renames follow, and `after` is the record committed.
    pub fn run(self, before: &Record, after: Record) -> Result<()> {
        let Txn {
            project,
            started,
            op,
            mut journal,
            ..
        } = self;
        let mut pending = before.clone();
        pending.transaction = Some(journal.clone());
        let begun = started
            .note(project, &journal)
            .and_then(|()| write_record(project, &pending));
        if let Err(e) = begun {
            if let Ok(dir) = journal.dir() {
                let _ = remove_staging(project, &dir);
            }
            started.forget(&journal.id);
            return Err(e);
        }
        failpoint::hit(&format!("{op}.journal"));
        if let Err(e) = apply(project, op, &journal) {
            return Err(undo(project, started, &journal, before, e));
        }
        journal.state = TxnState::Committed;
        let mut committed = after;
        committed.transaction = Some(journal.clone());
        if let Err(e) = write_record(project, &committed) {
            return Err(undo(project, started, &journal, before, e));
        }
        failpoint::hit(&format!("{op}.committed"));
        clean_up(project, &journal)?;
        failpoint::hit(&format!("{op}.cleaned"));
        committed.transaction = None;
        write_record(project, &committed)?;
        started.forget(&journal.id);
        Ok(())
    }
}

/// Rolls back after `cause` stopped the renames; `cause` is what the user
/// sees (with a note if the rollback itself failed: the next command in the
/// project finishes it).
fn undo(
    project: &Project,
    started: &Started,
    journal: &Journal,
    before: &Record,
    cause: Error,
) -> Error {
    let rolled = roll_back(project, journal)
        .and_then(|()| write_record(project, before))
        .and_then(|()| remove_staging(project, &journal.dir()?));
    match rolled {
        Ok(()) => {
            let _ = fs::remove_dir(project.path(&state_path(TXN_DIR)));
            started.forget(&journal.id);
            cause
        }
        Err(rollback) => Error::RollbackFailed {
            project: project.root().to_owned(),
            cause: Box::new(cause),
            rollback: Box::new(rollback),
        },
    }
}

fn apply(project: &Project, op: &str, journal: &Journal) -> Result<()> {
    let step = format!("{op}.step");
    for dir in &journal.mkdirs {
        check_parents(project, dir.rel())?;
        match fs::create_dir(project.path(dir.rel())) {
            Ok(()) => project.adopt(dir.rel()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(project.io(dir.rel(), e)),
        }
        failpoint::hit(&step);
    }
    for m in &journal.moves {
        rename(project, &m.from, &m.to)?;
        failpoint::hit(&step);
    }
    Ok(())
}

/// Undoes what happened of a pending journal's renames and folders. The
/// staging folder stays until the record no longer holds the journal: with
/// its files in place, running this again (after a kill) changes nothing.
fn roll_back(project: &Project, journal: &Journal) -> Result<()> {
    // Files go back into the staging folder: it must be there.
    make_dirs(project, &journal.dir()?)?;
    for m in journal.moves.iter().rev() {
        if !exists(project, &m.to)? || exists(project, &m.from)? {
            continue;
        }
        // A file goes back only if it is still what was moved.
        let here = project.entry(m.to.rel())?;
        if here.hash() == Some(&m.sha256) {
            rename(project, &m.to, &m.from)?;
        }
    }
    rescue_moved_aside(project, journal)?;
    for dir in journal.mkdirs.iter().rev() {
        if exists(project, dir)? {
            // Still holding something we did not put there: it stays.
            let _ = fs::remove_dir(project.path(dir.rel()));
        }
    }
    Ok(())
}

/// A file moved aside into the staging folder that could not go back (its
/// place was taken, say the user edited the file we had put there) is the
/// user's: it is kept as a backup beside its place, never deleted with the
/// staging folder.
fn rescue_moved_aside(project: &Project, journal: &Journal) -> Result<()> {
    let mut taken = BTreeSet::new();
    for m in &journal.moves {
        let aside = m.to.is_staging_of(&journal.id) && !m.from.is_staging_of(&journal.id);
        if aside && exists(project, &m.to)? {
            make_dirs(project, &m.from.rel().parent())?;
            let backup = super::plan::free_backup(project, &m.from, &mut taken)?;
            rename(project, &m.to, &backup)?;
            tracing::warn!(
                file = %m.from,
                backup = %backup,
                "rolling back a deploy: the file it replaced could not go back (its place was changed since); it is kept as the backup"
            );
        }
    }
    Ok(())
}

/// After the commit: the staging folder (with the files moved aside) and
/// the folders emptied by an undeploy go.
fn clean_up(project: &Project, journal: &Journal) -> Result<()> {
    remove_staging(project, &journal.dir()?)?;
    let _ = fs::remove_dir(project.path(&state_path(TXN_DIR)));
    for dir in &journal.rmdirs {
        // Only a real folder: never what a link leads to.
        let real = project
            .missing_parents(dir.rel())
            .is_ok_and(|m| m.is_empty())
            && fs::symlink_metadata(project.path(dir.rel())).is_ok_and(|m| m.is_dir());
        if real {
            remove_dir_if_only_junk(&project.path(dir.rel()));
        }
    }
    Ok(())
}

/// Finishes a transaction a killed or failed command left in the record
/// (under the project lock), and removes staging folders no journal names.
pub fn recover(project: &Project, started: &Started, record: &mut Record) -> Result<()> {
    remove_temp(project)?;
    if let Some(journal) = record.transaction.take() {
        match journal.state {
            TxnState::Pending if !started.knows(project, &journal) => {
                return Err(foreign(project, started, &journal));
            }
            TxnState::Pending => roll_back(project, &journal)?,
            // Cleaning up only removes staging folders and leftovers.
            TxnState::Committed => clean_up(project, &journal)?,
        }
        tracing::info!(operation = %journal.operation, state = ?journal.state, "finished an interrupted deploy transaction");
        write_record(project, record)?;
        started.forget(&journal.id);
    }
    sweep_staging(project)
}

/// A pending journal this skillmeat home did not start (a cloned
/// repository can carry one): it is not run, and nothing is touched.
fn foreign(project: &Project, started: &Started, journal: &Journal) -> Error {
    let here = project.root().display().to_string();
    let whose = match started.project_of(&journal.id) {
        Some(there) if there == here => {
            "its renames are not the ones this skillmeat wrote under that id (it was changed since)".to_owned()
        }
        Some(there) => format!(
            "this skillmeat started it in {there}, not here (was the project moved? move it back and run skillmeat there)"
        ),
        None => "this skillmeat did not start it (it may have come with the repository, or from another machine or SKILLMEAT_HOME; finish it from there)".to_owned(),
    };
    let mut aside: Vec<String> = journal
        .moves
        .iter()
        .filter(|m| m.to.is_staging_of(&journal.id) && !m.from.is_staging_of(&journal.id))
        .map(|m| format!("{} (was {})", m.to, m.from))
        .collect();
    aside.sort();
    let kept = if aside.is_empty() {
        String::new()
    } else {
        format!(
            "; files it moved aside are still there, not deleted: {}",
            aside.join(", ")
        )
    };
    Error::BadInput {
        path: project.path(&state_path(RECORD)),
        reason: format!(
            "holds an unfinished transaction ({}, id {}): {whose}; nothing was done{kept}",
            printable(&journal.operation),
            journal.id
        ),
    }
}

/// Text from a record, safe to print (control characters escaped).
fn printable(text: &str) -> String {
    text.chars().flat_map(char::escape_default).collect()
}

/// Removes the staging folders no journal names (under the lock, with no
/// journal left, that is all of them). An entry that is not a plain
/// transaction id is not ours: it stays.
fn sweep_staging(project: &Project) -> Result<()> {
    let txn = state_path(TXN_DIR);
    project.missing_parents(&txn)?;
    let Ok(entries) = fs::read_dir(project.path(&txn)) else {
        return Ok(());
    };
    for e in entries.flatten() {
        if let Some(dir) = e.file_name().to_str().and_then(staging_dir) {
            remove_staging(project, &dir)?;
        }
    }
    let _ = fs::remove_dir(project.path(&txn));
    Ok(())
}

/// Removes a temp record a killed command left (a link is removed, never
/// followed).
fn remove_temp(project: &Project) -> Result<()> {
    let temp = state_path(RECORD_TEMP);
    match fs::remove_file(project.path(&temp)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(project.io(&temp, e)),
        _ => Ok(()),
    }
}

/// Writes the record atomically (a fixed temp name: the lock is held), or
/// removes it when it holds nothing.
pub fn write_record(project: &Project, record: &Record) -> Result<()> {
    let path = state_path(RECORD);
    if record.is_empty() {
        return match fs::remove_file(project.path(&path)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(project.io(&path, e)),
            _ => Ok(()),
        };
    }
    let temp = state_path(RECORD_TEMP);
    make_dirs(project, &state_path(STATE_DIR))?;
    remove_temp(project)?;
    let text = record.to_text()?;
    let write = || -> io::Result<()> {
        let mut f = create_new(&project.path(&temp), 0o644)?;
        f.write_all(text.as_bytes())?;
        project.adopt(&temp);
        fs::rename(project.path(&temp), project.path(&path))
    };
    write().map_err(|e| {
        let _ = fs::remove_file(project.path(&temp));
        project.io(&path, e)
    })
}

/// Moves a regular file to a free place (never a folder, a link, or over
/// anything).
fn rename(project: &Project, from: &Place, to: &Place) -> Result<()> {
    check_parents(project, from.rel())?;
    check_parents(project, to.rel())?;
    let refuse = |reason: String| Error::BadInput {
        path: project.path(from.rel()),
        reason,
    };
    match fs::symlink_metadata(project.path(from.rel())) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(refuse(format!("is not a regular file; not moved to {to}"))),
        Err(e) => return Err(project.io(from.rel(), e)),
    }
    if exists(project, to)? {
        return Err(refuse(format!("not moved: {to} exists")));
    }
    fs::rename(project.path(from.rel()), project.path(to.rel())).map_err(|e| {
        let what = format!("cannot move a file here (from {from}): {e}");
        project.io(to.rel(), io::Error::new(e.kind(), what))
    })
}

/// No link and no missing folder on the way to `rel`.
fn check_parents(project: &Project, rel: &SafeRelPath) -> Result<()> {
    match project.missing_parents(rel)?.first() {
        None => Ok(()),
        Some(missing) => Err(project.io(
            missing,
            io::Error::new(io::ErrorKind::NotFound, "folder is missing"),
        )),
    }
}

fn exists(project: &Project, place: &Place) -> Result<bool> {
    if !project.missing_parents(place.rel())?.is_empty() {
        return Ok(false);
    }
    Ok(fs::symlink_metadata(project.path(place.rel())).is_ok())
}

/// Creates the folders on the way to and including `dir` (none may be a link).
fn make_dirs(project: &Project, dir: &SafeRelPath) -> Result<()> {
    let file_below = dir
        .join_str("x")
        .map_err(|e| Error::Internal(format!("{dir}: {e}")))?;
    for d in project.missing_parents(&file_below)? {
        match fs::create_dir(project.path(&d)) {
            Ok(()) => project.adopt(&d),
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(project.io(&d, e)),
            Err(_) => {}
        }
    }
    Ok(())
}

/// Removes a staging folder `.claude/skillmeat/txn/<id>` (a file or a link
/// of that name is removed itself; nothing else can be named here).
fn remove_staging(project: &Project, dir: &SafeRelPath) -> Result<()> {
    let ours = dir
        .as_str()
        .strip_prefix(TXN_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(is_transaction_id);
    if !ours {
        return Err(Error::Internal(format!("{dir} is not a staging folder")));
    }
    project.missing_parents(dir)?;
    let path = project.path(dir);
    let removed = match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(&path),
        Ok(_) => fs::remove_file(&path),
        Err(e) => Err(e),
    };
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(project.io(dir, e)),
        _ => Ok(()),
    }
}

/// Creates a new file with `mode` (never an existing one).
fn create_new(path: &Path, mode: u32) -> io::Result<fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    // The umask may have taken bits away: the file gets exactly `mode`.
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    Ok(file)
}

/// What running deployed code (or browsing its folder) leaves behind.
const JUNK: [&str; 6] = [
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".DS_Store",
    "Thumbs.db",
];

/// Removes a folder if all that is left in it is [`JUNK`]. Anything else
/// (`build/`, `.git`, a user's file) keeps it.
fn remove_dir_if_only_junk(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let entries: Vec<_> = entries.flatten().collect();
    let junk = |e: &fs::DirEntry| e.file_name().to_str().is_some_and(|n| JUNK.contains(&n));
    if entries.iter().all(junk) {
        for e in &entries {
            let _ = crate::fsx::remove_any(&e.path());
        }
        let _ = fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn place(p: &str) -> Place {
        Place::new(p).expect("a place")
    }

    /// Every file and folder below `dir` with its content.
    fn tree(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.expect("walk"))
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .expect("below")
                    .display()
                    .to_string();
                let content = e
                    .file_type()
                    .is_file()
                    .then(|| fs::read(e.path()).expect("read"));
                (rel, content)
            })
            .collect()
    }

    /// A deploy's journal: a new file into a new folder, a file of ours
    /// replaced, a user's file replaced (kept as a backup), one removed.
    fn journal_and_project() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let root = dir.path();
        for (rel, text) in [
            (".claude/commands/ours.md", "old ours"),
            (".claude/commands/theirs.md", "theirs"),
            (".claude/agents/gone.md", "gone"),
            (".claude/skillmeat/txn/T/1", "new skill"),
            (".claude/skillmeat/txn/T/2", "new ours"),
            (".claude/skillmeat/txn/T/3", "new theirs"),
        ] {
            fs::create_dir_all(root.join(rel).parent().expect("parent")).expect("mkdir");
            fs::write(root.join(rel), text).expect("write");
        }
        // Each move with the content it moves (what a rollback checks).
        let mv = |from: &str, to: &str, text: &str| Move {
            from: place(from),
            to: place(to),
            sha256: skillmeat_core::hash::hash_bytes(text.as_bytes()),
        };
        let put = mv;
        let journal = Journal {
            id: "T".into(),
            operation: "deploy test".into(),
            state: TxnState::Pending,
            mkdirs: vec![place(".claude/skills"), place(".claude/skills/s")],
            moves: vec![
                put(
                    ".claude/skillmeat/txn/T/1",
                    ".claude/skills/s/SKILL.md",
                    "new skill",
                ),
                mv(
                    ".claude/commands/ours.md",
                    ".claude/skillmeat/txn/T/4",
                    "old ours",
                ),
                put(
                    ".claude/skillmeat/txn/T/2",
                    ".claude/commands/ours.md",
                    "new ours",
                ),
                mv(
                    ".claude/commands/theirs.md",
                    ".claude/commands/theirs.md.skillmeat-backup",
                    "theirs",
                ),
                put(
                    ".claude/skillmeat/txn/T/3",
                    ".claude/commands/theirs.md",
                    "new theirs",
                ),
                mv(
                    ".claude/agents/gone.md",
                    ".claude/skillmeat/txn/T/5",
                    "gone",
                ),
            ],
            rmdirs: Vec::new(),
        };
        (dir, journal)
    }

    #[test]
    fn a_rollback_after_any_number_of_steps_gives_back_the_project() {
        let steps = {
            let (_, j) = journal_and_project();
            j.mkdirs.len() + j.moves.len()
        };
        for done in 0..=steps {
            let (dir, journal) = journal_and_project();
            let project = Project::open(dir.path()).expect("project");
            let mut before = tree(dir.path());
            before.retain(|p, _| !p.starts_with(".claude/skillmeat"));
            // The first `done` steps, as a kill would leave them.
            for d in journal.mkdirs.iter().take(done) {
                fs::create_dir(project.path(d.rel())).expect("mkdir");
            }
            let moved = done.saturating_sub(journal.mkdirs.len());
            for m in journal.moves.iter().take(moved) {
                fs::rename(project.path(m.from.rel()), project.path(m.to.rel())).expect("mv");
            }
            roll_back(&project, &journal).expect("rolls back");
            let mut after = tree(dir.path());
            after.retain(|p, _| !p.starts_with(".claude/skillmeat"));
            assert_eq!(after, before, "after {done} steps");
            // Killed while rolling back, it runs again to the same end.
            roll_back(&project, &journal).expect("rolls back again");
            let mut again = tree(dir.path());
            again.retain(|p, _| !p.starts_with(".claude/skillmeat"));
            assert_eq!(again, before, "after {done} steps, twice");
        }
    }

    #[test]
    fn a_journal_moves_only_files_between_their_places() {
        let (_, journal) = journal_and_project();
        assert_eq!(journal.check(), Ok(()));
        let with = |from: &str, to: &str, sha: bool| {
            let mut j = journal.clone();
            j.moves = vec![Move {
                from: place(from),
                to: place(to),
                sha256: skillmeat_core::hash::hash_bytes(if sha { b"x" } else { b"y" }),
            }];
            j.check()
        };
        for (from, to, sha) in [
            // Another transaction's staging folder.
            (
                ".claude/skillmeat/txn/OTHER/1",
                ".claude/commands/a.md",
                true,
            ),
            // Whole folders, in either direction.
            (".claude/skillmeat/txn", ".claude/skills", false),
            (".claude/skillmeat/txn/T/1", ".claude/skills", true),
            (".claude/skills", ".claude/skillmeat/txn/T/1", false),
            (".claude", ".claude/skillmeat/txn/T/1", false),
            // A "backup" of another file.
            (
                ".claude/commands/a.md",
                ".claude/commands/b.md.skillmeat-backup",
                false,
            ),
            (".claude/commands/a.md", ".claude/commands/b.md", false),
        ] {
            assert!(with(from, to, sha).is_err(), "{from} -> {to}");
        }
        assert!(
            with(
                ".claude/commands/a.md",
                ".claude/commands/a.md.skillmeat-backup.2",
                false
            )
            .is_ok()
        );
        let mut bad_id = journal.clone();
        bad_id.id = "..".into();
        assert!(bad_id.check().is_err());
    }

    #[test]
    fn a_rollback_takes_back_only_what_it_put() {
        let (dir, journal) = journal_and_project();
        let project = Project::open(dir.path()).expect("project");
        for d in &journal.mkdirs {
            fs::create_dir(project.path(d.rel())).expect("mkdir");
        }
        for m in &journal.moves {
            fs::rename(project.path(m.from.rel()), project.path(m.to.rel())).expect("mv");
        }
        // The user writes over a file we put there before the rollback.
        fs::write(dir.path().join(".claude/commands/ours.md"), "the user's").expect("write");
        roll_back(&project, &journal).expect("rolls back");
        let text = |rel: &str| fs::read_to_string(dir.path().join(rel)).ok();
        assert_eq!(
            text(".claude/commands/ours.md").as_deref(),
            Some("the user's")
        );
        // What it had replaced could not go back: kept beside it, not lost.
        assert_eq!(
            text(".claude/commands/ours.md.skillmeat-backup").as_deref(),
            Some("old ours")
        );
        assert_eq!(
            text(".claude/commands/theirs.md").as_deref(),
            Some("theirs")
        );
        assert_eq!(text(".claude/skills/s/SKILL.md"), None);
    }
}
