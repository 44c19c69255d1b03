//! One deploy or undeploy at a time per project: an exclusive `flock` on
//! `.claude/skillmeat/lock`. A second caller waits (up to
//! `SKILLMEAT_LOCK_TIMEOUT` seconds, 30 by default), then fails with a
//! clear message.
//!
//! The lock file exists only while it is held: the holder removes it (while
//! still holding it), and when no record is left, the folders it had to
//! create for it, so a refused deploy leaves the project as it was. A waiter
//! that then gets the lock of a removed file notices (the path no longer
//! names the file it holds) and starts over.

use std::fs::{self, File, TryLockError};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use skillmeat_core::SafeRelPath;

use super::project::Project;
use super::record::{RECORD, Record, STATE_DIR, state_path};
use crate::error::{Error, Result};

const LOCK: &str = ".claude/skillmeat/lock";
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// Held until dropped.
#[derive(Debug)]
pub struct ProjectLock {
    project: Project,
    file: Option<File>,
    /// Taking the lock created `.claude`.
    made_claude: bool,
    /// `.claude/skillmeat` was there before we took the lock.
    state_existed: bool,
    /// Remove `.claude` when nothing is left in it and no record remains.
    tidy_claude: bool,
}

impl ProjectLock {
    pub async fn acquire(project: &Project) -> Result<ProjectLock> {
        let wait = timeout()?;
        let started = Instant::now();
        let lock = state_path(LOCK);
        let state_existed = project.identity(&state_path(STATE_DIR)).is_some();
        loop {
            let made = project.missing_parents(&lock)?;
            let mut gone = false;
            for dir in &made {
                match fs::create_dir(project.path(dir)) {
                    Ok(()) => project.adopt(dir),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => gone = true,
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                        return Err(project.io(dir, e));
                    }
                    _ => {}
                }
            }
            let made_claude = made
                .first()
                .is_some_and(|d| d.as_str() == super::CLAUDE_DIR);
            // A holder leaving an empty project removes the folders as we
            // make them: start over.
            let Some(file) = (!gone).then(|| open(project, &lock)).transpose()?.flatten() else {
                continue;
            };
            match file.try_lock() {
                Ok(()) if same_file(project, &lock, &file) => {
                    return Ok(ProjectLock {
                        project: project.clone(),
                        file: Some(file),
                        made_claude,
                        state_existed,
                        tidy_claude: made_claude,
                    });
                }
                // The holder removed the file as we opened it: start over.
                Ok(()) => continue,
                Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::Locked {
                        project: project.root().to_owned(),
                        waited: started.elapsed().as_secs(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(project.io(&lock, e)),
            }
        }
    }

    /// Whether taking the lock created `.claude`.
    pub fn made_claude(&self) -> bool {
        self.made_claude
    }

    /// `.claude` goes too when nothing is left in it (the last undeploy of
    /// a deployment that created it).
    pub fn remove_claude_when_empty(&mut self) {
        self.tidy_claude = true;
    }

    /// Called with the record as read: a `.claude/skillmeat` that holds no
    /// deployment is what a killed first deploy (or last undeploy) left, in
    /// a `.claude` it may have created; `.claude` goes when it is empty.
    pub fn note_record(&mut self, record: &Record) {
        if self.state_existed && record.deployments.is_empty() {
            self.tidy_claude = true;
        }
    }
}

/// Opens the lock file, creating it (owned like its folder) when missing;
/// `None`: its folder was just removed. It is opened for reading only
/// (`flock` needs no more), so a lock file another user left (a killed
/// `sudo` run) does not lock its owner out.
fn open(project: &Project, lock: &SafeRelPath) -> Result<Option<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = project.path(lock);
    let read = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path);
    let opened = match read {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let created = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path);
            if created.is_ok() {
                project.adopt(lock);
            }
            match created {
                // Made (or just removed) by another process: try again.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
                other => other,
            }
        }
        other => other,
    };
    match opened {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Err(Error::BadInput {
            path,
            reason: "is a symbolic link; skillmeat never follows one in .claude/skillmeat".into(),
        }),
        Err(e) => Err(project.io(lock, e)),
    }
}

/// `SKILLMEAT_LOCK_TIMEOUT`: seconds to wait for the lock.
fn timeout() -> Result<Duration> {
    let Ok(text) = std::env::var("SKILLMEAT_LOCK_TIMEOUT") else {
        return Ok(DEFAULT_WAIT);
    };
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| *d <= Duration::from_secs(86_400))
        .ok_or_else(|| {
            Error::Usage(format!(
                "SKILLMEAT_LOCK_TIMEOUT={text:?}: give a number of seconds between 0 and 86400"
            ))
        })
}

fn same_file(project: &Project, lock: &SafeRelPath, file: &File) -> bool {
    let held = file.metadata().ok().map(|m| (m.dev(), m.ino()));
    held.is_some() && held == project.identity(lock)
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // Removed while still held: a waiter that opened it starts over.
        let _ = fs::remove_file(self.project.path(&state_path(LOCK)));
        if !self.project.has(&state_path(RECORD)) {
            let _ = fs::remove_dir(self.project.path(&state_path(super::txn::TXN_DIR)));
            let _ = fs::remove_dir(self.project.path(&state_path(STATE_DIR)));
            if self.tidy_claude {
                let _ = fs::remove_dir(self.project.root().join(super::CLAUDE_DIR));
            }
        }
        // Closing the file releases the lock, after the removals.
        drop(self.file.take());
    }
}
